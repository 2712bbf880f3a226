//! The `vehicles` (trucks), `drivers` and `depots` tables.

pub mod vehicle {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
    #[sea_orm(table_name = "vehicles")]
    #[schema(as = Vehicle)]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        #[sea_orm(unique)]
        pub plate: String,
        pub label: String,
        pub capacity_kg: i32,
        pub capacity_slots: i32,
        pub active: bool,
        pub version: i32,
        #[schema(value_type = String, format = DateTime)]
        pub created_at: DateTimeUtc,
        #[schema(value_type = String, format = DateTime)]
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod driver {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
    #[sea_orm(table_name = "drivers")]
    #[schema(as = Driver)]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        /// The sign-in account the driver uses on the phone, if any.
        pub user_id: Option<i32>,
        pub name: String,
        pub phone: String,
        /// The truck the driver usually drives.
        pub vehicle_id: Option<i32>,
        /// `HH:MM`, local time.
        pub shift_start: String,
        pub shift_end: String,
        pub active: bool,
        pub version: i32,
        #[schema(value_type = String, format = DateTime)]
        pub created_at: DateTimeUtc,
        #[schema(value_type = String, format = DateTime)]
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Where the trucks load and return.
pub mod depot {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "depots")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub address: String,
        pub lat: f64,
        pub lon: f64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
