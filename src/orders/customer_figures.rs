//! What a customer's orders add up to: shown on the customer page, in the
//! customer API and at the phone desk. The customer book asks here instead
//! of reading the order tables.

use chrono::{Duration, NaiveDate};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use super::{entity::order, status::OrderStatus};
use crate::error::AppError;

/// Orders of a customer that are not finished (pending to out for delivery).
pub async fn open_orders(db: &impl ConnectionTrait, customer_id: i32) -> Result<u64, AppError> {
    let open: Vec<&str> = OrderStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect();
    Ok(order::Entity::find()
        .filter(order::Column::CustomerId.eq(customer_id))
        .filter(order::Column::Status.is_in(open))
        .count(db)
        .await?)
}

/// Figures shown with a customer.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct CustomerStats {
    pub orders_last_90_days: u64,
    pub estimated_monthly_revenue: i64,
    pub last_delivery: Option<NaiveDate>,
    pub next_expected_delivery: Option<NaiveDate>,
    pub unpaid_amount: i64,
    pub open_orders: u64,
}

pub async fn for_customer(
    db: &impl ConnectionTrait,
    id: i32,
    today: NaiveDate,
) -> Result<CustomerStats, AppError> {
    let since = today - Duration::days(90);
    let recent = order::Entity::find()
        .filter(order::Column::CustomerId.eq(id))
        .filter(order::Column::RequestedDate.gte(since))
        .filter(order::Column::Status.ne(OrderStatus::Cancelled.as_str()))
        .all(db)
        .await?;
    let delivered: Vec<NaiveDate> = order::Entity::find()
        .filter(order::Column::CustomerId.eq(id))
        .filter(order::Column::Status.eq(OrderStatus::Delivered.as_str()))
        .order_by_asc(order::Column::RequestedDate)
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.requested_date)
        .collect();
    // Delivered and not yet covered: the total less any part payments.
    let owing = order::Entity::find()
        .filter(order::Column::CustomerId.eq(id))
        .filter(order::Column::Status.eq(OrderStatus::Delivered.as_str()))
        .filter(order::Column::PaidAt.is_null())
        .all(db)
        .await?;
    let ids: Vec<i32> = owing.iter().map(|o| o.id).collect();
    let paid = super::payments::paid_for(db, &ids).await?;
    let unpaid = owing
        .iter()
        .map(|o| (o.total_amount - paid.get(&o.id).copied().unwrap_or(0)).max(0))
        .sum();
    let revenue: i64 = recent.iter().map(|o| o.total_amount).sum();
    let last = delivered.last().copied();
    // The mean gap between recent deliveries predicts the next one.
    let next = match delivered.len() {
        0 | 1 => None,
        n => {
            let tail = &delivered[n.saturating_sub(6)..];
            let span = (*tail.last().unwrap() - tail[0]).num_days();
            let gap = span / (tail.len() as i64 - 1);
            last.map(|l| l + Duration::days(gap.max(1)))
        }
    };
    Ok(CustomerStats {
        orders_last_90_days: recent.len() as u64,
        estimated_monthly_revenue: revenue / 3,
        last_delivery: last,
        next_expected_delivery: next,
        unpaid_amount: unpaid,
        open_orders: open_orders(db, id).await?,
    })
}
