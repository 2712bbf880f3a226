//! What the office does with a failed delivery, in one action: try again
//! today (back to confirmed, so the mid-day re-plan takes it), move it to
//! another date, or cancel it. Each is one transaction on the timeline.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde::Deserialize;

use super::{
    announce,
    entity::order,
    queries::{change_date_in, get, transition_in},
    status::{Action, OrderStatus},
};
use crate::{auth::AuthUser, error::AppError, events::EventHub, i18n::Text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Deliver it today after all: confirmed again, for the re-plan.
    RetryToday,
    /// Deliver it on `date`.
    Reschedule,
    Cancel,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    pub decision: Decision,
    /// `YYYY-MM-DD`, for `reschedule`.
    #[serde(default)]
    pub date: Option<NaiveDate>,
    #[serde(default)]
    pub note: String,
}

pub async fn decide(
    db: &(impl TransactionTrait + ConnectionTrait),
    hub: &EventHub,
    actor: &AuthUser,
    id: i32,
    input: &DecisionInput,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<order::Model, AppError> {
    if let Some(e) = crate::error::FieldError::note_too_long("note", &input.note) {
        return Err(AppError::Invalid(vec![e]));
    }
    let txn = crate::db::begin_write(db).await?;
    let o = get(&txn, id).await?;
    if o.status != OrderStatus::Failed.as_str() {
        return Err(AppError::Conflict(Text::new(
            format!("{}：只有配送失敗的訂單可以這樣處理", o.order_number),
            format!(
                "{}: only a failed order can be decided this way",
                o.order_number
            ),
        )));
    }
    let o = match input.decision {
        Decision::Cancel => {
            transition_in(&txn, Some(actor), id, Action::Cancel, &input.note, now).await?
        }
        Decision::RetryToday | Decision::Reschedule => {
            let date = match input.decision {
                Decision::RetryToday => today,
                _ => input.date.ok_or_else(|| {
                    AppError::field(
                        "date",
                        Text::new("請選擇新的配送日期", "Choose the new delivery date"),
                    )
                })?,
            };
            transition_in(&txn, Some(actor), id, Action::Requeue, &input.note, now).await?;
            if date != o.requested_date {
                change_date_in(&txn, actor, id, date, today, now).await?;
            }
            transition_in(&txn, Some(actor), id, Action::Confirm, "", now).await?
        }
    };
    txn.commit().await?;
    announce::updated(hub, &o, Some(actor), now);
    Ok(o)
}
