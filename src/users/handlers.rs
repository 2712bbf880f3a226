//! User-management pages for super admins.

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::{entity as users, form, queries};
use crate::{
    app::AppState,
    audit,
    auth::{Ctx, CurrentUser, Role},
    error::{AppError, FieldError},
    extract::{AppForm, Path, Query},
    i18n::Locale,
    layout::{Shell, render_template},
};

pub struct RoleOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

fn role_options(t: Locale, selected: &str) -> Vec<RoleOption> {
    Role::ALL
        .iter()
        .map(|r| RoleOption {
            value: r.as_str(),
            label: t.t(r.label_key()),
            selected: r.as_str() == selected,
        })
        .collect()
}

pub struct UserRow {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub active: bool,
    pub last_login: String,
    pub customer_id: Option<i32>,
}

fn row(t: Locale, u: &users::Model) -> UserRow {
    UserRow {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: Role::parse(&u.role).map_or("?", |r| t.t(r.label_key())),
        active: u.active,
        customer_id: u.customer_id,
        last_login: u.last_login_at.map_or_else(
            || "—".to_owned(),
            |d| {
                d.with_timezone(&crate::clock::taipei())
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            },
        ),
    }
}

/// Form values echoed back with their errors.
#[derive(Default, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub password: String,
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<UserRow>,
    roles: Vec<RoleOption>,
    form: CreateForm,
    errors: Vec<FieldError>,
}

impl ListPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.get(self.shell.t))
    }
}

fn flash_text(t: Locale, msg: Option<&str>) -> Option<String> {
    match msg {
        Some("created") => Some(t.t("users.created").to_owned()),
        Some("saved") => Some(t.t("users.saved").to_owned()),
        _ => None,
    }
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    form: CreateForm,
    errors: Vec<FieldError>,
    flash: Option<String>,
) -> Result<String, AppError> {
    let t = ctx.locale;
    let rows = queries::list(&state.db)
        .await?
        .iter()
        .map(|u| row(t, u))
        .collect();
    let page = ListPage {
        shell: Shell::new(state, ctx, "/users", t.t("users.title")).with_flash(flash),
        rows,
        roles: role_options(t, &form.role),
        form,
        errors,
    };
    render_template(&page)
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(flash): Query<crate::layout::FlashQuery>,
) -> Result<Response, AppError> {
    let flash = flash_text(ctx.locale, flash.msg.as_deref());
    let form = CreateForm {
        role: Role::OfficeStaff.as_str().into(),
        ..CreateForm::default()
    };
    Ok(Html(list_page(&state, &ctx, form, Vec::new(), flash).await?).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(actor): CurrentUser,
    AppForm(input): AppForm<CreateForm>,
) -> Result<Response, AppError> {
    let parsed = form::parse_new_user(
        &input.username,
        &input.display_name,
        &input.role,
        &input.password,
    );
    let result = match parsed {
        Ok(new) => queries::create(&state.db, Some(&actor), new, state.clock.now()).await,
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/users?msg=created").into_response()),
        Err(AppError::Invalid(errors)) => {
            let form = CreateForm {
                password: String::new(),
                ..input
            };
            let html = list_page(&state, &ctx, form, errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e),
    }
}

pub struct AuditRow {
    pub at: String,
    pub action: String,
    pub change: String,
}

#[derive(Template)]
#[template(path = "users/edit.html")]
struct EditPage {
    shell: Shell,
    user: UserRow,
    version: i32,
    role_value: String,
    roles: Vec<RoleOption>,
    errors: Vec<FieldError>,
    history: Vec<AuditRow>,
    is_self: bool,
}

impl EditPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.get(self.shell.t))
    }
}

async fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    id: i32,
    errors: Vec<FieldError>,
    flash: Option<String>,
) -> Result<String, AppError> {
    let t = ctx.locale;
    let user = queries::get(&state.db, id).await?;
    let history = audit::for_entity(&state.db, "user", &id.to_string(), 20)
        .await?
        .into_iter()
        .map(|a| AuditRow {
            at: a
                .created_at
                .with_timezone(&crate::clock::taipei())
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            action: t.t(&format!("audit.{}", a.action)).to_owned(),
            change: audit::describe_change(a.before.as_deref(), a.after.as_deref()),
        })
        .collect();
    let page = EditPage {
        shell: Shell::new(state, ctx, "/users", &user.display_name).with_flash(flash),
        version: user.version,
        role_value: user.role.clone(),
        is_self: ctx.user.as_ref().is_some_and(|u| u.id == id),
        roles: role_options(t, &user.role),
        user: row(t, &user),
        errors,
        history,
    };
    render_template(&page)
}

pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Query(flash): Query<crate::layout::FlashQuery>,
) -> Result<Response, AppError> {
    let flash = flash_text(ctx.locale, flash.msg.as_deref());
    Ok(Html(edit_page(&state, &ctx, id, Vec::new(), flash).await?).into_response())
}

#[derive(Deserialize)]
pub struct ChangeForm {
    action: String,
    version: i32,
    role: Option<String>,
    display_name: Option<String>,
    password: Option<String>,
}

pub async fn change(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i32>,
    AppForm(input): AppForm<ChangeForm>,
) -> Result<Response, AppError> {
    let change = match input.action.as_str() {
        "profile" => {
            let role = form::parse_role(input.role.as_deref().unwrap_or_default());
            let name = form::parse_display_name(input.display_name.as_deref().unwrap_or_default());
            match (role, name) {
                (Ok(role), Ok(name)) => Ok(queries::UserChange {
                    role: Some(role),
                    display_name: Some(name),
                    ..Default::default()
                }),
                (r, n) => Err([r.err(), n.err()].into_iter().flatten().collect()),
            }
        }
        "password" => form::parse_password(input.password.as_deref().unwrap_or_default())
            .map(|p| queries::UserChange {
                password: Some(p),
                ..Default::default()
            })
            .map_err(|e| vec![e]),
        "deactivate" => Ok(queries::UserChange {
            active: Some(false),
            ..Default::default()
        }),
        "activate" => Ok(queries::UserChange {
            active: Some(true),
            ..Default::default()
        }),
        _ => return Err(AppError::NotFound),
    };
    let result = match change {
        Ok(c) => queries::update(&state.db, &actor, id, input.version, c, state.clock.now()).await,
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/users/{id}?msg=saved")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let html = edit_page(&state, &ctx, id, errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e),
    }
}
