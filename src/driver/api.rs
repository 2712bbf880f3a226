//! `/api/v1/driver/…`: what the driver app (and a native app later) calls.
//! Every action carries the client's idempotency key; `sync` takes a batch
//! of queued actions and answers each as it would on its own.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{
    actions::{self, Answer},
    entity::attachment,
    input::{self, Action, Counts, Keyed, Stamp},
    today::{self, DriverDay},
};
use crate::{
    app::AppState,
    auth::CurrentUser,
    error::AppError,
    extract::{ApiJson, Path, Query},
    i18n::Text,
};

fn answer(a: Answer) -> Response {
    let status = StatusCode::from_u16(a.status).unwrap_or(StatusCode::OK);
    (status, Json(a.body)).into_response()
}

/// The driver's routes of today with every stop (for use offline).
#[utoipa::path(get, path = "/api/v1/driver/today", tag = "driver",
    responses((status = 200, body = DriverDay), (status = 403, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn today(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<DriverDay>, AppError> {
    let date = state.clock.today_taipei();
    let now = state.clock.now();
    // Not linked to a driver yet: an empty day, not an error page.
    let Some(me) = crate::fleet::store::driver_for_user(&state.db, user.id).await? else {
        return Ok(Json(DriverDay {
            date,
            driver: user.display_name.clone(),
            routes: Vec::new(),
            depot: None,
            server_time: now,
        }));
    };
    Ok(Json(
        today::day_of(&state.db, &me, date, user.locale, now).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StartInput {
    pub key: String,
    /// Full cylinders counted onto the truck, per size.
    #[serde(default)]
    pub loaded: Counts,
    #[serde(default, flatten)]
    pub at: Stamp,
}

/// Starts a route with the load check: the answer names each size loaded
/// short of what the stops need (`short`, `warning`).
#[utoipa::path(post, path = "/api/v1/driver/routes/{id}/start", tag = "driver",
    params(("id" = i32, Path)), request_body = StartInput,
    responses((status = 200, body = Object), (status = 403, body = crate::error::ApiErrorBody),
        (status = 409, body = crate::error::ApiErrorBody), (status = 422, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn start(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i32>,
    ApiJson(i): ApiJson<StartInput>,
) -> Result<Response, AppError> {
    let a = Action::Start {
        route_id: id,
        loaded: i.loaded,
        at: i.at,
    };
    Ok(answer(actions::run(&state, &user, &i.key, &a).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EndInput {
    pub key: String,
    /// Full cylinders coming back, counted.
    #[serde(default)]
    pub returned: Counts,
    #[serde(default)]
    pub cash_handed_in: i64,
    #[serde(default, flatten)]
    pub at: Stamp,
}

/// Ends a route; the answer is the hand-in summary (stops delivered and
/// failed, cash expected and received, empties, full cylinders back).
#[utoipa::path(post, path = "/api/v1/driver/routes/{id}/end", tag = "driver",
    params(("id" = i32, Path)), request_body = EndInput,
    responses((status = 200, body = super::handin::HandIn), (status = 403, body = crate::error::ApiErrorBody),
        (status = 409, body = crate::error::ApiErrorBody), (status = 422, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn end(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i32>,
    ApiJson(i): ApiJson<EndInput>,
) -> Result<Response, AppError> {
    let a = Action::End {
        route_id: id,
        returned: i.returned,
        cash_handed_in: i.cash_handed_in,
        at: i.at,
    };
    Ok(answer(actions::run(&state, &user, &i.key, &a).await?))
}

/// Most actions one sync may carry.
pub const MAX_SYNC: usize = 200;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SyncInput {
    /// Queued actions, oldest first (`kind`: start, arrive, deliver, fail,
    /// end, position), each with its `key`.
    pub actions: Vec<Keyed>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SyncResult {
    pub key: String,
    pub status: u16,
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SyncOut {
    pub results: Vec<SyncResult>,
    pub server_time: chrono::DateTime<chrono::Utc>,
}

/// Applies queued actions in order, each once per key; a replay gets the
/// first answer. Each result has the status the action would have alone.
#[utoipa::path(post, path = "/api/v1/driver/sync", tag = "driver", request_body = SyncInput,
    responses((status = 200, body = SyncOut), (status = 422, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn sync(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(i): ApiJson<SyncInput>,
) -> Result<Json<SyncOut>, AppError> {
    if i.actions.len() > MAX_SYNC {
        return Err(AppError::field(
            "actions",
            Text::new(
                format!("一次最多同步 {MAX_SYNC} 筆"),
                format!("At most {MAX_SYNC} actions at once"),
            ),
        ));
    }
    let mut results = Vec::with_capacity(i.actions.len());
    for k in &i.actions {
        let a = match actions::run(&state, &user, &k.key, &k.action).await {
            Ok(a) => a,
            Err(e @ (AppError::Internal(_) | AppError::Unavailable(_))) => return Err(e),
            Err(e) => {
                let (status, body) = e.api_body(user.locale);
                Answer { status, body }
            }
        };
        results.push(SyncResult {
            key: k.key.clone(),
            status: a.status,
            body: a.body,
        });
    }
    Ok(Json(SyncOut {
        results,
        server_time: state.clock.now(),
    }))
}

/// Keeps the phone's position (every 30 s while a route is under way).
#[utoipa::path(post, path = "/api/v1/driver/location", tag = "driver", request_body = Stamp,
    responses((status = 200, body = Object), (status = 422, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn location(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(at): ApiJson<Stamp>,
) -> Result<Json<serde_json::Value>, AppError> {
    let a = Action::Position { at };
    a.check()?;
    let me = actions::me(&state, &user).await?;
    let at = a.stamp();
    let today = state.clock.today_taipei();
    actions::record_position(&state.db, &me, user.id, today, at, state.clock.now()).await?;
    Ok(Json(
        serde_json::json!({"stored": true, "usable": at.usable_point().is_some()}),
    ))
}

/// Largest photo or signature accepted, bytes.
pub const MAX_ATTACHMENT: usize = 1_500_000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttachmentQuery {
    /// The client's key for this file (referred to by `photo_key` /
    /// `signature_key` of a delivery).
    pub key: String,
    /// `photo` or `signature`.
    pub kind: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttachmentOut {
    pub id: i32,
    pub key: String,
    pub size: usize,
    pub content_type: String,
}

/// What the bytes are, by their first bytes (not by any name).
fn sniff(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if b.len() > 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Uploads a delivery photo or signature (JPEG, PNG or WebP, at most
/// 1.5 MB), once per key.
#[utoipa::path(post, path = "/api/v1/driver/attachments", tag = "driver", params(AttachmentQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentOut), (status = 413, body = crate::error::ApiErrorBody),
        (status = 422, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<AttachmentQuery>,
    _headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    input::check_key("key", &q.key)?;
    if !matches!(q.kind.as_str(), "photo" | "signature") {
        return Err(AppError::field(
            "kind",
            Text::new(
                "種類須為 photo 或 signature",
                "Kind must be photo or signature",
            ),
        ));
    }
    if body.len() > MAX_ATTACHMENT {
        return Err(AppError::PayloadTooLarge);
    }
    let Some(content_type) = sniff(&body) else {
        return Err(AppError::field(
            "file",
            Text::new(
                "檔案不是 JPEG、PNG 或 WebP 圖片",
                "The file is not a JPEG, PNG or WebP image",
            ),
        ));
    };
    let found = attachment::Entity::find()
        .filter(attachment::Column::Key.eq(q.key.as_str()))
        .one(&state.db)
        .await?;
    if let Some(a) = found {
        let same = a.uploaded_by == user.id && Sha256::digest(&a.bytes) == Sha256::digest(&body);
        if !same {
            return Err(AppError::field(
                "key",
                Text::new(
                    "這個識別碼已用於另一個檔案",
                    "This key was already used for another file",
                ),
            ));
        }
        return Ok((
            StatusCode::CREATED,
            Json(AttachmentOut {
                id: a.id,
                key: a.key,
                size: a.bytes.len(),
                content_type: a.content_type,
            }),
        )
            .into_response());
    }
    let a = attachment::ActiveModel {
        key: Set(q.key.clone()),
        kind: Set(q.kind.clone()),
        content_type: Set(content_type.to_owned()),
        size: Set(i32::try_from(body.len()).unwrap_or(i32::MAX)),
        bytes: Set(body.to_vec()),
        uploaded_by: Set(user.id),
        created_at: Set(state.clock.now()),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(AttachmentOut {
            id: a.id,
            key: a.key,
            size: body.len(),
            content_type: a.content_type,
        }),
    )
        .into_response())
}

/// A photo or signature, for the office (the order page, dispatch).
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "driver", params(("id" = i32, Path)),
    responses((status = 200, content_type = "image/*", body = Vec<u8>), (status = 404, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn attachment_file(
    State(state): State<AppState>,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    let a = attachment::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, a.content_type)], a.bytes).into_response())
}
