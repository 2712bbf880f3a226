//! Orders: numbers, lines, the status machine and timeline, pages and API,
//! and the phone-order desk.

pub mod api;
mod desk;
pub mod entity;
pub mod form;
mod handlers;
pub mod number;
pub mod queries;
pub mod status;

use axum::http::Method;

use crate::app::Routes;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/orders", handlers::list)
        .add(Method::GET, "/orders/new", handlers::new_form)
        .add(Method::POST, "/orders", handlers::create)
        .add(Method::POST, "/orders/bulk", handlers::bulk)
        .add(Method::GET, "/orders/{id}", handlers::show)
        .add(
            Method::POST,
            "/orders/{id}/transition",
            handlers::transition,
        )
        .add(Method::GET, "/desk", desk::page)
        .add(Method::GET, "/desk/lookup", desk::lookup)
        .add(Method::GET, "/desk/customer/{id}", desk::card)
        .add(Method::POST, "/desk/order", desk::place_order)
        .add(Method::GET, "/api/v1/orders", api::list)
        .add(Method::POST, "/api/v1/orders", api::create)
        .add(Method::GET, "/api/v1/orders/{id}", api::get)
        .add(
            Method::POST,
            "/api/v1/orders/{id}/transitions",
            api::transition,
        )
        .add(Method::POST, "/api/v1/orders/bulk", api::bulk)
}
