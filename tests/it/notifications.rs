//! Messages to customers through a stand-in SMS gateway that records what
//! it receives: one per order and trigger, retried when the gateway fails,
//! the rules (mobile only, opt-out, quiet hours), nothing on a rollback.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration as StdDuration,
};

use axum::{
    Router,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use luckygas::{auth::Role, jobs::worker, notifications::entity};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::test_app::{TestApp, customer_json, spawn_with};

#[derive(Clone, Default)]
struct Gateway {
    /// (idempotency key, JSON body) of every request.
    seen: Arc<Mutex<Vec<(String, Value)>>>,
    /// Answer 500 to this many requests first.
    fail_first: Arc<Mutex<usize>>,
}

async fn receive(State(g): State<Gateway>, headers: HeaderMap, body: String) -> Response {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    body["auth"] = json!(auth);
    g.seen.lock().unwrap().push((key, body));
    let mut fail = g.fail_first.lock().unwrap();
    if *fail > 0 {
        *fail -= 1;
        return (StatusCode::INTERNAL_SERVER_ERROR, "gateway busy").into_response();
    }
    (StatusCode::OK, r#"{"result":"OK"}"#).into_response()
}

async fn gateway(fail_first: usize) -> (SocketAddr, Gateway) {
    let g = Gateway::default();
    *g.fail_first.lock().unwrap() = fail_first;
    let app = Router::new()
        .route("/send", post(receive))
        .with_state(g.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, g)
}

async fn app_with(addr: SocketAddr) -> TestApp {
    spawn_with(move |c| {
        c.notifications.channel = "sms_http".into();
        c.notifications.sms_url = Some(format!("http://{addr}/send"));
        c.notifications.sms_headers = vec!["Authorization: Bearer gateway-key".into()];
        c.notifications.sms_success_contains = Some("OK".into());
        c.notifications.max_attempts = 3;
    })
    .await
}

async fn rows(app: &TestApp, order: i64) -> Vec<entity::Model> {
    entity::Entity::find()
        .filter(entity::Column::OrderId.eq(order as i32))
        .order_by_asc(entity::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

/// Waits until the notification with `id` has `status`.
async fn wait_status(app: &TestApp, id: i32, status: &str) -> entity::Model {
    for _ in 0..200 {
        let n = entity::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        if n.status == status {
            return n;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    panic!("notification {id} never became {status}");
}

async fn order_for(app: &TestApp, token: &str, phone: &str, opt_out: bool) -> i64 {
    let mut c = customer_json("王記麵店", phone);
    c["sms_opt_out"] = json!(opt_out);
    let c: Value = app.api_customer(token, c).await.json().await.unwrap();
    let (status, o) = app
        .call(
            Method::POST,
            "/api/v1/orders",
            token,
            Some(json!({"customer_id": c["id"], "lines": [{"size": "20", "quantity": 1}]})),
        )
        .await;
    assert_eq!(status, 201, "{o}");
    o["id"].as_i64().unwrap()
}

async fn act(app: &TestApp, token: &str, order: i64, action: &str, note: &str) {
    let (status, o) = app
        .call(
            Method::POST,
            &format!("/api/v1/orders/{order}/transitions"),
            token,
            Some(json!({"action": action, "note": note})),
        )
        .await;
    assert_eq!(status, 200, "{action}: {o}");
}

#[tokio::test]
async fn each_order_change_sends_one_sms_retried_when_the_gateway_fails() {
    let (addr, gw) = gateway(1).await;
    let app = app_with(addr).await;
    app.create_user("olive", Role::OfficeStaff).await;
    app.seed_prices().await;
    let token = app.token("olive").await;
    let order = order_for(&app, &token, "0912-345-678", false).await;
    assert!(
        rows(&app, order).await.is_empty(),
        "a new pending order tells nobody yet"
    );
    act(&app, &token, order, "confirm", "").await;
    let queued = rows(&app, order).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].status, "queued");
    assert_eq!(queued[0].recipient, "0912345678");
    assert!(
        queued[0].body.contains("已確認") && queued[0].body.contains("11/30"),
        "{}",
        queued[0].body
    );

    // The gateway fails the first time: the message waits for its backoff.
    luckygas::app::start_worker(&app.state);
    for _ in 0..200 {
        if !gw.seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(25)).await;
    }
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    let n = entity::Entity::find_by_id(queued[0].id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((n.status.as_str(), n.attempts), ("queued", 1), "{n:?}");
    assert!(n.error.contains("500"), "{n:?}");
    app.clock.advance(worker::backoff(1));
    app.state.jobs.wake();
    let sent = wait_status(&app, n.id, "sent").await;
    assert_eq!(sent.attempts, 2);
    assert_eq!(sent.channel, "sms_http");
    {
        let seen = gw.seen.lock().unwrap();
        assert_eq!(seen.len(), 2, "one failure, one success");
        assert_eq!(seen[1].0, format!("luckygas-notification-{}", n.id));
        assert_eq!(seen[1].1["to"], "0912345678");
        assert_eq!(seen[1].1["auth"], "Bearer gateway-key");
        assert_eq!(seen[1].1["text"], sent.body.as_str());
    }

    // Confirming again after a requeue is not a second confirmation message.
    act(&app, &token, order, "plan", "").await;
    act(&app, &token, order, "depart", "").await;
    act(&app, &token, order, "fail", "不在家").await;
    act(&app, &token, order, "requeue", "").await;
    act(&app, &token, order, "confirm", "").await;
    let all = rows(&app, order).await;
    let triggers: Vec<&str> = all.iter().map(|n| n.trigger.as_str()).collect();
    assert_eq!(triggers, ["confirmed", "failed"]);
    assert!(all[1].body.contains("不在家"), "{}", all[1].body);
    let failed_msg = wait_status(&app, all[1].id, "sent").await;
    assert_eq!(failed_msg.attempts, 1);
    assert_eq!(gw.seen.lock().unwrap().len(), 3, "nothing sent twice");

    // The gateway is down for good: three attempts, then failed with its
    // answer; the office sends it again from the history once it is back.
    *gw.fail_first.lock().unwrap() = 100;
    act(&app, &token, order, "plan", "").await;
    act(&app, &token, order, "depart", "").await;
    act(&app, &token, order, "deliver", "").await;
    let delivered = rows(&app, order).await.pop().unwrap();
    assert_eq!(delivered.trigger, "delivered");
    for attempt in 1..3 {
        for _ in 0..200 {
            let n = entity::Entity::find_by_id(delivered.id)
                .one(&app.state.db)
                .await
                .unwrap()
                .unwrap();
            if n.attempts == attempt {
                break;
            }
            tokio::time::sleep(StdDuration::from_millis(25)).await;
        }
        app.clock.advance(worker::backoff(attempt));
        app.state.jobs.wake();
    }
    let failed = wait_status(&app, delivered.id, "failed").await;
    assert_eq!(failed.attempts, 3);
    assert!(failed.error.contains("500 gateway busy"), "{failed:?}");
    *gw.fail_first.lock().unwrap() = 0;
    app.login("olive").await;
    let csrf = app.page_csrf(&app.client).await;
    let res = app
        .client
        .post(app.url(&format!("/notifications/{}/resend", failed.id)))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let sent = wait_status(&app, failed.id, "sent").await;
    assert_eq!(sent.attempts, 1, "attempts start again");
    assert!(sent.body.contains("已送達"), "{}", sent.body);
}

#[tokio::test]
async fn landlines_opt_outs_and_quiet_hours_are_respected_and_a_rollback_sends_nothing() {
    let (addr, gw) = gateway(0).await;
    let app = app_with(addr).await;
    app.create_user("olive", Role::OfficeStaff).await;
    app.seed_prices().await;
    let token = app.token("olive").await;
    let landline = order_for(&app, &token, "03-425-1234", false).await;
    let opted_out = order_for(&app, &token, "0922-333-444", true).await;
    act(&app, &token, landline, "confirm", "").await;
    act(&app, &token, opted_out, "confirm", "").await;
    let l = rows(&app, landline).await;
    assert_eq!(l[0].status, "failed");
    assert!(l[0].error.contains("市話"), "{}", l[0].error);
    let o = rows(&app, opted_out).await;
    assert_eq!(o[0].status, "skipped");
    // The history page shows both, and filters.
    app.login("olive").await;
    let page = app.get("/notifications").await.text().await.unwrap();
    assert!(
        page.contains("note-failed") && page.contains("note-skipped"),
        "{page}"
    );
    assert!(page.contains("市話"), "the reason is shown");
    let failed_only = app
        .get("/notifications?status=failed")
        .await
        .text()
        .await
        .unwrap();
    assert!(failed_only.contains("note-failed") && !failed_only.contains("note-skipped"));
    // The customer page loads that customer's messages.
    let mine = app
        .get(&format!("/notifications/customer/{}", l[0].customer_id))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        mine.contains("id=\"customer-notifications\"") && mine.contains("市話"),
        "{mine}"
    );
    assert!(!mine.contains("note-skipped"), "not another customer's");
    let page = app
        .get(&format!("/customers/{}", l[0].customer_id))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!(
        "hx-get=\"/notifications/customer/{}\"",
        l[0].customer_id
    )));
    // Sending to a landline again is refused with the reason.
    let csrf = app.page_csrf(&app.client).await;
    let res = app
        .client
        .post(app.url(&format!("/notifications/{}/resend", l[0].id)))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);

    // A bulk confirmation refused part-way (the landline's order is
    // confirmed already) writes no message for the order before it.
    let fine = order_for(&app, &token, "0933-444-555", false).await;
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/orders/bulk",
            &token,
            Some(json!({"ids": [fine, landline], "op": "confirm"})),
        )
        .await;
    assert_eq!(status, 409, "all or nothing");
    assert!(
        rows(&app, fine).await.is_empty(),
        "rolled back with the change"
    );

    // 22:30 in Taipei: the message waits until 08:00.
    app.clock.set("2026-11-30T14:30:00Z".parse().unwrap());
    let token = app.token("olive").await;
    act(&app, &token, fine, "confirm", "").await;
    let id = rows(&app, fine).await[0].id;
    luckygas::app::start_worker(&app.state);
    let mut waiting = None;
    for _ in 0..200 {
        let n = entity::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        if n.send_after > n.created_at {
            waiting = Some(n);
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(25)).await;
    }
    let waiting = waiting.expect("moved to the morning");
    assert_eq!(
        waiting.send_after,
        "2026-12-01T00:00:00Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
    );
    assert_eq!(waiting.status, "queued");
    assert!(gw.seen.lock().unwrap().is_empty(), "nothing at night");
    app.clock.set("2026-12-01T00:00:05Z".parse().unwrap());
    app.state.jobs.wake();
    wait_status(&app, id, "sent").await;
    assert_eq!(
        gw.seen.lock().unwrap().len(),
        1,
        "only the mobile number, once"
    );
}

#[test]
fn quiet_hours_wrap_past_midnight() {
    use luckygas::{config::NotificationsConfig, notifications::send::quiet_until};
    let cfg = NotificationsConfig::default();
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    // 12:00 Taipei: not quiet.
    assert_eq!(quiet_until(&cfg, at("2026-11-30T04:00:00Z")), None);
    // 21:00 and 23:59 Taipei: until 08:00 the next morning.
    assert_eq!(
        quiet_until(&cfg, at("2026-11-30T13:00:00Z")),
        Some(at("2026-12-01T00:00:00Z"))
    );
    assert_eq!(
        quiet_until(&cfg, at("2026-11-30T15:59:00Z")),
        Some(at("2026-12-01T00:00:00Z"))
    );
    // 07:59 Taipei: until 08:00 the same morning.
    assert_eq!(
        quiet_until(&cfg, at("2026-11-30T23:59:00Z")),
        Some(at("2026-12-01T00:00:00Z"))
    );
    assert_eq!(quiet_until(&cfg, at("2026-12-01T00:00:00Z")), None);
}
