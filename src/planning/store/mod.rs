//! Writes to plans, routes and stops, each in one transaction: saving an
//! optimization result or a mid-day re-plan (`save`), a manual move, lock
//! or driver change (`edit`, with route times from `timing`), and
//! publishing (`publish`). Shared here: the plan row checked against the
//! version the user saw, and the version bump every write ends with.

mod edit;
mod publish;
mod save;
mod timing;

pub use edit::{move_stop, set_driver, set_lock};
pub use publish::{Published, publish};
pub use save::{save_plan, save_replan};
pub use timing::{Timing, time_route};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde::{Deserialize, Serialize};

use super::{
    entity::{plan, route, stop},
    status::PlanStatus,
};
use crate::{error::AppError, i18n::Text};

/// An order left out of the plan, with the optimizer's reason code.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Left {
    pub order_id: i32,
    pub reason: String,
}

pub(super) fn conflict(zh: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::Conflict(Text::new(zh.into(), en.into()))
}

pub(super) fn stale() -> AppError {
    conflict(
        "路線規劃已被他人更新，請重新整理後再試",
        "Someone else changed this plan; reload and try again",
    )
}

/// The plan row of a date, checked against the version the caller saw.
pub(super) async fn plan_at(
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

pub(super) async fn bump(
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

/// Takes these orders off routes of other dates (an order moved to another
/// day): their stops go, and those plans' versions move on.
pub(super) async fn release_elsewhere(
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
