//! `/api/v1/vehicles` and `/api/v1/drivers`.

use axum::{Json, extract::State, http::StatusCode};

use super::{
    checks::{DriverInput, VehicleInput},
    entity::{driver, vehicle},
    store,
};
use crate::{app::AppState, error::AppError, extract::ApiJson, extract::Path};

#[utoipa::path(get, path = "/api/v1/vehicles", tag = "fleet",
    responses((status = 200, body = Vec<vehicle::Model>)), security(("bearer" = [])))]
pub async fn vehicles(
    State(state): State<AppState>,
) -> Result<Json<Vec<vehicle::Model>>, AppError> {
    Ok(Json(store::vehicles(&state.db).await?))
}

/// Adds a truck. Capacity must be more than zero in kg and in slots.
#[utoipa::path(post, path = "/api/v1/vehicles", tag = "fleet", request_body = VehicleInput,
    responses((status = 201, body = vehicle::Model), (status = 422, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn add_vehicle(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<VehicleInput>,
) -> Result<(StatusCode, Json<vehicle::Model>), AppError> {
    let v = store::save_vehicle(&state.db, None, &input, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(put, path = "/api/v1/vehicles/{id}", tag = "fleet", request_body = VehicleInput,
    params(("id" = i32, Path)),
    responses((status = 200, body = vehicle::Model), (status = 422, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn update_vehicle(
    State(state): State<AppState>,
    Path(id): Path<i32>,
    ApiJson(input): ApiJson<VehicleInput>,
) -> Result<Json<vehicle::Model>, AppError> {
    Ok(Json(
        store::save_vehicle(&state.db, Some(id), &input, state.clock.now()).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/drivers", tag = "fleet",
    responses((status = 200, body = Vec<driver::Model>)), security(("bearer" = [])))]
pub async fn drivers(State(state): State<AppState>) -> Result<Json<Vec<driver::Model>>, AppError> {
    Ok(Json(store::drivers(&state.db).await?))
}

#[utoipa::path(post, path = "/api/v1/drivers", tag = "fleet", request_body = DriverInput,
    responses((status = 201, body = driver::Model), (status = 422, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn add_driver(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<DriverInput>,
) -> Result<(StatusCode, Json<driver::Model>), AppError> {
    let d = store::save_driver(&state.db, None, &input, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

#[utoipa::path(put, path = "/api/v1/drivers/{id}", tag = "fleet", request_body = DriverInput,
    params(("id" = i32, Path)),
    responses((status = 200, body = driver::Model), (status = 422, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn update_driver(
    State(state): State<AppState>,
    Path(id): Path<i32>,
    ApiJson(input): ApiJson<DriverInput>,
) -> Result<Json<driver::Model>, AppError> {
    Ok(Json(
        store::save_driver(&state.db, Some(id), &input, state.clock.now()).await?,
    ))
}
