//! Route planning through the real server: optimize the demo day, publish,
//! re-plan with a new order mid-day, and the refusals (no trucks, stale or
//! changed plans, bad trucks, impossible orders, drivers' view).

use std::time::Duration;

use luckygas::auth::Role;
use reqwest::Method;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

use crate::test_app::{TestApp, customer_json, spawn_with};

const TOMORROW: &str = "2026-12-01";

async fn app() -> TestApp {
    // A fixed search effort: the same orders always give the same plan.
    spawn_with(|c| c.planning.iterations = Some(30_000)).await
}

pub(crate) async fn depot(app: &TestApp) {
    let now = app.state.clock.now();
    luckygas::fleet::depot::ActiveModel {
        name: Set("總倉".into()),
        address: Set("桃園市桃園區".into()),
        lat: Set(24.99),
        lon: Set(121.30),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

/// Starts optimizing a date; (status, answer).
pub(crate) async fn optimize(app: &TestApp, token: &str, date: &str) -> (u16, Value) {
    let path = format!("/api/v1/planning/{date}/optimize");
    app.call(Method::POST, &path, token, Some(json!({}))).await
}

/// Publishes a date's plan as of `version`; (status, answer).
pub(crate) async fn publish(
    app: &TestApp,
    token: &str,
    date: &str,
    version: impl serde::Serialize,
) -> (u16, Value) {
    let path = format!("/api/v1/planning/{date}/publish");
    app.call(
        Method::POST,
        &path,
        token,
        Some(json!({ "version": version })),
    )
    .await
}

/// Waits for the date's optimization run to finish and returns it.
pub(crate) async fn finished(app: &TestApp, token: &str, date: &str) -> Value {
    for _ in 0..600 {
        let (_, run) = app
            .call(
                Method::GET,
                &format!("/api/v1/planning/{date}/run"),
                token,
                None,
            )
            .await;
        if run["state"] != "running" {
            assert_eq!(run["state"], "succeeded", "{run}");
            return run;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the optimization never finished");
}

pub(crate) async fn board(app: &TestApp, token: &str, date: &str) -> Value {
    app.call(
        Method::GET,
        &format!("/api/v1/planning/{date}"),
        token,
        None,
    )
    .await
    .1
}

fn stops_of(b: &Value) -> Vec<(i64, i64, i64)> {
    // (route id, sequence, order id)
    let mut out = Vec::new();
    for r in b["routes"].as_array().unwrap() {
        for s in r["stops"].as_array().unwrap() {
            out.push((
                r["id"].as_i64().unwrap(),
                s["sequence"].as_i64().unwrap(),
                s["order_id"].as_i64().unwrap(),
            ));
        }
    }
    out
}

#[tokio::test]
async fn the_demo_day_is_optimized_published_and_replanned_mid_day() {
    let app = app().await;
    let accounts = luckygas::demo::seed(&app.state.db, app.state.clock.now())
        .await
        .unwrap()
        .unwrap();
    app.create_user("mia", Role::Manager).await;
    let token = app.token("mia").await;

    // Before planning, the board lists the orders waiting.
    let before_plan = board(&app, &token, TOMORROW).await;
    assert_eq!(before_plan["status"], "none");
    assert!(before_plan["waiting"].as_array().unwrap().len() >= 100);
    assert_eq!(before_plan["unassigned"].as_array().unwrap().len(), 0);
    let (status, first) = optimize(&app, &token, TOMORROW).await;
    assert_eq!(status, 202, "{first}");
    assert_eq!(first["started"], true);
    // A second person asking now sees the running job instead of a new one.
    let (status, second) = optimize(&app, &token, TOMORROW).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["started"], false);
    assert_eq!(second["run"]["id"], first["run"]["id"]);
    let run = finished(&app, &token, TOMORROW).await;
    assert!(run["best_km"].as_f64().unwrap() > 10.0);

    let b = board(&app, &token, TOMORROW).await;
    assert_eq!(b["status"], "draft");
    let total = b["orders_total"].as_u64().unwrap();
    assert!(total >= 100, "the demo has about 120 orders a day: {total}");
    let stops = stops_of(&b);
    // Every order is on a route or listed with a reason; none is both.
    assert_eq!(
        stops.len() + b["unassigned"].as_array().unwrap().len(),
        total as usize
    );
    assert!(
        stops.len() as u64 * 10 >= total * 9,
        "most orders fit: {} of {total}",
        stops.len()
    );
    for r in b["routes"].as_array().unwrap() {
        assert!(r["load_kg"].as_i64() <= r["capacity_kg"].as_i64(), "{r}");
        assert!(
            r["load_slots"].as_i64() <= r["capacity_slots"].as_i64(),
            "{r}"
        );
        for s in r["stops"].as_array().unwrap() {
            assert_eq!(s["late"], false, "{s}");
        }
    }
    // The yardstick: at least 25 % shorter than the same orders by district.
    let saving = b["saving_pct"].as_f64().unwrap();
    assert!(
        saving >= 25.0,
        "saving {saving}% over {} km naive",
        b["naive_km"]
    );

    // A stale version is refused and publishes nothing.
    let v = b["version"].as_i64().unwrap();
    let (status, _) = publish(&app, &token, TOMORROW, v + 5).await;
    assert_eq!(status, 409);
    let (status, published) = publish(&app, &token, TOMORROW, v).await;
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["status"], "published");
    let numbers: Vec<&str> = published["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers[0], "R20261201-01");
    assert_eq!(numbers.len(), b["routes"].as_array().unwrap().len());
    // The demo drivers who can sign in have routes to drive.
    for name in ["driver1", "driver2"] {
        let password = &accounts
            .iter()
            .find(|a| a.username == name)
            .unwrap()
            .password;
        let (status, t) = app
            .call(
                Method::POST,
                "/api/v1/auth/token",
                "",
                Some(json!({"username": name, "password": password})),
            )
            .await;
        assert_eq!(status, 200, "{t}");
        let driver = t["token"].as_str().unwrap();
        let (_, mine) = app
            .call(
                Method::GET,
                &format!("/api/v1/routes?date={TOMORROW}"),
                driver,
                None,
            )
            .await;
        let stops = mine[0]["stops"].as_array().map_or(0, Vec::len);
        assert!(stops > 0, "{name} has no route: {mine}");
    }
    let planned: Value = app
        .api(
            Method::GET,
            &format!("/api/v1/orders?date={TOMORROW}&status=planned&per_page=1"),
            &token,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(planned["total"].as_u64().unwrap(), stops.len() as u64);

    // Mid-day: the first stop of the first route is delivered, the first
    // stop of the second route is under way, and a customer calls for a new
    // order.
    let before = stops_of(&published);
    let (route1, _, delivered) = before[0];
    let &(route2, _, under_way) = before
        .iter()
        .find(|s| s.0 != route1 && s.1 == 1)
        .expect("a second route");
    for (order, actions) in [
        (delivered, &["depart", "deliver"][..]),
        (under_way, &["depart"][..]),
    ] {
        for action in actions {
            let (status, body) = app
                .call(
                    Method::POST,
                    &format!("/api/v1/orders/{order}/transitions"),
                    &token,
                    Some(json!({"action": action})),
                )
                .await;
            assert_eq!(status, 200, "{body}");
        }
    }
    let (status, new_order) = app.call( Method::POST, "/api/v1/orders", &token, Some(json!({
        "customer_code": "C00002", "requested_date": TOMORROW, "lines": [{"size": "20", "quantity": 1}]
    }))).await;
    assert_eq!(status, 201, "{new_order}");
    let new_id = new_order["id"].as_i64().unwrap();
    let b = board(&app, &token, TOMORROW).await;
    assert!(
        b["unassigned"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["order_id"] == new_id && u["reason_code"] == "new")
    );

    let (status, re) = optimize(&app, &token, TOMORROW).await;
    assert_eq!(status, 202, "{re}");
    assert_eq!(re["run"]["kind"], "replan");
    finished(&app, &token, TOMORROW).await;
    let after = board(&app, &token, TOMORROW).await;
    assert_eq!(after["status"], "changed");
    // On the board the delivered stop looks done and cannot be moved; the
    // one under way says so.
    app.login("mia").await;
    let page = app
        .get(&format!("/planning?date={TOMORROW}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!(
            r#"<li class="stop stop-delivered" draggable="false" data-order-id="{delivered}">"#
        )),
        "{page}"
    );
    assert!(!page.contains(&format!(r#"name="order_id" value="{delivered}""#)));
    assert!(page.contains(&format!(
        r#"class="stop stop-out_for_delivery" draggable="true" data-order-id="{under_way}""#
    )));
    assert!(page.contains(r#"<span class="status status-delivered">已送達</span>"#));
    let now = stops_of(&after);
    // The delivered and the under-way stops are still first on their
    // routes; the same routes hold the same stops in the same order, and
    // the new order is the only stop added.
    assert!(now.contains(&(route1, 1, delivered)));
    assert!(now.contains(&(route2, 1, under_way)));
    let route_ids = |stops: &[(i64, i64, i64)]| {
        stops
            .iter()
            .map(|s| s.0)
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert!(
        route_ids(&before).is_subset(&route_ids(&now)),
        "no route was dropped"
    );
    let mut orders_before: Vec<i64> = before.iter().map(|s| s.2).collect();
    orders_before.push(new_id);
    orders_before.sort_unstable();
    let mut orders_now: Vec<i64> = now.iter().map(|s| s.2).collect();
    orders_now.sort_unstable();
    assert_eq!(orders_now, orders_before, "stops = before + the new order");
    for &id in &route_ids(&before) {
        let kept: Vec<i64> = now
            .iter()
            .filter(|s| s.0 == id && s.2 != new_id)
            .map(|s| s.2)
            .collect();
        let was: Vec<i64> = before.iter().filter(|s| s.0 == id).map(|s| s.2).collect();
        assert_eq!(kept, was, "route {id} changed");
    }
    let added: Vec<&Value> = after["routes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["stops"].as_array().unwrap())
        .filter(|s| s["change"] == "added")
        .collect();
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["order_id"], new_id);
    let v = after["version"].as_i64().unwrap();
    let (status, again) = publish(&app, &token, TOMORROW, v).await;
    assert_eq!(status, 200, "{again}");
    let (_, o) = app
        .call(
            Method::GET,
            &format!("/api/v1/orders/{new_id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(o["status"], "planned");
}

/// A depot, one truck and three customers with orders for tomorrow.
async fn small_day(app: &TestApp, token: &str) -> Vec<i64> {
    depot(app).await;
    app.seed_prices().await;
    let (status, v) = app.call( Method::POST, "/api/v1/vehicles", token, Some(json!({"plate": "abc-1234", "label": "小貨車", "capacity_kg": 900, "capacity_slots": 20}))).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["plate"], "ABC-1234");
    let mut ids = Vec::new();
    for (i, (name, phone, lat)) in [
        ("王記麵店", "0912-345-671", 24.95),
        ("林家", "0912-345-672", 24.96),
        ("陳家", "0912-345-673", 24.97),
    ]
    .iter()
    .enumerate()
    {
        let mut c = customer_json(name, phone);
        c["lat"] = json!(lat);
        c["tax_id"] = Value::Null;
        c["delivery_windows"] = json!("");
        let c: Value = app.api_customer(token, c).await.json().await.unwrap();
        let (status, o) = app.call( Method::POST, "/api/v1/orders", token, Some(json!({
            "customer_id": c["id"], "requested_date": TOMORROW, "lines": [{"size": "20", "quantity": 1 + i}]
        }))).await;
        assert_eq!(status, 201, "{o}");
        ids.push(o["id"].as_i64().unwrap());
    }
    ids
}

#[tokio::test]
async fn publishing_a_plan_whose_orders_changed_is_refused_and_changes_nothing() {
    let app = app().await;
    app.create_user("mia", Role::Manager).await;
    let token = app.token("mia").await;
    let ids = small_day(&app, &token).await;
    optimize(&app, &token, TOMORROW).await;
    finished(&app, &token, TOMORROW).await;
    let b = board(&app, &token, TOMORROW).await;
    assert_eq!(stops_of(&b).len(), 3);
    // Someone confirms an order after the plan was computed: no change.
    app.clock.advance(chrono::Duration::minutes(1));
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/orders/{}/transitions", ids[0]),
            &token,
            Some(json!({"action": "confirm"})),
        )
        .await;
    assert_eq!(status, 200);
    // Someone cancels an order after the plan was computed.
    let (status, o) = app
        .call(
            Method::POST,
            &format!("/api/v1/orders/{}/transitions", ids[1]),
            &token,
            Some(json!({"action": "cancel"})),
        )
        .await;
    assert_eq!(status, 200, "{o}");
    let (status, err) = publish(&app, &token, TOMORROW, &b["version"]).await;
    assert_eq!(status, 409);
    let msg = err["error"]["message"].as_str().unwrap();
    assert!(msg.contains(o["order_number"].as_str().unwrap()), "{msg}");
    let (_, confirmed) = app
        .call(
            Method::GET,
            &format!("/api/v1/orders/{}", ids[0]),
            &token,
            None,
        )
        .await;
    assert!(
        !msg.contains(confirmed["order_number"].as_str().unwrap()),
        "a confirmation is no change: {msg}"
    );
    let after = board(&app, &token, TOMORROW).await;
    assert_eq!(after["status"], "draft");
    assert!(
        after["routes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["number"].is_null())
    );
    let (_, first) = app
        .call(
            Method::GET,
            &format!("/api/v1/orders/{}", ids[0]),
            &token,
            None,
        )
        .await;
    assert_eq!(first["status"], "confirmed", "nothing was planned");
    // Planned again, the cancelled order is gone and publishing works.
    optimize(&app, &token, TOMORROW).await;
    finished(&app, &token, TOMORROW).await;
    let b = board(&app, &token, TOMORROW).await;
    assert_eq!(stops_of(&b).len(), 2);
    let (status, done) = publish(&app, &token, TOMORROW, &b["version"]).await;
    assert_eq!(status, 200, "{done}");
    // After publishing, a cancellation is cleaned up by the re-plan.
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/orders/{}/transitions", ids[2]),
            &token,
            Some(json!({"action": "cancel"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, re) = optimize(&app, &token, TOMORROW).await;
    assert_eq!(status, 202, "{re}");
    finished(&app, &token, TOMORROW).await;
    let b = board(&app, &token, TOMORROW).await;
    assert_eq!(stops_of(&b).len(), 1);
    let (status, again) = publish(&app, &token, TOMORROW, &b["version"]).await;
    assert_eq!(status, 200, "{again}");
}

/// Two clusters of two orders, north and south of the depot, and two
/// trucks that each carry two orders: the optimizer drives one truck north
/// and one south. Returns (north orders, south orders).
async fn two_clusters(app: &TestApp, token: &str) -> (Vec<i64>, Vec<i64>) {
    depot(app).await;
    app.seed_prices().await;
    for plate in ["TRK-1", "TRK-2"] {
        let (status, v) = app
            .call(
                Method::POST,
                "/api/v1/vehicles",
                token,
                Some(json!({"plate": plate, "capacity_kg": 400, "capacity_slots": 20})),
            )
            .await;
        assert_eq!(status, 201, "{v}");
    }
    let mut ids = Vec::new();
    for (i, lat) in [25.08, 25.081, 24.90, 24.901].iter().enumerate() {
        let mut c = customer_json(&format!("客戶{i}"), &format!("0912-345-68{i}"));
        c["lat"] = json!(lat);
        c["lon"] = json!(121.30);
        c["tax_id"] = Value::Null;
        c["delivery_windows"] = json!("");
        let c: Value = app.api_customer(token, c).await.json().await.unwrap();
        // 5 × 20 kg is 175 kg: two orders fill a truck.
        let (status, o) = app
            .call(
                Method::POST,
                "/api/v1/orders",
                token,
                Some(json!({"customer_id": c["id"], "requested_date": TOMORROW,
                    "lines": [{"size": "20", "quantity": 5}]})),
            )
            .await;
        assert_eq!(status, 201, "{o}");
        ids.push(o["id"].as_i64().unwrap());
    }
    (ids[..2].to_vec(), ids[2..].to_vec())
}

/// The route (as JSON) that holds `order`.
fn route_of(b: &Value, order: i64) -> &Value {
    b["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["stops"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["order_id"] == order)
        })
        .unwrap_or_else(|| panic!("order {order} is on no route: {b}"))
}

fn stop_of(b: &Value, order: i64) -> Value {
    route_of(b, order)["stops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["order_id"] == order)
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_stop_locked_to_the_truck_the_optimizer_would_not_choose_stays_there_after_reoptimizing()
{
    let app = app().await;
    app.create_user("mia", Role::Manager).await;
    let token = app.token("mia").await;
    let (north, south) = two_clusters(&app, &token).await;
    optimize(&app, &token, TOMORROW).await;
    finished(&app, &token, TOMORROW).await;
    let b = board(&app, &token, TOMORROW).await;
    let north_truck = route_of(&b, north[0])["vehicle_id"].clone();
    let south_route = route_of(&b, south[0]).clone();
    let south_truck = south_route["vehicle_id"].clone();
    assert_ne!(north_truck, south_truck, "one truck a cluster: {b}");
    assert_eq!(route_of(&b, north[1])["vehicle_id"], north_truck);
    assert_eq!(route_of(&b, south[1])["vehicle_id"], south_truck);

    // The manager puts a north customer on the south truck.
    let (status, moved) = app
        .call(
            Method::POST,
            &format!("/api/v1/planning/{TOMORROW}/moves"),
            &token,
            Some(json!({
                "order_id": north[0], "route_id": south_route["id"], "position": 1,
                "version": b["version"]
            })),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(route_of(&moved, north[0])["vehicle_id"], south_truck);
    assert_eq!(
        stop_of(&moved, north[0])["locked"],
        true,
        "a moved stop is locked"
    );

    // Edits from the old version are refused and change nothing.
    let stale = b["version"].clone();
    let route_id = route_of(&moved, north[1])["id"].clone();
    for (path, body) in [
        (
            "moves",
            json!({"order_id": south[1], "route_id": route_id, "position": 1, "version": stale}),
        ),
        (
            "locks",
            json!({"order_id": south[1], "locked": true, "version": stale}),
        ),
        (
            &*format!("routes/{route_id}/driver"),
            json!({"driver_id": null, "version": stale}),
        ),
    ] {
        let (status, e) = app
            .call(
                Method::POST,
                &format!("/api/v1/planning/{TOMORROW}/{path}"),
                &token,
                Some(body),
            )
            .await;
        assert_eq!(status, 409, "{path}: {e}");
        let now = board(&app, &token, TOMORROW).await;
        assert_eq!(now["version"], moved["version"], "{path}");
        assert_eq!(stops_of(&now), stops_of(&moved), "{path}");
        assert_eq!(stop_of(&now, south[1])["locked"], false, "{path}");
    }

    // Off the routes by hand: listed as such.
    let (status, off) = app
        .call(
            Method::POST,
            &format!("/api/v1/planning/{TOMORROW}/moves"),
            &token,
            Some(json!({"order_id": south[1], "route_id": null, "version": moved["version"]})),
        )
        .await;
    assert_eq!(status, 200, "{off}");
    assert!(
        off["unassigned"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["order_id"] == south[1] && u["reason_code"] == "manual")
    );
    // Lock a south stop where it is, through the lock API.
    let (status, locked) = app
        .call(
            Method::POST,
            &format!("/api/v1/planning/{TOMORROW}/locks"),
            &token,
            Some(json!({"order_id": south[0], "locked": true, "version": off["version"]})),
        )
        .await;
    assert_eq!(status, 200, "{locked}");
    assert_eq!(stop_of(&locked, south[0])["locked"], true);

    // Re-optimizing keeps both locked stops on the south truck (the north
    // one against the optimizer's own choice) and brings the taken-off
    // order back.
    optimize(&app, &token, TOMORROW).await;
    finished(&app, &token, TOMORROW).await;
    let again = board(&app, &token, TOMORROW).await;
    assert_eq!(
        route_of(&again, north[0])["vehicle_id"],
        south_truck,
        "{again}"
    );
    assert_eq!(route_of(&again, south[0])["vehicle_id"], south_truck);
    assert_eq!(stop_of(&again, north[0])["locked"], true);
    assert_eq!(stop_of(&again, south[0])["locked"], true);
    assert_eq!(stop_of(&again, north[1])["locked"], false);
    assert_eq!(stops_of(&again).len(), 4);
}

#[tokio::test]
async fn impossible_orders_and_bad_input_get_reasons_not_crashes() {
    let app = app().await;
    app.create_user("mia", Role::Manager).await;
    let token = app.token("mia").await;

    // Nothing set up: no depot.
    let (status, e) = optimize(&app, &token, TOMORROW).await;
    assert_eq!(status, 409, "{e}");
    depot(&app).await;
    // No trucks.
    let (status, e) = optimize(&app, &token, TOMORROW).await;
    assert_eq!(status, 409);
    assert!(
        e["error"]["message"].as_str().unwrap().contains("車輛"),
        "{e}"
    );
    // A truck with zero capacity is a field error.
    let (status, e) = app
        .call(
            Method::POST,
            "/api/v1/vehicles",
            &token,
            Some(json!({"plate": "Z-1", "capacity_kg": 0, "capacity_slots": 10})),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["fields"][0]["field"], "capacity_kg");
    assert!(
        e["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("載重")
    );
    app.call(
        Method::POST,
        "/api/v1/vehicles",
        &token,
        Some(json!({"plate": "S-1", "capacity_kg": 300, "capacity_slots": 10})),
    )
    .await;
    let (status, e) = app
        .call(
            Method::POST,
            "/api/v1/vehicles",
            &token,
            Some(json!({"plate": "s-1", "capacity_kg": 300, "capacity_slots": 10})),
        )
        .await;
    assert_eq!(status, 422, "duplicate plate: {e}");
    // No orders.
    let (status, e) = optimize(&app, &token, TOMORROW).await;
    assert_eq!(status, 409);
    assert!(
        e["error"]["message"].as_str().unwrap().contains("訂單"),
        "{e}"
    );
    // A past date and a bad date.
    let (status, _) = optimize(&app, &token, "2026-11-29").await;
    assert_eq!(status, 422);
    let (status, e) = optimize(&app, &token, "tomorrow").await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["fields"][0]["field"], "date");

    app.seed_prices().await;
    let mut plain = customer_json("一般", "0912-000-001");
    plain["tax_id"] = Value::Null;
    plain["delivery_windows"] = json!("");
    let mut nowhere = customer_json("沒座標", "0912-000-002");
    nowhere["tax_id"] = Value::Null;
    nowhere["lat"] = Value::Null;
    nowhere["lon"] = Value::Null;
    // Outside the districts whose centres stand in, and no geocoder.
    nowhere["address"] = json!("台北市大安區和平東路一段1號");
    let mut night = customer_json("夜間", "0912-000-003");
    night["tax_id"] = Value::Null;
    night["delivery_windows"] = json!("22:00-23:00");
    let mut orders = Vec::new();
    for (c, lines) in [
        (plain.clone(), json!([{"size": "20", "quantity": 1}])),
        (nowhere, json!([{"size": "20", "quantity": 1}])),
        (night, json!([{"size": "20", "quantity": 1}])),
        // 9 × 90 kg: larger than the 300 kg truck.
        (
            {
                let mut p = plain;
                p["phones"] = json!(["0912-000-004"]);
                p["name"] = json!("大單");
                p
            },
            json!([{"size": "50", "quantity": 9}]),
        ),
    ] {
        let c: Value = app.api_customer(&token, c).await.json().await.unwrap();
        let (status, o) = app
            .call(
                Method::POST,
                "/api/v1/orders",
                &token,
                Some(json!({"customer_id": c["id"], "requested_date": TOMORROW, "lines": lines})),
            )
            .await;
        assert_eq!(status, 201, "{o}");
        orders.push(o["id"].as_i64().unwrap());
    }
    let (status, _) = optimize(&app, &token, TOMORROW).await;
    assert_eq!(status, 202);
    finished(&app, &token, TOMORROW).await;
    let b = board(&app, &token, TOMORROW).await;
    let reason = |id: i64| {
        b["unassigned"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["order_id"] == id)
            .map(|u| {
                (
                    u["reason_code"].as_str().unwrap().to_owned(),
                    u["reason"].as_str().unwrap().to_owned(),
                )
            })
    };
    assert_eq!(reason(orders[0]), None, "the plain order is served");
    assert_eq!(reason(orders[1]).unwrap().0, "missing_coordinates");
    assert_eq!(reason(orders[2]).unwrap().0, "time_window");
    let (code, text) = reason(orders[3]).unwrap();
    assert_eq!(code, "capacity");
    assert!(text.contains("載重"), "{text}");
}

#[tokio::test]
async fn drivers_see_only_their_own_published_routes() {
    let app = app().await;
    app.create_user("mia", Role::Manager).await;
    let driver_user = app.create_user("dan", Role::Driver).await;
    app.create_user("dora", Role::Driver).await;
    let token = app.token("mia").await;
    small_day(&app, &token).await;
    let (_, vehicles) = app
        .call(Method::GET, "/api/v1/vehicles", &token, None)
        .await;
    let (status, d) = app.call( Method::POST, "/api/v1/drivers", &token, Some(json!({
        "name": "陳志明", "phone": "0912-111-222", "user_id": driver_user, "vehicle_id": vehicles[0]["id"], "shift_start": "08:00", "shift_end": "17:00"
    }))).await;
    assert_eq!(status, 201, "{d}");
    let (status, e) = app
        .call(
            Method::POST,
            "/api/v1/drivers",
            &token,
            Some(json!({"name": "錯", "shift_start": "18:00", "shift_end": "08:00"})),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["fields"][0]["field"], "shift_end");

    optimize(&app, &token, TOMORROW).await;
    finished(&app, &token, TOMORROW).await;
    // The truck's usual driver drives the route; the office can change it.
    let b = board(&app, &token, TOMORROW).await;
    let route = b["routes"][0]["id"].as_i64().unwrap();
    assert_eq!(b["routes"][0]["driver_id"], d["id"]);
    let driver_path = format!("/api/v1/planning/{TOMORROW}/routes/{route}/driver");
    let (status, _) = app
        .call(
            Method::POST,
            &driver_path,
            &token,
            Some(json!({"driver_id": 9999, "version": b["version"]})),
        )
        .await;
    assert_eq!(status, 422);
    let (status, b) = app
        .call(
            Method::POST,
            &driver_path,
            &token,
            Some(json!({"driver_id": null, "version": b["version"]})),
        )
        .await;
    assert_eq!(status, 200);
    assert!(b["routes"][0]["driver_id"].is_null());
    let (status, _) = app
        .call(
            Method::POST,
            &driver_path,
            &token,
            Some(json!({"driver_id": d["id"], "version": b["version"]})),
        )
        .await;
    assert_eq!(status, 200);
    let dan = app.token("dan").await;
    let dora = app.token("dora").await;
    let mut dan_socket = app.socket(&dan).await;
    let mut dora_socket = app.socket(&dora).await;
    let path = format!("/api/v1/routes?date={TOMORROW}");
    let (_, mine) = app.call(Method::GET, &path, &dan, None).await;
    assert_eq!(
        mine.as_array().unwrap().len(),
        0,
        "a draft is not shown to drivers"
    );
    let b = board(&app, &token, TOMORROW).await;
    let (status, _) = publish(&app, &token, TOMORROW, &b["version"]).await;
    assert_eq!(status, 200);
    // The route's driver hears of it on their own socket; the other does not.
    let heard = dan_socket.expect("route.published").await;
    assert_eq!(heard["room"], format!("driver:{driver_user}"));
    assert_eq!(heard["data"]["route_id"], route);
    assert_eq!(heard["data"]["route_number"], "R20261201-01");
    assert_eq!(
        dora_socket.next_event(Duration::from_millis(300)).await,
        None,
        "another driver hears nothing"
    );
    let (status, mine) = app.call(Method::GET, &path, &dan, None).await;
    assert_eq!(status, 200);
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["driver_name"], "陳志明");
    assert_eq!(mine[0]["stops"].as_array().unwrap().len(), 3);
    // The order list filters by driver.
    let (_, by_driver) = app
        .call(
            Method::GET,
            &format!("/api/v1/orders?date={TOMORROW}&driver={}", d["id"]),
            &token,
            None,
        )
        .await;
    assert_eq!(by_driver["total"], 3);
    let (_, nobody) = app
        .call(
            Method::GET,
            &format!("/api/v1/orders?date={TOMORROW}&driver=9999"),
            &token,
            None,
        )
        .await;
    assert_eq!(nobody["total"], 0);
    let (_, theirs) = app.call(Method::GET, &path, &dora, None).await;
    assert_eq!(theirs.as_array().unwrap().len(), 0);
    let id = mine[0]["id"].as_i64().unwrap();
    let (status, _) = app
        .call(Method::GET, &format!("/api/v1/routes/{id}"), &dora, None)
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/planning/{TOMORROW}"),
            &dan,
            None,
        )
        .await;
    assert_eq!(status, 403, "drivers do not plan");
}

#[tokio::test]
async fn the_board_optimizes_shows_progress_and_the_map_moves_a_stop_publishes_and_prints() {
    use crate::browser;
    // Long enough a search that the board shows it running.
    let app = spawn_with(|c| c.planning.iterations = Some(400_000)).await;
    luckygas::demo::seed(&app.state.db, app.state.clock.now())
        .await
        .unwrap();
    app.create_user("mia", Role::Manager).await;
    let Some(b) = browser::start(1400, "zh-TW").await else {
        return;
    };
    b.goto(&app.url("/login")).await;
    b.fill("#username", "mia").await;
    b.fill("#password", crate::test_app::PASSWORD).await;
    b.click("#login-submit").await;
    b.wait_for_text("您好").await;
    b.goto(&app.url(&format!("/planning?date={TOMORROW}")))
        .await;
    b.wait_for_text("尚未規劃").await;
    assert_eq!(
        b.client
            .find_all(fantoccini::Locator::Css("input[name=vehicle_ids]"))
            .await
            .unwrap()
            .len(),
        10
    );
    b.click("#optimize").await;
    // The run is under way: the progress bar shows, then the board reloads
    // itself with the routes when it finishes.
    b.find("#progress:not(.hidden)").await;
    b.screenshot("planning-running").await;
    for _ in 0..600 {
        if b.client
            .find(fantoccini::Locator::Css(".route-card .stop"))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.wait_for_text("草稿").await;
    let routes = b
        .client
        .find_all(fantoccini::Locator::Css("section.route-card[id^=route-]"))
        .await
        .unwrap()
        .len();
    assert!(routes >= 5, "{routes} routes");
    // The map drew a line per route and a numbered pin per stop.
    let pins = b
        .client
        .find_all(fantoccini::Locator::Css("#plan-map .stop-pin"))
        .await
        .unwrap()
        .len();
    let stops = b
        .client
        .find_all(fantoccini::Locator::Css(
            "section.route-card[id^=route-] li.stop",
        ))
        .await
        .unwrap()
        .len();
    assert_eq!(pins, stops);
    assert!(b.text("#fig-saving").await.contains('%'));
    b.screenshot("planning-board").await;

    // Move the last stop of the first route to the front of the second.
    let first = b.find("section.route-card[id^=route-]").await;
    let moved = first
        .find(fantoccini::Locator::Css("li.stop:last-child"))
        .await
        .unwrap();
    let order_id = moved.attr("data-order-id").await.unwrap().unwrap();
    let second_id: String = b
        .client
        .execute(
            "return document.querySelectorAll('section.route-card[id^=route-]')[1].id.slice(6)",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    moved
        .find(fantoccini::Locator::Css("details.move summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let form = moved
        .find(fantoccini::Locator::Css("form.move-form"))
        .await
        .unwrap();
    form.find(fantoccini::Locator::Css("select[name=route_id]"))
        .await
        .unwrap()
        .select_by_value(&second_id)
        .await
        .unwrap();
    form.find(fantoccini::Locator::Css("input[name=position]"))
        .await
        .unwrap()
        .send_keys("1")
        .await
        .unwrap();
    form.find(fantoccini::Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_for_text("已移動站點").await;
    let top = b
        .find(&format!("#route-{second_id} li.stop:first-child"))
        .await;
    assert_eq!(top.attr("data-order-id").await.unwrap().unwrap(), order_id);
    assert!(
        top.text().await.unwrap().contains("已固定"),
        "a moved stop is locked"
    );

    // Publish (after the confirmation dialog).
    b.click("#publish").await;
    b.client.accept_alert().await.unwrap();
    b.wait_for_text("路線已發布").await;
    assert!(b.text("#plan-status").await.contains("已發布"));
    b.screenshot("planning-published").await;

    // The printable sheet of the second route.
    b.goto(&app.url(&format!("/planning/routes/{second_id}/print")))
        .await;
    let number = b.text("#route-number").await;
    assert!(number.starts_with("R20261201-"), "{number}");
    let rows = b
        .client
        .find_all(fantoccini::Locator::Css("tbody tr"))
        .await
        .unwrap()
        .len();
    assert!(rows >= 2);
    b.find("svg polyline").await;
    b.screenshot("planning-print").await;
    b.close().await;
}

#[tokio::test]
async fn travel_times_come_from_an_osrm_service_when_one_is_configured() {
    use luckygas::planning::travel::{Travel, estimate};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A stand-in OSRM: answers every table request with fixed figures and
    // remembers the request line.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = vec![0u8; 4096];
            let n = s.read(&mut buf).await.unwrap_or(0);
            let _ = tx.send(
                String::from_utf8_lossy(&buf[..n])
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_owned(),
            );
            let body =
                r#"{"code":"Ok","durations":[[0,600],[660,0]],"distances":[[0,7000],[7200,0]]}"#;
            let _ = s.write_all(format!("HTTP/1.0 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len()).as_bytes()).await;
        }
    });
    let pts = [(24.99, 121.30), (24.95, 121.22)];
    let osrm = Travel::new(Some(format!("http://{addr}")));
    let m = osrm.matrix(&pts).await;
    assert!((m.duration(0, 1) - 600.0).abs() < 1e-9);
    assert!((m.distance(1, 0) - 7200.0).abs() < 1e-9);
    let line = rx.recv().await.unwrap();
    assert!(line.starts_with("GET /table/v1/driving/121.300000,24.990000;121.220000,24.950000?annotations=duration,distance"), "{line}");
    // Asked again: from the cache, no second request.
    osrm.matrix(&pts).await;
    assert!(rx.try_recv().is_err());
    // A service that is down: planning goes on with the estimate.
    let down = Travel::new(Some("http://127.0.0.1:9".into()));
    let m = down.matrix(&pts).await;
    assert!((m.distance(0, 1) - estimate(pts[0], pts[1]).1).abs() < 1e-9);
}

#[tokio::test]
async fn progress_and_the_finished_plan_arrive_over_the_event_socket() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
    let app = app().await;
    app.create_user("mia", Role::Manager).await;
    app.create_user("dan", Role::Driver).await;
    let token = app.token("mia").await;
    small_day(&app, &token).await;
    let ws_url = app.url("/ws").replace("http://", "ws://");
    let connect = |t: String| {
        let mut req = ws_url.as_str().into_client_request().unwrap();
        req.headers_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
        tokio_tungstenite::connect_async(req)
    };
    let (mut office, _) = connect(token.clone()).await.unwrap();
    let (mut driver, _) = connect(app.token("dan").await).await.unwrap();
    // Without signing in there is no socket.
    assert!(
        tokio_tungstenite::connect_async(ws_url.as_str())
            .await
            .is_err()
    );

    optimize(&app, &token, TOMORROW).await;
    let mut kinds = Vec::new();
    while let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_secs(20), office.next()).await
    {
        if let Message::Text(text) = msg {
            let e: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(e["room"], "routes");
            assert_eq!(e["data"]["date"], TOMORROW);
            kinds.push(e["type"].as_str().unwrap().to_owned());
            if e["type"] == "plan.finished" {
                assert_eq!(e["data"]["state"], "succeeded");
                break;
            }
        }
    }
    assert_eq!(kinds.first().map(String::as_str), Some("plan.progress"));
    assert_eq!(kinds.last().map(String::as_str), Some("plan.finished"));
    // A driver's socket hears nothing of the office's planning.
    let heard = tokio::time::timeout(Duration::from_millis(300), driver.next()).await;
    assert!(
        !matches!(heard, Ok(Some(Ok(Message::Text(_))))),
        "{heard:?}"
    );
}

#[tokio::test]
async fn managers_keep_trucks_and_drivers_on_the_fleet_page() {
    use crate::browser;
    let app = app().await;
    app.create_user("mia", Role::Manager).await;
    let Some(b) = browser::start(1280, "zh-TW").await else {
        return;
    };
    b.goto(&app.url("/login")).await;
    b.fill("#username", "mia").await;
    b.fill("#password", crate::test_app::PASSWORD).await;
    b.click("#login-submit").await;
    b.wait_for_text("您好").await;
    b.goto(&app.url("/fleet")).await;
    // A truck that carries nothing is refused with the field named.
    b.fill("#vehicle-form input[name=plate]", "kea 1234").await;
    b.fill("#vehicle-form input[name=capacity_kg]", "0").await;
    b.fill("#vehicle-form input[name=capacity_slots]", "20")
        .await;
    b.click("#vehicle-form button[type=submit]").await;
    b.wait_for_text("「載重（公斤）」必須大於 0").await;
    assert_eq!(
        b.find("#vehicle-form input[name=plate]")
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap(),
        "kea 1234",
        "the input is kept"
    );
    b.fill("#vehicle-form input[name=capacity_kg]", "900").await;
    b.click("#vehicle-form button[type=submit]").await;
    b.wait_for_text("已儲存").await;
    assert!(b.text("#vehicles").await.contains("KEA-1234"));
    // A driver on that truck, then a shift change through the row's edit.
    b.fill("#driver-form input[name=name]", "陳志明").await;
    b.fill("#driver-form input[name=phone]", "0912345678").await;
    b.find("#driver-form select[name=vehicle_id]")
        .await
        .select_by_index(1)
        .await
        .unwrap();
    b.click("#driver-form button[type=submit]").await;
    b.wait_for_text("0912-345-678").await;
    b.click("#drivers details.row-edit summary").await;
    b.fill("#drivers .edit-form input[name=shift_end]", "17:30")
        .await;
    b.click("#drivers .edit-form button[type=submit]").await;
    b.wait_for_text("08:00–17:30").await;
    assert!(
        b.text("#vehicles").await.contains("陳志明"),
        "the truck shows its usual driver"
    );
    b.screenshot("fleet").await;
    // A bad edit says why and changes nothing.
    b.click("#drivers details.row-edit summary").await;
    b.fill("#drivers .edit-form input[name=shift_start]", "25:00")
        .await;
    b.click("#drivers .edit-form button[type=submit]").await;
    b.wait_for_text("「上班時間」格式為 HH:MM").await;
    let (_, drivers) = app
        .call(
            Method::GET,
            "/api/v1/drivers",
            &app.token("mia").await,
            None,
        )
        .await;
    assert_eq!(drivers[0]["shift_start"], "08:00");
    b.close().await;
}

#[tokio::test]
async fn an_order_moved_to_another_day_leaves_the_first_days_plan() {
    let app = app().await;
    app.create_user("mia", Role::Manager).await;
    let token = app.token("mia").await;
    let ids = small_day(&app, &token).await;
    optimize(&app, &token, TOMORROW).await;
    finished(&app, &token, TOMORROW).await;
    assert_eq!(stops_of(&board(&app, &token, TOMORROW).await).len(), 3);
    // The customer asks for the day after instead.
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/orders/bulk",
            &token,
            Some(json!({"ids": [ids[0]], "op": "change_date", "date": "2026-12-02"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = optimize(&app, &token, "2026-12-02").await;
    assert_eq!(status, 202);
    finished(&app, &token, "2026-12-02").await;
    let later = board(&app, &token, "2026-12-02").await;
    assert_eq!(
        stops_of(&later).iter().map(|s| s.2).collect::<Vec<_>>(),
        [ids[0]]
    );
    let first = board(&app, &token, TOMORROW).await;
    assert_eq!(
        stops_of(&first).len(),
        2,
        "the stop left the first day: {first}"
    );
    // The first day can still be published.
    let (status, done) = publish(&app, &token, TOMORROW, &first["version"]).await;
    assert_eq!(status, 200, "{done}");
}

#[tokio::test]
async fn a_truck_taken_out_of_use_after_publishing_keeps_its_route_and_gets_nothing_new() {
    let app = app().await;
    app.create_user("mia", Role::Manager).await;
    let token = app.token("mia").await;
    small_day(&app, &token).await;
    optimize(&app, &token, TOMORROW).await;
    finished(&app, &token, TOMORROW).await;
    let b = board(&app, &token, TOMORROW).await;
    let (status, _) = publish(&app, &token, TOMORROW, &b["version"]).await;
    assert_eq!(status, 200);
    let before = stops_of(&board(&app, &token, TOMORROW).await);
    // The truck breaks down; a spare comes in; a new order arrives.
    let truck = b["routes"][0]["vehicle_id"].as_i64().unwrap();
    let (status, _) = app.call(
        Method::PUT,
        &format!("/api/v1/vehicles/{truck}"),
        &token,
        Some(
            json!({"plate": "ABC-1234", "capacity_kg": 900, "capacity_slots": 20, "active": false}),
        ),
    )
    .await;
    assert_eq!(status, 200);
    app.call(
        Method::POST,
        "/api/v1/vehicles",
        &token,
        Some(json!({"plate": "SPARE-1", "capacity_kg": 900, "capacity_slots": 20})),
    )
    .await;
    let (_, o) = app.call( Method::POST, "/api/v1/orders", &token, Some(json!({"customer_code": "C00001", "requested_date": TOMORROW, "lines": [{"size": "4", "quantity": 1}]}))).await;
    let (status, re) = optimize(&app, &token, TOMORROW).await;
    assert_eq!(status, 202, "{re}");
    finished(&app, &token, TOMORROW).await;
    let after = board(&app, &token, TOMORROW).await;
    let now = stops_of(&after);
    for s in &before {
        assert!(now.contains(s), "stop {s:?} kept in place: {now:?}");
    }
    let new_route = now
        .iter()
        .find(|s| s.2 == o["id"].as_i64().unwrap())
        .unwrap()
        .0;
    let r = after["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == new_route)
        .unwrap();
    assert_eq!(r["plate"], "SPARE-1");
}

/// A plan with an overloaded route says so in the publish question and in
/// the board's warnings, before anything reaches the drivers.
#[tokio::test]
async fn publishing_an_overloaded_plan_says_so_first() {
    let app = app().await;
    app.create_user("mia", Role::Manager).await;
    let token = app.token("mia").await;
    small_day(&app, &token).await;
    optimize(&app, &token, TOMORROW).await;
    finished(&app, &token, TOMORROW).await;
    let b = board(&app, &token, TOMORROW).await;
    assert_eq!(b["warnings"], json!([]));
    app.login("mia").await;
    let page = app
        .get(&format!("/planning?date={TOMORROW}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains(r#"id="plan-warnings""#));
    // The truck turns out to carry less than recorded.
    let (_, vehicles) = app
        .call(Method::GET, "/api/v1/vehicles", &token, None)
        .await;
    let v = &vehicles[0];
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("/api/v1/vehicles/{}", v["id"]),
            &token,
            Some(json!({"plate": v["plate"], "capacity_kg": "60", "capacity_slots": "20"})),
        )
        .await;
    assert_eq!(status, 200);
    let b = board(&app, &token, TOMORROW).await;
    let warning = b["warnings"][0].as_str().unwrap();
    assert!(
        warning.contains("ABC-1234 超載") && warning.contains("/60 公斤"),
        "{warning}"
    );
    let page = app
        .get(&format!("/planning?date={TOMORROW}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"id="plan-warnings""#));
    let form = &page[page
        .find(r#"action="/planning/2026-12-01/publish""#)
        .unwrap()..];
    let confirm = &form[form.find("data-confirm=\"").unwrap()..];
    let confirm = &confirm[..confirm.find(r#"" id="publish-form""#).unwrap()];
    assert!(
        confirm.contains("ABC-1234 超載") && confirm.contains("確定發布"),
        "{confirm}"
    );
}
