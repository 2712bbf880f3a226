//! Reading and changing accounts. Every change writes the audit log in the
//! same transaction.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait, sea_query::Expr,
};
use serde_json::json;

use super::{entity as users, form::NewUser};
use crate::{
    audit,
    auth::{AuthUser, Role, password, session},
    error::AppError,
    i18n::{Locale, Text},
};

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<users::Model>, AppError> {
    Ok(users::Entity::find()
        .order_by_asc(users::Column::Username)
        .all(db)
        .await?)
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<users::Model, AppError> {
    users::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// One account, if it exists.
pub async fn find(db: &impl ConnectionTrait, id: i32) -> Result<Option<users::Model>, AppError> {
    Ok(users::Entity::find_by_id(id).one(db).await?)
}

/// The account with this user name (already lower-case), if any.
pub async fn by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<users::Model>, AppError> {
    Ok(users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(db)
        .await?)
}

/// The account whose id the subquery selects (the guard's session lookup
/// runs it on every signed-in request, in one query).
pub async fn selected_by(
    db: &impl ConnectionTrait,
    ids: sea_orm::sea_query::SelectStatement,
) -> Result<Option<users::Model>, sea_orm::DbErr> {
    users::Entity::find()
        .filter(users::Column::Id.in_subquery(ids))
        .one(db)
        .await
}

/// Remembers a successful sign-in.
pub async fn record_sign_in(
    db: &impl ConnectionTrait,
    id: i32,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    users::Entity::update_many()
        .col_expr(users::Column::LastLoginAt, Expr::value(at))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Links a `customer`-role account to its customer record (or unlinks it).
pub async fn set_customer(
    db: &impl ConnectionTrait,
    id: i32,
    customer_id: Option<i32>,
) -> Result<(), AppError> {
    users::Entity::update_many()
        .col_expr(users::Column::CustomerId, Expr::value(customer_id))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The customer accounts linked to customer `customer_id`, by user name.
pub async fn linked_to(
    db: &impl ConnectionTrait,
    customer_id: i32,
) -> Result<Vec<users::Model>, AppError> {
    Ok(users::Entity::find()
        .filter(users::Column::CustomerId.eq(customer_id))
        .order_by_asc(users::Column::Username)
        .all(db)
        .await?)
}

/// Links a customer account to customer `customer_id` (or unlinks it with
/// `None`), recorded in the audit log. Only accounts with the customer role
/// can be linked; the caller checks that the customer exists.
pub async fn link_customer(
    db: &(impl TransactionTrait + ConnectionTrait),
    actor: &AuthUser,
    id: i32,
    customer_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<users::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let before = get(&txn, id).await?;
    if customer_id.is_some() && before.role != Role::Customer.as_str() {
        return Err(AppError::field(
            "username",
            Text::new(
                "只有「客戶」角色的帳號可以連結客戶資料",
                "Only accounts with the customer role can be linked to a customer",
            ),
        ));
    }
    users::Entity::update_many()
        .col_expr(users::Column::CustomerId, Expr::value(customer_id))
        .col_expr(users::Column::Version, Expr::value(before.version + 1))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let after = get(&txn, id).await?;
    audit::record(
        &txn,
        audit::Entry {
            actor_id: Some(actor.id),
            action: if customer_id.is_some() {
                "user.link_customer"
            } else {
                "user.unlink_customer"
            },
            entity: "user",
            entity_id: id.to_string(),
            before: Some(audit_view(&before)),
            after: Some(audit_view(&after)),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Remembers the language an account chose.
pub async fn set_locale(
    db: &impl ConnectionTrait,
    id: i32,
    locale: Locale,
) -> Result<(), AppError> {
    users::Entity::update_many()
        .col_expr(users::Column::Locale, Expr::value(locale.code()))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Every account with `role`, in the order they were made.
pub async fn with_role(
    db: &impl ConnectionTrait,
    role: Role,
) -> Result<Vec<users::Model>, AppError> {
    Ok(users::Entity::find()
        .filter(users::Column::Role.eq(role.as_str()))
        .order_by_asc(users::Column::Id)
        .all(db)
        .await?)
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, AppError> {
    Ok(users::Entity::find().count(db).await?)
}

pub async fn count_by_role(db: &impl ConnectionTrait, role: Role) -> Result<u64, AppError> {
    Ok(users::Entity::find()
        .filter(users::Column::Role.eq(role.as_str()))
        .filter(users::Column::Active.eq(true))
        .count(db)
        .await?)
}

fn audit_view(u: &users::Model) -> serde_json::Value {
    json!({
        "username": u.username,
        "display_name": u.display_name,
        "role": u.role,
        "active": u.active,
        "locale": u.locale,
        "customer_id": u.customer_id,
    })
}

fn username_taken() -> AppError {
    AppError::field(
        "username",
        Text::new("此帳號已被使用", "This user name is already taken"),
    )
}

/// Creates an account; `actor` is `None` for the command line and seeding.
pub async fn create(
    db: &(impl TransactionTrait + ConnectionTrait),
    actor: Option<&AuthUser>,
    new: NewUser,
    now: DateTime<Utc>,
) -> Result<users::Model, AppError> {
    let hash = password::hash(new.password).await?;
    let txn = crate::db::begin_write(db).await?;
    let exists = users::Entity::find()
        .filter(users::Column::Username.eq(&new.username))
        .count(&txn)
        .await?;
    if exists > 0 {
        return Err(username_taken());
    }
    let user = users::ActiveModel {
        username: Set(new.username),
        display_name: Set(new.display_name),
        password_hash: Set(hash),
        role: Set(new.role.as_str().to_owned()),
        locale: Set(Locale::ZhTw.code().to_owned()),
        active: Set(true),
        auth_version: Set(1),
        version: Set(1),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        // Two people creating the same name at once: the unique index decides.
        if matches!(
            e.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        ) {
            username_taken()
        } else {
            e.into()
        }
    })?;
    audit::record(
        &txn,
        audit::Entry {
            actor_id: actor.map(|a| a.id),
            action: "user.create",
            entity: "user",
            entity_id: user.id.to_string(),
            before: None,
            after: Some(audit_view(&user)),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// A change to an account. `None` leaves a field as it is.
#[derive(Default)]
pub struct UserChange {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub password: Option<String>,
}

/// Applies a change if the row is still at `version`; a stale version is a
/// conflict and nothing is written. Deactivation and password resets end
/// the user's sessions and revoke their API tokens at once.
pub async fn update(
    db: &(impl TransactionTrait + ConnectionTrait),
    actor: &AuthUser,
    id: i32,
    version: i32,
    change: UserChange,
    now: DateTime<Utc>,
) -> Result<users::Model, AppError> {
    if actor.id == id
        && (change.active == Some(false) || change.role.is_some_and(|r| r != actor.role))
    {
        return Err(AppError::field(
            "role",
            Text::new(
                "不能停用自己的帳號或變更自己的角色",
                "You cannot deactivate your own account or change your own role",
            ),
        ));
    }
    let hash = match change.password {
        Some(p) => Some(password::hash(p).await?),
        None => None,
    };
    let txn = crate::db::begin_write(db).await?;
    let before = get(&txn, id).await?;
    let revoke = change.active == Some(false) || hash.is_some();
    let mut q = users::Entity::update_many()
        .col_expr(users::Column::Version, Expr::value(version + 1))
        .col_expr(users::Column::UpdatedAt, Expr::value(now));
    if let Some(n) = &change.display_name {
        q = q.col_expr(users::Column::DisplayName, Expr::value(n.clone()));
    }
    if let Some(r) = change.role {
        q = q.col_expr(users::Column::Role, Expr::value(r.as_str()));
    }
    if let Some(a) = change.active {
        q = q.col_expr(users::Column::Active, Expr::value(a));
    }
    if let Some(h) = hash {
        q = q.col_expr(users::Column::PasswordHash, Expr::value(h));
    }
    if revoke {
        q = q.col_expr(
            users::Column::AuthVersion,
            Expr::value(before.auth_version + 1),
        );
    }
    let done = q
        .filter(users::Column::Id.eq(id))
        .filter(users::Column::Version.eq(version))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(AppError::Conflict(Text::new(
            "此帳號已被他人修改，請重新整理後再試",
            "Someone else changed this account; reload and try again",
        )));
    }
    if revoke {
        session::delete_for_user(&txn, id).await?;
    }
    let after = get(&txn, id).await?;
    let action = match (change.active, revoke) {
        (Some(false), _) => "user.deactivate",
        (Some(true), _) if !before.active => "user.activate",
        (_, true) => "user.reset_password",
        _ => "user.update",
    };
    audit::record(
        &txn,
        audit::Entry {
            actor_id: Some(actor.id),
            action,
            entity: "user",
            entity_id: id.to_string(),
            before: Some(audit_view(&before)),
            after: Some(audit_view(&after)),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}
