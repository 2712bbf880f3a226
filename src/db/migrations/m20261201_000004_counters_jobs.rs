//! Counters get a name that says they are not only for orders, and the
//! `jobs` table for background work that must run once across instances.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    /// What to do, as the kind's JSON.
    Payload,
    /// Jobs of a kind with the same key are one job (a daily run per day).
    UniqueKey,
    /// queued / running / succeeded / failed
    Status,
    RunAfter,
    Attempts,
    MaxAttempts,
    /// The instance running it, and until when its claim holds.
    LockedBy,
    LockedUntil,
    Progress,
    Error,
    /// What the job reports when done, as JSON.
    Result,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE order_counters RENAME TO counters")
            .await?;
        db.execute_unprepared("ALTER TABLE counters RENAME COLUMN day TO name")
            .await?;
        db.execute_unprepared("ALTER TABLE counters RENAME COLUMN last TO value")
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(pk_auto(Jobs::Id))
                    .col(string_len(Jobs::Kind, 40))
                    .col(text(Jobs::Payload))
                    .col(string_len_null(Jobs::UniqueKey, 120))
                    .col(string_len(Jobs::Status, 12))
                    .col(timestamp_with_time_zone(Jobs::RunAfter))
                    .col(integer(Jobs::Attempts))
                    .col(integer(Jobs::MaxAttempts))
                    .col(string_len_null(Jobs::LockedBy, 64))
                    .col(timestamp_with_time_zone_null(Jobs::LockedUntil))
                    .col(integer(Jobs::Progress))
                    .col(text(Jobs::Error))
                    .col(text(Jobs::Result))
                    .col(timestamp_with_time_zone(Jobs::CreatedAt))
                    .col(timestamp_with_time_zone(Jobs::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Jobs::FinishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_jobs_kind_key")
                    .table(Jobs::Table)
                    .col(Jobs::Kind)
                    .col(Jobs::UniqueKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_jobs_due")
                    .table(Jobs::Table)
                    .col(Jobs::Status)
                    .col(Jobs::RunAfter)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Jobs::Table).to_owned())
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE counters RENAME COLUMN value TO last")
            .await?;
        db.execute_unprepared("ALTER TABLE counters RENAME COLUMN name TO day")
            .await?;
        db.execute_unprepared("ALTER TABLE counters RENAME TO order_counters")
            .await?;
        Ok(())
    }
}
