//! Messages to customers: the outbox (`outbox`: written in the same
//! transaction as the order change that causes it, with the rules), and
//! sending (`send`: one job per message on the jobs module, through the
//! configured channel: `log` or a generic HTTP SMS gateway).
//!
//! Triggers so far: an order confirmed (with its date), delivered (with the
//! amount), failed (with the reason). Changes made without a person (the
//! demo's history) send nothing.

pub mod entity;
pub mod outbox;
mod pages;
pub mod send;

use axum::http::Method;

use crate::app::{AppState, Routes};
use crate::auth::policy::OFFICE;

pub fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/notifications", OFFICE, pages::list)
        .add(
            Method::POST,
            "/notifications/{id}/resend",
            OFFICE,
            pages::resend,
        )
        .add(
            Method::GET,
            "/notifications/customer/{id}",
            OFFICE,
            pages::of_customer,
        )
}

pub fn jobs(r: crate::jobs::Registry<AppState>) -> crate::jobs::Registry<AppState> {
    r.handle(outbox::JOB, send::run)
}
