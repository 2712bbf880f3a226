//! The planning board as data: the date's plan with its routes and stops,
//! orders left out with their reasons, new orders, trucks and drivers. The
//! page, the map script and `GET /api/v1/planning/{date}` all read this.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{
    day::{Day, DayOrder},
    runs::RunInfo,
    store::Left,
};
use crate::{domain::hhmm, i18n::Locale, orders::queries::lines_text};

/// Route colours on the map and the board, in route order.
pub const COLORS: [&str; 12] = [
    "#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#c026d3", "#65a30d",
    "#b45309", "#4f46e5", "#db2777", "#0d9488",
];

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StopView {
    pub order_id: i32,
    pub order_number: String,
    pub sequence: i32,
    pub customer_id: i32,
    pub customer_code: String,
    pub customer_name: String,
    pub address: String,
    pub phone: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// How far the location can be trusted (`domain::LocationSource`):
    /// an `approximate` stop is planned at its street or district only.
    pub location_source: crate::domain::LocationSource,
    /// Planned start of service, `HH:MM`.
    pub arrival: String,
    pub departure: String,
    /// The customer's windows, `HH:MM-HH:MM, …` (empty: any time).
    pub window: String,
    /// Planned after the end of every window (after a manual edit).
    pub late: bool,
    pub cylinders: String,
    pub kg: i64,
    pub slots: i64,
    /// Cash to collect at the door (NT$; 0 when paid otherwise).
    pub cash: i64,
    /// `NT$1,050`, or empty when there is nothing to collect.
    pub cash_text: String,
    pub locked: bool,
    /// Since publishing: "" / "added" / "moved".
    pub change: String,
    pub order_status: String,
    pub order_status_label: String,
    /// Delivered or failed: done with, no longer to be moved.
    pub done: bool,
    pub notes: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RouteView {
    pub id: i32,
    pub number: Option<String>,
    pub seq: i32,
    pub color: String,
    pub status: String,
    pub vehicle_id: i32,
    pub plate: String,
    pub vehicle_label: String,
    pub capacity_kg: i32,
    pub capacity_slots: i32,
    pub driver_id: Option<i32>,
    pub driver_name: Option<String>,
    pub distance_km: f64,
    pub start: String,
    pub end: String,
    pub load_kg: i32,
    pub load_slots: i32,
    pub load_pct_kg: u32,
    pub load_pct_slots: u32,
    pub overloaded: bool,
    pub cash: i64,
    pub cash_text: String,
    pub stops: Vec<StopView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LeftView {
    pub order_id: i32,
    pub order_number: String,
    pub customer_name: String,
    pub address: String,
    pub cylinders: String,
    /// Reason code: capacity / time_window / shift_length /
    /// missing_coordinates / no_vehicle / no_capacity_left / manual; `new`
    /// for an order added after the plan was computed.
    pub reason_code: String,
    pub reason: String,
    pub window: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub location_source: crate::domain::LocationSource,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TruckView {
    pub id: i32,
    pub plate: String,
    pub label: String,
    pub capacity_kg: i32,
    pub capacity_slots: i32,
    pub driver_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DriverChoice {
    pub id: i32,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Board {
    pub date: NaiveDate,
    /// none / draft / published / changed
    pub status: String,
    /// Plan version for moves and publishing (0 when there is no plan).
    pub version: i32,
    pub computed_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub distance_km: f64,
    /// The same orders planned naively (district by district, nearest
    /// neighbour), and how much shorter the plan is.
    pub naive_km: Option<f64>,
    pub saving_pct: Option<f64>,
    pub orders_total: usize,
    pub routes: Vec<RouteView>,
    pub unassigned: Vec<LeftView>,
    /// Before the first optimization: the orders waiting to be planned.
    pub waiting: Vec<LeftView>,
    pub depot: Option<[f64; 2]>,
    pub depot_name: String,
    pub trucks: Vec<TruckView>,
    pub drivers: Vec<DriverChoice>,
    pub run: Option<RunInfo>,
    /// What publishing would send out that is not right: overloaded
    /// routes, stops planned after their windows (said in the publish
    /// confirmation and the publish answer).
    pub warnings: Vec<String>,
}

/// One line per route that is overloaded or has late stops.
fn warnings_of(routes: &[RouteView], t: Locale) -> Vec<String> {
    let mut out = Vec::new();
    for r in routes {
        let name = format!(
            "{} · {}",
            r.number.clone().unwrap_or_else(|| format!("#{}", r.seq)),
            r.plate
        );
        if r.overloaded {
            out.push(match t {
                Locale::ZhTw => format!(
                    "{name} 超載：{}/{} 公斤、{}/{} 車位",
                    r.load_kg, r.capacity_kg, r.load_slots, r.capacity_slots
                ),
                Locale::En => format!(
                    "{name} is overloaded: {}/{} kg, {}/{} slots",
                    r.load_kg, r.capacity_kg, r.load_slots, r.capacity_slots
                ),
            });
        }
        let late = r.stops.iter().filter(|s| s.late).count();
        if late > 0 {
            out.push(match t {
                Locale::ZhTw => format!("{name} 有 {late} 站晚於配送時段"),
                Locale::En => format!("{name} reaches {late} stop(s) after their delivery window"),
            });
        }
    }
    out
}

pub fn reason_text(code: &str, t: Locale) -> &'static str {
    let (zh, en) = match code {
        "capacity" => (
            "訂單超過任何一輛車的載重或車位",
            "Larger than any truck (kg or slots)",
        ),
        "time_window" => (
            "配送時段內無法送達",
            "Cannot be reached within its delivery window",
        ),
        "shift_length" => ("路程超過司機的班表時間", "Too far for a driver's shift"),
        "missing_coordinates" => (
            "客戶缺少位置（地址查不到），請在客戶資料的地圖上點選位置",
            "The customer's location is missing (the address was not found); pick it on the customer's map",
        ),
        "no_vehicle" => ("沒有可用的車輛", "No truck available"),
        "no_capacity_left" => (
            "車輛已滿，請增加車輛或改期",
            "No room left on the trucks; add a truck or move the date",
        ),
        "invalid_lock" => (
            "固定的站點無法排入，請解除固定",
            "A locked stop could not be kept; unlock it",
        ),
        "manual" => ("手動移出路線", "Taken off the routes by hand"),
        "new" => ("規劃後新增的訂單", "Added after the plan was made"),
        "waiting" => ("待排", "Waiting to be planned"),
        _ => ("未排入", "Not planned"),
    };
    match t {
        Locale::ZhTw => zh,
        Locale::En => en,
    }
}

fn pct(a: i32, b: i32) -> u32 {
    if b <= 0 {
        0
    } else {
        ((f64::from(a) * 100.0 / f64::from(b)).round() as u32).min(999)
    }
}

fn km(m: i64) -> f64 {
    (m as f64 / 100.0).round() / 10.0
}

fn money_text(n: i64) -> String {
    if n == 0 {
        String::new()
    } else {
        crate::layout::money(n)
    }
}

fn cash_of(o: &DayOrder) -> i64 {
    if o.order.payment_method == "cash" && o.order.paid_at.is_none() {
        o.order.total_amount
    } else {
        0
    }
}

pub fn build(day: &Day, run: Option<RunInfo>, t: Locale) -> Board {
    let plan = day.plan.as_ref();
    let mut routes = Vec::new();
    for r in &day.routes {
        let v = day.vehicle(r.vehicle_id);
        let mut stops = Vec::new();
        for s in day.stops.get(&r.id).into_iter().flatten() {
            let Some(o) = day.orders.get(&s.order_id) else {
                continue;
            };
            let (kg, slots) = o.demand();
            let windows = o.windows();
            let late = !windows.is_empty() && windows.iter().all(|&(_, e)| s.arrival_s > e as i32);
            stops.push(StopView {
                order_id: o.order.id,
                order_number: o.order.order_number.clone(),
                sequence: s.sequence,
                customer_id: o.customer.id,
                customer_code: o.customer.code.clone(),
                customer_name: o.customer.name.clone(),
                address: o.customer.address.clone(),
                phone: o.phone.clone(),
                lat: o.customer.lat,
                lon: o.customer.lon,
                location_source: o.location_source(),
                arrival: hhmm(s.arrival_s),
                departure: hhmm(s.departure_s),
                window: o.windows_text(),
                late,
                cylinders: lines_text(&o.lines),
                kg,
                slots,
                cash: cash_of(o),
                cash_text: money_text(cash_of(o)),
                locked: s.locked,
                change: s.change.clone(),
                order_status: o.order.status.clone(),
                order_status_label: o.status().label(t).to_owned(),
                done: matches!(
                    o.status(),
                    crate::orders::status::OrderStatus::Delivered
                        | crate::orders::status::OrderStatus::Failed
                ),
                notes: o.order.notes.clone(),
            });
        }
        let (cap_kg, cap_slots) = v.map_or((0, 0), |v| (v.capacity_kg, v.capacity_slots));
        routes.push(RouteView {
            id: r.id,
            number: r.route_number.clone(),
            seq: r.seq,
            color: COLORS[(r.seq.max(1) as usize - 1) % COLORS.len()].to_owned(),
            status: r.status.clone(),
            vehicle_id: r.vehicle_id,
            plate: v.map(|v| v.plate.clone()).unwrap_or_default(),
            vehicle_label: v.map(|v| v.label.clone()).unwrap_or_default(),
            capacity_kg: cap_kg,
            capacity_slots: cap_slots,
            driver_id: r.driver_id,
            driver_name: r
                .driver_id
                .and_then(|d| day.driver(d))
                .map(|d| d.name.clone()),
            distance_km: km(r.distance_m),
            start: hhmm(r.start_s),
            end: hhmm(r.end_s),
            load_kg: r.load_kg,
            load_slots: r.load_slots,
            load_pct_kg: pct(r.load_kg, cap_kg),
            load_pct_slots: pct(r.load_slots, cap_slots),
            overloaded: r.load_kg > cap_kg || r.load_slots > cap_slots,
            cash: stops.iter().map(|s| s.cash).sum(),
            cash_text: money_text(stops.iter().map(|s| s.cash).sum()),
            stops,
        });
    }
    let left: Vec<Left> = plan
        .and_then(|p| serde_json::from_str(&p.unassigned).ok())
        .unwrap_or_default();
    let reasons: HashMap<i32, String> = left.into_iter().map(|l| (l.order_id, l.reason)).collect();
    let mut unassigned = Vec::new();
    let mut waiting = Vec::new();
    let routed: HashSet<i32> = day.routed();
    for o in day.unrouted() {
        let code = match reasons.get(&o.order.id) {
            Some(r) => r.clone(),
            None if plan.is_some() => "new".to_owned(),
            None => "waiting".to_owned(),
        };
        let list = if code == "waiting" {
            &mut waiting
        } else {
            &mut unassigned
        };
        list.push(LeftView {
            order_id: o.order.id,
            order_number: o.order.order_number.clone(),
            customer_name: o.customer.name.clone(),
            address: o.customer.address.clone(),
            cylinders: lines_text(&o.lines),
            reason: reason_text(&code, t).to_owned(),
            reason_code: code,
            window: o.windows_text(),
            lat: o.customer.lat,
            lon: o.customer.lon,
            location_source: o.location_source(),
        });
    }
    let orders_total = day
        .orders
        .values()
        .filter(|o| routed.contains(&o.order.id) || super::day::PLANNABLE.contains(&o.status()))
        .count();
    let distance_m: i64 = day.routes.iter().map(|r| r.distance_m).sum();
    let naive = plan.map(|p| p.naive_distance_m).filter(|&n| n > 0);
    Board {
        date: day.date,
        status: plan.map_or_else(|| "none".into(), |p| p.status.clone()),
        version: plan.map_or(0, |p| p.version),
        computed_at: plan.map(|p| p.computed_at),
        published_at: plan.and_then(|p| p.published_at),
        distance_km: km(distance_m),
        naive_km: naive.map(km),
        saving_pct: naive.map(|n| ((1.0 - distance_m as f64 / n as f64) * 1000.0).round() / 10.0),
        orders_total,
        unassigned,
        waiting,
        depot: day.depot.as_ref().map(|d| [d.lat, d.lon]),
        depot_name: day
            .depot
            .as_ref()
            .map(|d| d.name.clone())
            .unwrap_or_default(),
        trucks: day
            .vehicles
            .iter()
            .filter(|v| v.active)
            .map(|v| TruckView {
                id: v.id,
                plate: v.plate.clone(),
                label: v.label.clone(),
                capacity_kg: v.capacity_kg,
                capacity_slots: v.capacity_slots,
                driver_name: day.driver_of_vehicle(v.id).map(|d| d.name.clone()),
            })
            .collect(),
        drivers: day
            .drivers
            .iter()
            .filter(|d| d.active)
            .map(|d| DriverChoice {
                id: d.id,
                name: d.name.clone(),
            })
            .collect(),
        run,
        warnings: warnings_of(&routes, t),
        routes,
    }
}
