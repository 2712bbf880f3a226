//! Generated bad requests against every operation of the API description:
//! wrong types, overlong and control-character strings, huge and negative
//! numbers, missing and extra fields, long lists, bad JSON, wrong content
//! types, impossible dates and ids that do not exist, as two roles. Every
//! answer must be below 500, arrive on a live connection, carry the
//! documented error shape when it is a refusal, and show no internals.

use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use luckygas::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};
use tracing_subscriber::layer::SubscriberExt;

use crate::test_app::{TestApp, customer_json, spawn_with};

/// Counts ERROR events.
struct CountErrors(Arc<AtomicUsize>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CountErrors {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if *event.metadata().level() == tracing::Level::ERROR {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Text that must never reach a caller.
const INTERNALS: &[&str] = &[
    "SELECT ",
    "INSERT ",
    "UPDATE ",
    "sqlx",
    "sea_orm",
    "DbErr",
    "error returned from database",
    "/work/",
    "src/",
    ".rs:",
    "panicked",
    "backtrace",
    "RUST_",
    "constraint",
    "syntax error",
];

fn schema_of<'a>(doc: &'a Value, s: &'a Value) -> &'a Value {
    match s["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap()],
        None => s,
    }
}

fn kind_of(s: &Value) -> String {
    match &s["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("string")
            .to_owned(),
        _ => "string".into(),
    }
}

/// A plausible value of a property's type.
fn plausible(doc: &Value, s: &Value) -> Value {
    let s = schema_of(doc, s);
    match kind_of(s).as_str() {
        "integer" => json!(1),
        "number" => json!(1.5),
        "boolean" => json!(true),
        "array" => json!([]),
        "object" => json!({}),
        _ => json!("1"),
    }
}

/// Bad values for one property of this type.
fn bad_values(doc: &Value, s: &Value) -> Vec<Value> {
    let s = schema_of(doc, s);
    let long = "長".repeat(5000);
    let mut v = vec![Value::Null, json!({"nested": true})];
    match kind_of(s).as_str() {
        "integer" | "number" => v.extend([
            json!("abc"),
            json!(-1),
            json!(i64::MAX),
            json!(i64::MIN),
            json!(1e300),
            json!(0.5),
            json!("１２"),
        ]),
        "boolean" => v.extend([json!("maybe"), json!(2)]),
        "array" => v.extend([
            json!("x"),
            json!([null, 5, {"a": 1}]),
            Value::Array((0..600).map(|i| json!(format!("09{i:08}"))).collect()),
        ]),
        _ => v.extend([
            json!(123),
            json!(long),
            json!("a\u{0}b"),
            json!("\u{1b}[31mred"),
            json!("2026-02-30"),
            json!("-1"),
            json!("99999999999999999999"),
            json!(["x"]),
        ]),
    }
    v
}

/// The ids of real rows, for path parameters and bodies.
struct Ids {
    customer: i64,
    order: i64,
    user: i64,
    vehicle: i64,
    driver: i64,
}

impl Ids {
    /// The existing id for a path like `/api/v1/customers/{id}/…`.
    fn for_path(&self, path: &str) -> i64 {
        let of = |prefix: &str| path.starts_with(prefix);
        if of("/api/v1/customers") {
            self.customer
        } else if of("/api/v1/orders") {
            self.order
        } else if of("/api/v1/users") {
            self.user
        } else if of("/api/v1/vehicles") {
            self.vehicle
        } else if of("/api/v1/drivers") {
            self.driver
        } else {
            1
        }
    }
}

/// A body the operation accepts (so that a single bad field is the only
/// thing wrong with a mutated copy); `n` keeps unique fields unique.
fn valid_body(method: &Method, path: &str, n: usize, ids: &Ids) -> Option<Value> {
    let phone = format!("09{:08}", 10_000_000 + n);
    Some(match (method.as_str(), path) {
        ("POST", "/api/v1/auth/token") => {
            json!({"username": "boss", "password": crate::test_app::PASSWORD})
        }
        ("POST", "/api/v1/customers") | ("PUT", "/api/v1/customers/{id}") => {
            let mut c = customer_json(&format!("客戶{n}"), &phone);
            c["version"] = json!(1);
            c
        }
        ("POST", "/api/v1/customers/{id}/active") => json!({"active": true, "version": 1}),
        ("POST", "/api/v1/customers/{id}/prices" | "/api/v1/prices") => {
            json!({"size": "20", "price": "1100", "valid_from": "2026-12-05"})
        }
        ("POST", "/api/v1/drivers") | ("PUT", "/api/v1/drivers/{id}") => {
            json!({"name": format!("司機{n}"), "phone": phone, "shift_start": "08:00", "shift_end": "17:00"})
        }
        ("POST", "/api/v1/vehicles") | ("PUT", "/api/v1/vehicles/{id}") => {
            json!({"plate": format!("T-{n}"), "capacity_kg": 900, "capacity_slots": 20})
        }
        ("POST", "/api/v1/orders") => {
            json!({"customer_id": ids.customer, "requested_date": "2026-12-02",
            "lines": [{"size": "20", "quantity": 1}], "notes": "後門"})
        }
        ("POST", "/api/v1/orders/bulk") => json!({"ids": [ids.order], "op": "confirm"}),
        ("POST", "/api/v1/orders/{id}/transitions") => json!({"action": "confirm", "note": "ok"}),
        ("POST", "/api/v1/templates") => {
            json!({"customer_id": ids.customer, "rule": "every_n_days",
            "every_n_days": "7", "qty_20": "1"})
        }
        ("POST", "/api/v1/users") => json!({"username": format!("u{n}"), "display_name": "新人",
            "role": "office_staff", "password": "long-enough-secret"}),
        ("PATCH", "/api/v1/users/{id}") => json!({"version": 1, "display_name": "改名"}),
        ("POST", "/api/v1/planning/{date}/optimize") => json!({"time_limit_seconds": 0.5}),
        ("POST", "/api/v1/planning/{date}/publish") => json!({"version": 0}),
        ("POST", "/api/v1/planning/{date}/locks") => {
            json!({"order_id": ids.order, "locked": true, "version": 0})
        }
        ("POST", "/api/v1/planning/{date}/moves") => {
            json!({"order_id": ids.order, "route_id": null, "version": 0})
        }
        ("POST", "/api/v1/planning/{date}/routes/{id}/driver") => {
            json!({"driver_id": ids.driver, "version": 0})
        }
        _ => return None,
    })
}

struct Outcome {
    counts: BTreeMap<u16, usize>,
    sent: usize,
}

impl Outcome {
    fn check(&mut self, what: &str, status: u16, content_type: &str, body: &str) {
        self.sent += 1;
        *self.counts.entry(status).or_default() += 1;
        assert!(status < 500, "{what}: {status} {body}");
        for bad in INTERNALS {
            assert!(
                !body.contains(bad),
                "{what}: internal detail {bad:?} in {body}"
            );
        }
        if status >= 400 {
            assert!(
                content_type.starts_with("application/json"),
                "{what}: {status} {content_type} {body}"
            );
            let v: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("{what}: {body}"));
            let e = &v["error"];
            assert!(
                e["code"].is_string() && e["message"].is_string(),
                "{what}: {body}"
            );
            assert!(e["fields"].is_array(), "{what}: {body}");
            for f in e["fields"].as_array().unwrap() {
                assert!(
                    f["field"].is_string() && f["message"].is_string(),
                    "{what}: {body}"
                );
            }
        }
    }
}

async fn send(
    app: &TestApp,
    token: &str,
    method: &Method,
    path: &str,
    body: Option<(&str, Vec<u8>)>,
    out: &mut Outcome,
) {
    let mut req = reqwest::Client::new().request(method.clone(), app.url(path));
    if !token.is_empty() {
        req = req.bearer_auth(token);
    }
    if let Some((ct, bytes)) = body {
        req = req.header("content-type", ct).body(bytes);
    }
    let what = format!("{method} {path}");
    let res = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: the connection failed: {e}"));
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = res.text().await.unwrap_or_default();
    out.check(&what, status, &ct, &text);
}

/// Path parameter values: good ones, then the bad.
fn path_values(name: &str, good: i64) -> Vec<String> {
    if name == "date" {
        vec![
            "2026-12-01".into(),
            "2026-02-30".into(),
            "0000-00-00".into(),
            "abc".into(),
            "99999-01-01".into(),
            "%00".into(),
        ]
    } else {
        vec![
            good.to_string(),
            "999999".into(),
            "abc".into(),
            "-1".into(),
            "99999999999999999999".into(),
            "1.5".into(),
            "%00".into(),
        ]
    }
}

fn fill(path: &str, with: &BTreeMap<String, String>) -> String {
    let mut p = path.to_owned();
    for (k, v) in with {
        p = p.replace(&format!("{{{k}}}"), v);
    }
    p
}

#[tokio::test]
async fn every_operation_answers_generated_bad_requests_without_a_5xx_in_the_documented_shape() {
    let app = spawn_with(|c| c.planning.iterations = Some(200)).await;
    app.create_user("boss", Role::SuperAdmin).await;
    let dan = app.create_user("dan", Role::Driver).await;
    let admin = app.token("boss").await;
    let driver = app.token("dan").await;
    app.seed_prices().await;
    // Something for the ids to find.
    let c: Value = app
        .api_customer(&admin, customer_json("測試客戶", "0912-345-678"))
        .await
        .json()
        .await
        .unwrap();
    let (_, o) = app
        .call(
            Method::POST,
            "/api/v1/orders",
            &admin,
            Some(json!({"customer_id": c["id"], "lines": [{"size": "20", "quantity": 1}]})),
        )
        .await;
    let (_, v) = app
        .call(
            Method::POST,
            "/api/v1/vehicles",
            &admin,
            Some(json!({"plate": "ABC-1", "capacity_kg": 900, "capacity_slots": 20})),
        )
        .await;
    let (_, d) = app
        .call(
            Method::POST,
            "/api/v1/drivers",
            &admin,
            Some(json!({"name": "司機", "shift_start": "08:00", "shift_end": "17:00"})),
        )
        .await;
    let ids = Ids {
        customer: c["id"].as_i64().unwrap(),
        order: o["id"].as_i64().unwrap(),
        user: i64::from(dan),
        vehicle: v["id"].as_i64().unwrap(),
        driver: d["id"].as_i64().unwrap(),
    };
    let mut n = 0;

    // Count ERROR events of this test's thread (the server runs on it).
    let errors = Arc::new(AtomicUsize::new(0));
    let _log = tracing::subscriber::set_default(
        tracing_subscriber::registry().with(CountErrors(Arc::clone(&errors))),
    );
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let mut out = Outcome {
        counts: BTreeMap::new(),
        sent: 0,
    };
    let started = std::time::Instant::now();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (m, op) in item.as_object().unwrap() {
            let method: Method = m.to_uppercase().parse().unwrap();
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let path_params: Vec<String> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect();
            let query_params: Vec<String> = params
                .iter()
                .filter(|p| p["in"] == "query")
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect();
            let int_params: Vec<String> = params
                .iter()
                .filter(|p| p["in"] == "query" && kind_of(&p["schema"]) == "integer")
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect();
            let good_id = ids.for_path(path);
            let good: BTreeMap<String, String> = path_params
                .iter()
                .map(|n| (n.clone(), path_values(n, good_id)[0].clone()))
                .collect();
            let content = &op["requestBody"]["content"];
            let json_schema = content["application/json"]["schema"].clone();
            let multipart = content.get("multipart/form-data").is_some();
            let schema = schema_of(&doc, &json_schema).clone();
            let props = schema["properties"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            let plausible_body = Value::Object(
                props
                    .iter()
                    .map(|(k, s)| (k.clone(), plausible(&doc, s)))
                    .collect(),
            );
            let mut baseline = || {
                n += 1;
                valid_body(&method, path, n, &ids).unwrap_or_else(|| plausible_body.clone())
            };
            let body_of = |v: &Value| -> Option<(&'static str, Vec<u8>)> {
                if multipart {
                    Some((
                        "multipart/form-data; boundary=x",
                        b"--x\r\nnot a part\r\n--x--\r\n".to_vec(),
                    ))
                } else if json_schema.is_null() {
                    None
                } else {
                    Some(("application/json", v.to_string().into_bytes()))
                }
            };

            for token in [&admin, &driver, &String::new()] {
                // Whatever an anonymous caller sends writes no ERROR line.
                let errors_before = errors.load(Ordering::Relaxed);
                // Each path parameter bad in turn.
                for name in &path_params {
                    for v in path_values(name, good_id) {
                        let mut with = good.clone();
                        with.insert(name.clone(), v);
                        send(
                            &app,
                            token,
                            &method,
                            &fill(path, &with),
                            body_of(&baseline()),
                            &mut out,
                        )
                        .await;
                    }
                }
                let target = fill(path, &good);
                // Each query parameter bad in turn.
                for q in &query_params {
                    for v in [
                        "abc",
                        "-1",
                        "99999999999999999999",
                        "%00",
                        "2026-02-30",
                        &"x".repeat(3000),
                    ] {
                        let sep = if target.contains('?') { '&' } else { '?' };
                        send(
                            &app,
                            token,
                            &method,
                            &format!("{target}{sep}{q}={v}"),
                            body_of(&baseline()),
                            &mut out,
                        )
                        .await;
                    }
                }
                // Whole-number query parameters two at a time, huge (a page
                // and a page size multiply).
                let pairs: Vec<(&String, &String)> = int_params
                    .iter()
                    .enumerate()
                    .flat_map(|(i, a)| int_params[i..].iter().map(move |b| (a, b)))
                    .collect();
                for (a, b) in pairs {
                    for v in ["100000000000000000", "18446744073709551615"] {
                        let all = [format!("{a}={v}"), format!("{b}={v}")];
                        let sep = if target.contains('?') { '&' } else { '?' };
                        let path = format!("{target}{sep}{}", all.join("&"));
                        send(&app, token, &method, &path, body_of(&baseline()), &mut out).await;
                    }
                }
                if multipart {
                    send(
                        &app,
                        token,
                        &method,
                        &target,
                        body_of(&baseline()),
                        &mut out,
                    )
                    .await;
                    send(
                        &app,
                        token,
                        &method,
                        &target,
                        Some(("application/json", b"{}".to_vec())),
                        &mut out,
                    )
                    .await;
                    continue;
                }
                if json_schema.is_null() {
                    continue;
                }
                // Each property bad in turn.
                for (k, s) in &props {
                    for bad in bad_values(&doc, s) {
                        let mut b = baseline();
                        b[k] = bad;
                        send(&app, token, &method, &target, body_of(&b), &mut out).await;
                    }
                }
                // The whole body bad.
                let mut extra = baseline();
                extra["zzz_unknown"] = json!(1);
                for (ct, bytes) in [
                    ("application/json", b"{}".to_vec()),
                    ("application/json", extra.to_string().into_bytes()),
                    ("application/json", b"[]".to_vec()),
                    ("application/json", b"null".to_vec()),
                    ("application/json", b"{".to_vec()),
                    ("application/json", Vec::new()),
                    ("application/json", b"{\"a\":\"\\u0000\"}".to_vec()),
                    ("text/plain", baseline().to_string().into_bytes()),
                    ("application/x-www-form-urlencoded", b"a=1".to_vec()),
                    ("application/json", vec![b' '; 3 * 1024 * 1024]),
                ] {
                    send(&app, token, &method, &target, Some((ct, bytes)), &mut out).await;
                }
                if token.is_empty() {
                    assert_eq!(
                        errors.load(Ordering::Relaxed),
                        errors_before,
                        "{method} {path}: an anonymous caller's requests logged an ERROR"
                    );
                }
            }
        }
    }
    eprintln!(
        "generated bad requests: {} sent in {:.1} s; answers by status: {:?}",
        out.sent,
        started.elapsed().as_secs_f64(),
        out.counts
    );
    assert!(out.sent > 2000, "{} requests", out.sent);
}
