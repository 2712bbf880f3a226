//! The worker loop inside `serve` (or alone in `luckygas worker`): it puts
//! each periodic job's current run on the queue (one per period across all
//! instances, by its unique key), claims due jobs, runs each kind's handler
//! with its lease renewed while it works, and records the outcome, retrying
//! a failed attempt with exponential backoff.

use std::{
    collections::HashMap, future::Future, pin::Pin, sync::Arc, time::Duration as StdDuration,
};

use chrono::{DateTime, Duration, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::{Notify, Semaphore};

use super::queue::{self, NewJob};
use crate::clock::Clock;

/// What a handler gets: the job's payload and a way to report progress.
pub struct JobContext {
    pub id: i32,
    pub attempt: i32,
    pub payload: serde_json::Value,
    progress: Arc<std::sync::atomic::AtomicI32>,
}

impl JobContext {
    /// Progress 0–100, written to the row with the next lease renewal.
    pub fn set_progress(&self, percent: i32) {
        self.progress
            .store(percent.clamp(0, 100), std::sync::atomic::Ordering::Relaxed);
    }
}

/// Why a job did not succeed.
#[derive(Debug)]
pub enum JobFailure {
    /// Worth another attempt later (the database or a provider was away).
    Retry(String),
    /// Another attempt would fail the same way.
    Permanent(String),
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<serde_json::Value, JobFailure>> + Send>>;
type Handler<S> = Arc<dyn Fn(S, JobContext) -> BoxFuture + Send + Sync>;

/// A job that is put on the queue once per period.
struct Schedule {
    kind: &'static str,
    period: Duration,
}

/// The job kinds this application runs, each with its handler, and the
/// periodic ones. Features add theirs in `jobs()` functions, like routes.
pub struct Registry<S> {
    handlers: HashMap<&'static str, Handler<S>>,
    schedules: Vec<Schedule>,
}

impl<S> Default for Registry<S> {
    fn default() -> Self {
        Self {
            handlers: HashMap::new(),
            schedules: Vec::new(),
        }
    }
}

impl<S: Clone + Send + Sync + 'static> Registry<S> {
    /// Runs jobs of `kind` with `handler`.
    #[must_use]
    pub fn handle<F, Fut>(mut self, kind: &'static str, handler: F) -> Self
    where
        F: Fn(S, JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<serde_json::Value, JobFailure>> + Send + 'static,
    {
        let h: Handler<S> = Arc::new(move |s, ctx| Box::pin(handler(s, ctx)));
        assert!(
            self.handlers.insert(kind, h).is_none(),
            "job kind {kind} registered twice"
        );
        self
    }

    /// Also puts a job of `kind` (already handled) on the queue once every
    /// `period`, starting with the current one.
    #[must_use]
    pub fn every(mut self, kind: &'static str, period: Duration) -> Self {
        assert!(self.handlers.contains_key(kind), "{kind} has no handler");
        self.schedules.push(Schedule { kind, period });
        self
    }

    fn kinds(&self) -> Vec<&'static str> {
        let mut k: Vec<_> = self.handlers.keys().copied().collect();
        k.sort_unstable();
        k
    }
}

/// How this instance works the queue.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Who holds a claim (random per process).
    pub instance: String,
    /// How long a claim holds without renewal; a dead instance's jobs are
    /// taken over after this.
    pub lease: Duration,
    /// How often the queue is looked at when nothing woke the worker.
    pub poll: StdDuration,
    /// Jobs run at the same time on this instance.
    pub concurrency: usize,
}

/// The first periodic slot at or before `now` (periods counted from the epoch).
fn slot_start(now: DateTime<Utc>, period: Duration) -> DateTime<Utc> {
    let p = period.num_seconds().max(1);
    let t = now.timestamp().div_euclid(p) * p;
    DateTime::from_timestamp(t, 0).unwrap_or(now)
}

/// Delay before attempt `attempt + 1`: 5 s, 10 s, 20 s … up to an hour.
pub fn backoff(attempt: i32) -> Duration {
    let secs = 5_i64.saturating_mul(1_i64 << attempt.clamp(0, 20).saturating_sub(1));
    Duration::seconds(secs.min(3600))
}

/// Runs the worker until the process ends. `wake` is notified when a job
/// is enqueued here, so it starts without waiting for the next poll.
pub async fn run<S: Clone + Send + Sync + 'static>(
    registry: Arc<Registry<S>>,
    state: S,
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    config: WorkerConfig,
    wake: Arc<Notify>,
) {
    let kinds = registry.kinds();
    let slots = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let mut failing = false;
    tracing::info!(instance = %config.instance, kinds = ?kinds, "job worker started");
    loop {
        let now = clock.now();
        let mut ok = true;
        for s in &registry.schedules {
            let start = slot_start(now, s.period);
            let job = NewJob::now(s.kind, serde_json::json!({ "slot": start }), start)
                .unique(start.to_rfc3339());
            if let Err(e) = queue::enqueue(&db, job, now).await {
                ok = false;
                if !failing {
                    tracing::warn!(error = %e, "job queue unreachable; retrying");
                }
            }
        }
        // Claim while there is room and work.
        while ok {
            let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
                break;
            };
            match queue::claim(&db, &config.instance, &kinds, config.lease, clock.now()).await {
                Ok(Some(job)) => {
                    let registry = Arc::clone(&registry);
                    let (state, db, clock, config) = (
                        state.clone(),
                        db.clone(),
                        Arc::clone(&clock),
                        config.clone(),
                    );
                    let wake = Arc::clone(&wake);
                    tokio::spawn(async move {
                        run_one(&registry, state, &db, &*clock, &config, job).await;
                        drop(permit);
                        // A slot is free: look for more work now.
                        wake.notify_one();
                    });
                }
                Ok(None) => break,
                Err(e) => {
                    ok = false;
                    if !failing {
                        tracing::warn!(error = %e, "job queue unreachable; retrying");
                    }
                }
            }
        }
        if ok && failing {
            tracing::info!("job queue reachable again");
        }
        failing = !ok;
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(config.poll) => {}
        }
    }
}

async fn run_one<S: Clone + Send + Sync + 'static>(
    registry: &Registry<S>,
    state: S,
    db: &DatabaseConnection,
    clock: &dyn Clock,
    config: &WorkerConfig,
    job: super::entity::Model,
) {
    let Some(handler) = registry.handlers.get(job.kind.as_str()) else {
        return;
    };
    let progress = Arc::new(std::sync::atomic::AtomicI32::new(0));
    let ctx = JobContext {
        id: job.id,
        attempt: job.attempts,
        payload: serde_json::from_str(&job.payload).unwrap_or_default(),
        progress: Arc::clone(&progress),
    };
    let started = std::time::Instant::now();
    let mut work = handler(state, ctx);
    // Renew the lease a few times per lease period while the handler works.
    let every = (config.lease / 3)
        .to_std()
        .unwrap_or(StdDuration::from_secs(1));
    let mut renew = tokio::time::interval(every);
    renew.tick().await;
    let outcome = loop {
        tokio::select! {
            r = &mut work => break r,
            _ = renew.tick() => {
                let p = progress.load(std::sync::atomic::Ordering::Relaxed);
                match queue::renew(db, job.id, &config.instance, config.lease, Some(p), clock.now()).await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!(job = job.id, kind = %job.kind, "lease lost; another instance has the job"),
                    Err(e) => tracing::warn!(job = job.id, error = %e, "cannot renew the job's lease"),
                }
            }
        }
    };
    let now = clock.now();
    let secs = started.elapsed().as_secs_f64();
    let recorded = match &outcome {
        Ok(result) => {
            metrics::counter!("luckygas_jobs_total", "kind" => job.kind.clone(), "outcome" => "succeeded").increment(1);
            tracing::info!(job = job.id, kind = %job.kind, secs, "job done");
            queue::finish(
                db,
                job.id,
                &config.instance,
                queue::SUCCEEDED,
                &result.to_string(),
                "",
                now,
            )
            .await
        }
        Err(JobFailure::Retry(e)) if job.attempts < job.max_attempts => {
            metrics::counter!("luckygas_jobs_total", "kind" => job.kind.clone(), "outcome" => "retry").increment(1);
            tracing::warn!(job = job.id, kind = %job.kind, error = %e, "job failed; will retry");
            queue::retry_later(
                db,
                job.id,
                &config.instance,
                e,
                now + backoff(job.attempts),
                now,
            )
            .await
        }
        Err(JobFailure::Retry(e) | JobFailure::Permanent(e)) => {
            metrics::counter!("luckygas_jobs_total", "kind" => job.kind.clone(), "outcome" => "failed").increment(1);
            tracing::error!(job = job.id, kind = %job.kind, error = %e, "job failed");
            queue::finish(db, job.id, &config.instance, queue::FAILED, "", e, now).await
        }
    };
    match recorded {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            job = job.id,
            "job outcome not recorded: another instance holds it now"
        ),
        Err(e) => {
            tracing::warn!(job = job.id, error = %e, "cannot record the job's outcome; it will run again");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(5));
        assert_eq!(backoff(2), Duration::seconds(10));
        assert_eq!(backoff(4), Duration::seconds(40));
        assert_eq!(backoff(30), Duration::seconds(3600));
    }

    #[test]
    fn periodic_slots_start_on_the_period() {
        let t = DateTime::parse_from_rfc3339("2026-12-01T10:07:30Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            slot_start(t, Duration::minutes(15)).to_rfc3339(),
            "2026-12-01T10:00:00+00:00"
        );
    }
}
