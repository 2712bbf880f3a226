//! Saving an optimization result as the draft plan, and a mid-day re-plan
//! that keeps every planned stop on its route.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use optimizer::Solution;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, sea_query::Expr,
};

use crate::error::AppError;
use crate::planning::{
    day::Day,
    entity::{plan, route, stop},
    problem::Built,
    status::PlanStatus,
};

use super::{Left, bump, conflict, plan_at, plan_status, release_elsewhere, stale};

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
