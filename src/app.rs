//! Application state, the router with every route and layer, and `serve`.

use std::{
    future::Future,
    net::SocketAddr,
    ops::Deref,
    sync::{Arc, LazyLock},
};

use axum::{
    Router,
    http::Method,
    middleware::{from_fn, from_fn_with_state},
};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;

use crate::{
    auth::{self, guard::guard, throttle::LoginThrottle},
    clock::Clock,
    config::Config,
    customers, db,
    error::{AppError, render_errors},
    home, imports, observability, openapi, orders,
    routes::RouteTable,
    static_files, users,
};

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: DatabaseConnection,
    pub config: Config,
    pub clock: Arc<dyn Clock>,
    pub throttle: LoginThrottle,
    pub rate: crate::auth::rate_limit::RateLimiter,
    pub events: crate::events::EventHub,
    pub travel: crate::planning::travel::Travel,
    pub runs: crate::planning::runs::Runs,
    pub search: customers::search_index::SearchIndex,
    /// Coordinates from addresses, when a service is configured.
    pub geocoder: Option<Arc<crate::geocoding::Geocoder>>,
    /// This instance's side of the job queue.
    pub jobs: crate::jobs::Jobs,
    /// Outbound HTTP (the SMS gateway).
    pub http: reqwest::Client,
    /// Who may use which route, as the routes declared it.
    pub access: &'static crate::auth::policy::AccessTable,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Connects to the database and brings its schema up to date.
    pub async fn build(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let db = db::connect_migrated(&config.database_url).await?;
        Ok(Self::from_parts(db, config, clock))
    }

    pub fn from_parts(db: DatabaseConnection, config: Config, clock: Arc<dyn Clock>) -> Self {
        let throttle = LoginThrottle::new(
            config.login_max_failures_per_account,
            config.login_max_failures_per_address,
            chrono::Duration::minutes(config.login_window_minutes),
        );
        let travel = crate::planning::travel::Travel::new(config.routing.osrm_url.clone());
        let rate = crate::auth::rate_limit::RateLimiter::new(
            config.api_rate_per_account,
            config.api_rate_per_address,
        );
        let geocoder = crate::geocoding::Geocoder::new(&config.geocoding).map(Arc::new);
        Self(Arc::new(Inner {
            rate,
            db,
            config,
            clock,
            throttle,
            events: crate::events::EventHub::new(),
            travel,
            runs: crate::planning::runs::Runs::default(),
            search: customers::search_index::SearchIndex::default(),
            geocoder,
            jobs: crate::jobs::Jobs::default(),
            http: reqwest::Client::builder()
                .user_agent(concat!("luckygas/", env!("CARGO_PKG_VERSION")))
                .build()
                .unwrap_or_default(),
            access: &route_table().access,
        }))
    }
}

/// The route registry for this application's state.
pub type Routes = crate::routes::Registry<AppState>;

fn all_routes() -> Routes {
    let r = Routes::default();
    let r = observability::routes(r);
    let r = static_files::routes(r);
    let r = auth::routes(r);
    let r = openapi::routes(r);
    let r = home::routes(r);
    let r = customers::routes(r);
    let r = orders::routes(r);
    let r = crate::recurring::routes(r);
    let r = crate::prices::routes(r);
    let r = imports::routes(r);
    let r = crate::planning::routes(r);
    let r = crate::fleet::routes(r);
    let r = crate::driver::routes(r);
    let r = crate::notifications::routes(r);
    let r = crate::events::routes(r);
    users::routes(r)
}

/// What every route registered: its access rule, the route list and the
/// API description's paths. The same for every instance in a process.
pub fn route_table() -> &'static RouteTable {
    static TABLE: LazyLock<RouteTable> = LazyLock::new(|| all_routes().finish().1);
    &TABLE
}

/// Every (method, route template) the application serves.
pub fn registered_routes() -> Vec<(Method, String)> {
    route_table().routes.clone()
}

/// Every job kind the application runs, and the periodic ones.
fn all_jobs() -> crate::jobs::Registry<AppState> {
    let r =
        crate::jobs::Registry::default().handle("jobs_cleanup", |state: AppState, _| async move {
            let before = state.clock.now() - chrono::Duration::days(7);
            let deleted = crate::jobs::queue::delete_finished_before(&state.db, before)
                .await
                .map_err(|e| crate::jobs::JobFailure::Retry(e.to_string()))?;
            Ok(serde_json::json!({ "deleted": deleted }))
        });
    let r = r.every("jobs_cleanup", chrono::Duration::hours(1));
    let r = crate::imports::jobs(r);
    let r = customers::locate::jobs(r);
    let r = crate::notifications::jobs(r);
    crate::recurring::jobs(r)
}

/// Starts this instance's job worker in the background.
pub fn start_worker(state: &AppState) {
    let config = crate::jobs::WorkerConfig {
        instance: state.jobs.instance.clone(),
        lease: chrono::Duration::seconds(state.config.jobs.lease_seconds.max(1)),
        poll: std::time::Duration::from_millis(state.config.jobs.poll_millis.max(10)),
        concurrency: state.config.jobs.concurrency,
    };
    tokio::spawn(crate::jobs::worker::run(
        Arc::new(all_jobs()),
        state.clone(),
        state.db.clone(),
        Arc::clone(&state.clock),
        config,
        state.jobs.waker(),
    ));
}

async fn not_found() -> AppError {
    AppError::NotFound
}

pub fn router(state: AppState) -> Router {
    // Layers run outside-in from the bottom of this list: observability
    // sees every request first (request id, timing, metrics), then
    // compression, then the security headers (on every answer, errors
    // included), then error rendering; the guard runs after routing, on
    // matched routes only, so it knows the route template.
    let headers = crate::web::SecurityHeaders::new(&state.config.map_tile_url);
    all_routes()
        .finish()
        .0
        .route_layer(from_fn_with_state(state.clone(), guard))
        .fallback(not_found)
        .layer(from_fn(render_errors))
        .layer(from_fn_with_state(headers, crate::web::security_headers))
        .layer(CompressionLayer::new())
        .layer(from_fn(observability::tracking::track))
        .with_state(state)
}

/// Serves on an already bound listener until `shutdown` resolves.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    observability::metrics::init();
    if let Some(url) = &state.config.redis_url {
        state.events.start_redis(url);
    }
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
