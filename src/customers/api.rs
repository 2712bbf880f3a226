//! `/api/v1/customers`.

use axum::{Json, extract::State, http::StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    entity::{customer, phone},
    form::CustomerInput,
    queries::{self, Filter},
};
use crate::{
    app::AppState,
    auth::CurrentUser,
    domain::Phone,
    error::AppError,
    extract::{ApiJson, Path, Query},
    orders::customer_figures::CustomerStats,
};

#[derive(Serialize, ToSchema)]
pub struct CustomerOut {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub contact_person: String,
    /// National digits, primary first.
    pub phones: Vec<String>,
    pub address: String,
    pub district: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// How far `lat`/`lon` can be trusted: `manual` and `geocoded` find
    /// the door; `approximate` only the street or district; `missing`
    /// cannot be routed. Coordinates sent back unchanged keep it.
    pub location_source: crate::domain::LocationSource,
    pub delivery_windows: String,
    pub service_minutes: i32,
    pub floor: Option<i32>,
    pub access_note: String,
    /// Cylinders held per size: {"50": 1, "20": 2, …}
    #[schema(value_type = Object)]
    pub cylinders: serde_json::Value,
    pub total_cylinders: i32,
    pub total_capacity_kg: i32,
    pub deposit: i64,
    pub payment_terms: String,
    pub tax_id: Option<String>,
    pub invoice_title: String,
    pub sms_opt_out: bool,
    pub notes: String,
    pub active: bool,
    pub version: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<CustomerStats>,
}

pub fn out(
    c: customer::Model,
    phones: Vec<phone::Model>,
    stats: Option<CustomerStats>,
) -> CustomerOut {
    out_with(c, phones.into_iter().map(|p| p.phone).collect(), stats)
}

/// [`out`] with the phones as digits (as the search index keeps them).
pub fn out_with(
    c: customer::Model,
    phones: Vec<String>,
    stats: Option<CustomerStats>,
) -> CustomerOut {
    let counts = c.cylinder_counts();
    let kg = [50, 20, 16, 10, 4];
    CustomerOut {
        cylinders: serde_json::json!({
            "50": counts[0], "20": counts[1], "16": counts[2], "10": counts[3], "4": counts[4]
        }),
        total_cylinders: counts.iter().sum(),
        total_capacity_kg: counts.iter().zip(kg).map(|(n, k)| n * k).sum(),
        phones,
        id: c.id,
        code: c.code,
        name: c.name,
        kind: c.kind,
        contact_person: c.contact_person,
        address: c.address,
        district: c.district,
        lat: c.lat,
        lon: c.lon,
        location_source: crate::domain::LocationSource::parse(&c.location_source),
        delivery_windows: c.delivery_windows,
        service_minutes: c.service_minutes,
        floor: c.floor,
        access_note: c.access_note,
        deposit: c.deposit,
        payment_terms: c.payment_terms,
        tax_id: c.tax_id,
        invoice_title: c.invoice_title,
        sms_opt_out: c.sms_opt_out,
        notes: c.notes,
        active: c.active,
        version: c.version,
        stats,
    }
}

#[derive(Serialize, ToSchema)]
pub struct CustomerPage {
    pub items: Vec<CustomerOut>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// Search and list customers.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(Filter),
    responses((status = 200, body = CustomerPage)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Query(f): Query<Filter>,
) -> Result<Json<CustomerPage>, AppError> {
    f.check_page()?;
    let found = state.search.search(&state.db, &f).await?;
    Ok(Json(CustomerPage {
        items: found
            .rows()
            .map(|e| out_with(e.customer.clone(), e.phones.clone(), None))
            .collect(),
        total: found.total,
        page: f.page(),
        per_page: f.per_page(),
    }))
}

/// One customer, with figures.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = i32, Path, description = "Customer id")),
    responses((status = 200, body = CustomerOut), (status = 404, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<i32>,
) -> Result<Json<CustomerOut>, AppError> {
    let c = queries::get(&state.db, id).await?;
    let phones = queries::phones_of(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let stats =
        crate::orders::customer_figures::for_customer(&state.db, id, state.clock.today_taipei())
            .await?;
    Ok(Json(out(c, phones, Some(stats))))
}

/// Creates a customer.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", request_body = CustomerInput,
    responses((status = 201, body = CustomerOut), (status = 422, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiJson(input): ApiJson<CustomerInput>,
) -> Result<(StatusCode, Json<CustomerOut>), AppError> {
    let data = input.parse().map_err(AppError::Invalid)?;
    let c = queries::create(&state.db, Some(&actor), &data, state.clock.now()).await?;
    let phones = queries::phones_of(&state.db, &[c.id])
        .await?
        .remove(&c.id)
        .unwrap_or_default();
    Ok((StatusCode::CREATED, Json(out(c, phones, None))))
}

/// Replaces a customer's data; send the `version` you read.
#[utoipa::path(put, path = "/api/v1/customers/{id}", tag = "customers", request_body = CustomerInput,
    params(("id" = i32, Path, description = "Customer id")),
    responses((status = 200, body = CustomerOut), (status = 409, body = crate::error::ApiErrorBody),
        (status = 422, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i32>,
    ApiJson(input): ApiJson<CustomerInput>,
) -> Result<Json<CustomerOut>, AppError> {
    let version = input.version().map_err(AppError::Invalid)?;
    let data = input.parse().map_err(AppError::Invalid)?;
    let c = queries::update(&state.db, &actor, id, version, &data, state.clock.now()).await?;
    let phones = queries::phones_of(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(Json(out(c, phones, None)))
}

#[derive(Deserialize, ToSchema)]
pub struct ActiveInput {
    pub active: bool,
    pub version: i32,
}

/// Deactivates (only without open orders) or reactivates a customer.
#[utoipa::path(post, path = "/api/v1/customers/{id}/active", tag = "customers", request_body = ActiveInput,
    params(("id" = i32, Path, description = "Customer id")),
    responses((status = 200, body = CustomerOut), (status = 409, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn set_active(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i32>,
    ApiJson(input): ApiJson<ActiveInput>,
) -> Result<Json<CustomerOut>, AppError> {
    let c = queries::set_active(
        &state.db,
        &actor,
        id,
        input.version,
        input.active,
        state.clock.now(),
    )
    .await?;
    let phones = queries::phones_of(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(Json(out(c, phones, None)))
}

/// Formats stored phone digits for display.
pub fn show_phone(digits: &str) -> String {
    Phone::parse(digits).map_or_else(|_| digits.to_owned(), |p| p.display())
}
