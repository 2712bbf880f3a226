//! Route planning: the travel matrix, optimization runs
//! in the background, the planning board (map, moves, locks, publish), the
//! printable route sheet, and the planning and routes API.

pub mod actions;
pub mod api;
pub mod board;
pub mod day;
pub mod entity;
mod handlers;
pub mod lookups;
pub mod naive;
pub mod problem;
pub mod progress;
pub mod runs;
pub mod status;
pub mod store;
pub mod travel;

use axum::http::Method;

use crate::app::Routes;
use crate::auth::policy::{OFFICE, OFFICE_AND_DRIVERS};
use utoipa_axum::routes;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/planning", OFFICE, handlers::page)
        .add(
            Method::POST,
            "/planning/{date}/optimize",
            OFFICE,
            handlers::optimize,
        )
        .add(
            Method::POST,
            "/planning/{date}/publish",
            OFFICE,
            handlers::publish,
        )
        .add(
            Method::POST,
            "/planning/{date}/move",
            OFFICE,
            handlers::move_stop,
        )
        .add(
            Method::POST,
            "/planning/{date}/lock",
            OFFICE,
            handlers::lock,
        )
        .add(
            Method::POST,
            "/planning/{date}/routes/{id}/driver",
            OFFICE,
            handlers::set_driver,
        )
        .add(
            Method::GET,
            "/planning/routes/{id}/print",
            OFFICE,
            handlers::print,
        )
        .api(OFFICE, routes!(api::get_board))
        .api(OFFICE, routes!(api::optimize))
        .api(OFFICE, routes!(api::get_run))
        .api(OFFICE, routes!(api::move_stop))
        .api(OFFICE, routes!(api::lock))
        .api(OFFICE, routes!(api::publish))
        .api(OFFICE, routes!(api::set_driver))
        .api(OFFICE_AND_DRIVERS, routes!(api::list_routes))
        .api(OFFICE_AND_DRIVERS, routes!(api::get_route))
}
