//! Named counters in the `counters` table, bumped atomically inside the
//! caller's transaction: concurrent writers never get the same number.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement};

/// What a counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    /// Orders numbered on one day (`O{YYYYMMDD}-{NNNN}`).
    OrdersOn(NaiveDate),
    /// Automatic customer codes (`C{NNNNN}`).
    CustomerCodes,
    /// Writes to the customer book; the search index refreshes when it moves.
    CustomerRevision,
}

impl Counter {
    fn name(self) -> String {
        match self {
            // The day alone, as the first orders were numbered.
            Self::OrdersOn(day) => day.format("%Y%m%d").to_string(),
            Self::CustomerCodes => "customer".to_owned(),
            Self::CustomerRevision => "customer_revision".to_owned(),
        }
    }
}

/// Adds one and returns the new value (1 the first time). One statement,
/// row-locked, on both databases.
pub async fn bump(db: &impl ConnectionTrait, counter: Counter) -> Result<i32, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "INSERT INTO counters (name, value) VALUES ($1, 1) \
             ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value"
        }
        _ => {
            "INSERT INTO counters (name, value) VALUES (?, 1) \
             ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value"
        }
    };
    let row = db
        .query_one(Statement::from_sql_and_values(
            backend,
            sql,
            [counter.name().into()],
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("counter returned no row".into()))?;
    row.try_get("", "value")
}

/// The committed value (0 before the first bump).
pub async fn current(db: &impl ConnectionTrait, counter: Counter) -> Result<i64, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => "SELECT value FROM counters WHERE name = $1",
        _ => "SELECT value FROM counters WHERE name = ?",
    };
    let row = db
        .query_one(Statement::from_sql_and_values(
            backend,
            sql,
            [counter.name().into()],
        ))
        .await?;
    Ok(match row {
        Some(r) => i64::from(r.try_get::<i32>("", "value")?),
        None => 0,
    })
}
