//! The `plans`, `routes` and `route_stops` tables.

pub mod plan {
    use sea_orm::entity::prelude::*;

    /// One plan per delivery date: `draft` until published, `published`
    /// after, `changed` when a published plan has unpublished edits.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "plans")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        #[sea_orm(unique)]
        pub plan_date: Date,
        pub status: String,
        pub distance_m: i64,
        /// The same orders planned naively (by district, nearest neighbour).
        pub naive_distance_m: i64,
        /// JSON list of `{order_id, reason}` left out of the plan.
        #[sea_orm(column_type = "Text")]
        pub unassigned: String,
        /// JSON map order id → order version when the plan was computed.
        #[sea_orm(column_type = "Text")]
        pub snapshot: String,
        pub computed_at: DateTimeUtc,
        pub computed_by: Option<i32>,
        pub published_at: Option<DateTimeUtc>,
        pub published_by: Option<i32>,
        pub version: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod route {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "routes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub plan_id: i32,
        pub plan_date: Date,
        /// `R{YYYYMMDD}-{NN}`, given when the route is first published.
        pub route_number: Option<String>,
        /// Position in the plan (colour and order on the board).
        pub seq: i32,
        pub vehicle_id: i32,
        pub driver_id: Option<i32>,
        /// draft / published / in_progress / done
        pub status: String,
        pub distance_m: i64,
        /// Departure from and return to the depot, seconds after midnight.
        pub start_s: i32,
        pub end_s: i32,
        pub load_kg: i32,
        pub load_slots: i32,
        /// When the driver started and ended the route.
        pub started_at: Option<DateTimeUtc>,
        pub ended_at: Option<DateTimeUtc>,
        /// JSON `{"50": n, …}`: full cylinders counted onto the truck.
        #[sea_orm(column_type = "Text")]
        pub loaded: String,
        /// JSON: what the driver handed in at the end (`driver::handin`).
        #[sea_orm(column_type = "Text")]
        pub returned: String,
        /// The office's confirmation of the hand-in.
        pub handed_in_at: Option<DateTimeUtc>,
        pub handed_in_by: Option<i32>,
        #[sea_orm(column_type = "Text")]
        pub hand_in_note: String,
        pub version: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod stop {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "route_stops")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub route_id: i32,
        #[sea_orm(unique)]
        pub order_id: i32,
        /// 1-based position in the route.
        pub sequence: i32,
        /// Planned arrival and departure, seconds after midnight.
        pub arrival_s: i32,
        pub departure_s: i32,
        /// Kept on its truck when the rest is re-optimized.
        pub locked: bool,
        /// What a re-plan or an edit did since publishing: "" / added / moved.
        pub change: String,
        /// When the driver said they were there.
        pub arrived_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
