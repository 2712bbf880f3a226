//! `/planning`: the board page, its form actions, and the printable route
//! sheet.

use std::fmt::Write as _;

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{
    actions::{self, parse_date},
    board::{self, Board, RouteView},
    day::Day,
    runs::{self, RunState},
};
use crate::{
    app::AppState,
    auth::{Ctx, CurrentUser, Role},
    error::AppError,
    extract::{FormFields, Path, Query},
    i18n::Locale,
    layout::{Shell, money, render_template},
};

#[derive(Template)]
#[template(path = "planning/board.html")]
struct BoardPage {
    shell: Shell,
    b: Board,
    /// The board as JSON for the map script.
    data: String,
    error: Option<String>,
    running: bool,
    progress_pct: u32,
    can_publish: bool,
    prev_day: String,
    next_day: String,
    pending: usize,
    tiles: String,
    saving_text: String,
}

impl BoardPage {
    #[allow(clippy::unused_self, clippy::trivially_copy_pass_by_ref)]
    fn drives(&self, r: &RouteView, driver_id: &i32) -> bool {
        r.driver_id == Some(*driver_id)
    }

    /// Stops and waiting orders whose customers are placed only roughly,
    /// and those with no location at all (which cannot be routed).
    fn rough_locations(&self) -> (usize, usize) {
        use crate::domain::LocationSource as L;
        let sources = self
            .b
            .routes
            .iter()
            .flat_map(|r| r.stops.iter().map(|s| s.location_source))
            .chain(self.b.waiting.iter().map(|w| w.location_source))
            .chain(self.b.unassigned.iter().map(|u| u.location_source));
        let mut approximate = 0;
        let mut missing = 0;
        for s in sources {
            match s {
                L::Approximate => approximate += 1,
                L::Missing => missing += 1,
                L::Manual | L::Geocoded => {}
            }
        }
        (approximate, missing)
    }

    /// The publish question, with what is wrong with the plan first.
    fn publish_confirm(&self) -> String {
        let question = self.shell.t.t("planning.publish_confirm");
        if self.b.warnings.is_empty() {
            return question.to_owned();
        }
        format!(
            "{}\n{}\n\n{question}",
            self.shell.t.t("planning.publish_warning"),
            self.b
                .warnings
                .iter()
                .map(|w| format!("• {w}"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    }

    fn status_label(&self) -> &'static str {
        self.shell
            .t
            .t(super::status::PlanStatus::parse(&self.b.status)
                .map_or("planning.status_none", super::status::PlanStatus::label_key))
    }
}

#[derive(Deserialize)]
pub struct DateQuery {
    date: Option<String>,
    msg: Option<String>,
}

async fn render_board(
    state: &AppState,
    ctx: &Ctx,
    date: NaiveDate,
    error: Option<String>,
    flash: Option<String>,
) -> Result<String, AppError> {
    let t = ctx.locale;
    let day = Day::load(&state.db, date).await?;
    let pending = day
        .orders
        .values()
        .filter(|o| o.status() == crate::orders::status::OrderStatus::Pending)
        .count();
    let run = state.runs.get(date);
    let running = run.as_ref().is_some_and(|r| r.state == RunState::Running);
    let progress_pct = run
        .as_ref()
        .map_or(0, |r| (r.fraction * 100.0).round() as u32);
    let b = board::build(&day, run, t);
    let data = serde_json::to_string(&b).unwrap_or_else(|_| "{}".into());
    let title = t.t("planning.title");
    let page = BoardPage {
        shell: Shell::new(state, ctx, "/planning", title).with_flash(flash),
        can_publish: ctx.user.as_ref().is_some_and(|u| {
            matches!(u.role, Role::SuperAdmin | Role::Manager | Role::OfficeStaff)
        }),
        prev_day: (date - chrono::Duration::days(1)).to_string(),
        next_day: (date + chrono::Duration::days(1)).to_string(),
        data: data
            .replace('&', "\\u0026")
            .replace('<', "\\u003c")
            .replace('>', "\\u003e"),
        error,
        running,
        progress_pct,
        pending,
        tiles: state.config.map_tile_url.clone(),
        saving_text: match (b.saving_pct, b.naive_km) {
            (Some(pct), Some(km)) => t
                .t("planning.saving")
                .replace("{pct}", &pct.to_string())
                .replace("{km}", &km.to_string()),
            _ => String::new(),
        },
        b,
    };
    render_template(&page)
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DateQuery>,
) -> Result<Response, AppError> {
    let date = match q.date.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => parse_date(d)?,
        None => state.clock.today_taipei(),
    };
    let flash = q.msg.as_deref().and_then(|m| match m {
        "optimizing" | "published" | "moved" | "saved" => {
            Some(ctx.locale.t(&format!("planning.msg_{m}")).to_owned())
        }
        _ => None,
    });
    Ok(Html(render_board(&state, &ctx, date, None, flash).await?).into_response())
}

/// Runs an action; on a conflict or a field error shows the board again
/// with the message, else goes back to the board.
async fn act(
    state: &AppState,
    ctx: &Ctx,
    date: NaiveDate,
    msg: &str,
    result: Result<(), AppError>,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/planning?date={date}&msg={msg}")).into_response()),
        Err(e @ (AppError::Conflict(_) | AppError::Invalid(_))) => {
            let status = if matches!(e, AppError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let text = match &e {
                AppError::Invalid(fields) => fields
                    .iter()
                    .map(|f| f.message.get(ctx.locale).to_owned())
                    .collect::<Vec<_>>()
                    .join("；"),
                other => other.message().get(ctx.locale).to_owned(),
            };
            let html = render_board(state, ctx, date, Some(text), None).await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn optimize(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Path(date): Path<String>,
    f: FormFields,
) -> Result<Response, AppError> {
    let date = parse_date(&date)?;
    let vehicle_ids: Vec<i32> = f
        .all("vehicle_ids")
        .filter_map(|v| v.parse().ok())
        .collect();
    if f.has("trucks_shown") && vehicle_ids.is_empty() {
        let e = AppError::field(
            "vehicle_ids",
            crate::i18n::Text::new("請至少勾選一輛車", "Select at least one truck"),
        );
        return act(&state, &ctx, date, "", Err(e)).await;
    }
    let req = runs::Request {
        vehicle_ids,
        time_limit: None,
    };
    let result = runs::start(&state, date, &user, req).await.map(|_| ());
    act(&state, &ctx, date, "optimizing", result).await
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Path(date): Path<String>,
    f: FormFields,
) -> Result<Response, AppError> {
    let date = parse_date(&date)?;
    let version = f.int("version").unwrap_or(0);
    let result = actions::publish(&state, date, &user, version)
        .await
        .map(|_| ());
    act(&state, &ctx, date, "published", result).await
}

pub async fn move_stop(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(date): Path<String>,
    f: FormFields,
) -> Result<Response, AppError> {
    let date = parse_date(&date)?;
    let order_id = f.int("order_id").ok_or(AppError::NotFound)?;
    let route_id = f.int("route_id").filter(|&r| r > 0);
    let position = f.int("position").unwrap_or(i32::MAX).max(1) as usize;
    let version = f.int("version").unwrap_or(0);
    let result = actions::move_stop(&state, date, order_id, route_id, position, version).await;
    act(&state, &ctx, date, "moved", result).await
}

pub async fn lock(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(date): Path<String>,
    f: FormFields,
) -> Result<Response, AppError> {
    let date = parse_date(&date)?;
    let order_id = f.int("order_id").ok_or(AppError::NotFound)?;
    let locked = f.get("locked") == Some("true");
    let version = f.int("version").unwrap_or(0);
    let result = actions::set_lock(&state, date, order_id, locked, version).await;
    act(&state, &ctx, date, "saved", result).await
}

pub async fn set_driver(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((date, route_id)): Path<(String, i32)>,
    f: FormFields,
) -> Result<Response, AppError> {
    let date = parse_date(&date)?;
    let driver_id = f.int("driver_id").filter(|&d| d > 0);
    let version = f.int("version").unwrap_or(0);
    let result = actions::set_driver(&state, date, route_id, driver_id, version).await;
    act(&state, &ctx, date, "saved", result).await
}

#[derive(Template)]
#[template(path = "planning/print.html")]
struct PrintPage {
    lang: &'static str,
    t: Locale,
    company: String,
    depot: String,
    date: String,
    r: RouteView,
    svg: String,
    total_kg: i64,
    total_cash: String,
}

/// A small map of the route as SVG (no tiles: prints anywhere).
fn route_svg(depot: Option<[f64; 2]>, r: &RouteView) -> String {
    let mut pts: Vec<(f64, f64)> = Vec::new();
    if let Some([lat, lon]) = depot {
        pts.push((lat, lon));
    }
    let mut labels = Vec::new();
    for s in &r.stops {
        if let Some(p) = s.lat.zip(s.lon) {
            pts.push(p);
            labels.push(s.sequence);
        }
    }
    if pts.len() < 2 {
        return String::new();
    }
    let (w, h, pad) = (360.0, 240.0, 16.0);
    let min_lat = pts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let max_lat = pts.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let min_lon = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let max_lon = pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    // Same scale on both axes (lon shrunk by cos(lat)).
    let k = (min_lat.to_radians()).cos();
    let span = ((max_lon - min_lon) * k).max(max_lat - min_lat).max(1e-4);
    let scale = ((w - 2.0 * pad) / span).min((h - 2.0 * pad) / span);
    let xy = |p: &(f64, f64)| {
        (
            pad + (p.1 - min_lon) * k * scale,
            h - pad - (p.0 - min_lat) * scale,
        )
    };
    let mut path: Vec<String> = pts
        .iter()
        .map(|p| {
            let (x, y) = xy(p);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    if depot.is_some() {
        path.push(path[0].clone());
    }
    let mut svg = format!(
        r##"<svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg" role="img"><rect width="100%" height="100%" fill="#f8fafc" stroke="#cbd5e1"/><polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>"##,
        path.join(" "),
        r.color
    );
    let offset = usize::from(depot.is_some());
    if depot.is_some() {
        let (x, y) = xy(&pts[0]);
        let _ = write!(
            svg,
            r##"<rect x="{:.1}" y="{:.1}" width="10" height="10" fill="#111"/>"##,
            x - 5.0,
            y - 5.0
        );
    }
    for (i, p) in pts.iter().enumerate().skip(offset) {
        let (x, y) = xy(p);
        let _ = write!(
            svg,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="8" fill="{}"/><text x="{x:.1}" y="{:.1}" font-size="9" text-anchor="middle" fill="#fff">{}</text>"##,
            r.color,
            y + 3.0,
            labels[i - offset]
        );
    }
    svg.push_str("</svg>");
    svg
}

pub async fn print(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(route_id): Path<i32>,
) -> Result<Response, AppError> {
    let route = super::api::route_by_id(&state, route_id).await?;
    let day = Day::load(&state.db, route.plan_date).await?;
    let b = board::build(&day, None, ctx.locale);
    let r = b
        .routes
        .into_iter()
        .find(|r| r.id == route_id)
        .ok_or(AppError::NotFound)?;
    let page = PrintPage {
        lang: ctx.locale.code(),
        t: ctx.locale,
        company: state.config.company_name.clone(),
        depot: b.depot_name,
        date: route.plan_date.to_string(),
        svg: route_svg(b.depot, &r),
        total_kg: r.stops.iter().map(|s| s.kg).sum(),
        total_cash: money(r.cash),
        r,
    };
    Ok(Html(render_template(&page)?).into_response())
}
