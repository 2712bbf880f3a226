//! What other features ask planning, so they never read its tables.

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, Query, SelectStatement},
};

use super::{
    entity::{plan, route, stop},
    status::PlanStatus,
};
use crate::error::AppError;

/// The status of a date's plan; `None` before its first optimization.
pub async fn plan_status_on(
    db: &impl ConnectionTrait,
    date: NaiveDate,
) -> Result<Option<PlanStatus>, AppError> {
    Ok(plan::Entity::find()
        .filter(plan::Column::PlanDate.eq(date))
        .one(db)
        .await?
        .map(|p| super::store::plan_status(&p)))
}

/// The ids of the orders on a driver's routes, as a subquery for
/// `order_id IN (…)`.
pub fn orders_on_routes_of(driver_id: i32) -> SelectStatement {
    Query::select()
        .column((stop::Entity, stop::Column::OrderId))
        .from(stop::Entity)
        .inner_join(
            route::Entity,
            Expr::col((route::Entity, route::Column::Id))
                .equals((stop::Entity, stop::Column::RouteId)),
        )
        .and_where(Expr::col((route::Entity, route::Column::DriverId)).eq(driver_id))
        .to_owned()
}
