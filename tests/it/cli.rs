//! The command line as an operator uses it: migrate, add an account that
//! can then sign in, and the optimizer's bench front-end.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::test_app::{Process, fresh_database};

fn luckygas(args: &[&str], database_url: &str, stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_luckygas"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .env("LUCKYGAS_LOG_FORMAT", "json")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the luckygas binary");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn an_operator_migrates_and_adds_an_account_that_can_sign_in() {
    let db = fresh_database().await;
    let (ok, _, err) = luckygas(&["migrate"], &db.url, "");
    assert!(ok, "{err}");
    let args = [
        "user",
        "add",
        "--username",
        "amy",
        "--role",
        "manager",
        "--password-stdin",
    ];
    let (ok, out, err) = luckygas(&args, &db.url, "a-long-password-123\n");
    assert!(ok, "{err}");
    assert!(out.contains("account created: amy (manager)"), "{out}");
    // A role that does not exist is refused in both languages, naming it.
    let bad = [
        "user",
        "add",
        "--username",
        "bob",
        "--role",
        "boss",
        "--password-stdin",
    ];
    let (ok, _, err) = luckygas(&bad, &db.url, "a-long-password-123\n");
    assert!(!ok);
    assert!(
        err.contains("角色") && err.to_lowercase().contains("role"),
        "{err}"
    );
    // The same name twice is refused.
    let (ok, _, _) = luckygas(&args, &db.url, "another-password-456\n");
    assert!(!ok, "a second amy");

    let server = Process::serve(&db.url, &[]).await;
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/token", server.base))
        .json(&json!({"username": "amy", "password": "a-long-password-123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the account signs in");
}

#[tokio::test]
async fn the_bench_command_solves_a_generated_day_and_reports_it_as_json() {
    let args = [
        "bench",
        "--synthetic",
        "30:3:7",
        "--iterations",
        "500",
        "--format",
        "jsonl",
    ];
    let (ok, out, err) = luckygas(&args, "sqlite::memory:", "");
    assert!(ok, "{err}");
    let line: Value = serde_json::from_str(out.lines().next().expect("one line")).unwrap();
    assert_eq!(line["instance"], "synthetic-taoyuan-n30-v3-s7");
    assert_eq!(
        (line["served"].as_u64(), line["total"].as_u64()),
        (Some(30), Some(30)),
        "{line}"
    );
    assert_eq!(line["feasible"], true);
    assert!(
        line["vehicles"]
            .as_u64()
            .is_some_and(|v| (1..=3).contains(&v)),
        "{line}"
    );
    assert!(line["distance"].as_f64().is_some_and(|d| d > 0.0), "{line}");
    let (ok, _, err) = luckygas(&["bench", "--format", "pdf"], "sqlite::memory:", "");
    assert!(!ok);
    assert!(err.contains("--format must be table or jsonl"), "{err}");
}
