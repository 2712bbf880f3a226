//! A customer's own prices (overrides of the list price from a date): a
//! card on the customer page (loaded by htmx) with a form for managers, and
//! `GET/POST /api/v1/customers/{id}/prices`.

use askama::Template;
use axum::{
    Json,
    extract::State,
    http::{Method, StatusCode},
    response::{Html, IntoResponse, Response},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

use super::list::{PriceInput, PriceOut, parse};
use crate::{
    app::{AppState, Routes},
    auth::{Ctx, Role},
    customers::entity::customer,
    domain::CylinderSize,
    error::{AppError, FieldError},
    extract::{ApiJson, AppForm, Path},
    i18n::Locale,
    layout::{money, render_template},
    prices::{self, customer_price},
};

use crate::auth::policy::{MANAGERS, OFFICE};
use utoipa_axum::routes;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/customers/{id}/prices", OFFICE, card)
        .add(
            Method::POST,
            "/customers/{id}/prices",
            MANAGERS,
            set_from_form,
        )
        .api(OFFICE, routes!(api_list))
        .api(MANAGERS, routes!(api_set))
}

/// The price a customer pays for a size today.
#[derive(Serialize, ToSchema)]
pub struct Effective {
    pub size: String,
    pub price: Option<i64>,
    /// `true` when it is the customer's own price, not the list price.
    pub own: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CustomerPrices {
    /// The customer's own prices, newest first.
    pub overrides: Vec<PriceOut>,
    pub today: Vec<Effective>,
}

async fn existing(state: &AppState, id: i32) -> Result<customer::Model, AppError> {
    crate::customers::queries::get(&state.db, id).await
}

async fn load(state: &AppState, id: i32) -> Result<CustomerPrices, AppError> {
    let today = state.clock.today_taipei();
    let overrides = customer_price::Entity::find()
        .filter(customer_price::Column::CustomerId.eq(id))
        .order_by_desc(customer_price::Column::ValidFrom)
        .order_by_asc(customer_price::Column::Size)
        .all(&state.db)
        .await?;
    let mut effective = Vec::new();
    for size in CylinderSize::ALL {
        let own = overrides
            .iter()
            .find(|p| p.size == size.code() && p.valid_from <= today)
            .map(|p| p.price);
        let price = match own {
            Some(p) => Some(p),
            None => prices::list_price_on(&state.db, size, today).await?,
        };
        effective.push(Effective {
            size: size.code().to_owned(),
            price,
            own: own.is_some(),
        });
    }
    Ok(CustomerPrices {
        overrides: overrides
            .into_iter()
            .map(|p| PriceOut {
                size: p.size,
                price: p.price,
                valid_from: p.valid_from,
            })
            .collect(),
        today: effective,
    })
}

/// A customer's own prices and what they pay for each size today.
#[utoipa::path(get, path = "/api/v1/customers/{id}/prices", tag = "customers",
    params(("id" = i32, Path)),
    responses((status = 200, body = CustomerPrices), (status = 404, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<AppState>,
    Path(id): Path<i32>,
) -> Result<Json<CustomerPrices>, AppError> {
    existing(&state, id).await?;
    Ok(Json(load(&state, id).await?))
}

/// Sets a customer's own price of a size from a date (orders on or after it
/// use it instead of the list price).
#[utoipa::path(post, path = "/api/v1/customers/{id}/prices", tag = "customers",
    params(("id" = i32, Path)), request_body = PriceInput,
    responses((status = 201, body = CustomerPrices), (status = 422, body = crate::error::ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn api_set(
    State(state): State<AppState>,
    Path(id): Path<i32>,
    ApiJson(input): ApiJson<PriceInput>,
) -> Result<(StatusCode, Json<CustomerPrices>), AppError> {
    existing(&state, id).await?;
    let (size, amount, from) =
        parse(&input, state.clock.today_taipei()).map_err(AppError::Invalid)?;
    prices::set_customer_price(&state.db, id, size, amount, from, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(load(&state, id).await?)))
}

pub struct Row {
    pub size: String,
    pub price: String,
    pub from: String,
    pub upcoming: bool,
}

#[derive(Template)]
#[template(path = "prices/_customer.html")]
struct Card {
    t: Locale,
    csrf: String,
    id: i32,
    today: Vec<(String, String, bool)>,
    rows: Vec<Row>,
    sizes: Vec<(String, String)>,
    can_edit: bool,
    date: String,
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
    errors: Vec<FieldError>,
    saved: bool,
) -> Result<String, AppError> {
    let t = ctx.locale;
    let label = |s: CylinderSize| s.label(t);
    let size_label = |code: &str| CylinderSize::parse(code).map_or_else(|_| code.to_owned(), label);
    let today = state.clock.today_taipei();
    let p = load(state, id).await?;
    render_template(&Card {
        t,
        csrf: ctx.csrf.clone(),
        id,
        today: p
            .today
            .iter()
            .map(|e| {
                (
                    size_label(&e.size),
                    e.price.map_or_else(|| "—".into(), money),
                    e.own,
                )
            })
            .collect(),
        rows: p
            .overrides
            .iter()
            .map(|o| Row {
                size: size_label(&o.size),
                price: money(o.price),
                from: o.valid_from.to_string(),
                upcoming: o.valid_from > today,
            })
            .collect(),
        sizes: CylinderSize::ALL
            .iter()
            .map(|s| (s.code().to_owned(), label(*s)))
            .collect(),
        can_edit: ctx
            .user
            .as_ref()
            .is_some_and(|u| matches!(u.role, Role::SuperAdmin | Role::Manager)),
        date: today.to_string(),
        errors,
        saved,
    })
}

pub async fn card(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    existing(&state, id).await?;
    Ok(Html(render(&state, &ctx, id, Vec::new(), false).await?).into_response())
}

pub async fn set_from_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    AppForm(input): AppForm<PriceInput>,
) -> Result<Response, AppError> {
    existing(&state, id).await?;
    match parse(&input, state.clock.today_taipei()) {
        Ok((size, amount, from)) => {
            prices::set_customer_price(&state.db, id, size, amount, from, state.clock.now())
                .await?;
            Ok(Html(render(&state, &ctx, id, Vec::new(), true).await?).into_response())
        }
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(render(&state, &ctx, id, errors, false).await?),
        )
            .into_response()),
    }
}
