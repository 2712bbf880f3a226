//! The driver app's shell, its service worker and its manifest. The shell
//! is the same page for every driver; the day's data comes from
//! `/api/v1/driver/today` and is kept on the phone.

use askama::Template;
use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};

use crate::{app::AppState, auth::Ctx, error::AppError, layout::page};

#[derive(Template)]
#[template(path = "driver/app.html")]
struct AppPage {
    lang: &'static str,
    csrf: String,
    company: String,
    /// The words the script shows, as JSON in the page's language.
    words: String,
    tile_url: String,
}

/// Everything the app says, in the page's language.
fn words(t: crate::i18n::Locale) -> String {
    let keys = [
        "title",
        "today",
        "no_routes",
        "start",
        "started",
        "end",
        "ended",
        "loaded",
        "load_short",
        "stops",
        "stop",
        "planned",
        "window",
        "floor",
        "call",
        "navigate",
        "arrive",
        "arrived",
        "deliver",
        "fail",
        "delivered",
        "failed",
        "empties",
        "cash",
        "payment",
        "photo",
        "signature",
        "clear",
        "note",
        "reason",
        "save",
        "cancel",
        "back",
        "pending_sync",
        "last_sync",
        "never",
        "offline",
        "online",
        "map",
        "list",
        "handin",
        "cash_expected",
        "cash_received",
        "cash_handed_in",
        "full_back",
        "returned",
        "confirm_end",
        "to_collect",
        "signature_required",
        "sign_here",
        "sync_problem",
        "needs",
        "reload",
        "logout",
        "done_stops",
        "open_stops",
        "not_home",
        "wrong_address",
        "refused",
        "safety",
        "other",
        "cash_m",
        "transfer_m",
        "monthly_m",
        "cheque_m",
        "status_done",
        "kg",
    ];
    let map: serde_json::Map<String, serde_json::Value> = keys
        .iter()
        .map(|k| ((*k).to_owned(), t.t(&format!("driver.{k}")).into()))
        .collect();
    // Inside a <script type="application/json">: no "</" can end it early.
    serde_json::Value::Object(map)
        .to_string()
        .replace("</", "<\\/")
}

pub async fn app(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    page(&AppPage {
        lang: ctx.locale.code(),
        csrf: ctx.csrf.clone(),
        company: state.config.company_name.clone(),
        words: words(ctx.locale),
        tile_url: state.config.map_tile_url.clone(),
    })
}

const SERVICE_WORKER: &str = include_str!("../../static/driver-sw.js");

/// The service worker with its cache named after the app's files, so that
/// a release with other files makes phones install them afresh.
fn service_worker_text() -> &'static str {
    use sha2::{Digest, Sha256};
    static TEXT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let mut h = Sha256::new();
        for part in [
            SERVICE_WORKER,
            include_str!("../../static/driver.js"),
            include_str!("../../static/driver.css"),
            include_str!("../../templates/driver/app.html"),
        ] {
            h.update(part.as_bytes());
        }
        let version = crate::auth::tokens::hex(&h.finalize()[..6]);
        SERVICE_WORKER.replace("lg-driver-VERSION", &format!("lg-driver-{version}"))
    });
    &TEXT
}

/// Served under `/driver/` so that its scope is the app.
pub async fn service_worker() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            // Its scope is `/driver` (the app's page), above `/driver/`.
            (
                header::HeaderName::from_static("service-worker-allowed"),
                "/driver",
            ),
        ],
        service_worker_text(),
    )
        .into_response()
}

pub async fn manifest(ctx: Ctx) -> Response {
    let t = ctx.locale;
    let body = serde_json::json!({
        "name": t.t("driver.title"),
        "short_name": t.t("driver.short_name"),
        "start_url": "/driver",
        "scope": "/driver",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#0f172a",
        "theme_color": "#1e3a8a",
        "lang": t.code(),
        "icons": [
            {"src": "/static/logo.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"}
        ]
    });
    (
        [(header::CONTENT_TYPE, "application/manifest+json")],
        body.to_string(),
    )
        .into_response()
}
