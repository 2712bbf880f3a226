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
    for path in [
        "/",
        "/desk",
        "/customers",
        "/customers/new",
        "/orders",
        "/prices",
        "/users",
        "/planning",
        "/dispatch",
        "/notifications",
        "/fleet",
    ] {
        b.goto(&app.url(path)).await;
        b.find("main").await;
        b.assert_fits(path).await;
        b.screenshot(&format!("phone{}", path.replace('/', "-")))
            .await;
    }
    b.close().await;
}

/// The phone desk: find the caller by phone digits, then repeat the usual
/// order for today in two keystrokes (1, Enter).
#[tokio::test]
async fn the_desk_repeats_the_usual_order_in_two_keystrokes() {
    use reqwest::Method;
    use serde_json::{Value, json};
    const ENTER: &str = "\u{E007}";

    let app = spawn_app().await;
    app.create_user("olive", Role::OfficeStaff).await;
    app.seed_prices().await;
    let token = app.token("olive").await;
    let c: Value = app
        .api_customer(
            &token,
            crate::test_app::customer_json("王記麵店", "0912-345-678"),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = c["id"].as_i64().unwrap();
    // Their usual: two 50 kg cylinders (tomorrow's order, already placed).
    let body = json!({"customer_id": id, "requested_date": "2026-12-01", "lines": [{"size": "50", "quantity": 2}]});
    assert_eq!(
        app.api(Method::POST, "/api/v1/orders", &token, Some(body))
            .await
            .status(),
        201
    );

    let Some(b) = browser::start(1280, "zh-TW").await else {
        return;
    };
    b.goto(&app.url("/login")).await;
    b.fill("#username", "olive").await;
    b.fill("#password", PASSWORD).await;
    b.click("#login-submit").await;
    b.wait_for_text("您好").await;
    b.goto(&app.url("/desk")).await;
    b.fill("#desk-q", "345678").await;
    b.find("#desk-matches .match").await;
    b.find("#desk-q").await.send_keys(ENTER).await.unwrap();
    b.find("#desk-customer").await;
    b.wait_for_text("常訂").await;
    assert!(b.text("#desk-customer").await.contains("50kg×2"));
    b.screenshot("desk-card").await;

    // The customer is found: now two keys.
    b.client
        .active_element()
        .await
        .unwrap()
        .send_keys("1")
        .await
        .unwrap();
    b.client
        .active_element()
        .await
        .unwrap()
        .send_keys(ENTER)
        .await
        .unwrap();
    let number = b.text("#placed-number").await;
    assert!(number.starts_with("O20261130-"), "{number}");
    b.screenshot("desk-placed").await;

    let list: Value = app
        .api(Method::GET, "/api/v1/orders?date=2026-11-30", &token, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    let o = &list["items"][0];
    assert_eq!(o["order_number"], number.as_str());
    assert_eq!(o["status"], "confirmed");
    assert_eq!(o["source"], "phone");
    assert_eq!(
        o["lines"],
        json!([{"size": "50", "quantity": 2, "unit_price": 2650, "amount": 5300}])
    );
    // Ready for the next caller: the search box has the focus again.
    assert_eq!(
        b.client
            .active_element()
            .await
            .unwrap()
            .attr("id")
            .await
            .unwrap()
            .as_deref(),
        Some("desk-q")
    );
    b.close().await;
}

/// The Content-Security-Policy allows no inline script: no template may
/// carry an inline `<script>` (data blocks aside) or an `on…=` handler.
#[test]
fn no_template_has_inline_script_or_handlers() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "html") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/templates")),
        &mut files,
    );
    assert!(files.len() > 20);
    for f in files {
        let html = std::fs::read_to_string(&f).unwrap();
        for (i, line) in html.lines().enumerate() {
            let lower = line.to_lowercase();
            let mut rest = lower.as_str();
            while let Some(at) = rest.find("<script") {
                let tag = &rest[at..rest[at..].find('>').map_or(rest.len(), |e| at + e)];
                assert!(
                    tag.contains(" src=") || tag.contains("application/json"),
                    "{}:{}: inline script {tag}",
                    f.display(),
                    i + 1
                );
                rest = &rest[at + 7..];
            }
            let handler = lower.split_whitespace().any(|w| {
                w.starts_with("on")
                    && w.contains("=\"")
                    && w[2..]
                        .split('=')
                        .next()
                        .is_some_and(|n| n.chars().all(|c| c.is_ascii_lowercase()))
            });
            assert!(
                !handler,
                "{}:{}: inline handler in {line}",
                f.display(),
                i + 1
            );
        }
    }
}

/// The desk shows the price before confirming, takes a note, replaces a
/// prefilled quantity instead of appending to it, asks before a second
/// order for the same day, and offers an unknown caller's number as a new
/// customer.
#[tokio::test]
async fn the_desk_asks_before_a_second_order_shows_the_price_and_offers_a_new_customer() {
    use reqwest::Method;
    use serde_json::{Value, json};
    const ENTER: &str = "\u{E007}";
    let app = spawn_app().await;
    app.create_user("olive", Role::OfficeStaff).await;
    app.seed_prices().await;
    let token = app.token("olive").await;
    let c: Value = app
        .api_customer(
            &token,
            crate::test_app::customer_json("王記麵店", "0912-345-678"),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = c["id"].as_i64().unwrap();
    let body = json!({"customer_id": id, "requested_date": "2026-12-01", "lines": [{"size": "50", "quantity": 2}]});
    assert_eq!(
        app.api(Method::POST, "/api/v1/orders", &token, Some(body))
            .await
            .status(),
        201
    );

    for width in [1366, 375] {
        let Some(b) = browser::start(width, "zh-TW").await else {
            return;
        };
        b.sign_in(&app, "olive").await;
        b.goto(&app.url("/desk")).await;
        b.fill("#desk-q", "345678").await;
        b.find("#desk-matches .match").await;
        b.find("#desk-q").await.send_keys(ENTER).await.unwrap();
        b.find("#desk-customer").await;
        // The usual at NT$2,650 a 50 kg cylinder: two, then the three
        // ordered in the first round.
        let usual = if width == 1366 {
            "NT$5,300"
        } else {
            "NT$7,950"
        };
        assert_eq!(b.text("#desk-total").await, usual);
        // Typing into the prefilled box replaces its value.
        let box50 = b.find("input[name=qty_50]").await;
        box50.click().await.unwrap();
        box50.send_keys("3").await.unwrap();
        assert_eq!(box50.prop("value").await.unwrap().as_deref(), Some("3"));
        b.wait_for_element_text("#desk-total", "NT$7,950").await;
        b.fill("#desk-notes", "放後門").await;
        b.screenshot(&format!("desk-price-{width}")).await;
        // (A key typed into the note is text: "2" does not pick tomorrow.)
        b.find("#desk-notes").await.send_keys("2").await.unwrap();
        assert_eq!(
            b.js("return document.getElementById('desk-tomorrow').checked")
                .await,
            false
        );
        b.js("document.getElementById('desk-notes').value = '放後門'")
            .await;
        b.js("document.getElementById('desk-tomorrow').click()")
            .await;
        // Enter in the note submits, as it would with the mouse.
        b.find("#desk-notes").await.send_keys(ENTER).await.unwrap();
        // Tomorrow already has an order: the desk asks and names it.
        b.find("#desk-same-day").await;
        assert!(b.text("#desk-same-day").await.contains("O20261130-0001"));
        b.screenshot(&format!("desk-same-day-{width}")).await;
        let phone_overflow = b
            .js("return document.documentElement.scrollWidth - window.innerWidth")
            .await;
        assert!(
            phone_overflow.as_i64().unwrap() <= 0,
            "the card fits at {width} px: {phone_overflow}"
        );
        b.click("#desk-confirm-again").await;
        let number = b.text("#placed-number").await;
        let (_, placed) = app
            .call(Method::GET, "/api/v1/orders?date=2026-12-01", &token, None)
            .await;
        let mine = placed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["order_number"] == number.as_str())
            .unwrap()
            .clone();
        assert_eq!(mine["notes"], "放後門");
        assert_eq!(
            mine["lines"],
            json!([{"size": "50", "quantity": 3, "unit_price": 2650, "amount": 7950}])
        );

        // An unknown caller: one click to a new customer with the number.
        b.fill("#desk-q", "0922-555-666").await;
        b.click("#desk-new-customer").await;
        b.wait_for_text("新增客戶").await;
        let phones = b
            .js("return document.querySelector('[name=phones]').value")
            .await;
        assert_eq!(phones.as_str().unwrap(), "0922-555-666");
        b.close().await;
    }
}

/// A customer signed in on a phone sees each order's status without
/// scrolling sideways: on a narrow screen the history rows become cards.
#[tokio::test]
async fn a_customer_sees_the_status_of_each_order_on_a_phone() {
    use reqwest::Method;
    use serde_json::{Value, json};

    let app = spawn_app().await;
    app.create_user("olive", Role::OfficeStaff).await;
    app.create_user("cust", Role::Customer).await;
    app.seed_prices().await;
    let token = app.token("olive").await;
    let c: Value = app
        .api_customer(
            &token,
            crate::test_app::customer_json("自家瓦斯行", "0944-111-222"),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = c["id"].as_i64().unwrap();
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/customers/{id}/accounts"),
            &token,
            Some(json!({"username": "cust"})),
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let res = app
        .api(
            Method::POST,
            "/api/v1/orders",
            &token,
            Some(json!({"customer_id": id, "lines": [{"size": "20", "quantity": 2}]})),
        )
        .await;
    assert_eq!(res.status(), 201);

    let Some(b) = browser::start(375, "zh-TW").await else {
        return;
    };
    b.sign_in(&app, "cust").await;
    b.goto(&app.url("/my")).await;
    b.wait_for_element_text("#own-orders .status", "待確認")
        .await;
    b.assert_fits("/my").await;
    let right = b
        .js("return document.querySelector('#own-orders .status').getBoundingClientRect().right;")
        .await;
    assert!(
        right.as_f64().unwrap() <= 375.0,
        "the status ends at {right} px, off a 375 px screen"
    );
    b.screenshot("phone-my").await;
    b.close().await;
}

/// The orders list follows the day: an order taken on another screen
/// appears, and the day's count goes up, without a reload.
#[tokio::test]
async fn the_orders_list_shows_a_new_order_without_a_reload() {
    use reqwest::Method;
    use serde_json::{Value, json};

    let app = spawn_app().await;
    app.create_user("olive", Role::OfficeStaff).await;
    app.seed_prices().await;
    let token = app.token("olive").await;
    let c: Value = app
        .api_customer(
            &token,
            crate::test_app::customer_json("王記麵店", "0912-345-678"),
        )
        .await
        .json()
        .await
        .unwrap();
    let Some(b) = browser::start(1366, "zh-TW").await else {
        return;
    };
    b.sign_in(&app, "olive").await;
    b.goto(&app.url("/orders?date=2026-11-30")).await;
    b.find("#orders-empty").await;
    b.wait_until(
        "the page listens",
        "return document.body.dataset.live === '1';",
    )
    .await;
    b.js("window.notReloaded = true; return true;").await;
    let (status, o) = app
        .call(
            Method::POST,
            "/api/v1/orders",
            &token,
            Some(json!({"customer_id": c["id"], "lines": [{"size": "20", "quantity": 2}]})),
        )
        .await;
    assert_eq!(status, 201, "{o}");
    b.wait_for_text(o["order_number"].as_str().unwrap()).await;
    assert_eq!(
        b.js("return window.notReloaded === true;").await,
        json!(true)
    );
    assert!(
        b.text("#day-summary").await.contains('1'),
        "the count followed"
    );
    b.close().await;
}
