//! What a driver's phone shows and keeps for offline use: their routes of
//! the day, each stop with what the driver needs at the door and nothing
//! more of the customer.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;
use serde::Serialize;

use super::{entity::report, handin};
use crate::{
    customers::queries as customers,
    domain::{CylinderSize, LocationSource},
    error::AppError,
    fleet::{driver, store as fleet},
    i18n::Locale,
    orders::{self, payments, status::OrderStatus},
    planning::{progress, status::RouteStatus},
};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SizeCount {
    pub size: String,
    pub count: i32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DriverStop {
    pub stop_id: i32,
    pub order_id: i32,
    pub order_number: String,
    pub sequence: i32,
    /// Planned arrival `HH:MM`.
    pub planned: String,
    /// The customer's delivery hours, `08:00-12:00`; empty: any time.
    pub window: String,
    pub customer: String,
    pub address: String,
    pub floor: Option<i32>,
    /// Stairs, lift, where to leave cylinders.
    pub access_note: String,
    pub phones: Vec<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Whether the pin is exact (set by hand or found from the address).
    pub precise: bool,
    pub cylinders: Vec<SizeCount>,
    /// Empties to collect: one per full cylinder delivered, as usual.
    pub empties_expected: Vec<SizeCount>,
    /// NT$ to collect at the door (0: monthly account, transfer or paid).
    pub cash_to_collect: i64,
    pub payment_method: String,
    pub payment_label: String,
    pub notes: String,
    /// The order's status code and label.
    pub status: String,
    pub status_label: String,
    pub arrived: bool,
    pub signature_required: bool,
    /// The last failure reason, when it failed.
    pub failure: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DriverRoute {
    pub id: i32,
    pub number: Option<String>,
    pub status: String,
    pub status_label: String,
    pub vehicle: String,
    pub start: String,
    pub end: String,
    pub distance_km: f64,
    /// Full cylinders the route needs, per size.
    pub needs: Vec<SizeCount>,
    pub stops: Vec<DriverStop>,
    /// The hand-in summary: so far while under way, final once ended.
    pub hand_in: Option<handin::HandIn>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DriverDay {
    pub date: NaiveDate,
    pub driver: String,
    pub routes: Vec<DriverRoute>,
    /// Depot position, for the map.
    pub depot: Option<(f64, f64)>,
    pub server_time: chrono::DateTime<chrono::Utc>,
}

use crate::domain::time_window::hhmm;

fn counts(a: [i32; 5]) -> Vec<SizeCount> {
    CylinderSize::ALL
        .iter()
        .zip(a)
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| SizeCount {
            size: s.code().to_owned(),
            count: n,
        })
        .collect()
}

pub async fn day_of(
    db: &impl ConnectionTrait,
    me: &driver::Model,
    date: NaiveDate,
    t: Locale,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<DriverDay, AppError> {
    let routes = progress::routes_of_driver_on(db, me.id, date).await?;
    let ids: Vec<i32> = routes
        .iter()
        .flat_map(|r| r.stops.iter().map(|s| s.order_id))
        .collect();
    let by_id = orders::queries::by_ids(db, &ids).await?;
    let lines = orders::queries::lines_of(db, &ids).await?;
    let paid = payments::paid_for(db, &ids).await?;
    let cids: Vec<i32> = by_id.values().map(|o| o.customer_id).collect();
    let people = customers::by_ids(db, &cids).await?;
    let phones = customers::phones_of(db, &cids).await?;
    let vehicles: HashMap<i32, String> = fleet::vehicles(db)
        .await?
        .into_iter()
        .map(|v| (v.id, v.plate))
        .collect();
    let mut out = Vec::new();
    for r in routes {
        let reports = handin::reports_of(db, r.route.id).await?;
        let mut failures: HashMap<i32, &report::Model> = HashMap::new();
        for rep in &reports {
            if rep.outcome == "failed" && rep.applied {
                failures.insert(rep.order_id, rep);
            }
        }
        let mut needs = [0; 5];
        let mut stops = Vec::new();
        for s in &r.stops {
            // Stops added since the last publish stay hidden until it is published.
            if s.change == "added" {
                continue;
            }
            let Some(o) = by_id.get(&s.order_id) else {
                continue;
            };
            let Some(c) = people.get(&o.customer_id) else {
                continue;
            };
            let status = OrderStatus::parse(&o.status).unwrap_or(OrderStatus::Planned);
            let full = orders::entity::line::quantities_by_size(
                lines.get(&o.id).map_or(&[][..], Vec::as_slice),
            );
            if status != OrderStatus::Cancelled {
                for (n, f) in needs.iter_mut().zip(full) {
                    *n += f;
                }
            }
            let owed = if o.payment_method == "cash" && o.paid_at.is_none() {
                (o.total_amount - paid.get(&o.id).copied().unwrap_or(0)).max(0)
            } else {
                0
            };
            stops.push(DriverStop {
                stop_id: s.id,
                order_id: o.id,
                order_number: o.order_number.clone(),
                sequence: s.sequence,
                planned: hhmm(s.arrival_s),
                window: match (&o.window_start, &o.window_end) {
                    (Some(a), Some(b)) => format!("{a}-{b}"),
                    _ => c.delivery_windows.clone(),
                },
                customer: c.name.clone(),
                address: c.address.clone(),
                floor: c.floor,
                access_note: c.access_note.clone(),
                phones: phones
                    .get(&c.id)
                    .map(|p| p.iter().map(|x| x.phone.clone()).collect())
                    .unwrap_or_default(),
                lat: c.lat,
                lon: c.lon,
                precise: LocationSource::parse(&c.location_source).is_precise(),
                cylinders: counts(full),
                empties_expected: counts(full),
                cash_to_collect: owed,
                payment_method: o.payment_method.clone(),
                payment_label: payments::method_label(&o.payment_method, t).to_owned(),
                notes: o.notes.clone(),
                status: status.as_str().to_owned(),
                status_label: status.label(t).to_owned(),
                arrived: s.arrived_at.is_some(),
                signature_required: o.payment_method == "monthly" || c.payment_terms == "monthly",
                failure: failures
                    .get(&o.id)
                    .map(|f| super::input::reason_label(&f.reason, t).to_owned()),
            });
        }
        let status = RouteStatus::parse(&r.route.status).unwrap_or(RouteStatus::Published);
        let hand_in = if matches!(status, RouteStatus::Done | RouteStatus::InProgress) {
            Some(handin::summary_of(db, &r, &reports, t).await?)
        } else {
            None
        };
        out.push(DriverRoute {
            id: r.route.id,
            number: r.route.route_number.clone(),
            status: status.as_str().to_owned(),
            status_label: status.label(t).to_owned(),
            vehicle: vehicles
                .get(&r.route.vehicle_id)
                .cloned()
                .unwrap_or_default(),
            start: hhmm(r.route.start_s),
            end: hhmm(r.route.end_s),
            distance_km: (r.route.distance_m as f64 / 100.0).round() / 10.0,
            needs: counts(needs),
            stops,
            hand_in,
        });
    }
    let depot = fleet::depot(db).await?.map(|d| (d.lat, d.lon));
    Ok(DriverDay {
        date,
        driver: me.name.clone(),
        routes: out,
        depot,
        server_time: now,
    })
}
