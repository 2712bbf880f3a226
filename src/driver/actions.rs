//! A driver's action applied once: each idempotency key is looked up first
//! (a replay gets the first answer back; the same key with another body is
//! refused), then the effects are written in one transaction together with
//! the key and its answer, and announced after the commit.
//!
//! Effects: start (route under way, its orders out for delivery, a load
//! check), arrive, deliver (order delivered, the customer's cylinders,
//! the payment), fail (order failed with its reason), end (the rest of the
//! route failed as not visited, the hand-in summary) and positions.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set, TransactionTrait};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{
    entity::{action, attachment, position, report},
    handin,
    input::{self, Action, NOT_VISITED, Stamp, counts_array, counts_json},
};
use crate::{
    app::AppState,
    auth::AuthUser,
    customers::queries as customers,
    domain::CylinderSize,
    error::{AppError, FieldError},
    fleet::{driver, store as fleet},
    i18n::{Locale, Text},
    orders::{
        self,
        entity::order,
        payments::{self, NewPayment},
        queries::transition_in,
        status::{Action as OrderAction, OrderStatus},
    },
    planning::{
        entity::route,
        progress::{self, RouteStops},
        status::RouteStatus,
    },
};

/// The answer to one action: kept with its key and given again on replay.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Answer {
    /// The HTTP status this action would have on its own.
    pub status: u16,
    #[schema(value_type = Object)]
    pub body: Value,
}

/// A delivery or failure recorded more than this far from the pin is flagged.
pub const FAR_M: f64 = 300.0;

fn hash(a: &Action) -> String {
    let body = serde_json::to_vec(a).unwrap_or_default();
    Sha256::digest(&body)
        .iter()
        .fold(String::new(), |mut s, b| {
            use std::fmt::Write;
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The fleet's driver record of a driver account; an account the fleet
/// page has not linked to a driver cannot act yet (409, saying so).
pub async fn me(state: &AppState, user: &AuthUser) -> Result<driver::Model, AppError> {
    fleet::driver_for_user(&state.db, user.id)
        .await?
        .ok_or_else(|| {
            AppError::Conflict(Text::new(
                "這個帳號還沒有設定為車隊的司機，請洽辦公室",
                "This account is not a driver in the fleet yet; ask the office",
            ))
        })
}

async fn stored(
    state: &AppState,
    user: &AuthUser,
    key: &str,
    h: &str,
) -> Result<Option<Answer>, AppError> {
    let Some(row) = action::Entity::find_by_id(key.to_owned())
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    if row.user_id != user.id || row.body_hash != h {
        return Err(AppError::field(
            "key",
            Text::new(
                "這個識別碼已用於另一筆不同內容的紀錄",
                "This key was already used for a different action",
            ),
        ));
    }
    Ok(Some(Answer {
        status: u16::try_from(row.status).unwrap_or(200),
        body: serde_json::from_str(&row.response).unwrap_or(Value::Null),
    }))
}

/// What an applied action announces after commit.
#[derive(Default)]
struct Effects {
    orders: Vec<order::Model>,
    /// Route id and date.
    routes: Vec<(i32, chrono::NaiveDate)>,
}

/// Applies `a` once under `key` for `user` (a driver).
pub async fn run(
    state: &AppState,
    user: &AuthUser,
    key: &str,
    a: &Action,
) -> Result<Answer, AppError> {
    input::check_key("key", key)?;
    a.check()?;
    let h = hash(a);
    if let Some(answer) = stored(state, user, key, &h).await? {
        return Ok(answer);
    }
    let me = me(state, user).await?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let mut fx = Effects::default();
    let answer = apply(&txn, state, user, &me, a, now, &mut fx).await?;
    let row = action::ActiveModel {
        key: Set(key.to_owned()),
        user_id: Set(user.id),
        kind: Set(a.kind().to_owned()),
        body_hash: Set(h.clone()),
        status: Set(i32::from(answer.status)),
        response: Set(answer.body.to_string()),
        created_at: Set(now),
    };
    let inserted = action::Entity::insert(row)
        .exec_without_returning(&txn)
        .await;
    if let Err(e) = inserted {
        let e = AppError::from(e);
        drop(txn);
        // The same key arrived twice at once: the other one won.
        if e.is_unique_violation()
            && let Some(first) = stored(state, user, key, &h).await?
        {
            return Ok(first);
        }
        return Err(e);
    }
    txn.commit().await?;
    for o in &fx.orders {
        orders::announce::updated(&state.events, o, Some(user), now);
    }
    fx.routes.dedup();
    for (r, date) in &fx.routes {
        state.events.publish(
            "routes",
            "route.progress",
            json!({ "route_id": r, "date": date, "kind": a.kind(), "driver_id": me.id }),
            now,
        );
    }
    Ok(answer)
}

fn ok(body: Value) -> Answer {
    Answer { status: 200, body }
}

/// The route `id` if it is this driver's, else 404 (not theirs: 403).
async fn own_route(
    db: &impl ConnectionTrait,
    me: &driver::Model,
    id: i32,
) -> Result<RouteStops, AppError> {
    let r = progress::route(db, id).await?;
    if r.route.status == RouteStatus::Draft.as_str() {
        return Err(AppError::NotFound);
    }
    if r.route.driver_id != Some(me.id) {
        return Err(AppError::Forbidden);
    }
    Ok(r)
}

/// Full cylinders the route's open and delivered orders need, per size.
async fn needed(db: &impl ConnectionTrait, r: &RouteStops) -> Result<[i32; 5], AppError> {
    let ids: Vec<i32> = r.stops.iter().map(|s| s.order_id).collect();
    let by_id = orders::queries::by_ids(db, &ids).await?;
    let lines = orders::queries::lines_of(db, &ids).await?;
    let mut need = [0; 5];
    for id in &ids {
        let live = by_id
            .get(id)
            .and_then(|o| OrderStatus::parse(&o.status))
            .is_some_and(|s| s.is_open() || s == OrderStatus::Delivered);
        if !live {
            continue;
        }
        let qty =
            orders::entity::line::quantities_by_size(lines.get(id).map_or(&[][..], Vec::as_slice));
        for (n, q) in need.iter_mut().zip(qty) {
            *n += q;
        }
    }
    Ok(need)
}

fn size_counts(a: [i32; 5]) -> Vec<Value> {
    CylinderSize::ALL
        .iter()
        .zip(a)
        .filter(|(_, n)| *n != 0)
        .map(|(s, n)| json!({"size": s.code(), "count": n}))
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn apply(
    txn: &(impl ConnectionTrait + TransactionTrait),
    state: &AppState,
    user: &AuthUser,
    me: &driver::Model,
    a: &Action,
    now: DateTime<Utc>,
    fx: &mut Effects,
) -> Result<Answer, AppError> {
    let t = user.locale;
    match a {
        Action::Start {
            route_id, loaded, ..
        } => {
            let r = own_route(txn, me, *route_id).await?;
            let mut errors = Vec::new();
            let loaded = counts_array("loaded", loaded, &mut errors);
            progress::start_in(txn, &r.route, counts_json(loaded), now).await?;
            for s in &r.stops {
                let o = orders::queries::get(txn, s.order_id).await?;
                if o.status == OrderStatus::Planned.as_str() {
                    fx.orders.push(
                        transition_in(txn, Some(user), o.id, OrderAction::Depart, "", now).await?,
                    );
                }
            }
            fx.routes.push((r.route.id, r.route.plan_date));
            let need = needed(txn, &r).await?;
            let short: Vec<Value> = CylinderSize::ALL
                .iter()
                .enumerate()
                .filter(|(i, _)| loaded[*i] < need[*i])
                .map(|(i, s)| json!({"size": s.code(), "needed": need[i], "loaded": loaded[i]}))
                .collect();
            let warning = (!short.is_empty()).then(|| {
                let parts: Vec<String> = CylinderSize::ALL
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| loaded[*i] < need[*i])
                    .map(|(i, s)| match t {
                        Locale::ZhTw => format!("{}kg 少 {} 瓶", s.code(), need[i] - loaded[i]),
                        Locale::En => format!("{} kg short by {}", s.code(), need[i] - loaded[i]),
                    })
                    .collect();
                match t {
                    Locale::ZhTw => format!("裝車不足：{}", parts.join("、")),
                    Locale::En => format!("Loaded too few: {}", parts.join(", ")),
                }
            });
            Ok(ok(json!({
                "route_id": r.route.id,
                "status": RouteStatus::InProgress.as_str(),
                "needed": size_counts(need),
                "short": short,
                "warning": warning,
            })))
        }
        Action::Arrive {
            route_id, order_id, ..
        } => {
            let r = own_route(txn, me, *route_id).await?;
            progress::refuse_unless_under_way(&r.route)?;
            let stop = r
                .stops
                .iter()
                .find(|s| s.order_id == *order_id)
                .ok_or(AppError::NotFound)?;
            progress::arrive_in(txn, stop.id, now).await?;
            fx.routes.push((r.route.id, r.route.plan_date));
            Ok(ok(
                json!({"route_id": r.route.id, "order_id": order_id, "arrived": true}),
            ))
        }
        Action::Deliver { .. } | Action::Fail { .. } => outcome(txn, user, me, a, now, fx).await,
        Action::End {
            route_id,
            returned,
            cash_handed_in,
            ..
        } => {
            let r = own_route(txn, me, *route_id).await?;
            progress::refuse_unless_under_way(&r.route)?;
            // What is still open was not visited: failed, so the office decides.
            for s in &r.stops {
                let o = orders::queries::get(txn, s.order_id).await?;
                let status = OrderStatus::parse(&o.status);
                if matches!(
                    status,
                    Some(OrderStatus::Planned | OrderStatus::OutForDelivery)
                ) {
                    let mut o = o;
                    if o.status == OrderStatus::Planned.as_str() {
                        o = transition_in(txn, Some(user), o.id, OrderAction::Depart, "", now)
                            .await?;
                    }
                    let o = transition_in(
                        txn,
                        Some(user),
                        o.id,
                        OrderAction::Fail,
                        input::reason_label(NOT_VISITED, Locale::ZhTw),
                        now,
                    )
                    .await?;
                    insert_report(
                        txn,
                        user,
                        &r.route,
                        &o,
                        ReportKind::Failed(NOT_VISITED, ""),
                        &Stamp::default(),
                        None,
                        now,
                    )
                    .await?;
                    fx.orders.push(o);
                }
            }
            let mut errors = Vec::new();
            let returned = counts_array("returned", returned, &mut errors);
            let back = json!({ "full": counts_json(returned), "cash": cash_handed_in });
            progress::end_in(txn, &r.route, back.to_string(), now).await?;
            fx.routes.push((r.route.id, r.route.plan_date));
            let route_now = progress::route(txn, r.route.id).await?;
            let summary = handin::summary(txn, &route_now, t).await?;
            Ok(ok(serde_json::to_value(summary).unwrap_or(Value::Null)))
        }
        Action::Position { at } => {
            record_position(txn, me, user.id, state.clock.today_taipei(), at, now).await?;
            Ok(ok(
                json!({"stored": true, "usable": at.usable_point().is_some()}),
            ))
        }
    }
}

/// Keeps a position, on the driver's route under way today if there is
/// one (positions outside Taiwan or vaguer than 1 km are kept but not used).
pub async fn record_position(
    db: &impl ConnectionTrait,
    me: &driver::Model,
    user_id: i32,
    today: chrono::NaiveDate,
    at: &Stamp,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (Some(lat), Some(lon)) = (at.lat, at.lon) else {
        return Ok(());
    };
    let route_id = progress::routes_of_driver_on(db, me.id, today)
        .await?
        .into_iter()
        .find(|r| r.route.status == RouteStatus::InProgress.as_str())
        .map(|r| r.route.id);
    position::ActiveModel {
        user_id: Set(user_id),
        route_id: Set(route_id),
        lat: Set(lat),
        lon: Set(lon),
        accuracy: Set(at.accuracy),
        device_at: Set(at.device_at),
        server_at: Set(now),
        usable: Set(at.usable_point().is_some()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

enum ReportKind<'a> {
    Delivered {
        delivered: [i32; 5],
        empties: [i32; 5],
        cash: i64,
        method: String,
        photo: Option<i32>,
        signature: Option<i32>,
        note: &'a str,
    },
    Failed(&'a str, &'a str),
}

#[allow(clippy::too_many_arguments)]
async fn insert_report(
    txn: &impl ConnectionTrait,
    user: &AuthUser,
    r: &route::Model,
    o: &order::Model,
    kind: ReportKind<'_>,
    at: &Stamp,
    problem: Option<&str>,
    now: DateTime<Utc>,
) -> Result<report::Model, AppError> {
    let customer = customers::get(txn, o.customer_id).await?;
    let pin = customer
        .lat
        .zip(customer.lon)
        .filter(|_| crate::domain::LocationSource::parse(&customer.location_source).is_precise());
    let distance = at
        .usable_point()
        .zip(pin)
        .map(|(p, c)| crate::domain::geo::haversine_m(p, c));
    let mut row = report::ActiveModel {
        order_id: Set(o.id),
        route_id: Set(r.id),
        user_id: Set(user.id),
        device_at: Set(at.device_at),
        server_at: Set(now),
        lat: Set(at.lat),
        lon: Set(at.lon),
        accuracy: Set(at.accuracy),
        distance_m: Set(distance.map(|d| d.round().min(f64::from(i32::MAX)) as i32)),
        far: Set(distance.is_some_and(|d| d > FAR_M)),
        applied: Set(problem.is_none()),
        problem: Set(problem.unwrap_or_default().to_owned()),
        delivered: Set(String::new()),
        empties: Set(String::new()),
        cash_amount: Set(0),
        payment_method: Set(String::new()),
        reason: Set(String::new()),
        note: Set(String::new()),
        photo_id: Set(None),
        signature_id: Set(None),
        outcome: Set(String::new()),
        ..Default::default()
    };
    match kind {
        ReportKind::Delivered {
            delivered,
            empties,
            cash,
            method,
            photo,
            signature,
            note,
        } => {
            row.outcome = Set("delivered".into());
            row.delivered = Set(counts_json(delivered));
            row.empties = Set(counts_json(empties));
            row.cash_amount = Set(cash);
            row.payment_method = Set(method);
            row.photo_id = Set(photo);
            row.signature_id = Set(signature);
            row.note = Set(note.to_owned());
        }
        ReportKind::Failed(reason, note) => {
            row.outcome = Set("failed".into());
            row.reason = Set(reason.to_owned());
            row.note = Set(note.to_owned());
        }
    }
    Ok(row.insert(txn).await?)
}

/// An attachment of this driver by its client key, or a field error.
async fn attachment_id(
    db: &impl ConnectionTrait,
    user: &AuthUser,
    field: &str,
    key: Option<&String>,
) -> Result<Option<i32>, AppError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return Ok(None);
    };
    let found = attachment::Entity::find()
        .filter(attachment::Column::Key.eq(key.as_str()))
        .filter(attachment::Column::UploadedBy.eq(user.id))
        .one(db)
        .await?;
    match found {
        Some(a) => Ok(Some(a.id)),
        None => Err(AppError::field(
            field,
            Text::new("附件尚未上傳", "The attachment has not been uploaded"),
        )),
    }
}

/// Full cylinders still on the truck: loaded less what applied deliveries took.
async fn on_truck(db: &impl ConnectionTrait, r: &route::Model) -> Result<[i32; 5], AppError> {
    let mut left = input::counts_from_json(&r.loaded);
    for rep in handin::reports_of(db, r.id).await? {
        if rep.applied && rep.outcome == "delivered" {
            for (l, d) in left.iter_mut().zip(input::counts_from_json(&rep.delivered)) {
                *l -= d;
            }
        }
    }
    Ok(left)
}

/// Why the office's change means this outcome cannot be applied, if it does.
fn office_changed(o: &order::Model, r: &RouteStops, t: Locale) -> Option<String> {
    let on_route = r.stops.iter().any(|s| s.order_id == o.id);
    let status = OrderStatus::parse(&o.status)?;
    let why = match status {
        OrderStatus::Cancelled => {
            Text::new("辦公室已取消這張訂單", "The office cancelled this order")
        }
        _ if !on_route || o.requested_date != r.route.plan_date => Text::new(
            "辦公室已把這張訂單改到別的日期或路線",
            "The office moved this order to another date or route",
        ),
        OrderStatus::Delivered | OrderStatus::Failed => Text::new(
            format!("這張訂單已是「{}」", status.label(Locale::ZhTw)),
            format!(
                "This order is already {}",
                status.label(Locale::En).to_lowercase()
            ),
        ),
        OrderStatus::Pending | OrderStatus::Confirmed => Text::new(
            "辦公室已把這張訂單移出路線",
            "The office took this order off the route",
        ),
        _ => return None,
    };
    Some(why.get(t).to_owned())
}

#[allow(clippy::too_many_arguments)]
async fn outcome(
    txn: &(impl ConnectionTrait + TransactionTrait),
    user: &AuthUser,
    me: &driver::Model,
    a: &Action,
    now: DateTime<Utc>,
    fx: &mut Effects,
) -> Result<Answer, AppError> {
    let t = user.locale;
    let (route_id, order_id) = match a {
        Action::Deliver {
            route_id, order_id, ..
        }
        | Action::Fail {
            route_id, order_id, ..
        } => (*route_id, *order_id),
        _ => unreachable!("only outcomes come here"),
    };
    let r = own_route(txn, me, route_id).await?;
    progress::refuse_unless_under_way(&r.route)?;
    let o = orders::queries::get(txn, order_id).await?;
    // The order was on this route when the driver acted (or still is).
    // Taken off every route by the office counts as this driver's to report.
    let was_ours = r.stops.iter().any(|s| s.order_id == o.id)
        || progress::stop_of_order(txn, o.id).await?.is_none();
    if !was_ours {
        return Err(AppError::Forbidden);
    }
    let stamp = a.stamp().clone();
    let kind = match a {
        Action::Deliver {
            delivered,
            empties,
            cash,
            payment_method,
            photo_key,
            signature_key,
            note,
            ..
        } => {
            let mut errors: Vec<FieldError> = Vec::new();
            let delivered = counts_array("delivered", delivered, &mut errors);
            let empties = counts_array("empties", empties, &mut errors);
            let photo = attachment_id(txn, user, "photo_key", photo_key.as_ref()).await?;
            let signature =
                attachment_id(txn, user, "signature_key", signature_key.as_ref()).await?;
            let method = payment_method
                .clone()
                .unwrap_or_else(|| o.payment_method.clone());
            let customer = customers::get(txn, o.customer_id).await?;
            if (method == "monthly" || customer.payment_terms == "monthly") && signature.is_none() {
                errors.push(FieldError::new(
                    "signature_key",
                    Text::new("月結客戶須簽名", "Monthly-account customers must sign"),
                ));
            }
            let left = on_truck(txn, &r.route).await?;
            for (i, s) in CylinderSize::ALL.iter().enumerate() {
                if delivered[i] > left[i].max(0) {
                    errors.push(FieldError::new(
                        format!("delivered.{}", s.code()),
                        Text::new(
                            format!(
                                "{}kg 送出 {} 瓶，超過車上剩下的 {} 瓶",
                                s.code(),
                                delivered[i],
                                left[i].max(0)
                            ),
                            format!(
                                "{} kg: {} delivered but only {} left on the truck",
                                s.code(),
                                delivered[i],
                                left[i].max(0)
                            ),
                        ),
                    ));
                }
            }
            if !errors.is_empty() {
                return Err(AppError::Invalid(errors));
            }
            ReportKind::Delivered {
                delivered,
                empties,
                cash: *cash,
                method,
                photo,
                signature,
                note,
            }
        }
        Action::Fail { reason, note, .. } => ReportKind::Failed(reason, note),
        _ => unreachable!(),
    };
    if let Some(problem) = office_changed(&o, &r, t) {
        // Kept for the office; the driver is told on that stop.
        let rep = insert_report(txn, user, &r.route, &o, kind, &stamp, Some(&problem), now).await?;
        fx.routes.push((r.route.id, r.route.plan_date));
        let (status, mut body) =
            AppError::Conflict(Text::new(problem.clone(), problem.clone())).api_body(t);
        body["report_id"] = json!(rep.id);
        body["order_id"] = json!(o.id);
        return Ok(Answer { status, body });
    }
    let mut o = o;
    if o.status == OrderStatus::Planned.as_str() {
        o = transition_in(txn, Some(user), o.id, OrderAction::Depart, "", now).await?;
    }
    let stop = r.stops.iter().find(|s| s.order_id == o.id);
    if let Some(s) = stop {
        progress::arrive_in(txn, s.id, now).await?;
    }
    let o = match &kind {
        ReportKind::Delivered {
            delivered,
            empties,
            cash,
            method,
            ..
        } => {
            let o = transition_in(txn, Some(user), o.id, OrderAction::Deliver, "", now).await?;
            let delta: [i32; 5] = std::array::from_fn(|i| delivered[i] - empties[i]);
            customers::adjust_cylinders_in(
                txn,
                Some(user.id),
                o.customer_id,
                delta,
                &o.order_number,
                now,
            )
            .await?;
            if *cash > 0 {
                payments::record_in(
                    txn,
                    NewPayment {
                        order: Some(&o),
                        customer_id: o.customer_id,
                        amount: *cash,
                        method,
                        source: "driver",
                        recorded_by: Some(user.id),
                        note: "",
                        at: now,
                    },
                )
                .await?;
            }
            o
        }
        ReportKind::Failed(reason, note) => {
            let text = if note.is_empty() {
                input::reason_label(reason, Locale::ZhTw).to_owned()
            } else {
                format!("{}：{note}", input::reason_label(reason, Locale::ZhTw))
            };
            transition_in(txn, Some(user), o.id, OrderAction::Fail, &text, now).await?
        }
    };
    let rep = insert_report(txn, user, &r.route, &o, kind, &stamp, None, now).await?;
    fx.orders.push(o.clone());
    fx.routes.push((r.route.id, r.route.plan_date));
    Ok(ok(json!({
        "order_id": o.id,
        "status": o.status,
        "report_id": rep.id,
        "far": rep.far,
        "distance_m": rep.distance_m,
    })))
}
