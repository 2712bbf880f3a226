//! Route planning: the travel matrix, optimization runs
//! in the background, the planning board (map, moves, locks, publish), the
//! printable route sheet, and the planning and routes API.

pub mod actions;
pub mod api;
pub mod board;
pub mod day;
pub mod entity;
mod handlers;
pub mod naive;
pub mod problem;
pub mod runs;
pub mod store;
pub mod travel;

use axum::http::Method;

use crate::app::Routes;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/planning", handlers::page)
        .add(
            Method::POST,
            "/planning/{date}/optimize",
            handlers::optimize,
        )
        .add(Method::POST, "/planning/{date}/publish", handlers::publish)
        .add(Method::POST, "/planning/{date}/move", handlers::move_stop)
        .add(Method::POST, "/planning/{date}/lock", handlers::lock)
        .add(
            Method::POST,
            "/planning/{date}/routes/{id}/driver",
            handlers::set_driver,
        )
        .add(Method::GET, "/planning/routes/{id}/print", handlers::print)
        .add(Method::GET, "/api/v1/planning/{date}", api::get_board)
        .add(
            Method::POST,
            "/api/v1/planning/{date}/optimize",
            api::optimize,
        )
        .add(Method::GET, "/api/v1/planning/{date}/run", api::get_run)
        .add(
            Method::POST,
            "/api/v1/planning/{date}/moves",
            api::move_stop,
        )
        .add(Method::POST, "/api/v1/planning/{date}/locks", api::lock)
        .add(
            Method::POST,
            "/api/v1/planning/{date}/publish",
            api::publish,
        )
        .add(
            Method::POST,
            "/api/v1/planning/{date}/routes/{id}/driver",
            api::set_driver,
        )
        .add(Method::GET, "/api/v1/routes", api::list_routes)
        .add(Method::GET, "/api/v1/routes/{id}", api::get_route)
}
