//! The `customers` and `customer_phones` tables.

pub mod customer {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "customers")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        #[sea_orm(unique)]
        pub code: String,
        pub name: String,
        pub kind: String,
        pub contact_person: String,
        pub address: String,
        pub district: String,
        pub lat: Option<f64>,
        pub lon: Option<f64>,
        /// Where `lat`/`lon` came from: `manual`, `geocoded`, `approximate`
        /// or `missing` (`domain::LocationSource`).
        pub location_source: String,
        /// `08:00-12:00, 14:00-17:00`; empty means any time.
        pub delivery_windows: String,
        pub service_minutes: i32,
        pub floor: Option<i32>,
        pub access_note: String,
        pub cylinders_50: i32,
        pub cylinders_20: i32,
        pub cylinders_16: i32,
        pub cylinders_10: i32,
        pub cylinders_4: i32,
        /// Cylinder deposits held, whole NT$.
        pub deposit: i64,
        pub payment_terms: String,
        pub tax_id: Option<String>,
        pub invoice_title: String,
        pub sms_opt_out: bool,
        pub notes: String,
        pub active: bool,
        /// Lower-case code, name, phone digits, address and contact, for search.
        #[serde(skip)]
        pub search_text: String,
        pub version: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::phone::Entity")]
        Phones,
    }

    impl Related<super::phone::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Phones.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}

    impl Model {
        /// Cylinders held, in `CylinderSize::ALL` order (50, 20, 16, 10, 4 kg).
        pub fn cylinder_counts(&self) -> [i32; 5] {
            [
                self.cylinders_50,
                self.cylinders_20,
                self.cylinders_16,
                self.cylinders_10,
                self.cylinders_4,
            ]
        }

        /// `50kg×2 20kg×1`, or `—` when none.
        pub fn cylinders_text(&self) -> String {
            let parts: Vec<String> = crate::domain::CylinderSize::ALL
                .iter()
                .zip(self.cylinder_counts())
                .filter(|(_, n)| *n > 0)
                .map(|(s, n)| format!("{}kg×{n}", s.code()))
                .collect();
            if parts.is_empty() {
                "—".into()
            } else {
                parts.join(" ")
            }
        }
    }
}

pub mod phone {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "customer_phones")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub customer_id: i32,
        /// National digits only: `0912345678`, `034567890`.
        #[sea_orm(unique)]
        pub phone: String,
        pub is_primary: bool,
        pub label: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::customer::Entity",
            from = "Column::CustomerId",
            to = "super::customer::Column::Id"
        )]
        Customer,
    }

    impl Related<super::customer::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Customer.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}
