//! The job queue: a job runs once, failures are retried with backoff, a
//! periodic job runs once per period across instances, and a job whose
//! instance was killed is taken over by another instance.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration as StdDuration,
};

use chrono::Duration;
use luckygas::{
    app,
    clock::{Clock, SystemClock},
    jobs::{JobFailure, NewJob, Registry, WorkerConfig, entity::Model as Job, queue, worker},
};
use reqwest::Method;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement, TransactionTrait};
use serde_json::json;
use tokio::sync::Notify;

use crate::test_app::{Process, TestApp, customer_json, is_ci, spawn_app, spawn_with};

/// Waits (up to 30 s) until the job satisfies `done`, re-reading its row.
async fn wait_for(db: &DatabaseConnection, id: i32, done: impl Fn(&Job) -> bool) -> Job {
    for _ in 0..300 {
        if let Some(j) = queue::get(db, id).await.unwrap()
            && done(&j)
        {
            return j;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!(
        "job {id} never got there: {:?}",
        queue::get(db, id).await.unwrap()
    );
}

fn config(instance: &str) -> WorkerConfig {
    WorkerConfig {
        instance: instance.into(),
        lease: Duration::seconds(60),
        poll: StdDuration::from_millis(50),
        concurrency: 2,
    }
}

/// A worker over a registry of test job kinds; the state counts runs.
fn start(app: &TestApp, registry: Registry<Arc<AtomicU32>>, runs: Arc<AtomicU32>) -> Arc<Notify> {
    let wake = Arc::new(Notify::new());
    tokio::spawn(worker::run(
        Arc::new(registry),
        runs,
        app.state.db.clone(),
        Arc::new(app.clock.clone()),
        config("test-worker"),
        Arc::clone(&wake),
    ));
    wake
}

#[tokio::test]
async fn a_job_runs_once_and_its_result_is_kept_and_a_unique_key_is_one_job() {
    let app = spawn_app().await;
    let now = app.clock.now();
    let id = queue::enqueue(
        &app.state.db,
        NewJob::now("count", json!({"n": 7}), now).unique("k1"),
        now,
    )
    .await
    .unwrap()
    .expect("a new job");
    // The same kind and key again is the same job.
    let again = queue::enqueue(
        &app.state.db,
        NewJob::now("count", json!({"n": 8}), now).unique("k1"),
        now,
    )
    .await
    .unwrap();
    assert_eq!(again, None);

    let runs = Arc::new(AtomicU32::new(0));
    let registry = Registry::default().handle("count", |runs: Arc<AtomicU32>, ctx| async move {
        runs.fetch_add(1, Ordering::SeqCst);
        Ok(json!({ "seen": ctx.payload["n"] }))
    });
    start(&app, registry, Arc::clone(&runs));
    let job = wait_for(&app.state.db, id, |j| j.status == queue::SUCCEEDED).await;
    assert_eq!(job.result, r#"{"seen":7}"#);
    assert_eq!(job.attempts, 1);
    assert_eq!(job.progress, 100);
    assert_eq!(job.locked_by.as_deref(), Some("test-worker"));
    // Give a second run every chance to happen; it must not.
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(
        queue::of_kind(&app.state.db, "count").await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn a_failed_attempt_waits_its_backoff_then_runs_again_and_a_permanent_failure_stops() {
    let app = spawn_app().await;
    let now = app.clock.now();
    let flaky = queue::enqueue(&app.state.db, NewJob::now("flaky", json!({}), now), now)
        .await
        .unwrap()
        .unwrap();
    let broken = queue::enqueue(&app.state.db, NewJob::now("broken", json!({}), now), now)
        .await
        .unwrap()
        .unwrap();
    let runs = Arc::new(AtomicU32::new(0));
    let registry = Registry::default()
        .handle("flaky", |runs: Arc<AtomicU32>, _| async move {
            if runs.fetch_add(1, Ordering::SeqCst) == 0 {
                Err(JobFailure::Retry("provider away".into()))
            } else {
                Ok(json!("ok"))
            }
        })
        .handle("broken", |_: Arc<AtomicU32>, _| async move {
            Err(JobFailure::Permanent("bad payload".into()))
        });
    let wake = start(&app, registry, Arc::clone(&runs));

    let waiting = wait_for(&app.state.db, flaky, |j| {
        j.status == queue::QUEUED && j.attempts == 1
    })
    .await;
    assert_eq!(waiting.error, "provider away");
    assert_eq!(waiting.run_after, now + worker::backoff(1));
    let failed = wait_for(&app.state.db, broken, |j| j.status == queue::FAILED).await;
    assert_eq!(failed.error, "bad payload");
    assert_eq!(failed.attempts, 1, "a permanent failure is not retried");

    // Not before its time (the test clock stands still)…
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    // …then it runs again and succeeds.
    app.clock.advance(worker::backoff(1));
    wake.notify_one();
    let done = wait_for(&app.state.db, flaky, |j| j.status == queue::SUCCEEDED).await;
    assert_eq!(done.attempts, 2);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_claim_is_exclusive_until_its_lease_runs_out_then_another_instance_takes_the_job() {
    let app = spawn_app().await;
    let db = &app.state.db;
    let now = app.clock.now();
    let id = queue::enqueue(db, NewJob::now("count", json!({}), now), now)
        .await
        .unwrap()
        .unwrap();
    let lease = Duration::seconds(60);
    let a = queue::claim(db, "a", &["count"], lease, now).await.unwrap();
    assert_eq!(a.map(|j| j.id), Some(id));
    assert!(
        queue::claim(db, "b", &["count"], lease, now + Duration::seconds(30))
            .await
            .unwrap()
            .is_none(),
        "held by a"
    );
    // a renews while it works.
    assert!(
        queue::renew(db, id, "a", lease, Some(40), now + Duration::seconds(50))
            .await
            .unwrap()
    );
    assert!(
        queue::claim(db, "b", &["count"], lease, now + Duration::seconds(100))
            .await
            .unwrap()
            .is_none(),
        "the renewed lease still holds"
    );
    // a goes silent: after the lease b takes over.
    let later = now + Duration::seconds(111);
    let b = queue::claim(db, "b", &["count"], lease, later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((b.id, b.attempts), (id, 2));
    assert_eq!(b.locked_by.as_deref(), Some("b"));
    // a's late answers change nothing.
    assert!(!queue::renew(db, id, "a", lease, None, later).await.unwrap());
    assert!(
        !queue::finish(db, id, "a", queue::SUCCEEDED, "", "", later)
            .await
            .unwrap()
    );
    assert!(
        queue::finish(db, id, "b", queue::SUCCEEDED, "\"b\"", "", later)
            .await
            .unwrap()
    );
    let row = queue::get(db, id).await.unwrap().unwrap();
    assert_eq!(
        (row.status.as_str(), row.result.as_str()),
        (queue::SUCCEEDED, "\"b\"")
    );
}

#[tokio::test]
async fn the_periodic_recurring_order_job_runs_once_per_period_across_two_workers() {
    let app = spawn_with(|c| c.jobs.poll_millis = 50).await;
    app.create_user("boss", luckygas::auth::Role::Manager).await;
    let token = app.token("boss").await;
    app.seed_prices().await;
    let c: serde_json::Value = app
        .api_customer(&token, customer_json("每日餐廳", "0912-000-111"))
        .await
        .json()
        .await
        .unwrap();
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/templates",
            &token,
            Some(json!({"customer_id": c["id"], "rule": "every_n_days", "every_n_days": "1", "qty_20": "1"})),
        )
        .await;
    assert_eq!(status, 201);

    // Two instances' workers on one database.
    app::start_worker(&app.state);
    let other = luckygas::app::AppState::from_parts(
        app.state.db.clone(),
        app.state.config.clone(),
        Arc::new(app.clock.clone()),
    );
    assert_ne!(other.jobs.instance, app.state.jobs.instance);
    app::start_worker(&other);

    let jobs = loop {
        let jobs = queue::of_kind(&app.state.db, "recurring_orders")
            .await
            .unwrap();
        if jobs.iter().all(|j| j.status == queue::SUCCEEDED) && !jobs.is_empty() {
            break jobs;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    };
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert_eq!(
        jobs.len(),
        1,
        "one job for the period, not one per instance"
    );
    let (_, orders) = app
        .call(
            Method::GET,
            &format!("/api/v1/orders?customer_id={}", c["id"]),
            &token,
            None,
        )
        .await;
    let dates: Vec<&str> = orders["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["requested_date"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates.len(),
        2,
        "today's and tomorrow's order, once each: {dates:?}"
    );
    assert_eq!(jobs[0].result, r#"{"created":2,"failed":[]}"#);

    // The next period is a new run, and it finds nothing new to make.
    app.clock.advance(Duration::minutes(15));
    let next = loop {
        let jobs = queue::of_kind(&app.state.db, "recurring_orders")
            .await
            .unwrap();
        if jobs.len() == 2 && jobs[0].status == queue::SUCCEEDED {
            break jobs[0].clone();
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    };
    assert_eq!(next.result, r#"{"created":0,"failed":[]}"#);
}

/// Two real instances on PostgreSQL (where `FOR UPDATE SKIP LOCKED` claims):
/// the first is killed with SIGKILL in the middle of the recurring-order
/// job, and the second takes the job over once the lease runs out. The
/// orders are made exactly once. This test always uses PostgreSQL.
#[tokio::test]
async fn a_job_whose_instance_was_killed_mid_way_is_finished_by_another_instance() {
    let admin_url = std::env::var("LUCKYGAS_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    if Database::connect(&admin_url).await.is_err() {
        assert!(
            !is_ci(),
            "PostgreSQL is required for the two-instance job test"
        );
        eprintln!("skipped: no PostgreSQL at {admin_url}");
        return;
    }
    // The data through an in-process app on a PostgreSQL database of its own.
    let app = crate::test_app::spawn_on_backend("postgres").await;
    let url = app.database.as_ref().unwrap().url.clone();
    app.create_user("boss", luckygas::auth::Role::Manager).await;
    let token = app.token("boss").await;
    app.seed_prices().await;
    let c: serde_json::Value = app
        .api_customer(&token, customer_json("接手測試", "0912-000-222"))
        .await
        .json()
        .await
        .unwrap();
    let today = SystemClock.today_taipei().to_string();
    let (status, t) = app
        .call(
            Method::POST,
            "/api/v1/templates",
            &token,
            Some(
                json!({"customer_id": c["id"], "rule": "every_n_days", "every_n_days": "1",
                "start_date": today, "qty_20": "1"}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{t}");

    // Hold the template row: instance A's job will stop there, mid-way.
    let lock = app.state.db.begin().await.unwrap();
    lock.execute(Statement::from_sql_and_values(
        sea_orm::DatabaseBackend::Postgres,
        "SELECT id FROM order_templates WHERE id = $1 FOR UPDATE",
        [t["id"].as_i64().unwrap().into()],
    ))
    .await
    .unwrap();

    let env = [
        ("LUCKYGAS_JOBS__LEASE_SECONDS", "2"),
        ("LUCKYGAS_JOBS__POLL_MILLIS", "100"),
    ];
    let a = Process::worker(&url, &env);
    // A has claimed the job and is waiting on our lock.
    let job = loop {
        let jobs = queue::of_kind(&app.state.db, "recurring_orders")
            .await
            .unwrap();
        let waiting = app
            .state
            .db
            .query_one(Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT COUNT(*) AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        if let Some(j) = jobs.first()
            && j.status == queue::RUNNING
            && waiting > 0
        {
            break j.clone();
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    };
    let a_instance = job.locked_by.clone().unwrap();
    drop(a); // SIGKILL: its transaction dies with it
    lock.rollback().await.unwrap();

    let _b = Process::worker(&url, &env);
    let done = wait_for(&app.state.db, job.id, |j| j.status == queue::SUCCEEDED).await;
    assert_eq!(done.attempts, 2, "taken over: a second attempt");
    assert_ne!(done.locked_by.as_deref(), Some(a_instance.as_str()));
    assert_eq!(done.result, r#"{"created":2,"failed":[]}"#);
    let (_, orders) = app
        .call(
            Method::GET,
            &format!("/api/v1/orders?customer_id={}", c["id"]),
            &token,
            None,
        )
        .await;
    assert_eq!(
        orders["items"].as_array().unwrap().len(),
        2,
        "today's and tomorrow's orders, made once: {orders}"
    );
}
