//! Order numbers `O{YYYYMMDD}-{NNNN}` and other counters: one row per key
//! in `order_counters`, bumped atomically inside the caller's transaction,
//! so concurrent orders never share a number.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement};

pub async fn next(db: &impl ConnectionTrait, day: NaiveDate) -> Result<String, DbErr> {
    let key = day.format("%Y%m%d").to_string();
    let last = bump(db, &key).await?;
    Ok(format!("O{key}-{last:04}"))
}

/// Adds one to the named counter and returns the new value (1 the first
/// time). Atomic on both databases: one statement, row-locked.
pub async fn bump(db: &impl ConnectionTrait, key: &str) -> Result<i32, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "INSERT INTO order_counters (day, last) VALUES ($1, 1) \
             ON CONFLICT (day) DO UPDATE SET last = order_counters.last + 1 RETURNING last"
        }
        _ => {
            "INSERT INTO order_counters (day, last) VALUES (?, 1) \
             ON CONFLICT (day) DO UPDATE SET last = order_counters.last + 1 RETURNING last"
        }
    };
    let row = db
        .query_one(Statement::from_sql_and_values(backend, sql, [key.into()]))
        .await?
        .ok_or_else(|| DbErr::Custom("counter returned no row".into()))?;
    row.try_get("", "last")
}
