//! Writes to plans, routes and stops, each in one transaction: saving an
//! optimization result, a mid-day re-plan, a manual move or lock, a driver
//! change, and publishing.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use optimizer::Solution;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, Set, sea_query::Expr,
};
use serde::{Deserialize, Serialize};

use super::{
    day::{Day, DayOrder},
    entity::{plan, route, stop},
    problem::Built,
    status::{PlanStatus, RouteStatus},
    travel::Travel,
};
use crate::{
    auth::AuthUser,
    error::AppError,
    i18n::Text,
    orders::{
        queries::{self as orders, transition_in},
        status::{Action, OrderStatus},
    },
};

/// An order left out of the plan, with the optimizer's reason code.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Left {
    pub order_id: i32,
    pub reason: String,
}

fn conflict(zh: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::Conflict(Text::new(zh.into(), en.into()))
}

fn stale() -> AppError {
    conflict(
        "路線規劃已被他人更新，請重新整理後再試",
        "Someone else changed this plan; reload and try again",
    )
}

/// The plan row of a date, checked against the version the caller saw.
async fn plan_at(
    txn: &impl ConnectionTrait,
    date: NaiveDate,
    seen: Option<i32>,
) -> Result<Option<plan::Model>, AppError> {
    let p = plan::Entity::find()
        .filter(plan::Column::PlanDate.eq(date))
        .one(txn)
        .await?;
    match (&p, seen) {
        (Some(p), Some(v)) if p.version != v => Err(stale()),
        (None, Some(v)) if v != 0 => Err(stale()),
        _ => Ok(p),
    }
}

/// A stored plan's status (an unknown code reads as a draft).
pub fn plan_status(p: &plan::Model) -> PlanStatus {
    PlanStatus::parse(&p.status).unwrap_or(PlanStatus::Draft)
}

async fn bump(
    txn: &impl ConnectionTrait,
    p: &plan::Model,
    status: PlanStatus,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let done = plan::Entity::update_many()
        .col_expr(plan::Column::Version, Expr::value(p.version + 1))
        .col_expr(plan::Column::Status, Expr::value(status.as_str()))
        .col_expr(plan::Column::UpdatedAt, Expr::value(now))
        .filter(plan::Column::Id.eq(p.id))
        .filter(plan::Column::Version.eq(p.version))
        .exec(txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(stale());
    }
    Ok(())
}

fn snapshot_of(day: &Day, ids: impl Iterator<Item = i32>) -> String {
    let map: HashMap<String, i32> = ids
        .filter_map(|id| {
            day.orders
                .get(&id)
                .map(|o| (id.to_string(), o.order.version))
        })
        .collect();
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".into())
}

fn left_of(built: &Built, sol: &Solution) -> Vec<Left> {
    sol.unassigned
        .iter()
        .map(|u| Left {
            order_id: built.order_ids[u.job],
            reason: u.reason.as_str().to_owned(),
        })
        .collect()
}

/// Saves an optimization result as the date's draft plan, replacing the
/// previous draft. `seen` is the plan version the run started from.
#[allow(clippy::too_many_arguments, clippy::implicit_hasher)]
pub async fn save_plan(
    db: &DatabaseConnection,
    day: &Day,
    built: &Built,
    sol: &Solution,
    naive_m: f64,
    pinned: &HashMap<i32, i32>,
    actor: Option<i32>,
    now: DateTime<Utc>,
) -> Result<i32, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let seen = day.plan.as_ref().map_or(0, |p| p.version);
    let existing = plan_at(&txn, day.date, Some(seen)).await?;
    if existing
        .as_ref()
        .is_some_and(|p| plan_status(p).was_published())
    {
        return Err(conflict(
            "這一天的路線已發布，請改用「插入新訂單」重新規劃",
            "This date's routes are published; use re-plan to add new orders",
        ));
    }
    let left = serde_json::to_string(&left_of(built, sol)).unwrap_or_else(|_| "[]".into());
    let planned = sol
        .routes
        .iter()
        .flat_map(|r| &r.stops)
        .map(|s| built.order_ids[s.job]);
    let snapshot = snapshot_of(day, planned.chain(built.order_ids.iter().copied()));
    let distance = sol.total_distance.round() as i64;
    let plan_id = match existing {
        Some(p) => {
            // Only if nobody changed the plan since the run started.
            let done = plan::Entity::update_many()
                .col_expr(plan::Column::DistanceM, Expr::value(distance))
                .col_expr(
                    plan::Column::NaiveDistanceM,
                    Expr::value(naive_m.round() as i64),
                )
                .col_expr(plan::Column::Unassigned, Expr::value(left))
                .col_expr(plan::Column::Snapshot, Expr::value(snapshot))
                .col_expr(plan::Column::ComputedAt, Expr::value(now))
                .col_expr(plan::Column::ComputedBy, Expr::value(actor))
                .col_expr(plan::Column::Version, Expr::value(p.version + 1))
                .col_expr(plan::Column::UpdatedAt, Expr::value(now))
                .filter(plan::Column::Id.eq(p.id))
                .filter(plan::Column::Version.eq(p.version))
                .exec(&txn)
                .await?;
            if done.rows_affected == 0 {
                return Err(stale());
            }
            route::Entity::delete_many()
                .filter(route::Column::PlanId.eq(p.id))
                .exec(&txn)
                .await?;
            p.id
        }
        None => {
            plan::ActiveModel {
                plan_date: Set(day.date),
                status: Set(PlanStatus::Draft.as_str().into()),
                distance_m: Set(distance),
                naive_distance_m: Set(naive_m.round() as i64),
                unassigned: Set(left),
                snapshot: Set(snapshot),
                computed_at: Set(now),
                computed_by: Set(actor),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
            .id
        }
    };
    let planned: Vec<i32> = sol
        .routes
        .iter()
        .flat_map(|r| &r.stops)
        .map(|s| built.order_ids[s.job])
        .collect();
    release_elsewhere(&txn, &planned, plan_id, now).await?;
    for (i, r) in sol.routes.iter().enumerate() {
        let vehicle_id = built.vehicle_ids[r.vehicle];
        let route_id = insert_route(&txn, day, plan_id, i as i32 + 1, vehicle_id, r, now).await?;
        for (k, s) in r.stops.iter().enumerate() {
            let order_id = built.order_ids[s.job];
            stop::ActiveModel {
                route_id: Set(route_id),
                order_id: Set(order_id),
                sequence: Set(k as i32 + 1),
                arrival_s: Set(s.service_start.round() as i32),
                departure_s: Set(s.departure.round() as i32),
                locked: Set(pinned.contains_key(&order_id)),
                change: Set(String::new()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    Ok(plan_id)
}

/// Takes these orders off routes of other dates (an order moved to another
/// day): their stops go, and those plans' versions move on.
async fn release_elsewhere(
    txn: &impl ConnectionTrait,
    order_ids: &[i32],
    plan_id: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if order_ids.is_empty() {
        return Ok(());
    }
    let elsewhere: Vec<(i32, i32)> = stop::Entity::find()
        .filter(stop::Column::OrderId.is_in(order_ids.to_vec()))
        .all(txn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.route_id))
        .collect();
    if elsewhere.is_empty() {
        return Ok(());
    }
    let route_ids: Vec<i32> = elsewhere.iter().map(|x| x.1).collect();
    let other_plans: Vec<i32> = route::Entity::find()
        .filter(route::Column::Id.is_in(route_ids))
        .filter(route::Column::PlanId.ne(plan_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|r| r.plan_id)
        .collect();
    if other_plans.is_empty() {
        return Ok(());
    }
    let other_routes: Vec<i32> = route::Entity::find()
        .filter(route::Column::PlanId.is_in(other_plans.clone()))
        .all(txn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    stop::Entity::delete_many()
        .filter(stop::Column::OrderId.is_in(order_ids.to_vec()))
        .filter(stop::Column::RouteId.is_in(other_routes))
        .exec(txn)
        .await?;
    plan::Entity::update_many()
        .col_expr(
            plan::Column::Version,
            Expr::col(plan::Column::Version).add(1),
        )
        .col_expr(plan::Column::UpdatedAt, Expr::value(now))
        .filter(plan::Column::Id.is_in(other_plans))
        .exec(txn)
        .await?;
    Ok(())
}

async fn insert_route(
    txn: &impl ConnectionTrait,
    day: &Day,
    plan_id: i32,
    seq: i32,
    vehicle_id: i32,
    r: &optimizer::Route,
    now: DateTime<Utc>,
) -> Result<i32, AppError> {
    Ok(route::ActiveModel {
        plan_id: Set(plan_id),
        plan_date: Set(day.date),
        route_number: Set(None),
        seq: Set(seq),
        vehicle_id: Set(vehicle_id),
        driver_id: Set(day.driver_of_vehicle(vehicle_id).map(|d| d.id)),
        status: Set(PlanStatus::Draft.as_str().into()),
        distance_m: Set(r.distance.round() as i64),
        start_s: Set(r.start.round() as i32),
        end_s: Set(r.end.round() as i32),
        load_kg: Set(r.load[0] as i32),
        load_slots: Set(r.load[1] as i32),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?
    .id)
}

/// Saves a mid-day re-plan: existing stops keep their routes and order
/// (they get new sequence numbers and times), new stops are marked
/// `added`, and the plan becomes `changed` until published again.
pub async fn save_replan(
    db: &DatabaseConnection,
    day: &Day,
    built: &Built,
    sol: &Solution,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    let seen = day.plan.as_ref().map_or(0, |p| p.version);
    let p = plan_at(&txn, day.date, Some(seen))
        .await?
        .ok_or_else(stale)?;
    let mut next_seq = day.routes.iter().map(|r| r.seq).max().unwrap_or(0);
    let mut old_stop: HashMap<i32, stop::Model> = HashMap::new();
    for s in day.stops.values().flatten() {
        old_stop.insert(s.order_id, s.clone());
    }
    let fresh: Vec<i32> = sol
        .routes
        .iter()
        .flat_map(|r| &r.stops)
        .map(|s| built.order_ids[s.job])
        .filter(|id| !old_stop.contains_key(id))
        .collect();
    release_elsewhere(&txn, &fresh, p.id, now).await?;
    for r in &sol.routes {
        let vehicle_id = built.vehicle_ids[r.vehicle];
        let route_id = match day.routes.iter().find(|x| x.vehicle_id == vehicle_id) {
            Some(existing) => {
                route::Entity::update_many()
                    .col_expr(
                        route::Column::DistanceM,
                        Expr::value(r.distance.round() as i64),
                    )
                    .col_expr(route::Column::StartS, Expr::value(r.start.round() as i32))
                    .col_expr(route::Column::EndS, Expr::value(r.end.round() as i32))
                    .col_expr(route::Column::LoadKg, Expr::value(r.load[0] as i32))
                    .col_expr(route::Column::LoadSlots, Expr::value(r.load[1] as i32))
                    .col_expr(route::Column::Version, Expr::value(existing.version + 1))
                    .col_expr(route::Column::UpdatedAt, Expr::value(now))
                    .filter(route::Column::Id.eq(existing.id))
                    .exec(&txn)
                    .await?;
                existing.id
            }
            None => {
                next_seq += 1;
                insert_route(&txn, day, p.id, next_seq, vehicle_id, r, now).await?
            }
        };
        for (k, s) in r.stops.iter().enumerate() {
            let order_id = built.order_ids[s.job];
            let (arrival, departure) = (s.service_start.round() as i32, s.departure.round() as i32);
            match old_stop.get(&order_id) {
                Some(old) => {
                    let change = if old.route_id == route_id {
                        old.change.clone()
                    } else {
                        "moved".to_owned()
                    };
                    stop::Entity::update_many()
                        .col_expr(stop::Column::RouteId, Expr::value(route_id))
                        .col_expr(stop::Column::Change, Expr::value(change))
                        .col_expr(stop::Column::Sequence, Expr::value(k as i32 + 1))
                        .col_expr(stop::Column::ArrivalS, Expr::value(arrival))
                        .col_expr(stop::Column::DepartureS, Expr::value(departure))
                        .filter(stop::Column::Id.eq(old.id))
                        .exec(&txn)
                        .await?;
                }
                None => {
                    stop::ActiveModel {
                        route_id: Set(route_id),
                        order_id: Set(order_id),
                        sequence: Set(k as i32 + 1),
                        arrival_s: Set(arrival),
                        departure_s: Set(departure),
                        locked: Set(false),
                        change: Set("added".into()),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?;
                }
            }
        }
    }
    // Orders cancelled or moved to another day leave their routes.
    let stale = day.stale_stops();
    if !stale.is_empty() {
        stop::Entity::delete_many()
            .filter(stop::Column::OrderId.is_in(stale))
            .exec(&txn)
            .await?;
    }
    let routed = day.routed();
    let left: Vec<Left> = left_of(built, sol)
        .into_iter()
        .filter(|l| !routed.contains(&l.order_id))
        .collect();
    let mut snapshot: HashMap<String, i32> = serde_json::from_str(&p.snapshot).unwrap_or_default();
    for id in &built.order_ids {
        if let Some(o) = day.orders.get(id) {
            snapshot.insert(id.to_string(), o.order.version);
        }
    }
    plan::Entity::update_many()
        .col_expr(
            plan::Column::Unassigned,
            Expr::value(serde_json::to_string(&left).unwrap_or_default()),
        )
        .col_expr(
            plan::Column::Snapshot,
            Expr::value(serde_json::to_string(&snapshot).unwrap_or_default()),
        )
        .col_expr(
            plan::Column::DistanceM,
            Expr::value(sol.total_distance.round() as i64),
        )
        .col_expr(plan::Column::ComputedAt, Expr::value(now))
        .filter(plan::Column::Id.eq(p.id))
        .exec(&txn)
        .await?;
    bump(&txn, &p, PlanStatus::Changed, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Seconds and metres along a route (depot, stops…, depot) and each stop's
/// planned service start and departure, starting at `start`.
pub struct Timing {
    pub times: Vec<(i32, i32)>,
    pub end: i32,
    pub distance: i64,
}

pub async fn time_route(day: &Day, travel: &Travel, start: i32, orders: &[&DayOrder]) -> Timing {
    let Some(depot) = &day.depot else {
        return Timing {
            times: vec![(start, start); orders.len()],
            end: start,
            distance: 0,
        };
    };
    let mut points = vec![(depot.lat, depot.lon)];
    let mut idx = Vec::with_capacity(orders.len());
    for o in orders {
        idx.push(o.point().map_or(0, |p| {
            points.push(p);
            points.len() - 1
        }));
    }
    let m = travel.matrix(&points).await;
    let mut t = f64::from(start);
    let mut at = 0;
    let mut distance = 0.0;
    let mut times = Vec::with_capacity(orders.len());
    for (o, &to) in orders.iter().zip(&idx) {
        let arrival = t + m.duration(at, to);
        distance += m.distance(at, to);
        let begin = o
            .windows()
            .iter()
            .map(|&(s, e)| (f64::from(s), f64::from(e)))
            .find(|&(_, e)| arrival <= e)
            .map_or(arrival, |(s, _)| arrival.max(s));
        t = begin + o.service_seconds();
        times.push((begin.round() as i32, t.round() as i32));
        at = to;
    }
    let end = t + m.duration(at, 0);
    distance += m.distance(at, 0);
    Timing {
        times,
        end: end.round() as i32,
        distance: distance.round() as i64,
    }
}

/// Rewrites a route's stops in the given order with fresh times, and its
/// totals.
async fn rewrite_route(
    txn: &impl ConnectionTrait,
    day: &Day,
    travel: &Travel,
    r: &route::Model,
    order_ids: &[i32],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let orders: Vec<&DayOrder> = order_ids
        .iter()
        .filter_map(|id| day.orders.get(id))
        .collect();
    let timing = time_route(day, travel, r.start_s, &orders).await;
    let (mut kg, mut slots) = (0, 0);
    for (k, o) in orders.iter().enumerate() {
        let (a, b) = o.demand();
        kg += a;
        slots += b;
        stop::Entity::update_many()
            .col_expr(stop::Column::RouteId, Expr::value(r.id))
            .col_expr(stop::Column::Sequence, Expr::value(k as i32 + 1))
            .col_expr(stop::Column::ArrivalS, Expr::value(timing.times[k].0))
            .col_expr(stop::Column::DepartureS, Expr::value(timing.times[k].1))
            .filter(stop::Column::OrderId.eq(o.order.id))
            .exec(txn)
            .await?;
    }
    route::Entity::update_many()
        .col_expr(route::Column::DistanceM, Expr::value(timing.distance))
        .col_expr(route::Column::EndS, Expr::value(timing.end))
        .col_expr(route::Column::LoadKg, Expr::value(kg as i32))
        .col_expr(route::Column::LoadSlots, Expr::value(slots as i32))
        .col_expr(route::Column::Version, Expr::value(r.version + 1))
        .col_expr(route::Column::UpdatedAt, Expr::value(now))
        .filter(route::Column::Id.eq(r.id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Moves an order to `position` (1-based) of route `to`, or off every route
/// when `to` is `None`. A moved stop is locked to its new truck.
#[allow(clippy::too_many_arguments)]
pub async fn move_stop(
    db: &DatabaseConnection,
    day: &Day,
    travel: &Travel,
    order_id: i32,
    to: Option<i32>,
    position: usize,
    seen: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let order = day.orders.get(&order_id).ok_or(AppError::NotFound)?;
    if !super::day::PLANNABLE.contains(&order.status()) {
        return Err(conflict(
            format!("{}：已出車或已完成的訂單不能移動", order.order.order_number),
            format!(
                "{}: an order already under way or done cannot be moved",
                order.order.order_number
            ),
        ));
    }
    if to.is_some() && order.point().is_none() {
        return Err(conflict(
            format!(
                "{}：客戶沒有座標，請先在客戶資料設定位置",
                order.order.order_number
            ),
            format!(
                "{}: the customer has no coordinates; set the location first",
                order.order.order_number
            ),
        ));
    }
    let from = day.routes.iter().find(|r| {
        day.stops
            .get(&r.id)
            .is_some_and(|s| s.iter().any(|s| s.order_id == order_id))
    });
    let target = match to {
        Some(id) => Some(day.routes.iter().find(|r| r.id == id).ok_or_else(|| {
            AppError::field("route_id", Text::new("找不到這條路線", "No such route"))
        })?),
        None => None,
    };
    let ids_of = |r: &route::Model| -> Vec<i32> {
        day.stops
            .get(&r.id)
            .map(|s| {
                s.iter()
                    .map(|s| s.order_id)
                    .filter(|&o| o != order_id && day.orders.contains_key(&o))
                    .collect()
            })
            .unwrap_or_default()
    };
    let target_ids = target.map(|t| {
        let mut ids = ids_of(t);
        let at = position.clamp(1, ids.len() + 1) - 1;
        ids.insert(at, order_id);
        (ids, at)
    });
    // Travel times first (they may come from a routing service): inside the
    // write transaction below they then come from the cache.
    for ids in [from.map(&ids_of), target_ids.as_ref().map(|x| x.0.clone())]
        .into_iter()
        .flatten()
    {
        let orders: Vec<&DayOrder> = ids.iter().filter_map(|id| day.orders.get(id)).collect();
        let _ = time_route(day, travel, 0, &orders).await;
    }
    let txn = crate::db::begin_write(db).await?;
    let p = plan_at(&txn, day.date, Some(seen))
        .await?
        .ok_or_else(stale)?;
    // Stops of orders no longer on this date (cancelled, moved) go now.
    let stale_ids = day.stale_stops();
    if !stale_ids.is_empty() {
        stop::Entity::delete_many()
            .filter(stop::Column::OrderId.is_in(stale_ids))
            .exec(&txn)
            .await?;
    }
    let published = plan_status(&p).was_published();
    if let Some(f) = from
        && target.is_none_or(|t| t.id != f.id)
    {
        rewrite_route(&txn, day, travel, f, &ids_of(f), now).await?;
    }
    match target.zip(target_ids) {
        Some((t, (ids, at))) => {
            if from.is_none() {
                release_elsewhere(&txn, &[order_id], p.id, now).await?;
                stop::ActiveModel {
                    route_id: Set(t.id),
                    order_id: Set(order_id),
                    sequence: Set(at as i32 + 1),
                    locked: Set(true),
                    change: Set(if published {
                        "added".into()
                    } else {
                        String::new()
                    }),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            } else {
                stop::Entity::update_many()
                    .col_expr(stop::Column::Locked, Expr::value(true))
                    .col_expr(
                        stop::Column::Change,
                        Expr::value(if published { "moved" } else { "" }),
                    )
                    .filter(stop::Column::OrderId.eq(order_id))
                    .exec(&txn)
                    .await?;
            }
            rewrite_route(&txn, day, travel, t, &ids, now).await?;
        }
        None => {
            stop::Entity::delete_many()
                .filter(stop::Column::OrderId.eq(order_id))
                .exec(&txn)
                .await?;
        }
    }
    // The moved order is no longer "left out"; one taken off a route is.
    let mut left: Vec<Left> = serde_json::from_str(&p.unassigned).unwrap_or_default();
    left.retain(|l| l.order_id != order_id);
    if target.is_none() {
        left.push(Left {
            order_id,
            reason: "manual".into(),
        });
    }
    plan::Entity::update_many()
        .col_expr(
            plan::Column::Unassigned,
            Expr::value(serde_json::to_string(&left).unwrap_or_default()),
        )
        .filter(plan::Column::Id.eq(p.id))
        .exec(&txn)
        .await?;
    bump(
        &txn,
        &p,
        if published {
            PlanStatus::Changed
        } else {
            PlanStatus::Draft
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Locks a stop to its truck (kept there when the rest is re-optimized) or
/// unlocks it.
pub async fn set_lock(
    db: &DatabaseConnection,
    date: NaiveDate,
    order_id: i32,
    locked: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    let p = plan_at(&txn, date, None).await?.ok_or(AppError::NotFound)?;
    let done = stop::Entity::update_many()
        .col_expr(stop::Column::Locked, Expr::value(locked))
        .filter(stop::Column::OrderId.eq(order_id))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    bump(&txn, &p, plan_status(&p), now).await?;
    txn.commit().await?;
    Ok(())
}

/// Gives a route another driver (or none).
pub async fn set_driver(
    db: &DatabaseConnection,
    day: &Day,
    route_id: i32,
    driver_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let r = day
        .routes
        .iter()
        .find(|r| r.id == route_id)
        .ok_or(AppError::NotFound)?;
    if let Some(d) = driver_id
        && day.driver(d).is_none_or(|d| !d.active)
    {
        return Err(AppError::field(
            "driver_id",
            Text::new("找不到這位司機", "No such driver"),
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    let done = route::Entity::update_many()
        .col_expr(route::Column::DriverId, Expr::value(driver_id))
        .col_expr(route::Column::Version, Expr::value(r.version + 1))
        .col_expr(route::Column::UpdatedAt, Expr::value(now))
        .filter(route::Column::Id.eq(r.id))
        .filter(route::Column::Version.eq(r.version))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(stale());
    }
    txn.commit().await?;
    Ok(())
}

/// What publishing did, for events and the answer.
pub struct Published {
    pub routes: Vec<route::Model>,
    pub planned: usize,
}

/// Publishes the date's plan: checks nothing changed in its orders since it
/// was computed, numbers new routes `R{YYYYMMDD}-{NN}`, and moves the orders
/// to `planned` (confirming pending ones). All or nothing.
pub async fn publish(
    db: &DatabaseConnection,
    day: &Day,
    actor: &AuthUser,
    seen: i32,
    now: DateTime<Utc>,
) -> Result<Published, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let p = plan_at(&txn, day.date, Some(seen))
        .await?
        .ok_or_else(|| conflict("這一天還沒有路線規劃", "There is no plan for this date yet"))?;
    if plan_status(&p) == PlanStatus::Published {
        return Err(conflict(
            "這份規劃已經發布過了",
            "This plan is already published",
        ));
    }
    let snapshot: HashMap<String, i32> = serde_json::from_str(&p.snapshot).unwrap_or_default();
    let routed: Vec<i32> = day.stops.values().flatten().map(|s| s.order_id).collect();
    if routed.is_empty() {
        return Err(conflict(
            "規劃裡沒有任何路線可發布",
            "The plan has no routes to publish",
        ));
    }
    // Orders changed (edited, cancelled, moved to another date) since the
    // plan was computed.
    let seen: HashMap<i32, i32> = snapshot
        .iter()
        .filter_map(|(k, v)| Some((k.parse().ok()?, *v)))
        .collect();
    let changed = orders::changed_since(&txn, day.date, &routed, &seen, p.computed_at).await?;
    if !changed.is_empty() {
        let list = changed.join("、");
        return Err(conflict(
            format!("規劃計算後以下訂單已變更，請重新規劃後再發布：{list}"),
            format!(
                "These orders changed after the plan was computed; re-plan before publishing: {}",
                changed.join(", ")
            ),
        ));
    }
    let prefix = format!("R{}-", day.date.format("%Y%m%d"));
    let mut last = day
        .routes
        .iter()
        .filter_map(|r| {
            r.route_number
                .as_deref()?
                .strip_prefix(&prefix)?
                .parse::<u32>()
                .ok()
        })
        .max()
        .unwrap_or(0);
    let mut routes_out = Vec::new();
    for r in &day.routes {
        let stops = day.stops.get(&r.id).map(Vec::as_slice).unwrap_or_default();
        if stops.is_empty() {
            route::Entity::delete_by_id(r.id).exec(&txn).await?;
            continue;
        }
        let mut a = r.clone().into_active_model();
        if r.route_number.is_none() {
            last += 1;
            a.route_number = Set(Some(format!("{prefix}{last:02}")));
        }
        if r.status == RouteStatus::Draft.as_str() {
            a.status = Set(RouteStatus::Published.as_str().into());
        }
        a.version = Set(r.version + 1);
        a.updated_at = Set(now);
        routes_out.push(a.update(&txn).await?);
    }
    let mut planned = 0;
    let mut versions: HashMap<String, i32> = HashMap::new();
    let mut current = orders::by_ids(&txn, &routed).await?;
    for id in &routed {
        let mut row = current.remove(id).expect("checked above");
        if row.status == OrderStatus::Pending.as_str() {
            row = transition_in(&txn, Some(actor), *id, Action::Confirm, "", now).await?;
        }
        if row.status == OrderStatus::Confirmed.as_str() {
            row = transition_in(&txn, Some(actor), *id, Action::Plan, "", now).await?;
            planned += 1;
        }
        versions.insert(id.to_string(), row.version);
    }
    // Orders taken off every route go back to confirmed.
    for o in day.orders.values() {
        if o.status() == OrderStatus::Planned && !routed.contains(&o.order.id) {
            transition_in(&txn, Some(actor), o.order.id, Action::Unplan, "", now).await?;
        }
    }
    stop::Entity::update_many()
        .col_expr(stop::Column::Change, Expr::value(""))
        .filter(stop::Column::OrderId.is_in(routed))
        .exec(&txn)
        .await?;
    plan::Entity::update_many()
        .col_expr(
            plan::Column::Snapshot,
            Expr::value(serde_json::to_string(&versions).unwrap_or_default()),
        )
        .col_expr(plan::Column::PublishedAt, Expr::value(now))
        .col_expr(plan::Column::PublishedBy, Expr::value(actor.id))
        .filter(plan::Column::Id.eq(p.id))
        .exec(&txn)
        .await?;
    bump(&txn, &p, PlanStatus::Published, now).await?;
    txn.commit().await?;
    Ok(Published {
        routes: routes_out,
        planned,
    })
}
