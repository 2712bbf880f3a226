//! What a customer-role account sees: its own customer and orders, never
//! anyone else's.

use askama::Template;
use axum::{
    Json,
    extract::State,
    response::{Html, IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

use super::queries;
use crate::{
    app::AppState,
    auth::{Ctx, CurrentUser},
    error::AppError,
    layout::{Shell, money, render_template},
    orders::{api::OrderOut, queries as orders, status::OrderStatus},
};

#[derive(Serialize, ToSchema)]
pub struct OwnAccount {
    pub code: String,
    pub name: String,
    pub address: String,
    pub phones: Vec<String>,
    pub orders: Vec<OrderOut>,
}

async fn load(state: &AppState, customer_id: Option<i32>) -> Result<OwnAccount, AppError> {
    let id = customer_id.ok_or(AppError::NotFound)?;
    let c = queries::get(&state.db, id).await?;
    let phones = queries::phones_of(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let recent = orders::recent_for_customer(&state.db, id, 20).await?;
    Ok(OwnAccount {
        code: c.code,
        name: c.name,
        address: c.address,
        phones: phones.into_iter().map(|p| p.phone).collect(),
        orders: recent
            .into_iter()
            .map(|r| crate::orders::api::out(r.order, r.lines, None, None))
            .collect(),
    })
}

/// The signed-in customer's own record and recent orders.
#[utoipa::path(get, path = "/api/v1/my/customer", tag = "customers",
    responses((status = 200, body = OwnAccount), (status = 404, body = crate::error::ApiErrorBody)), security(("bearer" = [])))]
pub async fn api(
    State(state): State<AppState>,
    CurrentUser(u): CurrentUser,
) -> Result<Json<OwnAccount>, AppError> {
    Ok(Json(load(&state, u.customer_id).await?))
}

pub struct Row {
    pub number: String,
    pub date: String,
    pub items: String,
    pub amount: String,
    pub status: String,
    pub status_code: String,
}

#[derive(Template)]
#[template(path = "customers/own.html")]
struct OwnPage {
    shell: Shell,
    account: Option<(String, String, String)>,
    rows: Vec<Row>,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(u): CurrentUser,
) -> Result<Response, AppError> {
    let t = ctx.locale;
    let (account, rows) = match load(&state, u.customer_id).await {
        Ok(a) => {
            let rows = a
                .orders
                .iter()
                .map(|o| {
                    let st = OrderStatus::parse(&o.status).unwrap_or(OrderStatus::Pending);
                    Row {
                        number: o.order_number.clone(),
                        date: o.requested_date.to_string(),
                        items: o
                            .lines
                            .iter()
                            .map(|l| format!("{}kg×{}", l.size, l.quantity))
                            .collect::<Vec<_>>()
                            .join(" "),
                        amount: money(o.total_amount),
                        status: st.label(t).to_owned(),
                        status_code: st.as_str().to_owned(),
                    }
                })
                .collect();
            (Some((a.code, a.name, a.address)), rows)
        }
        Err(AppError::NotFound) => (None, Vec::new()),
        Err(e) => return Err(e),
    };
    let page = OwnPage {
        shell: Shell::new(&state, &ctx, "/my", t.t("nav.my")),
        account,
        rows,
    };
    Ok(Html(render_template(&page)?).into_response())
}
