//! `serve --demo`: a Taoyuan demo company for trying luckygas out. Later
//! features add their demo data (customers, vehicles, orders) here too.
//! Idempotent: once the demo depot exists, nothing is changed.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Set};

mod book;

use crate::{
    auth::Role,
    error::AppError,
    fleet::depot,
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
    if depot::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let txn = crate::db::begin_write(db).await?;
    depot::ActiveModel {
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
    let (customers, orders) = book::seed(&txn, now).await?;
    seed_fleet(&txn, now).await?;
    // The demo customer account belongs to the first demo customer.
    if let Some(first) = crate::customers::queries::find_by_code(&txn, "C00001").await?
        && let Some(account) = queries::by_username(&txn, "customer").await?
    {
        queries::set_customer(&txn, account.id, Some(first.id)).await?;
    }
    tracing::info!(customers, orders, "demo customers and orders created");
    txn.commit().await?;
    Ok(Some(created))
}

/// Trucks: eight 3.5-tonne (1,800 kg, 48 slots) and two small (900 kg,
/// 20 slots), each with a driver. The first two drivers have accounts and
/// drive 3.5-tonne trucks (the ones a plan uses first, so `driver1` and
/// `driver2` get routes); the last three work 11:00-20:00 for customers
/// who take deliveries at night.
const FLEET: &[(&str, &str, i32, i32, &str, &str)] = &[
    ("RAB-5101", "3.5 噸 1", 1800, 48, "陳志明", "0912-301-001"),
    ("RAB-5102", "3.5 噸 2", 1800, 48, "黃建華", "0912-301-002"),
    ("RAB-5103", "3.5 噸 3", 1800, 48, "李國強", "0912-301-003"),
    ("RAB-5104", "3.5 噸 4", 1800, 48, "張家豪", "0912-301-004"),
    ("RAB-5105", "3.5 噸 5", 1800, 48, "王俊傑", "0912-301-005"),
    ("KEA-2301", "小貨車 1", 900, 20, "劉宗翰", "0912-301-006"),
    ("KEA-2302", "小貨車 2", 900, 20, "吳承恩", "0912-301-007"),
    ("RAB-5106", "3.5 噸 6", 1800, 48, "蔡明哲", "0912-301-008"),
    ("RAB-5107", "3.5 噸 7", 1800, 48, "許文龍", "0912-301-009"),
    ("RAB-5108", "3.5 噸 8", 1800, 48, "鄭志偉", "0912-301-010"),
];

async fn seed_fleet(
    txn: &impl sea_orm::ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    use crate::fleet::{driver, vehicle};
    for (i, (plate, label, kg, slots, name, phone)) in FLEET.iter().enumerate() {
        let v = vehicle::ActiveModel {
            plate: Set((*plate).into()),
            label: Set((*label).into()),
            capacity_kg: Set(*kg),
            capacity_slots: Set(*slots),
            active: Set(true),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        // The last three drive the late shift for evening deliveries.
        let late = i + 3 >= FLEET.len();
        let account = match i {
            0 => Some("driver1"),
            1 => Some("driver2"),
            _ => None,
        };
        let user_id = match account {
            Some(u) => queries::by_username(txn, u).await?.map(|u| u.id),
            None => None,
        };
        driver::ActiveModel {
            user_id: Set(user_id),
            name: Set((*name).into()),
            phone: Set(crate::domain::Phone::parse(phone)
                .map(|p| p.to_string())
                .unwrap_or_default()),
            vehicle_id: Set(Some(v.id)),
            shift_start: Set(if late { "11:00" } else { "08:00" }.into()),
            shift_end: Set(if late { "20:00" } else { "18:00" }.into()),
            active: Set(true),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}
