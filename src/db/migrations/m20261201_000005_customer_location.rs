//! Customers record where their coordinates came from: set by hand,
//! found from the address, approximate (the provider knew only the street
//! or area, or the district's centre stands in), or missing.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Customers {
    Table,
    LocationSource,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(string_len(Customers::LocationSource, 12).default("missing"))
                    .to_owned(),
            )
            .await?;
        // Coordinates stored before this were typed or picked on the map.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE customers SET location_source = 'manual' WHERE lat IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .drop_column(Customers::LocationSource)
                    .to_owned(),
            )
            .await
    }
}
