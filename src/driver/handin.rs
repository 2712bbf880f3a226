//! The end of a route: what the driver brings back (cash, empties, full
//! cylinders) against what the day's records say, for the office to
//! confirm. A difference is shown and kept, never evened out.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use super::{
    entity::report,
    input::{counts_from_json, reason_label},
};
use crate::{
    customers::queries as customers,
    domain::CylinderSize,
    error::AppError,
    i18n::Locale,
    orders::{self, status::OrderStatus},
    planning::{progress::RouteStops, status::RouteStatus},
};

/// Reports of a route, in server order.
pub async fn reports_of(
    db: &impl ConnectionTrait,
    route_id: i32,
) -> Result<Vec<report::Model>, AppError> {
    Ok(report::Entity::find()
        .filter(report::Column::RouteId.eq(route_id))
        .order_by_asc(report::Column::ServerAt)
        .order_by_asc(report::Column::Id)
        .all(db)
        .await?)
}

/// Reports of an order, in server order (its page and the office's list).
pub async fn reports_of_order(
    db: &impl ConnectionTrait,
    order_id: i32,
) -> Result<Vec<report::Model>, AppError> {
    Ok(report::Entity::find()
        .filter(report::Column::OrderId.eq(order_id))
        .order_by_asc(report::Column::ServerAt)
        .order_by_asc(report::Column::Id)
        .all(db)
        .await?)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SizeLine {
    pub size: String,
    pub loaded: i32,
    pub delivered: i32,
    /// Full cylinders that should come back: loaded less delivered.
    pub expected_back: i32,
    /// Counted by the driver at the end (`None` before the end).
    pub returned: Option<i32>,
    pub empties: i32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FailedStop {
    pub order_id: i32,
    pub order_number: String,
    pub customer: String,
    pub reason: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandIn {
    pub route_id: i32,
    pub route_number: Option<String>,
    pub status: String,
    pub stops: usize,
    pub delivered: usize,
    pub failed: usize,
    pub open: usize,
    /// Cash the delivered cash orders come to.
    pub cash_expected: i64,
    /// Cash the driver recorded at the doors.
    pub cash_received: i64,
    /// Cash handed in at the end (`None` before the end).
    pub cash_handed_in: Option<i64>,
    /// Handed in less received at the doors.
    pub cash_difference: Option<i64>,
    pub sizes: Vec<SizeLine>,
    pub failed_stops: Vec<FailedStop>,
    /// Reports the office's changes kept from being applied.
    pub not_applied: usize,
    /// Deliveries or failures recorded over 300 m from the pin.
    pub far: usize,
    pub handed_in_at: Option<chrono::DateTime<chrono::Utc>>,
    pub hand_in_note: String,
}

pub async fn summary(
    db: &impl ConnectionTrait,
    r: &RouteStops,
    t: Locale,
) -> Result<HandIn, AppError> {
    let reports = reports_of(db, r.route.id).await?;
    summary_of(db, r, &reports, t).await
}

/// [`summary`] from the route's reports the caller already read.
pub async fn summary_of(
    db: &impl ConnectionTrait,
    r: &RouteStops,
    reports: &[report::Model],
    t: Locale,
) -> Result<HandIn, AppError> {
    let ids: Vec<i32> = r.stops.iter().map(|s| s.order_id).collect();
    let by_id = orders::queries::by_ids(db, &ids).await?;
    let customer_ids: Vec<i32> = by_id.values().map(|o| o.customer_id).collect();
    let names = customers::by_ids(db, &customer_ids).await?;
    let (mut delivered, mut failed, mut open) = (0, 0, 0);
    let mut cash_expected = 0;
    for o in by_id.values() {
        match OrderStatus::parse(&o.status) {
            Some(OrderStatus::Delivered) => {
                delivered += 1;
                if o.payment_method == "cash" {
                    cash_expected += o.total_amount;
                }
            }
            Some(OrderStatus::Failed) => failed += 1,
            Some(s) if s.is_open() => open += 1,
            _ => {}
        }
    }
    let loaded = counts_from_json(&r.route.loaded);
    let mut sent = [0; 5];
    let mut empties = [0; 5];
    let mut cash_received = 0;
    let mut failed_stops = Vec::new();
    for rep in reports.iter().filter(|x| x.applied) {
        if rep.outcome == "delivered" {
            for (i, n) in counts_from_json(&rep.delivered).into_iter().enumerate() {
                sent[i] += n;
            }
            for (i, n) in counts_from_json(&rep.empties).into_iter().enumerate() {
                empties[i] += n;
            }
            cash_received += rep.cash_amount;
        } else if let Some(o) = by_id.get(&rep.order_id)
            && o.status == OrderStatus::Failed.as_str()
        {
            // The latest failure of an order counts.
            failed_stops.retain(|f: &FailedStop| f.order_id != o.id);
            {
                failed_stops.push(FailedStop {
                    order_id: o.id,
                    order_number: o.order_number.clone(),
                    customer: names
                        .get(&o.customer_id)
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                    reason: reason_label(&rep.reason, t).to_owned(),
                    note: rep.note.clone(),
                });
            }
        }
    }
    let back: serde_json::Value = serde_json::from_str(&r.route.returned).unwrap_or_default();
    let ended = r.route.status == RouteStatus::Done.as_str();
    let returned = back["full"]
        .as_str()
        .map(counts_from_json)
        .filter(|_| ended);
    let cash_handed_in = back["cash"].as_i64().filter(|_| ended);
    let sizes = CylinderSize::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            loaded[*i] != 0
                || sent[*i] != 0
                || empties[*i] != 0
                || returned.is_some_and(|x| x[*i] != 0)
        })
        .map(|(i, s)| SizeLine {
            size: s.code().to_owned(),
            loaded: loaded[i],
            delivered: sent[i],
            expected_back: loaded[i] - sent[i],
            returned: returned.map(|x| x[i]),
            empties: empties[i],
        })
        .collect();
    Ok(HandIn {
        route_id: r.route.id,
        route_number: r.route.route_number.clone(),
        status: r.route.status.clone(),
        stops: r.stops.len(),
        delivered,
        failed,
        open,
        cash_expected,
        cash_received,
        cash_handed_in,
        cash_difference: cash_handed_in.map(|h| h - cash_received),
        sizes,
        failed_stops,
        not_applied: reports.iter().filter(|x| !x.applied).count(),
        far: reports.iter().filter(|x| x.far).count(),
        handed_in_at: r.route.handed_in_at,
        hand_in_note: r.route.hand_in_note.clone(),
    })
}
