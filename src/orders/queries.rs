//! Orders: creation with prices and numbers, status changes with their
//! timeline, bulk actions, lists and day summaries.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait, sea_query::Expr,
};

use super::{
    announce,
    entity::{event, line, order},
    form::OrderData,
    number,
    status::{Action, OrderStatus},
};
use crate::{
    auth::AuthUser,
    clock::taipei,
    customers::{entity::customer, queries as customers},
    domain::{CylinderSize, TimeWindows},
    error::AppError,
    events::EventHub,
    i18n::Text,
    prices,
};

pub struct OrderWithLines {
    pub order: order::Model,
    pub lines: Vec<line::Model>,
}

async fn record_event(
    db: &impl ConnectionTrait,
    order_id: i32,
    actor: Option<&AuthUser>,
    from: Option<OrderStatus>,
    to: OrderStatus,
    note: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    event::ActiveModel {
        order_id: Set(order_id),
        actor_id: Set(actor.map(|a| a.id)),
        from_status: Set(from.map(|s| s.as_str().to_owned())),
        to_status: Set(to.as_str().to_owned()),
        note: Set(note.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Creates an order inside the caller's transaction.
pub async fn insert(
    txn: &impl ConnectionTrait,
    actor: Option<&AuthUser>,
    c: &customer::Model,
    d: &OrderData,
    confirm: bool,
    template_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<OrderWithLines, AppError> {
    if !c.active {
        return Err(AppError::field(
            "customer_id",
            Text::new(
                format!("客戶「{}」已停用，不能下訂單", c.name),
                format!("Customer {} is inactive and cannot order", c.name),
            ),
        ));
    }
    let mut priced = Vec::new();
    let mut missing = Vec::new();
    for (size, qty) in &d.lines {
        match prices::price_on(txn, c.id, *size, d.requested_date).await? {
            Some(p) => priced.push((*size, *qty, p)),
            None => missing.push(size.label_zh()),
        }
    }
    if !missing.is_empty() {
        return Err(AppError::field(
            "lines",
            Text::new(
                format!("尚未設定價格：{}，請先到價格表設定", missing.join("、")),
                "No price is set for a size on that date; set it in the price list first",
            ),
        ));
    }
    // The customer's first delivery window unless the order names one.
    let window = d.window.or_else(|| {
        TimeWindows::parse(&c.delivery_windows)
            .ok()
            .and_then(|w| w.as_slice().first().copied())
    });
    let order_number = number::next(txn, now.with_timezone(&taipei()).date_naive()).await?;
    let total: i64 = priced.iter().map(|(_, q, p)| i64::from(*q) * p).sum();
    let status = if confirm {
        OrderStatus::Confirmed
    } else {
        OrderStatus::Pending
    };
    let o = order::ActiveModel {
        order_number: Set(order_number),
        customer_id: Set(c.id),
        requested_date: Set(d.requested_date),
        window_start: Set(window.map(|w| w.start().format("%H:%M").to_string())),
        window_end: Set(window.map(|w| w.end().format("%H:%M").to_string())),
        status: Set(status.as_str().to_owned()),
        source: Set(d.source.as_str().to_owned()),
        payment_method: Set(d
            .payment_method
            .map_or_else(|| c.payment_terms.clone(), |p| p.as_str().to_owned())),
        notes: Set(d.notes.clone()),
        total_amount: Set(total),
        template_id: Set(template_id),
        created_by: Set(actor.map(|a| a.id)),
        paid_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let mut lines = Vec::new();
    for (size, qty, price) in priced {
        lines.push(
            line::ActiveModel {
                order_id: Set(o.id),
                size: Set(size.code().to_owned()),
                quantity: Set(qty),
                unit_price: Set(price),
                amount: Set(i64::from(qty) * price),
                ..Default::default()
            }
            .insert(txn)
            .await?,
        );
    }
    record_event(txn, o.id, actor, None, OrderStatus::Pending, "", now).await?;
    if confirm {
        record_event(
            txn,
            o.id,
            actor,
            Some(OrderStatus::Pending),
            OrderStatus::Confirmed,
            "",
            now,
        )
        .await?;
    }
    Ok(OrderWithLines { order: o, lines })
}

/// Creates an order in its own transaction and announces it after commit.
pub async fn create(
    db: &(impl TransactionTrait + ConnectionTrait),
    hub: &EventHub,
    actor: Option<&AuthUser>,
    customer_id: i32,
    d: &OrderData,
    confirm: bool,
    now: DateTime<Utc>,
) -> Result<OrderWithLines, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let c = customers::get(&txn, customer_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound => {
                AppError::field("customer_id", Text::new("找不到此客戶", "No such customer"))
            }
            e => e,
        })?;
    let o = insert(&txn, actor, &c, d, confirm, None, now).await?;
    txn.commit().await?;
    announce::created(hub, &o.order, actor, now);
    Ok(o)
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<order::Model, AppError> {
    order::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn lines_of(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, Vec<line::Model>>, AppError> {
    let mut out: HashMap<i32, Vec<line::Model>> = HashMap::new();
    for chunk in ids.chunks(500) {
        for l in line::Entity::find()
            .filter(line::Column::OrderId.is_in(chunk.iter().copied()))
            .order_by_asc(line::Column::Id)
            .all(db)
            .await?
        {
            out.entry(l.order_id).or_default().push(l);
        }
    }
    Ok(out)
}

pub async fn events_of(db: &impl ConnectionTrait, id: i32) -> Result<Vec<event::Model>, AppError> {
    Ok(event::Entity::find()
        .filter(event::Column::OrderId.eq(id))
        .order_by_asc(event::Column::Id)
        .all(db)
        .await?)
}

fn conflict(reason: Text) -> AppError {
    AppError::Conflict(reason)
}

/// Applies one status action inside the caller's transaction.
pub async fn transition_in(
    txn: &impl ConnectionTrait,
    actor: Option<&AuthUser>,
    id: i32,
    action: Action,
    note: &str,
    now: DateTime<Utc>,
) -> Result<order::Model, AppError> {
    let o = get(txn, id).await?;
    let from = OrderStatus::parse(&o.status)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("bad status {}", o.status)))?;
    let to = from.apply(action).map_err(|reason| {
        conflict(Text::new(
            format!("{}：{}", o.order_number, reason.zh),
            format!("{}: {}", o.order_number, reason.en),
        ))
    })?;
    // The status is part of the filter, so a concurrent change cannot be overwritten.
    let done = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(to.as_str()))
        .col_expr(order::Column::Version, Expr::value(o.version + 1))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(id))
        .filter(order::Column::Status.eq(from.as_str()))
        .exec(txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(conflict(Text::new(
            "此訂單已被他人修改，請重新整理",
            "Someone else changed this order; reload",
        )));
    }
    record_event(txn, id, actor, Some(from), to, note, now).await?;
    let after = get(txn, id).await?;
    // A person's change tells the customer (the outbox, same transaction).
    if actor.is_some() {
        crate::notifications::outbox::on_status_in(txn, &after, to, note, now).await?;
    }
    Ok(after)
}

/// One status change in its own transaction, announced after commit.
pub async fn transition(
    db: &(impl TransactionTrait + ConnectionTrait),
    hub: &EventHub,
    actor: Option<&AuthUser>,
    id: i32,
    action: Action,
    note: &str,
    now: DateTime<Utc>,
) -> Result<order::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let o = transition_in(&txn, actor, id, action, note, now).await?;
    txn.commit().await?;
    announce::updated(hub, &o, actor, now);
    Ok(o)
}

/// Most orders one bulk action may change.
pub const MAX_BULK: usize = 500;

pub enum Bulk {
    Apply(Action),
    ChangeDate(NaiveDate),
}

/// Applies one action to many orders in one transaction: all or nothing,
/// announced after commit.
pub async fn bulk(
    db: &(impl TransactionTrait + ConnectionTrait),
    hub: &EventHub,
    actor: &AuthUser,
    ids: &[i32],
    op: &Bulk,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    if ids.is_empty() {
        return Err(AppError::field(
            "ids",
            Text::new("請先勾選訂單", "Select at least one order"),
        ));
    }
    if ids.len() > MAX_BULK {
        return Err(AppError::field(
            "ids",
            Text::new(
                format!("一次最多處理 {MAX_BULK} 張訂單"),
                format!("At most {MAX_BULK} orders at once"),
            ),
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    for id in ids {
        match op {
            Bulk::Apply(action) => {
                transition_in(&txn, Some(actor), *id, *action, "", now).await?;
            }
            Bulk::ChangeDate(date) => {
                change_date_in(&txn, actor, *id, *date, today, now).await?;
            }
        }
    }
    txn.commit().await?;
    announce::many(hub, ids, "bulk", Some(actor), now);
    Ok(ids.len())
}

/// Moves a pending or confirmed order to `date` (today or later) inside the
/// caller's transaction, on its timeline.
pub async fn change_date_in(
    txn: &impl ConnectionTrait,
    actor: &AuthUser,
    id: i32,
    date: NaiveDate,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if date < today {
        return Err(AppError::field(
            "date",
            Text::new(
                "「配送日期」不能早於今天",
                "Delivery date cannot be in the past",
            ),
        ));
    }
    let o = get(txn, id).await?;
    let status = OrderStatus::parse(&o.status).unwrap_or(OrderStatus::Cancelled);
    if !matches!(status, OrderStatus::Pending | OrderStatus::Confirmed) {
        return Err(conflict(Text::new(
            format!(
                "{}：訂單目前為「{}」，不能改日期",
                o.order_number,
                status.label(crate::i18n::Locale::ZhTw)
            ),
            format!(
                "{}: the order is {}; its date cannot change",
                o.order_number,
                status.label(crate::i18n::Locale::En).to_lowercase()
            ),
        )));
    }
    order::Entity::update_many()
        .col_expr(order::Column::RequestedDate, Expr::value(date))
        .col_expr(order::Column::Version, Expr::value(o.version + 1))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(id))
        .exec(txn)
        .await?;
    record_event(
        txn,
        id,
        Some(actor),
        Some(status),
        status,
        &format!("date → {date}"),
        now,
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct OrderFilter {
    /// `YYYY-MM-DD`; all dates when empty.
    pub date: String,
    /// A status, or `open` for every unfinished order.
    pub status: String,
    pub district: String,
    /// Order number, customer code or name.
    pub q: String,
    pub customer_id: Option<i32>,
    /// A driver's id: only orders on that driver's routes.
    pub driver: String,
    pub page: u64,
    pub per_page: u64,
}

impl OrderFilter {
    /// The page asked for, if it is within the lists' bound.
    pub fn page(&self) -> Result<u64, AppError> {
        crate::domain::paging::check_page(self.page).map_err(|t| AppError::field("page", t))
    }

    pub fn per_page(&self) -> u64 {
        if self.per_page == 0 {
            100
        } else {
            self.per_page.min(1000)
        }
    }
}

pub struct OrderRow {
    pub order: order::Model,
    pub customer: customer::Model,
    pub lines: Vec<line::Model>,
}

pub fn filter_condition(f: &OrderFilter) -> Result<Condition, AppError> {
    let mut cond = Condition::all();
    if !f.date.trim().is_empty() {
        let d = NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d").map_err(|_| {
            AppError::field(
                "date",
                Text::new("「日期」格式為 YYYY-MM-DD", "Date: use YYYY-MM-DD"),
            )
        })?;
        cond = cond.add(order::Column::RequestedDate.eq(d));
    }
    match f.status.trim() {
        "" => {}
        "open" => {
            let open: Vec<&str> = OrderStatus::ALL
                .iter()
                .filter(|s| s.is_open())
                .map(|s| s.as_str())
                .collect();
            cond = cond.add(order::Column::Status.is_in(open));
        }
        s => {
            let s = OrderStatus::parse(s).ok_or_else(|| {
                AppError::field("status", Text::new("「狀態」不正確", "Status is not valid"))
            })?;
            cond = cond.add(order::Column::Status.eq(s.as_str()));
        }
    }
    if let Some(c) = f.customer_id {
        cond = cond.add(order::Column::CustomerId.eq(c));
    }
    if !f.district.trim().is_empty() {
        cond = cond.add(
            Expr::col((order::Entity, order::Column::CustomerId))
                .in_subquery(customers::ids_where(f.district.trim(), None)),
        );
    }
    if !f.driver.trim().is_empty() {
        let driver: i32 = f.driver.trim().parse().map_err(|_| {
            AppError::field("driver", Text::new("「司機」不正確", "Driver is not valid"))
        })?;
        let on_routes = crate::planning::lookups::orders_on_routes_of(driver);
        cond = cond.add(Expr::col((order::Entity, order::Column::Id)).in_subquery(on_routes));
    }
    if !f.q.trim().is_empty() {
        let q = f.q.trim().to_lowercase();
        cond = cond.add(
            Condition::any()
                .add(
                    Expr::col((order::Entity, order::Column::OrderNumber))
                        .like(format!("%{}%", q.to_uppercase())),
                )
                .add(
                    Expr::col((order::Entity, order::Column::CustomerId))
                        .in_subquery(customers::ids_where("", Some(&q))),
                ),
        );
    }
    Ok(cond)
}

fn filtered(f: &OrderFilter) -> Result<sea_orm::Select<order::Entity>, AppError> {
    Ok(order::Entity::find().filter(filter_condition(f)?))
}

/// How many orders match the filter, without loading them.
/// The orders of a delivery date that are not cancelled, by id.
pub async fn not_cancelled_on(
    db: &impl ConnectionTrait,
    date: NaiveDate,
) -> Result<Vec<order::Model>, AppError> {
    Ok(order::Entity::find()
        .filter(order::Column::RequestedDate.eq(date))
        .filter(order::Column::Status.ne(OrderStatus::Cancelled.as_str()))
        .order_by_asc(order::Column::Id)
        .all(db)
        .await?)
}

/// Orders by id, for a batch of ids (missing ids are left out).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, order::Model>, AppError> {
    let mut out = HashMap::new();
    for chunk in crate::db::in_chunks(ids) {
        for o in order::Entity::find()
            .filter(order::Column::Id.is_in(chunk))
            .all(db)
            .await?
        {
            out.insert(o.id, o);
        }
    }
    Ok(out)
}

/// Which of these orders changed since a plan for `date` saw them (`seen`:
/// order id → the version it had then; `since`: when the plan was
/// computed): edited, cancelled, gone or moved to another date. Drivers'
/// progress (out for delivery, delivered, failed) is not a change, nor is
/// confirming a pending order (publishing confirms it anyway). Returns
/// their order numbers (`#id` when gone), sorted.
pub async fn changed_since<S: std::hash::BuildHasher>(
    db: &impl ConnectionTrait,
    date: NaiveDate,
    ids: &[i32],
    seen: &HashMap<i32, i32, S>,
    since: DateTime<Utc>,
) -> Result<Vec<String>, AppError> {
    let current = by_ids(db, ids).await?;
    let under_way = |s: &str| {
        [
            OrderStatus::OutForDelivery,
            OrderStatus::Delivered,
            OrderStatus::Failed,
        ]
        .iter()
        .any(|x| x.as_str() == s)
    };
    let mut changed = Vec::new();
    for id in ids {
        let now_row = current.get(id);
        let mut ok = now_row.is_some_and(|o| {
            o.requested_date == date
                && o.status != OrderStatus::Cancelled.as_str()
                && (under_way(&o.status) || seen.get(id).is_none_or(|v| *v == o.version))
        });
        if !ok
            && let Some(o) = now_row
            && o.requested_date == date
            && o.status == OrderStatus::Confirmed.as_str()
        {
            let events = event::Entity::find()
                .filter(event::Column::OrderId.eq(*id))
                .filter(event::Column::CreatedAt.gt(since))
                .all(db)
                .await?;
            ok = events
                .iter()
                .all(|e| e.to_status == OrderStatus::Confirmed.as_str());
        }
        if !ok {
            changed.push(now_row.map_or_else(|| format!("#{id}"), |o| o.order_number.clone()));
        }
    }
    changed.sort();
    Ok(changed)
}

/// A customer's unfinished orders for one delivery date (the desk asks
/// before placing a second).
pub async fn open_for_customer_on(
    db: &impl ConnectionTrait,
    customer_id: i32,
    date: NaiveDate,
) -> Result<Vec<OrderWithLines>, AppError> {
    let open: Vec<&str> = OrderStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect();
    let orders = order::Entity::find()
        .filter(order::Column::CustomerId.eq(customer_id))
        .filter(order::Column::RequestedDate.eq(date))
        .filter(order::Column::Status.is_in(open))
        .order_by_asc(order::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i32> = orders.iter().map(|o| o.id).collect();
    let mut lines = lines_of(db, &ids).await?;
    Ok(orders
        .into_iter()
        .map(|o| OrderWithLines {
            lines: lines.remove(&o.id).unwrap_or_default(),
            order: o,
        })
        .collect())
}

/// Whether a recurring-order template already made its order for `date`.
pub async fn from_template_on(
    db: &impl ConnectionTrait,
    template_id: i32,
    date: NaiveDate,
) -> Result<bool, AppError> {
    Ok(order::Entity::find()
        .filter(order::Column::TemplateId.eq(template_id))
        .filter(order::Column::RequestedDate.eq(date))
        .count(db)
        .await?
        > 0)
}

/// Records that an order was paid in full at `at`.
pub async fn mark_paid(
    db: &impl ConnectionTrait,
    order_id: i32,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    order::Entity::update_many()
        .col_expr(order::Column::PaidAt, Expr::value(at))
        .filter(order::Column::Id.eq(order_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Every order matching the list's filters (all pages), by date and number.
pub async fn all_matching(
    db: &impl ConnectionTrait,
    f: &OrderFilter,
) -> Result<Vec<order::Model>, AppError> {
    Ok(order::Entity::find()
        .filter(filter_condition(f)?)
        .order_by_asc(order::Column::RequestedDate)
        .order_by_asc(order::Column::OrderNumber)
        .all(db)
        .await?)
}

pub async fn count(db: &impl ConnectionTrait, f: &OrderFilter) -> Result<u64, AppError> {
    use sea_orm::PaginatorTrait;
    Ok(filtered(f)?.count(db).await?)
}

pub async fn list(
    db: &impl ConnectionTrait,
    f: &OrderFilter,
) -> Result<(Vec<OrderRow>, u64), AppError> {
    let base = filtered(f)?;
    let total = count(db, f).await?;
    let page = f.page()?;
    let orders = base
        .order_by_asc(order::Column::RequestedDate)
        .order_by_asc(order::Column::OrderNumber)
        .offset(crate::domain::paging::offset(page, f.per_page()))
        .limit(f.per_page())
        .all(db)
        .await?;
    rows_for(db, orders).await.map(|r| (r, total))
}

async fn rows_for(
    db: &impl ConnectionTrait,
    orders: Vec<order::Model>,
) -> Result<Vec<OrderRow>, AppError> {
    let ids: Vec<i32> = orders.iter().map(|o| o.id).collect();
    let mut lines = lines_of(db, &ids).await?;
    let cids: Vec<i32> = orders.iter().map(|o| o.customer_id).collect();
    let custs = customers::by_ids(db, &cids).await?;
    Ok(orders
        .into_iter()
        .filter_map(|o| {
            let c = custs.get(&o.customer_id)?.clone();
            let l = lines.remove(&o.id).unwrap_or_default();
            Some(OrderRow {
                order: o,
                customer: c,
                lines: l,
            })
        })
        .collect())
}

/// Cylinders per size, gross weight and count of a set of orders.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct DaySummary {
    pub orders: u64,
    /// Counts in size order 50, 20, 16, 10, 4 kg.
    pub cylinders: [i64; 5],
    pub lpg_kg: i64,
    pub gross_kg: i64,
    pub amount: i64,
}

/// The day summary of every order matching the filter (all pages), added
/// up by the database: one query for the orders, one for their lines.
pub async fn summary(db: &impl ConnectionTrait, f: &OrderFilter) -> Result<DaySummary, AppError> {
    use sea_orm::{JoinType, QuerySelect, RelationTrait};
    let (orders, amount): (i64, i64) = filtered(f)?
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(orders.total_amount), 0) AS BIGINT)"),
            "amount",
        )
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or((0, 0));
    let per_size: Vec<(String, i64)> = line::Entity::find()
        .join(JoinType::InnerJoin, line::Relation::Order.def())
        .filter(filter_condition(f)?)
        .select_only()
        .column(line::Column::Size)
        .column_as(Expr::cust("CAST(SUM(order_lines.quantity) AS BIGINT)"), "q")
        .group_by(line::Column::Size)
        .into_tuple()
        .all(db)
        .await?;
    let mut s = DaySummary {
        orders: orders.max(0) as u64,
        amount,
        ..DaySummary::default()
    };
    for (size, q) in per_size {
        if let Ok(size) = CylinderSize::parse(&size) {
            let i = CylinderSize::ALL
                .iter()
                .position(|x| *x == size)
                .expect("listed");
            s.cylinders[i] += q;
            s.lpg_kg += q * i64::from(size.kg());
            s.gross_kg += q * i64::from(size.gross_weight_kg());
        }
    }
    Ok(s)
}

/// A customer's recent orders, newest first.
pub async fn recent_for_customer(
    db: &impl ConnectionTrait,
    customer_id: i32,
    limit: u64,
) -> Result<Vec<OrderRow>, AppError> {
    let orders = order::Entity::find()
        .filter(order::Column::CustomerId.eq(customer_id))
        .order_by_desc(order::Column::RequestedDate)
        .order_by_desc(order::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    rows_for(db, orders).await
}

/// The customer's usual order: the most frequent set of lines among their
/// last ten orders (latest wins a tie), else one of each size they hold.
pub async fn usual_lines(
    db: &impl ConnectionTrait,
    c: &customer::Model,
) -> Result<Vec<(CylinderSize, i32)>, AppError> {
    let recent = recent_for_customer(db, c.id, 10).await?;
    let mut counts: Vec<(Vec<(String, i32)>, usize)> = Vec::new();
    for r in recent
        .iter()
        .filter(|r| r.order.status != OrderStatus::Cancelled.as_str())
    {
        let mut key: Vec<(String, i32)> = r
            .lines
            .iter()
            .map(|l| (l.size.clone(), l.quantity))
            .collect();
        key.sort();
        match counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => counts.push((key, 1)),
        }
    }
    // `max_by_key` keeps the last maximum; iterate oldest first so the newest wins ties.
    if let Some((key, _)) = counts.iter().rev().max_by_key(|(_, n)| *n) {
        let mut lines: Vec<(CylinderSize, i32)> = key
            .iter()
            .filter_map(|(s, q)| CylinderSize::parse(s).ok().map(|s| (s, *q)))
            .collect();
        lines.sort_by_key(|(s, _)| CylinderSize::ALL.iter().position(|x| x == s));
        return Ok(lines);
    }
    let held = c.cylinder_counts();
    Ok(CylinderSize::ALL
        .iter()
        .zip(held)
        .filter(|(_, n)| *n > 0)
        .map(|(s, _)| (*s, 1))
        .collect())
}

/// `50kg×1 20kg×2`
pub fn lines_text(lines: &[line::Model]) -> String {
    lines
        .iter()
        .map(|l| format!("{}kg×{}", l.size, l.quantity))
        .collect::<Vec<_>>()
        .join(" ")
}
