//! Health, readiness, metrics, request ids and compression.

use std::{sync::Arc, time::Duration};

use luckygas::{
    app::{self, AppState},
    clock::SystemClock,
};
use sea_orm::{SqlxPostgresConnector, sqlx::postgres::PgPoolOptions};
use serde_json::Value;

use crate::test_app::{spawn_app, test_config};

#[tokio::test]
async fn every_answer_carries_a_request_id_and_its_time() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["x-request-id"].len() >= 8);
    assert!(
        res.headers()["x-process-time"]
            .to_str()
            .unwrap()
            .ends_with("ms")
    );
    let echoed = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "abc-123");
}

#[tokio::test]
async fn ready_when_the_database_is_migrated() {
    let app = spawn_app().await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    assert_eq!(body["redis"], "not configured");
}

#[tokio::test]
async fn not_ready_when_the_database_is_unreachable() {
    // Nothing listens on port 1: every query fails.
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(1))
        .connect_lazy("postgres://postgres@127.0.0.1:1/none")
        .unwrap();
    let conn = SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
    // Never connected to: the pool above is the one that fails.
    let config = test_config("postgres://postgres@127.0.0.1:1/none".into());
    let state = AppState::from_parts(conn, config, Arc::new(SystemClock));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(app::serve(state, listener, std::future::pending()));
    let res = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "not_ready");
    assert_ne!(body["database"], "ok");
    // Liveness does not depend on the database.
    assert_eq!(
        reqwest::get(format!("http://{addr}/healthz"))
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn not_ready_when_redis_is_configured_but_down() {
    let app =
        crate::test_app::spawn_with(|c| c.redis_url = Some("redis://127.0.0.1:1".into())).await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    assert!(body["redis"].as_str().unwrap().starts_with("redis:"));
}

#[tokio::test]
async fn ready_with_a_live_redis() {
    let redis = std::env::var("LUCKYGAS_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let app = crate::test_app::spawn_with(|c| c.redis_url = Some(redis.clone())).await;
    let res = app.get("/readyz").await;
    let body: Value = res.json().await.unwrap();
    if body["redis"] != "ok" {
        assert!(
            !crate::test_app::is_ci(),
            "CI=true but Redis at {redis} does not answer: {body}"
        );
        eprintln!("skipping: Redis at {redis} does not answer");
        return;
    }
    assert_eq!(body["status"], "ready");
}

fn count(metrics: &str, route: &str) -> u64 {
    metrics
        .lines()
        .filter(|l| {
            l.starts_with("http_requests_total{")
                && l.contains(&format!("route=\"{route}\""))
                && l.contains("status=\"200\"")
        })
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap() as u64)
        .sum()
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = spawn_app().await;
    let before = count(&app.get("/metrics").await.text().await.unwrap(), "/healthz");
    for _ in 0..3 {
        app.get("/healthz").await;
    }
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(count(&text, "/healthz") >= before + 3);
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "latency histogram"
    );
    assert!(text.contains("luckygas_build_info"));
    // Paths with ids are counted by their template, never the raw path.
    app.get("/users/12345").await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(text.contains("route=\"/users/{id}\""));
    assert!(!text.contains("/users/12345"));
}

#[tokio::test]
async fn pages_and_assets_are_compressed() {
    let app = spawn_app().await;
    let res = reqwest::Client::new()
        .get(app.url("/static/app.css"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let htmx = app.get("/static/vendor/htmx-2.0.11.min.js").await;
    assert_eq!(htmx.status(), 200);
    assert!(
        htmx.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
}

/// Two instances with the same Redis: an event published on one reaches
/// the other's sockets, and never comes back twice to its own.
#[tokio::test]
async fn events_reach_other_instances_through_redis() {
    let redis = std::env::var("LUCKYGAS_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    if luckygas::events::redis::ping(&redis).await.is_err() {
        assert!(
            !crate::test_app::is_ci(),
            "CI=true but Redis at {redis} does not answer"
        );
        eprintln!("skipping: Redis at {redis} does not answer");
        return;
    }
    let a = crate::test_app::spawn_with(|c| c.redis_url = Some(redis.clone())).await;
    let b = crate::test_app::spawn_with(|c| c.redis_url = Some(redis.clone())).await;
    let mut on_a = a.state.events.subscribe();
    let mut on_b = b.state.events.subscribe();
    let marker = format!("{}", std::process::id());
    let mut sent = 0;
    let got = loop {
        a.state.events.publish(
            "routes",
            "plan.changed",
            serde_json::json!({ "date": "2026-12-01", "marker": marker }),
            a.state.clock.now(),
        );
        sent += 1;
        let heard = tokio::time::timeout(std::time::Duration::from_millis(200), async {
            loop {
                let e = on_b.recv().await.unwrap();
                if e.data["marker"] == marker.as_str() {
                    return e;
                }
            }
        })
        .await;
        if let Ok(e) = heard {
            break e;
        }
        assert!(sent < 50, "the event never reached the other instance");
    };
    assert_eq!(got.kind, "plan.changed");
    assert_eq!(got.room, "routes");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut own = 0;
    while let Ok(e) = on_a.try_recv() {
        if e.data["marker"] == marker.as_str() {
            own += 1;
        }
    }
    assert_eq!(own, sent, "each event reaches its own instance once");
}
