//! `/notifications`: the history of messages to customers, filtered by
//! status, trigger and date, with each message's attempts, the provider's
//! last answer and a resend for those that failed.

use askama::Template;
use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr};
use serde::Deserialize;

use super::{
    entity,
    outbox::{FAILED, JOB, QUEUED},
};
use crate::{
    app::AppState,
    auth::Ctx,
    customers::queries as customers,
    error::AppError,
    extract::{Path, Query},
    jobs::NewJob,
    layout::{self, Shell},
};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Filter {
    pub status: String,
    pub trigger: String,
    /// `YYYY-MM-DD` (Taipei) of creation.
    pub date: String,
    pub msg: Option<String>,
}

pub struct Row {
    pub id: i32,
    pub created: String,
    pub customer_id: i32,
    pub customer: String,
    pub order_id: i32,
    pub trigger: String,
    pub channel: String,
    pub recipient: String,
    pub body: String,
    pub status: String,
    pub attempts: i32,
    pub answer: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "notifications/list.html")]
struct ListPage {
    shell: Shell,
    f: Filter,
    rows: Vec<Row>,
}

/// Most rows one page shows (the newest).
const SHOWN: u64 = 200;

async fn rows_of(
    state: &AppState,
    t: crate::i18n::Locale,
    found: Vec<entity::Model>,
) -> Result<Vec<Row>, AppError> {
    let ids: Vec<i32> = found.iter().map(|n| n.customer_id).collect();
    let names = customers::by_ids(&state.db, &ids).await?;
    Ok(found
        .into_iter()
        .map(|n| Row {
            created: n
                .created_at
                .with_timezone(&crate::clock::taipei())
                .format("%m/%d %H:%M")
                .to_string(),
            customer: names
                .get(&n.customer_id)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            trigger: t
                .t(&format!("notifications.trigger_{}", n.trigger))
                .to_owned(),
            status: n.status.clone(),
            id: n.id,
            customer_id: n.customer_id,
            order_id: n.order_id,
            channel: n.channel,
            recipient: n.recipient,
            body: n.body,
            attempts: n.attempts,
            answer: n.provider_answer,
            error: n.error,
        })
        .collect())
}

#[derive(Template)]
#[template(path = "notifications/_customer.html")]
struct CustomerFragment {
    t: crate::i18n::Locale,
    rows: Vec<Row>,
}

/// The latest messages to one customer (loaded into the customer page).
pub async fn of_customer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    let found = entity::Entity::find()
        .filter(entity::Column::CustomerId.eq(id))
        .order_by_desc(entity::Column::Id)
        .limit(20)
        .all(&state.db)
        .await?;
    let rows = rows_of(&state, ctx.locale, found).await?;
    layout::page(&CustomerFragment {
        t: ctx.locale,
        rows,
    })
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(f): Query<Filter>,
) -> Result<Response, AppError> {
    let t = ctx.locale;
    let mut q = entity::Entity::find()
        .order_by_desc(entity::Column::Id)
        .limit(SHOWN);
    if !f.status.is_empty() {
        q = q.filter(entity::Column::Status.eq(f.status.as_str()));
    }
    if !f.trigger.is_empty() {
        q = q.filter(entity::Column::Trigger.eq(f.trigger.as_str()));
    }
    if !f.date.is_empty() {
        let day = crate::planning::actions::parse_date(&f.date)?;
        let start = day
            .and_time(chrono::NaiveTime::MIN)
            .and_local_timezone(crate::clock::taipei())
            .single()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no Taipei midnight on {day}")))?
            .with_timezone(&chrono::Utc);
        q = q
            .filter(entity::Column::CreatedAt.gte(start))
            .filter(entity::Column::CreatedAt.lt(start + chrono::Duration::days(1)));
    }
    let found = q.all(&state.db).await?;
    let rows = rows_of(&state, t, found).await?;
    let flash = f
        .msg
        .as_deref()
        .map(|_| t.t("notifications.flash_resent").to_owned());
    layout::page(&ListPage {
        shell: Shell::new(&state, &ctx, "/notifications", t.t("nav.notifications"))
            .with_flash(flash),
        f,
        rows,
    })
}

/// Puts a failed message back on the queue (a new number, the gateway
/// fixed); its attempts start again.
pub async fn resend(
    State(state): State<AppState>,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    let n = entity::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if !super::outbox::is_mobile(&n.recipient) {
        return Err(AppError::Conflict(crate::i18n::Text::new(
            "這位客戶沒有手機號碼，請先在客戶資料加上手機",
            "This customer has no mobile number; add one to the customer first",
        )));
    }
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let done = entity::Entity::update_many()
        .col_expr(entity::Column::Status, Expr::value(QUEUED))
        .col_expr(entity::Column::Attempts, Expr::value(0))
        .col_expr(entity::Column::SendAfter, Expr::value(now))
        .filter(entity::Column::Id.eq(id))
        .filter(entity::Column::Status.eq(FAILED))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    let job = NewJob {
        max_attempts: 1000,
        ..NewJob::now(JOB, serde_json::json!({ "id": id }), now)
    }
    .unique(format!(
        "notification:{id}:resend:{}",
        now.timestamp_millis()
    ));
    crate::jobs::queue::enqueue(&txn, job, now).await?;
    txn.commit().await?;
    state.jobs.wake();
    Ok(Redirect::to("/notifications?msg=resent").into_response())
}
