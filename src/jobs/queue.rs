//! The queue operations on the `jobs` table. A job is enqueued inside the
//! transaction of the change that causes it; an instance claims a due job
//! with a lease (atomically: `FOR UPDATE SKIP LOCKED` on PostgreSQL, the
//! single writer on SQLite), renews the lease while it works, and records
//! the outcome. A job whose lease ran out (its instance died) is claimed
//! again by whoever asks next.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, Statement, sea_query::Expr,
};

use super::entity as job;

pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";
pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";

/// The `i`-th bound value: `$i` on PostgreSQL, `?i` on SQLite (numbered,
/// so one value can be used twice).
fn placeholder(backend: DatabaseBackend, i: usize) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("${i}"),
        _ => format!("?{i}"),
    }
}

/// A job to put on the queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: &'static str,
    pub payload: serde_json::Value,
    /// At most one job of this kind with this key, ever.
    pub unique_key: Option<String>,
    pub run_after: DateTime<Utc>,
    pub max_attempts: i32,
}

impl NewJob {
    pub fn now(kind: &'static str, payload: serde_json::Value, now: DateTime<Utc>) -> Self {
        Self {
            kind,
            payload,
            unique_key: None,
            run_after: now,
            max_attempts: 5,
        }
    }

    #[must_use]
    pub fn unique(mut self, key: impl Into<String>) -> Self {
        self.unique_key = Some(key.into());
        self
    }
}

/// Puts a job on the queue. A job with the same kind and unique key that
/// already exists is left as it is (`None`).
pub async fn enqueue(
    db: &impl ConnectionTrait,
    new: NewJob,
    now: DateTime<Utc>,
) -> Result<Option<i32>, DbErr> {
    let backend = db.get_database_backend();
    let p = |i: usize| placeholder(backend, i);
    let sql = format!(
        "INSERT INTO jobs (kind, payload, unique_key, status, run_after, attempts, max_attempts, \
         progress, error, result, created_at, updated_at) \
         VALUES ({}, {}, {}, '{QUEUED}', {}, 0, {}, 0, '', '', {}, {}) \
         ON CONFLICT (kind, unique_key) DO NOTHING RETURNING id",
        p(1),
        p(2),
        p(3),
        p(4),
        p(5),
        p(6),
        p(7)
    );
    let row = db
        .query_one(Statement::from_sql_and_values(
            backend,
            sql,
            [
                new.kind.into(),
                new.payload.to_string().into(),
                new.unique_key.into(),
                new.run_after.into(),
                new.max_attempts.into(),
                now.into(),
                now.into(),
            ],
        ))
        .await?;
    row.map(|r| r.try_get::<i32>("", "id")).transpose()
}

/// Claims the oldest due job (queued and due, or running with an expired
/// lease) for `instance` until `now + lease`, counting an attempt. Jobs
/// whose attempts are used up are marked failed instead.
pub async fn claim(
    db: &impl ConnectionTrait,
    instance: &str,
    kinds: &[&str],
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Option<job::Model>, DbErr> {
    if kinds.is_empty() {
        return Ok(None);
    }
    let backend = db.get_database_backend();
    let pg = backend == DatabaseBackend::Postgres;
    let p = |i: usize| placeholder(backend, i);
    let kind_list: Vec<String> = (0..kinds.len()).map(|i| p(4 + i)).collect();
    let lock = if pg { "FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "UPDATE jobs SET status = '{RUNNING}', locked_by = {}, locked_until = {}, \
         attempts = attempts + 1, updated_at = {} \
         WHERE id = (SELECT id FROM jobs \
           WHERE ((status = '{QUEUED}' AND run_after <= {}) \
               OR (status = '{RUNNING}' AND locked_until < {})) \
             AND kind IN ({}) \
           ORDER BY run_after, id LIMIT 1 {lock}) \
         RETURNING *",
        p(1),
        p(2),
        p(3),
        p(3),
        p(3),
        kind_list.join(", ")
    );
    let mut values: Vec<sea_orm::Value> = vec![instance.into(), (now + lease).into(), now.into()];
    values.extend(kinds.iter().map(|k| (*k).into()));
    let row = db
        .query_one(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let Some(row) = row else { return Ok(None) };
    let claimed = job::Model::from_query_result(&row, "")?;
    if claimed.attempts > claimed.max_attempts {
        finish(
            db,
            claimed.id,
            instance,
            FAILED,
            "",
            "too many attempts: the instance running it stopped each time",
            now,
        )
        .await?;
        return Ok(None);
    }
    Ok(Some(claimed))
}

/// Extends the lease of a job this instance holds. `false` when the job is
/// no longer ours (the lease ran out and another instance took it).
pub async fn renew(
    db: &impl ConnectionTrait,
    id: i32,
    instance: &str,
    lease: Duration,
    progress: Option<i32>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = job::Entity::update_many()
        .col_expr(job::Column::LockedUntil, Expr::value(now + lease))
        .col_expr(job::Column::UpdatedAt, Expr::value(now));
    if let Some(p) = progress {
        update = update.col_expr(job::Column::Progress, Expr::value(p.clamp(0, 100)));
    }
    let done = update
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::LockedBy.eq(instance))
        .filter(job::Column::Status.eq(RUNNING))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Records the outcome of a job this instance holds.
pub async fn finish(
    db: &impl ConnectionTrait,
    id: i32,
    instance: &str,
    status: &str,
    result: &str,
    error: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(status))
        .col_expr(job::Column::Result, Expr::value(result))
        .col_expr(job::Column::Error, Expr::value(error))
        .col_expr(
            job::Column::Progress,
            Expr::value(if status == SUCCEEDED { 100 } else { 0 }),
        )
        .col_expr(
            job::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(job::Column::FinishedAt, Expr::value(now))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::LockedBy.eq(instance))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Puts a failed attempt back on the queue to run again after `delay`.
pub async fn retry_later(
    db: &impl ConnectionTrait,
    id: i32,
    instance: &str,
    error: &str,
    run_after: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(QUEUED))
        .col_expr(job::Column::Error, Expr::value(error))
        .col_expr(job::Column::RunAfter, Expr::value(run_after))
        .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            job::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::LockedBy.eq(instance))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Deletes succeeded and failed jobs finished before `before`. Periodic
/// runs keep their slot key only as long as they are kept; an old slot is
/// never run again because its time has passed.
pub async fn delete_finished_before(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(job::Entity::delete_many()
        .filter(job::Column::Status.is_in([SUCCEEDED, FAILED]))
        .filter(job::Column::FinishedAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Option<job::Model>, DbErr> {
    job::Entity::find_by_id(id).one(db).await
}

/// Jobs of a kind, newest first (for pages and tests).
pub async fn of_kind(db: &impl ConnectionTrait, kind: &str) -> Result<Vec<job::Model>, DbErr> {
    use sea_orm::QueryOrder;
    job::Entity::find()
        .filter(job::Column::Kind.eq(kind))
        .order_by_desc(job::Column::Id)
        .all(db)
        .await
}
