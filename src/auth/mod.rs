//! Accounts, sessions, tokens and the one role guard.

pub mod guard;
pub mod handlers;
pub mod password;
pub mod policy;
pub mod rate_limit;
mod role;
pub mod session;
pub mod throttle;
pub mod tokens;

use axum::{extract::FromRequestParts, http::request::Parts};

pub use role::Role;

use crate::{error::AppError, i18n::Locale};

/// The signed-in user, as the guard found them.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub locale: Locale,
    /// The customer a `customer`-role account belongs to.
    pub customer_id: Option<i32>,
}

/// What every handler may know about the request: who (if anyone), the
/// language, the CSRF token for forms, and the client address.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub user: Option<AuthUser>,
    pub locale: Locale,
    pub csrf: String,
    pub address: String,
    /// The session cookie's token, when signed in through the browser.
    pub session_token: Option<String>,
    /// The path and query of this request (for language switch return).
    pub path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("route is not behind the guard")))
    }
}

/// Extracts the signed-in user; anonymous requests get 401.
pub struct CurrentUser(pub AuthUser);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        Ctx::from_request_parts(parts, s)
            .await?
            .user
            .map(Self)
            .ok_or(AppError::NotAuthenticated)
    }
}

use axum::http::Method;

use crate::app::Routes;
use crate::auth::policy::{PUBLIC, SIGNED_IN};
use utoipa_axum::routes;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/login", PUBLIC, handlers::login_page)
        .add(Method::POST, "/login", PUBLIC, handlers::login)
        .add(Method::POST, "/logout", SIGNED_IN, handlers::logout)
        .add(Method::POST, "/locale", PUBLIC, handlers::switch_locale)
        .api(PUBLIC, routes!(handlers::issue_token))
        .api(SIGNED_IN, routes!(handlers::me))
}
