//! The `jobs` table: background work that survives a restart and runs on
//! one instance at a time.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub kind: String,
    /// What to do, as JSON the kind's handler reads.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    /// Jobs of one kind with the same key are one job (a periodic run's slot).
    pub unique_key: Option<String>,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub status: String,
    pub run_after: DateTimeUtc,
    pub attempts: i32,
    pub max_attempts: i32,
    /// The instance that holds the job, and until when its claim holds.
    pub locked_by: Option<String>,
    pub locked_until: Option<DateTimeUtc>,
    pub progress: i32,
    #[sea_orm(column_type = "Text")]
    pub error: String,
    #[sea_orm(column_type = "Text")]
    pub result: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
