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
    /// `[geocoding]`: coordinates from addresses.
    pub geocoding: GeocodingConfig,
    /// `[notifications]`: messages to customers.
    pub notifications: NotificationsConfig,
    /// The bearer token Prometheus sends for `/metrics`
    /// (`LUCKYGAS_METRICS_TOKEN`); without one, only local callers.
    pub metrics_token: Option<SecretString>,
    /// API requests per minute per signed-in account
    /// (`LUCKYGAS_API_RATE_PER_ACCOUNT`) and per address when not signed in.
    pub api_rate_per_account: u32,
    pub api_rate_per_address: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct GeocodingConfig {
    /// A Nominatim-compatible service, e.g. `https://nominatim.openstreetmap.org`
    /// (`LUCKYGAS_GEOCODING__URL`). Without one, a new customer without
    /// coordinates is placed at its district's centre, marked approximate.
    pub url: Option<String>,
    /// Names this application to the service (public Nominatim requires it).
    pub user_agent: String,
    /// Sent as `email=` (public Nominatim asks for it from regular users).
    pub email: Option<String>,
    /// At least this long between two requests (public Nominatim: 1 s).
    pub min_interval_millis: u64,
    pub timeout_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct NotificationsConfig {
    /// `log` (record in the history, send nothing) or `sms_http` (a
    /// generic HTTP SMS gateway, below).
    pub channel: String,
    /// The gateway's URL (`LUCKYGAS_NOTIFICATIONS__SMS_URL`).
    pub sms_url: Option<String>,
    /// `POST` or `GET`.
    pub sms_method: String,
    /// Request headers, `Name: value`; `${VAR}` is replaced by the
    /// environment variable `VAR` (secrets stay in the environment).
    pub sms_headers: Vec<String>,
    /// The body (or, for GET, the query string); `{to}`, `{text}` and `{id}`
    /// (the outbox id, usable as the gateway's idempotency key) are filled
    /// in, `{text}` JSON-escaped when the body starts with `{`, else
    /// URL-encoded.
    pub sms_body: String,
    /// The answer counts as sent when its status is 2xx and, if set, its
    /// body contains this.
    pub sms_success_contains: Option<String>,
    pub timeout_seconds: u64,
    /// Attempts before a message is marked failed.
    pub max_attempts: i32,
    /// No messages between these Taipei times; they wait for the end.
    pub quiet_start: String,
    pub quiet_end: String,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        Self {
            channel: "log".into(),
            sms_url: None,
            sms_method: "POST".into(),
            sms_headers: Vec::new(),
            sms_body: r#"{"to":"{to}","text":"{text}","id":"{id}"}"#.into(),
            sms_success_contains: None,
            timeout_seconds: 10,
            max_attempts: 6,
            quiet_start: "21:00".into(),
            quiet_end: "08:00".into(),
        }
    }
}

impl Default for GeocodingConfig {
    fn default() -> Self {
        Self {
            url: None,
            user_agent: concat!(
                "luckygas/",
                env!("CARGO_PKG_VERSION"),
                " (delivery management)"
            )
            .into(),
            email: None,
            min_interval_millis: 1100,
            timeout_seconds: 10,
        }
    }
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
            geocoding: GeocodingConfig::default(),
            notifications: NotificationsConfig::default(),
            metrics_token: None,
            api_rate_per_account: 1200,
            api_rate_per_address: 300,
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

    /// Outside production, a secret that was not set is replaced by a
    /// random one kept in the data folder (`data/secret`, readable by the
    /// owner only), so nothing is ever signed with the published default.
    /// Returns the file used, to say so once in the log.
    pub fn settle_secret(&mut self) -> Result<Option<std::path::PathBuf>, String> {
        let unset =
            self.secret.expose_secret().is_empty() || self.secret.expose_secret() == DEFAULT_SECRET;
        if !unset || self.env == Environment::Production {
            return Ok(None);
        }
        let dir = self.data_dir();
        let file = dir.join("secret");
        let kept = std::fs::read_to_string(&file)
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| s.len() >= 32);
        let secret = if let Some(s) = kept {
            s
        } else {
            let mut b = [0u8; 32];
            getrandom::fill(&mut b).map_err(|e| format!("no randomness for a secret: {e}"))?;
            let s: String = b.iter().fold(String::new(), |mut s, x| {
                use std::fmt::Write;
                let _ = write!(s, "{x:02x}");
                s
            });
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            write_private(&file, &s)
                .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
            s
        };
        self.secret = SecretString::from(secret);
        Ok(Some(file))
    }

    /// Where this instance keeps its files: the SQLite database's folder, or
    /// `data/`.
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.database_url
            .strip_prefix("sqlite://")
            .map(|p| p.split('?').next().unwrap_or_default())
            .filter(|p| !p.is_empty() && !p.starts_with(':'))
            .and_then(|p| Path::new(p).parent().map(Path::to_path_buf))
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| "data".into())
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// Writes a file only its owner may read.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unset_development_secret_becomes_a_random_kept_one() {
        let dir = std::env::temp_dir().join(format!("lg-secret-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut c = Config {
            database_url: format!("sqlite://{}/luckygas.db", dir.display()),
            ..Config::default()
        };
        let file = c.settle_secret().unwrap().unwrap();
        assert_eq!(file, dir.join("secret"));
        let first = c.secret.expose_secret().to_owned();
        assert_ne!(first, DEFAULT_SECRET);
        assert_eq!(first.len(), 64);
        // The next start reads the same one.
        let mut again = Config {
            database_url: c.database_url.clone(),
            ..Config::default()
        };
        again.settle_secret().unwrap();
        assert_eq!(again.secret.expose_secret(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "only the owner may read it");
        }
        // A secret that was set is kept as it is.
        let mut set = Config {
            secret: SecretString::from("x".repeat(40)),
            ..Config::default()
        };
        assert_eq!(set.settle_secret().unwrap(), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

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
