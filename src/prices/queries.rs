//! Which price is in force, and setting prices. An order line takes the
//! price in force on the order date: the customer's own, else the list
//! price.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::entity::{customer_price, price};
use crate::{domain::CylinderSize, error::AppError};

/// The unit price for a customer and size on a date: the customer's own
/// price if one is in force, else the list price; `None` if neither.
pub async fn price_on(
    db: &impl ConnectionTrait,
    customer_id: i32,
    size: CylinderSize,
    date: NaiveDate,
) -> Result<Option<i64>, AppError> {
    let own = customer_price::Entity::find()
        .filter(customer_price::Column::CustomerId.eq(customer_id))
        .filter(customer_price::Column::Size.eq(size.code()))
        .filter(customer_price::Column::ValidFrom.lte(date))
        .order_by_desc(customer_price::Column::ValidFrom)
        .one(db)
        .await?;
    if let Some(p) = own {
        return Ok(Some(p.price));
    }
    list_price_on(db, size, date).await
}

pub async fn list_price_on(
    db: &impl ConnectionTrait,
    size: CylinderSize,
    date: NaiveDate,
) -> Result<Option<i64>, AppError> {
    Ok(price::Entity::find()
        .filter(price::Column::Size.eq(size.code()))
        .filter(price::Column::ValidFrom.lte(date))
        .order_by_desc(price::Column::ValidFrom)
        .one(db)
        .await?
        .map(|p| p.price))
}

/// Adds (or replaces) the list price of a size from a date.
pub async fn set_list_price(
    db: &impl ConnectionTrait,
    size: CylinderSize,
    price: i64,
    valid_from: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    price::Entity::delete_many()
        .filter(price::Column::Size.eq(size.code()))
        .filter(price::Column::ValidFrom.eq(valid_from))
        .exec(db)
        .await?;
    price::ActiveModel {
        size: Set(size.code().to_owned()),
        price: Set(price),
        valid_from: Set(valid_from),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Adds (or replaces) a customer's own price of a size from a date.
pub async fn set_customer_price(
    db: &impl ConnectionTrait,
    customer_id: i32,
    size: CylinderSize,
    price: i64,
    valid_from: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    customer_price::Entity::delete_many()
        .filter(customer_price::Column::CustomerId.eq(customer_id))
        .filter(customer_price::Column::Size.eq(size.code()))
        .filter(customer_price::Column::ValidFrom.eq(valid_from))
        .exec(db)
        .await?;
    customer_price::ActiveModel {
        customer_id: Set(customer_id),
        size: Set(size.code().to_owned()),
        price: Set(price),
        valid_from: Set(valid_from),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The list price of every size on a date (`None` where no price is set).
pub async fn list_on(
    db: &impl ConnectionTrait,
    date: NaiveDate,
) -> Result<Vec<(CylinderSize, Option<i64>)>, AppError> {
    let mut out = Vec::new();
    for size in CylinderSize::ALL {
        out.push((size, list_price_on(db, size, date).await?));
    }
    Ok(out)
}
