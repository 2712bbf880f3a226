//! Publishing a day's plan to the drivers.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    Set, sea_query::Expr,
};

use crate::planning::{
    day::Day,
    entity::{plan, route, stop},
    status::{PlanStatus, RouteStatus},
};
use crate::{
    auth::AuthUser,
    error::AppError,
    orders::{
        queries::{self as orders, transition_in},
        status::{Action, OrderStatus},
    },
};

use super::{bump, conflict, plan_at, plan_status};

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
