//! The OpenAPI description, generated from the handlers' annotations, and
//! a documentation page from vendored Swagger UI.

use axum::{
    Json,
    http::Method,
    response::{Html, IntoResponse, Response},
};
use serde::Serialize;
use utoipa::{
    Modify, OpenApi, ToSchema,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::{app::Routes, auth, customers, imports, orders, users};

/// The error shape of every `/api/*` answer that is not a success.
#[derive(Serialize, ToSchema)]
pub struct ApiErrorBody {
    pub error: ApiErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ApiErrorDetail {
    /// `validation`, `unauthenticated`, `bad_credentials`, `forbidden`, `csrf`,
    /// `not_found`, `conflict`, `bad_request`, `too_many_requests`, `internal`.
    pub code: String,
    /// In the caller's language (zh-TW unless `Accept-Language` or the
    /// account asks for English), e.g. `資料驗證失敗`.
    pub message: String,
    pub fields: Vec<ApiFieldError>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiFieldError {
    pub field: String,
    pub message: String,
}

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
    paths(
        auth::handlers::issue_token,
        auth::handlers::me,
        users::api::list,
        users::api::create,
        users::api::get,
        users::api::update,
        customers::api::list,
        customers::api::create,
        customers::api::get,
        customers::api::update,
        customers::api::set_active,
        customers::own::api,
        orders::api::list,
        orders::api::create,
        orders::api::get,
        orders::api::transition,
        orders::api::bulk,
        crate::prices_pages::api_list,
        crate::prices_pages::api_set,
        crate::customer_prices::api_list,
        crate::customer_prices::api_set,
        crate::recurring::api::list,
        crate::recurring::api::create,
        crate::recurring::api::run,
        imports::handlers::api_customers_import,
        imports::handlers::api_orders_import,
        crate::planning::api::get_board,
        crate::planning::api::optimize,
        crate::planning::api::get_run,
        crate::planning::api::move_stop,
        crate::planning::api::lock,
        crate::planning::api::publish,
        crate::planning::api::set_driver,
        crate::planning::api::list_routes,
        crate::planning::api::get_route,
        crate::planning::fleet::api_vehicles,
        crate::planning::fleet::api_add_vehicle,
        crate::planning::fleet::api_update_vehicle,
        crate::planning::fleet::api_drivers,
        crate::planning::fleet::api_add_driver,
        crate::planning::fleet::api_update_driver,
    ),
    components(schemas(ApiErrorBody, ApiErrorDetail, ApiFieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "登入與權杖 / Sign-in and tokens"),
        (name = "users", description = "使用者管理 / User management (super_admin)"),
        (name = "customers", description = "客戶資料 / The customer book"),
        (name = "orders", description = "訂單 / Orders and their status"),
        (name = "planning", description = "路線規劃、車隊與路線 / Route planning, fleet and routes"),
    )
)]
pub struct ApiDoc;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/api/v1/openapi.json", spec)
        .add(Method::GET, "/api/docs", docs_page)
}

async fn spec() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
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
