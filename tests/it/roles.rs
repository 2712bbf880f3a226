//! The role matrix: every registered route, asked by every role and by
//! nobody, answers as the policy table says.

use axum::http::Method;
use luckygas::{
    app::{registered_routes, route_table},
    auth::Role,
};

use crate::test_app::{PASSWORD, csrf_in, new_client, spawn_app};

/// How a caller proves who it is.
#[derive(Clone)]
enum Caller {
    Anonymous {
        client: reqwest::Client,
        csrf: String,
    },
    Bearer(String),
    /// A browser session, with the CSRF token its pages carry.
    Session {
        client: reqwest::Client,
        csrf: String,
    },
}

/// Every route in registration order, with `POST /logout` last (it ends
/// the session the cookie callers use).
fn routes_logout_last() -> Vec<(Method, String)> {
    let mut routes = registered_routes();
    routes.sort_by_key(|(_, r)| r == "/logout");
    routes
}

async fn matrix(
    app: &crate::test_app::TestApp,
    callers: &[(Option<Role>, Caller)],
    some_id: i32,
) -> usize {
    let mut checked = 0;
    for (method, route) in routes_logout_last() {
        let path = route
            .replace("{id}", &some_id.to_string())
            .replace("{*path}", "app.css");
        for (role, caller) in callers {
            let req = match caller {
                Caller::Anonymous { client, csrf } | Caller::Session { client, csrf } => client
                    .request(method.clone(), app.url(&path))
                    .header("x-csrf-token", csrf),
                Caller::Bearer(t) => reqwest::Client::new()
                    .request(method.clone(), app.url(&path))
                    .bearer_auth(t),
            };
            let req = if method == Method::GET {
                req
            } else {
                req.header("content-type", "application/json").body("{}")
            };
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            // Pages send signed-out visitors to sign in, with a way back.
            let to_login = res
                .headers()
                .get("location")
                .is_some_and(|l| l.to_str().unwrap().starts_with("/login?next="));
            let refused = status == 401 || status == 403 || to_login;
            let allowed = route_table().access.allows(&method, &route, *role);
            assert!(
                status < 500,
                "{method} {route} as {role:?}: status {status}"
            );
            assert_eq!(
                !refused, allowed,
                "{method} {route} as {role:?}: status {status}, the rule says allowed={allowed}"
            );
            checked += 1;
        }
    }
    checked
}

#[tokio::test]
async fn every_route_answers_every_role_as_its_rule_says_by_token_and_by_session() {
    let app = spawn_app().await;
    let mut by_token = Vec::new();
    let mut by_session = Vec::new();
    let mut some_id = 0;
    for role in Role::ALL {
        let name = format!("u_{}", role.as_str());
        some_id = app.create_user(&name, role).await;
        by_token.push((Some(role), Caller::Bearer(app.token(&name).await)));
        let client = new_client();
        assert_eq!(app.login_with(&client, &name, PASSWORD).await.status(), 303);
        let csrf = app.page_csrf(&client).await;
        by_session.push((Some(role), Caller::Session { client, csrf }));
    }
    // An anonymous visitor's CSRF token, so public forms get past CSRF.
    let anon = new_client();
    let html = anon
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let anon = Caller::Anonymous {
        client: anon,
        csrf: csrf_in(&html),
    };
    by_token.push((None, anon.clone()));

    let checked = matrix(&app, &by_token, some_id).await;
    assert!(checked >= registered_routes().len() * 6);
    let checked = matrix(&app, &by_session, some_id).await;
    assert!(checked >= registered_routes().len() * 5);
}

#[tokio::test]
async fn a_cookie_signed_api_write_without_its_csrf_token_is_refused_for_every_role() {
    let app = spawn_app().await;
    let mut checked = 0;
    for role in Role::ALL {
        let name = format!("c_{}", role.as_str());
        let id = app.create_user(&name, role).await;
        let client = new_client();
        assert_eq!(app.login_with(&client, &name, PASSWORD).await.status(), 303);
        for (method, route) in routes_logout_last() {
            if method == Method::GET || !route.starts_with("/api/") {
                continue;
            }
            let path = route.replace("{id}", &id.to_string());
            let res = client
                .request(method.clone(), app.url(&path))
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 403, "{method} {route} as {role:?}");
            let body: serde_json::Value = res.json().await.unwrap();
            assert_eq!(
                body["error"]["code"], "csrf",
                "{method} {route} as {role:?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "{checked}");
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
        // Path parameters are the ones in the path; list filters are
        // optional query parameters.
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().unwrap();
            match p["in"].as_str() {
                Some("path") => assert!(
                    route.contains(&format!("{{{name}}}")),
                    "{method} {route}: {name} is not in the path"
                ),
                Some("query") => {
                    if [
                        "q", "page", "per_page", "date", "status", "district", "dry_run",
                    ]
                    .contains(&name)
                    {
                        assert_ne!(p["required"], true, "{method} {route}: {name} is optional");
                    }
                }
                other => panic!("{method} {route}: {name} in {other:?}"),
            }
        }
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
