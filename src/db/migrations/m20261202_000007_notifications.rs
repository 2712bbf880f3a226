//! The outbox of messages to customers: written in the same transaction
//! as the change that causes them, sent by a job, at most one per order
//! and trigger.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    OrderId,
    CustomerId,
    /// confirmed / delivered / failed
    Trigger,
    /// log / sms_http
    Channel,
    /// National digits.
    Recipient,
    Body,
    /// queued / sent / failed / skipped
    Status,
    Attempts,
    /// The last error or the reason it was not sent.
    Error,
    /// What the provider answered last (status and the start of the body).
    ProviderAnswer,
    SendAfter,
    CreatedAt,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(pk_auto(Notifications::Id))
                    .col(integer(Notifications::OrderId))
                    .col(integer(Notifications::CustomerId))
                    .col(string_len(Notifications::Trigger, 20))
                    .col(string_len(Notifications::Channel, 20))
                    .col(string_len(Notifications::Recipient, 20))
                    .col(text(Notifications::Body))
                    .col(string_len(Notifications::Status, 12))
                    .col(integer(Notifications::Attempts))
                    .col(text(Notifications::Error))
                    .col(text(Notifications::ProviderAnswer))
                    .col(timestamp_with_time_zone(Notifications::SendAfter))
                    .col(timestamp_with_time_zone(Notifications::CreatedAt))
                    .col(timestamp_with_time_zone_null(Notifications::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_notifications_order_trigger")
                    .table(Notifications::Table)
                    .col(Notifications::OrderId)
                    .col(Notifications::Trigger)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notifications_customer")
                    .table(Notifications::Table)
                    .col(Notifications::CustomerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Notifications::Table).to_owned())
            .await
    }
}
