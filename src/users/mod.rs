//! Accounts: the `users` table, the management pages and API.

pub mod api;
pub mod entity;
pub mod form;
mod handlers;
pub mod queries;

use axum::http::Method;

use crate::app::Routes;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/users", handlers::list)
        .add(Method::POST, "/users", handlers::create)
        .add(Method::GET, "/users/{id}", handlers::edit)
        .add(Method::POST, "/users/{id}", handlers::change)
        .add(Method::GET, "/api/v1/users", api::list)
        .add(Method::POST, "/api/v1/users", api::create)
        .add(Method::GET, "/api/v1/users/{id}", api::get)
        .add(Method::PATCH, "/api/v1/users/{id}", api::update)
}
