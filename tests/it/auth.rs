//! Signing in and out, throttling, deactivation, CSRF and API tokens.

use chrono::Duration;
use luckygas::auth::Role;
use serde_json::{Value, json};

use crate::test_app::{PASSWORD, new_client, spawn_app};

#[tokio::test]
async fn signing_in_lands_on_the_home_page_with_real_figures() {
    let app = spawn_app().await;
    app.create_user("amy", Role::SuperAdmin).await;
    app.create_user("dan", Role::Driver).await;
    let res = app.login("amy").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let home = app.get("/").await;
    assert_eq!(home.status(), 200);
    let html = home.text().await.unwrap();
    assert!(html.contains("amy 測試，您好"), "greets the user in zh-TW");
    // One active driver account is counted from the database.
    let drivers = html.split("司機</div>").nth(1).expect("drivers figure");
    assert!(
        drivers
            .trim_start()
            .starts_with("<div class=\"figure-value\">1</div>"),
        "{drivers}"
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_in_zh_tw_without_a_session() {
    let app = spawn_app().await;
    app.create_user("amy", Role::OfficeStaff).await;
    let res = app.login_with(&app.client, "amy", "not-the-password").await;
    assert_eq!(res.status(), 401);
    assert!(
        res.headers()
            .get_all("set-cookie")
            .iter()
            .all(|c| !c.to_str().unwrap().starts_with("lg_session"))
    );
    assert!(res.text().await.unwrap().contains("帳號或密碼錯誤"));
    assert_eq!(app.get("/").await.status(), 303, "still signed out");
}

#[tokio::test]
async fn repeated_failures_are_throttled_until_the_window_passes() {
    let app = spawn_app().await;
    app.create_user("amy", Role::OfficeStaff).await;
    for _ in 0..5 {
        assert_eq!(
            app.login_with(&app.client, "amy", "wrong-password")
                .await
                .status(),
            401
        );
    }
    // Even the right password waits now.
    let res = app.login("amy").await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry), "retry after {retry}");
    assert!(res.text().await.unwrap().contains("登入失敗次數過多"));

    // The API is held too, with the JSON error shape.
    let api = reqwest::Client::new()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"username": "amy", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 429);
    assert!(api.headers().contains_key("retry-after"));
    assert_eq!(
        api.json::<Value>().await.unwrap()["error"]["code"],
        "too_many_requests"
    );

    // Guessing from one address does not lock the owner out elsewhere.
    let elsewhere = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    assert_eq!(
        app.login_with(&elsewhere, "amy", PASSWORD).await.status(),
        303
    );

    app.clock.advance(Duration::minutes(16));
    assert_eq!(app.login("amy").await.status(), 303);
}

#[tokio::test]
async fn a_deactivated_user_is_locked_out_of_cookie_and_token_at_once() {
    let app = spawn_app().await;
    app.create_user("boss", Role::SuperAdmin).await;
    let office_id = app.create_user("olive", Role::OfficeStaff).await;
    let olive = new_client();
    assert_eq!(
        app.login_with(&olive, "olive", PASSWORD).await.status(),
        303
    );
    let olive_token = app.token("olive").await;
    assert_eq!(olive.get(app.url("/")).send().await.unwrap().status(), 200);

    let admin_token = app.token("boss").await;
    let res = reqwest::Client::new()
        .patch(app.url(&format!("/api/v1/users/{office_id}")))
        .bearer_auth(&admin_token)
        .json(&json!({"version": 1, "active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["active"], false);

    let page = olive.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 303, "the session no longer works");
    assert!(
        page.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    let api = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&olive_token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 401, "the token no longer works");
    assert_eq!(
        app.login_with(&olive, "olive", PASSWORD).await.status(),
        401,
        "cannot sign in again"
    );
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_are_refused() {
    let app = spawn_app().await;
    app.create_user("amy", Role::SuperAdmin).await;
    // Sign-in itself needs the token bound to the visitor.
    app.get("/login").await;
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "amy"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("表單已過期"));

    assert_eq!(app.login("amy").await.status(), 303);
    let forged = app
        .client
        .post(app.url("/users"))
        .form(&[
            ("username", "mallory"),
            ("display_name", "M"),
            ("role", "super_admin"),
            ("password", "longenough1"),
            ("csrf_token", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    // A token from another visitor does not fit this session either.
    let other = new_client();
    let other_page = other
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let other_token = crate::test_app::csrf_in(&other_page);
    let res = app
        .client
        .post(app.url("/logout"))
        .header("x-csrf-token", other_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        app.get("/").await.status(),
        200,
        "still signed in; nothing happened"
    );
    assert!(
        !app.get("/users")
            .await
            .text()
            .await
            .unwrap()
            .contains("mallory")
    );

    let token = app.page_csrf(&app.client).await;
    let res = app
        .client
        .post(app.url("/logout"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(app.get("/").await.status(), 303, "signed out");
}

#[tokio::test]
async fn api_tokens_identify_the_user_and_expire() {
    let app = spawn_app().await;
    app.create_user("dan", Role::Driver).await;
    let token = app.token("dan").await;
    let client = reqwest::Client::new();
    let me = client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["username"], "dan");
    assert_eq!(me["role"], "driver");

    let tampered = format!("{token}x");
    assert_eq!(
        client
            .get(app.url("/api/v1/me"))
            .bearer_auth(tampered)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        client
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    let bad = client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"username": "dan", "password": "nope-nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    assert_eq!(
        bad.json::<Value>().await.unwrap()["error"]["message"],
        "帳號或密碼錯誤"
    );

    app.clock.advance(Duration::minutes(61));
    assert_eq!(
        client
            .get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn the_language_switch_is_remembered_for_the_account() {
    let app = spawn_app().await;
    app.create_user("amy", Role::OfficeStaff).await;
    app.login("amy").await;
    let token = app.page_csrf(&app.client).await;
    let res = app
        .client
        .post(app.url("/locale"))
        .form(&[
            ("lang", "en"),
            ("next", "/"),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    // A fresh browser (no language cookie) still gets English after sign-in.
    let other = new_client();
    app.login_with(&other, "amy", PASSWORD).await;
    let html = other
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Hello, amy"), "{html}");
    assert!(html.contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn sign_in_and_language_switch_redirect_only_to_paths_of_this_site() {
    let app = spawn_app().await;
    app.create_user("amy", Role::OfficeStaff).await;
    // The sign-in page with a line break in `next` is a page, not a 500.
    let res = app.get("/login?next=/%0a").await;
    assert_eq!(res.status(), 200);
    for next in [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/\n/evil.example",
    ] {
        let client = crate::test_app::new_client();
        let html = client
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = crate::test_app::csrf_in(&html);
        let res = client
            .post(app.url("/login"))
            .form(&[
                ("username", "amy"),
                ("password", PASSWORD),
                ("csrf_token", &csrf),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{next:?}");
        assert_eq!(res.headers()["location"], "/", "{next:?}");
        let res = client
            .post(app.url("/locale"))
            .form(&[
                ("lang", "en"),
                ("csrf_token", &app.page_csrf(&client).await),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["location"], "/", "locale {next:?}");
    }
    // A path of this site is kept.
    let client = crate::test_app::new_client();
    let html = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::test_app::csrf_in(&html);
    let res = client
        .post(app.url("/login"))
        .form(&[
            ("username", "amy"),
            ("password", PASSWORD),
            ("csrf_token", &csrf),
            ("next", "/orders?date=2026-12-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/orders?date=2026-12-01");
}
