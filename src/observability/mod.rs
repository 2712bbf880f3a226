//! What operators see: logs (`logging`), request ids, timing and request
//! metrics (`tracking`), the Prometheus recorder (`metrics`) and the health
//! endpoints (`health`).

pub mod health;
pub mod logging;
pub mod metrics;
pub mod tracking;

use axum::http::Method;

use crate::app::Routes;
use crate::auth::policy::PUBLIC;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/healthz", PUBLIC, health::healthz)
        .add(Method::GET, "/readyz", PUBLIC, health::readyz)
        .add(Method::GET, "/metrics", PUBLIC, metrics::text)
}
