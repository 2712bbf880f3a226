//! `/fleet`: the trucks and drivers, with forms to add and edit them
//! (managers and admins; the office may look).

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};

use super::{
    checks::{DriverInput, VehicleInput},
    entity::{driver, vehicle},
    store,
};
use crate::{
    app::AppState,
    auth::{Ctx, Role},
    error::{AppError, FieldError},
    extract::{AppForm, Path, Query},
    i18n::Locale,
    layout::{FlashQuery, Shell, render_template},
    users,
};

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
#[template(path = "fleet/page.html")]
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
        crate::layout::field_error(&self.errors, field, self.shell.t)
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
    let vehicles = store::vehicles(&state.db).await?;
    let drivers = store::drivers(&state.db).await?;
    let users = users::queries::with_role(&state.db, Role::Driver).await?;
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

pub async fn page(
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
    AppForm(input): AppForm<VehicleInput>,
) -> Result<Response, AppError> {
    match store::save_vehicle(&state.db, None, &input, state.clock.now()).await {
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
    AppForm(input): AppForm<VehicleInput>,
) -> Result<Response, AppError> {
    match store::save_vehicle(&state.db, Some(id), &input, state.clock.now()).await {
        Ok(_) => Ok(saved("saved")),
        Err(e) => edit_failed(&state, &ctx, e).await,
    }
}

pub async fn add_driver(
    State(state): State<AppState>,
    ctx: Ctx,
    AppForm(input): AppForm<DriverInput>,
) -> Result<Response, AppError> {
    match store::save_driver(&state.db, None, &input, state.clock.now()).await {
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
    AppForm(input): AppForm<DriverInput>,
) -> Result<Response, AppError> {
    match store::save_driver(&state.db, Some(id), &input, state.clock.now()).await {
        Ok(_) => Ok(saved("saved")),
        Err(e) => edit_failed(&state, &ctx, e).await,
    }
}
