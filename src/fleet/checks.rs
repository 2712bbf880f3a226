//! What a truck or driver form must hold: plates, capacities, shifts, and a
//! sign-in account that really is a driver's.

use sea_orm::{ConnectionTrait, EntityTrait};
use serde::Deserialize;

use super::entity::vehicle;
use crate::{
    auth::Role,
    customers::form::{flag, text},
    domain::{Phone, hhmm, parse_hhmm},
    error::{AppError, FieldError},
    users,
};

/// Largest truck the form accepts (kg and slots): a typo guard.
const MAX_KG: i64 = 20_000;
const MAX_SLOTS: i64 = 400;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct VehicleInput {
    /// Licence plate, e.g. `ABC-1234` (unique).
    #[serde(default, deserialize_with = "text")]
    pub plate: String,
    #[serde(default, deserialize_with = "text")]
    pub label: String,
    /// Gross kg of full cylinders the truck may carry.
    #[serde(default, deserialize_with = "text")]
    #[schema(value_type = i32)]
    pub capacity_kg: String,
    /// Truck-bed positions (a 50 kg cylinder takes 2).
    #[serde(default, deserialize_with = "text")]
    #[schema(value_type = i32)]
    pub capacity_slots: String,
    #[serde(default = "yes", deserialize_with = "flag")]
    pub active: bool,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DriverInput {
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    #[serde(default, deserialize_with = "text")]
    pub phone: String,
    /// The driver's sign-in account (a user with the driver role).
    #[serde(default, deserialize_with = "text")]
    #[schema(value_type = Option<i32>)]
    pub user_id: String,
    /// The truck the driver usually drives.
    #[serde(default, deserialize_with = "text")]
    #[schema(value_type = Option<i32>)]
    pub vehicle_id: String,
    /// `HH:MM`
    #[serde(default, deserialize_with = "text")]
    pub shift_start: String,
    #[serde(default, deserialize_with = "text")]
    pub shift_end: String,
    #[serde(default = "yes", deserialize_with = "flag")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

fn whole(
    raw: &str,
    field: &str,
    (zh, en): (&str, &str),
    max: i64,
    errors: &mut Vec<FieldError>,
) -> i32 {
    match raw.trim().parse::<i64>() {
        Ok(n) if n > 0 && n <= max => n as i32,
        Ok(_) => {
            errors.push(FieldError::text(
                field,
                format!("「{zh}」必須大於 0 且不超過 {max}"),
                format!("{en} must be more than 0 and at most {max}"),
            ));
            0
        }
        Err(_) => {
            errors.push(FieldError::text(
                field,
                format!("請填寫「{zh}」（整數）"),
                format!("{en} is required (a whole number)"),
            ));
            0
        }
    }
}

pub struct VehicleData {
    pub plate: String,
    pub label: String,
    pub capacity_kg: i32,
    pub capacity_slots: i32,
    pub active: bool,
}

pub fn parse_vehicle(input: &VehicleInput) -> Result<VehicleData, Vec<FieldError>> {
    let mut errors = Vec::new();
    let plate: String = crate::domain::normalize_width(input.plate.trim())
        .to_uppercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-");
    if plate.is_empty() {
        errors.push(FieldError::text(
            "plate",
            "請填寫「車牌」",
            "Plate is required",
        ));
    } else if plate.chars().count() > 12
        || !plate.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        errors.push(FieldError::text(
            "plate",
            "「車牌」只能有英文字母、數字與 -，例如 ABC-1234",
            "Plate may contain letters, digits and -, e.g. ABC-1234",
        ));
    }
    let capacity_kg = whole(
        &input.capacity_kg,
        "capacity_kg",
        ("載重（公斤）", "Capacity (kg)"),
        MAX_KG,
        &mut errors,
    );
    let capacity_slots = whole(
        &input.capacity_slots,
        "capacity_slots",
        ("車位數", "Slots"),
        MAX_SLOTS,
        &mut errors,
    );
    if input.label.chars().count() > 40 {
        errors.push(FieldError::text(
            "label",
            "「名稱」最多 40 個字",
            "Name must be at most 40 characters",
        ));
    }
    if errors.is_empty() {
        Ok(VehicleData {
            plate,
            label: input.label.trim().to_owned(),
            capacity_kg,
            capacity_slots,
            active: input.active,
        })
    } else {
        Err(errors)
    }
}

pub struct DriverData {
    pub name: String,
    pub phone: String,
    pub user_id: Option<i32>,
    pub vehicle_id: Option<i32>,
    pub shift_start: String,
    pub shift_end: String,
    pub active: bool,
}

pub async fn parse_driver(
    db: &impl ConnectionTrait,
    input: &DriverInput,
) -> Result<DriverData, AppError> {
    let mut errors = Vec::new();
    let name = input.name.trim().to_owned();
    if name.is_empty() {
        errors.push(FieldError::text(
            "name",
            "請填寫「姓名」",
            "Name is required",
        ));
    }
    let phone = if input.phone.trim().is_empty() {
        String::new()
    } else {
        match Phone::parse(&input.phone) {
            Ok(p) => p.to_string(),
            Err(e) => {
                errors.push(FieldError::new("phone", e));
                String::new()
            }
        }
    };
    let id_of = |raw: &str| {
        raw.trim()
            .parse::<i32>()
            .ok()
            .filter(|_| !raw.trim().is_empty())
    };
    let user_id = id_of(&input.user_id);
    if let Some(u) = user_id {
        let ok = users::queries::find(db, u)
            .await?
            .is_some_and(|u| u.role == Role::Driver.as_str());
        if !ok {
            errors.push(FieldError::text(
                "user_id",
                "「帳號」必須是司機角色的使用者",
                "Account must be a user with the driver role",
            ));
        }
    }
    let vehicle_id = id_of(&input.vehicle_id);
    if let Some(v) = vehicle_id
        && vehicle::Entity::find_by_id(v).one(db).await?.is_none()
    {
        errors.push(FieldError::text(
            "vehicle_id",
            "找不到這輛車",
            "No such truck",
        ));
    }
    let start = if input.shift_start.trim().is_empty() {
        "08:00"
    } else {
        input.shift_start.trim()
    };
    let end = if input.shift_end.trim().is_empty() {
        "18:00"
    } else {
        input.shift_end.trim()
    };
    match (parse_hhmm(start), parse_hhmm(end)) {
        (Some(s), Some(e)) if s < e => {}
        (Some(_), Some(_)) => errors.push(FieldError::text(
            "shift_end",
            "「下班時間」必須晚於上班時間",
            "Shift end must be after shift start",
        )),
        (None, _) => errors.push(FieldError::text(
            "shift_start",
            "「上班時間」格式為 HH:MM",
            "Shift start must be HH:MM",
        )),
        (_, None) => errors.push(FieldError::text(
            "shift_end",
            "「下班時間」格式為 HH:MM",
            "Shift end must be HH:MM",
        )),
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let fmt = |s: &str| parse_hhmm(s).map(hhmm).unwrap_or_default();
    Ok(DriverData {
        name,
        phone,
        user_id,
        vehicle_id,
        shift_start: fmt(start),
        shift_end: fmt(end),
        active: input.active,
    })
}
