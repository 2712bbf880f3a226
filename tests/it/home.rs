//! The home page: the office's work for today and tomorrow.

use luckygas::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::test_app::{customer_json, spawn_app};

/// The part of the page inside the element with `id`, up to its `</section>`.
fn card<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").expect("card end")]
}

#[tokio::test]
async fn the_office_sees_what_waits_for_it_and_where_to_deal_with_it() {
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
    let new_order = |date: &str| {
        json!({"customer_id": c["id"], "requested_date": date,
               "lines": [{"size": "20", "quantity": 1}]})
    };
    let mut ids = Vec::new();
    for date in ["2026-11-30", "2026-12-01", "2026-11-30"] {
        let o: Value = app
            .api(
                Method::POST,
                "/api/v1/orders",
                &token,
                Some(new_order(date)),
            )
            .await
            .json()
            .await
            .unwrap();
        ids.push((
            o["id"].as_i64().unwrap(),
            o["order_number"].as_str().unwrap().to_owned(),
        ));
    }
    // Today's last order goes out and fails.
    let failed = &ids[2];
    for action in ["confirm", "plan", "depart", "fail"] {
        let res = app
            .api(
                Method::POST,
                &format!("/api/v1/orders/{}/transitions", failed.0),
                &token,
                Some(json!({"action": action})),
            )
            .await;
        assert_eq!(res.status(), 200, "{action}");
    }

    app.login("olive").await;
    let html = app.get("/").await.text().await.unwrap();
    let confirm = card(&html, "work-confirm");
    assert!(confirm.contains("work-count\">2<"), "{confirm}");
    for (id, number) in &ids[..2] {
        assert!(
            confirm.contains(&format!("href=\"/orders/{id}\"")),
            "{confirm}"
        );
        assert!(confirm.contains(number.as_str()));
    }
    assert!(
        !confirm.contains(&failed.1),
        "a failed order is not waiting to be confirmed"
    );

    let failed_card = card(&html, "work-failed");
    assert!(failed_card.contains("work-count\">1<"), "{failed_card}");
    assert!(failed_card.contains(&format!("href=\"/orders/{}\"", failed.0)));

    // Both days have open orders and no published plan: two to publish.
    let routes = card(&html, "work-routes");
    assert!(routes.contains("work-count\">2<"), "{routes}");
    assert!(routes.contains("href=\"/planning?date=2026-11-30\""));
    assert!(routes.contains("href=\"/planning?date=2026-12-01\""));
    assert_eq!(routes.matches("pill-new\">尚未發布").count(), 2, "{routes}");
    // Office staff do not see the system figures.
    assert!(!html.contains("id=\"system\""));
}
