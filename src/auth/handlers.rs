//! Sign-in and sign-out pages, the language switch, and API tokens.

use askama::Template;
use axum::{
    Json,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use chrono::{DateTime, Duration, Utc};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    Ctx, CurrentUser, password,
    session::{self, SESSION_COOKIE},
    tokens::{self, Claims},
};
use crate::{
    app::AppState,
    error::AppError,
    extract::{ApiJson, AppForm, Query},
    i18n::{LANG_COOKIE, Locale, Text},
    layout::render_template,
    users::entity as users,
    web::{cookie_header, safe_path},
};

pub enum LoginFailure {
    Throttled(u64),
    Invalid,
    /// The database did not answer (or another error that is not the
    /// caller's): passed on, never counted as a failed sign-in.
    Unavailable(AppError),
}

/// Checks a user name and password, with throttling and constant work for
/// unknown accounts.
pub async fn authenticate(
    state: &AppState,
    username: &str,
    password_input: &str,
    address: &str,
) -> Result<users::Model, LoginFailure> {
    let now = state.clock.now();
    let username = username.trim().to_lowercase();
    state
        .throttle
        .check(&username, address, now)
        .map_err(LoginFailure::Throttled)?;
    // A database that does not answer is not a wrong password: 503, and
    // nothing counted against the account.
    let user = crate::users::queries::by_username(&state.db, &username)
        .await
        .map_err(LoginFailure::Unavailable)?;
    let stored = user.as_ref().map_or_else(
        || password::dummy_hash().to_owned(),
        |u| u.password_hash.clone(),
    );
    let ok = password::verify(password_input.to_owned(), stored).await;
    match user {
        Some(u) if ok && u.active => {
            state.throttle.record_success(&username, address);
            Ok(u)
        }
        _ => {
            state.throttle.record_failure(&username, address, now);
            tracing::info!(address, "failed sign-in");
            Err(LoginFailure::Invalid)
        }
    }
}

fn throttled_text(secs: u64) -> Text {
    let minutes = secs.div_ceil(60);
    Text::new(
        format!("登入失敗次數過多，請於 {minutes} 分鐘後再試"),
        format!("Too many failed sign-ins. Try again in {minutes} minute(s)."),
    )
}

/// Only local paths, so `next` cannot send people to another site.
#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage<'a> {
    t: Locale,
    lang: &'static str,
    switch_to: &'static str,
    company: &'a str,
    csrf: &'a str,
    next: &'a str,
    username: &'a str,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    if ctx.user.is_some() {
        return Ok(Redirect::to(&safe_path(q.next.as_deref())).into_response());
    }
    login_form(
        &state,
        &ctx,
        &safe_path(q.next.as_deref()),
        "",
        None,
        StatusCode::OK,
    )
}

fn login_form(
    state: &AppState,
    ctx: &Ctx,
    next: &str,
    username: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let page = LoginPage {
        t: ctx.locale,
        lang: ctx.locale.code(),
        switch_to: ctx.locale.other().code(),
        company: &state.config.company_name,
        csrf: &ctx.csrf,
        next,
        username,
        error,
    };
    Ok((status, axum::response::Html(render_template(&page)?)).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    AppForm(form): AppForm<LoginForm>,
) -> Result<Response, AppError> {
    let next = safe_path(form.next.as_deref());
    match authenticate(&state, &form.username, &form.password, &ctx.address).await {
        Ok(user) => {
            let now = state.clock.now();
            let lifetime = Duration::hours(state.config.session_hours);
            let token = session::create(&state.db, user.id, now, lifetime).await?;
            crate::users::queries::record_sign_in(&state.db, user.id, now).await?;
            let mut res = Redirect::to(&next).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                cookie_header(
                    SESSION_COOKIE,
                    &token,
                    lifetime.num_seconds(),
                    state.config.cookie_secure,
                ),
            );
            Ok(res)
        }
        Err(LoginFailure::Throttled(secs)) => {
            let msg = throttled_text(secs).get(ctx.locale).to_owned();
            let mut res = login_form(
                &state,
                &ctx,
                &next,
                &form.username,
                Some(msg),
                StatusCode::TOO_MANY_REQUESTS,
            )?;
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            Ok(res)
        }
        Err(LoginFailure::Invalid) => {
            let msg = ctx.locale.t("login.invalid").to_owned();
            login_form(
                &state,
                &ctx,
                &next,
                &form.username,
                Some(msg),
                StatusCode::UNAUTHORIZED,
            )
        }
        Err(LoginFailure::Unavailable(e)) => Err(e),
    }
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    if let Some(token) = &ctx.session_token {
        session::delete(&state.db, token).await?;
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(SESSION_COOKIE, "", 0, state.config.cookie_secure),
    );
    Ok(res)
}

#[derive(Deserialize)]
pub struct LocaleForm {
    lang: String,
    next: Option<String>,
}

/// Switches the language; remembered on the account when signed in.
pub async fn switch_locale(
    State(state): State<AppState>,
    ctx: Ctx,
    AppForm(form): AppForm<LocaleForm>,
) -> Result<Response, AppError> {
    let locale = Locale::parse(&form.lang)
        .ok_or_else(|| AppError::field("lang", Text::key("error.bad_value")))?;
    if let Some(u) = &ctx.user {
        crate::users::queries::set_locale(&state.db, u.id, locale).await?;
    }
    let mut res = Redirect::to(&safe_path(form.next.as_deref())).into_response();
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        locale.code()
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).expect("ascii cookie"),
    );
    Ok(res)
}

#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    /// 帳號 / user name
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Exchanges a user name and password for a short-lived API token.
#[utoipa::path(
    post, path = "/api/v1/auth/token", tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Token issued", body = TokenResponse),
        (status = 401, description = "Wrong user name or password", body = crate::error::ApiErrorBody),
        (status = 422, description = "Missing field", body = crate::error::ApiErrorBody),
        (status = 429, description = "Too many failures; see Retry-After", body = crate::error::ApiErrorBody),
    )
)]
pub async fn issue_token(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<Json<TokenResponse>, AppError> {
    match authenticate(&state, &body.username, &body.password, &ctx.address).await {
        Ok(user) => {
            let now = state.clock.now();
            let expires_at = now + Duration::minutes(state.config.token_minutes);
            let claims = Claims {
                sub: i64::from(user.id),
                av: user.auth_version,
                iat: now.timestamp(),
                exp: expires_at.timestamp(),
            };
            let token = tokens::encode_jwt(state.config.secret.expose_secret().as_bytes(), &claims);
            Ok(Json(TokenResponse { token, expires_at }))
        }
        Err(LoginFailure::Throttled(secs)) => Err(AppError::TooManyRequests {
            retry_after_secs: secs,
            message: throttled_text(secs),
        }),
        Err(LoginFailure::Invalid) => Err(AppError::BadCredentials),
        Err(LoginFailure::Unavailable(e)) => Err(e),
    }
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: super::Role,
    pub locale: String,
}

/// The signed-in user.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = crate::error::ApiErrorBody)),
    security(("bearer" = []))
)]
pub async fn me(CurrentUser(u): CurrentUser) -> Json<Me> {
    Json(Me {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        role: u.role,
        locale: u.locale.code().to_owned(),
    })
}
