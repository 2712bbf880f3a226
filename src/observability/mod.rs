//! What operators see: logs (`logging`), request ids, timing and request
//! metrics (`tracking`), the Prometheus recorder (`metrics`) and the health
//! endpoints (`health`).

pub mod health;
pub mod logging;
pub mod metrics;
pub mod tracking;

use axum::http::Method;

use crate::app::Routes;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/healthz", health::healthz)
        .add(Method::GET, "/readyz", health::readyz)
        .add(Method::GET, "/metrics", metrics::text)
}
