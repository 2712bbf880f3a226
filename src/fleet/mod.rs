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

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/fleet", pages::page)
        .add(Method::POST, "/fleet/vehicles", pages::add_vehicle)
        .add(Method::POST, "/fleet/vehicles/{id}", pages::update_vehicle)
        .add(Method::POST, "/fleet/drivers", pages::add_driver)
        .add(Method::POST, "/fleet/drivers/{id}", pages::update_driver)
        .add(Method::GET, "/api/v1/vehicles", api::vehicles)
        .add(Method::POST, "/api/v1/vehicles", api::add_vehicle)
        .add(Method::PUT, "/api/v1/vehicles/{id}", api::update_vehicle)
        .add(Method::GET, "/api/v1/drivers", api::drivers)
        .add(Method::POST, "/api/v1/drivers", api::add_driver)
        .add(Method::PUT, "/api/v1/drivers/{id}", api::update_driver)
}
