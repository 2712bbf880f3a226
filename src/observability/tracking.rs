//! The outermost middleware: a request id, a log span, timing headers and
//! request metrics by route template (never raw paths).

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request},
    http::HeaderValue,
    middleware::Next,
    response::Response,
};
use tracing::Instrument;

use crate::web::RequestId;

/// Outermost middleware: request id, span, timing headers and metrics.
pub async fn track(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let rid = RequestId::from_headers(req.headers()).0;
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
