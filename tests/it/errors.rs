//! The error shape, per caller and language.

use luckygas::auth::Role;
use serde_json::{Value, json};

use crate::test_app::spawn_app;

async fn post_bad_user(app: &crate::test_app::TestApp, token: &str, lang: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/users"))
        .bearer_auth(token)
        .header("accept-language", lang)
        .json(&json!({"username": "a", "display_name": " ", "role": "root", "password": "123"}))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn validation_errors_name_each_field_in_zh_tw() {
    let app = spawn_app().await;
    app.create_user("boss", Role::SuperAdmin).await;
    let token = app.token("boss").await;
    let (status, body) = post_bad_user(&app, &token, "zh-TW").await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "validation");
    assert_eq!(body["error"]["message"], "資料驗證失敗");
    let fields = body["error"]["fields"].as_array().unwrap();
    let names: Vec<_> = fields
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["username", "display_name", "role", "password"]);
    assert!(fields[0]["message"].as_str().unwrap().contains("「帳號」"));
    assert!(
        fields[3]["message"]
            .as_str()
            .unwrap()
            .contains("「密碼」至少需要 8 個字元")
    );
    // Nothing was written.
    let list: Value = reqwest::Client::new()
        .get(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn validation_errors_are_in_english_when_asked() {
    let app = spawn_app().await;
    app.create_user("boss", Role::SuperAdmin).await;
    let token = app.token("boss").await;
    let (status, body) = post_bad_user(&app, &token, "en-US,en;q=0.9").await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["message"], "Validation failed");
    assert_eq!(
        body["error"]["fields"][3]["message"],
        "Password must be at least 8 characters"
    );
}

#[tokio::test]
async fn a_missing_json_field_is_named() {
    let app = spawn_app().await;
    app.create_user("boss", Role::SuperAdmin).await;
    let token = app.token("boss").await;
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .json(&json!({"username": "newbie", "role": "driver", "password": "longenough"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "display_name");
    assert_eq!(body["error"]["fields"][0]["message"], "此欄位為必填");
}

#[tokio::test]
async fn unknown_pages_get_a_zh_tw_page_and_api_paths_get_json() {
    let app = spawn_app().await;
    let page = app.get("/no/such/page").await;
    assert_eq!(page.status(), 404);
    let rid = page.headers()["x-request-id"].to_str().unwrap().to_owned();
    let html = page.text().await.unwrap();
    assert!(html.contains("找不到這個頁面"));
    assert!(html.contains(&rid), "the page shows the request id");

    let en = reqwest::Client::new()
        .get(app.url("/no/such/page"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert!(en.text().await.unwrap().contains("Page not found"));

    let api = app.get("/api/v1/nothing").await;
    assert_eq!(api.status(), 404);
    let body: Value = api.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    assert_eq!(body["error"]["message"], "找不到這個頁面");
}

#[tokio::test]
async fn htmx_requests_get_a_toast_fragment() {
    let app = spawn_app().await;
    app.create_user("olive", Role::OfficeStaff).await;
    app.login("olive").await;
    let res = app
        .client
        .get(app.url("/users"))
        .header("hx-request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-error-status"], "403");
    assert_eq!(res.headers()["hx-retarget"], "#toasts");
    let html = res.text().await.unwrap();
    assert!(html.contains("class=\"toast toast-error\""));
    assert!(html.contains("您沒有權限使用此功能"));
    assert!(!html.contains("<html"), "a fragment, not a page");
}

#[tokio::test]
async fn a_stale_edit_is_a_conflict_and_changes_nothing() {
    let app = spawn_app().await;
    app.create_user("boss", Role::SuperAdmin).await;
    let id = app.create_user("olive", Role::OfficeStaff).await;
    let token = app.token("boss").await;
    let client = reqwest::Client::new();
    let first = client
        .patch(app.url(&format!("/api/v1/users/{id}")))
        .bearer_auth(&token)
        .json(&json!({"version": 1, "display_name": "林小美"}))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let stale = client
        .patch(app.url(&format!("/api/v1/users/{id}")))
        .bearer_auth(&token)
        .json(&json!({"version": 1, "display_name": "Someone else", "role": "manager"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    let body: Value = stale.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("已被他人修改")
    );
    let now: Value = client
        .get(app.url(&format!("/api/v1/users/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(now["display_name"], "林小美");
    assert_eq!(now["role"], "office_staff");
    assert_eq!(now["version"], 2);
}

/// The status and the field names of a JSON error answer.
async fn refusal(res: reqwest::Response) -> (u16, String, Vec<String>) {
    let status = res.status().as_u16();
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("application/json"), "{status}: {ct}");
    let body: Value = res.json().await.unwrap();
    let fields = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect();
    (
        status,
        body["error"]["code"].as_str().unwrap().to_owned(),
        fields,
    )
}

#[tokio::test]
async fn bad_pages_ids_queries_text_and_lists_are_refused_in_the_documented_shape() {
    use crate::test_app::customer_json;
    let app = spawn_app().await;
    app.create_user("olive", Role::OfficeStaff).await;
    let token = app.token("olive").await;
    app.seed_prices().await;
    let get = |path: &str| {
        reqwest::Client::new()
            .get(app.url(path))
            .bearer_auth(&token)
            .send()
    };
    // A page beyond the bound (it used to overflow the offset).
    let (s, code, f) = refusal(
        get("/api/v1/orders?page=100000000000000000&per_page=1000")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, code.as_str(), f),
        (422, "validation", vec!["page".to_owned()])
    );
    let (s, _, f) = refusal(
        get("/api/v1/customers?page=100000000000000000")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, f), (422, vec!["page".to_owned()]));
    // A query value that does not parse names its parameter.
    let (s, _, f) = refusal(get("/api/v1/orders?customer_id=abc").await.unwrap()).await;
    assert_eq!((s, f), (422, vec!["customer_id".to_owned()]));
    // An id that does not parse is no such thing.
    let (s, code, _) = refusal(get("/api/v1/customers/abc").await.unwrap()).await;
    assert_eq!((s, code.as_str()), (404, "not_found"));
    // NUL in text is refused the same way on both databases.
    let mut c = customer_json("王記", "0912-345-678");
    c["notes"] = json!("後門\u{0}");
    let (s, _, f) = refusal(app.api_customer(&token, c).await).await;
    assert_eq!((s, f), (422, vec!["notes".to_owned()]));
    // A list has a documented maximum.
    let mut c = customer_json("多電話", "0912-345-678");
    c["phones"] = json!(
        (0..11)
            .map(|i| format!("09120000{i:02}"))
            .collect::<Vec<_>>()
    );
    let (s, _, f) = refusal(app.api_customer(&token, c).await).await;
    assert_eq!(s, 422);
    assert!(f.iter().all(|x| x == "phones") && !f.is_empty(), "{f:?}");
    // Orders name the source only as phone; the system sets the others.
    let c: Value = app
        .api_customer(&token, customer_json("王記", "0912-345-678"))
        .await
        .json()
        .await
        .unwrap();
    let res = app
        .api(reqwest::Method::POST, "/api/v1/orders", &token,
            Some(json!({"customer_id": c["id"], "source": "import", "lines": [{"size": "20", "quantity": 1}]})))
        .await;
    let (s, _, f) = refusal(res).await;
    assert_eq!((s, f), (422, vec!["source".to_owned()]));
    // The search time must be in its documented range.
    let res = app
        .api(
            reqwest::Method::POST,
            "/api/v1/planning/2026-12-01/optimize",
            &token,
            Some(json!({"time_limit_seconds": -1})),
        )
        .await;
    let (s, _, f) = refusal(res).await;
    assert_eq!((s, f), (422, vec!["time_limit_seconds".to_owned()]));
}

#[tokio::test]
async fn wrong_methods_big_bodies_long_addresses_and_wrong_content_types_get_their_statuses() {
    let app = spawn_app().await;
    app.create_user("olive", Role::OfficeStaff).await;
    let token = app.token("olive").await;
    let http = reqwest::Client::new();
    // A method the route does not take: 405 with Allow, even signed out.
    let res = http.delete(app.url("/api/v1/orders")).send().await.unwrap();
    let allow = res.headers()["allow"].to_str().unwrap().to_owned();
    let (s, code, _) = refusal(res).await;
    assert_eq!(
        (s, code.as_str(), allow.as_str()),
        (405, "method_not_allowed", "GET, POST")
    );
    // 3 MB of JSON is too large, not "not valid JSON".
    let res = http
        .post(app.url("/api/v1/customers"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(format!("{{\"name\":\"{}\"}}", "x".repeat(3 * 1024 * 1024)))
        .send()
        .await
        .unwrap();
    let (s, code, _) = refusal(res).await;
    assert_eq!((s, code.as_str()), (413, "payload_too_large"));
    // A JSON body without its content type.
    let res = http
        .post(app.url("/api/v1/customers"))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    let (s, code, _) = refusal(res).await;
    assert_eq!((s, code.as_str()), (415, "unsupported_media_type"));
    // An address over 8 KB.
    let res = http
        .get(app.url(&format!("/api/v1/customers?q={}", "x".repeat(9000))))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let (s, code, _) = refusal(res).await;
    assert_eq!((s, code.as_str()), (414, "uri_too_long"));
    // A page's form that does not parse gets a page, not plain text.
    app.login("olive").await;
    let csrf = app.page_csrf(&app.client).await;
    let res = app
        .client
        .post(app.url("/customers/1/active"))
        .form(&[("csrf_token", csrf.as_str()), ("version", "many")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(res.text().await.unwrap().contains("<html"));
}

/// Every page, opened with no query or with nonsense in it, answers with a
/// page (or a redirect) in the user's language: never a raw parser message.
#[tokio::test]
async fn every_page_handles_missing_and_bad_query_parameters() {
    let app = spawn_app().await;
    app.create_user("boss", Role::SuperAdmin).await;
    app.login("boss").await;
    let mut checked = 0;
    for (method, route) in luckygas::app::registered_routes() {
        if method != axum::http::Method::GET
            || route.starts_with("/api/")
            || route.contains('*')
            || ["/ws", "/metrics", "/healthz", "/readyz", "/favicon.ico"].contains(&route.as_str())
        {
            continue;
        }
        let path = route.replace("{id}", "1").replace("{date}", "2026-12-01");
        for query in [
            "",
            "?page=abc&date=2026-02-30&customer_id=zz&status=%00&per_page=-1&q=%ff",
        ] {
            let res = app.get(&format!("{path}{query}")).await;
            let status = res.status().as_u16();
            assert!(status < 500, "{route}{query}: {status}");
            if !(300..400).contains(&status) {
                let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
                let body = res.text().await.unwrap();
                if ct.starts_with("text/html") {
                    for raw in [
                        "Failed to deserialize",
                        "invalid digit",
                        "missing field",
                        "expected",
                    ] {
                        assert!(!body.contains(raw), "{route}{query}: {raw} in the page");
                    }
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 30, "{checked}");
}
