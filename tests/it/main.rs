//! The one integration-test binary: the real server on port 0, a fresh
//! database per test (SQLite, or PostgreSQL with LUCKYGAS_TEST_DB=postgres),
//! and headless Chromium for the browser tests.

mod browser;
mod test_app;

mod auth;
mod bad_requests;
mod cli;
mod customers;
mod driver;
mod errors;
mod geocoding;
mod home;
mod imports;
mod jobs;
mod notifications;
mod observability;
mod orders;
mod planning;
mod roles;
mod storage;
mod ui;
mod users;
