//! Turns a [`Day`] into an optimizer [`Problem`]: the depot, the chosen
//! trucks with their drivers' shifts, one job per order (gross kg and
//! slots, windows, service time), locks, and the travel matrix.

use std::collections::HashMap;

use optimizer::{
    Depot, DistanceUnit, Job, KeptRoute, Objective, Problem, TimeWindow, Vehicle, amount,
};

use super::{
    day::{Day, DayOrder},
    travel::Travel,
};
use crate::{domain::parse_hhmm, error::AppError, i18n::Text};

/// Shifts when a truck has no driver with hours of their own.
pub const DEFAULT_SHIFT: (i32, i32) = (8 * 3600, 18 * 3600);

pub struct Built {
    pub problem: Problem,
    /// Job index → order id.
    pub order_ids: Vec<i32>,
    /// Vehicle index → vehicle id.
    pub vehicle_ids: Vec<i32>,
}

impl Built {
    pub fn job_of(&self, order_id: i32) -> Option<usize> {
        self.order_ids.iter().position(|&o| o == order_id)
    }

    pub fn vehicle_of(&self, vehicle_id: i32) -> Option<usize> {
        self.vehicle_ids.iter().position(|&v| v == vehicle_id)
    }
}

pub struct Options<'a> {
    /// Trucks to plan with; empty means every active truck.
    pub vehicle_ids: &'a [i32],
    /// Orders pinned to a truck (locked stops): order id → vehicle id.
    pub pinned: &'a HashMap<i32, i32>,
    /// Seconds after midnight now, when planning today: nothing is planned
    /// before it.
    pub now_s: Option<i32>,
    pub max_shift_hours: f64,
    /// Mid-day re-plan: existing stops keep their times, so trucks are not
    /// moved to "now"; the new jobs' windows are.
    pub keep_existing: bool,
    /// Orders already on a route (their windows are never moved to "now").
    pub existing: &'a std::collections::HashSet<i32>,
}

fn refuse(zh: &str, en: &str) -> AppError {
    AppError::Conflict(Text::new(zh.to_owned(), en.to_owned()))
}

/// Builds the problem for `orders` on `day`.
pub async fn build(
    day: &Day,
    orders: &[&DayOrder],
    travel: &Travel,
    opts: &Options<'_>,
) -> Result<Built, AppError> {
    let depot = day.depot.as_ref().ok_or_else(|| {
        refuse(
            "尚未設定倉庫位置，無法規劃路線",
            "No depot is set up; routes cannot be planned",
        )
    })?;
    // A mid-day re-plan keeps every truck that already has a route, even
    // one taken out of use since (it then gets no new stop).
    let on_road = |id: i32| opts.keep_existing && day.routes.iter().any(|r| r.vehicle_id == id);
    let trucks: Vec<_> = day
        .vehicles
        .iter()
        .filter(|v| {
            (v.active && (opts.vehicle_ids.is_empty() || opts.vehicle_ids.contains(&v.id)))
                || on_road(v.id)
        })
        .collect();
    if trucks.is_empty() {
        return Err(refuse(
            "沒有可用的車輛：請先在「車隊」新增車輛，或勾選至少一輛車",
            "No trucks available: add trucks under Fleet, or select at least one",
        ));
    }
    if orders.is_empty() {
        return Err(refuse(
            "這一天沒有待排的訂單",
            "There are no orders to plan on this date",
        ));
    }
    let max_shift = opts.max_shift_hours * 3600.0;
    let mut vehicles = Vec::with_capacity(trucks.len());
    for v in &trucks {
        let (mut start, end) = day
            .driver_of_vehicle(v.id)
            .and_then(|d| Some((parse_hhmm(&d.shift_start)?, parse_hhmm(&d.shift_end)?)))
            .filter(|(s, e)| s < e)
            .unwrap_or(DEFAULT_SHIFT);
        if let Some(now) = opts.now_s
            && !opts.keep_existing
        {
            start = start.max(now);
        }
        vehicles.push(Vehicle {
            id: v.plate.clone(),
            capacity: if v.active {
                amount(&[i64::from(v.capacity_kg), i64::from(v.capacity_slots)])
            } else {
                amount(&[0, 0])
            },
            shift_start: f64::from(start),
            // A shift that has already ended leaves no time at all.
            shift_end: f64::from(end.max(start)),
            max_shift,
        });
    }
    let vehicle_ids: Vec<i32> = trucks.iter().map(|v| v.id).collect();
    let mut points = vec![(depot.lat, depot.lon)];
    let mut jobs = Vec::with_capacity(orders.len());
    for o in orders {
        let location = o.point().map(|p| {
            points.push(p);
            points.len() - 1
        });
        let (kg, slots) = o.demand();
        let floor = if opts.existing.contains(&o.order.id) {
            0
        } else {
            opts.now_s.unwrap_or(0)
        };
        let hours = o.windows();
        let mut windows: Vec<TimeWindow> = hours
            .iter()
            .filter(|&&(_, e)| e as i32 >= floor)
            .map(|&(s, e)| TimeWindow::new(f64::from((s as i32).max(floor)), f64::from(e)))
            .collect();
        if hours.is_empty() {
            windows.push(TimeWindow::new(f64::from(floor), f64::from(24 * 3600)));
        }
        // An order whose every window has passed keeps an empty list, which
        // the optimizer reports as a time-window problem.
        let required_vehicle = opts
            .pinned
            .get(&o.order.id)
            .and_then(|vid| vehicle_ids.iter().position(|x| x == vid));
        jobs.push(Job {
            id: o.order.order_number.clone(),
            location,
            demand: amount(&[kg, slots]),
            windows,
            service: o.service_seconds(),
            required_vehicle,
            priority: 0,
        });
    }
    let matrix = travel.matrix(&points).await.as_ref().clone();
    let open = vehicles
        .iter()
        .map(|v| v.shift_start)
        .fold(f64::INFINITY, f64::min);
    let close = vehicles.iter().map(|v| v.shift_end).fold(0.0, f64::max);
    Ok(Built {
        problem: Problem {
            name: day.date.to_string(),
            depot: Depot {
                location: 0,
                open: open.min(close),
                close,
            },
            vehicles,
            jobs,
            matrix,
            locked: Vec::new(),
            objective: Objective::Distance,
            distance_unit: DistanceUnit::Metres,
            dimensions: vec!["kg".into(), "slots".into()],
        },
        order_ids: orders.iter().map(|o| o.order.id).collect(),
        vehicle_ids,
    })
}

/// The day's existing routes as kept routes for a mid-day re-plan: stops
/// already delivered or under way are frozen at the front.
pub fn kept_routes(day: &Day, built: &Built) -> Vec<KeptRoute> {
    use crate::orders::status::OrderStatus;
    let mut out = Vec::new();
    for r in &day.routes {
        let Some(vehicle) = built.vehicle_of(r.vehicle_id) else {
            continue;
        };
        let stops = day.stops.get(&r.id).map(Vec::as_slice).unwrap_or_default();
        let mut jobs = Vec::new();
        let mut frozen = 0;
        for s in stops {
            let Some(j) = built.job_of(s.order_id) else {
                continue;
            };
            jobs.push(j);
            let done = day.orders.get(&s.order_id).is_some_and(|o| {
                matches!(
                    o.status(),
                    OrderStatus::OutForDelivery | OrderStatus::Delivered | OrderStatus::Failed
                )
            });
            if done {
                frozen = jobs.len();
            }
        }
        if !jobs.is_empty() {
            out.push(KeptRoute {
                vehicle,
                jobs,
                frozen,
            });
        }
    }
    out
}
