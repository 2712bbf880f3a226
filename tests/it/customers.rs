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
