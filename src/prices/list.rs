//! The price list: current prices per cylinder size, their history, and a
//! form (managers) to set a price from a date.

use askama::Template;
use axum::{
    Json,
    extract::State,
    http::{Method, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
};
use chrono::NaiveDate;
use sea_orm::{EntityTrait, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    app::{AppState, Routes},
    auth::{Ctx, Role},
    domain::{CylinderSize, Money},
    error::{AppError, FieldError},
    extract::{ApiJson, AppForm, Query},
    i18n::Text,
    layout::{Shell, money, render_template},
    prices::{self, price},
};

use crate::auth::policy::{MANAGERS, OFFICE};
use utoipa_axum::routes;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/prices", OFFICE, page)
        .add(Method::POST, "/prices", MANAGERS, set_from_form)
        .api(OFFICE, routes!(api_list))
        .api(MANAGERS, routes!(api_set))
}

#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
pub struct PriceInput {
    /// "50", "20", "16", "10" or "4"
    #[serde(default)]
    pub size: String,
    /// Whole NT$.
    #[serde(default)]
    #[schema(value_type = String)]
    pub price: serde_json::Value,
    /// `YYYY-MM-DD`; today when empty.
    #[serde(default)]
    pub valid_from: String,
}

pub(crate) fn parse(
    input: &PriceInput,
    today: NaiveDate,
) -> Result<(CylinderSize, i64, NaiveDate), Vec<FieldError>> {
    let mut errors = Vec::new();
    let size = CylinderSize::parse(&input.size)
        .map_err(|m| {
            errors.push(FieldError::new("size", m));
        })
        .ok();
    let raw = match &input.price {
        serde_json::Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    let amount = match Money::parse_non_negative(&raw) {
        Ok(m) if m.amount() > 0 && m.amount() <= 100_000 => Some(m.amount()),
        _ => {
            errors.push(FieldError::new(
                "price",
                Text::new(
                    "「價格」請輸入 1 到 100,000 的整數金額",
                    "Price: a whole NT$ amount from 1 to 100,000",
                ),
            ));
            None
        }
    };
    let from = crate::orders::form::parse_date(&input.valid_from, today)
        .map_err(|m| {
            errors.push(FieldError::new("valid_from", m));
        })
        .ok();
    match (size, amount, from) {
        (Some(s), Some(a), Some(f)) if errors.is_empty() => Ok((s, a, f)),
        _ => Err(errors),
    }
}

#[derive(Serialize, ToSchema)]
pub struct PriceOut {
    pub size: String,
    pub price: i64,
    #[schema(value_type = String)]
    pub valid_from: NaiveDate,
}

/// Every list price with its valid-from date, newest first.
#[utoipa::path(get, path = "/api/v1/prices", tag = "orders",
    responses((status = 200, body = Vec<PriceOut>)), security(("bearer" = [])))]
pub async fn api_list(State(state): State<AppState>) -> Result<Json<Vec<PriceOut>>, AppError> {
    let rows = price::Entity::find()
        .order_by_desc(price::Column::ValidFrom)
        .all(&state.db)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|p| PriceOut {
                size: p.size,
                price: p.price,
                valid_from: p.valid_from,
            })
            .collect(),
    ))
}

/// Sets the list price of a size from a date (orders on or after it use it).
#[utoipa::path(post, path = "/api/v1/prices", tag = "orders", request_body = PriceInput,
    responses((status = 201, body = PriceOut), (status = 422, body = crate::error::ApiErrorBody)), security(("bearer" = [])))]
pub async fn api_set(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<PriceInput>,
) -> Result<(StatusCode, Json<PriceOut>), AppError> {
    let (size, amount, from) =
        parse(&input, state.clock.today_taipei()).map_err(AppError::Invalid)?;
    prices::set_list_price(&state.db, size, amount, from, state.clock.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(PriceOut {
            size: size.code().into(),
            price: amount,
            valid_from: from,
        }),
    ))
}

pub struct Current {
    pub size: String,
    pub price: String,
}

pub struct History {
    pub size: String,
    pub price: String,
    pub from: String,
    pub upcoming: bool,
}

#[derive(Template)]
#[template(path = "prices/page.html")]
struct PricePage {
    shell: Shell,
    current: Vec<Current>,
    history: Vec<History>,
    can_edit: bool,
    today: String,
    sizes: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

impl PricePage {
    fn err(&self, field: &str) -> Option<&str> {
        crate::layout::field_error(&self.errors, field, self.shell.t)
    }
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    errors: Vec<FieldError>,
    flash: Option<String>,
) -> Result<String, AppError> {
    let t = ctx.locale;
    let today = state.clock.today_taipei();
    let label = |s: CylinderSize| s.label(t);
    let current = prices::list_on(&state.db, today)
        .await?
        .into_iter()
        .map(|(s, p)| Current {
            size: label(s),
            price: p.map_or_else(|| "—".into(), money),
        })
        .collect();
    let history = price::Entity::find()
        .order_by_desc(price::Column::ValidFrom)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|p| History {
            size: CylinderSize::parse(&p.size).map_or_else(|_| p.size.clone(), label),
            price: money(p.price),
            from: p.valid_from.to_string(),
            upcoming: p.valid_from > today,
        })
        .collect();
    let page = PricePage {
        shell: Shell::new(state, ctx, "/prices", t.t("prices.title")).with_flash(flash),
        current,
        history,
        can_edit: ctx
            .user
            .as_ref()
            .is_some_and(|u| matches!(u.role, Role::SuperAdmin | Role::Manager)),
        today: today.to_string(),
        sizes: CylinderSize::ALL
            .iter()
            .map(|s| (s.code().to_owned(), label(*s)))
            .collect(),
        errors,
    };
    render_template(&page)
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(f): Query<crate::layout::FlashQuery>,
) -> Result<Response, AppError> {
    let flash = f.msg.map(|_| ctx.locale.t("prices.saved").to_owned());
    Ok(Html(render(&state, &ctx, Vec::new(), flash).await?).into_response())
}

pub async fn set_from_form(
    State(state): State<AppState>,
    ctx: Ctx,
    AppForm(input): AppForm<PriceInput>,
) -> Result<Response, AppError> {
    match parse(&input, state.clock.today_taipei()) {
        Ok((size, amount, from)) => {
            prices::set_list_price(&state.db, size, amount, from, state.clock.now()).await?;
            Ok(Redirect::to("/prices?msg=saved").into_response())
        }
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(render(&state, &ctx, errors, None).await?),
        )
            .into_response()),
    }
}
