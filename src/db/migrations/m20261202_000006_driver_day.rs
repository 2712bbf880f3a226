//! The driver's day: routes record when they started and ended and what was
//! loaded and handed in; stops when the driver arrived. Each outcome a
//! driver reports is kept (`stop_reports`), each action key once
//! (`driver_actions`), payments from drivers and the office (`payments`),
//! positions (`driver_positions`) and photos and signatures (`attachments`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Routes {
    Table,
    StartedAt,
    EndedAt,
    /// JSON `{"50": n, …}` counted onto the truck at the start.
    Loaded,
    /// JSON: what the driver brought back (full cylinders, cash).
    Returned,
    HandedInAt,
    HandedInBy,
    HandInNote,
}

#[derive(DeriveIden)]
enum RouteStops {
    Table,
    ArrivedAt,
}

#[derive(DeriveIden)]
enum StopReports {
    Table,
    Id,
    OrderId,
    RouteId,
    UserId,
    /// delivered / failed
    Outcome,
    /// JSON per size.
    Delivered,
    Empties,
    CashAmount,
    PaymentMethod,
    Reason,
    Note,
    PhotoId,
    SignatureId,
    DeviceAt,
    ServerAt,
    Lat,
    Lon,
    Accuracy,
    /// Metres from the customer's pin, when both are known and usable.
    DistanceM,
    Far,
    /// False when the office had cancelled or moved the order first.
    Applied,
    Problem,
}

#[derive(DeriveIden)]
enum DriverActions {
    Table,
    Key,
    UserId,
    Kind,
    BodyHash,
    Status,
    Response,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    OrderId,
    CustomerId,
    Amount,
    Method,
    ReceivedAt,
    RecordedBy,
    /// driver / office
    Source,
    Note,
}

#[derive(DeriveIden)]
enum DriverPositions {
    Table,
    Id,
    UserId,
    RouteId,
    Lat,
    Lon,
    Accuracy,
    DeviceAt,
    ServerAt,
    /// Inside Taiwan and accurate to 1 km: good enough to judge distance.
    Usable,
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    Key,
    Kind,
    ContentType,
    Bytes,
    Size,
    UploadedBy,
    CreatedAt,
}

async fn add(
    manager: &SchemaManager<'_>,
    table: impl IntoIden + 'static,
    mut col: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).add_column(&mut col).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add(
            manager,
            Routes::Table,
            timestamp_with_time_zone_null(Routes::StartedAt),
        )
        .await?;
        add(
            manager,
            Routes::Table,
            timestamp_with_time_zone_null(Routes::EndedAt),
        )
        .await?;
        add(
            manager,
            Routes::Table,
            text(Routes::Loaded).default("").to_owned(),
        )
        .await?;
        add(
            manager,
            Routes::Table,
            text(Routes::Returned).default("").to_owned(),
        )
        .await?;
        add(
            manager,
            Routes::Table,
            timestamp_with_time_zone_null(Routes::HandedInAt),
        )
        .await?;
        add(manager, Routes::Table, integer_null(Routes::HandedInBy)).await?;
        add(
            manager,
            Routes::Table,
            text(Routes::HandInNote).default("").to_owned(),
        )
        .await?;
        add(
            manager,
            RouteStops::Table,
            timestamp_with_time_zone_null(RouteStops::ArrivedAt),
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(StopReports::Table)
                    .col(pk_auto(StopReports::Id))
                    .col(integer(StopReports::OrderId))
                    .col(integer(StopReports::RouteId))
                    .col(integer(StopReports::UserId))
                    .col(string_len(StopReports::Outcome, 12))
                    .col(text(StopReports::Delivered))
                    .col(text(StopReports::Empties))
                    .col(big_integer(StopReports::CashAmount))
                    .col(string_len(StopReports::PaymentMethod, 20))
                    .col(string_len(StopReports::Reason, 20))
                    .col(text(StopReports::Note))
                    .col(integer_null(StopReports::PhotoId))
                    .col(integer_null(StopReports::SignatureId))
                    .col(timestamp_with_time_zone_null(StopReports::DeviceAt))
                    .col(timestamp_with_time_zone(StopReports::ServerAt))
                    .col(double_null(StopReports::Lat))
                    .col(double_null(StopReports::Lon))
                    .col(double_null(StopReports::Accuracy))
                    .col(integer_null(StopReports::DistanceM))
                    .col(boolean(StopReports::Far))
                    .col(boolean(StopReports::Applied))
                    .col(text(StopReports::Problem))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_stop_reports_order")
                    .table(StopReports::Table)
                    .col(StopReports::OrderId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_stop_reports_route")
                    .table(StopReports::Table)
                    .col(StopReports::RouteId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DriverActions::Table)
                    .col(string_len(DriverActions::Key, 80).primary_key())
                    .col(integer(DriverActions::UserId))
                    .col(string_len(DriverActions::Kind, 20))
                    .col(string_len(DriverActions::BodyHash, 64))
                    .col(integer(DriverActions::Status))
                    .col(text(DriverActions::Response))
                    .col(timestamp_with_time_zone(DriverActions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Payments::Table)
                    .col(pk_auto(Payments::Id))
                    .col(integer_null(Payments::OrderId))
                    .col(integer(Payments::CustomerId))
                    .col(big_integer(Payments::Amount))
                    .col(string_len(Payments::Method, 20))
                    .col(timestamp_with_time_zone(Payments::ReceivedAt))
                    .col(integer_null(Payments::RecordedBy))
                    .col(string_len(Payments::Source, 12))
                    .col(text(Payments::Note))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_payments_customer")
                    .table(Payments::Table)
                    .col(Payments::CustomerId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_payments_order")
                    .table(Payments::Table)
                    .col(Payments::OrderId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DriverPositions::Table)
                    .col(pk_auto(DriverPositions::Id))
                    .col(integer(DriverPositions::UserId))
                    .col(integer_null(DriverPositions::RouteId))
                    .col(double(DriverPositions::Lat))
                    .col(double(DriverPositions::Lon))
                    .col(double_null(DriverPositions::Accuracy))
                    .col(timestamp_with_time_zone_null(DriverPositions::DeviceAt))
                    .col(timestamp_with_time_zone(DriverPositions::ServerAt))
                    .col(boolean(DriverPositions::Usable))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_driver_positions_user_time")
                    .table(DriverPositions::Table)
                    .col(DriverPositions::UserId)
                    .col(DriverPositions::ServerAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Attachments::Table)
                    .col(pk_auto(Attachments::Id))
                    .col(string_len(Attachments::Key, 80).unique_key())
                    .col(string_len(Attachments::Kind, 12))
                    .col(string_len(Attachments::ContentType, 40))
                    .col(blob(Attachments::Bytes))
                    .col(integer(Attachments::Size))
                    .col(integer(Attachments::UploadedBy))
                    .col(timestamp_with_time_zone(Attachments::CreatedAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Attachments::Table.into_iden(),
            DriverPositions::Table.into_iden(),
            Payments::Table.into_iden(),
            DriverActions::Table.into_iden(),
            StopReports::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}
