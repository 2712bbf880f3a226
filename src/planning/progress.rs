//! A published route as the day goes: the driver starts it, arrives at
//! stops, ends it; the office confirms the hand-in. The driver feature and
//! the dispatch page call these instead of reading planning's tables.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
};

use super::{
    entity::{route, stop},
    status::RouteStatus,
};
use crate::{error::AppError, i18n::Text};

/// A route with its stops in order.
#[derive(Debug, Clone)]
pub struct RouteStops {
    pub route: route::Model,
    pub stops: Vec<stop::Model>,
}

async fn with_stops(
    db: &impl ConnectionTrait,
    routes: Vec<route::Model>,
) -> Result<Vec<RouteStops>, AppError> {
    let mut out = Vec::with_capacity(routes.len());
    for r in routes {
        let stops = stop::Entity::find()
            .filter(stop::Column::RouteId.eq(r.id))
            .order_by_asc(stop::Column::Sequence)
            .all(db)
            .await?;
        out.push(RouteStops { route: r, stops });
    }
    Ok(out)
}

/// A driver's routes of a date that drivers may see (published or later).
pub async fn routes_of_driver_on(
    db: &impl ConnectionTrait,
    driver_id: i32,
    date: NaiveDate,
) -> Result<Vec<RouteStops>, AppError> {
    let routes = route::Entity::find()
        .filter(route::Column::DriverId.eq(driver_id))
        .filter(route::Column::PlanDate.eq(date))
        .filter(route::Column::Status.ne(RouteStatus::Draft.as_str()))
        .order_by_asc(route::Column::Seq)
        .all(db)
        .await?;
    with_stops(db, routes).await
}

/// Every route of a date drivers may see, with stops (the dispatch page).
pub async fn routes_on(
    db: &impl ConnectionTrait,
    date: NaiveDate,
) -> Result<Vec<RouteStops>, AppError> {
    let routes = route::Entity::find()
        .filter(route::Column::PlanDate.eq(date))
        .filter(route::Column::Status.ne(RouteStatus::Draft.as_str()))
        .order_by_asc(route::Column::Seq)
        .all(db)
        .await?;
    with_stops(db, routes).await
}

pub async fn route(db: &impl ConnectionTrait, id: i32) -> Result<RouteStops, AppError> {
    let r = route::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(with_stops(db, vec![r]).await?.remove(0))
}

/// The stop an order is on, if any.
pub async fn stop_of_order(
    db: &impl ConnectionTrait,
    order_id: i32,
) -> Result<Option<stop::Model>, AppError> {
    Ok(stop::Entity::find()
        .filter(stop::Column::OrderId.eq(order_id))
        .one(db)
        .await?)
}

fn conflict(zh: &'static str, en: &'static str) -> AppError {
    AppError::Conflict(Text::new(zh, en))
}

/// Why a driver may not act on `r` now, if they may not.
pub fn refuse_unless_under_way(r: &route::Model) -> Result<(), AppError> {
    match RouteStatus::parse(&r.status) {
        Some(RouteStatus::InProgress) => Ok(()),
        Some(RouteStatus::Published) => Err(conflict(
            "路線尚未出車，請先按「出車」",
            "The route has not been started; start it first",
        )),
        Some(RouteStatus::Done) => Err(conflict(
            "路線已收車，不能再記錄",
            "The route has ended; nothing more can be recorded",
        )),
        _ => Err(conflict("路線尚未發布", "The route has not been published")),
    }
}

async fn set_status(
    txn: &impl ConnectionTrait,
    r: &route::Model,
    from: RouteStatus,
    to: RouteStatus,
    extra: Vec<(route::Column, sea_orm::Value)>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut q = route::Entity::update_many()
        .col_expr(route::Column::Status, Expr::value(to.as_str()))
        .col_expr(route::Column::Version, Expr::value(r.version + 1))
        .col_expr(route::Column::UpdatedAt, Expr::value(now));
    for (c, v) in extra {
        q = q.col_expr(c, Expr::value(v));
    }
    let done = q
        .filter(route::Column::Id.eq(r.id))
        .filter(route::Column::Status.eq(from.as_str()))
        .exec(txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(conflict(
            "路線狀態已改變，請重新整理",
            "The route changed meanwhile; reload",
        ));
    }
    Ok(())
}

/// Starts a published route: `in_progress`, with what was loaded.
pub async fn start_in(
    txn: &impl ConnectionTrait,
    r: &route::Model,
    loaded_json: String,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    match RouteStatus::parse(&r.status) {
        Some(RouteStatus::Published) => {}
        Some(RouteStatus::InProgress) => {
            return Err(conflict("路線已經出車", "The route is already under way"));
        }
        _ => refuse_unless_under_way(r)?,
    }
    set_status(
        txn,
        r,
        RouteStatus::Published,
        RouteStatus::InProgress,
        vec![
            (route::Column::StartedAt, Some(now).into()),
            (route::Column::Loaded, loaded_json.into()),
        ],
        now,
    )
    .await
}

/// Ends an under-way route: `done`, with what the driver handed in.
pub async fn end_in(
    txn: &impl ConnectionTrait,
    r: &route::Model,
    returned_json: String,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    refuse_unless_under_way(r)?;
    set_status(
        txn,
        r,
        RouteStatus::InProgress,
        RouteStatus::Done,
        vec![
            (route::Column::EndedAt, Some(now).into()),
            (route::Column::Returned, returned_json.into()),
        ],
        now,
    )
    .await
}

/// The driver is at a stop (the first arrival counts).
pub async fn arrive_in(
    txn: &impl ConnectionTrait,
    stop_id: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    stop::Entity::update_many()
        .col_expr(stop::Column::ArrivedAt, Expr::value(Some(now)))
        .filter(stop::Column::Id.eq(stop_id))
        .filter(stop::Column::ArrivedAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}

/// The office confirms an ended route's hand-in (cash and cylinders).
pub async fn confirm_hand_in(
    db: &impl ConnectionTrait,
    id: i32,
    by: i32,
    note: &str,
    now: DateTime<Utc>,
) -> Result<route::Model, AppError> {
    let r = route(db, id).await?.route;
    if r.status != RouteStatus::Done.as_str() {
        return Err(conflict(
            "路線尚未收車，不能確認繳回",
            "The route has not ended; the hand-in cannot be confirmed",
        ));
    }
    if r.handed_in_at.is_some() {
        return Err(conflict(
            "繳回已確認過",
            "The hand-in was already confirmed",
        ));
    }
    route::Entity::update_many()
        .col_expr(route::Column::HandedInAt, Expr::value(Some(now)))
        .col_expr(route::Column::HandedInBy, Expr::value(Some(by)))
        .col_expr(route::Column::HandInNote, Expr::value(note))
        .col_expr(route::Column::Version, Expr::value(r.version + 1))
        .filter(route::Column::Id.eq(id))
        .filter(route::Column::HandedInAt.is_null())
        .exec(db)
        .await?;
    Ok(route(db, id).await?.route)
}
