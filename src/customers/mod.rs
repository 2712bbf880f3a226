//! The customer book: customers, their phones and cylinders, pages and API.

pub mod accounts;
pub mod api;
pub mod entity;
pub mod form;
mod handlers;
pub mod kinds;
pub mod locate;
pub mod own;
pub mod queries;
pub mod search_index;

use axum::http::Method;

use crate::app::Routes;
use crate::auth::policy::{CUSTOMER, OFFICE};
use utoipa_axum::routes;

pub fn routes(r: Routes) -> Routes {
    locate::routes(accounts::routes(r))
        .add(Method::GET, "/customers", OFFICE, handlers::list)
        .add(Method::GET, "/customers/new", OFFICE, handlers::new_form)
        .add(Method::POST, "/customers", OFFICE, handlers::create)
        .add(Method::GET, "/customers/{id}", OFFICE, handlers::show)
        .add(
            Method::GET,
            "/customers/{id}/edit",
            OFFICE,
            handlers::edit_form,
        )
        .add(Method::POST, "/customers/{id}", OFFICE, handlers::update)
        .add(
            Method::POST,
            "/customers/{id}/active",
            OFFICE,
            handlers::set_active,
        )
        .api(OFFICE, routes!(api::list))
        .api(OFFICE, routes!(api::create))
        .api(OFFICE, routes!(api::get))
        .api(OFFICE, routes!(api::update))
        .api(OFFICE, routes!(api::set_active))
        .add(Method::GET, "/my", CUSTOMER, own::page)
        .api(CUSTOMER, routes!(own::api))
}
