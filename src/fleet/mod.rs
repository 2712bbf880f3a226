//! The fleet: trucks (plate, capacity in kg and truck-bed slots), drivers
//! (sign-in account, usual truck, shift) and the depot. `checks` holds what
//! a form must contain, `store` saves and reads, `pages` is `/fleet`, `api`
//! is `/api/v1/vehicles` and `/api/v1/drivers`. Planning reads the fleet
//! through `store`.

pub mod api;
pub mod checks;
pub mod entity;
mod pages;
pub mod store;

use axum::http::Method;

pub use entity::{depot, driver, vehicle};

use crate::app::Routes;
use crate::auth::policy::{MANAGERS, OFFICE};
use utoipa_axum::routes;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/fleet", OFFICE, pages::page)
        .add(
            Method::POST,
            "/fleet/vehicles",
            MANAGERS,
            pages::add_vehicle,
        )
        .add(
            Method::POST,
            "/fleet/vehicles/{id}",
            MANAGERS,
            pages::update_vehicle,
        )
        .add(Method::POST, "/fleet/drivers", MANAGERS, pages::add_driver)
        .add(
            Method::POST,
            "/fleet/drivers/{id}",
            MANAGERS,
            pages::update_driver,
        )
        .api(OFFICE, routes!(api::vehicles))
        .api(MANAGERS, routes!(api::add_vehicle))
        .api(MANAGERS, routes!(api::update_vehicle))
        .api(OFFICE, routes!(api::drivers))
        .api(MANAGERS, routes!(api::add_driver))
        .api(MANAGERS, routes!(api::update_driver))
}
