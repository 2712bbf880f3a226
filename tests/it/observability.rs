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
    let throttle = state.clone();
    let throttle = &throttle.throttle;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(app::serve(state, listener, std::future::pending()));
    let res = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();
    assert_eq!(res.status(), 503);
    let text = res.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["status"], "not_ready");
    assert_eq!(
        body["database"], "unreachable",
        "what is down, without internals"
    );
    assert!(
        !text.contains("127.0.0.1") && !text.contains("rror"),
        "{text}"
    );
    // The API answers 503 with Retry-After in the documented shape, and a
    // correct password during the outage is no failed sign-in.
    for _ in 0..8 {
        let res = reqwest::Client::new()
            .post(format!("http://{addr}/api/v1/auth/token"))
            .json(&serde_json::json!({"username": "olive", "password": "correct-horse-battery"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 503);
        assert!(res.headers().contains_key("retry-after"));
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unavailable");
    }
    assert!(
        throttle
            .check(
                "olive",
                "127.0.0.1",
                luckygas::clock::Clock::now(&SystemClock)
            )
            .is_ok(),
        "nothing was counted against the account"
    );
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
    assert_eq!(body["redis"], "unreachable");
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

/// Two real server processes with the same database and Redis: an order
/// created through instance A reaches a socket connected to instance B,
/// and A's own socket hears it once (not again through Redis).
#[tokio::test]
async fn an_order_made_on_one_instance_reaches_sockets_on_another_through_redis() {
    use crate::test_app::{PASSWORD, Process, customer_json, fresh_database};
    use luckygas::{
        auth::Role,
        domain::CylinderSize,
        users::{form::NewUser, queries},
    };
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
    let database = fresh_database().await;
    {
        let conn = luckygas::db::connect_migrated(&database.url).await.unwrap();
        let new = NewUser {
            username: "olive".into(),
            display_name: "Olive".into(),
            role: Role::OfficeStaff,
            password: PASSWORD.into(),
        };
        let now = luckygas::clock::Clock::now(&luckygas::clock::SystemClock);
        queries::create(&conn, None, new, now).await.unwrap();
        let from = now.date_naive() - chrono::Duration::days(365);
        luckygas::prices::set_list_price(&conn, CylinderSize::Kg20, 1050, from, now)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let env = [
        ("REDIS_URL", redis.as_str()),
        ("LUCKYGAS_JOBS__ENABLED", "false"),
    ];
    let a = Process::serve(&database.url, &env).await;
    let b = Process::serve(&database.url, &env).await;
    let http = reqwest::Client::new();
    let token: String = http
        .post(format!("{}/api/v1/auth/token", a.base))
        .json(&serde_json::json!({"username": "olive", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut on_a = crate::test_app::socket_at(&a.base, &token).await;
    let mut on_b = crate::test_app::socket_at(&b.base, &token).await;
    let customer: Value = http
        .post(format!("{}/api/v1/customers", a.base))
        .bearer_auth(&token)
        .json(&customer_json("跨機測試", "0912-888-001"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(customer["id"].is_number(), "{customer}");
    let order = || async {
        let o: Value = http
            .post(format!("{}/api/v1/orders", a.base))
            .bearer_auth(&token)
            .json(&serde_json::json!({"customer_id": customer["id"], "lines": [{"size": "20", "quantity": 1}]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(o["id"].is_number(), "the order was not made: {o}");
        o["id"].clone()
    };
    // B's subscription to Redis may still be starting: order until B hears
    // one, then every order must arrive.
    let mut made = Vec::new();
    loop {
        made.push(order().await);
        let heard = on_b.next_event(std::time::Duration::from_millis(500)).await;
        if heard
            .is_some_and(|e| e["type"] == "order.created" && Some(&e["data"]["id"]) == made.last())
        {
            break;
        }
        assert!(made.len() < 20, "instance B never heard instance A");
    }
    let id = order().await;
    made.push(id.clone());
    let e = on_b.expect("order.created").await;
    assert_eq!(e["data"]["id"], id);
    assert_eq!(e["room"], "orders");
    // A heard each of its own orders exactly once, in order.
    let mut own = Vec::new();
    while let Some(e) = on_a.next_event(std::time::Duration::from_millis(500)).await {
        if e["type"] == "order.created" {
            own.push(e["data"]["id"].clone());
        }
    }
    assert_eq!(own, made);
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_only_assets_may_be_cached() {
    let app = spawn_app().await;
    app.create_user("olive", luckygas::auth::Role::OfficeStaff)
        .await;
    app.login("olive").await;
    for path in ["/", "/login", "/api/v1/me", "/nowhere", "/static/app.css"] {
        let res = app.get(path).await;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe-inline'"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(
            csp.contains("https://tile.openstreetmap.org"),
            "map tiles: {csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        let cache = h["cache-control"].to_str().unwrap();
        if path.starts_with("/static/") {
            assert_ne!(cache, "no-store", "{path}");
        } else {
            assert_eq!(cache, "no-store", "{path}");
        }
    }
}

#[tokio::test]
async fn metrics_need_the_configured_token() {
    let app = crate::test_app::spawn_with(|c| {
        c.metrics_token = Some(secrecy::SecretString::from("scrape-0123456789"));
    })
    .await;
    let http = reqwest::Client::new();
    let res = http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "forbidden"
    );
    let res = http
        .get(app.url("/metrics"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = http
        .get(app.url("/metrics"))
        .bearer_auth("scrape-0123456789")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("luckygas_build_info"));
}

#[tokio::test]
async fn the_api_is_rate_limited_per_account_and_per_address() {
    let app = crate::test_app::spawn_with(|c| {
        c.api_rate_per_account = 5;
        c.api_rate_per_address = 3;
    })
    .await;
    app.create_user("olive", luckygas::auth::Role::OfficeStaff)
        .await;
    let token = app.token("olive").await;
    let http = reqwest::Client::new();
    for _ in 0..5 {
        let res = http
            .get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    let res = http
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "too_many_requests"
    );
    // Pages are not counted; the next minute is a new count.
    assert_eq!(app.get("/login").await.status(), 200);
    app.clock.advance(chrono::Duration::minutes(1));
    let res = http
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}
