//! Sending what is in the outbox: the `notification_send` job, one per
//! message, on the jobs module (a lease, so one instance sends it; taken
//! over when that instance dies). Quiet hours move a message to the end of
//! them; a provider that is down, answers 5xx or times out is tried again
//! with the jobs module's backoff until `max_attempts`, then the message is
//! marked failed with the provider's error.
//!
//! At least once, not exactly once: if the process dies after the
//! provider accepted a message and before the result is written, the job
//! is taken over and the message is sent again. The outbox id goes to the
//! provider as `{id}` (an idempotency key for gateways that take one), and
//! the window is the time between the provider's answer and one UPDATE.

use chrono::{DateTime, NaiveTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use super::{
    entity,
    outbox::{FAILED, JOB, QUEUED, SENT},
};
use crate::{
    app::AppState,
    config::NotificationsConfig,
    jobs::{JobContext, JobFailure, NewJob},
};

/// What a channel reports after trying.
pub struct Delivery {
    pub ok: bool,
    /// Worth trying again (a 5xx, a timeout, a refused connection).
    pub retry: bool,
    pub answer: String,
}

/// `log`: nothing leaves the server; the history has the message.
fn log_channel(n: &entity::Model) -> Delivery {
    tracing::info!(notification = n.id, trigger = %n.trigger, "notification recorded (log channel)");
    Delivery {
        ok: true,
        retry: false,
        answer: "log".into(),
    }
}

/// `${VAR}` replaced by the environment variable `VAR` (empty when unset).
fn with_env(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        match rest[i + 2..].find('}') {
            Some(j) => {
                out.push_str(&std::env::var(&rest[i + 2..i + 2 + j]).unwrap_or_default());
                rest = &rest[i + 3 + j..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn fill(template: &str, n: &entity::Model, json_body: bool) -> String {
    let text = if json_body {
        let quoted = serde_json::to_string(&n.body).unwrap_or_default();
        quoted[1..quoted.len() - 1].to_owned()
    } else {
        crate::error::url_encode(&n.body)
    };
    template
        .replace("{to}", &n.recipient)
        .replace("{id}", &n.id.to_string())
        .replace("{text}", &text)
}

/// A generic HTTP SMS gateway.
async fn http_sms(
    cfg: &NotificationsConfig,
    client: &reqwest::Client,
    n: &entity::Model,
) -> Delivery {
    let Some(url) = cfg.sms_url.as_deref() else {
        return Delivery {
            ok: false,
            retry: false,
            answer: "no sms_url configured".into(),
        };
    };
    let json_body = cfg.sms_body.trim_start().starts_with('{');
    let body = fill(&cfg.sms_body, n, json_body);
    let mut req = if cfg.sms_method.eq_ignore_ascii_case("GET") {
        let sep = if url.contains('?') { '&' } else { '?' };
        client.get(format!("{url}{sep}{body}"))
    } else {
        let ct = if json_body {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        client.post(url).header("content-type", ct).body(body)
    };
    for h in &cfg.sms_headers {
        if let Some((k, v)) = h.split_once(':') {
            req = req.header(k.trim(), with_env(v.trim()));
        }
    }
    req = req.header("idempotency-key", format!("luckygas-notification-{}", n.id));
    match req
        .timeout(std::time::Duration::from_secs(cfg.timeout_seconds.max(1)))
        .send()
        .await
    {
        Ok(res) => {
            let status = res.status();
            let text = res.text().await.unwrap_or_default();
            let answer: String = format!("{} {}", status.as_u16(), text)
                .chars()
                .take(500)
                .collect();
            let body_ok = cfg
                .sms_success_contains
                .as_deref()
                .is_none_or(|want| text.contains(want));
            Delivery {
                ok: status.is_success() && body_ok,
                retry: status.is_server_error() || status.as_u16() == 429,
                answer,
            }
        }
        Err(e) => Delivery {
            ok: false,
            retry: true,
            answer: format!("no answer: {}", e.without_url())
                .chars()
                .take(500)
                .collect(),
        },
    }
}

/// When quiet hours (Taipei) that contain `now` end, if they do.
pub fn quiet_until(cfg: &NotificationsConfig, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let start = NaiveTime::parse_from_str(&cfg.quiet_start, "%H:%M").ok()?;
    let end = NaiveTime::parse_from_str(&cfg.quiet_end, "%H:%M").ok()?;
    let local = now.with_timezone(&crate::clock::taipei());
    let t = local.time();
    let quiet = if start <= end {
        t >= start && t < end
    } else {
        t >= start || t < end
    };
    if !quiet {
        return None;
    }
    let mut day = local.date_naive();
    if t >= end && start > end {
        day = day.succ_opt()?;
    }
    day.and_time(end)
        .and_local_timezone(crate::clock::taipei())
        .single()
        .map(|t| t.with_timezone(&Utc))
}

async fn set(
    state: &AppState,
    id: i32,
    cols: Vec<(entity::Column, sea_orm::Value)>,
) -> Result<(), JobFailure> {
    let mut q = entity::Entity::update_many();
    for (c, v) in cols {
        q = q.col_expr(c, Expr::value(v));
    }
    q.filter(entity::Column::Id.eq(id))
        .exec(&state.db)
        .await
        .map_err(|e| JobFailure::Retry(e.to_string()))?;
    Ok(())
}

/// The job: send one message.
pub async fn run(state: AppState, ctx: JobContext) -> Result<Value, JobFailure> {
    let id = ctx.payload["id"]
        .as_i64()
        .and_then(|i| i32::try_from(i).ok())
        .ok_or_else(|| JobFailure::Permanent("no id".into()))?;
    let Some(n) = entity::Entity::find_by_id(id)
        .one(&state.db)
        .await
        .map_err(|e| JobFailure::Retry(e.to_string()))?
    else {
        return Err(JobFailure::Permanent(format!("notification {id} is gone")));
    };
    if n.status != QUEUED {
        return Ok(json!({ "id": id, "status": n.status, "already": true }));
    }
    let cfg = &state.config.notifications;
    let now = state.clock.now();
    if let Some(until) = quiet_until(cfg, now) {
        set(&state, id, vec![(entity::Column::SendAfter, until.into())]).await?;
        let job = NewJob {
            run_after: until,
            max_attempts: 1000,
            ..NewJob::now(JOB, json!({ "id": id }), now)
        }
        .unique(format!("notification:{id}:{}", until.timestamp()));
        crate::jobs::queue::enqueue(&state.db, job, now)
            .await
            .map_err(|e| JobFailure::Retry(e.to_string()))?;
        state.jobs.wake();
        return Ok(json!({ "id": id, "waits_until": until }));
    }
    let channel = cfg.channel.as_str();
    let d = match channel {
        "sms_http" => http_sms(cfg, &state.http, &n).await,
        _ => log_channel(&n),
    };
    let attempts = n.attempts + 1;
    let mut cols = vec![
        (entity::Column::Attempts, attempts.into()),
        (entity::Column::Channel, channel.to_owned().into()),
        (entity::Column::ProviderAnswer, d.answer.clone().into()),
    ];
    if d.ok {
        cols.push((entity::Column::Status, SENT.into()));
        cols.push((entity::Column::SentAt, Some(state.clock.now()).into()));
        cols.push((entity::Column::Error, String::new().into()));
        set(&state, id, cols).await?;
        return Ok(json!({ "id": id, "status": SENT, "attempts": attempts }));
    }
    let give_up = !d.retry || attempts >= cfg.max_attempts.max(1);
    cols.push((entity::Column::Error, d.answer.clone().into()));
    if give_up {
        cols.push((entity::Column::Status, FAILED.into()));
    }
    set(&state, id, cols).await?;
    if give_up {
        Err(JobFailure::Permanent(d.answer))
    } else {
        Err(JobFailure::Retry(d.answer))
    }
}
