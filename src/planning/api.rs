//! `/api/v1/planning/{date}` (the board, optimize, moves, locks, publish)
//! and `/api/v1/routes` (published routes; a driver sees only their own).

use axum::{Json, extract::State, http::StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use super::{
    actions::{self, parse_date},
    board::{self, Board, RouteView},
    day::Day,
    entity::route,
    runs::{self, RunInfo},
    status::RouteStatus,
};
use crate::{
    app::AppState,
    auth::{AuthUser, CurrentUser, Role},
    error::AppError,
    extract::{ApiJson, Path, Query},
    fleet::driver,
    i18n::Text,
};

async fn board_of(
    state: &AppState,
    date: chrono::NaiveDate,
    user: &AuthUser,
) -> Result<Board, AppError> {
    let day = Day::load(&state.db, date).await?;
    Ok(board::build(&day, state.runs.get(date), user.locale))
}

/// The planning board of a date: plan status and version, routes with
/// stops, orders left out with reasons, trucks, drivers, the running job.
#[utoipa::path(get, path = "/api/v1/planning/{date}", tag = "planning",
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, body = Board)), security(("bearer" = [])))]
pub async fn get_board(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(date): Path<String>,
) -> Result<Json<Board>, AppError> {
    let date = parse_date(&date)?;
    Ok(Json(board_of(&state, date, &user).await?))
}

/// Most trucks one optimization may be asked to use.
const MAX_VEHICLES: usize = 200;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct OptimizeInput {
    /// Trucks to use (at most 200); empty or absent: every active truck.
    #[serde(default)]
    pub vehicle_ids: Vec<i32>,
    /// Search time in seconds (0.1–60); default from the configuration.
    pub time_limit_seconds: Option<f64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OptimizeOut {
    /// `false` when another run for the date was already going: this is it.
    pub started: bool,
    pub run: RunInfo,
}

/// Starts optimizing the date in the background (for a published date: a
/// re-plan inserting new orders, moving no planned stop). Progress arrives
/// as `plan.progress` events on `/ws` and at `GET …/run`.
#[utoipa::path(post, path = "/api/v1/planning/{date}/optimize", tag = "planning",
    params(("date" = String, Path)), request_body = OptimizeInput,
    responses((status = 202, body = OptimizeOut), (status = 200, body = OptimizeOut, description = "a run was already going"),
        (status = 409, body = crate::error::ApiErrorBody), (status = 422, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn optimize(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(date): Path<String>,
    ApiJson(input): ApiJson<OptimizeInput>,
) -> Result<(StatusCode, Json<OptimizeOut>), AppError> {
    let date = parse_date(&date)?;
    if let Some(t) = input.time_limit_seconds
        && !(0.1..=60.0).contains(&t)
    {
        return Err(AppError::field(
            "time_limit_seconds",
            Text::new(
                "「搜尋時間」必須介於 0.1 到 60 秒",
                "Search time must be from 0.1 to 60 seconds",
            ),
        ));
    }
    if input.vehicle_ids.len() > MAX_VEHICLES {
        return Err(AppError::field(
            "vehicle_ids",
            Text::new("「車輛」最多 200 輛", "At most 200 trucks"),
        ));
    }
    let req = runs::Request {
        vehicle_ids: input.vehicle_ids,
        time_limit: input.time_limit_seconds,
    };
    let (run, started) = runs::start(&state, date, &user, req).await?;
    let status = if started {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(OptimizeOut { started, run })))
}

/// The latest optimization run of the date.
#[utoipa::path(get, path = "/api/v1/planning/{date}/run", tag = "planning",
    params(("date" = String, Path)),
    responses((status = 200, body = RunInfo), (status = 404, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn get_run(
    State(state): State<AppState>,
    Path(date): Path<String>,
) -> Result<Json<RunInfo>, AppError> {
    let date = parse_date(&date)?;
    state.runs.get(date).map(Json).ok_or(AppError::NotFound)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MoveInput {
    pub order_id: i32,
    /// Target route; `null` takes the order off every route.
    pub route_id: Option<i32>,
    /// 1-based position in the target route (default: last).
    pub position: Option<usize>,
    /// The plan version the caller saw (`Board.version`).
    pub version: i32,
}

/// Moves a stop to another route or position (it is then locked to that
/// truck), or off every route.
#[utoipa::path(post, path = "/api/v1/planning/{date}/moves", tag = "planning",
    params(("date" = String, Path)), request_body = MoveInput,
    responses((status = 200, body = Board), (status = 409, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn move_stop(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(date): Path<String>,
    ApiJson(m): ApiJson<MoveInput>,
) -> Result<Json<Board>, AppError> {
    let date = parse_date(&date)?;
    actions::move_stop(
        &state,
        date,
        m.order_id,
        m.route_id,
        m.position.unwrap_or(usize::MAX).max(1),
        m.version,
    )
    .await?;
    Ok(Json(board_of(&state, date, &user).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LockInput {
    pub order_id: i32,
    pub locked: bool,
    /// The plan version the caller saw; a stale one is refused (409).
    pub version: i32,
}

/// Locks a stop to its truck for the next optimization, or unlocks it.
#[utoipa::path(post, path = "/api/v1/planning/{date}/locks", tag = "planning",
    params(("date" = String, Path)), request_body = LockInput,
    responses((status = 200, body = Board), (status = 404, body = crate::error::ApiErrorBody),
        (status = 409, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn lock(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(date): Path<String>,
    ApiJson(l): ApiJson<LockInput>,
) -> Result<Json<Board>, AppError> {
    let date = parse_date(&date)?;
    actions::set_lock(&state, date, l.order_id, l.locked, l.version).await?;
    Ok(Json(board_of(&state, date, &user).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PublishInput {
    /// The plan version the caller saw (`Board.version`).
    pub version: i32,
}

/// Publishes the plan: routes get numbers `R{YYYYMMDD}-{NN}`, their orders
/// become `planned`, drivers are told. Refused (409, nothing published)
/// when an order changed since the plan was computed.
#[utoipa::path(post, path = "/api/v1/planning/{date}/publish", tag = "planning",
    params(("date" = String, Path)), request_body = PublishInput,
    responses((status = 200, body = Board), (status = 409, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn publish(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(date): Path<String>,
    ApiJson(p): ApiJson<PublishInput>,
) -> Result<Json<Board>, AppError> {
    let date = parse_date(&date)?;
    actions::publish(&state, date, &user, p.version).await?;
    Ok(Json(board_of(&state, date, &user).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RouteOut {
    pub date: chrono::NaiveDate,
    #[serde(flatten)]
    pub route: RouteView,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoutesQuery {
    /// YYYY-MM-DD; default today.
    pub date: Option<String>,
}

pub async fn route_by_id(state: &AppState, id: i32) -> Result<route::Model, AppError> {
    route::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The driver record of a driver account, if any.
async fn driver_of(state: &AppState, user: &AuthUser) -> Result<Option<driver::Model>, AppError> {
    Ok(driver::Entity::find()
        .filter(driver::Column::UserId.eq(user.id))
        .one(&state.db)
        .await?)
}

/// What a driver sees of a route: stops added since the last publish stay
/// hidden until the plan is published again.
fn for_viewer(user: &AuthUser, mut r: RouteView) -> RouteView {
    if user.role == Role::Driver {
        r.stops.retain(|s| s.change != "added");
    }
    r
}

fn visible(user: &AuthUser, me: Option<&driver::Model>, r: &RouteView) -> bool {
    if user.role != Role::Driver {
        return true;
    }
    r.status != RouteStatus::Draft.as_str() && me.is_some_and(|d| r.driver_id == Some(d.id))
}

/// Routes of a date. Office roles see every route; a driver sees only
/// their own published routes.
#[utoipa::path(get, path = "/api/v1/routes", tag = "planning", params(RoutesQuery),
    responses((status = 200, body = Vec<RouteOut>)), security(("bearer" = [])))]
pub async fn list_routes(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<RoutesQuery>,
) -> Result<Json<Vec<RouteOut>>, AppError> {
    let date = match q.date.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => parse_date(d)?,
        None => state.clock.today_taipei(),
    };
    let me = driver_of(&state, &user).await?;
    let day = Day::load(&state.db, date).await?;
    let b = board::build(&day, None, user.locale);
    Ok(Json(
        b.routes
            .into_iter()
            .filter(|r| visible(&user, me.as_ref(), r))
            .map(|route| RouteOut {
                date,
                route: for_viewer(&user, route),
            })
            .collect(),
    ))
}

/// One route with its stops (a driver: only their own published route).
#[utoipa::path(get, path = "/api/v1/routes/{id}", tag = "planning", params(("id" = i32, Path)),
    responses((status = 200, body = RouteOut), (status = 404, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn get_route(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i32>,
) -> Result<Json<RouteOut>, AppError> {
    let r = route_by_id(&state, id).await?;
    let me = driver_of(&state, &user).await?;
    let day = Day::load(&state.db, r.plan_date).await?;
    let b = board::build(&day, None, user.locale);
    let route = b
        .routes
        .into_iter()
        .find(|x| x.id == id)
        .filter(|x| visible(&user, me.as_ref(), x))
        .ok_or(AppError::NotFound)?;
    Ok(Json(RouteOut {
        date: r.plan_date,
        route: for_viewer(&user, route),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RouteDriverInput {
    /// The driver for the route; `null` for none.
    pub driver_id: Option<i32>,
    /// The plan version the caller saw; a stale one is refused (409).
    pub version: i32,
}

/// Gives a route another driver.
#[utoipa::path(post, path = "/api/v1/planning/{date}/routes/{id}/driver", tag = "planning",
    params(("date" = String, Path), ("id" = i32, Path)), request_body = RouteDriverInput,
    responses((status = 200, body = Board), (status = 404, body = crate::error::ApiErrorBody),
        (status = 409, body = crate::error::ApiErrorBody), (status = 422, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn set_driver(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((date, id)): Path<(String, i32)>,
    ApiJson(d): ApiJson<RouteDriverInput>,
) -> Result<Json<Board>, AppError> {
    let date = parse_date(&date)?;
    actions::set_driver(&state, date, id, d.driver_id, d.version).await?;
    Ok(Json(board_of(&state, date, &user).await?))
}
