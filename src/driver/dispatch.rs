//! The office's dispatch page: each truck's last position and its age,
//! stops coloured by state, progress per route, stops running late against
//! the plan, deliveries recorded far from the pin, failed orders with their
//! reasons (decided in one action) and the hand-ins to confirm.

use std::collections::HashMap;

use askama::Template;
use axum::{
    Json,
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use super::{
    entity::{position, report},
    handin::{self, HandIn},
    input::reason_label,
};
use crate::{
    app::AppState,
    auth::{Ctx, CurrentUser},
    clock::taipei,
    customers::queries as customers,
    error::AppError,
    extract::{AppForm, Path, Query},
    fleet::store as fleet,
    i18n::{Locale, Text},
    layout::{self, Shell},
    orders::{self, status::OrderStatus},
    planning::{progress, status::RouteStatus},
};

/// A stop later than this against its planned time is flagged.
const LATE_MINUTES: i64 = 15;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DispatchStop {
    pub order_id: i32,
    pub order_number: String,
    pub customer: String,
    pub sequence: i32,
    pub planned: String,
    /// Order status code and label.
    pub status: String,
    pub status_label: String,
    pub late: bool,
    pub far: bool,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// A report the office's change kept from being applied.
    pub not_applied: Option<String>,
    pub failure: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DriverPosition)]
pub struct Position {
    pub lat: f64,
    pub lon: f64,
    pub at: DateTime<Utc>,
    pub age_minutes: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DispatchRoute {
    pub id: i32,
    pub number: Option<String>,
    pub driver: String,
    pub vehicle: String,
    pub status: String,
    pub status_label: String,
    pub done: usize,
    pub total: usize,
    pub late: usize,
    pub last_position: Option<Position>,
    /// The day's usable positions on this route, oldest first (at most 500).
    pub trail: Vec<[f64; 2]>,
    pub stops: Vec<DispatchStop>,
    pub hand_in: Option<HandIn>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FailedOrder {
    pub order_id: i32,
    pub order_number: String,
    pub customer: String,
    pub reason: String,
    pub note: String,
    pub far: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dispatch {
    pub date: NaiveDate,
    pub routes: Vec<DispatchRoute>,
    pub failed: Vec<FailedOrder>,
}

use crate::domain::time_window::hhmm;

async fn last_position(
    db: &impl ConnectionTrait,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<Option<Position>, AppError> {
    Ok(position::Entity::find()
        .filter(position::Column::UserId.eq(user_id))
        .filter(position::Column::Usable.eq(true))
        .order_by_desc(position::Column::ServerAt)
        .order_by_desc(position::Column::Id)
        .one(db)
        .await?
        .map(|p| Position {
            lat: p.lat,
            lon: p.lon,
            at: p.server_at,
            age_minutes: (now - p.server_at).num_minutes().max(0),
        }))
}

pub async fn build(
    db: &impl ConnectionTrait,
    date: NaiveDate,
    t: Locale,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Dispatch, AppError> {
    let routes = progress::routes_on(db, date).await?;
    let ids: Vec<i32> = routes
        .iter()
        .flat_map(|r| r.stops.iter().map(|s| s.order_id))
        .collect();
    let by_id = orders::queries::by_ids(db, &ids).await?;
    let cids: Vec<i32> = by_id.values().map(|o| o.customer_id).collect();
    let people = customers::by_ids(db, &cids).await?;
    let drivers: HashMap<i32, crate::fleet::driver::Model> = fleet::drivers(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let vehicles: HashMap<i32, String> = fleet::vehicles(db)
        .await?
        .into_iter()
        .map(|v| (v.id, v.plate))
        .collect();
    // Seconds after Taipei midnight now, for lateness (only today).
    let now_s = {
        use chrono::Timelike;
        i64::from(now.with_timezone(&taipei()).num_seconds_from_midnight())
    };
    let mut out = Vec::new();
    let mut failed = Vec::new();
    for r in routes {
        let reports = handin::reports_of(db, r.route.id).await?;
        let mut last: HashMap<i32, &report::Model> = HashMap::new();
        for rep in &reports {
            last.insert(rep.order_id, rep);
        }
        let mut stops = Vec::new();
        for s in &r.stops {
            let Some(o) = by_id.get(&s.order_id) else {
                continue;
            };
            let status = OrderStatus::parse(&o.status).unwrap_or(OrderStatus::Planned);
            let rep = last.get(&o.id);
            let finished = matches!(
                status,
                OrderStatus::Delivered | OrderStatus::Failed | OrderStatus::Cancelled
            );
            let late =
                date == today && !finished && i64::from(s.arrival_s) + LATE_MINUTES * 60 < now_s;
            let name = people
                .get(&o.customer_id)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            let failure = rep
                .filter(|x| x.outcome == "failed" && x.applied && status == OrderStatus::Failed)
                .map(|x| reason_label(&x.reason, t).to_owned());
            if let (Some(reason), Some(x)) = (&failure, rep) {
                failed.push(FailedOrder {
                    order_id: o.id,
                    order_number: o.order_number.clone(),
                    customer: name.clone(),
                    reason: reason.clone(),
                    note: x.note.clone(),
                    far: x.far,
                });
            }
            stops.push(DispatchStop {
                order_id: o.id,
                order_number: o.order_number.clone(),
                customer: name,
                sequence: s.sequence,
                planned: hhmm(s.arrival_s),
                status: status.as_str().to_owned(),
                status_label: status.label(t).to_owned(),
                late,
                far: rep.is_some_and(|x| x.far),
                lat: people.get(&o.customer_id).and_then(|c| c.lat),
                lon: people.get(&o.customer_id).and_then(|c| c.lon),
                not_applied: reports
                    .iter()
                    .rev()
                    .find(|x| x.order_id == o.id && !x.applied)
                    .map(|x| x.problem.clone()),
                failure,
            });
        }
        let driver = r.route.driver_id.and_then(|id| drivers.get(&id));
        let last_position = match driver.and_then(|d| d.user_id) {
            Some(uid) => last_position(db, uid, now).await?,
            None => None,
        };
        let status = RouteStatus::parse(&r.route.status).unwrap_or(RouteStatus::Published);
        let hand_in = if status == RouteStatus::Done {
            Some(handin::summary_of(db, &r, &reports, t).await?)
        } else {
            None
        };
        let trail = position::Entity::find()
            .filter(position::Column::RouteId.eq(r.route.id))
            .filter(position::Column::Usable.eq(true))
            .order_by_asc(position::Column::ServerAt)
            .order_by_asc(position::Column::Id)
            .limit(500)
            .all(db)
            .await?
            .into_iter()
            .map(|p| [p.lat, p.lon])
            .collect();
        out.push(DispatchRoute {
            trail,
            id: r.route.id,
            number: r.route.route_number.clone(),
            driver: driver.map(|d| d.name.clone()).unwrap_or_default(),
            vehicle: vehicles
                .get(&r.route.vehicle_id)
                .cloned()
                .unwrap_or_default(),
            status: status.as_str().to_owned(),
            status_label: status.label(t).to_owned(),
            done: stops
                .iter()
                .filter(|s| s.status == "delivered" || s.status == "failed")
                .count(),
            total: stops.len(),
            late: stops.iter().filter(|s| s.late).count(),
            last_position,
            stops,
            hand_in,
        });
    }
    Ok(Dispatch {
        date,
        routes: out,
        failed,
    })
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    /// `YYYY-MM-DD`; today when absent.
    pub date: Option<String>,
    pub msg: Option<String>,
}

fn date_of(q: &DateQuery, today: NaiveDate) -> Result<NaiveDate, AppError> {
    match q.date.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => crate::planning::actions::parse_date(d),
        None => Ok(today),
    }
}

/// The dispatch view of a date (today by default).
#[utoipa::path(get, path = "/api/v1/dispatch", tag = "driver", params(DateQuery),
    responses((status = 200, body = Dispatch)), security(("bearer" = [])))]
pub async fn api_dispatch(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<DateQuery>,
) -> Result<Json<Dispatch>, AppError> {
    let today = state.clock.today_taipei();
    let date = date_of(&q, today)?;
    Ok(Json(
        build(&state.db, date, user.locale, state.clock.now(), today).await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct HandInInput {
    /// What the office noticed (a difference explained, say).
    #[serde(default)]
    pub note: String,
}

async fn confirm(
    state: &AppState,
    user_id: i32,
    id: i32,
    note: &str,
    t: Locale,
) -> Result<HandIn, AppError> {
    if let Some(e) = crate::error::FieldError::note_too_long("note", note) {
        return Err(AppError::Invalid(vec![e]));
    }
    let now = state.clock.now();
    progress::confirm_hand_in(&state.db, id, user_id, note, now).await?;
    crate::audit::record(
        &state.db,
        crate::audit::Entry {
            actor_id: Some(user_id),
            action: "route.hand_in",
            entity: "route",
            entity_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "note": note })),
        },
        now,
    )
    .await?;
    let r = progress::route(&state.db, id).await?;
    let summary = handin::summary(&state.db, &r, t).await?;
    state.events.publish(
        "routes",
        "route.progress",
        serde_json::json!({"route_id": id, "date": r.route.plan_date, "kind": "hand_in"}),
        now,
    );
    Ok(summary)
}

/// The office confirms an ended route's hand-in; differences stay on record.
#[utoipa::path(post, path = "/api/v1/routes/{id}/hand-in", tag = "driver", params(("id" = i32, Path)),
    request_body = HandInInput,
    responses((status = 200, body = HandIn), (status = 409, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn api_hand_in(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i32>,
    crate::extract::ApiJson(i): crate::extract::ApiJson<HandInInput>,
) -> Result<Json<HandIn>, AppError> {
    Ok(Json(
        confirm(&state, user.id, id, &i.note, user.locale).await?,
    ))
}

#[derive(Template)]
#[template(path = "driver/dispatch.html")]
struct DispatchPage {
    shell: Shell,
    d: Dispatch,
    today: String,
    tiles: String,
}

impl Dispatch {
    /// What the map draws, as JSON for a `<script type="application/json">`.
    pub fn map_json(&self) -> String {
        let routes: Vec<serde_json::Value> = self
            .routes
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id,
                    "label": format!("{} {}", r.number.clone().unwrap_or_default(), r.driver),
                    "position": r.last_position.as_ref().map(|p| [p.lat, p.lon]),
                    "trail": r.trail,
                    "age": r.last_position.as_ref().map(|p| p.age_minutes),
                    "stops": r.stops.iter().filter_map(|s| Some(serde_json::json!({
                        "at": [s.lat?, s.lon?], "seq": s.sequence, "status": s.status,
                        "name": s.customer, "late": s.late, "far": s.far,
                    }))).collect::<Vec<_>>(),
                })
            })
            .collect();
        serde_json::Value::Array(routes)
            .to_string()
            .replace("</", "<\\/")
    }
}

#[derive(Template)]
#[template(path = "driver/_dispatch_board.html")]
struct BoardFragment {
    t: Locale,
    csrf: String,
    d: Dispatch,
    today: String,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DateQuery>,
) -> Result<Response, AppError> {
    let today = state.clock.today_taipei();
    let date = date_of(&q, today)?;
    let t = ctx.locale;
    let flash = q.msg.as_deref().map(|m| match m {
        "handin" => t.t("dispatch.flash_handin").to_owned(),
        _ => t.t("dispatch.flash_decided").to_owned(),
    });
    layout::page(&DispatchPage {
        shell: Shell::new(&state, &ctx, "/dispatch", t.t("nav.dispatch")).with_flash(flash),
        d: build(&state.db, date, t, state.clock.now(), today).await?,
        today: today.to_string(),
        tiles: state.config.map_tile_url.clone(),
    })
}

pub async fn board(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DateQuery>,
) -> Result<Response, AppError> {
    let today = state.clock.today_taipei();
    let date = date_of(&q, today)?;
    layout::page(&BoardFragment {
        t: ctx.locale,
        csrf: ctx.csrf.clone(),
        d: build(&state.db, date, ctx.locale, state.clock.now(), today).await?,
        today: today.to_string(),
    })
}

#[derive(Deserialize)]
pub struct HandInForm {
    #[serde(default)]
    note: String,
    #[serde(default)]
    date: String,
}

pub async fn confirm_hand_in_form(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i32>,
    AppForm(f): AppForm<HandInForm>,
) -> Result<Response, AppError> {
    confirm(&state, user.id, id, &f.note, user.locale).await?;
    Ok(Redirect::to(&back(&f.date, "handin")).into_response())
}

fn back(date: &str, msg: &str) -> String {
    if NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok() {
        format!("/dispatch?date={date}&msg={msg}")
    } else {
        format!("/dispatch?msg={msg}")
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    decision: String,
    #[serde(default)]
    new_date: String,
    #[serde(default)]
    date: String,
}

pub async fn decide_form(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i32>,
    AppForm(f): AppForm<DecisionForm>,
) -> Result<Response, AppError> {
    use crate::orders::failed::{Decision, DecisionInput, decide};
    let decision = match f.decision.as_str() {
        "retry_today" => Decision::RetryToday,
        "reschedule" => Decision::Reschedule,
        "cancel" => Decision::Cancel,
        _ => {
            return Err(AppError::field(
                "decision",
                Text::new("請選擇處理方式", "Choose what to do"),
            ));
        }
    };
    let date = if f.new_date.is_empty() {
        None
    } else {
        Some(crate::planning::actions::parse_date(&f.new_date)?)
    };
    decide(
        &state.db,
        &state.events,
        &user,
        id,
        &DecisionInput {
            decision,
            date,
            note: String::new(),
        },
        state.clock.today_taipei(),
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&back(&f.date, "decided")).into_response())
}

/// A driver's report as the order page shows it.
pub struct ReportView {
    pub outcome: String,
    pub outcome_label: String,
    pub reason: String,
    pub note: String,
    /// Taipei time, ours and the phone's.
    pub server_at: String,
    pub device_at: Option<String>,
    /// Cylinders, empties and cash of a delivery.
    pub detail: String,
    pub far: bool,
    pub distance_m: Option<i32>,
    pub problem: Option<String>,
    pub photo_id: Option<i32>,
    pub signature_id: Option<i32>,
}

#[derive(Template)]
#[template(path = "driver/_order_reports.html")]
struct ReportsFragment {
    t: Locale,
    reports: Vec<ReportView>,
}

/// `MM/DD HH:MM` in Taipei.
pub fn taipei_text(at: DateTime<Utc>) -> String {
    at.with_timezone(&taipei())
        .format("%m/%d %H:%M")
        .to_string()
}

fn counts_text(json: &str) -> String {
    crate::domain::CylinderSize::ALL
        .iter()
        .zip(super::input::counts_from_json(json))
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{}kg×{n}", s.code()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The drivers' reports of an order (loaded into the order page).
pub async fn order_reports(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    let t = ctx.locale;
    let reports = handin::reports_of_order(&state.db, id)
        .await?
        .into_iter()
        .map(|r| {
            let delivered = r.outcome == "delivered";
            let detail = if delivered {
                let mut parts = vec![counts_text(&r.delivered)];
                let empties = counts_text(&r.empties);
                if !empties.is_empty() {
                    parts.push(format!("{} {empties}", t.t("driver.empties")));
                }
                if r.cash_amount > 0 {
                    parts.push(format!("{} NT${}", t.t("driver.cash"), r.cash_amount));
                }
                parts.join(" · ")
            } else {
                String::new()
            };
            ReportView {
                outcome_label: t
                    .t(if delivered {
                        "driver.delivered"
                    } else {
                        "driver.failed"
                    })
                    .to_owned(),
                reason: if delivered {
                    String::new()
                } else {
                    reason_label(&r.reason, t).to_owned()
                },
                note: r.note.clone(),
                server_at: taipei_text(r.server_at),
                device_at: r.device_at.map(taipei_text),
                detail,
                far: r.far,
                distance_m: r.distance_m,
                problem: (!r.applied).then(|| r.problem.clone()),
                photo_id: r.photo_id,
                signature_id: r.signature_id,
                outcome: r.outcome,
            }
        })
        .collect();
    layout::page(&ReportsFragment { t, reports })
}
