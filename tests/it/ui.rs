//! In a real browser: sign in (zh-TW), switch to English, manage users as
//! a super admin, be refused as office staff, sign out.

use luckygas::auth::Role;

use crate::{
    browser,
    test_app::{PASSWORD, spawn_app},
};

#[tokio::test]
async fn sign_in_switch_language_manage_users_and_sign_out() {
    let app = spawn_app().await;
    app.create_user("boss", Role::SuperAdmin).await;
    app.create_user("olive", Role::OfficeStaff).await;
    let Some(b) = browser::start(1280, "zh-TW").await else {
        return;
    };

    b.goto(&app.url("/")).await;
    assert_eq!(
        b.path().await,
        "/login",
        "signed-out visitors are sent to sign in"
    );
    assert_eq!(b.text("h2").await, "登入");
    b.screenshot("login-zh").await;
    b.fill("#username", "boss").await;
    b.fill("#password", PASSWORD).await;
    b.click("#login-submit").await;
    b.wait_for_text("boss 測試，您好").await;
    assert_eq!(b.path().await, "/");
    b.screenshot("home-zh").await;

    b.click("#switch-language").await;
    b.wait_for_text("Hello, boss").await;
    assert_eq!(b.path().await, "/");
    b.screenshot("home-en").await;

    b.click("nav a[href='/users']").await;
    b.wait_for_text("New user").await;
    b.fill("#new-username", "driver.chen").await;
    b.fill("#new-display-name", "陳志明").await;
    b.find("#new-role option[value='driver']")
        .await
        .click()
        .await
        .unwrap();
    b.fill("#new-password", "drives-safely").await;
    b.click("#create-user-submit").await;
    b.wait_for_text("User created").await;
    let table = b.text("#users-table").await;
    assert!(
        table.contains("driver.chen") && table.contains("陳志明") && table.contains("Driver"),
        "{table}"
    );
    b.screenshot("users-en").await;

    b.click("#logout").await;
    b.wait_for_text("Sign in").await;
    assert_eq!(b.path().await, "/login");

    // Office staff: the account's own language (zh-TW), no Users menu, and
    // the page itself is refused.
    b.fill("#username", "olive").await;
    b.fill("#password", PASSWORD).await;
    b.click("#login-submit").await;
    b.wait_for_text("olive 測試，您好").await;
    let nav = b.text("nav").await;
    assert!(nav.contains("客戶") && !nav.contains("使用者"), "{nav}");
    b.goto(&app.url("/users")).await;
    b.wait_for_text("您沒有權限使用此功能").await;
    b.screenshot("forbidden-zh").await;
    b.goto(&app.url("/")).await;
    b.click("#logout").await;
    b.wait_for_text("Sign in").await;
    b.close().await;
}

#[tokio::test]
async fn pages_fit_a_375_pixel_phone() {
    let app = spawn_app().await;
    app.create_user("boss", Role::SuperAdmin).await;
    let Some(b) = browser::start(375, "zh-TW").await else {
        return;
    };
    b.goto(&app.url("/login")).await;
    b.fill("#username", "boss").await;
    b.fill("#password", PASSWORD).await;
    b.click("#login-submit").await;
    b.wait_for_text("您好").await;
    for path in ["/", "/users"] {
        b.goto(&app.url(path)).await;
        b.find("main").await;
        let overflow = b
            .client
            .execute(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            overflow.as_i64().unwrap() <= 0,
            "{path} scrolls sideways by {overflow}px at 375 px"
        );
        b.screenshot(&format!("phone{}", path.replace('/', "-")))
            .await;
    }
    b.close().await;
}
