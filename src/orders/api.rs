//! `/api/v1/orders`.

use axum::{Json, extract::State, http::StatusCode};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    entity::{event, line, order},
    form::OrderInput,
    queries::{self, Bulk, DaySummary, OrderFilter},
    status::Action,
};
use crate::{
    app::AppState,
    auth::CurrentUser,
    customers::queries as customers,
    error::AppError,
    extract::{ApiJson, Path, Query},
    i18n::Text,
};

#[derive(Serialize, ToSchema)]
pub struct LineOut {
    pub size: String,
    pub quantity: i32,
    pub unit_price: i64,
    pub amount: i64,
}

#[derive(Serialize, ToSchema)]
pub struct EventOut {
    pub from: Option<String>,
    pub to: String,
    pub actor_id: Option<i32>,
    pub note: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct OrderOut {
    pub id: i32,
    pub order_number: String,
    pub customer_id: i32,
    pub customer_code: Option<String>,
    pub customer_name: Option<String>,
    #[schema(value_type = String)]
    pub requested_date: NaiveDate,
    pub window_start: Option<String>,
    pub window_end: Option<String>,
    pub status: String,
    pub source: String,
    pub payment_method: String,
    pub notes: String,
    pub total_amount: i64,
    pub lines: Vec<LineOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventOut>>,
    pub version: i32,
}

pub fn out(
    o: order::Model,
    lines: Vec<line::Model>,
    customer: Option<(&str, &str)>,
    events: Option<Vec<event::Model>>,
) -> OrderOut {
    OrderOut {
        id: o.id,
        order_number: o.order_number,
        customer_id: o.customer_id,
        customer_code: customer.map(|c| c.0.to_owned()),
        customer_name: customer.map(|c| c.1.to_owned()),
        requested_date: o.requested_date,
        window_start: o.window_start,
        window_end: o.window_end,
        status: o.status,
        source: o.source,
        payment_method: o.payment_method,
        notes: o.notes,
        total_amount: o.total_amount,
        lines: lines
            .into_iter()
            .map(|l| LineOut {
                size: l.size,
                quantity: l.quantity,
                unit_price: l.unit_price,
                amount: l.amount,
            })
            .collect(),
        events: events.map(|es| {
            es.into_iter()
                .map(|e| EventOut {
                    from: e.from_status,
                    to: e.to_status,
                    actor_id: e.actor_id,
                    note: e.note,
                    at: e.created_at,
                })
                .collect()
        }),
        version: o.version,
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrderPage {
    pub items: Vec<OrderOut>,
    pub total: u64,
    pub summary: DaySummary,
}

/// Orders with filters, and the summary of all matching orders.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", params(OrderFilter),
    responses((status = 200, body = OrderPage)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Query(f): Query<OrderFilter>,
) -> Result<Json<OrderPage>, AppError> {
    let (rows, total) = queries::list(&state.db, &f).await?;
    let summary = queries::summary(&state.db, &f).await?;
    Ok(Json(OrderPage {
        items: rows
            .into_iter()
            .map(|r| {
                out(
                    r.order,
                    r.lines,
                    Some((&r.customer.code, &r.customer.name)),
                    None,
                )
            })
            .collect(),
        total,
        summary,
    }))
}

/// One order with its lines and timeline.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = i32, Path, description = "Order id")),
    responses((status = 200, body = OrderOut), (status = 404, body = crate::error::ApiErrorBody)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<i32>,
) -> Result<Json<OrderOut>, AppError> {
    let o = queries::get(&state.db, id).await?;
    let lines = queries::lines_of(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let events = queries::events_of(&state.db, id).await?;
    let c = customers::get(&state.db, o.customer_id).await?;
    Ok(Json(out(o, lines, Some((&c.code, &c.name)), Some(events))))
}

/// Creates an order (prices from the price list in force on its date).
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = OrderInput,
    responses((status = 201, body = OrderOut), (status = 422, body = crate::error::ApiErrorBody)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiJson(input): ApiJson<OrderInput>,
) -> Result<(StatusCode, Json<OrderOut>), AppError> {
    let customer_id = resolve_customer(&state, &input).await?;
    let data = input
        .parse(state.clock.today_taipei())
        .map_err(AppError::Invalid)?;
    let o = queries::create(
        &state.db,
        &state.events,
        Some(&actor),
        customer_id,
        &data,
        input.confirm.unwrap_or(false),
        state.clock.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(out(o.order, o.lines, None, None))))
}

pub async fn resolve_customer(state: &AppState, input: &OrderInput) -> Result<i32, AppError> {
    if let Some(id) = input.customer_id {
        return Ok(id);
    }
    if let Some(code) = input
        .customer_code
        .as_deref()
        .filter(|c| !c.trim().is_empty())
    {
        return customers::find_by_code(&state.db, code)
            .await?
            .map(|c| c.id)
            .ok_or_else(|| {
                AppError::field(
                    "customer_code",
                    Text::new(
                        format!("找不到客戶編號 {code}"),
                        format!("No customer with code {code}"),
                    ),
                )
            });
    }
    Err(AppError::field(
        "customer_id",
        Text::new("請選擇客戶", "Choose a customer"),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct TransitionInput {
    pub action: Action,
    #[serde(default)]
    pub note: String,
}

/// Moves an order through the status machine; an illegal move is 409 with the reason.
#[utoipa::path(post, path = "/api/v1/orders/{id}/transitions", tag = "orders", request_body = TransitionInput,
    params(("id" = i32, Path, description = "Order id")),
    responses((status = 200, body = OrderOut), (status = 409, body = crate::error::ApiErrorBody)), security(("bearer" = [])))]
pub async fn transition(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i32>,
    ApiJson(input): ApiJson<TransitionInput>,
) -> Result<Json<OrderOut>, AppError> {
    let o = queries::transition(
        &state.db,
        &state.events,
        Some(&actor),
        id,
        input.action,
        &input.note,
        state.clock.now(),
    )
    .await?;
    let lines = queries::lines_of(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(Json(out(o, lines, None, None)))
}

#[derive(Deserialize, ToSchema)]
pub struct BulkInput {
    pub ids: Vec<i32>,
    /// `confirm`, `cancel` or `change_date`
    pub op: String,
    /// For `change_date`: `YYYY-MM-DD`.
    #[serde(default)]
    pub date: String,
}

#[derive(Serialize, ToSchema)]
pub struct BulkOut {
    pub changed: usize,
}

/// Confirms, cancels or re-dates many orders in one transaction: all or nothing.
#[utoipa::path(post, path = "/api/v1/orders/bulk", tag = "orders", request_body = BulkInput,
    responses((status = 200, body = BulkOut), (status = 409, body = crate::error::ApiErrorBody)), security(("bearer" = [])))]
pub async fn bulk(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiJson(input): ApiJson<BulkInput>,
) -> Result<Json<BulkOut>, AppError> {
    let op = parse_bulk(&input.op, &input.date)?;
    let changed = queries::bulk(
        &state.db,
        &state.events,
        &actor,
        &input.ids,
        &op,
        state.clock.today_taipei(),
        state.clock.now(),
    )
    .await?;
    Ok(Json(BulkOut { changed }))
}

pub fn parse_bulk(op: &str, date: &str) -> Result<Bulk, AppError> {
    match op {
        "confirm" => Ok(Bulk::Apply(Action::Confirm)),
        "cancel" => Ok(Bulk::Apply(Action::Cancel)),
        "change_date" if date.trim().is_empty() => Err(AppError::field(
            "date",
            Text::new("請先選擇「新日期」", "Choose the new date first"),
        )),
        "change_date" => NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
            .map(Bulk::ChangeDate)
            .map_err(|_| {
                AppError::field(
                    "date",
                    Text::new("「新日期」格式為 YYYY-MM-DD", "New date: use YYYY-MM-DD"),
                )
            }),
        _ => Err(AppError::field(
            "op",
            Text::new("「批次動作」不正確", "Bulk action is not valid"),
        )),
    }
}

/// Decides what happens to a failed delivery: `retry_today` (confirmed
/// again for today's re-plan), `reschedule` to `date`, or `cancel`.
#[utoipa::path(post, path = "/api/v1/orders/{id}/decision", tag = "orders",
    request_body = super::failed::DecisionInput, params(("id" = i32, Path, description = "Order id")),
    responses((status = 200, body = OrderOut), (status = 409, body = crate::error::ApiErrorBody),
        (status = 422, body = crate::error::ApiErrorBody)), security(("bearer" = [])))]
pub async fn decide(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i32>,
    ApiJson(input): ApiJson<super::failed::DecisionInput>,
) -> Result<Json<OrderOut>, AppError> {
    let o = super::failed::decide(
        &state.db,
        &state.events,
        &actor,
        id,
        &input,
        state.clock.today_taipei(),
        state.clock.now(),
    )
    .await?;
    let lines = queries::lines_of(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(Json(out(o, lines, None, None)))
}

#[derive(Deserialize, ToSchema)]
pub struct PaymentInput {
    /// NT$, more than 0.
    pub amount: i64,
    /// `cash`, `transfer`, `monthly` or `cheque`.
    pub method: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentOut {
    pub id: i32,
    pub order_id: Option<i32>,
    pub amount: i64,
    pub method: String,
    pub source: String,
    pub received_at: chrono::DateTime<chrono::Utc>,
    /// What the order still owes after this.
    pub outstanding: i64,
}

/// Records money received for an order (a transfer, a month-end payment);
/// the order is paid once its payments cover its total.
#[utoipa::path(post, path = "/api/v1/orders/{id}/payments", tag = "orders",
    request_body = PaymentInput, params(("id" = i32, Path, description = "Order id")),
    responses((status = 201, body = PaymentOut), (status = 422, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn add_payment(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i32>,
    ApiJson(input): ApiJson<PaymentInput>,
) -> Result<(StatusCode, Json<PaymentOut>), AppError> {
    use super::payments;
    check_payment(&input)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let o = queries::get(&txn, id).await?;
    let p = payments::record_in(
        &txn,
        payments::NewPayment {
            order: Some(&o),
            customer_id: o.customer_id,
            amount: input.amount,
            method: &input.method,
            source: "office",
            recorded_by: Some(actor.id),
            note: &input.note,
            at: now,
        },
    )
    .await?;
    let paid = payments::paid_for(&txn, &[id])
        .await?
        .get(&id)
        .copied()
        .unwrap_or(0);
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(PaymentOut {
            id: p.id,
            order_id: p.order_id,
            amount: p.amount,
            method: p.method,
            source: p.source,
            received_at: p.received_at,
            outstanding: (o.total_amount - paid).max(0),
        }),
    ))
}

fn check_payment(input: &PaymentInput) -> Result<(), AppError> {
    use super::payments;
    let mut errors = Vec::new();
    if !(1..=10_000_000).contains(&input.amount) {
        errors.push(crate::error::FieldError::new(
            "amount",
            Text::new(
                "金額須在 1 到 10,000,000 元之間",
                "Amount must be NT$1 to 10,000,000",
            ),
        ));
    }
    if !payments::METHODS.contains(&input.method.as_str()) {
        errors.push(crate::error::FieldError::new(
            "method",
            Text::new(
                "付款方式須為 cash、transfer、monthly 或 cheque",
                "Method must be cash, transfer, monthly or cheque",
            ),
        ));
    }
    errors.extend(crate::error::FieldError::note_too_long("note", &input.note));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

#[derive(Serialize, ToSchema)]
pub struct AccountPaymentOut {
    /// How the amount was spread: one row per order paid (oldest first),
    /// and one without an order for what was left over.
    pub payments: Vec<PaymentOut>,
    /// What the customer still owes on delivered orders.
    pub unpaid_amount: i64,
}

/// Records money received on a customer's account (a month-end transfer):
/// spread over the unpaid delivered orders oldest first.
#[utoipa::path(post, path = "/api/v1/customers/{id}/payments", tag = "orders",
    request_body = PaymentInput, params(("id" = i32, Path, description = "Customer id")),
    responses((status = 201, body = AccountPaymentOut), (status = 404, body = crate::error::ApiErrorBody),
        (status = 422, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn add_account_payment(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i32>,
    ApiJson(input): ApiJson<PaymentInput>,
) -> Result<(StatusCode, Json<AccountPaymentOut>), AppError> {
    check_payment(&input)?;
    customers::get(&state.db, id).await?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let rows = super::payments::record_on_account_in(
        &txn,
        id,
        input.amount,
        &input.method,
        Some(actor.id),
        &input.note,
        now,
    )
    .await?;
    txn.commit().await?;
    let ids: Vec<i32> = rows.iter().filter_map(|p| p.order_id).collect();
    let paid = super::payments::paid_for(&state.db, &ids).await?;
    let totals = queries::by_ids(&state.db, &ids).await?;
    let outstanding = |order: Option<i32>| {
        order.map_or(0, |o| {
            let total = totals.get(&o).map_or(0, |x| x.total_amount);
            (total - paid.get(&o).copied().unwrap_or(0)).max(0)
        })
    };
    let stats =
        super::customer_figures::for_customer(&state.db, id, state.clock.today_taipei()).await?;
    Ok((
        StatusCode::CREATED,
        Json(AccountPaymentOut {
            payments: rows
                .into_iter()
                .map(|p| PaymentOut {
                    outstanding: outstanding(p.order_id),
                    id: p.id,
                    order_id: p.order_id,
                    amount: p.amount,
                    method: p.method,
                    source: p.source,
                    received_at: p.received_at,
                })
                .collect(),
            unpaid_amount: stats.unpaid_amount,
        }),
    ))
}
