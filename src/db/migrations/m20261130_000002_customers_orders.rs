//! Customers with phones, prices, orders with lines and timeline, order
//! number counters and recurring order templates.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
    Code,
    Name,
    Kind,
    ContactPerson,
    Address,
    District,
    Lat,
    Lon,
    DeliveryWindows,
    ServiceMinutes,
    Floor,
    AccessNote,
    #[sea_orm(iden = "cylinders_50")]
    Cylinders50,
    #[sea_orm(iden = "cylinders_20")]
    Cylinders20,
    #[sea_orm(iden = "cylinders_16")]
    Cylinders16,
    #[sea_orm(iden = "cylinders_10")]
    Cylinders10,
    #[sea_orm(iden = "cylinders_4")]
    Cylinders4,
    Deposit,
    PaymentTerms,
    TaxId,
    InvoiceTitle,
    SmsOptOut,
    Notes,
    Active,
    SearchText,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CustomerPhones {
    Table,
    Id,
    CustomerId,
    Phone,
    IsPrimary,
    Label,
}

#[derive(DeriveIden)]
enum Prices {
    Table,
    Id,
    Size,
    Price,
    ValidFrom,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CustomerPrices {
    Table,
    Id,
    CustomerId,
    Size,
    Price,
    ValidFrom,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    OrderNumber,
    CustomerId,
    RequestedDate,
    WindowStart,
    WindowEnd,
    Status,
    Source,
    PaymentMethod,
    Notes,
    TotalAmount,
    TemplateId,
    CreatedBy,
    PaidAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ImportFiles {
    Table,
    Id,
    Token,
    Kind,
    FileName,
    Content,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OrderLines {
    Table,
    Id,
    OrderId,
    Size,
    Quantity,
    UnitPrice,
    Amount,
}

#[derive(DeriveIden)]
enum OrderEvents {
    Table,
    Id,
    OrderId,
    ActorId,
    FromStatus,
    ToStatus,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OrderCounters {
    Table,
    Day,
    Last,
}

#[derive(DeriveIden)]
enum OrderTemplates {
    Table,
    Id,
    CustomerId,
    Lines,
    Rule,
    EveryNDays,
    Weekdays,
    StartDate,
    LastGenerated,
    PaymentMethod,
    Notes,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    CustomerId,
}

fn index(name: &str, table: impl IntoIden + 'static, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(c);
    }
    i
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Customers::Table)
                .col(pk_auto(Customers::Id))
                .col(string_uniq(Customers::Code))
                .col(string(Customers::Name))
                .col(string(Customers::Kind))
                .col(string(Customers::ContactPerson).default(""))
                .col(string(Customers::Address).default(""))
                .col(string(Customers::District).default(""))
                .col(double_null(Customers::Lat))
                .col(double_null(Customers::Lon))
                .col(string(Customers::DeliveryWindows).default(""))
                .col(integer(Customers::ServiceMinutes).default(5))
                .col(integer_null(Customers::Floor))
                .col(string(Customers::AccessNote).default(""))
                .col(integer(Customers::Cylinders50).default(0))
                .col(integer(Customers::Cylinders20).default(0))
                .col(integer(Customers::Cylinders16).default(0))
                .col(integer(Customers::Cylinders10).default(0))
                .col(integer(Customers::Cylinders4).default(0))
                .col(big_integer(Customers::Deposit).default(0))
                .col(string(Customers::PaymentTerms).default("cash"))
                .col(string_null(Customers::TaxId))
                .col(string(Customers::InvoiceTitle).default(""))
                .col(boolean(Customers::SmsOptOut).default(false))
                .col(text(Customers::Notes).default(""))
                .col(boolean(Customers::Active).default(true))
                .col(text(Customers::SearchText).default(""))
                .col(integer(Customers::Version).default(1))
                .col(timestamp_with_time_zone(Customers::CreatedAt))
                .col(timestamp_with_time_zone(Customers::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_customers_district",
            Customers::Table,
            vec![Customers::District.into_iden()],
        ))
        .await?;
        // Search scans this index alone (active, in code order, with the
        // search text) and reads only the matching rows.
        m.create_index(index(
            "idx_customers_search",
            Customers::Table,
            vec![
                Customers::Active.into_iden(),
                Customers::Code.into_iden(),
                Customers::SearchText.into_iden(),
            ],
        ))
        .await?;
        m.create_index(index(
            "idx_customers_name",
            Customers::Table,
            vec![Customers::Name.into_iden()],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(CustomerPhones::Table)
                .col(pk_auto(CustomerPhones::Id))
                .col(integer(CustomerPhones::CustomerId))
                .col(string_uniq(CustomerPhones::Phone))
                .col(boolean(CustomerPhones::IsPrimary).default(false))
                .col(string(CustomerPhones::Label).default(""))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_customer_phones_customer")
                        .from(CustomerPhones::Table, CustomerPhones::CustomerId)
                        .to(Customers::Table, Customers::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_customer_phones_customer",
            CustomerPhones::Table,
            vec![CustomerPhones::CustomerId.into_iden()],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Prices::Table)
                .col(pk_auto(Prices::Id))
                .col(string(Prices::Size))
                .col(big_integer(Prices::Price))
                .col(date(Prices::ValidFrom))
                .col(timestamp_with_time_zone(Prices::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "uq_prices_size_from",
                Prices::Table,
                vec![Prices::Size.into_iden(), Prices::ValidFrom.into_iden()],
            )
            .unique()
            .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CustomerPrices::Table)
                .col(pk_auto(CustomerPrices::Id))
                .col(integer(CustomerPrices::CustomerId))
                .col(string(CustomerPrices::Size))
                .col(big_integer(CustomerPrices::Price))
                .col(date(CustomerPrices::ValidFrom))
                .col(timestamp_with_time_zone(CustomerPrices::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_customer_prices_customer")
                        .from(CustomerPrices::Table, CustomerPrices::CustomerId)
                        .to(Customers::Table, Customers::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "uq_customer_prices",
                CustomerPrices::Table,
                vec![
                    CustomerPrices::CustomerId.into_iden(),
                    CustomerPrices::Size.into_iden(),
                    CustomerPrices::ValidFrom.into_iden(),
                ],
            )
            .unique()
            .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OrderTemplates::Table)
                .col(pk_auto(OrderTemplates::Id))
                .col(integer(OrderTemplates::CustomerId))
                .col(text(OrderTemplates::Lines))
                .col(string(OrderTemplates::Rule))
                .col(integer_null(OrderTemplates::EveryNDays))
                .col(string(OrderTemplates::Weekdays).default(""))
                .col(date(OrderTemplates::StartDate))
                .col(date_null(OrderTemplates::LastGenerated))
                .col(string(OrderTemplates::PaymentMethod).default("cash"))
                .col(text(OrderTemplates::Notes).default(""))
                .col(boolean(OrderTemplates::Active).default(true))
                .col(integer(OrderTemplates::Version).default(1))
                .col(timestamp_with_time_zone(OrderTemplates::CreatedAt))
                .col(timestamp_with_time_zone(OrderTemplates::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_order_templates_customer")
                        .from(OrderTemplates::Table, OrderTemplates::CustomerId)
                        .to(Customers::Table, Customers::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Orders::Table)
                .col(pk_auto(Orders::Id))
                .col(string_uniq(Orders::OrderNumber))
                .col(integer(Orders::CustomerId))
                .col(date(Orders::RequestedDate))
                .col(string_null(Orders::WindowStart))
                .col(string_null(Orders::WindowEnd))
                .col(string(Orders::Status))
                .col(string(Orders::Source))
                .col(string(Orders::PaymentMethod))
                .col(text(Orders::Notes).default(""))
                .col(big_integer(Orders::TotalAmount).default(0))
                .col(integer_null(Orders::TemplateId))
                .col(integer_null(Orders::CreatedBy))
                .col(timestamp_with_time_zone_null(Orders::PaidAt))
                .col(integer(Orders::Version).default(1))
                .col(timestamp_with_time_zone(Orders::CreatedAt))
                .col(timestamp_with_time_zone(Orders::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_orders_customer")
                        .from(Orders::Table, Orders::CustomerId)
                        .to(Customers::Table, Customers::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_orders_template")
                        .from(Orders::Table, Orders::TemplateId)
                        .to(OrderTemplates::Table, OrderTemplates::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_orders_created_by")
                        .from(Orders::Table, Orders::CreatedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_orders_date_status",
            Orders::Table,
            vec![
                Orders::RequestedDate.into_iden(),
                Orders::Status.into_iden(),
            ],
        ))
        .await?;
        m.create_index(index(
            "idx_orders_customer",
            Orders::Table,
            vec![Orders::CustomerId.into_iden()],
        ))
        .await?;
        // A template makes at most one order per date (NULLs never collide).
        m.create_index(
            index(
                "uq_orders_template_date",
                Orders::Table,
                vec![
                    Orders::TemplateId.into_iden(),
                    Orders::RequestedDate.into_iden(),
                ],
            )
            .unique()
            .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OrderLines::Table)
                .col(pk_auto(OrderLines::Id))
                .col(integer(OrderLines::OrderId))
                .col(string(OrderLines::Size))
                .col(integer(OrderLines::Quantity))
                .col(big_integer(OrderLines::UnitPrice))
                .col(big_integer(OrderLines::Amount))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_order_lines_order")
                        .from(OrderLines::Table, OrderLines::OrderId)
                        .to(Orders::Table, Orders::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_order_lines_order",
            OrderLines::Table,
            vec![OrderLines::OrderId.into_iden()],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(OrderEvents::Table)
                .col(pk_auto(OrderEvents::Id))
                .col(integer(OrderEvents::OrderId))
                .col(integer_null(OrderEvents::ActorId))
                .col(string_null(OrderEvents::FromStatus))
                .col(string(OrderEvents::ToStatus))
                .col(text(OrderEvents::Note).default(""))
                .col(timestamp_with_time_zone(OrderEvents::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_order_events_order")
                        .from(OrderEvents::Table, OrderEvents::OrderId)
                        .to(Orders::Table, Orders::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_order_events_actor")
                        .from(OrderEvents::Table, OrderEvents::ActorId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_order_events_order",
            OrderEvents::Table,
            vec![OrderEvents::OrderId.into_iden()],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(OrderCounters::Table)
                .col(string(OrderCounters::Day).primary_key())
                .col(integer(OrderCounters::Last))
                .to_owned(),
        )
        .await?;

        // A customer-role account sees only its own customer.
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(integer_null(Users::CustomerId))
                .to_owned(),
        )
        .await?;

        // An uploaded spreadsheet between its dry run and the real import.
        m.create_table(
            Table::create()
                .table(ImportFiles::Table)
                .col(pk_auto(ImportFiles::Id))
                .col(string_uniq(ImportFiles::Token))
                .col(string(ImportFiles::Kind))
                .col(string(ImportFiles::FileName))
                .col(blob(ImportFiles::Content))
                .col(integer_null(ImportFiles::CreatedBy))
                .col(timestamp_with_time_zone(ImportFiles::CreatedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(Users::CustomerId)
                .to_owned(),
        )
        .await?;
        for t in [
            ImportFiles::Table.into_iden(),
            OrderCounters::Table.into_iden(),
            OrderEvents::Table.into_iden(),
            OrderLines::Table.into_iden(),
            Orders::Table.into_iden(),
            OrderTemplates::Table.into_iden(),
            CustomerPrices::Table.into_iden(),
            Prices::Table.into_iden(),
            CustomerPhones::Table.into_iden(),
            Customers::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
