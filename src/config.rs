//! Configuration: defaults, then an optional `luckygas.toml`, then `LUCKYGAS_*`
//! environment variables, plus `DATABASE_URL` and `REDIS_URL`.

use std::path::Path;

use figment::{
    Figment,
    providers::{Env, Format, Toml},
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The development secret. `serve` refuses it when `LUCKYGAS_ENV=production`.
pub const DEFAULT_SECRET: &str = "luckygas-development-secret-do-not-use-in-production";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    #[default]
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Pretty on a terminal, JSON otherwise.
    #[default]
    Auto,
    Json,
    Pretty,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Config {
    pub env: Environment,
    /// Address `serve` listens on (`LUCKYGAS_BIND`).
    pub bind: String,
    /// `sqlite://…` or `postgres://…` (`DATABASE_URL`).
    pub database_url: String,
    /// Optional Redis for multi-instance fan-out and readiness (`REDIS_URL`).
    pub redis_url: Option<String>,
    /// Signs session CSRF tokens and API tokens (`LUCKYGAS_SECRET`).
    pub secret: SecretString,
    pub company_name: String,
    pub session_hours: i64,
    pub token_minutes: i64,
    /// Mark cookies `Secure` (set when served behind TLS).
    pub cookie_secure: bool,
    pub login_max_failures_per_account: u32,
    pub login_max_failures_per_address: u32,
    pub login_window_minutes: i64,
    pub log_format: LogFormat,
    /// Map tiles (`{z}/{x}/{y}`); without network the maps show pins on a blank background.
    pub map_tile_url: String,
    /// `[routing]`: where travel times come from.
    pub routing: RoutingConfig,
    /// `[planning]`: optimizer limits.
    pub planning: PlanningConfig,
    /// `[jobs]`: the background worker.
    pub jobs: JobsConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct JobsConfig {
    /// Run the job worker inside `serve` (`LUCKYGAS_JOBS__ENABLED=false`
    /// for an instance that only serves requests).
    pub enabled: bool,
    /// A claim holds this long without renewal; a dead instance's job is
    /// taken over after it (`LUCKYGAS_JOBS__LEASE_SECONDS`).
    pub lease_seconds: i64,
    /// How often an idle worker looks at the queue.
    pub poll_millis: u64,
    /// Jobs run at the same time on one instance.
    pub concurrency: usize,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            lease_seconds: 60,
            poll_millis: 1000,
            concurrency: 4,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct RoutingConfig {
    /// An OSRM-compatible `table` service (`http://host:5000`); without it,
    /// straight-line distance × 1.3 at 30 km/h (`LUCKYGAS_ROUTING__OSRM_URL`).
    pub osrm_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct PlanningConfig {
    /// Search time of one optimization run (`LUCKYGAS_PLANNING__TIME_LIMIT_SECONDS`).
    pub time_limit_seconds: f64,
    /// Longest shift from departure to return.
    pub max_shift_hours: f64,
    /// A fixed number of search iterations instead of the time limit: the
    /// same orders then always give the same plan (used by tests).
    pub iterations: Option<u64>,
}

impl Default for PlanningConfig {
    fn default() -> Self {
        Self {
            time_limit_seconds: 10.0,
            max_shift_hours: 8.0,
            iterations: None,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            env: Environment::Development,
            bind: "0.0.0.0:8080".into(),
            database_url: "sqlite://data/luckygas.db".into(),
            redis_url: None,
            secret: SecretString::from(DEFAULT_SECRET),
            company_name: "幸運瓦斯 Lucky Gas".into(),
            session_hours: 12,
            token_minutes: 60,
            cookie_secure: false,
            login_max_failures_per_account: 5,
            login_max_failures_per_address: 20,
            login_window_minutes: 15,
            log_format: LogFormat::Auto,
            map_tile_url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
            routing: RoutingConfig::default(),
            planning: PlanningConfig::default(),
            jobs: JobsConfig::default(),
        }
    }
}

impl Config {
    /// Loads the layered configuration. `file` defaults to `luckygas.toml`
    /// (or `LUCKYGAS_CONFIG`) and may be absent.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let path = file.map_or_else(
            || std::env::var("LUCKYGAS_CONFIG").unwrap_or_else(|_| "luckygas.toml".into()),
            |p| p.display().to_string(),
        );
        Figment::new()
            .merge(Toml::file(path))
            .merge(
                Env::prefixed("LUCKYGAS_")
                    .ignore(&["config", "test_db", "test_database_url"])
                    .split("__"),
            )
            .merge(Env::raw().only(&["DATABASE_URL", "REDIS_URL"]))
            .extract()
            .map_err(Box::new)
    }

    /// Checks that the configuration is safe to serve with.
    pub fn check_for_serve(&self) -> Result<(), String> {
        if self.env == Environment::Production && self.secret.expose_secret() == DEFAULT_SECRET {
            return Err(
                "LUCKYGAS_SECRET 仍是預設值，正式環境拒絕啟動 / refusing to start in production with the default secret: set LUCKYGAS_SECRET to a long random value (e.g. `openssl rand -hex 32`)".into(),
            );
        }
        if self.env == Environment::Production && self.secret.expose_secret().len() < 32 {
            return Err(
                "LUCKYGAS_SECRET 太短 / LUCKYGAS_SECRET is too short: use at least 32 characters"
                    .into(),
            );
        }
        Ok(())
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_the_default_secret_and_names_the_variable() {
        let config = Config {
            env: Environment::Production,
            ..Config::default()
        };
        let err = config.check_for_serve().unwrap_err();
        assert!(err.contains("LUCKYGAS_SECRET"));
        assert!(
            !err.contains(DEFAULT_SECRET),
            "the secret itself is never printed"
        );
    }

    #[test]
    fn development_accepts_the_default_secret() {
        assert!(Config::default().check_for_serve().is_ok());
    }

    #[test]
    fn secrets_do_not_print_in_debug_output() {
        let config = Config {
            secret: SecretString::from("s3cr3t-value-xyz"),
            ..Config::default()
        };
        assert!(!format!("{config:?}").contains("s3cr3t-value-xyz"));
    }
}
