//! `/api/v1/users`: the same account management for API clients.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{entity as users, form, queries};
use crate::{
    app::AppState,
    auth::{CurrentUser, Role},
    error::{AppError, FieldError},
    extract::{ApiJson, Path},
};

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub locale: String,
    pub active: bool,
    /// Send back unchanged in `PATCH` for optimistic concurrency.
    pub version: i32,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// For a customer account: the customer record it sees (linked from
    /// `/api/v1/customers/{id}/accounts`).
    pub customer_id: Option<i32>,
}

impl From<users::Model> for UserOut {
    fn from(u: users::Model) -> Self {
        Self {
            id: u.id,
            role: Role::parse(&u.role).unwrap_or(Role::Customer),
            username: u.username,
            display_name: u.display_name,
            locale: u.locale,
            active: u.active,
            version: u.version,
            last_login_at: u.last_login_at,
            created_at: u.created_at,
            customer_id: u.customer_id,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct CreateUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password: String,
}

/// All accounts.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = Vec<UserOut>), (status = 403, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<UserOut>>, AppError> {
    Ok(Json(
        queries::list(&state.db)
            .await?
            .into_iter()
            .map(UserOut::from)
            .collect(),
    ))
}

/// One account.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i32, Path, description = "User id")),
    responses((status = 200, body = UserOut), (status = 404, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<i32>,
) -> Result<Json<UserOut>, AppError> {
    Ok(Json(queries::get(&state.db, id).await?.into()))
}

/// Creates an account.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUser,
    responses(
        (status = 201, body = UserOut),
        (status = 422, description = "資料驗證失敗: one message per field", body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiJson(body): ApiJson<CreateUser>,
) -> Result<(StatusCode, Json<UserOut>), AppError> {
    let new = form::parse_new_user(
        &body.username,
        &body.display_name,
        &body.role,
        &body.password,
    )
    .map_err(AppError::Invalid)?;
    let user = queries::create(&state.db, Some(&actor), new, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateUser {
    /// The `version` last read; a stale one gets 409 and changes nothing.
    pub version: i32,
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
    /// A new password (resets it and signs the user out everywhere).
    pub password: Option<String>,
}

/// Changes an account's name, role, password or active flag.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = UpdateUser,
    params(("id" = i32, Path, description = "User id")),
    responses(
        (status = 200, body = UserOut),
        (status = 409, description = "Changed by someone else", body = crate::error::ApiErrorBody),
        (status = 422, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i32>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> Result<Json<UserOut>, AppError> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut change = queries::UserChange {
        active: body.active,
        ..Default::default()
    };
    if let Some(n) = body.display_name.as_deref() {
        form::parse_display_name(n)
            .map_or_else(|e| errors.push(e), |n| change.display_name = Some(n));
    }
    if let Some(r) = body.role.as_deref() {
        form::parse_role(r).map_or_else(|e| errors.push(e), |r| change.role = Some(r));
    }
    if let Some(p) = body.password.as_deref() {
        form::parse_password(p).map_or_else(|e| errors.push(e), |p| change.password = Some(p));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let user = queries::update(
        &state.db,
        &actor,
        id,
        body.version,
        change,
        state.clock.now(),
    )
    .await?;
    Ok(Json(user.into()))
}
