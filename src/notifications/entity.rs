//! The `notifications` table: the outbox and its history.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: i32,
    pub customer_id: i32,
    /// `confirmed`, `delivered`, `failed`.
    pub trigger: String,
    /// The channel that sent it (`log`, `sms_http`); empty until sent.
    pub channel: String,
    /// National digits.
    pub recipient: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// `queued`, `sent`, `failed`, `skipped`.
    pub status: String,
    pub attempts: i32,
    #[sea_orm(column_type = "Text")]
    pub error: String,
    #[sea_orm(column_type = "Text")]
    pub provider_answer: String,
    pub send_after: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
