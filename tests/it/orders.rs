//! Orders: creation and prices, the status machine, numbers under
//! concurrency, bulk actions and the day summary.

use luckygas::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::test_app::{TestApp, customer_json, spawn_app};

async fn setup() -> (TestApp, String, i64) {
    let app = spawn_app().await;
    app.create_user("olive", Role::OfficeStaff).await;
    app.seed_prices().await;
    let token = app.token("olive").await;
    let c: Value = app
        .api_customer(&token, customer_json("王記麵店", "0912-345-678"))
        .await
        .json()
        .await
        .unwrap();
    (app, token, c["id"].as_i64().unwrap())
}

async fn order(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.api(Method::POST, "/api/v1/orders", token, Some(body))
        .await
}

#[tokio::test]
async fn an_order_takes_prices_on_its_date_and_the_customers_window() {
    let (app, token, id) = setup().await;
    let res = order(&app, &token, json!({"customer_id": id, "lines": [{"size": "50", "quantity": 2}, {"size": "20", "quantity": 1}]})).await;
    assert_eq!(res.status(), 201);
    let o: Value = res.json().await.unwrap();
    assert_eq!(o["order_number"], "O20261130-0001");
    assert_eq!(o["total_amount"], 2 * 2650 + 1050);
    assert_eq!(o["window_start"], "08:00");
    assert_eq!(o["status"], "pending");
    assert_eq!(o["payment_method"], "monthly", "the customer's terms");
    let o2: Value = order(
        &app,
        &token,
        json!({"customer_code": "C00001", "lines": [{"size": "4", "quantity": 1}]}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(o2["order_number"], "O20261130-0002");
}

#[tokio::test]
async fn bad_orders_are_refused_with_field_errors() {
    let (app, token, id) = setup().await;
    let cases = [
        (
            json!({"customer_id": id, "lines": [{"size": "30", "quantity": 1}]}),
            "鋼瓶規格",
        ),
        (
            json!({"customer_id": id, "lines": [{"size": "20", "quantity": 0}]}),
            "必須大於 0",
        ),
        (
            json!({"customer_id": id, "lines": [{"size": "20", "quantity": -2}]}),
            "必須大於 0",
        ),
        (json!({"customer_id": id, "lines": []}), "至少訂購一桶"),
        (
            json!({"customer_id": id, "requested_date": "2026-11-29", "lines": [{"size": "20", "quantity": 1}]}),
            "不能早於今天",
        ),
        (
            json!({"customer_id": id, "window": "12:00-09:00", "lines": [{"size": "20", "quantity": 1}]}),
            "配送時段",
        ),
        (
            json!({"customer_code": "NOPE", "lines": [{"size": "20", "quantity": 1}]}),
            "找不到客戶編號",
        ),
    ];
    for (body, expected) in cases {
        let res = order(&app, &token, body.clone()).await;
        assert_eq!(res.status(), 422, "{body}");
        let text = res.text().await.unwrap();
        assert!(text.contains(expected), "{body}: {text}");
    }
    let list: Value = app
        .api(Method::GET, "/api/v1/orders", &token, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0, "nothing was written");
}

#[tokio::test]
async fn the_status_machine_allows_the_legal_path_and_explains_refusals() {
    let (app, token, id) = setup().await;
    let o: Value = order(
        &app,
        &token,
        json!({"customer_id": id, "lines": [{"size": "20", "quantity": 1}]}),
    )
    .await
    .json()
    .await
    .unwrap();
    let path = format!("/api/v1/orders/{}/transitions", o["id"]);
    // Illegal from pending.
    for action in ["deliver", "depart", "requeue", "unplan"] {
        let res = app
            .api(Method::POST, &path, &token, Some(json!({"action": action})))
            .await;
        assert_eq!(res.status(), 409, "{action}");
        let body: Value = res.json().await.unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("待確認"),
            "{body}"
        );
    }
    for (action, status) in [
        ("confirm", "confirmed"),
        ("plan", "planned"),
        ("depart", "out_for_delivery"),
        ("fail", "failed"),
        ("requeue", "pending"),
        ("confirm", "confirmed"),
        ("plan", "planned"),
        ("unplan", "confirmed"),
        ("plan", "planned"),
        ("depart", "out_for_delivery"),
        ("deliver", "delivered"),
    ] {
        let res = app
            .api(Method::POST, &path, &token, Some(json!({"action": action})))
            .await;
        assert_eq!(res.status(), 200, "{action}");
        assert_eq!(res.json::<Value>().await.unwrap()["status"], status);
    }
    let res = app
        .api(
            Method::POST,
            &path,
            &token,
            Some(json!({"action": "cancel"})),
        )
        .await;
    assert_eq!(res.status(), 409);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["message"]
            .as_str()
            .unwrap(),
        format!(
            "{}：訂單目前為「已送達」，不能取消",
            o["order_number"].as_str().unwrap()
        )
    );
    // The timeline has every step with who did it.
    let full: Value = app
        .api(
            Method::GET,
            &format!("/api/v1/orders/{}", o["id"]),
            &token,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let events = full["events"].as_array().unwrap();
    assert_eq!(events.len(), 12);
    assert!(events[0]["from"].is_null() && events[0]["to"] == "pending");
    assert!(events.iter().all(|e| e["actor_id"].is_number()));
}

#[tokio::test]
async fn concurrent_orders_get_distinct_numbers() {
    let (app, token, id) = setup().await;
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let client = reqwest::Client::new();
        let url = app.url("/api/v1/orders");
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"customer_id": id, "lines": [{"size": "20", "quantity": 1}]}))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(
            t.await.unwrap()["order_number"]
                .as_str()
                .expect("created")
                .to_owned(),
        );
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 12);
    assert_eq!(numbers.last().unwrap(), "O20261130-0012");
}

#[tokio::test]
async fn a_bulk_action_is_all_or_nothing() {
    let (app, token, id) = setup().await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let o: Value = order(
            &app,
            &token,
            json!({"customer_id": id, "lines": [{"size": "20", "quantity": 1}]}),
        )
        .await
        .json()
        .await
        .unwrap();
        ids.push(o["id"].as_i64().unwrap());
    }
    // Deliver one so that confirming it is illegal.
    let p = format!("/api/v1/orders/{}/transitions", ids[2]);
    for a in ["confirm", "plan", "depart", "deliver"] {
        app.api(Method::POST, &p, &token, Some(json!({"action": a})))
            .await;
    }
    let res = app
        .api(
            Method::POST,
            "/api/v1/orders/bulk",
            &token,
            Some(json!({"ids": ids, "op": "confirm"})),
        )
        .await;
    assert_eq!(res.status(), 409);
    let pending: Value = app
        .api(Method::GET, "/api/v1/orders?status=pending", &token, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        pending["total"], 2,
        "the first two were not confirmed either"
    );
    let res = app
        .api(
            Method::POST,
            "/api/v1/orders/bulk",
            &token,
            Some(json!({"ids": &ids[..2], "op": "change_date", "date": "2026-12-02"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let moved: Value = app
        .api(Method::GET, "/api/v1/orders?date=2026-12-02", &token, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moved["total"], 2);
    assert_eq!(moved["summary"]["cylinders"], json!([0, 2, 0, 0, 0]));
    assert_eq!(moved["summary"]["gross_kg"], 70);
    assert_eq!(moved["summary"]["lpg_kg"], 40);
}

#[tokio::test]
async fn the_order_pages_show_the_day_and_the_timeline() {
    let (app, token, id) = setup().await;
    let o: Value = order(
        &app,
        &token,
        json!({"customer_id": id, "lines": [{"size": "50", "quantity": 1}]}),
    )
    .await
    .json()
    .await
    .unwrap();
    app.login("olive").await;
    let list = app.get("/orders").await.text().await.unwrap();
    assert!(list.contains(o["order_number"].as_str().unwrap()) && list.contains("王記麵店"));
    let csrf = crate::test_app::csrf_in(&list);
    let res = app
        .client
        .post(app.url(&format!("/orders/{}/transition", o["id"])))
        .form(&[("csrf_token", csrf.as_str()), ("action", "confirm")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = app
        .get(&format!("/orders/{}", o["id"]))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("待確認 → 已確認"),
        "timeline shows the change"
    );
    assert!(page.contains("olive 測試"), "and who made it");
}

#[tokio::test]
async fn recurring_templates_make_each_days_order_once() {
    let (app, token, id) = setup().await;
    let res = app
        .api(Method::POST, "/api/v1/templates", &token, Some(json!({"customer_id": id, "rule": "every_n_days", "every_n_days": "7", "qty_50": "2"})))
        .await;
    assert_eq!(res.status(), 201);
    let weekly = json!({"customer_id": id, "rule": "weekdays", "weekdays": "2,5", "qty_20": "1"});
    assert_eq!(
        app.api(Method::POST, "/api/v1/templates", &token, Some(weekly))
            .await
            .status(),
        201
    );
    let bad = json!({"customer_id": id, "rule": "weekdays", "weekdays": "", "qty_20": "0"});
    assert_eq!(
        app.api(Method::POST, "/api/v1/templates", &token, Some(bad))
            .await
            .status(),
        422
    );

    // 2026-11-30 is a Monday: only the every-7-days template (starting today) is due.
    let run: Value = app
        .api(
            Method::POST,
            "/api/v1/templates/run?date=2026-11-30",
            &token,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(run["created"], 1);
    let again: Value = app
        .api(
            Method::POST,
            "/api/v1/templates/run?date=2026-11-30",
            &token,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["created"], 0);
    assert_eq!(again["already_there"], 1);
    // Tuesday: the weekly one.
    let tue: Value = app
        .api(
            Method::POST,
            "/api/v1/templates/run?date=2026-12-01",
            &token,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tue["created"], 1);
    let list: Value = app
        .api(Method::GET, "/api/v1/orders?date=2026-11-30", &token, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["source"], "template");
    assert_eq!(list["items"][0]["status"], "confirmed");
    assert_eq!(list["items"][0]["total_amount"], 5300);
    let next_week: Value = app
        .api(
            Method::POST,
            "/api/v1/templates/run?date=2026-12-07",
            &token,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next_week["created"], 1);
}

#[tokio::test]
async fn a_new_list_price_applies_from_its_date_and_only_managers_set_it() {
    let (app, token, id) = setup().await;
    app.create_user("mona", Role::Manager).await;
    let manager = app.token("mona").await;
    let new_price = json!({"size": "20", "price": "1,100", "valid_from": "2026-12-01"});
    assert_eq!(
        app.api(
            Method::POST,
            "/api/v1/prices",
            &token,
            Some(new_price.clone())
        )
        .await
        .status(),
        403,
        "office staff only read prices"
    );
    assert_eq!(
        app.api(Method::POST, "/api/v1/prices", &manager, Some(new_price))
            .await
            .status(),
        201
    );
    let bad = app
        .api(
            Method::POST,
            "/api/v1/prices",
            &manager,
            Some(json!({"size": "30", "price": "-5"})),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let text = bad.text().await.unwrap();
    assert!(
        text.contains("\"field\":\"size\"") && text.contains("\"field\":\"price\""),
        "{text}"
    );

    let line = json!([{"size": "20", "quantity": 1}]);
    let today: Value = order(&app, &token, json!({"customer_id": id, "lines": line}))
        .await
        .json()
        .await
        .unwrap();
    let tomorrow: Value = order(
        &app,
        &token,
        json!({"customer_id": id, "requested_date": "2026-12-01", "lines": line}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(today["total_amount"], 1050);
    assert_eq!(tomorrow["total_amount"], 1100);
    app.login("olive").await;
    let page = app.get("/prices").await.text().await.unwrap();
    assert!(page.contains("NT$1,050") && page.contains("NT$1,100") && page.contains("尚未生效"));
    assert!(
        !page.contains("id=\"price-form\""),
        "no form for office staff"
    );
}

#[tokio::test]
async fn a_customers_own_price_is_used_from_its_date() {
    let (app, office, id) = setup().await;
    app.create_user("mia", Role::Manager).await;
    let manager = app.token("mia").await;
    let path = format!("/api/v1/customers/{id}/prices");
    // The office may look but not set.
    let res = app
        .api(
            Method::POST,
            &path,
            &office,
            Some(json!({"size": "20", "price": 980})),
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .api(
            Method::POST,
            &path,
            &manager,
            Some(json!({"size": "20", "price": 0})),
        )
        .await;
    assert_eq!(res.status(), 422);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"]["fields"][0]["field"], "price");
    // From tomorrow, this customer pays NT$980 for a 20 kg cylinder.
    let res = app
        .api(
            Method::POST,
            &path,
            &manager,
            Some(json!({"size": "20", "price": 980, "valid_from": "2026-12-01"})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["overrides"][0]["price"], 980);
    let twenty = p["today"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["size"] == "20")
        .unwrap();
    assert_eq!(twenty["price"], 1050, "today still the list price");
    assert_eq!(twenty["own"], false);
    for (date, price) in [("2026-11-30", 1050), ("2026-12-01", 980)] {
        let o: Value = order(
            &app,
            &office,
            json!({"customer_id": id, "requested_date": date, "lines": [{"size": "20", "quantity": 2}]}),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(o["lines"][0]["unit_price"], price, "{date}");
        assert_eq!(o["total_amount"], 2 * price);
    }
    // The customer page's card shows it.
    let html = app
        .client
        .get(app.url(&format!("/customers/{id}/prices")))
        .bearer_auth(&office)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("NT$980") && html.contains("2026-12-01"),
        "{html}"
    );
}

#[tokio::test]
async fn orders_announce_themselves_to_the_office_after_commit_and_say_who_acted() {
    let (app, token, id) = setup().await;
    app.create_user("dan", Role::Driver).await;
    let mut office = app.socket(&token).await;
    let mut driver = app.socket(&app.token("dan").await).await;

    // A refused order (rolled back) announces nothing.
    let bad = order(&app, &token, json!({"customer_id": id, "lines": []})).await;
    assert_eq!(bad.status(), 422);
    let o: Value = order(
        &app,
        &token,
        json!({"customer_id": id, "lines": [{"size": "20", "quantity": 1}]}),
    )
    .await
    .json()
    .await
    .unwrap();
    let created = office
        .next_event(std::time::Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        created["type"], "order.created",
        "the first event is the good order's"
    );
    assert_eq!(created["room"], "orders");
    assert_eq!(created["data"]["id"], o["id"]);
    assert_eq!(created["data"]["order_number"], o["order_number"]);
    assert_eq!(created["data"]["actor"]["name"], "olive 測試");

    let path = format!("/api/v1/orders/{}/transitions", o["id"]);
    let res = app
        .api(
            Method::POST,
            &path,
            &token,
            Some(json!({"action": "confirm"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let updated = office.expect("order.updated").await;
    assert_eq!(updated["data"]["status"], "confirmed");
    // The timeline says the same person confirmed it.
    let (_, shown) = app
        .call(
            Method::GET,
            &format!("/api/v1/orders/{}", o["id"]),
            &token,
            None,
        )
        .await;
    let last = shown["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["to"].as_str(), last["actor_id"].clone()),
        (Some("confirmed"), updated["data"]["actor"]["id"].clone())
    );

    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/orders/bulk",
            &token,
            Some(json!({"ids": [o["id"]], "op": "cancel"})),
        )
        .await;
    assert_eq!(status, 200);
    let many = office.expect("orders.changed").await;
    assert_eq!(many["data"]["ids"], json!([o["id"]]));
    assert_eq!(many["data"]["why"], "bulk");

    // Drivers do not hear the office's orders.
    assert_eq!(
        driver
            .next_event(std::time::Duration::from_millis(300))
            .await,
        None
    );
}

#[tokio::test]
async fn the_order_list_pages_past_a_hundred_and_bulk_actions_say_what_they_did() {
    let (app, token, id) = setup().await;
    let mut ids = Vec::new();
    for _ in 0..130 {
        let o: Value = order(
            &app,
            &token,
            json!({"customer_id": id, "lines": [{"size": "20", "quantity": 1}]}),
        )
        .await
        .json()
        .await
        .unwrap();
        ids.push(o["id"].as_i64().unwrap());
    }
    app.login("olive").await;
    let first = app
        .get("/orders?date=2026-11-30")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        first.matches("name=\"ids\"").count(),
        100,
        "a hundred a page"
    );
    assert!(
        first.contains("id=\"orders-pager\"") && first.contains("第 1 / 2"),
        "a pager"
    );
    // The day summary counts every order, on every page.
    let summary = |html: &str| {
        let i = html.find("id=\"day-summary\"").unwrap();
        html[i..i + 200].to_owned()
    };
    assert!(
        summary(&first).contains("<strong>130</strong>"),
        "{}",
        summary(&first)
    );
    let second = app
        .get("/orders?date=2026-11-30&page=2")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(second.matches("name=\"ids\"").count(), 30);
    assert!(summary(&second).contains("<strong>130</strong>"));
    assert!(second.contains("id=\"page-prev\""));
    // Cancelling asks first, and then says how many changed.
    assert!(first.contains("id=\"bulk-cancel\" data-confirm="));
    let csrf = crate::test_app::csrf_in(&first);
    let back = "date=2026-11-30&status=pending";
    let res = app
        .client
        .post(app.url("/orders/bulk"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("back", back),
            ("op", "cancel"),
            ("ids", &ids[0].to_string()),
            ("ids", &ids[1].to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to.starts_with("/orders?date=2026-11-30&status=pending"),
        "back to the same filters: {to}"
    );
    let page = app.get(&to).await.text().await.unwrap();
    assert!(page.contains("已處理 2 張訂單"), "says how many");
    // Change date without a date: the reason on the same list, nothing changed.
    let res = app
        .client
        .post(app.url("/orders/bulk"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("back", back),
            ("op", "change_date"),
            ("new_date", ""),
            ("ids", &ids[2].to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"bulk-error\"") && html.contains("請先選擇「新日期」"),
        "on the list page"
    );
    assert!(
        html.contains("id=\"orders-table\""),
        "the list is still there"
    );
    let (_, o) = app
        .call(
            Method::GET,
            &format!("/api/v1/orders/{}", ids[2]),
            &token,
            None,
        )
        .await;
    assert_eq!(o["requested_date"], "2026-11-30");
    // A filter with no hits says so.
    let none = app
        .get("/orders?date=2026-11-30&status=delivered")
        .await
        .text()
        .await
        .unwrap();
    assert!(none.contains("id=\"orders-empty\"") && none.contains("沒有符合篩選條件的訂單"));
}

/// The customer page's recurring-order form: a weekly template on two
/// weekdays is listed and can be paused; a bad one answers with the field.
#[tokio::test]
async fn recurring_orders_are_set_up_and_paused_on_the_customer_page() {
    let (app, _token, id) = setup().await;
    app.login("olive").await;
    let csrf = app.page_csrf(&app.client).await;
    let post = |path: String, form: Vec<(&'static str, &'static str)>| {
        let app = &app;
        let csrf = csrf.clone();
        async move {
            let mut form: Vec<(&str, String)> =
                form.into_iter().map(|(k, v)| (k, v.to_owned())).collect();
            form.push(("csrf_token", csrf));
            app.client
                .post(app.url(&path))
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };
    let res = post(
        format!("/customers/{id}/templates"),
        vec![
            ("rule", "weekdays"),
            ("weekday", "1"),
            ("weekday", "4"),
            ("qty_20", "2"),
            ("notes", "後門"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("/customers/{id}?msg=saved#templates").as_str()
    );
    let page = app
        .get(&format!("/customers/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let table = &page[page
        .find("id=\"templates-table\"")
        .expect("the template is listed")..];
    let table = &table[..table.find("</table>").unwrap()];
    assert!(table.contains("20kg×2"), "{table}");
    assert!(
        table.contains("一") && table.contains("四"),
        "Monday and Thursday: {table}"
    );
    // Weekly without a weekday: refused, nothing added.
    let res = post(
        format!("/customers/{id}/templates"),
        vec![("rule", "weekdays"), ("qty_20", "1")],
    )
    .await;
    assert_eq!(res.status(), 422);
    let page = app
        .get(&format!("/customers/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        page.matches(&format!("/customers/{id}/templates/")).count(),
        1,
        "still one template"
    );
    // Pause it.
    let template_id = {
        let i = page.find("/templates/").unwrap() + "/templates/".len();
        page[i..].split('/').next().unwrap().to_owned()
    };
    let res = post(
        format!("/customers/{id}/templates/{template_id}/active"),
        vec![("active", "false")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let page = app
        .get(&format!("/customers/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("class=\"row-muted\""),
        "paused rows are muted"
    );
    let res = post(
        format!("/customers/{id}/templates/99999/active"),
        vec![("active", "true")],
    )
    .await;
    assert_eq!(res.status(), 404);
}
