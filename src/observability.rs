//! Request ids, timing, Prometheus metrics, and the health endpoints.

use std::{sync::OnceLock, time::Instant};

use axum::{
    Json,
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde_json::json;
use tracing::Instrument;

use crate::{app::AppState, app::Routes, db};

/// The id of one request: in its log span, its response header and any
/// error page.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

static METRICS: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide Prometheus recorder (once).
pub fn init_metrics() -> &'static PrometheusHandle {
    METRICS.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".into()),
                &[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ],
            )
            .expect("bucket list is not empty")
            .install_recorder()
            .expect("no other metrics recorder is installed");
        metrics::gauge!("luckygas_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
        handle
    })
}

fn request_id(req: &Request) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map_or_else(
            || {
                let mut b = [0u8; 8];
                getrandom::fill(&mut b).expect("randomness");
                crate::auth::tokens::hex(&b)
            },
            str::to_owned,
        )
}

/// Outermost middleware: request id, span, timing headers and metrics.
pub async fn track(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let rid = request_id(&req);
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    req.extensions_mut().insert(RequestId(rid.clone()));
    let span = tracing::info_span!("request", request_id = %rid, %method, route = %route);
    let mut res = next.run(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = res.status().as_u16();

    let labels = [
        ("method", method.as_str().to_owned()),
        ("route", route.clone()),
        ("status", status.to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!(
        "http_request_duration_seconds",
        "method" => method.as_str().to_owned(),
        "route" => route.clone()
    )
    .record(elapsed.as_secs_f64());

    let quiet = matches!(
        route.as_str(),
        "/healthz" | "/readyz" | "/metrics" | "/static/{*path}"
    );
    span.in_scope(|| {
        let ms = elapsed.as_secs_f64() * 1000.0;
        if quiet {
            tracing::debug!(status, ms, "served");
        } else {
            tracing::info!(status, ms, "served");
        }
    });
    let h = res.headers_mut();
    h.insert(
        "x-request-id",
        HeaderValue::from_str(&rid).expect("ascii id"),
    );
    h.insert(
        "x-process-time",
        HeaderValue::from_str(&format!("{:.3}ms", elapsed.as_secs_f64() * 1000.0))
            .expect("ascii number"),
    );
    res
}

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/healthz", healthz)
        .add(Method::GET, "/readyz", readyz)
        .add(Method::GET, "/metrics", metrics_text)
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

async fn readyz(State(state): State<AppState>) -> Response {
    let database = db::ready(&state.db).await;
    let redis = match &state.config.redis_url {
        Some(url) => Some(crate::events::redis::ping(url).await),
        None => None,
    };
    let ok = database.is_ok() && redis.as_ref().is_none_or(Result::is_ok);
    let show = |r: &Result<(), String>| match r {
        Ok(()) => "ok".to_owned(),
        Err(e) => e.clone(),
    };
    let body = json!({
        "status": if ok { "ready" } else { "not_ready" },
        "database": show(&database),
        "redis": redis.as_ref().map_or_else(|| "not configured".to_owned(), show),
    });
    if !ok {
        tracing::warn!(%body, "not ready");
    }
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

async fn metrics_text() -> Response {
    let body = init_metrics().render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
