//! Money received: cash a driver took at the door, a transfer or a
//! month-end payment the office records. An order counts as paid (its
//! `paid_at`) once its payments cover its total; what a customer still owes
//! is what its delivered orders come to less what was paid on them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};

use super::entity::{order, payment};
use crate::error::AppError;

/// How money was paid. `monthly` is an entry on a month-end account.
pub const METHODS: [&str; 4] = ["cash", "transfer", "monthly", "cheque"];

pub fn method_label(method: &str, locale: crate::i18n::Locale) -> &'static str {
    let (zh, en) = match method {
        "cash" => ("現金", "Cash"),
        "transfer" => ("轉帳", "Transfer"),
        "monthly" => ("月結", "Monthly account"),
        "cheque" => ("支票", "Cheque"),
        _ => ("其他", "Other"),
    };
    match locale {
        crate::i18n::Locale::ZhTw => zh,
        crate::i18n::Locale::En => en,
    }
}

pub struct NewPayment<'a> {
    pub order: Option<&'a order::Model>,
    pub customer_id: i32,
    pub amount: i64,
    pub method: &'a str,
    /// `driver` or `office`.
    pub source: &'a str,
    pub recorded_by: Option<i32>,
    pub note: &'a str,
    pub at: DateTime<Utc>,
}

/// Records a payment inside the caller's transaction and marks the order
/// paid once its payments cover the total.
pub async fn record_in(
    txn: &impl ConnectionTrait,
    p: NewPayment<'_>,
) -> Result<payment::Model, AppError> {
    let row = payment::ActiveModel {
        order_id: Set(p.order.map(|o| o.id)),
        customer_id: Set(p.customer_id),
        amount: Set(p.amount),
        method: Set(p.method.to_owned()),
        received_at: Set(p.at),
        recorded_by: Set(p.recorded_by),
        source: Set(p.source.to_owned()),
        note: Set(p.note.to_owned()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    if let Some(o) = p.order {
        let paid = paid_for(txn, &[o.id])
            .await?
            .get(&o.id)
            .copied()
            .unwrap_or(0);
        if paid >= o.total_amount && o.paid_at.is_none() {
            order::Entity::update_many()
                .col_expr(order::Column::PaidAt, Expr::value(p.at))
                .filter(order::Column::Id.eq(o.id))
                .exec(txn)
                .await?;
        }
    }
    Ok(row)
}

/// What was paid on each of `order_ids`.
pub async fn paid_for(
    db: &impl ConnectionTrait,
    order_ids: &[i32],
) -> Result<HashMap<i32, i64>, AppError> {
    let mut out = HashMap::new();
    for chunk in crate::db::in_chunks(order_ids) {
        for p in payment::Entity::find()
            .filter(payment::Column::OrderId.is_in(chunk))
            .all(db)
            .await?
        {
            if let Some(id) = p.order_id {
                *out.entry(id).or_insert(0) += p.amount;
            }
        }
    }
    Ok(out)
}

/// Payments recorded for one order, oldest first.
pub async fn of_order(
    db: &impl ConnectionTrait,
    order_id: i32,
) -> Result<Vec<payment::Model>, AppError> {
    use sea_orm::QueryOrder;
    Ok(payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order_id))
        .order_by_asc(payment::Column::Id)
        .all(db)
        .await?)
}

/// A payment on a customer's account (a month-end transfer, say), spread
/// over the customer's unpaid delivered orders oldest first; what is left
/// over is kept on the account (a payment without an order). Inside the
/// caller's transaction. Returns the payment rows written.
pub async fn record_on_account_in(
    txn: &impl ConnectionTrait,
    customer_id: i32,
    amount: i64,
    method: &str,
    recorded_by: Option<i32>,
    note: &str,
    at: DateTime<Utc>,
) -> Result<Vec<payment::Model>, AppError> {
    use sea_orm::QueryOrder;
    let owing = order::Entity::find()
        .filter(order::Column::CustomerId.eq(customer_id))
        .filter(order::Column::Status.eq(super::status::OrderStatus::Delivered.as_str()))
        .filter(order::Column::PaidAt.is_null())
        .order_by_asc(order::Column::RequestedDate)
        .order_by_asc(order::Column::Id)
        .all(txn)
        .await?;
    let ids: Vec<i32> = owing.iter().map(|o| o.id).collect();
    let paid = paid_for(txn, &ids).await?;
    let mut left = amount;
    let mut rows = Vec::new();
    for o in &owing {
        if left <= 0 {
            break;
        }
        let due = (o.total_amount - paid.get(&o.id).copied().unwrap_or(0)).max(0);
        let part = due.min(left);
        if part == 0 {
            continue;
        }
        rows.push(
            record_in(
                txn,
                NewPayment {
                    order: Some(o),
                    customer_id,
                    amount: part,
                    method,
                    source: "office",
                    recorded_by,
                    note,
                    at,
                },
            )
            .await?,
        );
        left -= part;
    }
    if left > 0 {
        rows.push(
            record_in(
                txn,
                NewPayment {
                    order: None,
                    customer_id,
                    amount: left,
                    method,
                    source: "office",
                    recorded_by,
                    note,
                    at,
                },
            )
            .await?,
        );
    }
    Ok(rows)
}
