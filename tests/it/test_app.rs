//! `spawn_app()`: the real router on port 0 over a fresh database.

use std::sync::{
    Arc,
    atomic::{AtomicU32, Ordering},
};

use luckygas::{
    app::{self, AppState},
    auth::Role,
    clock::TestClock,
    config::Config,
    db,
    users::{form::NewUser, queries},
};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use secrecy::SecretString;

pub const PASSWORD: &str = "correct-horse-battery";

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub clock: TestClock,
    /// Keeps cookies, like a browser.
    pub client: reqwest::Client,
    /// Removes the test's database when the test ends.
    pub database: Option<TestDb>,
}

/// A brand-new database for one test; dropped (PostgreSQL) or deleted
/// (SQLite) when the value goes out of scope.
pub struct TestDb {
    pub url: String,
    name: String,
}

fn admin_url() -> String {
    std::env::var("LUCKYGAS_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.url.starts_with("sqlite:") {
            let path = self.url.trim_start_matches("sqlite://");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
            return;
        }
        // The test's runtime may be shutting down: drop from a thread of
        // our own. FORCE closes the server's pooled connections.
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok(admin) = Database::connect(admin_url()).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    admin.close().await.ok();
                }
            });
        })
        .join();
    }
}

pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

pub fn backend() -> String {
    std::env::var("LUCKYGAS_TEST_DB").unwrap_or_else(|_| "sqlite".into())
}

fn unique_name() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let mut r = [0u8; 4];
    getrandom::fill(&mut r).unwrap();
    format!(
        "lg_t_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        u32::from_le_bytes(r)
    )
}

/// A brand-new, empty database of the chosen backend, removed when the
/// returned value is dropped.
pub async fn fresh_database() -> TestDb {
    fresh_database_on(&backend()).await
}

/// A brand-new database on `backend` (`sqlite` or `postgres`).
pub async fn fresh_database_on(backend: &str) -> TestDb {
    match backend {
        "postgres" => {
            let admin_url = admin_url();
            let admin = Database::connect(&admin_url).await.unwrap_or_else(|e| {
                panic!(
                    "LUCKYGAS_TEST_DB=postgres but PostgreSQL at {admin_url} is not reachable: {e}"
                )
            });
            let name = unique_name();
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let (prefix, _) = admin_url.rsplit_once('/').expect("database URL has a path");
            TestDb {
                url: format!("{prefix}/{name}"),
                name,
            }
        }
        "sqlite" => {
            let dir = std::env::temp_dir().join("luckygas-tests");
            std::fs::create_dir_all(&dir).unwrap();
            let name = unique_name();
            TestDb {
                url: format!("sqlite://{}", dir.join(format!("{name}.db")).display()),
                name,
            }
        }
        other => panic!("LUCKYGAS_TEST_DB must be sqlite or postgres, not {other}"),
    }
}

pub fn test_config(database_url: String) -> Config {
    Config {
        database_url,
        secret: SecretString::from("test-secret-0123456789abcdef0123456789"),
        login_max_failures_per_account: 5,
        login_max_failures_per_address: 50,
        // The generated-request test sends thousands a minute.
        api_rate_per_account: 100_000,
        api_rate_per_address: 100_000,
        ..Config::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    spawn_configured(&backend(), adjust).await
}

/// An app on `backend` whatever `LUCKYGAS_TEST_DB` says (for tests of
/// behaviour only one database has).
pub async fn spawn_on_backend(backend: &str) -> TestApp {
    spawn_configured(backend, |_| {}).await
}

async fn spawn_configured(backend: &str, adjust: impl FnOnce(&mut Config)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        luckygas::observability::logging::init(luckygas::config::LogFormat::Pretty);
    }
    let database = fresh_database_on(backend).await;
    let mut config = test_config(database.url.clone());
    adjust(&mut config);
    let conn = db::connect_migrated(&database.url)
        .await
        .expect("connect to and migrate the test database");
    let mut app = spawn_on(conn, config).await;
    app.database = Some(database);
    app
}

pub async fn spawn_on(conn: DatabaseConnection, config: Config) -> TestApp {
    // 09:00 in Taipei.
    let clock = TestClock::new("2026-11-30T01:00:00Z".parse().unwrap());
    let state = AppState::from_parts(conn, config, Arc::new(clock.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(app::serve(state.clone(), listener, std::future::pending()));
    TestApp {
        base: format!("http://{addr}"),
        state,
        clock,
        client: new_client(),
        database: None,
    }
}

pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Reads the CSRF token a page carries (hidden field or meta tag).
pub fn csrf_in(html: &str) -> String {
    for marker in [
        r#"name="csrf_token" value=""#,
        r#"name="csrf-token" content=""#,
    ] {
        if let Some(i) = html.find(marker) {
            let rest = &html[i + marker.len()..];
            return rest[..rest.find('"').unwrap()].to_owned();
        }
    }
    panic!("no CSRF token in page:\n{html}")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Creates an account directly in the database.
    pub async fn create_user(&self, username: &str, role: Role) -> i32 {
        let new = NewUser {
            username: username.into(),
            display_name: format!("{username} 測試"),
            role,
            password: PASSWORD.into(),
        };
        queries::create(&self.state.db, None, new, self.state.clock.now())
            .await
            .unwrap()
            .id
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// Signs in through the real form, like a browser.
    pub async fn login_with(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        let page = client
            .get(self.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = csrf_in(&page);
        client
            .post(self.url("/login"))
            .form(&[
                ("username", username),
                ("password", password),
                ("csrf_token", &token),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, username: &str) -> reqwest::Response {
        self.login_with(&self.client, username, PASSWORD).await
    }

    /// A signed-in page's CSRF token (from the layout's meta tag).
    /// (Drivers' home is their app, one redirect away.)
    pub async fn page_csrf(&self, client: &reqwest::Client) -> String {
        let mut res = client.get(self.url("/")).send().await.unwrap();
        if res.status() == 303 {
            let to = res.headers()["location"].to_str().unwrap().to_owned();
            res = client.get(self.url(&to)).send().await.unwrap();
        }
        csrf_in(&res.text().await.unwrap())
    }

    pub async fn token(&self, username: &str) -> String {
        let res = reqwest::Client::new()
            .post(self.url("/api/v1/auth/token"))
            .json(&serde_json::json!({ "username": username, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "token for {username}");
        res.json::<serde_json::Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

impl TestApp {
    /// List prices for every size from a year ago (NT$ 2650/1050/850/560/260).
    pub async fn seed_prices(&self) {
        use luckygas::domain::CylinderSize;
        let from = self.state.clock.today_taipei() - chrono::Duration::days(365);
        for (size, price) in CylinderSize::ALL
            .into_iter()
            .zip([2650, 1050, 850, 560, 260])
        {
            luckygas::prices::set_list_price(
                &self.state.db,
                size,
                price,
                from,
                self.state.clock.now(),
            )
            .await
            .unwrap();
        }
    }

    /// Creates a customer through the API and returns its JSON.
    pub async fn api_customer(&self, token: &str, body: serde_json::Value) -> reqwest::Response {
        reqwest::Client::new()
            .post(self.url("/api/v1/customers"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// An API call's status and JSON body (`null` when the body is not JSON).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let res = self.api(method, path, token, body).await;
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let mut req = reqwest::Client::new()
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }
}

pub fn customer_json(name: &str, phone: &str) -> serde_json::Value {
    serde_json::json!({
        "name": name, "kind": "restaurant", "phones": [phone],
        "address": "桃園市中壢區中正路100號", "lat": 24.9536, "lon": 121.2252,
        "delivery_windows": "08:00-12:00", "cylinders_50": 2, "cylinders_20": 1,
        "payment_terms": "monthly", "tax_id": "04595257"
    })
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    luckygas::error::url_encode(s).replace('/', "%2F")
}

/// A signed-in `/ws` connection.
pub struct Socket(
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
);

impl TestApp {
    /// Opens the event socket with a bearer token.
    pub async fn socket(&self, token: &str) -> Socket {
        socket_at(&self.base, token).await
    }
}

/// Opens the event socket of the server at `base` with a bearer token.
pub async fn socket_at(base: &str, token: &str) -> Socket {
    {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = format!("{base}/ws")
            .replace("http://", "ws://")
            .into_client_request()
            .unwrap();
        req.headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        let (ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
        Socket(ws)
    }
}

impl Socket {
    /// The next event (skipping pings), or `None` after `wait` of silence.
    pub async fn next_event(&mut self, wait: std::time::Duration) -> Option<serde_json::Value> {
        use futures_util::StreamExt;
        use tokio_tungstenite::tungstenite::Message;
        loop {
            match tokio::time::timeout(wait, self.0.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => {
                    let e: serde_json::Value = serde_json::from_str(&text).unwrap();
                    if e["type"] != "ping" {
                        return Some(e);
                    }
                }
                Ok(Some(Ok(_))) => {}
                _ => return None,
            }
        }
    }

    /// The next event of type `kind`, waiting up to 10 s in all.
    pub async fn expect(&mut self, kind: &str) -> serde_json::Value {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while let Some(left) = until.checked_duration_since(std::time::Instant::now()) {
            match self.next_event(left).await {
                Some(e) if e["type"] == kind => return e,
                Some(_) => {}
                None => break,
            }
        }
        panic!("no {kind} event arrived");
    }
}

/// A real `luckygas` process (the built binary), killed when dropped.
pub struct Process {
    child: std::process::Child,
    /// `http://127.0.0.1:port` for `serve`; empty for `worker`.
    pub base: String,
}

/// The secret every test process signs tokens with (so tokens work on each).
pub const PROCESS_SECRET: &str = "process-secret-0123456789abcdef0123456789";

impl Process {
    /// `luckygas <args>` with the test's environment plus `env`.
    fn spawn(args: &[&str], database_url: &str, env: &[(&str, &str)]) -> std::process::Child {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_luckygas"));
        cmd.args(args)
            .env("DATABASE_URL", database_url)
            .env("LUCKYGAS_SECRET", PROCESS_SECRET)
            .env("LUCKYGAS_LOG_FORMAT", "json")
            .env(
                "RUST_LOG",
                if std::env::var("TEST_LOG").is_ok() {
                    "info"
                } else {
                    "warn"
                },
            )
            .stdout(std::process::Stdio::null());
        if std::env::var("TEST_LOG").is_err() {
            cmd.stderr(std::process::Stdio::null());
        }
        for (k, v) in env {
            // An empty value removes the variable (a server started as the
            // README says, with nothing set).
            if v.is_empty() {
                cmd.env_remove(k);
            } else {
                cmd.env(k, v);
            }
        }
        cmd.spawn().expect("start the luckygas binary")
    }

    /// `luckygas worker`.
    pub fn worker(database_url: &str, env: &[(&str, &str)]) -> Self {
        Self {
            child: Self::spawn(&["worker"], database_url, env),
            base: String::new(),
        }
    }

    /// `luckygas serve` on a free port, once `/healthz` answers.
    pub async fn serve(database_url: &str, env: &[(&str, &str)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let bind = format!("127.0.0.1:{port}");
        let child = Self::spawn(&["serve", "--bind", &bind], database_url, env);
        let p = Self {
            child,
            base: format!("http://{bind}"),
        };
        for _ in 0..200 {
            if reqwest::get(format!("{}/healthz", p.base)).await.is_ok() {
                return p;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("luckygas serve on {bind} never answered");
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // SIGKILL: what a crash looks like to the others.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TestApp {
    /// Every row of these tables, in key order, as text: compare two
    /// snapshots to prove that nothing changed.
    pub async fn snapshot(&self, tables: &[&str]) -> String {
        use sea_orm::{FromQueryResult, JsonValue, Statement};
        use std::fmt::Write;
        let backend = self.state.db.get_database_backend();
        let mut out = String::new();
        for t in tables {
            let rows = JsonValue::find_by_statement(Statement::from_string(
                backend,
                format!("SELECT * FROM {t} ORDER BY 1"),
            ))
            .all(&self.state.db)
            .await
            .unwrap();
            let _ = writeln!(out, "== {t} ({})", rows.len());
            for r in rows {
                out.push_str(&r.to_string());
                out.push('\n');
            }
        }
        out
    }
}

/// The tables an import or an order write touches.
pub const BOOK_TABLES: &[&str] = &[
    "customers",
    "customer_phones",
    "orders",
    "order_lines",
    "order_events",
    "audit_log",
    "counters",
];

/// Makes the database refuse to insert a customer with this name (a write
/// that fails part-way through a transaction), on either backend.
pub async fn refuse_customer_named(app: &TestApp, name: &str) {
    use sea_orm::ConnectionTrait;
    let db = &app.state.db;
    match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            db.execute_unprepared(&format!(
                "CREATE FUNCTION refuse_customer() RETURNS trigger AS $$ BEGIN \
                 IF NEW.name = '{name}' THEN RAISE EXCEPTION 'refused for the test'; END IF; \
                 RETURN NEW; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER refuse_customer BEFORE INSERT OR UPDATE ON customers \
                 FOR EACH ROW EXECUTE FUNCTION refuse_customer();"
            ))
            .await
            .unwrap();
        }
        _ => {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER refuse_customer BEFORE INSERT ON customers \
                 WHEN NEW.name = '{name}' BEGIN SELECT RAISE(ABORT, 'refused for the test'); END;"
            ))
            .await
            .unwrap();
        }
    }
}
