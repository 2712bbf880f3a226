//! Finding a customer's coordinates from its address, in the background:
//! a write that leaves a customer without a trusted location queues a
//! `locate_customer` job for that version; the job asks the configured
//! geocoder and stores what it found (building level: `geocoded`; street
//! or area: `approximate`). The customer page can queue it again.

use axum::{
    extract::State,
    http::Method,
    response::{IntoResponse, Redirect, Response},
};
use serde_json::{Value, json};

use super::{entity::customer, queries};
use crate::{
    app::{AppState, Routes},
    auth::policy::OFFICE,
    domain::LocationSource,
    error::AppError,
    extract::Path,
    jobs::{JobContext, JobFailure, NewJob, Registry},
};

pub const KIND: &str = "locate_customer";

pub fn routes(r: Routes) -> Routes {
    r.add(Method::POST, "/customers/{id}/locate", OFFICE, again)
}

pub fn jobs(r: Registry<AppState>) -> Registry<AppState> {
    r.handle(KIND, run)
}

/// The lookup of this version of the customer (one per version).
pub fn job(c: &customer::Model, now: chrono::DateTime<chrono::Utc>) -> NewJob {
    NewJob::now(KIND, json!({ "id": c.id, "version": c.version }), now)
        .unique(format!("{}:{}", c.id, c.version))
}

async fn run(state: AppState, ctx: JobContext) -> Result<Value, JobFailure> {
    let (Some(id), Some(version)) = (
        ctx.payload["id"]
            .as_i64()
            .and_then(|v| i32::try_from(v).ok()),
        ctx.payload["version"]
            .as_i64()
            .and_then(|v| i32::try_from(v).ok()),
    ) else {
        return Err(JobFailure::Permanent(
            "payload without id and version".into(),
        ));
    };
    let Some(geocoder) = &state.geocoder else {
        return Ok(json!({ "skipped": "no geocoding service configured" }));
    };
    let retry = |e: AppError| JobFailure::Retry(e.to_string());
    let c = match queries::get(&state.db, id).await {
        Ok(c) => c,
        Err(AppError::NotFound) => return Ok(json!({ "skipped": "no such customer" })),
        Err(e) => return Err(retry(e)),
    };
    if c.version != version || LocationSource::parse(&c.location_source).is_precise() {
        return Ok(json!({ "skipped": "changed since" }));
    }
    let found = geocoder
        .locate(&c.address)
        .await
        .map_err(JobFailure::Retry)?;
    let Some(found) = found else {
        return Ok(json!({ "found": false, "location_source": c.location_source }));
    };
    let source = if found.precise {
        LocationSource::Geocoded
    } else {
        LocationSource::Approximate
    };
    let stored = queries::set_found_location(
        &state.db,
        id,
        version,
        found.point,
        source,
        state.clock.now(),
    )
    .await
    .map_err(retry)?;
    Ok(json!({
        "found": true,
        "stored": stored,
        "location_source": source.as_str(),
        "lat": found.point.lat(),
        "lon": found.point.lon(),
    }))
}

/// "Look the address up again" on the customer page.
pub async fn again(
    State(state): State<AppState>,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    let c = queries::get(&state.db, id).await?;
    let now = state.clock.now();
    let mut job = job(&c, now);
    // Asked for by hand: runs even if this version was looked up before.
    job.unique_key = None;
    crate::jobs::queue::enqueue(&state.db, job, now).await?;
    state.jobs.wake();
    Ok(Redirect::to(&format!("/customers/{id}?msg=locating")).into_response())
}
