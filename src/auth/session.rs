//! Browser sessions: a random token in an HttpOnly cookie, stored hashed in
//! the `sessions` table so that logout and deactivation end it at once.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, entity::prelude::*,
    sea_query::Query,
};

use super::tokens::{hash_token, random_token};
use crate::users::entity as users;

pub const SESSION_COOKIE: &str = "lg_session";
/// An anonymous visitor's id, to bind the sign-in form's CSRF token.
pub const ANON_COOKIE: &str = "lg_anon";

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub user_id: i32,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Starts a session and returns the token for the cookie.
pub async fn create(
    db: &impl ConnectionTrait,
    user_id: i32,
    now: DateTime<Utc>,
    lifetime: Duration,
) -> Result<String, DbErr> {
    let token = random_token();
    ActiveModel {
        token_hash: Set(hash_token(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        expires_at: Set(now + lifetime),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The account behind a live session, in one query (the guard runs it on
/// every signed-in request). Whether the account is active is the
/// caller's check.
pub async fn find_user(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<users::Model>, DbErr> {
    let live = Query::select()
        .column(Column::UserId)
        .from(Entity)
        .and_where(Column::TokenHash.eq(hash_token(token)))
        .and_where(Column::ExpiresAt.gt(now))
        .to_owned();
    crate::users::queries::selected_by(db, live).await
}

pub async fn delete(db: &impl ConnectionTrait, token: &str) -> Result<(), DbErr> {
    Entity::delete_many()
        .filter(Column::TokenHash.eq(hash_token(token)))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of a user (deactivation, password reset).
pub async fn delete_for_user(db: &impl ConnectionTrait, user_id: i32) -> Result<(), DbErr> {
    Entity::delete_many()
        .filter(Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn count_live(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    Entity::find()
        .filter(Column::ExpiresAt.gt(now))
        .count(db)
        .await
}
