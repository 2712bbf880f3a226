//! Static assets embedded in the binary (no CDN): our stylesheet and
//! script, and vendored htmx and Swagger UI.

use axum::{
    http::{Method, header},
    response::{IntoResponse, Response},
};

use crate::{app::Routes, error::AppError, extract::Path};

macro_rules! asset {
    ($path:literal, $ctype:literal) => {
        (
            $path,
            $ctype,
            include_bytes!(concat!("../static/", $path)).as_slice(),
        )
    };
}

/// (path under /static/, content type, bytes)
const FILES: &[(&str, &str, &[u8])] = &[
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("map.js", "text/javascript; charset=utf-8"),
    asset!("desk.js", "text/javascript; charset=utf-8"),
    asset!("planning.js", "text/javascript; charset=utf-8"),
    asset!("api-docs.js", "text/javascript; charset=utf-8"),
    asset!("driver.js", "text/javascript; charset=utf-8"),
    asset!("driver.css", "text/css; charset=utf-8"),
    asset!("dispatch.js", "text/javascript; charset=utf-8"),
    asset!("orders-live.js", "text/javascript; charset=utf-8"),
    asset!("logo.svg", "image/svg+xml"),
    asset!(
        "vendor/htmx-2.0.11.min.js",
        "text/javascript; charset=utf-8"
    ),
    asset!(
        "vendor/swagger-ui/swagger-ui-bundle.js",
        "text/javascript; charset=utf-8"
    ),
    asset!(
        "vendor/swagger-ui/swagger-ui.css",
        "text/css; charset=utf-8"
    ),
    asset!(
        "vendor/leaflet-1.9.4/leaflet.js",
        "text/javascript; charset=utf-8"
    ),
    asset!(
        "vendor/leaflet-1.9.4/leaflet.css",
        "text/css; charset=utf-8"
    ),
    asset!("vendor/leaflet-1.9.4/images/marker-icon.png", "image/png"),
    asset!(
        "vendor/leaflet-1.9.4/images/marker-icon-2x.png",
        "image/png"
    ),
    asset!("vendor/leaflet-1.9.4/images/marker-shadow.png", "image/png"),
    asset!("vendor/leaflet-1.9.4/images/layers.png", "image/png"),
    asset!("vendor/leaflet-1.9.4/images/layers-2x.png", "image/png"),
];

use crate::auth::policy::PUBLIC;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/static/{*path}", PUBLIC, asset).add(
        Method::GET,
        "/favicon.ico",
        PUBLIC,
        favicon,
    )
}

async fn asset(Path(path): Path<String>) -> Result<Response, AppError> {
    let (_, ctype, bytes) = FILES
        .iter()
        .find(|(p, _, _)| *p == path)
        .ok_or(AppError::NotFound)?;
    // Vendored files carry their version in the name; ours change with releases.
    let cache = if path.starts_with("vendor/") {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    Ok((
        [
            (header::CONTENT_TYPE, *ctype),
            (header::CACHE_CONTROL, cache),
        ],
        *bytes,
    )
        .into_response())
}

async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_bytes!("../static/logo.svg").as_slice(),
    )
        .into_response()
}
