//! User management through the pages, with the audit trail.

use luckygas::{audit, auth::Role};
use sea_orm::{EntityTrait, QueryOrder};

use crate::test_app::{PASSWORD, new_client, spawn_app};

#[tokio::test]
async fn a_super_admin_creates_a_user_through_the_form() {
    let app = spawn_app().await;
    app.create_user("boss", Role::SuperAdmin).await;
    app.login("boss").await;
    let token = app.page_csrf(&app.client).await;
    let res = app
        .client
        .post(app.url("/users"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", "Mei.Lin"),
            ("display_name", "林美"),
            ("role", "office_staff"),
            ("password", "a-good-password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/users?msg=created");
    let list = app.get("/users?msg=created").await.text().await.unwrap();
    assert!(list.contains("mei.lin") && list.contains("林美") && list.contains("已新增使用者"));

    let mei = new_client();
    assert_eq!(
        app.login_with(&mei, "mei.lin", "a-good-password")
            .await
            .status(),
        303
    );

    let entries = audit::Entity::find()
        .order_by_asc(audit::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap();
    let created = entries
        .iter()
        .find(|e| e.action == "user.create" && e.actor_id.is_some())
        .unwrap();
    assert!(
        created
            .after
            .as_deref()
            .unwrap()
            .contains("\"username\":\"mei.lin\"")
    );
    assert!(created.before.is_none());
}

#[tokio::test]
async fn bad_form_input_is_shown_beside_each_field_and_kept() {
    let app = spawn_app().await;
    app.create_user("boss", Role::SuperAdmin).await;
    app.login("boss").await;
    let token = app.page_csrf(&app.client).await;
    let res = app
        .client
        .post(app.url("/users"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", "boss"),
            ("display_name", "Another boss"),
            ("role", "manager"),
            ("password", "a-good-password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("此帳號已被使用"));
    assert!(
        html.contains("value=\"Another boss\""),
        "the typed name is kept"
    );

    let res = app
        .client
        .post(app.url("/users"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", "ok_name"),
            ("display_name", ""),
            ("role", "manager"),
            ("password", "short"),
        ])
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(html.contains("請填寫「姓名」"));
    assert!(html.contains("「密碼」至少需要 8 個字元"));
}

#[tokio::test]
async fn role_changes_and_password_resets_are_audited_and_take_effect() {
    let app = spawn_app().await;
    app.create_user("boss", Role::SuperAdmin).await;
    let id = app.create_user("olive", Role::OfficeStaff).await;
    let olive = new_client();
    app.login_with(&olive, "olive", PASSWORD).await;
    let olive_token = app.token("olive").await;
    let fleet_write = |t: String| {
        let url = app.url("/api/v1/vehicles");
        async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(t)
                .json(&serde_json::json!({"plate": "ROLE-1", "capacity_kg": 900, "capacity_slots": 20}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(
        fleet_write(olive_token.clone()).await,
        403,
        "office staff keep no fleet"
    );
    app.login("boss").await;
    let token = app.page_csrf(&app.client).await;
    let path = format!("/users/{id}");
    let res = app
        .client
        .post(app.url(&path))
        .form(&[
            ("csrf_token", token.as_str()),
            ("action", "profile"),
            ("version", "1"),
            ("role", "manager"),
            ("display_name", "Olive Wu"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    // The new role takes effect at once, for the token olive already has.
    assert_eq!(
        fleet_write(olive_token.clone()).await,
        201,
        "a manager keeps the fleet"
    );
    let (_, me) = app
        .call(reqwest::Method::GET, "/api/v1/me", &olive_token, None)
        .await;
    assert_eq!(
        (me["role"].as_str(), me["display_name"].as_str()),
        (Some("manager"), Some("Olive Wu"))
    );
    let res = app
        .client
        .post(app.url(&path))
        .form(&[
            ("csrf_token", token.as_str()),
            ("action", "password"),
            ("version", "2"),
            ("password", "brand-new-secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    assert_eq!(
        olive.get(app.url("/")).send().await.unwrap().status(),
        303,
        "reset signs olive out"
    );
    let (status, _) = app
        .call(reqwest::Method::GET, "/api/v1/me", &olive_token, None)
        .await;
    assert_eq!(
        status, 401,
        "a password reset revokes the API tokens issued before it"
    );
    assert_eq!(
        app.login_with(&olive, "olive", PASSWORD).await.status(),
        401
    );
    assert_eq!(
        app.login_with(&olive, "olive", "brand-new-secret")
            .await
            .status(),
        303
    );

    let page = app.get(&path).await.text().await.unwrap();
    assert!(
        page.contains("重設密碼") && page.contains("修改資料"),
        "history lists both changes"
    );
    assert!(page.contains("role: office_staff → manager"), "{page}");
    assert!(
        !page.contains("brand-new-secret") && !page.contains("$argon2"),
        "no secrets in the history"
    );
}

#[tokio::test]
async fn an_admin_cannot_lock_themselves_out() {
    let app = spawn_app().await;
    let id = app.create_user("boss", Role::SuperAdmin).await;
    let token = app.token("boss").await;
    let res = reqwest::Client::new()
        .patch(app.url(&format!("/api/v1/users/{id}")))
        .bearer_auth(token)
        .json(&serde_json::json!({"version": 1, "active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(app.login("boss").await.status(), 303);
}
