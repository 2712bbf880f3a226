//! The customer book: customers, their phones and cylinders, pages and API.

pub mod api;
pub mod entity;
pub mod form;
mod handlers;
pub mod kinds;
pub mod own;
pub mod queries;
pub mod search_index;

use axum::http::Method;

use crate::app::Routes;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/customers", handlers::list)
        .add(Method::GET, "/customers/new", handlers::new_form)
        .add(Method::POST, "/customers", handlers::create)
        .add(Method::GET, "/customers/{id}", handlers::show)
        .add(Method::GET, "/customers/{id}/edit", handlers::edit_form)
        .add(Method::POST, "/customers/{id}", handlers::update)
        .add(Method::POST, "/customers/{id}/active", handlers::set_active)
        .add(Method::GET, "/api/v1/customers", api::list)
        .add(Method::POST, "/api/v1/customers", api::create)
        .add(Method::GET, "/api/v1/customers/{id}", api::get)
        .add(Method::PUT, "/api/v1/customers/{id}", api::update)
        .add(
            Method::POST,
            "/api/v1/customers/{id}/active",
            api::set_active,
        )
        .add(Method::GET, "/my", own::page)
        .add(Method::GET, "/api/v1/my/customer", own::api)
}
