//! Trucks and drivers: input checks, queries, the `/fleet` page and
//! `/api/v1/vehicles`, `/api/v1/drivers`.

use askama::Template;
use axum::{
    Form, Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use serde::Deserialize;

use super::{
    day::parse_hhmm,
    entity::{driver, vehicle},
};
use crate::{
    app::AppState,
    auth::{Ctx, Role},
    customers::form::{flag, text},
    domain::Phone,
    error::{ApiJson, AppError, FieldError},
    i18n::{Locale, Text},
    users::entity as user,
    web::{FlashQuery, Shell, render_template},
};

/// Largest truck the form accepts (kg and slots): a typo guard.
const MAX_KG: i64 = 20_000;
const MAX_SLOTS: i64 = 400;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct VehicleInput {
    /// Licence plate, e.g. `ABC-1234` (unique).
    #[serde(default, deserialize_with = "text")]
    pub plate: String,
    #[serde(default, deserialize_with = "text")]
    pub label: String,
    /// Gross kg of full cylinders the truck may carry.
    #[serde(default, deserialize_with = "text")]
    #[schema(value_type = i32)]
    pub capacity_kg: String,
    /// Truck-bed positions (a 50 kg cylinder takes 2).
    #[serde(default, deserialize_with = "text")]
    #[schema(value_type = i32)]
    pub capacity_slots: String,
    #[serde(default = "yes", deserialize_with = "flag")]
    pub active: bool,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DriverInput {
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    #[serde(default, deserialize_with = "text")]
    pub phone: String,
    /// The driver's sign-in account (a user with the driver role).
    #[serde(default, deserialize_with = "text")]
    #[schema(value_type = Option<i32>)]
    pub user_id: String,
    /// The truck the driver usually drives.
    #[serde(default, deserialize_with = "text")]
    #[schema(value_type = Option<i32>)]
    pub vehicle_id: String,
    /// `HH:MM`
    #[serde(default, deserialize_with = "text")]
    pub shift_start: String,
    #[serde(default, deserialize_with = "text")]
    pub shift_end: String,
    #[serde(default = "yes", deserialize_with = "flag")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

fn err(field: &str, zh: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: Text::new(zh.into(), en.into()),
    }
}

fn whole(
    raw: &str,
    field: &str,
    (zh, en): (&str, &str),
    max: i64,
    errors: &mut Vec<FieldError>,
) -> i32 {
    match raw.trim().parse::<i64>() {
        Ok(n) if n > 0 && n <= max => n as i32,
        Ok(_) => {
            errors.push(err(
                field,
                format!("「{zh}」必須大於 0 且不超過 {max}"),
                format!("{en} must be more than 0 and at most {max}"),
            ));
            0
        }
        Err(_) => {
            errors.push(err(
                field,
                format!("請填寫「{zh}」（整數）"),
                format!("{en} is required (a whole number)"),
            ));
            0
        }
    }
}

pub struct VehicleData {
    pub plate: String,
    pub label: String,
    pub capacity_kg: i32,
    pub capacity_slots: i32,
    pub active: bool,
}

pub fn parse_vehicle(input: &VehicleInput) -> Result<VehicleData, Vec<FieldError>> {
    let mut errors = Vec::new();
    let plate: String = crate::domain::normalize_width(input.plate.trim())
        .to_uppercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-");
    if plate.is_empty() {
        errors.push(err("plate", "請填寫「車牌」", "Plate is required"));
    } else if plate.chars().count() > 12
        || !plate.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        errors.push(err(
            "plate",
            "「車牌」只能有英文字母、數字與 -，例如 ABC-1234",
            "Plate may contain letters, digits and -, e.g. ABC-1234",
        ));
    }
    let capacity_kg = whole(
        &input.capacity_kg,
        "capacity_kg",
        ("載重（公斤）", "Capacity (kg)"),
        MAX_KG,
        &mut errors,
    );
    let capacity_slots = whole(
        &input.capacity_slots,
        "capacity_slots",
        ("車位數", "Slots"),
        MAX_SLOTS,
        &mut errors,
    );
    if input.label.chars().count() > 40 {
        errors.push(err(
            "label",
            "「名稱」最多 40 個字",
            "Name must be at most 40 characters",
        ));
    }
    if errors.is_empty() {
        Ok(VehicleData {
            plate,
            label: input.label.trim().to_owned(),
            capacity_kg,
            capacity_slots,
            active: input.active,
        })
    } else {
        Err(errors)
    }
}

pub struct DriverData {
    pub name: String,
    pub phone: String,
    pub user_id: Option<i32>,
    pub vehicle_id: Option<i32>,
    pub shift_start: String,
    pub shift_end: String,
    pub active: bool,
}

async fn parse_driver(
    db: &DatabaseConnection,
    input: &DriverInput,
) -> Result<DriverData, AppError> {
    let mut errors = Vec::new();
    let name = input.name.trim().to_owned();
    if name.is_empty() {
        errors.push(err("name", "請填寫「姓名」", "Name is required"));
    }
    let phone = if input.phone.trim().is_empty() {
        String::new()
    } else {
        match Phone::parse(&input.phone) {
            Ok(p) => p.to_string(),
            Err(e) => {
                errors.push(FieldError {
                    field: "phone".into(),
                    message: e,
                });
                String::new()
            }
        }
    };
    let id_of = |raw: &str| {
        raw.trim()
            .parse::<i32>()
            .ok()
            .filter(|_| !raw.trim().is_empty())
    };
    let user_id = id_of(&input.user_id);
    if let Some(u) = user_id {
        let ok = user::Entity::find_by_id(u)
            .one(db)
            .await?
            .is_some_and(|u| u.role == Role::Driver.as_str());
        if !ok {
            errors.push(err(
                "user_id",
                "「帳號」必須是司機角色的使用者",
                "Account must be a user with the driver role",
            ));
        }
    }
    let vehicle_id = id_of(&input.vehicle_id);
    if let Some(v) = vehicle_id
        && vehicle::Entity::find_by_id(v).one(db).await?.is_none()
    {
        errors.push(err("vehicle_id", "找不到這輛車", "No such truck"));
    }
    let start = if input.shift_start.trim().is_empty() {
        "08:00"
    } else {
        input.shift_start.trim()
    };
    let end = if input.shift_end.trim().is_empty() {
        "18:00"
    } else {
        input.shift_end.trim()
    };
    match (parse_hhmm(start), parse_hhmm(end)) {
        (Some(s), Some(e)) if s < e => {}
        (Some(_), Some(_)) => errors.push(err(
            "shift_end",
            "「下班時間」必須晚於上班時間",
            "Shift end must be after shift start",
        )),
        (None, _) => errors.push(err(
            "shift_start",
            "「上班時間」格式為 HH:MM",
            "Shift start must be HH:MM",
        )),
        (_, None) => errors.push(err(
            "shift_end",
            "「下班時間」格式為 HH:MM",
            "Shift end must be HH:MM",
        )),
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let fmt = |s: &str| parse_hhmm(s).map(super::day::hhmm).unwrap_or_default();
    Ok(DriverData {
        name,
        phone,
        user_id,
        vehicle_id,
        shift_start: fmt(start),
        shift_end: fmt(end),
        active: input.active,
    })
}

fn duplicate_plate() -> AppError {
    AppError::field(
        "plate",
        Text::new("這個車牌已經登記過了", "This plate is already registered"),
    )
}

pub async fn save_vehicle(
    db: &DatabaseConnection,
    id: Option<i32>,
    input: &VehicleInput,
    now: DateTime<Utc>,
) -> Result<vehicle::Model, AppError> {
    let data = parse_vehicle(input).map_err(AppError::Invalid)?;
    let clash = vehicle::Entity::find()
        .filter(vehicle::Column::Plate.eq(&data.plate))
        .one(db)
        .await?;
    if clash.is_some_and(|c| Some(c.id) != id) {
        return Err(duplicate_plate());
    }
    let result = match id {
        Some(id) => {
            let v = vehicle::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(AppError::NotFound)?;
            let version = v.version;
            let mut a = v.into_active_model();
            a.plate = Set(data.plate);
            a.label = Set(data.label);
            a.capacity_kg = Set(data.capacity_kg);
            a.capacity_slots = Set(data.capacity_slots);
            a.active = Set(data.active);
            a.version = Set(version + 1);
            a.updated_at = Set(now);
            a.update(db).await
        }
        None => {
            vehicle::ActiveModel {
                plate: Set(data.plate),
                label: Set(data.label),
                capacity_kg: Set(data.capacity_kg),
                capacity_slots: Set(data.capacity_slots),
                active: Set(data.active),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
        }
    };
    result.map_err(|e| {
        let e = AppError::from(e);
        if e.is_unique_violation() {
            duplicate_plate()
        } else {
            e
        }
    })
}

pub async fn save_driver(
    db: &DatabaseConnection,
    id: Option<i32>,
    input: &DriverInput,
    now: DateTime<Utc>,
) -> Result<driver::Model, AppError> {
    let data = parse_driver(db, input).await?;
    let result = match id {
        Some(id) => {
            let d = driver::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(AppError::NotFound)?;
            let version = d.version;
            let mut a = d.into_active_model();
            a.name = Set(data.name);
            a.phone = Set(data.phone);
            a.user_id = Set(data.user_id);
            a.vehicle_id = Set(data.vehicle_id);
            a.shift_start = Set(data.shift_start);
            a.shift_end = Set(data.shift_end);
            a.active = Set(data.active);
            a.version = Set(version + 1);
            a.updated_at = Set(now);
            a.update(db).await
        }
        None => {
            driver::ActiveModel {
                name: Set(data.name),
                phone: Set(data.phone),
                user_id: Set(data.user_id),
                vehicle_id: Set(data.vehicle_id),
                shift_start: Set(data.shift_start),
                shift_end: Set(data.shift_end),
                active: Set(data.active),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
        }
    };
    result.map_err(|e| {
        let e = AppError::from(e);
        if e.is_unique_violation() {
            AppError::field(
                "user_id",
                Text::new(
                    "這個帳號已經屬於另一位司機",
                    "This account already belongs to another driver",
                ),
            )
        } else {
            e
        }
    })
}

// ----- API -----

#[utoipa::path(get, path = "/api/v1/vehicles", tag = "planning",
    responses((status = 200, body = Vec<vehicle::Model>)), security(("bearer" = [])))]
pub async fn api_vehicles(
    State(state): State<AppState>,
) -> Result<Json<Vec<vehicle::Model>>, AppError> {
    Ok(Json(
        vehicle::Entity::find()
            .order_by_asc(vehicle::Column::Id)
            .all(&state.db)
            .await?,
    ))
}

/// Adds a truck. Capacity must be more than zero in kg and in slots.
#[utoipa::path(post, path = "/api/v1/vehicles", tag = "planning", request_body = VehicleInput,
    responses((status = 201, body = vehicle::Model), (status = 422, body = crate::openapi::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn api_add_vehicle(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<VehicleInput>,
) -> Result<(StatusCode, Json<vehicle::Model>), AppError> {
    let v = save_vehicle(&state.db, None, &input, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(put, path = "/api/v1/vehicles/{id}", tag = "planning", request_body = VehicleInput,
    params(("id" = i32, Path)),
    responses((status = 200, body = vehicle::Model), (status = 422, body = crate::openapi::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn api_update_vehicle(
    State(state): State<AppState>,
    Path(id): Path<i32>,
    ApiJson(input): ApiJson<VehicleInput>,
) -> Result<Json<vehicle::Model>, AppError> {
    Ok(Json(
        save_vehicle(&state.db, Some(id), &input, state.clock.now()).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/drivers", tag = "planning",
    responses((status = 200, body = Vec<driver::Model>)), security(("bearer" = [])))]
pub async fn api_drivers(
    State(state): State<AppState>,
) -> Result<Json<Vec<driver::Model>>, AppError> {
    Ok(Json(
        driver::Entity::find()
            .order_by_asc(driver::Column::Id)
            .all(&state.db)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/drivers", tag = "planning", request_body = DriverInput,
    responses((status = 201, body = driver::Model), (status = 422, body = crate::openapi::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn api_add_driver(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<DriverInput>,
) -> Result<(StatusCode, Json<driver::Model>), AppError> {
    let d = save_driver(&state.db, None, &input, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

#[utoipa::path(put, path = "/api/v1/drivers/{id}", tag = "planning", request_body = DriverInput,
    params(("id" = i32, Path)),
    responses((status = 200, body = driver::Model), (status = 422, body = crate::openapi::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn api_update_driver(
    State(state): State<AppState>,
    Path(id): Path<i32>,
    ApiJson(input): ApiJson<DriverInput>,
) -> Result<Json<driver::Model>, AppError> {
    Ok(Json(
        save_driver(&state.db, Some(id), &input, state.clock.now()).await?,
    ))
}

// ----- Page -----

pub struct VehicleRow {
    pub v: vehicle::Model,
    pub driver: String,
}

pub struct DriverRow {
    pub d: driver::Model,
    pub plate: String,
    pub account: String,
}

#[derive(Template)]
#[template(path = "planning/fleet.html")]
struct FleetPage {
    shell: Shell,
    vehicles: Vec<VehicleRow>,
    drivers: Vec<DriverRow>,
    accounts: Vec<(i32, String)>,
    plates: Vec<(i32, String)>,
    can_edit: bool,
    errors: Vec<FieldError>,
    /// Which form the errors belong to: "vehicle" / "driver".
    failed: &'static str,
    vin: VehicleInput,
    din: DriverInput,
}

impl FleetPage {
    /// Every message of a failed edit, joined.
    fn edit_errors(&self) -> String {
        if self.failed != "edit" {
            return String::new();
        }
        self.errors
            .iter()
            .map(|e| e.message.get(self.shell.t))
            .collect::<Vec<_>>()
            .join("；")
    }

    #[allow(
        clippy::trivially_copy_pass_by_ref,
        clippy::unused_self,
        clippy::ref_option
    )]
    fn is(&self, a: &Option<i32>, b: &i32) -> bool {
        *a == Some(*b)
    }

    fn err(&self, form: &str, field: &str) -> Option<&str> {
        if self.failed != form {
            return None;
        }
        crate::web::field_error(&self.errors, field, self.shell.t)
    }
}

fn can_edit(ctx: &Ctx) -> bool {
    ctx.user
        .as_ref()
        .is_some_and(|u| matches!(u.role, Role::SuperAdmin | Role::Manager))
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    failed: &'static str,
    errors: Vec<FieldError>,
    vin: VehicleInput,
    din: DriverInput,
    flash: Option<String>,
) -> Result<String, AppError> {
    let t = ctx.locale;
    let vehicles = vehicle::Entity::find()
        .order_by_asc(vehicle::Column::Id)
        .all(&state.db)
        .await?;
    let drivers = driver::Entity::find()
        .order_by_asc(driver::Column::Id)
        .all(&state.db)
        .await?;
    let users = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Driver.as_str()))
        .order_by_asc(user::Column::Id)
        .all(&state.db)
        .await?;
    let title = if t == Locale::ZhTw {
        "車隊與司機"
    } else {
        "Fleet and drivers"
    };
    let page = FleetPage {
        shell: Shell::new(state, ctx, "/fleet", title).with_flash(flash),
        vehicles: vehicles
            .iter()
            .map(|v| VehicleRow {
                v: v.clone(),
                driver: drivers
                    .iter()
                    .filter(|d| d.active && d.vehicle_id == Some(v.id))
                    .map(|d| d.name.clone())
                    .collect::<Vec<_>>()
                    .join("、"),
            })
            .collect(),
        drivers: drivers
            .iter()
            .map(|d| DriverRow {
                d: d.clone(),
                plate: d
                    .vehicle_id
                    .and_then(|id| vehicles.iter().find(|v| v.id == id))
                    .map(|v| v.plate.clone())
                    .unwrap_or_default(),
                account: d
                    .user_id
                    .and_then(|id| users.iter().find(|u| u.id == id))
                    .map(|u| u.username.clone())
                    .unwrap_or_default(),
            })
            .collect(),
        accounts: users
            .iter()
            .map(|u| (u.id, format!("{} ({})", u.display_name, u.username)))
            .collect(),
        plates: vehicles
            .iter()
            .filter(|v| v.active)
            .map(|v| (v.id, v.plate.clone()))
            .collect(),
        can_edit: can_edit(ctx),
        errors,
        failed,
        vin,
        din,
    };
    render_template(&page)
}

pub async fn page_get(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    let flash = q
        .msg
        .filter(|m| m == "saved")
        .map(|_| ctx.locale.t("fleet.saved").to_owned());
    let html = render(
        &state,
        &ctx,
        "",
        Vec::new(),
        VehicleInput::default(),
        DriverInput::default(),
        flash,
    )
    .await?;
    Ok(axum::response::Html(html).into_response())
}

fn saved(key: &str) -> Response {
    Redirect::to(&format!("/fleet?msg={key}")).into_response()
}

pub async fn add_vehicle(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(input): Form<VehicleInput>,
) -> Result<Response, AppError> {
    match save_vehicle(&state.db, None, &input, state.clock.now()).await {
        Ok(_) => Ok(saved("saved")),
        Err(AppError::Invalid(errors)) => {
            let html = render(
                &state,
                &ctx,
                "vehicle",
                errors,
                input,
                DriverInput::default(),
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, axum::response::Html(html)).into_response())
        }
        Err(e) => Err(e),
    }
}

/// An edit that fails shows the page again with the reasons at the top.
async fn edit_failed(state: &AppState, ctx: &Ctx, e: AppError) -> Result<Response, AppError> {
    match e {
        AppError::Invalid(errors) => {
            let html = render(
                state,
                ctx,
                "edit",
                errors,
                VehicleInput::default(),
                DriverInput::default(),
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, axum::response::Html(html)).into_response())
        }
        e => Err(e),
    }
}

pub async fn update_vehicle(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Form(input): Form<VehicleInput>,
) -> Result<Response, AppError> {
    match save_vehicle(&state.db, Some(id), &input, state.clock.now()).await {
        Ok(_) => Ok(saved("saved")),
        Err(e) => edit_failed(&state, &ctx, e).await,
    }
}

pub async fn add_driver(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(input): Form<DriverInput>,
) -> Result<Response, AppError> {
    match save_driver(&state.db, None, &input, state.clock.now()).await {
        Ok(_) => Ok(saved("saved")),
        Err(AppError::Invalid(errors)) => {
            let html = render(
                &state,
                &ctx,
                "driver",
                errors,
                VehicleInput::default(),
                input,
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, axum::response::Html(html)).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn update_driver(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Form(input): Form<DriverInput>,
) -> Result<Response, AppError> {
    match save_driver(&state.db, Some(id), &input, state.clock.now()).await {
        Ok(_) => Ok(saved("saved")),
        Err(e) => edit_failed(&state, &ctx, e).await,
    }
}
