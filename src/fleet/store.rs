//! Saving trucks and drivers (versioned), and reading the fleet for pages,
//! the API and planning.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, Set,
};

use super::{
    checks::{self, DriverInput, VehicleInput},
    entity::{depot, driver, vehicle},
};
use crate::{error::AppError, i18n::Text};

/// Every truck, in the order they were added.
pub async fn vehicles(db: &impl ConnectionTrait) -> Result<Vec<vehicle::Model>, AppError> {
    Ok(vehicle::Entity::find()
        .order_by_asc(vehicle::Column::Id)
        .all(db)
        .await?)
}

/// Every driver, in the order they were added.
pub async fn drivers(db: &impl ConnectionTrait) -> Result<Vec<driver::Model>, AppError> {
    Ok(driver::Entity::find()
        .order_by_asc(driver::Column::Id)
        .all(db)
        .await?)
}

/// The depot the trucks leave from (the first one; only one is used).
pub async fn depot(db: &impl ConnectionTrait) -> Result<Option<depot::Model>, AppError> {
    Ok(depot::Entity::find()
        .order_by_asc(depot::Column::Id)
        .one(db)
        .await?)
}

fn duplicate_plate() -> AppError {
    AppError::field(
        "plate",
        Text::new("這個車牌已經登記過了", "This plate is already registered"),
    )
}

pub async fn save_vehicle(
    db: &DatabaseConnection,
    id: Option<i32>,
    input: &VehicleInput,
    now: DateTime<Utc>,
) -> Result<vehicle::Model, AppError> {
    let data = checks::parse_vehicle(input).map_err(AppError::Invalid)?;
    let clash = vehicle::Entity::find()
        .filter(vehicle::Column::Plate.eq(&data.plate))
        .one(db)
        .await?;
    if clash.is_some_and(|c| Some(c.id) != id) {
        return Err(duplicate_plate());
    }
    let result = match id {
        Some(id) => {
            let v = vehicle::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(AppError::NotFound)?;
            let version = v.version;
            let mut a = v.into_active_model();
            a.plate = Set(data.plate);
            a.label = Set(data.label);
            a.capacity_kg = Set(data.capacity_kg);
            a.capacity_slots = Set(data.capacity_slots);
            a.active = Set(data.active);
            a.version = Set(version + 1);
            a.updated_at = Set(now);
            a.update(db).await
        }
        None => {
            vehicle::ActiveModel {
                plate: Set(data.plate),
                label: Set(data.label),
                capacity_kg: Set(data.capacity_kg),
                capacity_slots: Set(data.capacity_slots),
                active: Set(data.active),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
        }
    };
    result.map_err(|e| {
        let e = AppError::from(e);
        if e.is_unique_violation() {
            duplicate_plate()
        } else {
            e
        }
    })
}

pub async fn save_driver(
    db: &DatabaseConnection,
    id: Option<i32>,
    input: &DriverInput,
    now: DateTime<Utc>,
) -> Result<driver::Model, AppError> {
    let data = checks::parse_driver(db, input).await?;
    let result = match id {
        Some(id) => {
            let d = driver::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(AppError::NotFound)?;
            let version = d.version;
            let mut a = d.into_active_model();
            a.name = Set(data.name);
            a.phone = Set(data.phone);
            a.user_id = Set(data.user_id);
            a.vehicle_id = Set(data.vehicle_id);
            a.shift_start = Set(data.shift_start);
            a.shift_end = Set(data.shift_end);
            a.active = Set(data.active);
            a.version = Set(version + 1);
            a.updated_at = Set(now);
            a.update(db).await
        }
        None => {
            driver::ActiveModel {
                name: Set(data.name),
                phone: Set(data.phone),
                user_id: Set(data.user_id),
                vehicle_id: Set(data.vehicle_id),
                shift_start: Set(data.shift_start),
                shift_end: Set(data.shift_end),
                active: Set(data.active),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
        }
    };
    result.map_err(|e| {
        let e = AppError::from(e);
        if e.is_unique_violation() {
            AppError::field(
                "user_id",
                Text::new(
                    "這個帳號已經屬於另一位司機",
                    "This account already belongs to another driver",
                ),
            )
        } else {
            e
        }
    })
}

/// The driver record of a sign-in account, if it is one.
pub async fn driver_for_user(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Option<driver::Model>, AppError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    Ok(driver::Entity::find()
        .filter(driver::Column::UserId.eq(user_id))
        .one(db)
        .await?)
}
