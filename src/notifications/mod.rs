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
pub mod send;

use crate::app::AppState;

pub fn jobs(r: crate::jobs::Registry<AppState>) -> crate::jobs::Registry<AppState> {
    r.handle(outbox::JOB, send::run)
}
