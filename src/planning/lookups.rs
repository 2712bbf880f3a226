//! What other features ask planning, so they never read its tables.

use sea_orm::sea_query::{Expr, Query, SelectStatement};

use super::entity::{route, stop};

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
