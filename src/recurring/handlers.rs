//! The recurring-orders section of the customer page.

use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde::Deserialize;

use super::{TemplateInput, entity};
use crate::{
    app::AppState,
    error::AppError,
    extract::{AppForm, FormFields, Path},
};

/// Adds a template; a form with errors is answered with them (the page's
/// toast lists each field).
pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<i32>,
    f: FormFields,
) -> Result<Response, AppError> {
    let get = |k: &str| f.get(k).unwrap_or_default().to_owned();
    let weekdays: Vec<&str> = f.all("weekday").collect();
    let input = TemplateInput {
        customer_id: Some(id),
        rule: get("rule"),
        every_n_days: get("every_n_days"),
        weekdays: weekdays.join(","),
        start_date: get("start_date"),
        qty_50: get("qty_50"),
        qty_20: get("qty_20"),
        qty_16: get("qty_16"),
        qty_10: get("qty_10"),
        qty_4: get("qty_4"),
        notes: get("notes"),
    };
    let data = input
        .parse(state.clock.today_taipei())
        .map_err(AppError::Invalid)?;
    super::create(&state.db, id, &data, state.clock.now()).await?;
    Ok(Redirect::to(&format!("/customers/{id}?msg=saved#templates")).into_response())
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: String,
}

pub async fn set_active(
    State(state): State<AppState>,
    Path((id, template_id)): Path<(i32, i32)>,
    AppForm(f): AppForm<ActiveForm>,
) -> Result<Response, AppError> {
    let done = entity::Entity::update_many()
        .col_expr(entity::Column::Active, Expr::value(f.active == "true"))
        .col_expr(entity::Column::UpdatedAt, Expr::value(state.clock.now()))
        .filter(entity::Column::Id.eq(template_id))
        .filter(entity::Column::CustomerId.eq(id))
        .exec(&state.db)
        .await?;
    if done.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/customers/{id}?msg=saved#templates")).into_response())
}
