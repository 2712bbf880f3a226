//! Orders: numbers, lines, the status machine and timeline, pages and API,
//! and the phone-order desk.

pub mod announce;
pub mod api;
pub mod customer_figures;
mod desk;
pub mod entity;
pub mod failed;
pub mod form;
mod handlers;
pub mod number;
pub mod payments;
pub mod queries;
pub mod status;

use axum::http::Method;

use crate::app::Routes;
use crate::auth::policy::OFFICE;
use utoipa_axum::routes;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/orders", OFFICE, handlers::list)
        .add(Method::GET, "/orders/new", OFFICE, handlers::new_form)
        .add(Method::POST, "/orders", OFFICE, handlers::create)
        .add(Method::POST, "/orders/bulk", OFFICE, handlers::bulk)
        .add(Method::GET, "/orders/{id}", OFFICE, handlers::show)
        .add(
            Method::POST,
            "/orders/{id}/transition",
            OFFICE,
            handlers::transition,
        )
        .add(Method::GET, "/desk", OFFICE, desk::page)
        .add(Method::GET, "/desk/lookup", OFFICE, desk::lookup)
        .add(Method::GET, "/desk/customer/{id}", OFFICE, desk::card)
        .add(Method::POST, "/desk/order", OFFICE, desk::place_order)
        .api(OFFICE, routes!(api::list))
        .api(OFFICE, routes!(api::create))
        .api(OFFICE, routes!(api::get))
        .api(OFFICE, routes!(api::transition))
        .api(OFFICE, routes!(api::bulk))
        .api(OFFICE, routes!(api::decide))
        .api(OFFICE, routes!(api::add_payment))
        .api(OFFICE, routes!(api::add_account_payment))
}
