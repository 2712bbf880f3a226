//! The planner's own edits: moving a stop, locking it, changing a route's
//! driver.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    sea_query::Expr,
};

use crate::planning::{
    day::{Day, DayOrder},
    entity::{plan, route, stop},
    status::PlanStatus,
    travel::Travel,
};
use crate::{error::AppError, i18n::Text};

use super::{
    Left, bump, conflict, plan_at, plan_status, release_elsewhere, stale,
    timing::{rewrite_route, time_route},
};

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
    if !crate::planning::day::PLANNABLE.contains(&order.status()) {
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
    seen: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    let p = plan_at(&txn, date, Some(seen))
        .await?
        .ok_or(AppError::NotFound)?;
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
    seen: i32,
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
    let p = plan_at(&txn, day.date, Some(seen))
        .await?
        .ok_or(AppError::NotFound)?;
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
    bump(&txn, &p, plan_status(&p), now).await?;
    txn.commit().await?;
    Ok(())
}
