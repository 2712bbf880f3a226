//! The OpenAPI description, generated from the handlers' annotations, and
//! a documentation page from vendored Swagger UI.

use axum::{
    Json,
    http::Method,
    response::{Html, IntoResponse, Response},
};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::app::Routes;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "luckygas API",
        description = "幸運瓦斯配送管理系統 API / Lucky Gas delivery management API. \
            Get a token from `POST /api/v1/auth/token` and send it as `Authorization: Bearer <token>`."
    ),
    components(schemas(crate::error::ApiErrorBody, crate::error::ApiErrorDetail, crate::error::ApiFieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "登入與權杖 / Sign-in and tokens"),
        (name = "users", description = "使用者管理 / User management (super_admin)"),
        (name = "customers", description = "客戶資料 / The customer book"),
        (name = "orders", description = "訂單 / Orders and their status"),
        (name = "planning", description = "路線規劃與路線 / Route planning and routes"),
        (name = "fleet", description = "車隊與司機 / Trucks and drivers"),
        (name = "driver", description = "司機 App 與派車 / The driver app and dispatch"),
    )
)]
pub struct ApiDoc;

use crate::auth::policy::PUBLIC;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/api/v1/openapi.json", PUBLIC, spec)
        .add(Method::GET, "/api/docs", PUBLIC, docs_page)
}

/// The whole description: this header, tags and shared schemas, with every
/// API route as the route registry collected it.
pub fn document() -> utoipa::openapi::OpenApi {
    crate::app::route_table().describe(ApiDoc::openapi())
}

async fn spec() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}

async fn docs_page() -> Response {
    Html(concat!(
        "<!doctype html><html lang=\"zh-TW\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<title>luckygas API</title>",
        "<link rel=\"stylesheet\" href=\"/static/vendor/swagger-ui/swagger-ui.css\">",
        "</head><body><div id=\"swagger-ui\"></div>",
        "<script src=\"/static/vendor/swagger-ui/swagger-ui-bundle.js\"></script>",
        "<script src=\"/static/api-docs.js\"></script></body></html>"
    ))
    .into_response()
}
