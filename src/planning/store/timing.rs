//! Times and distances along a route, and rewriting a route's stops with
//! them.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};

use crate::error::AppError;
use crate::planning::{
    day::{Day, DayOrder},
    entity::{route, stop},
    travel::Travel,
};

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
pub(super) async fn rewrite_route(
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
