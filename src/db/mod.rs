//! Database connection: SQLite (default, WAL, foreign keys on) or
//! PostgreSQL, from the same code.

pub mod counters;
pub mod migrations;

use std::{str::FromStr, time::Duration};

use anyhow::Context;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqlxSqliteConnector, TransactionTrait,
    sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use sea_orm_migration::MigratorTrait;

pub use migrations::Migrator;

pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    if url.starts_with("sqlite:") {
        let opts = SqliteConnectOptions::from_str(url)
            .with_context(|| "DATABASE_URL is not a valid SQLite URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Keep hot tables in memory: 32 MiB page cache per connection
            // and memory-mapped reads instead of a copy per page.
            .pragma("cache_size", "-32000")
            .pragma("mmap_size", "268435456")
            // SQLite has one writer; wait for it rather than fail.
            .busy_timeout(Duration::from_secs(10));
        if let Some(parent) = opts
            .get_filename()
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create database folder {}", parent.display()))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // A local file does not go away; skip the ping before each use.
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(opts)
            .await
            .context("cannot open the SQLite database")?;
        Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.max_connections(16)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(5))
            // A round trip saved on every query; a dead connection still
            // fails its query and is replaced.
            .test_before_acquire(false)
            .sqlx_logging(false);
        Database::connect(opts)
            .await
            .context("cannot connect to PostgreSQL")
    } else {
        anyhow::bail!("DATABASE_URL must start with sqlite:// or postgres://")
    }
}

/// Begins a transaction that will write. On SQLite it takes the write lock
/// at once (like `BEGIN IMMEDIATE`): a transaction that read first and then
/// wrote could otherwise fail with "database is locked" when another writer
/// committed in between; taking the lock first makes writers wait their
/// turn (up to the busy timeout) instead.
pub async fn begin_write(db: &impl TransactionTrait) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        txn.execute_unprepared("UPDATE counters SET value = value WHERE name = '-'")
            .await?;
    }
    Ok(txn)
}

/// Connects, brings the schema up to date, and connects again. SQLite
/// connections keep the schema they read when they opened: one opened while
/// the migrations ran could still miss a new index or table, so the pool
/// the application uses is opened after them.
pub async fn connect_migrated(url: &str) -> anyhow::Result<DatabaseConnection> {
    let db = connect(url).await?;
    migrate(&db).await?;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        db.close()
            .await
            .context("closing the migration connections")?;
        return connect(url).await;
    }
    Ok(db)
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("database migration failed")
}

/// Ready when the database answers and every migration has been applied.
pub async fn ready(db: &DatabaseConnection) -> Result<(), String> {
    db.execute_unprepared("SELECT 1")
        .await
        .map_err(|e| format!("database: {e}"))?;
    let pending = Migrator::get_pending_migrations(db)
        .await
        .map_err(|e| format!("migrations: {e}"))?;
    if pending.is_empty() {
        Ok(())
    } else {
        Err(format!("{} migration(s) pending", pending.len()))
    }
}

/// Splits an `IN (…)` list into pieces a statement can bind (SQLite allows
/// 999 variables).
pub fn in_chunks<T: Clone>(items: &[T]) -> impl Iterator<Item = Vec<T>> + '_ {
    items.chunks(900).map(<[T]>::to_vec)
}

/// `sqlite` or `postgres`, for the home page and logs.
pub fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => "SQLite",
        sea_orm::DatabaseBackend::Postgres => "PostgreSQL",
        sea_orm::DatabaseBackend::MySql => "MySQL",
    }
}
