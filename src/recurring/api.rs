//! `/api/v1/templates`: recurring orders.

use axum::{Json, extract::State, http::StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{RunReport, TemplateInput, entity, lines_of};
use crate::{
    app::AppState, auth::CurrentUser, error::AppError, extract::ApiJson, extract::Query, i18n::Text,
};

#[derive(Serialize, ToSchema)]
pub struct TemplateOut {
    pub id: i32,
    pub customer_id: i32,
    pub rule: String,
    pub every_n_days: Option<i32>,
    pub weekdays: String,
    #[schema(value_type = String)]
    pub start_date: chrono::NaiveDate,
    /// {"50": 2}
    #[schema(value_type = Object)]
    pub lines: serde_json::Value,
    pub active: bool,
}

fn out(t: entity::Model) -> TemplateOut {
    let lines: serde_json::Map<String, serde_json::Value> = lines_of(&t)
        .into_iter()
        .map(|(s, q)| (s.code().to_owned(), q.into()))
        .collect();
    TemplateOut {
        id: t.id,
        customer_id: t.customer_id,
        rule: t.rule,
        every_n_days: t.every_n_days,
        weekdays: t.weekdays,
        start_date: t.start_date,
        lines: lines.into(),
        active: t.active,
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub customer_id: i32,
}

/// A customer's recurring orders.
#[utoipa::path(get, path = "/api/v1/templates", tag = "orders", params(ListQuery),
    responses((status = 200, body = Vec<TemplateOut>)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<TemplateOut>>, AppError> {
    Ok(Json(
        super::for_customer(&state.db, q.customer_id)
            .await?
            .into_iter()
            .map(out)
            .collect(),
    ))
}

/// Adds a recurring order to a customer.
#[utoipa::path(post, path = "/api/v1/templates", tag = "orders", request_body = TemplateInput,
    responses((status = 201, body = TemplateOut), (status = 422, body = crate::error::ApiErrorBody)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<TemplateInput>,
) -> Result<(StatusCode, Json<TemplateOut>), AppError> {
    let customer_id = input.customer_id.ok_or_else(|| {
        AppError::field("customer_id", Text::new("請選擇客戶", "Choose a customer"))
    })?;
    let data = input
        .parse(state.clock.today_taipei())
        .map_err(AppError::Invalid)?;
    let t = super::create(&state.db, customer_id, &data, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(out(t))))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunQuery {
    /// `YYYY-MM-DD`; today when empty.
    #[serde(default)]
    pub date: String,
}

/// Creates the day's recurring orders (again: nothing new the second time).
#[utoipa::path(post, path = "/api/v1/templates/run", tag = "orders", params(RunQuery),
    responses((status = 200, body = RunReport)), security(("bearer" = [])))]
pub async fn run(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<RunQuery>,
) -> Result<Json<RunReport>, AppError> {
    let today = state.clock.today_taipei();
    let date =
        crate::orders::form::parse_date(&q.date, today).map_err(|m| AppError::field("date", m))?;
    Ok(Json(
        super::run_for(
            &state.db,
            &state.events,
            Some(&actor),
            date,
            state.clock.now(),
        )
        .await?,
    ))
}
