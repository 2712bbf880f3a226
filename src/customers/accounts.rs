//! The sign-in accounts linked to a customer record (what a customer's own
//! account sees at `/my`): a card on the customer page (loaded by htmx)
//! where the office links a customer-role account by its user name or
//! unlinks one, and the same under `/api/v1/customers/{id}/accounts`.

use askama::Template;
use axum::{
    Json,
    extract::State,
    http::{Method, StatusCode},
    response::{Html, IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::queries;
use crate::{
    app::{AppState, Routes},
    auth::{AuthUser, Ctx, CurrentUser, Role, policy::OFFICE},
    error::{AppError, FieldError},
    extract::{ApiJson, AppForm, Path},
    i18n::{Locale, Text},
    layout::render_template,
    users::{entity as users, queries as accounts},
};
use utoipa_axum::routes;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/customers/{id}/accounts", OFFICE, card)
        .add(
            Method::POST,
            "/customers/{id}/accounts",
            OFFICE,
            link_from_form,
        )
        .add(
            Method::POST,
            "/customers/{id}/accounts/{user_id}/unlink",
            OFFICE,
            unlink_from_form,
        )
        .api(OFFICE, routes!(api_list, api_link))
        .api(OFFICE, routes!(api_unlink))
}

/// A sign-in account linked to a customer.
#[derive(Serialize, ToSchema)]
pub struct LinkedAccount {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub active: bool,
}

impl From<users::Model> for LinkedAccount {
    fn from(u: users::Model) -> Self {
        Self {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            active: u.active,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct LinkInput {
    /// The user name of an account with the customer role.
    pub username: String,
}

async fn linked(state: &AppState, id: i32) -> Result<Vec<LinkedAccount>, AppError> {
    Ok(accounts::linked_to(&state.db, id)
        .await?
        .into_iter()
        .map(LinkedAccount::from)
        .collect())
}

/// Links the account named `username` to customer `id`. An account already
/// linked to another customer is refused with that customer's code, so a
/// customer never silently loses its sign-in.
async fn link(state: &AppState, actor: &AuthUser, id: i32, username: &str) -> Result<(), AppError> {
    queries::get(&state.db, id).await?;
    let name = username.trim().to_lowercase();
    if name.is_empty() {
        return Err(AppError::field(
            "username",
            Text::new("請填寫要連結的「帳號」", "Enter the user name to link"),
        ));
    }
    let Some(user) = accounts::by_username(&state.db, &name).await? else {
        return Err(AppError::field(
            "username",
            Text::new(
                format!("找不到帳號「{name}」，請先由管理員建立客戶帳號"),
                format!("No account named \"{name}\"; an admin creates customer accounts first"),
            ),
        ));
    };
    match user.customer_id {
        Some(c) if c == id => return Ok(()),
        Some(other) => {
            let code = queries::get(&state.db, other)
                .await
                .map_or_else(|_| format!("#{other}"), |c| c.code);
            return Err(AppError::field(
                "username",
                Text::new(
                    format!("帳號「{name}」已連結到客戶 {code}，請先在該客戶頁面解除連結"),
                    format!("\"{name}\" is linked to customer {code}; unlink it there first"),
                ),
            ));
        }
        None => {}
    }
    accounts::link_customer(&state.db, actor, user.id, Some(id), state.clock.now()).await?;
    Ok(())
}

async fn unlink(state: &AppState, actor: &AuthUser, id: i32, user_id: i32) -> Result<(), AppError> {
    queries::get(&state.db, id).await?;
    match accounts::find(&state.db, user_id).await? {
        Some(u) if u.customer_id == Some(id) => {
            accounts::link_customer(&state.db, actor, user_id, None, state.clock.now()).await?;
            Ok(())
        }
        _ => Err(AppError::NotFound),
    }
}

/// The accounts linked to a customer.
#[utoipa::path(get, path = "/api/v1/customers/{id}/accounts", tag = "customers",
    params(("id" = i32, Path)),
    responses((status = 200, body = Vec<LinkedAccount>), (status = 404, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<AppState>,
    Path(id): Path<i32>,
) -> Result<Json<Vec<LinkedAccount>>, AppError> {
    queries::get(&state.db, id).await?;
    Ok(Json(linked(&state, id).await?))
}

/// Links a customer-role account to the customer; answers with the linked
/// accounts.
#[utoipa::path(post, path = "/api/v1/customers/{id}/accounts", tag = "customers",
    params(("id" = i32, Path)), request_body = LinkInput,
    responses((status = 201, body = Vec<LinkedAccount>), (status = 422, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn api_link(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i32>,
    ApiJson(input): ApiJson<LinkInput>,
) -> Result<(StatusCode, Json<Vec<LinkedAccount>>), AppError> {
    link(&state, &actor, id, &input.username).await?;
    Ok((StatusCode::CREATED, Json(linked(&state, id).await?)))
}

/// Unlinks an account from the customer; answers with the accounts still
/// linked.
#[utoipa::path(delete, path = "/api/v1/customers/{id}/accounts/{user_id}", tag = "customers",
    params(("id" = i32, Path), ("user_id" = i32, Path)),
    responses((status = 200, body = Vec<LinkedAccount>), (status = 404, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn api_unlink(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path((id, user_id)): Path<(i32, i32)>,
) -> Result<Json<Vec<LinkedAccount>>, AppError> {
    unlink(&state, &actor, id, user_id).await?;
    Ok(Json(linked(&state, id).await?))
}

#[derive(Template)]
#[template(path = "customers/_accounts.html")]
struct Card {
    t: Locale,
    csrf: String,
    id: i32,
    linked: Vec<LinkedAccount>,
    /// Customer accounts not linked to anyone, offered in the box.
    free: Vec<String>,
    typed: String,
    errors: Vec<FieldError>,
    saved: bool,
}

impl Card {
    fn err(&self, field: &str) -> Option<&str> {
        crate::layout::field_error(&self.errors, field, self.t)
    }
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    id: i32,
    typed: String,
    errors: Vec<FieldError>,
    saved: bool,
) -> Result<String, AppError> {
    let free = accounts::with_role(&state.db, Role::Customer)
        .await?
        .into_iter()
        .filter(|u| u.active && u.customer_id.is_none())
        .map(|u| u.username)
        .collect();
    render_template(&Card {
        t: ctx.locale,
        csrf: ctx.csrf.clone(),
        id,
        linked: linked(state, id).await?,
        free,
        typed,
        errors,
        saved,
    })
}

pub async fn card(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    queries::get(&state.db, id).await?;
    Ok(Html(render(&state, &ctx, id, String::new(), Vec::new(), false).await?).into_response())
}

async fn answer(
    state: &AppState,
    ctx: &Ctx,
    id: i32,
    typed: String,
    done: Result<(), AppError>,
) -> Result<Response, AppError> {
    match done {
        Ok(()) => Ok(
            Html(render(state, ctx, id, String::new(), Vec::new(), true).await?).into_response(),
        ),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(render(state, ctx, id, typed, errors, false).await?),
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

pub async fn link_from_form(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i32>,
    AppForm(input): AppForm<LinkInput>,
) -> Result<Response, AppError> {
    let done = link(&state, &actor, id, &input.username).await;
    answer(&state, &ctx, id, input.username, done).await
}

pub async fn unlink_from_form(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(actor): CurrentUser,
    Path((id, user_id)): Path<(i32, i32)>,
) -> Result<Response, AppError> {
    let done = unlink(&state, &actor, id, user_id).await;
    answer(&state, &ctx, id, String::new(), done).await
}
