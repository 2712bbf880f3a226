//! The role matrix: every registered route, asked by every role and by
//! nobody, answers as the policy table says.

use axum::http::Method;
use luckygas::{
    app::{registered_routes, route_table},
    auth::Role,
};

use crate::test_app::{csrf_in, new_client, spawn_app};

#[tokio::test]
async fn every_route_answers_every_role_as_the_policy_says() {
    let app = spawn_app().await;
    let mut tokens = Vec::new();
    let mut some_id = 0;
    for role in Role::ALL {
        let name = format!("u_{}", role.as_str());
        let id = app.create_user(&name, role).await;
        some_id = id;
        tokens.push((Some(role), Some(app.token(&name).await)));
    }
    tokens.push((None, None));
    // An anonymous visitor's CSRF token, so public forms get past CSRF.
    let anon = new_client();
    let anon_csrf = csrf_in(
        &anon
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );

    let mut checked = 0;
    for (method, route) in registered_routes() {
        let path = route
            .replace("{id}", &some_id.to_string())
            .replace("{*path}", "app.css");
        for (role, token) in &tokens {
            let client = if token.is_some() {
                reqwest::Client::new()
            } else {
                anon.clone()
            };
            let mut req = client.request(method.clone(), app.url(&path));
            match token {
                Some(t) => req = req.bearer_auth(t),
                None => req = req.header("x-csrf-token", &anon_csrf),
            }
            if method != Method::GET {
                req = req.header("content-type", "application/json").body("{}");
            }
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            // Pages send signed-out visitors to sign in, with a way back.
            let to_login = res
                .headers()
                .get("location")
                .is_some_and(|l| l.to_str().unwrap().starts_with("/login?next="));
            let refused = status == 401 || status == 403 || to_login;
            let allowed = route_table().access.allows(&method, &route, *role);
            assert_eq!(
                !refused, allowed,
                "{method} {route} as {role:?}: status {status}, policy says allowed={allowed}"
            );
            checked += 1;
        }
    }
    assert!(checked >= registered_routes().len() * 6);
}

#[tokio::test]
async fn every_api_route_is_described_in_the_openapi_document() {
    let app = spawn_app().await;
    let doc: serde_json::Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    for (method, route) in registered_routes() {
        if !route.starts_with("/api/v1/") || route == "/api/v1/openapi.json" {
            continue;
        }
        let op = &doc["paths"][&route][method.as_str().to_lowercase()];
        assert!(
            op.is_object(),
            "{method} {route} is missing from openapi.json"
        );
    }
    let docs = app.get("/api/docs").await;
    assert_eq!(docs.status(), 200);
    assert!(
        docs.text()
            .await
            .unwrap()
            .contains("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    );
}
