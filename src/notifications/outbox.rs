//! Writing a message into the outbox, in the caller's transaction, with
//! the rules: Taiwan mobile numbers only (anything else is recorded as
//! failed with the reason), the customer's opt-out (recorded as skipped),
//! and at most one message per order and trigger (a unique index). The
//! send job is queued in the same transaction, so a rollback leaves
//! neither.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use super::entity;
use crate::{
    customers::queries as customers, error::AppError, i18n::Locale, jobs::NewJob,
    orders::entity::order, orders::status::OrderStatus,
};

/// What causes a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Confirmed,
    Delivered,
    Failed,
}

impl Trigger {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// The trigger of an order reaching `status`, if it has one.
    pub fn of(status: OrderStatus) -> Option<Self> {
        match status {
            OrderStatus::Confirmed => Some(Self::Confirmed),
            OrderStatus::Delivered => Some(Self::Delivered),
            OrderStatus::Failed => Some(Self::Failed),
            _ => None,
        }
    }
}

pub const QUEUED: &str = "queued";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";
pub const SKIPPED: &str = "skipped";

/// The send job's kind.
pub const JOB: &str = "notification_send";

/// A Taiwan mobile number: ten digits starting with 09.
pub fn is_mobile(digits: &str) -> bool {
    digits.len() == 10 && digits.starts_with("09") && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The message text in zh-TW (the customers' language), from the catalogue
/// template of the trigger.
pub fn render(trigger: Trigger, customer: &str, o: &order::Model, reason: &str) -> String {
    Locale::ZhTw
        .t(&format!("notifications.tpl_{}", trigger.as_str()))
        .replace("{customer}", customer)
        .replace("{order_number}", &o.order_number)
        .replace("{date}", &o.requested_date.format("%m/%d").to_string())
        .replace(
            "{amount}",
            &crate::domain::Money::new(o.total_amount).to_string(),
        )
        .replace(
            "{reason}",
            if reason.is_empty() {
                "原因未註明"
            } else {
                reason
            },
        )
}

/// Puts the message for `o` reaching `status` into the outbox (nothing
/// when the status has no message or this order already had it).
pub async fn on_status_in(
    txn: &impl ConnectionTrait,
    o: &order::Model,
    status: OrderStatus,
    note: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(trigger) = Trigger::of(status) else {
        return Ok(());
    };
    let c = customers::get(txn, o.customer_id).await?;
    let phones = customers::phones_of(txn, &[c.id]).await?;
    let numbers: Vec<String> = phones
        .get(&c.id)
        .map(|p| p.iter().map(|x| x.phone.clone()).collect())
        .unwrap_or_default();
    let mobile = numbers.iter().find(|p| is_mobile(p)).cloned();
    let (status_now, error) = if c.sms_opt_out {
        (
            SKIPPED,
            "客戶不接收通知 / the customer opted out".to_owned(),
        )
    } else if mobile.is_none() {
        (
            FAILED,
            "沒有手機號碼（市話不能收簡訊）/ no mobile number (landlines cannot receive SMS)"
                .to_owned(),
        )
    } else {
        (QUEUED, String::new())
    };
    let row = entity::ActiveModel {
        order_id: Set(o.id),
        customer_id: Set(c.id),
        trigger: Set(trigger.as_str().to_owned()),
        channel: Set(String::new()),
        recipient: Set(mobile
            .or_else(|| numbers.first().cloned())
            .unwrap_or_default()),
        body: Set(render(trigger, &c.name, o, note)),
        status: Set(status_now.to_owned()),
        attempts: Set(0),
        error: Set(error),
        provider_answer: Set(String::new()),
        send_after: Set(now),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    };
    // At most one per order and trigger: a second is left out, quietly.
    let inserted = entity::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                entity::Column::OrderId,
                entity::Column::Trigger,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_with_returning(txn)
        .await;
    let n = match inserted {
        Ok(n) => n,
        Err(sea_orm::DbErr::RecordNotInserted | sea_orm::DbErr::RecordNotFound(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if n.status == QUEUED {
        let job = NewJob {
            max_attempts: 1000,
            ..NewJob::now(JOB, serde_json::json!({ "id": n.id }), now)
        }
        .unique(format!("notification:{}", n.id));
        crate::jobs::queue::enqueue(txn, job, now).await?;
    }
    Ok(())
}
