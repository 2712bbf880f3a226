//! The one role guard. For every routed request it finds out who is asking
//! (session cookie or bearer token), checks CSRF on browser writes, and
//! decides access from the access table every route declared when it was
//! registered ([`AppState::access`]).

use std::net::SocketAddr;

use axum::{
    body::{Body, to_bytes},
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{HeaderMap, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use secrecy::ExposeSecret;

use super::{
    AuthUser, Ctx, Role,
    policy::Access,
    session::{self, ANON_COOKIE, SESSION_COOKIE},
    tokens,
};
use crate::{
    app::AppState,
    error::AppError,
    i18n::{Locale, Text},
    users::entity as users,
    web::{cookie, cookie_header, request_locale},
};

/// Largest form body read for its CSRF field.
const FORM_LIMIT: usize = 4 * 1024 * 1024;

enum Identity {
    Anonymous,
    Session(String, users::Model),
    Token(users::Model),
    BadToken,
}

async fn identify(state: &AppState, headers: &HeaderMap) -> Result<Identity, AppError> {
    let now = state.clock.now();
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let Some(token) = auth.strip_prefix("Bearer ").map(str::trim) else {
            return Ok(Identity::BadToken);
        };
        let secret = state.config.secret.expose_secret().as_bytes();
        let Some(claims) = tokens::decode_jwt(secret, token, now.timestamp()) else {
            return Ok(Identity::BadToken);
        };
        let Ok(id) = i32::try_from(claims.sub) else {
            return Ok(Identity::BadToken);
        };
        return Ok(match crate::users::queries::find(&state.db, id).await? {
            Some(u) if u.active && u.auth_version == claims.av => Identity::Token(u),
            _ => Identity::BadToken,
        });
    }
    if let Some(token) = cookie(headers, SESSION_COOKIE)
        && let Some(u) = session::find_user(&state.db, token, now).await?
        && u.active
    {
        return Ok(Identity::Session(token.to_owned(), u));
    }
    Ok(Identity::Anonymous)
}

fn auth_user(u: &users::Model) -> Option<AuthUser> {
    Some(AuthUser {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: Role::parse(&u.role)?,
        locale: Locale::parse(&u.locale).unwrap_or_default(),
        customer_id: u.customer_id,
    })
}

/// Finds the CSRF token a browser write carries: the `X-CSRF-Token` header
/// (htmx) or the `csrf_token` field of a URL-encoded form.
async fn submitted_csrf(req: Request) -> Result<(Request, Option<String>), AppError> {
    if let Some(v) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        let v = v.to_owned();
        return Ok((req, Some(v)));
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((req, None));
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| AppError::BadRequest(Text::key("error.body_too_large")))?;
    let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| {
            pairs
                .into_iter()
                .find(|(k, _)| k == "csrf_token")
                .map(|(_, v)| v)
        });
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match guard_inner(&state, req, next).await {
        Ok(res) | Err(res) => res,
    }
}

async fn guard_inner(state: &AppState, req: Request, next: Next) -> Result<Response, Response> {
    let fail = |e: AppError, locale: Locale| {
        let mut res = e.into_response();
        res.extensions_mut().insert(locale);
        res
    };
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let method = req.method().clone();
    let access = route
        .as_deref()
        .and_then(|r| state.access.lookup(&method, r));
    let address = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
    let header_locale = request_locale(req.headers());

    let Some(access) = access else {
        // The path exists but not for this method (every registered route
        // has a rule): 405 with the methods it does take.
        let allowed = route
            .as_deref()
            .map(|r| state.access.methods(r))
            .unwrap_or_default();
        let e = if allowed.is_empty() {
            AppError::NotFound
        } else {
            AppError::MethodNotAllowed(allowed)
        };
        return Err(fail(e, header_locale));
    };

    let identity = identify(state, req.headers())
        .await
        .map_err(|e| fail(e, header_locale))?;
    let (model, session_token, via_token) = match identity {
        Identity::Anonymous => (None, None, false),
        Identity::Session(t, u) => (Some(u), Some(t), false),
        Identity::Token(u) => (Some(u), None, true),
        Identity::BadToken if access == Access::Public => (None, None, true),
        Identity::BadToken => return Err(fail(AppError::NotAuthenticated, header_locale)),
    };
    let user = model.as_ref().and_then(auth_user);
    if req.uri().path().starts_with("/api/")
        && let Err(secs) =
            state
                .rate
                .check(user.as_ref().map(|u| u.id), &address, state.clock.now())
    {
        return Err(fail(
            AppError::TooManyRequests {
                retry_after_secs: secs,
                message: Text::key("error.rate_limited"),
            },
            header_locale,
        ));
    }
    // Pages follow the account's chosen language; API callers may ask per
    // request with Accept-Language.
    let asked = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Locale::from_accept_language);
    let is_api = req.uri().path().starts_with("/api/");
    let locale = match (&user, asked) {
        (Some(_), Some(l)) if is_api => l,
        (Some(u), _) => u.locale,
        (None, _) => header_locale,
    };

    // CSRF binding: the session, or an anonymous id kept in a cookie.
    let mut new_anon = None;
    let binding = match (&session_token, cookie(req.headers(), ANON_COOKIE)) {
        (Some(t), _) => format!("s:{t}"),
        (None, Some(a)) if a.len() >= 32 => format!("a:{a}"),
        _ => {
            let a = tokens::random_token();
            let b = format!("a:{a}");
            new_anon = Some(a);
            b
        }
    };
    let secret = state.config.secret.expose_secret().as_bytes();
    let csrf = tokens::csrf_token(secret, &binding);

    let mut req = req;
    let unsafe_method = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    // Forgery rides on cookies: browser forms always need the token; API
    // calls need it only when they come with a session cookie.
    if unsafe_method && !via_token && (!is_api || session_token.is_some()) {
        let (r, submitted) = submitted_csrf(req).await.map_err(|e| fail(e, locale))?;
        req = r;
        let ok = submitted.is_some_and(|s| tokens::csrf_matches(secret, &binding, &s));
        if !ok {
            return Err(fail(AppError::Csrf, locale));
        }
    }

    let denied = match (access, &user) {
        (Access::SignedIn | Access::Roles(_), None) => Some(AppError::NotAuthenticated),
        (Access::Roles(roles), Some(u)) if !roles.contains(&u.role) => Some(AppError::Forbidden),
        _ => None,
    };
    if let Some(e) = denied {
        return Err(fail(e, locale));
    }

    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    req.extensions_mut().insert(Ctx {
        user,
        locale,
        csrf,
        address,
        session_token,
        path,
    });
    let mut res = next.run(req).await;
    res.extensions_mut().insert(locale);
    // Only pages carry forms; other answers need no anonymous id.
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    if let Some(a) = new_anon.filter(|_| is_html) {
        res.headers_mut().append(
            header::SET_COOKIE,
            cookie_header(
                ANON_COOKIE,
                &a,
                60 * 60 * 24 * 30,
                state.config.cookie_secure,
            ),
        );
    }
    Ok(res)
}
