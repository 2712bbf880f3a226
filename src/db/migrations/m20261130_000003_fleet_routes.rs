//! Trucks, drivers, and route plans: one plan per delivery date, its routes
//! and their stops.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveIden)]
enum Vehicles {
    Table,
    Id,
    Plate,
    Label,
    CapacityKg,
    CapacitySlots,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Drivers {
    Table,
    Id,
    UserId,
    Name,
    Phone,
    VehicleId,
    ShiftStart,
    ShiftEnd,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
    PlanDate,
    Status,
    DistanceM,
    NaiveDistanceM,
    Unassigned,
    Snapshot,
    ComputedAt,
    ComputedBy,
    PublishedAt,
    PublishedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Routes {
    Table,
    Id,
    PlanId,
    PlanDate,
    RouteNumber,
    Seq,
    VehicleId,
    DriverId,
    Status,
    DistanceM,
    StartS,
    EndS,
    LoadKg,
    LoadSlots,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RouteStops {
    Table,
    Id,
    RouteId,
    OrderId,
    Sequence,
    ArrivalS,
    DepartureS,
    Locked,
    Change,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
}

fn fk(
    name: &str,
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
    to: (impl IntoIden + 'static, impl IntoIden + 'static),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Vehicles::Table)
                .col(pk_auto(Vehicles::Id))
                .col(string_uniq(Vehicles::Plate))
                .col(string(Vehicles::Label).default(""))
                .col(integer(Vehicles::CapacityKg))
                .col(integer(Vehicles::CapacitySlots))
                .col(boolean(Vehicles::Active).default(true))
                .col(integer(Vehicles::Version).default(1))
                .col(timestamp_with_time_zone(Vehicles::CreatedAt))
                .col(timestamp_with_time_zone(Vehicles::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Drivers::Table)
                .col(pk_auto(Drivers::Id))
                .col(integer_null(Drivers::UserId).unique_key())
                .col(string(Drivers::Name))
                .col(string(Drivers::Phone).default(""))
                .col(integer_null(Drivers::VehicleId))
                .col(string(Drivers::ShiftStart).default("08:00"))
                .col(string(Drivers::ShiftEnd).default("18:00"))
                .col(boolean(Drivers::Active).default(true))
                .col(integer(Drivers::Version).default(1))
                .col(timestamp_with_time_zone(Drivers::CreatedAt))
                .col(timestamp_with_time_zone(Drivers::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_drivers_user",
                    (Drivers::Table, Drivers::UserId),
                    (Users::Table, Users::Id),
                    ForeignKeyAction::SetNull,
                ))
                .foreign_key(&mut fk(
                    "fk_drivers_vehicle",
                    (Drivers::Table, Drivers::VehicleId),
                    (Vehicles::Table, Vehicles::Id),
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Plans::Table)
                .col(pk_auto(Plans::Id))
                .col(date(Plans::PlanDate).unique_key())
                .col(string(Plans::Status))
                .col(big_integer(Plans::DistanceM).default(0))
                .col(big_integer(Plans::NaiveDistanceM).default(0))
                .col(text(Plans::Unassigned).default("[]"))
                .col(text(Plans::Snapshot).default("{}"))
                .col(timestamp_with_time_zone(Plans::ComputedAt))
                .col(integer_null(Plans::ComputedBy))
                .col(timestamp_with_time_zone_null(Plans::PublishedAt))
                .col(integer_null(Plans::PublishedBy))
                .col(integer(Plans::Version).default(1))
                .col(timestamp_with_time_zone(Plans::CreatedAt))
                .col(timestamp_with_time_zone(Plans::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Routes::Table)
                .col(pk_auto(Routes::Id))
                .col(integer(Routes::PlanId))
                .col(date(Routes::PlanDate))
                .col(string_null(Routes::RouteNumber).unique_key())
                .col(integer(Routes::Seq))
                .col(integer(Routes::VehicleId))
                .col(integer_null(Routes::DriverId))
                .col(string(Routes::Status))
                .col(big_integer(Routes::DistanceM).default(0))
                .col(integer(Routes::StartS).default(0))
                .col(integer(Routes::EndS).default(0))
                .col(integer(Routes::LoadKg).default(0))
                .col(integer(Routes::LoadSlots).default(0))
                .col(integer(Routes::Version).default(1))
                .col(timestamp_with_time_zone(Routes::CreatedAt))
                .col(timestamp_with_time_zone(Routes::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_routes_plan",
                    (Routes::Table, Routes::PlanId),
                    (Plans::Table, Plans::Id),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_routes_vehicle",
                    (Routes::Table, Routes::VehicleId),
                    (Vehicles::Table, Vehicles::Id),
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_routes_driver",
                    (Routes::Table, Routes::DriverId),
                    (Drivers::Table, Drivers::Id),
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_routes_date")
                .table(Routes::Table)
                .col(Routes::PlanDate)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RouteStops::Table)
                .col(pk_auto(RouteStops::Id))
                .col(integer(RouteStops::RouteId))
                .col(integer(RouteStops::OrderId).unique_key())
                .col(integer(RouteStops::Sequence))
                .col(integer(RouteStops::ArrivalS).default(0))
                .col(integer(RouteStops::DepartureS).default(0))
                .col(boolean(RouteStops::Locked).default(false))
                .col(string(RouteStops::Change).default(""))
                .foreign_key(&mut fk(
                    "fk_route_stops_route",
                    (RouteStops::Table, RouteStops::RouteId),
                    (Routes::Table, Routes::Id),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_route_stops_order",
                    (RouteStops::Table, RouteStops::OrderId),
                    (Orders::Table, Orders::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_route_stops_route")
                .table(RouteStops::Table)
                .col(RouteStops::RouteId)
                .col(RouteStops::Sequence)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            RouteStops::Table.into_iden(),
            Routes::Table.into_iden(),
            Plans::Table.into_iden(),
            Drivers::Table.into_iden(),
            Vehicles::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
