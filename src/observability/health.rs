//! `GET /healthz` (the process answers) and `GET /readyz` (the database is
//! reachable and migrated, and Redis when configured).

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::{app::AppState, db};

pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    let database = db::ready(&state.db).await;
    let redis = match &state.config.redis_url {
        Some(url) => Some(crate::events::redis::ping(url).await),
        None => None,
    };
    let ok = database.is_ok() && redis.as_ref().is_none_or(Result::is_ok);
    // Callers learn what is down; the detail goes to the log only.
    let database_text = match &database {
        Ok(()) => "ok",
        Err(e) if e.contains("pending") => "migrations pending",
        Err(_) => "unreachable",
    };
    let redis_text = match &redis {
        None => "not configured",
        Some(Ok(())) => "ok",
        Some(Err(_)) => "unreachable",
    };
    let body = json!({
        "status": if ok { "ready" } else { "not_ready" },
        "database": database_text,
        "redis": redis_text,
    });
    if !ok {
        tracing::warn!(
            database = ?database.err(),
            redis = ?redis.and_then(Result::err),
            "not ready"
        );
    }
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}
