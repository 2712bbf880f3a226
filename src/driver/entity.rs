//! The driver feature's tables: `stop_reports`, `driver_actions`,
//! `driver_positions` and `attachments`.

pub mod report {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    /// One outcome a driver reported at a stop. Kept even when it could not
    /// be applied (the office had cancelled or moved the order meanwhile).
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "stop_reports")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub order_id: i32,
        pub route_id: i32,
        pub user_id: i32,
        /// `delivered` or `failed`.
        pub outcome: String,
        /// JSON `{"50": n, …}`.
        #[sea_orm(column_type = "Text")]
        pub delivered: String,
        #[sea_orm(column_type = "Text")]
        pub empties: String,
        pub cash_amount: i64,
        pub payment_method: String,
        /// A failure's reason code (`not_home`, …).
        pub reason: String,
        #[sea_orm(column_type = "Text")]
        pub note: String,
        pub photo_id: Option<i32>,
        pub signature_id: Option<i32>,
        /// The phone's clock (kept, not trusted) and ours (the order).
        pub device_at: Option<DateTimeUtc>,
        pub server_at: DateTimeUtc,
        pub lat: Option<f64>,
        pub lon: Option<f64>,
        pub accuracy: Option<f64>,
        pub distance_m: Option<i32>,
        /// More than 300 m from the customer's pin.
        pub far: bool,
        pub applied: bool,
        #[sea_orm(column_type = "Text")]
        pub problem: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod action {
    use sea_orm::entity::prelude::*;

    /// A driver action's idempotency key and the answer it got first.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "driver_actions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub user_id: i32,
        pub kind: String,
        pub body_hash: String,
        pub status: i32,
        #[sea_orm(column_type = "Text")]
        pub response: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod position {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "driver_positions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub user_id: i32,
        pub route_id: Option<i32>,
        pub lat: f64,
        pub lon: f64,
        pub accuracy: Option<f64>,
        pub device_at: Option<DateTimeUtc>,
        pub server_at: DateTimeUtc,
        pub usable: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod attachment {
    use sea_orm::entity::prelude::*;

    /// A delivery photo or signature, uploaded once per client key.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "attachments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        #[sea_orm(unique)]
        pub key: String,
        /// `photo` or `signature`.
        pub kind: String,
        pub content_type: String,
        #[sea_orm(column_type = "Blob")]
        pub bytes: Vec<u8>,
        pub size: i32,
        pub uploaded_by: i32,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
