//! The driver's day through the API: start with a load check, arrive,
//! deliver (cylinders held, payments), fail, end with the hand-in; each
//! action once per key; conflicts with the office; the 300 m flag;
//! attachments; the office's decisions on failed orders.

use luckygas::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    planning::{depot, finished, optimize, publish},
    test_app::{TestApp, customer_json, spawn_with},
};

/// The test clock's day in Taipei.
const TODAY: &str = "2026-11-30";

struct Day {
    app: TestApp,
    office: String,
    driver: String,
    route: i64,
    /// Orders as created (cash, monthly, cash), with their customers.
    stops: Vec<(i64, i64)>,
}

/// A published route for today: three customers on one truck driven by
/// `dan`; 20 kg × 1, 2 and 3; the first pays cash, the second is on a
/// monthly account, the third pays cash.
async fn published_day() -> Day {
    let app = spawn_with(|c| c.planning.iterations = Some(5_000)).await;
    app.create_user("mia", Role::Manager).await;
    let dan = app.create_user("dan", Role::Driver).await;
    let dora = app.create_user("dora", Role::Driver).await;
    let office = app.token("mia").await;
    depot(&app).await;
    app.seed_prices().await;
    let (status, v) = app.call(Method::POST, "/api/v1/vehicles", &office, Some(json!({"plate": "abc-1234", "label": "小貨車", "capacity_kg": 900, "capacity_slots": 20}))).await;
    assert_eq!(status, 201, "{v}");
    let (status, d) = app.call(Method::POST, "/api/v1/drivers", &office, Some(json!({
        "name": "陳志明", "phone": "0912-111-222", "user_id": dan, "vehicle_id": v["id"], "shift_start": "08:00", "shift_end": "17:00"
    }))).await;
    assert_eq!(status, 201, "{d}");
    // Another driver, without a truck today.
    let (status, d) = app.call(Method::POST, "/api/v1/drivers", &office, Some(json!({
        "name": "林美玲", "phone": "0912-111-333", "user_id": dora, "shift_start": "08:00", "shift_end": "17:00"
    }))).await;
    assert_eq!(status, 201, "{d}");
    let mut orders = Vec::new();
    for (i, (name, phone, lat, terms)) in [
        ("王記麵店", "0912-345-671", 24.95, "cash"),
        ("林家", "0912-345-672", 24.96, "monthly"),
        ("陳家", "0912-345-673", 24.97, "cash"),
    ]
    .iter()
    .enumerate()
    {
        let mut c = customer_json(name, phone);
        c["lat"] = json!(lat);
        c["lon"] = json!(121.30);
        c["payment_terms"] = json!(terms);
        c["delivery_windows"] = json!("");
        c["tax_id"] = Value::Null;
        let c: Value = app.api_customer(&office, c).await.json().await.unwrap();
        let (status, o) = app.call(Method::POST, "/api/v1/orders", &office, Some(json!({
            "customer_id": c["id"], "requested_date": TODAY, "lines": [{"size": "20", "quantity": 1 + i}]
        }))).await;
        assert_eq!(status, 201, "{o}");
        orders.push((o["id"].as_i64().unwrap(), c["id"].as_i64().unwrap()));
    }
    let (status, run) = optimize(&app, &office, TODAY).await;
    assert_eq!(status, 202, "{run}");
    finished(&app, &office, TODAY).await;
    let (_, b) = app
        .call(
            Method::GET,
            &format!("/api/v1/planning/{TODAY}"),
            &office,
            None,
        )
        .await;
    let (status, p) = publish(&app, &office, TODAY, &b["version"]).await;
    assert_eq!(status, 200, "{p}");
    let driver = app.token("dan").await;
    let (status, today) = app
        .call(Method::GET, "/api/v1/driver/today", &driver, None)
        .await;
    assert_eq!(status, 200, "{today}");
    let r = &today["routes"][0];
    assert_eq!(r["stops"].as_array().unwrap().len(), 3, "{today}");
    Day {
        route: r["id"].as_i64().unwrap(),
        app,
        office,
        driver,
        stops: orders,
    }
}

impl Day {
    async fn sync(&self, actions: Value) -> Vec<Value> {
        let (status, out) = self
            .app
            .call(
                Method::POST,
                "/api/v1/driver/sync",
                &self.driver,
                Some(json!({ "actions": actions })),
            )
            .await;
        assert_eq!(status, 200, "{out}");
        out["results"].as_array().unwrap().clone()
    }

    async fn start(&self, loaded: Value) -> (u16, Value) {
        self.app
            .call(
                Method::POST,
                &format!("/api/v1/driver/routes/{}/start", self.route),
                &self.driver,
                Some(json!({"key": format!("start-route-{}", self.route), "loaded": loaded})),
            )
            .await
    }

    async fn customer(&self, id: i64) -> Value {
        self.app
            .call(
                Method::GET,
                &format!("/api/v1/customers/{id}"),
                &self.office,
                None,
            )
            .await
            .1
    }

    async fn order(&self, id: i64) -> Value {
        self.app
            .call(
                Method::GET,
                &format!("/api/v1/orders/{id}"),
                &self.office,
                None,
            )
            .await
            .1
    }

    /// Waits until the server has the order in `status` (the phone sends
    /// in the background).
    async fn wait_status(&self, id: i64, status: &str) {
        for _ in 0..200 {
            if self.order(id).await["status"] == status {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("order {id} never became {status}: {}", self.order(id).await);
    }

    async fn dispatch(&self) -> Value {
        self.app
            .call(Method::GET, "/api/v1/dispatch", &self.office, None)
            .await
            .1
    }

    /// A customer's pin, for positions near or far from it.
    async fn pin(&self, customer: i64) -> (f64, f64) {
        let c = self.customer(customer).await;
        (c["lat"].as_f64().unwrap(), c["lon"].as_f64().unwrap())
    }
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\x00\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

async fn upload(day: &Day, key: &str, kind: &str, bytes: &[u8]) -> reqwest::Response {
    day.app
        .client
        .post(
            day.app
                .url(&format!("/api/v1/driver/attachments?key={key}&kind={kind}")),
        )
        .bearer_auth(&day.driver)
        .header("content-type", "application/octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_driver_starts_delivers_fails_and_ends_with_a_hand_in_the_office_confirms() {
    let day = published_day().await;
    let [(o1, c1), (o2, c2), (o3, _)] = day.stops[..] else {
        panic!("three stops: {:?}", day.stops)
    };
    let held_before = day.customer(c1).await["cylinders"]["20"].as_i64().unwrap();
    // Six 20 kg cylinders are needed; five loaded is short by one.
    let (status, started) = day.start(json!({"20": 5})).await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(
        started["short"],
        json!([{"size": "20", "needed": 6, "loaded": 5}])
    );
    assert_eq!(started["warning"], "裝車不足：20kg 少 1 瓶");
    for (o, _) in &day.stops {
        assert_eq!(day.order(*o).await["status"], "out_for_delivery");
    }
    let (pin_lat, pin_lon) = day.pin(c1).await;
    let total1 = day.order(o1).await["total_amount"].as_i64().unwrap();
    let sig = upload(&day, "sig-0002-aaaa", "signature", PNG).await;
    assert_eq!(sig.status(), 201);
    let results = day
        .sync(json!([
            {"key": "arrive-0001-aaaa", "kind": "arrive", "route_id": day.route, "order_id": o1},
            {"key": "deliver-0001-aaaa", "kind": "deliver", "route_id": day.route, "order_id": o1,
             "delivered": {"20": 1}, "empties": {}, "cash": total1, "payment_method": "cash",
             "lat": pin_lat + 0.0005, "lon": pin_lon, "accuracy": 10.0,
             "device_at": "2026-11-30T09:00:00Z"},
            {"key": "deliver-0002-aaaa", "kind": "deliver", "route_id": day.route, "order_id": o2,
             "delivered": {"20": 2}, "empties": {"20": 2}, "signature_key": "sig-0002-aaaa"},
            {"key": "fail-0003-aaaa", "kind": "fail", "route_id": day.route, "order_id": o3,
             "reason": "not_home"}
        ]))
        .await;
    let statuses: Vec<u64> = results
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 200, 200, 200], "{results:?}");
    assert_eq!(results[1]["body"]["far"], false, "55 m from the pin");
    // Effects, read back: statuses, cylinders held, the payment and unpaid.
    assert_eq!(day.order(o1).await["status"], "delivered");
    assert_eq!(day.order(o3).await["status"], "failed");
    let c1_after = day.customer(c1).await;
    assert_eq!(
        c1_after["cylinders"]["20"].as_i64().unwrap(),
        held_before + 1
    );
    assert_eq!(
        c1_after["stats"]["unpaid_amount"], 0,
        "paid in cash at the door"
    );
    let c2_after = day.customer(c2).await;
    assert_eq!(
        c2_after["cylinders"]["20"].as_i64().unwrap(),
        1,
        "two full for two empties"
    );
    let total2 = day.order(o2).await["total_amount"].as_i64().unwrap();
    assert_eq!(
        c2_after["stats"]["unpaid_amount"], total2,
        "monthly: owed until paid"
    );
    // The office records the month-end transfer.
    let (status, p) = day
        .app
        .call(
            Method::POST,
            &format!("/api/v1/orders/{o2}/payments"),
            &day.office,
            Some(json!({"amount": total2, "method": "transfer"})),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    assert_eq!(p["outstanding"], 0);
    assert_eq!(day.customer(c2).await["stats"]["unpaid_amount"], 0);

    // End: three full cylinders come back (5 loaded − 3 delivered = 2 expected).
    let (status, hand_in) = day
        .app
        .call(Method::POST, &format!("/api/v1/driver/routes/{}/end", day.route), &day.driver,
            Some(json!({"key": "end-route-aaaa", "returned": {"20": 3}, "cash_handed_in": total1 - 100})))
        .await;
    assert_eq!(status, 200, "{hand_in}");
    assert_eq!(
        (hand_in["delivered"].as_u64(), hand_in["failed"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(hand_in["cash_received"], total1);
    assert_eq!(hand_in["cash_difference"], -100);
    assert_eq!(
        hand_in["sizes"],
        json!([{"size": "20", "loaded": 5, "delivered": 3, "expected_back": 2, "returned": 3, "empties": 2}])
    );
    assert_eq!(hand_in["failed_stops"][0]["reason"], "不在家");
    // After the end nothing more is recorded.
    let late = day
        .sync(json!([{"key": "late-arrive-aaaa", "kind": "arrive", "route_id": day.route, "order_id": o1}]))
        .await;
    assert_eq!(late[0]["status"], 409);
    assert!(
        late[0]["body"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("已收車")
    );
    // The office confirms the hand-in once; the difference stays.
    let path = format!("/api/v1/routes/{}/hand-in", day.route);
    let (status, confirmed) = day
        .app
        .call(
            Method::POST,
            &path,
            &day.office,
            Some(json!({"note": "少 100 元，明天補"})),
        )
        .await;
    assert_eq!(status, 200, "{confirmed}");
    assert!(confirmed["handed_in_at"].is_string());
    assert_eq!(confirmed["cash_difference"], -100);
    let (status, _) = day
        .app
        .call(Method::POST, &path, &day.office, Some(json!({})))
        .await;
    assert_eq!(status, 409);
    let d = day.dispatch().await;
    assert_eq!(d["routes"][0]["status"], "done");
    assert_eq!(d["routes"][0]["done"], 3);
    assert_eq!(d["failed"][0]["order_id"], o3);
}

#[tokio::test]
async fn the_same_sync_batch_sent_three_times_has_one_effect_and_the_same_answers() {
    let day = published_day().await;
    let (o1, c1) = day.stops[0];
    let (o3, _) = day.stops[2];
    assert_eq!(day.start(json!({"20": 6})).await.0, 200);
    // The start itself, replayed, answers the same.
    let (status, again) = day.start(json!({"20": 6})).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["short"], json!([]));
    let held = day.customer(c1).await["cylinders"]["20"].as_i64().unwrap();
    let batch = json!([
        {"key": "k-deliver-o1-0001", "kind": "deliver", "route_id": day.route, "order_id": o1,
         "delivered": {"20": 1}, "cash": 500},
        {"key": "k-fail-o3-00000001", "kind": "fail", "route_id": day.route, "order_id": o3,
         "reason": "other", "note": "大門深鎖"}
    ]);
    let first = day.sync(batch.clone()).await;
    let events_after_first = day.order(o1).await["events"].as_array().unwrap().len();
    let second = day.sync(batch.clone()).await;
    let third = day.sync(batch).await;
    assert_eq!(first, second);
    assert_eq!(first, third);
    assert_eq!(first[0]["status"], 200, "{first:?}");
    assert_eq!(
        day.order(o1).await["events"].as_array().unwrap().len(),
        events_after_first
    );
    assert_eq!(
        day.customer(c1).await["cylinders"]["20"].as_i64().unwrap(),
        held + 1,
        "once"
    );
    let (_, d) = day
        .app
        .call(Method::GET, "/api/v1/dispatch", &day.office, None)
        .await;
    assert_eq!(d["failed"].as_array().unwrap().len(), 1);
    // The same key with a different body is refused and changes nothing.
    let changed = day
        .sync(
            json!([{"key": "k-deliver-o1-0001", "kind": "deliver", "route_id": day.route,
                      "order_id": o1, "delivered": {"20": 2}, "cash": 500}]),
        )
        .await;
    assert_eq!(changed[0]["status"], 422);
    assert_eq!(changed[0]["body"]["error"]["fields"][0]["field"], "key");
    assert_eq!(
        day.customer(c1).await["cylinders"]["20"].as_i64().unwrap(),
        held + 1
    );
}

#[tokio::test]
async fn refusals_name_the_field_or_the_reason_and_the_office_sees_what_could_not_be_applied() {
    let day = published_day().await;
    let (o1, _) = day.stops[0];
    let (o2, _) = day.stops[1];
    let deliver = |key: &str, order: i64, delivered: Value| json!({"key": key, "kind": "deliver", "route_id": day.route, "order_id": order, "delivered": delivered});
    // Not started yet.
    let r = day
        .sync(json!([deliver("early-000001", o1, json!({"20": 1}))]))
        .await;
    assert_eq!(r[0]["status"], 409);
    assert!(
        r[0]["body"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("出車"),
        "{r:?}"
    );
    // Another driver: not their route.
    let dora = day.app.token("dora").await;
    let (status, _) = day
        .app
        .call(
            Method::POST,
            &format!("/api/v1/driver/routes/{}/start", day.route),
            &dora,
            Some(json!({"key": "dora-start-01", "loaded": {}})),
        )
        .await;
    assert_eq!(status, 403);
    // Office accounts have no driver app.
    let (status, _) = day
        .app
        .call(Method::GET, "/api/v1/driver/today", &day.office, None)
        .await;
    assert_eq!(status, 403);
    assert_eq!(day.start(json!({"20": 2})).await.0, 200);
    // Negative, unknown size, more than on the truck, a bad reason, no signature.
    let r = day
        .sync(json!([
            deliver("neg-00000001", o1, json!({"20": -1})),
            deliver("size-0000001", o1, json!({"30": 1})),
            deliver("over-0000001", o1, json!({"20": 3})),
            {"key": "reason-000001", "kind": "fail", "route_id": day.route, "order_id": o1, "reason": "lazy"},
            deliver("nosig-000001", o2, json!({"20": 1})),
            {"key": "bad", "kind": "arrive", "route_id": day.route, "order_id": o1}
        ]))
        .await;
    let field = |i: usize| {
        r[i]["body"]["error"]["fields"][0]["field"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(r.iter().all(|x| x["status"] == 422), "{r:?}");
    assert_eq!(field(0), "delivered.20");
    assert_eq!(field(1), "delivered.30");
    assert_eq!(field(2), "delivered.20");
    assert!(
        r[2]["body"]["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("超過車上剩下的 2 瓶")
    );
    assert_eq!(field(3), "reason");
    assert_eq!(field(4), "signature_key");
    assert_eq!(field(5), "key");
    assert_eq!(
        day.order(o1).await["status"],
        "out_for_delivery",
        "nothing applied"
    );
}

/// The office cancels an order before the driver's queued start and
/// delivery reach the server: the delivery is kept for the office, not
/// applied, and the driver is told, the same on every replay.
#[tokio::test]
async fn a_delivery_of_an_order_the_office_cancelled_meanwhile_is_kept_and_reported() {
    let day = published_day().await;
    let (o3, c3) = day.stops[2];
    let (status, o) = day
        .app
        .call(
            Method::POST,
            &format!("/api/v1/orders/{o3}/transitions"),
            &day.office,
            Some(json!({"action": "cancel"})),
        )
        .await;
    assert_eq!(status, 200, "{o}");
    let held = day.customer(c3).await["cylinders"]["20"].as_i64().unwrap();
    let queued = json!([
        {"key": "offline-start-01", "kind": "start", "route_id": day.route, "loaded": {"20": 6}},
        {"key": "offline-deliver-3", "kind": "deliver", "route_id": day.route, "order_id": o3, "delivered": {"20": 3}, "cash": 900}
    ]);
    let r1 = day.sync(queued.clone()).await;
    let r2 = day.sync(queued).await;
    assert_eq!(r1, r2, "a replay gets the same answers");
    assert_eq!(r1[0]["status"], 200);
    assert_eq!(r1[1]["status"], 409);
    assert_eq!(r1[1]["body"]["error"]["message"], "辦公室已取消這張訂單");
    assert_eq!(day.order(o3).await["status"], "cancelled");
    assert_eq!(
        day.customer(c3).await["cylinders"]["20"].as_i64().unwrap(),
        held,
        "not applied"
    );
    let d = day.dispatch().await;
    let stop = d["routes"][0]["stops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["order_id"] == o3)
        .unwrap()
        .clone();
    assert_eq!(stop["not_applied"], "辦公室已取消這張訂單", "{stop}");
}

#[tokio::test]
async fn a_delivery_recorded_far_from_the_pin_is_flagged_and_vague_positions_are_not_used() {
    let day = published_day().await;
    let (o1, c1) = day.stops[0];
    let (o2, c2) = day.stops[1];
    let (o3, c3) = day.stops[2];
    assert_eq!(day.start(json!({"20": 6})).await.0, 200);
    let (lat1, lon1) = day.pin(c1).await;
    let (lat2, lon2) = day.pin(c2).await;
    let (lat3, lon3) = day.pin(c3).await;
    let sig = upload(&day, "sig-far-00002", "signature", PNG).await;
    assert_eq!(sig.status(), 201);
    let r = day
        .sync(json!([
            // About 1.1 km north: flagged.
            {"key": "far-000000001", "kind": "deliver", "route_id": day.route, "order_id": o1,
             "delivered": {"20": 1}, "lat": lat1 + 0.01, "lon": lon1, "accuracy": 15.0},
            // Same distance but the phone says ±5 km: not used.
            {"key": "vague-0000002", "kind": "deliver", "route_id": day.route, "order_id": o2,
             "delivered": {"20": 2}, "signature_key": "sig-far-00002",
             "lat": lat2 + 0.01, "lon": lon2, "accuracy": 5000.0},
            // Outside Taiwan: stored, not used.
            {"key": "abroad-000003", "kind": "fail", "route_id": day.route, "order_id": o3,
             "reason": "not_home", "lat": 35.68, "lon": 139.76},
            {"key": "pos-abroad-01", "kind": "position", "lat": 35.68, "lon": 139.76},
            {"key": "pos-near-0001", "kind": "position", "lat": lat3, "lon": lon3 + 0.001, "accuracy": 8.0}
        ]))
        .await;
    assert!(r.iter().all(|x| x["status"] == 200), "{r:?}");
    assert_eq!(r[0]["body"]["far"], true);
    assert!(r[0]["body"]["distance_m"].as_i64().unwrap() > 1000);
    assert_eq!(r[1]["body"]["far"], false);
    assert!(r[1]["body"]["distance_m"].is_null());
    assert_eq!(r[2]["body"]["far"], false);
    assert_eq!(r[3]["body"]["usable"], false);
    let d = day.dispatch().await;
    let route = &d["routes"][0];
    let far: Vec<i64> = route["stops"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["far"] == true)
        .map(|s| s["order_id"].as_i64().unwrap())
        .collect();
    assert_eq!(far, [o1]);
    // The route's trail has the usable positions only.
    assert_eq!(route["trail"], json!([[lat3, lon3 + 0.001]]), "{route}");
    // The last usable position is the one near stop 3, not the one abroad.
    let pos = &route["last_position"];
    assert!((pos["lat"].as_f64().unwrap() - lat3).abs() < 1e-9, "{pos}");
    // The order page shows the flag with the distance; the vague one has none.
    day.app.login("mia").await;
    let far_page = day
        .app
        .get(&format!("/dispatch/orders/{o1}/reports"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        far_page.contains("report-far") && far_page.contains("離地址遠"),
        "{far_page}"
    );
    let near_page = day
        .app
        .get(&format!("/dispatch/orders/{o2}/reports"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        near_page.contains("report-delivered") && !near_page.contains("report-far"),
        "{near_page}"
    );
    let order_page = day
        .app
        .get(&format!("/orders/{o1}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(order_page.contains(&format!("hx-get=\"/dispatch/orders/{o1}/reports\"")));
    // The plain location call takes a position too.
    let (status, v) = day
        .app
        .call(
            Method::POST,
            "/api/v1/driver/location",
            &day.driver,
            Some(json!({"lat": 91.0, "lon": 121.0})),
        )
        .await;
    assert_eq!(status, 422, "{v}");
    let (status, v) = day
        .app
        .call(
            Method::POST,
            "/api/v1/driver/location",
            &day.driver,
            Some(json!({"lat": lat1, "lon": lon1, "accuracy": 5.0})),
        )
        .await;
    assert_eq!((status, v["usable"].clone()), (200, json!(true)));
}

#[tokio::test]
async fn photos_are_checked_by_content_and_size_and_uploaded_once_per_key() {
    let day = published_day().await;
    let res = upload(&day, "photo-text-01", "photo", b"GIF89a not really").await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "file");
    assert!(
        body["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("不是 JPEG、PNG 或 WebP")
    );
    let mut big = PNG.to_vec();
    big.resize(1_600_000, 0);
    let res = upload(&day, "photo-big-001", "photo", &big).await;
    assert_eq!(res.status(), 413);
    let first: Value = upload(&day, "photo-ok-0001", "photo", PNG)
        .await
        .json()
        .await
        .unwrap();
    let again: Value = upload(&day, "photo-ok-0001", "photo", PNG)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["id"], again["id"]);
    let mut other = PNG.to_vec();
    other.push(0);
    assert_eq!(
        upload(&day, "photo-ok-0001", "photo", &other)
            .await
            .status(),
        422
    );
    // The office sees the image; a driver cannot fetch it.
    let path = format!("/api/v1/attachments/{}", first["id"]);
    let res = day.app.api(Method::GET, &path, &day.office, None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    assert_eq!(
        day.app
            .api(Method::GET, &path, &day.driver, None)
            .await
            .status(),
        403
    );
    // A delivery names a photo that was not uploaded: a field error.
    let (o1, _) = day.stops[0];
    assert_eq!(day.start(json!({"20": 6})).await.0, 200);
    let r = day
        .sync(json!([{"key": "photo-missing1", "kind": "deliver", "route_id": day.route, "order_id": o1,
                      "delivered": {"20": 1}, "photo_key": "never-uploaded"}]))
        .await;
    assert_eq!(r[0]["status"], 422);
    assert_eq!(r[0]["body"]["error"]["fields"][0]["field"], "photo_key");
}

#[tokio::test]
async fn the_office_decides_a_failed_order_in_one_action() {
    let day = published_day().await;
    assert_eq!(day.start(json!({"20": 6})).await.0, 200);
    let ids: Vec<i64> = day.stops.iter().map(|s| s.0).collect();
    let fails: Vec<Value> = ids
        .iter()
        .map(|o| json!({"key": format!("fail-decide-{o}"), "kind": "fail", "route_id": day.route, "order_id": o, "reason": "not_home"}))
        .collect();
    let r = day.sync(Value::Array(fails)).await;
    assert!(r.iter().all(|x| x["status"] == 200), "{r:?}");
    let decide = |id: i64, body: Value| {
        let app = &day.app;
        let token = day.office.clone();
        async move {
            app.call(
                Method::POST,
                &format!("/api/v1/orders/{id}/decision"),
                &token,
                Some(body),
            )
            .await
        }
    };
    let (status, o) = decide(ids[0], json!({"decision": "retry_today"})).await;
    assert_eq!(status, 200, "{o}");
    assert_eq!(
        (o["status"].as_str(), o["requested_date"].as_str()),
        (Some("confirmed"), Some(TODAY))
    );
    let (status, e) = decide(ids[1], json!({"decision": "reschedule"})).await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["fields"][0]["field"], "date");
    let (status, o) = decide(
        ids[1],
        json!({"decision": "reschedule", "date": "2026-12-03"}),
    )
    .await;
    assert_eq!(status, 200, "{o}");
    assert_eq!(
        (o["status"].as_str(), o["requested_date"].as_str()),
        (Some("confirmed"), Some("2026-12-03"))
    );
    let (status, o) = decide(ids[2], json!({"decision": "cancel"})).await;
    assert_eq!((status, o["status"].as_str()), (200, Some("cancelled")));
    // Only a failed order can be decided.
    let (status, _) = decide(ids[2], json!({"decision": "retry_today"})).await;
    assert_eq!(status, 409);
    let d = day.dispatch().await;
    assert!(d["failed"].as_array().unwrap().is_empty(), "{d}");
}

/// The driver app on a 375 × 812 phone: start the route, deliver a stop
/// with a drawn signature; then with no network deliver one stop with a
/// photo and fail another, reload while still offline (the route and the
/// queue of two are still there), come back online, and the server holds
/// exactly those records once; the office's dispatch page shows them.
#[tokio::test]
async fn the_driver_app_records_a_day_online_and_offline_and_loses_nothing() {
    use luckygas::driver::entity::{action, report};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

    let day = published_day().await;
    let [(o1, _), (o2, _), (o3, _)] = day.stops[..] else {
        panic!("three stops")
    };
    let Some(b) = crate::browser::start(375, "zh-TW").await else {
        return;
    };
    b.goto(&day.app.url("/login")).await;
    b.fill("#username", "dan").await;
    b.fill("#password", crate::test_app::PASSWORD).await;
    b.click("#login-submit").await;
    b.find("body[data-ready='1']").await;
    assert_eq!(b.path().await, "/driver");
    // Once the service worker controls the page, load it again so the
    // day passes through it (and is kept for offline use).
    b.wait_until(
        "the service worker controls the page",
        "return !!navigator.serviceWorker.controller;",
    )
    .await;
    b.client.refresh().await.unwrap();
    b.find("body[data-ready='1']").await;
    b.assert_fits("/driver").await;
    b.screenshot("driver-list").await;

    b.click(&format!("#start-{}", day.route)).await;
    b.find("#start-form").await;
    b.screenshot("driver-start").await;
    b.click("#start-confirm").await;
    b.find(&format!("#end-{}", day.route)).await;
    b.wait_until(
        "start synced",
        "return document.querySelector('#sync-state').dataset.pending === '0';",
    )
    .await;

    // Stop 1, online, with a signature drawn on the pad.
    b.js(&format!("location.hash = '#stop/{o1}'; return true;"))
        .await;
    b.find("#deliver-form").await;
    let drawn = b
        .js("var c = document.querySelector('#signature'); c.scrollIntoView(); var r = c.getBoundingClientRect();
             function ev(t, x, y) { c.dispatchEvent(new PointerEvent(t, {clientX: r.left + x, clientY: r.top + y, bubbles: true, pointerId: 1})); }
             ev('pointerdown', 10, 20); for (var i = 1; i < 25; i++) { ev('pointermove', 10 + i * 8, 20 + (i % 6) * 9); } ev('pointerup', 200, 40);
             return c.dataset.drawn === '1';")
        .await;
    assert_eq!(drawn, json!(true));
    b.assert_fits("stop page").await;
    b.screenshot("driver-stop").await;
    b.click("#deliver").await;
    day.wait_status(o1, "delivered").await;

    // No network: deliver stop 3 with a photo, fail stop 2.
    b.set_offline(true).await;
    b.wait_until(
        "the page knows it is offline",
        "return navigator.onLine === false;",
    )
    .await;
    b.js(&format!("location.hash = '#stop/{o3}'; return true;"))
        .await;
    b.find("#deliver-form").await;
    let photo = std::env::temp_dir().join(format!("lg-photo-{}.png", std::process::id()));
    std::fs::write(&photo, PNG).unwrap();
    b.find("#photo")
        .await
        .send_keys(photo.to_str().unwrap())
        .await
        .unwrap();
    b.find("#photo[data-ready='1']").await;
    b.click("#deliver").await;
    b.wait_until(
        "one queued",
        "return document.querySelector('#sync-state').dataset.pending === '1';",
    )
    .await;
    b.js(&format!("location.hash = '#stop/{o2}'; return true;"))
        .await;
    b.find("#fail-form").await;
    b.click("#fail").await;
    b.wait_until(
        "two queued",
        "return document.querySelector('#sync-state').dataset.pending === '2';",
    )
    .await;
    assert_eq!(
        day.order(o3).await["status"],
        "out_for_delivery",
        "nothing reached the server"
    );

    // Reload with no network: the app, the route and the queue are still there.
    b.client.refresh().await.unwrap();
    b.find("body[data-ready='1']").await;
    let shown = b
        .js("return document.querySelectorAll('.d-stop').length;")
        .await;
    assert_eq!(shown, json!(3));
    assert!(b.text("#sync-state").await.contains("待同步 2 筆"));
    assert_eq!(
        b.js("return document.querySelectorAll('.d-stop-delivered').length;")
            .await,
        json!(2)
    );
    b.screenshot("driver-offline").await;

    // Back online: the queue empties and the server has each record once.
    b.set_offline(false).await;
    day.wait_status(o2, "failed").await;
    b.wait_until(
        "queue sent",
        "return document.querySelector('#sync-state').dataset.pending === '0';",
    )
    .await;
    assert_eq!(day.order(o3).await["status"], "delivered");
    assert_eq!(day.order(o2).await["status"], "failed");
    let db = &day.app.state.db;
    for (order, outcome) in [(o1, "delivered"), (o2, "failed"), (o3, "delivered")] {
        let rows = report::Entity::find()
            .filter(report::Column::OrderId.eq(order as i32))
            .all(db)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "order {order}: {rows:?}");
        assert_eq!(rows[0].outcome, outcome);
        assert!(rows[0].applied);
        if order == o1 {
            assert!(rows[0].signature_id.is_some(), "the drawn signature");
        }
        if order == o3 {
            assert!(rows[0].photo_id.is_some(), "the photo taken offline");
        }
    }
    let kinds = action::Entity::find()
        .filter(action::Column::Kind.ne("position"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(kinds, 4, "start, two deliveries, one failure");
    b.screenshot("driver-synced").await;
    b.close().await;
    let _ = std::fs::remove_file(photo);

    // The office's dispatch page shows them.
    day.app.login("mia").await;
    let html = day.app.get("/dispatch").await.text().await.unwrap();
    assert_eq!(html.matches("stop-state-delivered").count(), 2, "{html}");
    assert_eq!(html.matches("stop-state-failed").count(), 1);
    assert!(html.contains("id=\"dispatch-failed\"") && html.contains("不在家"));
}

/// A driver's delivery reaches the office's screens after commit: the
/// route's progress and the order's new status, with the driver as actor;
/// an account not set up as a fleet driver sees an empty day and cannot act.
#[tokio::test]
async fn the_office_hears_a_drivers_delivery_at_once() {
    let day = published_day().await;
    let (o1, _) = day.stops[0];
    assert_eq!(day.start(json!({"20": 6})).await.0, 200);
    let mut office = day.app.socket(&day.office).await;
    let r = day
        .sync(
            json!([{"key": "heard-deliver-1", "kind": "deliver", "route_id": day.route,
                      "order_id": o1, "delivered": {"20": 1}}]),
        )
        .await;
    assert_eq!(r[0]["status"], 200, "{r:?}");
    let e = office.expect("order.updated").await;
    assert_eq!(
        (e["data"]["id"].as_i64(), e["data"]["status"].as_str()),
        (Some(o1), Some("delivered"))
    );
    assert_eq!(e["data"]["actor"]["name"], "dan 測試");
    let e = office.expect("route.progress").await;
    assert_eq!(e["data"]["route_id"], day.route);
    assert_eq!(e["data"]["date"], TODAY);

    day.app.create_user("newbie", Role::Driver).await;
    let newbie = day.app.token("newbie").await;
    let (status, d) = day
        .app
        .call(Method::GET, "/api/v1/driver/today", &newbie, None)
        .await;
    assert_eq!((status, d["routes"].clone()), (200, json!([])));
    let (status, e) = day
        .app
        .call(
            Method::POST,
            "/api/v1/driver/location",
            &newbie,
            Some(json!({"lat": 24.9, "lon": 121.2})),
        )
        .await;
    assert_eq!(status, 409);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("還沒有設定為車隊的司機")
    );
}

/// Money that comes later (a transfer at month end) is recorded on the
/// customer's account and spread over what it owes, oldest first.
#[tokio::test]
async fn a_payment_on_the_account_settles_unpaid_deliveries_oldest_first() {
    let day = published_day().await;
    let (o1, c1) = day.stops[0];
    assert_eq!(day.start(json!({"20": 6})).await.0, 200);
    let r = day
        .sync(
            json!([{"key": "unpaid-deliver-1", "kind": "deliver", "route_id": day.route,
                      "order_id": o1, "delivered": {"20": 1}, "cash": 0}]),
        )
        .await;
    assert_eq!(r[0]["status"], 200, "{r:?}");
    let total = day.order(o1).await["total_amount"].as_i64().unwrap();
    assert_eq!(day.customer(c1).await["stats"]["unpaid_amount"], total);
    let path = format!("/api/v1/customers/{c1}/payments");
    let (status, e) = day
        .app
        .call(
            Method::POST,
            &path,
            &day.office,
            Some(json!({"amount": 0, "method": "transfer"})),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["fields"][0]["field"], "amount");
    let (status, p) = day
        .app
        .call(
            Method::POST,
            &path,
            &day.office,
            Some(json!({"amount": total - 100, "method": "transfer"})),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    assert_eq!(p["payments"][0]["order_id"], o1);
    assert_eq!(p["payments"][0]["outstanding"], 100);
    assert_eq!(p["unpaid_amount"], 100);
    let (_, p) = day
        .app
        .call(
            Method::POST,
            &path,
            &day.office,
            Some(json!({"amount": 300, "method": "transfer"})),
        )
        .await;
    assert_eq!(p["payments"][0]["amount"], 100);
    assert_eq!(
        p["payments"][1]["order_id"],
        Value::Null,
        "200 kept on the account"
    );
    assert_eq!(p["payments"][1]["amount"], 200);
    assert_eq!(p["unpaid_amount"], 0);
    assert_eq!(day.customer(c1).await["stats"]["unpaid_amount"], 0);
}
