//! Headless Chromium through chromedriver, which each browser test starts
//! for itself and stops when done.

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::test_app::is_ci;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub struct Browser {
    pub client: Client,
    /// The window's (or emulated phone's) width in CSS pixels.
    pub width: u32,
    /// chromedriver's address, for commands fantoccini does not have.
    driver_url: String,
    _driver: Driver,
}

/// Stops chromedriver (and with it Chromium) when the test ends.
struct Driver {
    driver: Child,
    profile: std::path::PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts chromedriver and a headless Chromium `width` pixels wide. Without
/// Chromium the test is skipped locally and fails under `CI=true`.
pub async fn start(width: u32, accept_language: &str) -> Option<Browser> {
    let chromium = std::env::var("CHROME_BIN").unwrap_or_else(|_| CHROMIUM.into());
    let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.into());
    if !std::path::Path::new(&chromium).exists() || !std::path::Path::new(&driver_bin).exists() {
        assert!(
            !is_ci(),
            "CI=true but {chromium} or {driver_bin} is missing: browser tests cannot run"
        );
        eprintln!("skipping browser test: {chromium} or {driver_bin} not installed");
        return None;
    }
    let port = free_port();
    let driver = Command::new(&driver_bin)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = std::env::temp_dir().join(format!("lg-chrome-{port}-{}", std::process::id()));
    let guard = Driver {
        driver,
        profile: profile.clone(),
    };

    let caps = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic", "--hide-scrollbars",
                format!("--window-size={width},900"),
                format!("--lang={accept_language}"),
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": { "intl.accept_languages": accept_language }
        }
    });
    let mut caps = caps;
    if width < 500 {
        // Desktop Chromium windows cannot be narrower than 500 px: emulate a phone.
        caps["goog:chromeOptions"]["mobileEmulation"] = serde_json::json!({
            "deviceMetrics": { "width": width, "height": 812, "pixelRatio": 2.0, "touch": true }
        });
    }
    let caps = caps.as_object().unwrap().clone();
    let url = format!("http://127.0.0.1:{port}");
    let mut last_err = None;
    for _ in 0..100 {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                return Some(Browser {
                    client,
                    width,
                    driver_url: url.clone(),
                    _driver: guard,
                });
            }
            Err(e) => {
                last_err = Some(e);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    panic!("chromedriver did not start: {last_err:?}");
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    /// Waits for an element (never sleeps a fixed time).
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("element {css} did not appear: {e}"))
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let el = self.find(css).await;
        el.clear().await.unwrap();
        el.send_keys(value).await.unwrap();
    }

    /// Clicks an element, finding it again if the page replaced it
    /// meanwhile (htmx swaps lists while a search is typed).
    pub async fn click(&self, css: &str) {
        for _ in 0..40 {
            match self.find(css).await.click().await {
                Ok(()) => return,
                Err(fantoccini::error::CmdError::Standard(e))
                    if e.error == fantoccini::error::ErrorStatus::StaleElementReference =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("clicking {css}: {e}"),
            }
        }
        panic!("{css} kept being replaced");
    }

    /// Waits until the page's body contains `needle`.
    pub async fn wait_for_text(&self, needle: &str) {
        for _ in 0..100 {
            if let Ok(body) = self.client.find(Locator::Css("body")).await
                && body.text().await.is_ok_and(|t| t.contains(needle))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let src = self.client.source().await.unwrap_or_default();
        panic!("page never showed {needle:?}; page was:\n{src}");
    }

    /// Waits until an element's text is `expected` (scripts update it).
    pub async fn wait_for_element_text(&self, css: &str, expected: &str) {
        let mut last = String::new();
        for _ in 0..100 {
            last = self.text(css).await;
            if last == expected {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{css} never read {expected:?}; last {last:?}");
    }

    /// The page fits the screen: no sideways scrolling, and on a phone no
    /// zooming out (Chrome widens the layout viewport to fit wide content,
    /// so `innerWidth` growing past the device width means overflow too).
    pub async fn assert_fits(&self, what: &str) {
        let v = self
            .js("return [document.documentElement.scrollWidth, window.innerWidth];")
            .await;
        let (scroll, inner) = (v[0].as_i64().unwrap(), v[1].as_i64().unwrap());
        assert!(
            scroll <= inner,
            "{what} scrolls sideways by {}px",
            scroll - inner
        );
        if self.width < 500 {
            assert_eq!(
                inner,
                i64::from(self.width),
                "{what} is wider than a {} px phone",
                self.width
            );
        }
    }

    /// Signs in through the page as `username` (password [`PASSWORD`]).
    pub async fn sign_in(&self, app: &crate::test_app::TestApp, username: &str) {
        self.goto(&app.url("/login")).await;
        self.fill("#username", username).await;
        self.fill("#password", crate::test_app::PASSWORD).await;
        self.click("#login-submit").await;
        self.wait_for_text("您好").await;
    }

    /// Takes the browser off the network or puts it back (chromedriver's
    /// network conditions; see ../shared/notes/offline-browser-tests.md).
    pub async fn set_offline(&self, offline: bool) {
        let id = self.client.session_id().await.unwrap().expect("a session");
        let res = reqwest::Client::new()
            .post(format!(
                "{}/session/{id}/chromium/network_conditions",
                self.driver_url
            ))
            .json(&serde_json::json!({
                "network_conditions": {"offline": offline, "latency": 0, "throughput": 0}
            }))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    }

    /// Waits until `script` returns true (never sleeps a fixed time).
    pub async fn wait_until(&self, what: &str, script: &str) {
        for _ in 0..200 {
            if self.js(script).await == serde_json::Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("never true: {what}");
    }

    /// Runs a script in the page and returns its value.
    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    /// Saves a screenshot when LUCKYGAS_SCREENSHOTS names a folder.
    pub async fn screenshot(&self, name: &str) {
        if let Ok(dir) = std::env::var("LUCKYGAS_SCREENSHOTS") {
            let png = self.client.screenshot().await.unwrap();
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png).unwrap();
        }
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}
