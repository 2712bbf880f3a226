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
