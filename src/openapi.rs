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

use crate::{app::Routes, auth, customers, imports, orders, users};

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
        crate::prices::list::api_list,
        crate::prices::list::api_set,
        crate::prices::customer::api_list,
        crate::prices::customer::api_set,
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
        crate::fleet::api::vehicles,
        crate::fleet::api::add_vehicle,
        crate::fleet::api::update_vehicle,
        crate::fleet::api::drivers,
        crate::fleet::api::add_driver,
        crate::fleet::api::update_driver,
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
