//! The driver's day: the app at `/driver` (a PWA that works offline: its
//! shell and the day's route cached by a service worker, every action
//! queued on the phone with an idempotency key), the `/api/v1/driver/…`
//! API it calls, and the office's `/dispatch` page.
//!
//! `input` is what the phone sends and its checks, `actions` applies an
//! action once per key in one transaction, `today` is what the phone shows,
//! `handin` the end-of-route summary, `dispatch` the office's view.

pub mod actions;
pub mod api;
pub mod dispatch;
pub mod entity;
pub mod handin;
pub mod input;
mod pages;
pub mod today;

use axum::http::Method;
use utoipa_axum::routes;

use crate::app::Routes;
use crate::auth::policy::{DRIVERS, OFFICE, PUBLIC};

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/driver", DRIVERS, pages::app)
        .add(Method::GET, "/driver/sw.js", PUBLIC, pages::service_worker)
        .add(
            Method::GET,
            "/driver/manifest.webmanifest",
            PUBLIC,
            pages::manifest,
        )
        .add(Method::GET, "/dispatch", OFFICE, dispatch::page)
        .add(Method::GET, "/dispatch/board", OFFICE, dispatch::board)
        .add(
            Method::POST,
            "/dispatch/routes/{id}/hand-in",
            OFFICE,
            dispatch::confirm_hand_in_form,
        )
        .add(
            Method::POST,
            "/dispatch/orders/{id}/decision",
            OFFICE,
            dispatch::decide_form,
        )
        .add(
            Method::GET,
            "/dispatch/orders/{id}/reports",
            OFFICE,
            dispatch::order_reports,
        )
        .api(DRIVERS, routes!(api::today))
        .api(DRIVERS, routes!(api::start))
        .api(DRIVERS, routes!(api::end))
        .api(DRIVERS, routes!(api::sync))
        .api(DRIVERS, routes!(api::location))
        .api(DRIVERS, routes!(api::upload))
        .api(OFFICE, routes!(api::attachment_file))
        .api(OFFICE, routes!(dispatch::api_dispatch))
        .api(OFFICE, routes!(dispatch::api_hand_in))
}
