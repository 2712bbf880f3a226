//! One application error type. A handler returns [`AppError`]; its
//! `IntoResponse` only records what went wrong, and [`render_errors`] (which
//! sees the request) turns it into JSON for `/api/*`, a toast for htmx, or a
//! full page, in the caller's language.

use std::fmt::Write;

use axum::{
    Json,
    body::Body,
    extract::{FromRequest, Request, rejection::JsonRejection},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Serialize;

use crate::{
    i18n::{Locale, Text},
    observability::RequestId,
    web::{escape, request_locale},
};

#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: String,
    pub message: Text,
}

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
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Internal(e.into())
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

    /// One field error: `AppError::field("username", Text::new("…", "…"))`.
    pub fn field(field: impl Into<String>, message: Text) -> Self {
        Self::Invalid(vec![FieldError {
            field: field.into(),
            message,
        }])
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
            | Self::TooManyRequests { message: t, .. } => t.clone(),
            Self::Internal(_) => Text::key("error.internal"),
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
                _ => None,
            },
        };
        let mut res = status.into_response();
        res.extensions_mut().insert(report);
        res
    }
}

#[derive(Serialize)]
struct JsonError<'a> {
    error: JsonErrorBody<'a>,
}

#[derive(Serialize)]
struct JsonErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    fields: Vec<JsonField<'a>>,
}

#[derive(Serialize)]
struct JsonField<'a> {
    field: &'a str,
    message: &'a str,
}

/// Middleware: renders an [`ErrorReport`] for whoever asked.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let is_htmx = req.headers().contains_key("hx-request");
    let request_locale = request_locale(req.headers());
    let request_id = req.extensions().get::<RequestId>().cloned();
    let res = next.run(req).await;

    let Some(report) = res.extensions().get::<ErrorReport>().cloned() else {
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
        let fields = report
            .fields
            .iter()
            .map(|f| JsonField {
                field: &f.field,
                message: f.message.get(locale),
            })
            .collect();
        let body = JsonError {
            error: JsonErrorBody {
                code: report.code,
                message: report.message.get(locale),
                fields,
            },
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
    if let Some(secs) = report.retry_after_secs {
        out.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    out
}

fn toast_html(report: &ErrorReport, locale: Locale) -> String {
    let mut s = format!(
        r#"<div class="toast toast-error" role="alert" data-code="{}"><strong>{}</strong>"#,
        report.code,
        escape(report.message.get(locale))
    );
    if !report.fields.is_empty() {
        s.push_str("<ul>");
        for f in &report.fields {
            let _ = write!(s, "<li>{}</li>", escape(f.message.get(locale)));
        }
        s.push_str("</ul>");
    }
    s.push_str("</div>");
    s
}

fn error_page_html(report: &ErrorReport, locale: Locale, request_id: &str) -> String {
    let page = crate::web::ErrorPage {
        lang: locale.code(),
        title: report.status.as_u16().to_string(),
        heading: report.message.get(locale).to_owned(),
        fields: report
            .fields
            .iter()
            .map(|f| f.message.get(locale).to_owned())
            .collect(),
        request_id: request_id.to_owned(),
        request_id_label: locale.t("error.request_id"),
        home_label: locale.t("error.back_home"),
    };
    crate::web::render_template(&page)
        .unwrap_or_else(|_| escape(report.message.get(locale)).into_owned())
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

/// JSON body extractor whose rejections use the application's error shape.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request<Body>, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> AppError {
    let detail = rejection.body_text();
    // serde names the missing or mistyped field in backticks.
    if let Some(field) = detail
        .split('`')
        .nth(1)
        .filter(|_| detail.contains("missing field"))
    {
        return AppError::field(field, Text::key("error.required"));
    }
    if let JsonRejection::JsonDataError(_) = rejection {
        let field = detail.split(" at line").next().unwrap_or_default();
        let field = field.rsplit(": ").next().unwrap_or_default();
        let name = field.split('.').next_back().unwrap_or("body").trim();
        return AppError::field(
            if name.is_empty() || name.contains(' ') {
                "body"
            } else {
                name
            },
            Text::key("error.bad_value"),
        );
    }
    AppError::BadRequest(Text::key("error.bad_json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encode_keeps_paths_and_escapes_queries() {
        assert_eq!(url_encode("/users?page=2"), "/users%3Fpage%3D2");
    }
}
