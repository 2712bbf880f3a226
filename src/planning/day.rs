//! Everything planning needs about one delivery date, read in a few
//! queries: the depot, trucks and drivers, the date's open orders with their
//! customers and lines, and the plan with its routes and stops.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::entity::{plan, route, stop};
use crate::{
    customers::{self, entity::customer},
    domain::hhmm,
    domain::{CylinderSize, TimeWindow, TimeWindows},
    error::AppError,
    fleet::{self, depot, driver, vehicle},
    orders::{
        self,
        entity::{line, order},
        status::OrderStatus,
    },
};

/// An order as planning sees it.
#[derive(Debug, Clone)]
pub struct DayOrder {
    pub order: order::Model,
    pub customer: customer::Model,
    pub phone: String,
    pub lines: Vec<line::Model>,
}

impl DayOrder {
    pub fn status(&self) -> OrderStatus {
        OrderStatus::parse(&self.order.status).unwrap_or(OrderStatus::Pending)
    }

    pub fn location_source(&self) -> crate::domain::LocationSource {
        crate::domain::LocationSource::parse(&self.customer.location_source)
    }

    /// `(lat, lon)` of the customer, if known.
    pub fn point(&self) -> Option<(f64, f64)> {
        self.customer.lat.zip(self.customer.lon)
    }

    /// (gross kg, truck-bed slots).
    pub fn demand(&self) -> (i64, i64) {
        let mut kg = 0;
        let mut slots = 0;
        for l in &self.lines {
            if let Ok(size) = CylinderSize::parse(&l.size) {
                kg += i64::from(size.gross_weight_kg()) * i64::from(l.quantity);
                slots += i64::from(size.slots()) * i64::from(l.quantity);
            }
        }
        (kg, slots)
    }

    /// Windows for the start of service, seconds after midnight: the order's
    /// own window, else the customer's delivery hours, else none (any time).
    pub fn windows(&self) -> Vec<(u32, u32)> {
        if let (Some(s), Some(e)) = (&self.order.window_start, &self.order.window_end)
            && let Ok(w) = TimeWindows::parse(&format!("{s}-{e}"))
        {
            return w.iter().map(TimeWindow::seconds_from_midnight).collect();
        }
        TimeWindows::parse(&self.customer.delivery_windows)
            .map(|w| w.iter().map(TimeWindow::seconds_from_midnight).collect())
            .unwrap_or_default()
    }

    pub fn windows_text(&self) -> String {
        self.windows()
            .iter()
            .map(|(s, e)| format!("{}-{}", hhmm(*s as i32), hhmm(*e as i32)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn service_seconds(&self) -> f64 {
        f64::from(self.customer.service_minutes.max(1) * 60)
    }
}

/// Seconds after midnight as `HH:MM`.
pub struct Day {
    pub date: NaiveDate,
    pub depot: Option<depot::Model>,
    pub vehicles: Vec<vehicle::Model>,
    pub drivers: Vec<driver::Model>,
    /// Orders of the date that are not cancelled, by id.
    pub orders: HashMap<i32, DayOrder>,
    pub plan: Option<plan::Model>,
    pub routes: Vec<route::Model>,
    /// Stops by route id, in sequence.
    pub stops: HashMap<i32, Vec<stop::Model>>,
}

/// Statuses an order can have and still be planned (or re-planned).
pub const PLANNABLE: [OrderStatus; 3] = [
    OrderStatus::Pending,
    OrderStatus::Confirmed,
    OrderStatus::Planned,
];

impl Day {
    pub async fn load(db: &impl ConnectionTrait, date: NaiveDate) -> Result<Self, AppError> {
        let depot = fleet::store::depot(db).await?;
        let vehicles = fleet::store::vehicles(db).await?;
        let drivers = fleet::store::drivers(db).await?;
        let order_rows = orders::queries::not_cancelled_on(db, date).await?;
        let ids: Vec<i32> = order_rows.iter().map(|o| o.id).collect();
        let mut lines = orders::queries::lines_of(db, &ids).await?;
        let mut customer_ids: Vec<i32> = order_rows.iter().map(|o| o.customer_id).collect();
        customer_ids.sort_unstable();
        customer_ids.dedup();
        let customers = customers::queries::by_ids(db, &customer_ids).await?;
        let mut phones: HashMap<i32, String> = HashMap::new();
        for chunk in crate::db::in_chunks(&customer_ids) {
            for (id, list) in customers::queries::phones_of(db, &chunk).await? {
                // The primary phone, shown as typed on paper: 0912-345-678.
                if let Some(p) = list.into_iter().next() {
                    let shown =
                        crate::domain::Phone::parse(&p.phone).map_or(p.phone, |x| x.display());
                    phones.insert(id, shown);
                }
            }
        }
        let mut orders = HashMap::new();
        for o in order_rows {
            let Some(c) = customers.get(&o.customer_id) else {
                continue;
            };
            orders.insert(
                o.id,
                DayOrder {
                    customer: c.clone(),
                    phone: phones.get(&o.customer_id).cloned().unwrap_or_default(),
                    lines: lines.remove(&o.id).unwrap_or_default(),
                    order: o,
                },
            );
        }
        let plan = plan::Entity::find()
            .filter(plan::Column::PlanDate.eq(date))
            .one(db)
            .await?;
        let routes = match &plan {
            Some(p) => {
                route::Entity::find()
                    .filter(route::Column::PlanId.eq(p.id))
                    .order_by_asc(route::Column::Seq)
                    .all(db)
                    .await?
            }
            None => Vec::new(),
        };
        let route_ids: Vec<i32> = routes.iter().map(|r| r.id).collect();
        let mut stops: HashMap<i32, Vec<stop::Model>> = HashMap::new();
        if !route_ids.is_empty() {
            for s in stop::Entity::find()
                .filter(stop::Column::RouteId.is_in(route_ids))
                .order_by_asc(stop::Column::RouteId)
                .order_by_asc(stop::Column::Sequence)
                .all(db)
                .await?
            {
                stops.entry(s.route_id).or_default().push(s);
            }
        }
        Ok(Self {
            date,
            depot,
            vehicles,
            drivers,
            orders,
            plan,
            routes,
            stops,
        })
    }

    /// Whether the plan of this date has been published (drivers have it).
    pub fn is_published(&self) -> bool {
        self.plan
            .as_ref()
            .is_some_and(|p| super::store::plan_status(p).was_published())
    }

    /// Order ids that are on a route.
    pub fn routed(&self) -> std::collections::HashSet<i32> {
        self.stops.values().flatten().map(|s| s.order_id).collect()
    }

    /// Open orders of the date that are on no route, in id order.
    pub fn unrouted(&self) -> Vec<&DayOrder> {
        let routed = self.routed();
        let mut v: Vec<&DayOrder> = self
            .orders
            .values()
            .filter(|o| PLANNABLE.contains(&o.status()) && !routed.contains(&o.order.id))
            .collect();
        v.sort_by_key(|o| o.order.id);
        v
    }

    /// Stops whose order is no longer planned on this date (cancelled, or
    /// moved to another day).
    pub fn stale_stops(&self) -> Vec<i32> {
        self.stops
            .values()
            .flatten()
            .filter(|s| !self.orders.contains_key(&s.order_id))
            .map(|s| s.order_id)
            .collect()
    }

    /// The driver who usually drives a truck.
    pub fn driver_of_vehicle(&self, vehicle_id: i32) -> Option<&driver::Model> {
        self.drivers
            .iter()
            .find(|d| d.active && d.vehicle_id == Some(vehicle_id))
    }

    pub fn vehicle(&self, id: i32) -> Option<&vehicle::Model> {
        self.vehicles.iter().find(|v| v.id == id)
    }

    pub fn driver(&self, id: i32) -> Option<&driver::Model> {
        self.drivers.iter().find(|d| d.id == id)
    }
}
