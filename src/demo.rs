//! `serve --demo`: a Taoyuan demo company for trying luckygas out. Later
//! features add their demo data (customers, vehicles, orders) here too.
//! Idempotent: once the demo depot exists, nothing is changed.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};

use crate::{
    auth::Role,
    depots,
    error::AppError,
    users::{form::NewUser, queries},
};

pub struct DemoAccount {
    pub username: &'static str,
    pub role: Role,
    pub password: String,
}

const ACCOUNTS: &[(&str, &str, Role)] = &[
    ("admin", "系統管理員", Role::SuperAdmin),
    ("manager", "王經理", Role::Manager),
    ("office", "林小美", Role::OfficeStaff),
    ("driver1", "陳志明", Role::Driver),
    ("driver2", "黃建華", Role::Driver),
    ("customer", "張先生", Role::Customer),
];

/// A readable random password (no 0/O, 1/l look-alikes).
fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 14];
    getrandom::fill(&mut bytes).expect("randomness");
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// Seeds the demo company. Returns the accounts created (with their
/// passwords, to be shown once), or `None` when the demo already exists.
pub async fn seed(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Option<Vec<DemoAccount>>, AppError> {
    if depots::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let txn = crate::db::begin_write(db).await?;
    depots::ActiveModel {
        name: Set("幸運瓦斯 桃園總倉".into()),
        address: Set("桃園市桃園區中正路 1071 號".into()),
        lat: Set(24.99),
        lon: Set(121.30),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut created = Vec::new();
    for (username, name, role) in ACCOUNTS {
        let password = random_password();
        let new = NewUser {
            username: (*username).into(),
            display_name: (*name).into(),
            role: *role,
            password: password.clone(),
        };
        match queries::create(&txn, None, new, now).await {
            Ok(_) => created.push(DemoAccount {
                username,
                role: *role,
                password,
            }),
            // An account of that name already exists: leave it as it is.
            Err(AppError::Invalid(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let (customers, orders) = crate::demo_book::seed(&txn, now).await?;
    // The demo customer account belongs to the first demo customer.
    if let Some(first) = crate::customers::queries::find_by_code(&txn, "C00001").await? {
        crate::users::entity::Entity::update_many()
            .col_expr(
                crate::users::entity::Column::CustomerId,
                sea_orm::sea_query::Expr::value(first.id),
            )
            .filter(crate::users::entity::Column::Username.eq("customer"))
            .exec(&txn)
            .await?;
    }
    tracing::info!(customers, orders, "demo customers and orders created");
    txn.commit().await?;
    Ok(Some(created))
}
