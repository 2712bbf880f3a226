//! The audit log: who changed what, when, with the row before and after.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryOrder, QuerySelect, Set, entity::prelude::*};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub actor_id: Option<i32>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// One audit entry; `before`/`after` are the changed row as JSON.
pub struct Entry<'a> {
    pub actor_id: Option<i32>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub async fn record(
    db: &impl ConnectionTrait,
    entry: Entry<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    ActiveModel {
        actor_id: Set(entry.actor_id),
        action: Set(entry.action.to_owned()),
        entity: Set(entry.entity.to_owned()),
        entity_id: Set(entry.entity_id),
        before: Set(entry.before.map(|v| v.to_string())),
        after: Set(entry.after.map(|v| v.to_string())),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// "role: office_staff → manager" for the fields that changed.
pub fn describe_change(before: Option<&str>, after: Option<&str>) -> String {
    let parse = |s: Option<&str>| {
        s.and_then(|s| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(s).ok())
            .unwrap_or_default()
    };
    let show = |v: &serde_json::Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    // A creation lists no fields: the row itself shows them.
    if before.is_none() {
        return String::new();
    }
    let (b, a) = (parse(before), parse(after));
    a.iter()
        .filter(|(k, v)| b.get(*k) != Some(v))
        .map(|(k, v)| match b.get(k) {
            Some(old) => format!("{k}: {} → {}", show(old), show(v)),
            None => format!("{k}: {}", show(v)),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Latest entries about one row, newest first.
pub async fn for_entity(
    db: &impl ConnectionTrait,
    entity: &str,
    entity_id: &str,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::Entity.eq(entity))
        .filter(Column::EntityId.eq(entity_id))
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await
}

pub async fn count_since(db: &impl ConnectionTrait, since: DateTime<Utc>) -> Result<u64, DbErr> {
    Entity::find()
        .filter(Column::CreatedAt.gte(since))
        .count(db)
        .await
}
