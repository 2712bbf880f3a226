//! Embedded migrations, run at start and by `luckygas migrate`. A migration
//! on main is never edited; a change is a new migration.

use sea_orm_migration::prelude::*;

mod m20261129_000001_foundation;
mod m20261130_000002_customers_orders;
mod m20261130_000003_fleet_routes;
mod m20261201_000004_counters_jobs;
mod m20261201_000005_customer_location;
mod m20261202_000006_driver_day;
mod m20261202_000007_notifications;

pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_foundation::Migration),
            Box::new(m20261130_000002_customers_orders::Migration),
            Box::new(m20261130_000003_fleet_routes::Migration),
            Box::new(m20261201_000004_counters_jobs::Migration),
            Box::new(m20261201_000005_customer_location::Migration),
            Box::new(m20261202_000006_driver_day::Migration),
            Box::new(m20261202_000007_notifications::Migration),
        ]
    }
}
