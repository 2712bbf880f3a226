//! The customer book through the API and the pages.

use luckygas::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::test_app::{customer_json, spawn_app};

async fn office() -> (crate::test_app::TestApp, String) {
    let app = spawn_app().await;
    app.create_user("olive", Role::OfficeStaff).await;
    let token = app.token("olive").await;
    (app, token)
}

#[tokio::test]
async fn a_customer_is_created_found_by_any_phone_digits_and_edited() {
    let (app, token) = office().await;
    let res = app
        .api_customer(&token, customer_json("王記麵店", "0912-345-678"))
        .await;
    assert_eq!(res.status(), 201);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["code"], "C00001", "automatic code");
    assert_eq!(c["phones"][0], "0912345678", "normalised");
    assert_eq!(c["district"], "中壢區", "district from the address");
    assert_eq!(c["total_cylinders"], 3);
    assert_eq!(c["total_capacity_kg"], 120);

    for q in ["345678", "0912-345", "C00001", "王記", "中正路100"] {
        let found: Value = app
            .api(
                Method::GET,
                &format!("/api/v1/customers?q={}", crate::test_app::enc(q)),
                &token,
                None,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(found["total"], 1, "search {q}");
    }
    let none: Value = app
        .api(Method::GET, "/api/v1/customers?q=0999", &token, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["total"], 0);

    let id = c["id"].as_i64().unwrap();
    let mut edit = customer_json("王記麵店（中正店）", "03-456-7890");
    edit["version"] = json!(1);
    edit["phones"] = json!(["0912345678", "03-456-7890"]);
    let res = app
        .api(
            Method::PUT,
            &format!("/api/v1/customers/{id}"),
            &token,
            Some(edit),
        )
        .await;
    assert_eq!(res.status(), 200);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["name"], "王記麵店（中正店）");
    assert_eq!(c["phones"], json!(["0912345678", "034567890"]));
    assert_eq!(c["version"], 2);
}

#[tokio::test]
async fn bad_customer_input_names_each_field_and_writes_nothing() {
    let (app, token) = office().await;
    let res = app
        .api_customer(
            &token,
            json!({
                "name": "測試", "phones": ["12345"], "address": "桃園市中壢區中正路1號",
                "tax_id": "12345678", "delivery_windows": "12:00-08:00",
                "lat": 31.2, "lon": 121.5, "cylinders_50": -1, "kind": "hotel"
            }),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for f in [
        "phones",
        "tax_id",
        "delivery_windows",
        "lat",
        "cylinders_50",
        "kind",
    ] {
        assert!(fields.contains(&f), "{f} reported in {fields:?}");
    }
    let msg = body.to_string();
    assert!(msg.contains("「統一編號」"), "{msg}");
    let list: Value = app
        .api(Method::GET, "/api/v1/customers?status=all", &token, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn duplicate_codes_and_phones_are_refused_on_their_fields() {
    let (app, token) = office().await;
    let mut first = customer_json("甲", "0912-000-111");
    first["code"] = json!("A100");
    assert_eq!(app.api_customer(&token, first).await.status(), 201);
    let mut dup = customer_json("乙", "0912000111");
    dup["code"] = json!("a100");
    let res = app.api_customer(&token, dup).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let text = body.to_string();
    assert!(
        text.contains("\"field\":\"code\"") && text.contains("\"field\":\"phones\""),
        "{text}"
    );
    assert!(text.contains("已登記給另一位客戶"));
}

#[tokio::test]
async fn a_stale_edit_in_the_page_keeps_what_was_typed() {
    let (app, token) = office().await;
    let c: Value = app
        .api_customer(&token, customer_json("林家小吃", "0933-111-222"))
        .await
        .json()
        .await
        .unwrap();
    let id = c["id"].as_i64().unwrap();
    app.login("olive").await;
    let form = app
        .get(&format!("/customers/{id}/edit"))
        .await
        .text()
        .await
        .unwrap();
    let csrf = crate::test_app::csrf_in(&form);
    // Someone else saves first.
    let mut other = customer_json("林家小吃", "0933-111-222");
    other["version"] = json!(1);
    other["notes"] = json!("改為下午送");
    assert_eq!(
        app.api(
            Method::PUT,
            &format!("/api/v1/customers/{id}"),
            &token,
            Some(other)
        )
        .await
        .status(),
        200
    );

    let res = app
        .client
        .post(app.url(&format!("/customers/{id}")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("version", "1"),
            ("name", "林家小吃（新）"),
            ("kind", "restaurant"),
            ("phones", "0933-111-222"),
            ("address", "桃園市中壢區中正路100號"),
            ("payment_terms", "cash"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(html.contains("已被他人修改"));
    assert!(
        html.contains("林家小吃（新）"),
        "the typed name is still in the form"
    );
    let now: Value = app
        .api(
            Method::GET,
            &format!("/api/v1/customers/{id}"),
            &token,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        now["notes"], "改為下午送",
        "the other change is not overwritten"
    );
}

#[tokio::test]
async fn the_customer_pages_search_as_you_type_and_show_details() {
    let (app, token) = office().await;
    let c: Value = app
        .api_customer(&token, customer_json("陳家火鍋", "0955-123-456"))
        .await
        .json()
        .await
        .unwrap();
    app.api_customer(&token, customer_json("黃家早餐", "0955-999-888"))
        .await;
    app.login("olive").await;
    let part = app
        .client
        .get(app.url("/customers?q=123456"))
        .header("hx-request", "true")
        .header("hx-target", "customer-results")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(part.contains("陳家火鍋") && !part.contains("黃家早餐"));
    assert!(!part.contains("<html"), "htmx gets the results only");
    let page = app
        .get(&format!("/customers/{}", c["id"]))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("陳家火鍋")
            && page.contains("0955-123-456")
            && page.contains("data-lat=\"24.9536\"")
    );
}

#[tokio::test]
async fn a_customer_with_open_orders_cannot_be_deactivated() {
    let (app, token) = office().await;
    app.seed_prices().await;
    let c: Value = app
        .api_customer(&token, customer_json("張家", "0966-555-444"))
        .await
        .json()
        .await
        .unwrap();
    let id = c["id"].as_i64().unwrap();
    let o: Value = app
        .api(
            Method::POST,
            "/api/v1/orders",
            &token,
            Some(json!({"customer_id": id, "lines": [{"size": "20", "quantity": 1}]})),
        )
        .await
        .json()
        .await
        .unwrap();
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/customers/{id}/active"),
            &token,
            Some(json!({"active": false, "version": 1})),
        )
        .await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("未完成的訂單"));
    app.api(
        Method::POST,
        &format!("/api/v1/orders/{}/transitions", o["id"]),
        &token,
        Some(json!({"action": "cancel"})),
    )
    .await;
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/customers/{id}/active"),
            &token,
            Some(json!({"active": false, "version": 1})),
        )
        .await;
    assert_eq!(res.status(), 200);
    // An inactive customer cannot order.
    let res = app
        .api(
            Method::POST,
            "/api/v1/orders",
            &token,
            Some(json!({"customer_id": id, "lines": [{"size": "20", "quantity": 1}]})),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("已停用"));
}

#[tokio::test]
async fn a_customer_account_sees_only_its_own_customer_and_drivers_see_no_book() {
    use luckygas::users::entity as users;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let (app, token) = office().await;
    let mine: Value = app
        .api_customer(&token, customer_json("我家", "0911-222-333"))
        .await
        .json()
        .await
        .unwrap();
    let other: Value = app
        .api_customer(&token, customer_json("別人家", "0911-444-555"))
        .await
        .json()
        .await
        .unwrap();
    app.create_user("cust", Role::Customer).await;
    app.create_user("dan", Role::Driver).await;
    users::Entity::update_many()
        .col_expr(
            users::Column::CustomerId,
            Expr::value(mine["id"].as_i64().unwrap() as i32),
        )
        .filter(users::Column::Username.eq("cust"))
        .exec(&app.state.db)
        .await
        .unwrap();
    let cust = app.token("cust").await;
    let own: Value = app
        .api(Method::GET, "/api/v1/my/customer", &cust, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["name"], "我家");
    assert_eq!(
        app.api(Method::GET, "/api/v1/customers", &cust, None)
            .await
            .status(),
        403
    );
    assert_eq!(
        app.api(
            Method::GET,
            &format!("/api/v1/customers/{}", other["id"]),
            &cust,
            None
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        app.api(Method::GET, "/api/v1/orders", &cust, None)
            .await
            .status(),
        403
    );
    let dan = app.token("dan").await;
    assert_eq!(
        app.api(Method::GET, "/api/v1/customers", &dan, None)
            .await
            .status(),
        403
    );
    assert_eq!(
        app.api(Method::GET, "/api/v1/my/customer", &dan, None)
            .await
            .status(),
        403
    );
    // An account not linked to any customer gets nothing.
    app.create_user("lonely", Role::Customer).await;
    let lonely = app.token("lonely").await;
    assert_eq!(
        app.api(Method::GET, "/api/v1/my/customer", &lonely, None)
            .await
            .status(),
        404
    );
}

/// The prices card says which of today's prices are list prices and which
/// are the customer's own, and "no own prices" only when there are none;
/// the address shows its district once.
#[tokio::test]
async fn the_customer_page_marks_list_and_own_prices_and_prints_the_district_once() {
    let (app, token) = office().await;
    app.seed_prices().await;
    app.create_user("mona", Role::Manager).await;
    let c: Value = app
        .api_customer(&token, customer_json("林家小館", "0922-111-222"))
        .await
        .json()
        .await
        .unwrap();
    let id = c["id"].as_i64().unwrap();
    app.login("mona").await;
    let card = app
        .get(&format!("/customers/{id}/prices"))
        .await
        .text()
        .await
        .unwrap();
    let today = &card[card.find(r#"id="prices-today""#).unwrap()..];
    let today = &today[..today.find("</div>\n").unwrap()];
    assert_eq!(today.matches("牌價").count(), 5, "{today}");
    assert!(!today.contains("專屬"), "{today}");
    assert!(card.contains(r#"id="no-own-prices""#), "{card}");

    let csrf = app.page_csrf(&app.client).await;
    let res = app
        .client
        .post(app.url(&format!("/customers/{id}/prices")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("size", "20"),
            ("price", "900"),
            ("valid_from", "2020-01-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let card = res.text().await.unwrap();
    let today = &card[card.find(r#"id="prices-today""#).unwrap()..];
    let today = &today[..today.find("</div>\n").unwrap()];
    assert_eq!(today.matches("牌價").count(), 4, "{today}");
    assert!(
        today.contains("NT$900") && today.contains("專屬"),
        "{today}"
    );
    assert!(!card.contains(r#"id="no-own-prices""#), "{card}");
    assert!(card.contains(r#"id="own-prices""#), "{card}");

    let page = app
        .get(&format!("/customers/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let dd = &page[page.find("桃園市中壢區中正路100號").unwrap()..];
    let dd = &dd[..dd.find("</dd>").unwrap()];
    assert!(!dd["桃園市中壢區".len()..].contains("中壢區"), "{dd}");
    let list = app.get("/customers?q=林家").await.text().await.unwrap();
    assert!(
        list.contains(r#"<td class="hide-sm">桃園市中壢區中正路100號</td>"#),
        "{list}"
    );
}

/// `c29` is how people type `C00029`: the book, the API and the desk find
/// it, and a longer number does not match a shorter code.
#[tokio::test]
async fn a_short_code_finds_the_padded_code() {
    let (app, token) = office().await;
    for (code, name, phone) in [
        ("C00029", "二十九號店", "0933-000-029"),
        ("C00290", "二九零號店", "0933-000-290"),
        ("R029", "零售二九", "0933-000-292"),
    ] {
        let mut v = customer_json(name, phone);
        v["code"] = json!(code);
        assert_eq!(app.api_customer(&token, v).await.status(), 201);
    }
    let find = |q: &'static str| {
        let app = &app;
        let token = &token;
        async move {
            let found: Value = app
                .api(
                    Method::GET,
                    &format!("/api/v1/customers?q={}", crate::test_app::enc(q)),
                    token,
                    None,
                )
                .await
                .json()
                .await
                .unwrap();
            found["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["code"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(find("c29").await, ["C00029"]);
    assert_eq!(find("C029").await, ["C00029"]);
    assert_eq!(find("ｃ２９").await, ["C00029"]);
    assert_eq!(find("c290").await, ["C00290"]);
    assert_eq!(find("r29").await, ["R029"]);
    assert_eq!(find("C00029").await, ["C00029"]);
    assert!(find("c30").await.is_empty());
    app.login("olive").await;
    let book = app
        .client
        .get(app.url("/customers?q=c29"))
        .header("hx-request", "true")
        .header("hx-target", "customer-results")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        book.contains("二十九號店") && !book.contains("二九零號店"),
        "{book}"
    );
    let desk = app.get("/desk/lookup?q=c29").await.text().await.unwrap();
    assert!(
        desk.contains("二十九號店") && !desk.contains("二九零號店"),
        "{desk}"
    );
}

/// The office links a customer's sign-in account to its record on the
/// customer page or through the API; the account then sees that customer
/// at `/my`. Staff accounts and accounts linked elsewhere are refused by
/// field, and unlinking takes the access away.
#[tokio::test]
async fn the_office_links_and_unlinks_a_customer_sign_in_account() {
    let (app, token) = office().await;
    let mine: Value = app
        .api_customer(&token, customer_json("自家瓦斯行", "0944-111-222"))
        .await
        .json()
        .await
        .unwrap();
    let other: Value = app
        .api_customer(&token, customer_json("隔壁麵店", "0944-333-444"))
        .await
        .json()
        .await
        .unwrap();
    let (id, other_id) = (mine["id"].as_i64().unwrap(), other["id"].as_i64().unwrap());
    let cust_id = app.create_user("cust", Role::Customer).await;
    app.create_user("dan", Role::Driver).await;
    let cust = app.token("cust").await;
    assert_eq!(
        app.api(Method::GET, "/api/v1/my/customer", &cust, None)
            .await
            .status(),
        404
    );

    // The page: the card offers the free account and links it.
    app.login("olive").await;
    let card = app
        .get(&format!("/customers/{id}/accounts"))
        .await
        .text()
        .await
        .unwrap();
    assert!(card.contains(r#"id="no-accounts""#) && card.contains(r#"<option value="cust">"#));
    let csrf = app.page_csrf(&app.client).await;
    let post = |path: String, username: &'static str| {
        let app = &app;
        let csrf = csrf.clone();
        async move {
            app.client
                .post(app.url(&path))
                .header("hx-request", "true")
                .form(&[("csrf_token", csrf.as_str()), ("username", username)])
                .send()
                .await
                .unwrap()
        }
    };
    let res = post(format!("/customers/{id}/accounts"), "dan").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("只有「客戶」角色"), "{html}");
    let res = post(format!("/customers/{id}/accounts"), "nobody").await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("找不到帳號「nobody」"));
    let res = post(format!("/customers/{id}/accounts"), " CUST ").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"id="linked-accounts""#) && html.contains("<code>cust</code>"),
        "{html}"
    );
    let own: Value = app
        .api(Method::GET, "/api/v1/my/customer", &cust, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["name"], "自家瓦斯行");
    // Linked here, so the other customer cannot take it silently.
    let res = post(format!("/customers/{other_id}/accounts"), "cust").await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains(mine["code"].as_str().unwrap())
    );

    // The API: the list, an unlink, a link again.
    let listed: Value = app
        .api(
            Method::GET,
            &format!("/api/v1/customers/{id}/accounts"),
            &token,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["username"], "cust");
    let res = app
        .api(
            Method::DELETE,
            &format!("/api/v1/customers/{id}/accounts/{cust_id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), json!([]));
    assert_eq!(
        app.api(Method::GET, "/api/v1/my/customer", &cust, None)
            .await
            .status(),
        404
    );
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/customers/{other_id}/accounts"),
            &token,
            Some(json!({"username": "cust"})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let own: Value = app
        .api(Method::GET, "/api/v1/my/customer", &cust, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["name"], "隔壁麵店");
    app.create_user("ada", Role::SuperAdmin).await;
    let admin = app.token("ada").await;
    let user: Value = app
        .api(
            Method::GET,
            &format!("/api/v1/users/{cust_id}"),
            &admin,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["customer_id"], other_id);
    // Each link and unlink is in the account's history.
    let actions: Vec<String> =
        luckygas::audit::for_entity(&app.state.db, "user", &cust_id.to_string(), 20)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.action)
            .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| a.ends_with("link_customer"))
            .count(),
        3,
        "{actions:?}"
    );
}
