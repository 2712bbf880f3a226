//! The `orders`, `order_lines` and `order_events` tables.

pub mod order {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "orders")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        #[sea_orm(unique)]
        pub order_number: String,
        pub customer_id: i32,
        pub requested_date: Date,
        pub window_start: Option<String>,
        pub window_end: Option<String>,
        pub status: String,
        pub source: String,
        pub payment_method: String,
        pub notes: String,
        pub total_amount: i64,
        pub template_id: Option<i32>,
        pub created_by: Option<i32>,
        /// When the money was received; `None` for an unpaid delivery.
        pub paid_at: Option<DateTimeUtc>,
        pub version: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::line::Entity")]
        Lines,
        #[sea_orm(
            belongs_to = "crate::customers::entity::customer::Entity",
            from = "Column::CustomerId",
            to = "crate::customers::entity::customer::Column::Id"
        )]
        Customer,
    }

    impl Related<super::line::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Lines.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod line {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "order_lines")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub order_id: i32,
        pub size: String,
        pub quantity: i32,
        pub unit_price: i64,
        pub amount: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::order::Entity",
            from = "Column::OrderId",
            to = "super::order::Column::Id"
        )]
        Order,
    }

    impl Related<super::order::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Order.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}

    /// Cylinders per size (in `CylinderSize::ALL` order) of an order's lines.
    pub fn quantities_by_size(lines: &[Model]) -> [i32; 5] {
        let mut qty = [0; 5];
        for l in lines {
            if let Some(s) = crate::domain::CylinderSize::from_code(&l.size) {
                qty[s.index()] += l.quantity;
            }
        }
        qty
    }
}

pub mod event {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "order_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub order_id: i32,
        pub actor_id: Option<i32>,
        pub from_status: Option<String>,
        pub to_status: String,
        pub note: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod payment {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    /// Money received for an order (or on a customer's account): cash taken
    /// by a driver, a transfer or a month-end payment the office records.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "payments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub order_id: Option<i32>,
        pub customer_id: i32,
        pub amount: i64,
        pub method: String,
        pub received_at: DateTimeUtc,
        pub recorded_by: Option<i32>,
        /// `driver` or `office`.
        pub source: String,
        #[sea_orm(column_type = "Text")]
        pub note: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
