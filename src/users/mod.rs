//! Accounts: the `users` table, the management pages and API.

pub mod api;
pub mod entity;
pub mod form;
mod handlers;
pub mod queries;

use axum::http::Method;

use crate::app::Routes;
use crate::auth::policy::ADMIN;
use utoipa_axum::routes;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/users", ADMIN, handlers::list)
        .add(Method::POST, "/users", ADMIN, handlers::create)
        .add(Method::GET, "/users/{id}", ADMIN, handlers::edit)
        .add(Method::POST, "/users/{id}", ADMIN, handlers::change)
        .api(ADMIN, routes!(api::list))
        .api(ADMIN, routes!(api::create))
        .api(ADMIN, routes!(api::get))
        .api(ADMIN, routes!(api::update))
}
