//! luckygas: delivery management for LPG cylinder distributors.

pub mod app;
pub mod audit;
pub mod auth;
pub mod bench;
pub mod cli;
pub mod clock;
pub mod config;
pub mod customers;
pub mod db;
pub mod demo;
mod demo_book;
pub mod depots;
pub mod domain;
pub mod error;
pub mod home;
pub mod i18n;
pub mod imports;
pub mod observability;
pub mod openapi;
pub mod orders;
pub mod prices;
pub mod recurring;
pub mod static_files;
pub mod tabular;
pub mod telemetry;
pub mod users;
pub mod web;
