//! One application error type. A handler returns [`AppError`]; its
//! `IntoResponse` only records what went wrong, and [`render_errors`] (which
//! sees the request) turns it into JSON for `/api/*`, a toast for htmx, or a
//! full page, in the caller's language.

use std::fmt::Write;

use axum::{
    Json,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    i18n::{Locale, Text},
    web::{RequestId, error_page, request_locale},
};

/// What is wrong with one input field, in both languages.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: String,
    pub message: Text,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: Text) -> Self {
        Self {
            field: field.into(),
            message,
        }
    }

    /// A field error from its zh-TW and English texts.
    pub fn text(
        field: &str,
        zh: impl Into<std::borrow::Cow<'static, str>>,
        en: impl Into<std::borrow::Cow<'static, str>>,
    ) -> Self {
        Self::new(field, Text::new(zh, en))
    }

    /// The error for a free-text note over [`MAX_NOTE_CHARS`], if it is.
    pub fn note_too_long(field: &str, note: &str) -> Option<Self> {
        (note.chars().count() > MAX_NOTE_CHARS).then(|| {
            Self::text(
                field,
                "「備註」最多 500 字",
                "Notes: at most 500 characters",
            )
        })
    }
}

/// Most characters a free-text note (an order's, a driver's, the office's) may have.
pub const MAX_NOTE_CHARS: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not authenticated")]
    NotAuthenticated,
    #[error("wrong user name or password")]
    BadCredentials,
    #[error("forbidden")]
    Forbidden,
    #[error("missing or stale CSRF token")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("conflict")]
    Conflict(Text),
    #[error("bad request")]
    BadRequest(Text),
    #[error("too many requests")]
    TooManyRequests {
        retry_after_secs: u64,
        message: Text,
    },
    #[error("service unavailable")]
    Unavailable(Text),
    #[error("method not allowed")]
    MethodNotAllowed(Vec<axum::http::Method>),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType(Text),
    #[error("URI too long")]
    UriTooLong,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for AppError {
    /// A database that does not answer is an outage (503, "try again"),
    /// not a fault of this request.
    fn from(e: sea_orm::DbErr) -> Self {
        if db_unreachable(&e) {
            tracing::warn!(error = %e, "the database does not answer");
            return Self::Unavailable(Text::key("error.unavailable"));
        }
        Self::Internal(e.into())
    }
}

/// Whether the database could not be reached (as opposed to refusing a
/// statement).
fn db_unreachable(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr, sqlx};
    let io = |r: &RuntimeErr| {
        matches!(
            r,
            RuntimeErr::SqlxError(
                sqlx::Error::Io(_)
                    | sqlx::Error::PoolTimedOut
                    | sqlx::Error::PoolClosed
                    | sqlx::Error::WorkerCrashed
                    | sqlx::Error::Tls(_)
            )
        )
    };
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(r) | DbErr::Query(r) => io(r),
        _ => false,
    }
}

impl AppError {
    /// A database unique-constraint violation (a concurrent duplicate).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Self::Internal(e) => e
                .downcast_ref::<sea_orm::DbErr>()
                .and_then(sea_orm::DbErr::sql_err)
                .is_some_and(|s| matches!(s, sea_orm::SqlErr::UniqueConstraintViolation(_))),
            _ => false,
        }
    }

    /// The status and documented JSON body of this error in `locale`, for
    /// answers kept and replayed (a driver's queued action).
    pub fn api_body(&self, locale: Locale) -> (u16, serde_json::Value) {
        let fields = match self {
            Self::Invalid(f) => f.as_slice(),
            _ => &[],
        };
        let detail = ApiErrorDetail::new(self.code(), self.message().get(locale), fields, locale);
        (
            self.status().as_u16(),
            serde_json::json!({ "error": detail }),
        )
    }

    /// One field error: `AppError::field("username", Text::new("…", "…"))`.
    pub fn field(field: impl Into<String>, message: Text) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::NotAuthenticated | Self::BadCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Csrf => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::UriTooLong => StatusCode::URI_TOO_LONG,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::NotAuthenticated => "unauthenticated",
            Self::BadCredentials => "bad_credentials",
            Self::Forbidden => "forbidden",
            Self::Csrf => "csrf",
            Self::NotFound => "not_found",
            Self::Invalid(_) => "validation",
            Self::Conflict(_) => "conflict",
            Self::BadRequest(_) => "bad_request",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Unavailable(_) => "unavailable",
            Self::MethodNotAllowed(_) => "method_not_allowed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::UriTooLong => "uri_too_long",
            Self::Internal(_) => "internal",
        }
    }

    /// The user-facing message (field details aside).
    pub fn message(&self) -> Text {
        match self {
            Self::NotAuthenticated => Text::key("error.unauthenticated"),
            Self::BadCredentials => Text::key("login.invalid"),
            Self::Forbidden => Text::key("error.forbidden"),
            Self::Csrf => Text::key("error.csrf"),
            Self::NotFound => Text::key("error.not_found"),
            Self::Invalid(_) => Text::key("error.validation"),
            Self::Conflict(t)
            | Self::BadRequest(t)
            | Self::Unavailable(t)
            | Self::UnsupportedMediaType(t)
            | Self::TooManyRequests { message: t, .. } => t.clone(),
            Self::Internal(_) => Text::key("error.internal"),
            Self::MethodNotAllowed(_) => Text::key("error.method_not_allowed"),
            Self::PayloadTooLarge => Text::key("error.body_too_large"),
            Self::UriTooLong => Text::key("error.uri_too_long"),
        }
    }
}

/// What the renderer needs, without the internal cause.
#[derive(Debug, Clone)]
pub struct ErrorReport {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: Text,
    pub fields: Vec<FieldError>,
    pub retry_after_secs: Option<u64>,
    /// For 405: the methods the route does take (`Allow`).
    pub allow: Vec<axum::http::Method>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            // Logged once here, inside the request span; never sent.
            Self::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            _ => tracing::debug!(code = self.code(), "request refused"),
        }
        let report = ErrorReport {
            status,
            code: self.code(),
            message: self.message(),
            fields: match &self {
                Self::Invalid(f) => f.clone(),
                _ => Vec::new(),
            },
            retry_after_secs: match &self {
                Self::TooManyRequests {
                    retry_after_secs, ..
                } => Some(*retry_after_secs),
                Self::Unavailable(_) => Some(5),
                _ => None,
            },
            allow: match &self {
                Self::MethodNotAllowed(m) => m.clone(),
                _ => Vec::new(),
            },
        };
        let mut res = status.into_response();
        res.extensions_mut().insert(report);
        res
    }
}

/// The body of every `/api/*` answer that is not a success.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorBody {
    pub error: ApiErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorDetail {
    /// `validation`, `unauthenticated`, `bad_credentials`, `forbidden`, `csrf`,
    /// `not_found`, `conflict`, `bad_request`, `too_many_requests`,
    /// `unavailable`, `internal`.
    pub code: String,
    /// In the caller's language (zh-TW unless `Accept-Language` or the
    /// account asks for English), e.g. `資料驗證失敗`.
    pub message: String,
    pub fields: Vec<ApiFieldError>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiFieldError {
    pub field: String,
    pub message: String,
}

impl ApiErrorDetail {
    pub fn new(code: &str, message: &str, fields: &[FieldError], locale: Locale) -> Self {
        Self {
            code: code.to_owned(),
            message: message.to_owned(),
            fields: fields
                .iter()
                .map(|f| ApiFieldError {
                    field: f.field.clone(),
                    message: f.message.get(locale).to_owned(),
                })
                .collect(),
        }
    }
}

/// Longest request target we read (paths with queries are far shorter).
const MAX_URI: usize = 8 * 1024;

/// An error answer that did not come from [`AppError`] (a rejection of a
/// layer or extractor we do not wrap): reported like ours, so every refusal
/// has the documented shape. Answers that carry their own body (JSON or
/// HTML from a handler) are left alone.
fn unreported_error(res: &Response) -> Option<ErrorReport> {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return None;
    }
    let ours = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json") || ct.starts_with("text/html"));
    if ours {
        return None;
    }
    let (code, message) = match status.as_u16() {
        401 => ("unauthenticated", Text::key("error.unauthenticated")),
        403 => ("forbidden", Text::key("error.forbidden")),
        404 => ("not_found", Text::key("error.not_found")),
        405 => ("method_not_allowed", Text::key("error.method_not_allowed")),
        413 => ("payload_too_large", Text::key("error.body_too_large")),
        414 => ("uri_too_long", Text::key("error.uri_too_long")),
        415 => ("unsupported_media_type", Text::key("error.want_json")),
        422 => ("validation", Text::key("error.validation")),
        429 => ("too_many_requests", Text::key("error.unavailable")),
        503 => ("unavailable", Text::key("error.unavailable")),
        s if s >= 500 => {
            tracing::error!(status = s, "an error answer without a report");
            ("internal", Text::key("error.internal"))
        }
        _ => ("bad_request", Text::key("error.bad_request")),
    };
    let allow = res
        .headers()
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(',').filter_map(|m| m.trim().parse().ok()).collect())
        .unwrap_or_default();
    Some(ErrorReport {
        status,
        code,
        message,
        fields: Vec::new(),
        retry_after_secs: None,
        allow,
    })
}

/// Middleware: renders an [`ErrorReport`] for whoever asked.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let is_htmx = req.headers().contains_key("hx-request");
    let request_locale = request_locale(req.headers());
    let request_id = req.extensions().get::<RequestId>().cloned();
    let res = if req.uri().to_string().len() > MAX_URI {
        AppError::UriTooLong.into_response()
    } else {
        next.run(req).await
    };

    let Some(report) = res
        .extensions()
        .get::<ErrorReport>()
        .cloned()
        .or_else(|| unreported_error(&res))
    else {
        return res;
    };
    // The guard records the signed-in user's language on the response.
    let locale = res
        .extensions()
        .get::<Locale>()
        .copied()
        .unwrap_or(request_locale);
    let rid = request_id.map(|r| r.0).unwrap_or_default();

    let mut out = if path.starts_with("/api/") || path == "/metrics" {
        let body = ApiErrorBody {
            error: ApiErrorDetail::new(
                report.code,
                report.message.get(locale),
                &report.fields,
                locale,
            ),
        };
        (report.status, Json(body)).into_response()
    } else if report.status == StatusCode::UNAUTHORIZED && !is_htmx {
        let next_url = match &query {
            Some(q) => format!("{path}?{q}"),
            None => path.clone(),
        };
        let target = format!("/login?next={}", url_encode(&next_url));
        Redirect::to(&target).into_response()
    } else if is_htmx {
        let mut res = (StatusCode::OK, Html(toast_html(&report, locale))).into_response();
        let h = res.headers_mut();
        if report.status == StatusCode::UNAUTHORIZED {
            h.insert("hx-redirect", HeaderValue::from_static("/login"));
        }
        h.insert("hx-retarget", HeaderValue::from_static("#toasts"));
        h.insert("hx-reswap", HeaderValue::from_static("beforeend"));
        // The real status for scripts and tests; htmx swaps 200 only.
        h.insert(
            "x-error-status",
            HeaderValue::from_str(report.status.as_str()).expect("status is ascii"),
        );
        res
    } else {
        (report.status, Html(error_page_html(&report, locale, &rid))).into_response()
    };
    if !report.allow.is_empty() {
        let allow = report
            .allow
            .iter()
            .map(axum::http::Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        if let Ok(v) = HeaderValue::from_str(&allow) {
            out.headers_mut().insert(header::ALLOW, v);
        }
    }
    if let Some(secs) = report.retry_after_secs {
        out.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    out
}

fn field_messages(report: &ErrorReport, locale: Locale) -> Vec<&str> {
    report
        .fields
        .iter()
        .map(|f| f.message.get(locale))
        .collect()
}

fn toast_html(report: &ErrorReport, locale: Locale) -> String {
    error_page::toast_html(
        report.code,
        report.message.get(locale),
        &field_messages(report, locale),
    )
}

fn error_page_html(report: &ErrorReport, locale: Locale, request_id: &str) -> String {
    error_page::page_html(
        locale,
        report.status.as_u16(),
        report.message.get(locale),
        &field_messages(report, locale),
        request_id,
    )
}

pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char);
            }
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encode_keeps_paths_and_escapes_queries() {
        assert_eq!(url_encode("/users?page=2"), "/users%3Fpage%3D2");
    }
}
