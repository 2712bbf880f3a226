//! The process-wide Prometheus recorder and `GET /metrics`.

use std::sync::OnceLock;

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, State},
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};
use secrecy::ExposeSecret;

use crate::{app::AppState, error::AppError};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static METRICS: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide Prometheus recorder (once).
pub fn init() -> &'static PrometheusHandle {
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

/// `GET /metrics`: for Prometheus with `Authorization: Bearer
/// <LUCKYGAS_METRICS_TOKEN>`; without a configured token, only for callers
/// on this machine (a Prometheus beside the server).
pub async fn text(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let allowed = match &state.config.metrics_token {
        Some(token) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| {
                crate::auth::tokens::constant_time_eq(
                    given.trim().as_bytes(),
                    token.expose_secret().as_bytes(),
                )
            }),
        None => peer.ip().is_loopback(),
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let body = init().render();
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response())
}
