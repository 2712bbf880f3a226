//! Order numbers `O{YYYYMMDD}-{NNNN}`, from the day's counter.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr};

use crate::db::counters::{self, Counter};

pub async fn next(db: &impl ConnectionTrait, day: NaiveDate) -> Result<String, DbErr> {
    let n = counters::bump(db, Counter::OrdersOn(day)).await?;
    Ok(format!("O{}-{n:04}", day.format("%Y%m%d")))
}
