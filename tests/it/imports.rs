//! Spreadsheet import and export of customers and orders, through the
//! real pages and API.

use std::{fmt::Write, time::Instant};

use luckygas::{
    auth::Role, customers::entity::customer, domain::CylinderSize, orders::entity::order,
};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use serde_json::Value;

use crate::test_app::{TestApp, csrf_in, spawn_app};

const BOUNDARY: &str = "----luckygasImportBoundary7MA4YWxk";

/// A multipart body with one `file` field.
fn multipart(file_name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn content_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

/// An office user signed in on `app.client`; returns an API token.
async fn office(app: &TestApp) -> String {
    app.create_user("office", Role::OfficeStaff).await;
    app.login("office").await;
    app.token("office").await
}

async fn api_import(
    app: &TestApp,
    token: &str,
    what: &str,
    dry_run: bool,
    file_name: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/{what}/import?dry_run={dry_run}")))
        .bearer_auth(token)
        .header("content-type", content_type())
        .body(multipart(file_name, bytes))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    (status, body)
}

/// Uploads through the page's htmx form; returns the preview fragment.
async fn upload_page(
    app: &TestApp,
    what: &str,
    file_name: &str,
    bytes: &[u8],
) -> (StatusCode, String) {
    let csrf = app.page_csrf(&app.client).await;
    let res = app
        .client
        .post(app.url(&format!("/{what}/import")))
        .header("content-type", content_type())
        .header("x-csrf-token", csrf)
        .header("hx-request", "true")
        .body(multipart(file_name, bytes))
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn customer_count(app: &TestApp) -> u64 {
    customer::Entity::find().count(&app.state.db).await.unwrap()
}

async fn seed_prices(app: &TestApp) {
    let from = app.state.clock.today_taipei() - chrono::Duration::days(30);
    for (size, price) in CylinderSize::ALL
        .into_iter()
        .zip([2650, 1050, 850, 560, 260])
    {
        luckygas::prices::set_list_price(&app.state.db, size, price, from, app.state.clock.now())
            .await
            .unwrap();
    }
}

fn csv(lines: &[&str]) -> Vec<u8> {
    let mut s = lines.join("\r\n");
    s.push_str("\r\n");
    s.into_bytes()
}

const HEAD: &str = "客戶編號,客戶名稱,電話,地址,配送時段,統一編號,50公斤,20公斤";

fn good_customers() -> Vec<u8> {
    csv(&[
        HEAD,
        "A001,王小明,0912-345-678,台北市大安區和平東路二段100號,08:00-12:00,,0,2",
        "A002,好味道餐廳,\"02-2700-1234, 0922-333-444\",新北市板橋區文化路一段1號,09:00-11:00,04595257,2,0",
        ",陳大華,0933-111-222,桃園市中壢區中正路100號,,,,1",
    ])
}

fn messages(body: &Value) -> String {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_dry_run_lists_every_row_error_by_row_and_column_and_blocks_the_import() {
    let app = spawn_app().await;
    let token = office(&app).await;
    let file = csv(&[
        HEAD,
        "B001,壞電話,12345,台北市大安區和平東路1號,,,,",
        "B002,壞統編,0912-000-111,台北市大安區和平東路2號,,12345678,,",
        "B003,時段顛倒,0912-000-222,台北市大安區和平東路3號,12:00-08:00,,,",
        "B004,好客戶,0912-000-333,台北市大安區和平東路4號,,,1,",
        "B001,重複編號,0912-000-444,台北市大安區和平東路5號,,,,",
        "B006,重複電話,0912-000-333,台北市大安區和平東路6號,,,,",
    ]);
    let (status, body) = api_import(&app, &token, "customers", true, "bad.csv", &file).await;
    assert_eq!(status, 200, "{body}");
    let errors = body["errors"].as_array().unwrap();
    let at = |row: u64, field: &str| {
        errors
            .iter()
            .find(|e| e["row"] == row && e["field"] == field)
            .unwrap_or_else(|| panic!("no error at row {row} {field}: {body}"))
    };
    assert_eq!(at(2, "phones")["column"], "C");
    assert_eq!(at(3, "tax_id")["column"], "F");
    assert_eq!(at(4, "delivery_windows")["column"], "E");
    assert!(
        at(6, "code")["message"]
            .as_str()
            .unwrap()
            .contains("第 2 列")
    );
    assert!(
        at(7, "phones")["message"]
            .as_str()
            .unwrap()
            .contains("第 5 列")
    );
    assert_eq!(body["created"], 1);
    assert_eq!(customer_count(&app).await, 0);

    // The preview page shows the same, with the import button disabled.
    let (status, html) = upload_page(&app, "customers", "bad.csv", &file).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"id="import-errors""#), "{html}");
    assert!(html.contains("統一編號"), "{html}");
    assert!(html.contains(r#"id="import-commit" disabled"#), "{html}");
    assert!(
        html.contains(r#"<strong id="count-errors">5</strong>"#),
        "{html}"
    );
}

#[tokio::test]
async fn order_rows_with_an_unknown_size_or_zero_quantity_are_errors() {
    let app = spawn_app().await;
    let token = office(&app).await;
    seed_prices(&app).await;
    let (status, _) =
        api_import(&app, &token, "customers", false, "c.csv", &good_customers()).await;
    assert_eq!(status, 200);
    let file = csv(&[
        "客戶編號,配送日期,品項,50公斤",
        "A001,2026-12-01,60×1,",
        "A001,2026-12-01,50×0,",
        "A001,2026-12-01,,",
        "A002,2026-12-01,,abc",
        "A002,2026-12-01,20×2,1",
    ]);
    let (status, body) = api_import(&app, &token, "orders", true, "o.csv", &file).await;
    assert_eq!(status, 200, "{body}");
    let text = messages(&body);
    assert!(text.contains("「鋼瓶規格」不正確"), "{text}");
    assert!(text.contains("「數量」必須大於 0"), "{text}");
    assert!(text.contains("請至少訂購一桶瓦斯"), "{text}");
    assert!(text.contains("50 公斤 數量"), "{text}");
    assert_eq!(body["created"], 1);
}

#[tokio::test]
async fn a_failing_import_leaves_the_database_unchanged() {
    let app = spawn_app().await;
    let token = office(&app).await;
    let file = csv(&[
        HEAD,
        "C001,好客戶,0912-345-678,台北市大安區和平東路1號,,,,",
        "C002,壞電話,0912,台北市大安區和平東路2號,,,,",
    ]);
    let (status, body) = api_import(&app, &token, "customers", false, "c.csv", &file).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "validation");
    assert_eq!(body["errors"][0]["row"], 3);
    assert_eq!(customer_count(&app).await, 0);
}

#[tokio::test]
async fn an_import_whose_write_fails_part_way_rolls_back_every_row_it_wrote() {
    let app = spawn_app().await;
    let token = office(&app).await;
    // Customers already in the book.
    let (status, body) =
        api_import(&app, &token, "customers", false, "c.csv", &good_customers()).await;
    assert_eq!(status, 200, "{body}");
    // A file that checks clean: it updates an existing customer, creates
    // two, and the database refuses the last row's write.
    crate::test_app::refuse_customer_named(&app, "拒絕戶").await;
    let file = csv(&[
        HEAD,
        "A001,王小明,0912-345-678,台北市大安區和平東路二段999號,08:00-12:00,,0,3",
        "E001,新客戶,0912-000-001,台北市大安區和平東路3號,,,,1",
        "E002,拒絕戶,0912-000-002,台北市大安區和平東路4號,,,,1",
    ]);
    let (status, dry) = api_import(&app, &token, "customers", true, "e.csv", &file).await;
    assert_eq!(status, 200, "the dry run finds nothing wrong: {dry}");
    assert_eq!(
        (&dry["updated"], &dry["created"]),
        (&1.into(), &2.into()),
        "{dry}"
    );
    let before = app.snapshot(crate::test_app::BOOK_TABLES).await;
    let (status, body) = api_import(&app, &token, "customers", false, "e.csv", &file).await;
    assert!(
        status.is_server_error() || status.is_client_error(),
        "{status} {body}"
    );
    assert_eq!(
        app.snapshot(crate::test_app::BOOK_TABLES).await,
        before,
        "rows, versions, audit rows and counters are as before"
    );
    // The customer book still answers from the same data.
    let (_, found) = app
        .call(
            reqwest::Method::GET,
            "/api/v1/customers?q=A001",
            &token,
            None,
        )
        .await;
    assert_eq!(
        found["items"][0]["address"], "台北市大安區和平東路二段100號",
        "{found}"
    );
}

#[tokio::test]
async fn reimporting_the_same_file_updates_by_code_instead_of_duplicating() {
    let app = spawn_app().await;
    let token = office(&app).await;
    let file = csv(&[HEAD, "D001,王小明,0912-345-678,台北市大安區和平東路1號,,,,"]);
    let (status, body) = api_import(&app, &token, "customers", false, "d.csv", &file).await;
    assert_eq!(
        (status, body["created"].clone()),
        (StatusCode::OK, 1.into()),
        "{body}"
    );
    let before = app.snapshot(crate::test_app::BOOK_TABLES).await;
    let (_, body) = api_import(&app, &token, "customers", false, "d.csv", &file).await;
    assert_eq!(body["created"], 0, "{body}");
    assert_eq!(body["unchanged"], 1, "{body}");
    assert_eq!(
        app.snapshot(crate::test_app::BOOK_TABLES).await,
        before,
        "an unchanged row writes nothing: no version, audit row or revision"
    );
    let changed = csv(&[
        HEAD,
        "d001,王小明,0912-345-678,台北市大安區和平東路9號,,,,3",
    ]);
    let (_, body) = api_import(&app, &token, "customers", false, "d.csv", &changed).await;
    assert_eq!(body["updated"], 1, "{body}");
    assert_eq!(customer_count(&app).await, 1);
    let c = customer::Entity::find()
        .filter(customer::Column::Code.eq("D001"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.address, "台北市大安區和平東路9號");
    assert_eq!(c.cylinders_20, 3);
}

#[tokio::test]
async fn an_export_reimports_without_changing_anything() {
    let app = spawn_app().await;
    let token = office(&app).await;
    let (status, body) =
        api_import(&app, &token, "customers", false, "c.csv", &good_customers()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["created"], 3);
    let before = app.snapshot(crate::test_app::BOOK_TABLES).await;
    for ext in ["csv", "xlsx"] {
        let res = app
            .get(&format!("/customers/export.{ext}?status=all"))
            .await;
        assert_eq!(res.status(), 200);
        assert!(
            res.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains(&format!(".{ext}"))
        );
        let bytes = res.bytes().await.unwrap();
        let (status, body) = api_import(
            &app,
            &token,
            "customers",
            false,
            &format!("export.{ext}"),
            &bytes,
        )
        .await;
        assert_eq!(status, 200, "{ext}: {body}");
        assert_eq!(
            (&body["created"], &body["updated"], &body["unchanged"]),
            (&0.into(), &0.into(), &3.into()),
            "{ext}: {body}"
        );
    }
    assert_eq!(
        app.snapshot(crate::test_app::BOOK_TABLES).await,
        before,
        "re-importing the exports changed nothing in the database"
    );
    // The export honours the list's filters.
    let one = app
        .get("/customers/export.csv?q=%E7%8E%8B%E5%B0%8F%E6%98%8E")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(one.lines().count(), 2, "{one}");
}

#[tokio::test]
async fn big5_and_utf8_bom_csv_files_both_import() {
    let app = spawn_app().await;
    let token = office(&app).await;
    let text =
        "客戶編號,客戶名稱,電話,地址\r\nE001,許功蓋,0912-345-001,台中市西屯區台灣大道三段99號\r\n";
    let (big5, _, bad) = encoding_rs::BIG5.encode(text);
    assert!(!bad);
    let (status, body) = api_import(&app, &token, "customers", false, "big5.csv", &big5).await;
    assert_eq!(
        (status, &body["created"]),
        (StatusCode::OK, &1.into()),
        "{body}"
    );
    let bom = format!(
        "\u{FEFF}{}",
        text.replace("E001", "E002").replace("001,", "002,")
    );
    let (status, body) =
        api_import(&app, &token, "customers", false, "bom.csv", bom.as_bytes()).await;
    assert_eq!(
        (status, &body["created"]),
        (StatusCode::OK, &1.into()),
        "{body}"
    );
    let names: Vec<String> = customer::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["許功蓋", "許功蓋"]);
}

#[tokio::test]
async fn an_xlsx_with_merged_cells_is_refused_with_the_range_named() {
    let app = spawn_app().await;
    let token = office(&app).await;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (i, h) in ["客戶編號", "客戶名稱", "電話", "地址"].iter().enumerate() {
        ws.write_string(0, i as u16, *h).unwrap();
    }
    for r in 1..4u32 {
        ws.write_string(r, 0, format!("F00{r}")).unwrap();
        ws.write_string(r, 2, format!("0912-345-00{r}")).unwrap();
        ws.write_string(r, 3, "台北市大安區和平東路1號").unwrap();
    }
    ws.merge_range(1, 1, 2, 1, "王小明", &rust_xlsxwriter::Format::new())
        .unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let (status, body) = api_import(&app, &token, "customers", true, "m.xlsx", &bytes).await;
    assert_eq!(status, 200);
    let text = messages(&body);
    assert!(
        text.contains("第 2–3 列 B 欄") && text.contains("合併儲存格"),
        "{text}"
    );
    assert_eq!(body["errors"][0]["row"], 0);
}

#[tokio::test]
async fn a_csv_missing_a_required_column_names_it() {
    let app = spawn_app().await;
    let token = office(&app).await;
    let file = csv(&["客戶名稱,電話", "王小明,0912-345-678"]);
    let (status, body) = api_import(&app, &token, "customers", true, "x.csv", &file).await;
    assert_eq!(status, 200);
    assert!(messages(&body).contains("缺少必要欄位「地址」"), "{body}");
    let (_, html) = upload_page(&app, "customers", "x.csv", &file).await;
    assert!(html.contains("缺少必要欄位「地址」"), "{html}");
}

#[tokio::test]
async fn a_file_over_the_row_limit_is_rejected_with_the_limit() {
    let app = spawn_app().await;
    let token = office(&app).await;
    let mut s = String::from("客戶名稱,電話,地址\n");
    for i in 0..50_000 {
        let _ = writeln!(s, "客{i},09{i:08},台北市");
    }
    let (status, body) =
        api_import(&app, &token, "customers", false, "big.csv", s.as_bytes()).await;
    assert_eq!(status, 422, "{body}");
    let text = messages(&body);
    assert!(text.contains("20,000") && text.contains("列上限"), "{text}");
    // (That reading stops at the first row over the limit is checked in
    // tabular::read's own tests.)
    // The upload page says so before anyone tries.
    let page = app.get("/customers/import").await.text().await.unwrap();
    assert!(page.contains("每個檔案最多 20,000 列資料"), "{page}");
}

#[tokio::test]
async fn orders_for_an_inactive_customer_or_a_past_date_are_row_errors() {
    let app = spawn_app().await;
    let token = office(&app).await;
    seed_prices(&app).await;
    api_import(&app, &token, "customers", false, "c.csv", &good_customers()).await;
    let a2 = customer::Entity::find()
        .filter(customer::Column::Code.eq("A002"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    customer::Entity::update_many()
        .col_expr(customer::Column::Active, Expr::value(false))
        .filter(customer::Column::Id.eq(a2.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    let file = csv(&[
        "客戶編號,配送日期,時段,50公斤,20公斤",
        "A001,2026-11-29,,,1",
        "A002,2026-12-01,,1,",
        "ZZZ9,2026-12-01,,1,",
        "A001,2026-12-01,10:00-09:00,,1",
    ]);
    let (status, body) = api_import(&app, &token, "orders", false, "o.csv", &file).await;
    assert_eq!(status, 422, "{body}");
    let errors = body["errors"].as_array().unwrap();
    let field_at = |row: u64| {
        errors
            .iter()
            .find(|e| e["row"] == row)
            .map(|e| e["field"].as_str().unwrap().to_owned())
    };
    assert_eq!(field_at(2).as_deref(), Some("requested_date"), "{body}");
    assert_eq!(field_at(3).as_deref(), Some("customer_code"), "{body}");
    assert!(messages(&body).contains("已停用"), "{body}");
    assert_eq!(field_at(4).as_deref(), Some("customer_code"), "{body}");
    assert_eq!(field_at(5).as_deref(), Some("window"), "{body}");
    assert_eq!(order::Entity::find().count(&app.state.db).await.unwrap(), 0);
}

#[tokio::test]
async fn orders_import_creates_orders_and_exports_them() {
    let app = spawn_app().await;
    let token = office(&app).await;
    seed_prices(&app).await;
    api_import(&app, &token, "customers", false, "c.csv", &good_customers()).await;
    let file = csv(&[
        "客戶編號,配送日期,時段,50公斤,20公斤,品項,付款方式,備註",
        "A001,2026/12/01,08:00-10:00,,2,,現金,",
        "a002,2026-12-01,,1,,4×2,月結,後門",
    ]);
    let (status, body) = api_import(&app, &token, "orders", false, "o.csv", &file).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["created"], 2);
    // Every field of both orders, read back through the API.
    let (_, list) = app
        .call(
            reqwest::Method::GET,
            "/api/v1/orders?date=2026-12-01",
            &token,
            None,
        )
        .await;
    let mut items = list["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2, "{list}");
    items.sort_by_key(|o| o["customer_code"].as_str().unwrap().to_owned());
    let (a, b) = (&items[0], &items[1]);
    assert_eq!(a["customer_code"], "A001");
    assert_eq!(
        (&a["requested_date"], &a["window_start"], &a["window_end"]),
        (&"2026-12-01".into(), &"08:00".into(), &"10:00".into())
    );
    assert_eq!(a["payment_method"], "cash");
    assert_eq!(
        a["source"], "import",
        "imported orders say where they came from"
    );
    assert_eq!(a["notes"], "");
    assert_eq!(
        a["lines"],
        serde_json::json!([{"size": "20", "quantity": 2, "unit_price": 1050, "amount": 2100}])
    );
    assert_eq!(a["total_amount"], 2100);
    assert_eq!(b["customer_code"], "A002");
    assert_eq!(b["requested_date"], "2026-12-01");
    assert_eq!(b["payment_method"], "monthly");
    assert_eq!(b["source"], "import");
    assert_eq!(b["notes"], "後門");
    assert_eq!(
        b["lines"],
        serde_json::json!([
            {"size": "50", "quantity": 1, "unit_price": 2650, "amount": 2650},
            {"size": "4", "quantity": 2, "unit_price": 260, "amount": 520}
        ])
    );
    assert_eq!(b["total_amount"], 3170);
    let out = app
        .get("/orders/export.csv?date=2026-12-01")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(out.contains("後門"), "{out}");
}

#[tokio::test]
async fn the_pages_preview_then_import_in_one_step_each() {
    let app = spawn_app().await;
    office(&app).await;
    let list = app.get("/customers").await.text().await.unwrap();
    assert!(list.contains(r#"href="/customers/import""#));
    assert!(list.contains("/customers/export.xlsx"));
    let orders = app.get("/orders").await.text().await.unwrap();
    assert!(orders.contains(r#"href="/orders/import""#));
    for path in [
        "/customers/import/template.csv",
        "/customers/import/template.xlsx",
        "/orders/import/template.csv",
        "/orders/import/template.xlsx",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
    }
    // The CSV template is itself a valid file.
    let template = app
        .get("/customers/import/template.csv")
        .await
        .bytes()
        .await
        .unwrap();
    let (status, html) = upload_page(&app, "customers", "template.csv", &template).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"<strong id="count-created">2</strong>"#),
        "{html}"
    );

    let (_, html) = upload_page(&app, "customers", "c.csv", &good_customers()).await;
    assert!(!html.contains(r#"id="import-commit" disabled"#), "{html}");
    let marker = r#"name="token" value=""#;
    let i = html.find(marker).unwrap() + marker.len();
    let file_token = html[i..i + html[i..].find('"').unwrap()].to_owned();
    let csrf = csrf_in(&html);
    assert_eq!(customer_count(&app).await, 0, "the preview writes nothing");
    let res = app
        .client
        .post(app.url("/customers/import/commit"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("token", file_token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let done = res.text().await.unwrap();
    assert!(done.contains(r#"id="import-done""#), "{done}");
    assert_eq!(customer_count(&app).await, 3);
    // The kept file is gone after the import.
    let again = app
        .client
        .post(app.url("/customers/import/commit"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("token", file_token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400);
    // With customers in the book (and a price list), the order template's
    // sample rows name them and import as they are.
    seed_prices(&app).await;
    for ext in ["csv", "xlsx"] {
        let template = app
            .get(&format!("/orders/import/template.{ext}"))
            .await
            .bytes()
            .await
            .unwrap();
        let (status, html) =
            upload_page(&app, "orders", &format!("template.{ext}"), &template).await;
        assert_eq!(status, 200);
        assert!(
            html.contains(r#"<strong id="count-created">2</strong>"#)
                && !html.contains(r#"id="import-commit" disabled"#),
            "{ext}: {html}"
        );
    }
}

#[tokio::test]
async fn a_previewed_file_is_kept_a_day_at_most() {
    // A session that outlives the file.
    let app = crate::test_app::spawn_with(|c| c.session_hours = 48).await;
    office(&app).await;
    let (_, html) = upload_page(&app, "customers", "c.csv", &good_customers()).await;
    let marker = r#"name="token" value=""#;
    let i = html.find(marker).unwrap() + marker.len();
    let file_token = html[i..i + html[i..].find('"').unwrap()].to_owned();
    let csrf = csrf_in(&html);
    let kept = || async {
        luckygas::imports::entity::import_file::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap()
    };
    assert_eq!(kept().await, 1);
    // A day and a minute later the preview can no longer be imported…
    app.clock
        .advance(chrono::Duration::hours(24) + chrono::Duration::minutes(1));
    let res = app
        .client
        .post(app.url("/customers/import/commit"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("token", file_token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("請重新上傳"));
    assert_eq!(customer_count(&app).await, 0);
    // …and the hourly cleanup job drops the file itself.
    assert_eq!(
        luckygas::imports::forget_expired(&app.state.db, app.state.clock.now())
            .await
            .unwrap(),
        1
    );
    assert_eq!(kept().await, 0);
}

/// `cargo test --release --test it imports::timing -- --ignored --nocapture`
#[tokio::test]
#[ignore = "a measurement, not a check: prints how long 5,000 customers take"]
async fn timing_of_a_five_thousand_row_customer_import() {
    let app = spawn_app().await;
    let token = office(&app).await;
    let mut s = String::from(HEAD);
    s.push_str("\r\n");
    for i in 0..5_000 {
        let _ = write!(
            s,
            "T{i:05},客戶{i},09{:08},台北市大安區和平東路{}號,08:00-12:00,,1,2\r\n",
            10_000_000 + i,
            i + 1
        );
    }
    let started = Instant::now();
    let (status, body) = api_import(&app, &token, "customers", true, "t.csv", s.as_bytes()).await;
    let dry = started.elapsed();
    assert_eq!(status, 200, "{}", messages(&body));
    let started = Instant::now();
    let (status, body) = api_import(&app, &token, "customers", false, "t.csv", s.as_bytes()).await;
    let real = started.elapsed();
    assert_eq!((status, &body["created"]), (StatusCode::OK, &5000.into()));
    let started = Instant::now();
    let (_, body) = api_import(&app, &token, "customers", false, "t.csv", s.as_bytes()).await;
    let again = started.elapsed();
    assert_eq!(body["unchanged"], 5000);
    println!(
        "5,000 customers on {}: dry run {dry:?}, import {real:?}, re-import (unchanged) {again:?}",
        crate::test_app::backend()
    );
}

/// In Chromium: pick a file with row errors, see them by row and column with
/// the import button disabled; pick a good file, import it, find it in the
/// customer book.
#[tokio::test]
async fn the_import_page_previews_row_errors_then_imports_in_the_browser() {
    use crate::browser;
    let app = spawn_app().await;
    office(&app).await;
    let Some(b) = browser::start(1280, "zh-TW").await else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("lg-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        csv(&[HEAD, "B001,壞電話,12345,台北市大安區和平東路1號,,,,"]),
    )
    .unwrap();
    let good = dir.join("good.csv");
    std::fs::write(&good, good_customers()).unwrap();

    b.goto(&app.url("/login")).await;
    b.fill("#username", "office").await;
    b.fill("#password", crate::test_app::PASSWORD).await;
    b.click("#login-submit").await;
    b.wait_for_text("您好").await;
    b.goto(&app.url("/customers/import")).await;
    // No progress bar before a file is chosen.
    let shown = "return getComputedStyle(document.getElementById('check-progress')).display";
    assert_eq!(b.js(shown).await, "none");
    b.find("#import-file")
        .await
        .send_keys(bad.to_str().unwrap())
        .await
        .unwrap();
    b.click("#import-check").await;
    b.find("#import-errors").await;
    let table = b.text("#import-errors").await;
    assert!(table.contains('C') && table.contains("電話"), "{table}");
    assert!(
        b.find("#import-commit")
            .await
            .attr("disabled")
            .await
            .unwrap()
            .is_some()
    );
    // The check has ended: its bar is gone, and the refused import button
    // looks unavailable.
    assert_eq!(b.js(shown).await, "none");
    let opacity = b
        .js("return Number(getComputedStyle(document.getElementById('import-commit')).opacity)")
        .await;
    assert!(opacity.as_f64().unwrap() < 0.6, "{opacity}");
    b.screenshot("import-errors").await;

    b.goto(&app.url("/customers/import")).await;
    b.find("#import-file")
        .await
        .send_keys(good.to_str().unwrap())
        .await
        .unwrap();
    b.click("#import-check").await;
    b.find("#import-commit:not([disabled])").await;
    assert_eq!(b.text("#count-created").await, "3");
    b.click("#import-commit").await;
    b.find("#import-done").await;
    assert_eq!(customer_count(&app).await, 3);
    b.goto(&app.url("/customers?q=好味道")).await;
    b.wait_for_text("A002").await;
    b.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
