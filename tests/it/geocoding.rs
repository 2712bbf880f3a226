//! Coordinates from addresses: against a stand-in Nominatim server, new
//! customers are placed at once at their district's centre (approximate),
//! then found from the address in the background; what the service knows
//! only roughly stays approximate, what it does not know stays as it was,
//! a location set by hand is never overwritten, and the customer page, the
//! desk and the planning board say how far each location can be trusted.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
};
use luckygas::{auth::Role, jobs::queue};
use reqwest::Method;
use serde_json::{Value, json};

use crate::test_app::{TestApp, customer_json, spawn_with};

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, String, String)>>>);

/// A Nominatim stand-in: a house on 中正路, only the street of 環南路,
/// nothing for 無此路, and an outage for anything with 故障.
async fn search(
    State(seen): State<Seen>,
    headers: HeaderMap,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let text = q.get("q").cloned().unwrap_or_default();
    seen.0.lock().unwrap().push((
        text.clone(),
        headers
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        format!(
            "{}|{}",
            q.get("countrycodes").cloned().unwrap_or_default(),
            q.get("format").cloned().unwrap_or_default()
        ),
    ));
    if text.contains("故障") {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let places = if text.contains("中正路100號") {
        json!([{"lat": "24.9571", "lon": "121.2260", "place_rank": 30, "type": "house"}])
    } else if text.contains("環南路") {
        json!([{"lat": "24.9402", "lon": "121.2105", "place_rank": 26, "type": "residential"}])
    } else {
        json!([])
    };
    Json(places).into_response()
}

async fn stand_in() -> (SocketAddr, Seen) {
    let seen = Seen::default();
    let app = Router::new()
        .route("/search", get(search))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, seen)
}

async fn office(app: &TestApp) -> String {
    app.create_user("olive", Role::OfficeStaff).await;
    app.token("olive").await
}

async fn customer(app: &TestApp, token: &str, id: &Value) -> Value {
    app.call(Method::GET, &format!("/api/v1/customers/{id}"), token, None)
        .await
        .1
}

/// A new customer without coordinates at `address`.
async fn new_customer(app: &TestApp, token: &str, name: &str, phone: &str, address: &str) -> Value {
    let mut c = customer_json(name, phone);
    c["lat"] = Value::Null;
    c["lon"] = Value::Null;
    c["address"] = json!(address);
    let res = app.api_customer(token, c).await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

/// Waits until no lookup job is queued or running.
async fn lookups_done(app: &TestApp) -> Vec<luckygas::jobs::entity::Model> {
    for _ in 0..300 {
        let jobs = queue::of_kind(&app.state.db, "locate_customer")
            .await
            .unwrap();
        if jobs.iter().all(|j| {
            j.status == queue::SUCCEEDED
                || j.status == queue::FAILED
                || j.attempts > 0 && j.status == queue::QUEUED
        }) {
            return jobs;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the lookups never finished");
}

#[tokio::test]
async fn new_customers_are_placed_roughly_at_once_then_found_from_the_address() {
    let (addr, seen) = stand_in().await;
    let app = spawn_with(|c| {
        c.geocoding.url = Some(format!("http://{addr}/"));
        c.geocoding.min_interval_millis = 0;
        c.jobs.poll_millis = 50;
    })
    .await;
    let token = office(&app).await;
    let house = new_customer(
        &app,
        &token,
        "中正路住戶",
        "0911-000-001",
        "桃園市中壢區中正路100號",
    )
    .await;
    let street = new_customer(
        &app,
        &token,
        "環南路住戶",
        "0911-000-002",
        "桃園市平鎮區環南路9號",
    )
    .await;
    let unknown = new_customer(
        &app,
        &token,
        "無此路住戶",
        "0911-000-003",
        "桃園市八德區無此路1號",
    )
    .await;
    let broken = new_customer(
        &app,
        &token,
        "故障路住戶",
        "0911-000-004",
        "桃園市龍潭區故障路1號",
    )
    .await;
    let far = new_customer(
        &app,
        &token,
        "台北住戶",
        "0911-000-005",
        "台北市大安區無此路1號",
    )
    .await;
    let mut pinned = customer_json("自己標的", "0911-000-006");
    pinned["address"] = json!("桃園市中壢區中正路100號");
    pinned["lat"] = json!(24.9600);
    pinned["lon"] = json!(121.2300);
    let pinned: Value = app.api_customer(&token, pinned).await.json().await.unwrap();

    // At once: the district's centre stands in, marked approximate; outside
    // the districts we know there is no location at all. Never precise.
    assert_eq!(house["location_source"], "approximate");
    assert!(
        (house["lat"].as_f64().unwrap() - 24.9656).abs() < 1e-6,
        "{house}"
    );
    assert_eq!(far["location_source"], "missing");
    assert_eq!(far["lat"], Value::Null);
    assert_eq!(pinned["location_source"], "manual");
    // The pages say so: the customer page, the edit form and the desk.
    app.login("olive").await;
    let page = app
        .get(&format!("/customers/{}", house["id"]))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"id="location-warning""#) && page.contains("位置概略"),
        "{page}"
    );
    assert!(page.contains(r#"id="locate-again""#));
    let form = app
        .get(&format!("/customers/{}/edit", far["id"]))
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains(r#"id="location-warning""#) && form.contains("缺少位置"));
    let desk = app.get(&format!("/desk/customer/{}", house["id"])).await;
    let desk = desk.text().await.unwrap();
    assert!(desk.contains(r#"id="desk-location""#), "{desk}");
    let page = app
        .get(&format!("/customers/{}", pinned["id"]))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains(r#"id="location-warning""#) && page.contains("人工標記"));

    // In the background, each new customer without a trusted location is
    // looked up once.
    luckygas::app::start_worker(&app.state);
    let jobs = lookups_done(&app).await;
    assert_eq!(jobs.len(), 5, "{jobs:?}");
    let house = customer(&app, &token, &house["id"]).await;
    assert_eq!(house["location_source"], "geocoded");
    assert!((house["lat"].as_f64().unwrap() - 24.9571).abs() < 1e-6);
    assert!((house["lon"].as_f64().unwrap() - 121.2260).abs() < 1e-6);
    // Only the street: its point, still approximate.
    let street = customer(&app, &token, &street["id"]).await;
    assert_eq!(street["location_source"], "approximate");
    assert!((street["lat"].as_f64().unwrap() - 24.9402).abs() < 1e-6);
    // Not found: as it was.
    let unknown_now = customer(&app, &token, &unknown["id"]).await;
    assert_eq!(unknown_now["location_source"], "approximate");
    assert_eq!(unknown_now["lat"], unknown["lat"]);
    let far_now = customer(&app, &token, &far["id"]).await;
    assert_eq!(far_now["location_source"], "missing");
    // The outage is retried later, and the customer keeps its stand-in.
    let failing = jobs
        .iter()
        .find(|j| j.payload.contains(&format!("\"id\":{}", broken["id"])))
        .unwrap();
    assert_eq!(failing.status, queue::QUEUED);
    assert!(failing.error.contains("503"), "{}", failing.error);
    assert_eq!(
        customer(&app, &token, &broken["id"]).await["location_source"],
        "approximate"
    );
    // The hand-placed customer was never looked up.
    let pinned_now = customer(&app, &token, &pinned["id"]).await;
    assert_eq!(pinned_now["lat"], json!(24.96));
    {
        let seen = seen.0.lock().unwrap();
        assert!(
            seen.iter()
                .all(|(_, ua, q)| ua.starts_with("luckygas/") && q == "tw|jsonv2"),
            "{seen:?}"
        );
        assert!(!seen.iter().any(|(q, _, _)| q.contains("自己標的")));
    }

    // Sent back unchanged, a found location keeps its source; moved by
    // hand it becomes manual, and a lookup never overwrites it.
    let mut edit = house.clone();
    edit["version"] = house["version"].clone();
    let (status, kept) = app
        .call(
            Method::PUT,
            &format!("/api/v1/customers/{}", house["id"]),
            &token,
            Some(edit.clone()),
        )
        .await;
    assert_eq!(status, 200, "{kept}");
    assert_eq!(kept["location_source"], "geocoded");
    edit["version"] = kept["version"].clone();
    edit["lat"] = json!(24.9580);
    let (_, moved) = app
        .call(
            Method::PUT,
            &format!("/api/v1/customers/{}", house["id"]),
            &token,
            Some(edit.clone()),
        )
        .await;
    assert_eq!(moved["location_source"], "manual");
    // A new address under unchanged coordinates is looked up again.
    edit["version"] = moved["version"].clone();
    edit["address"] = json!("桃園市平鎮區環南路100號");
    edit["district"] = json!("平鎮區");
    let (_, readdressed) = app
        .call(
            Method::PUT,
            &format!("/api/v1/customers/{}", house["id"]),
            &token,
            Some(edit),
        )
        .await;
    assert_eq!(
        readdressed["location_source"], "approximate",
        "{readdressed}"
    );
    assert!(
        (readdressed["lat"].as_f64().unwrap() - 24.9459).abs() < 1e-6,
        "平鎮區 centre"
    );
    lookups_done(&app).await;
    let relocated = customer(&app, &token, &house["id"]).await;
    assert!(
        (relocated["lat"].as_f64().unwrap() - 24.9402).abs() < 1e-6,
        "{relocated}"
    );
    // "Look it up again" on the page queues another lookup.
    let before = queue::of_kind(&app.state.db, "locate_customer")
        .await
        .unwrap()
        .len();
    let csrf = app.page_csrf(&app.client).await;
    let res = app
        .client
        .post(app.url(&format!("/customers/{}/locate", unknown["id"])))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let back = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(back, format!("/customers/{}?msg=locating", unknown["id"]));
    assert!(
        app.get(&back)
            .await
            .text()
            .await
            .unwrap()
            .contains("已排入依地址定位")
    );
    assert_eq!(
        queue::of_kind(&app.state.db, "locate_customer")
            .await
            .unwrap()
            .len(),
        before + 1
    );
}

/// The planning board routes approximate stops and says so, and lists the
/// orders without a location as left out with the reason.
#[tokio::test]
async fn the_board_marks_approximate_stops_and_leaves_out_missing_ones_with_a_reason() {
    let app = spawn_with(|c| c.planning.iterations = Some(5_000)).await;
    app.create_user("mia", Role::Manager).await;
    let token = app.token("mia").await;
    app.seed_prices().await;
    let now = app.state.clock.now();
    sea_orm::ActiveModelTrait::insert(
        luckygas::fleet::depot::ActiveModel {
            name: sea_orm::Set("總倉".into()),
            address: sea_orm::Set("桃園市桃園區".into()),
            lat: sea_orm::Set(24.99),
            lon: sea_orm::Set(121.30),
            created_at: sea_orm::Set(now),
            updated_at: sea_orm::Set(now),
            ..Default::default()
        },
        &app.state.db,
    )
    .await
    .unwrap();
    app.call(
        Method::POST,
        "/api/v1/vehicles",
        &token,
        Some(json!({"plate": "ABC-1234", "capacity_kg": 900, "capacity_slots": 20})),
    )
    .await;
    let tomorrow = (app.state.clock.today_taipei() + chrono::Duration::days(1)).to_string();
    let rough = new_customer(
        &app,
        &token,
        "概略",
        "0922-000-001",
        "桃園市八德區介壽路1號",
    )
    .await;
    let far = new_customer(
        &app,
        &token,
        "沒位置",
        "0922-000-002",
        "台北市大安區和平東路1號",
    )
    .await;
    let mut orders = Vec::new();
    for c in [&rough, &far] {
        let (status, o) = app
            .call(
                Method::POST,
                "/api/v1/orders",
                &token,
                Some(json!({"customer_id": c["id"], "requested_date": tomorrow, "lines": [{"size": "20", "quantity": 1}]})),
            )
            .await;
        assert_eq!(status, 201, "{o}");
        orders.push(o["id"].clone());
    }
    app.login("mia").await;
    let page = app
        .get(&format!("/planning?date={tomorrow}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"id="location-alert""#)
            && page.contains("有 1 站的位置概略")
            && page.contains("有 1 張訂單的客戶缺少位置"),
        "{page}"
    );
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/planning/{tomorrow}/optimize"),
            &token,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 202);
    for _ in 0..300 {
        let (_, run) = app
            .call(
                Method::GET,
                &format!("/api/v1/planning/{tomorrow}/run"),
                &token,
                None,
            )
            .await;
        if run["state"] != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, b) = app
        .call(
            Method::GET,
            &format!("/api/v1/planning/{tomorrow}"),
            &token,
            None,
        )
        .await;
    let stop = &b["routes"][0]["stops"][0];
    assert_eq!(stop["order_id"], orders[0]);
    assert_eq!(stop["location_source"], "approximate");
    let left = &b["unassigned"][0];
    assert_eq!(left["order_id"], orders[1]);
    assert_eq!(left["reason_code"], "missing_coordinates");
    assert_eq!(left["location_source"], "missing");
    let page = app
        .get(&format!("/planning?date={tomorrow}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("pill location-approximate") && page.contains("客戶缺少位置（地址查不到）"),
        "{page}"
    );
}
