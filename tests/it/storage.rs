//! Migrations, the command line, demo seeding and production safety.

use std::{io::Write, process::Stdio};

use luckygas::{auth::Role, db, demo};
use sea_orm_migration::MigratorTrait;

use crate::test_app::{PASSWORD, fresh_database, spawn_on, test_config};

#[tokio::test]
async fn running_migrations_twice_changes_nothing() {
    let database = fresh_database().await;
    let url = database.url.clone();
    let conn = db::connect(&url).await.unwrap();
    db::migrate(&conn).await.unwrap();
    let applied = db::Migrator::get_applied_migrations(&conn)
        .await
        .unwrap()
        .len();
    db::migrate(&conn).await.unwrap();
    assert_eq!(
        db::Migrator::get_applied_migrations(&conn)
            .await
            .unwrap()
            .len(),
        applied
    );
    assert_eq!(applied, db::Migrator::migrations().len());
    assert!(db::ready(&conn).await.is_ok());
}

#[tokio::test]
async fn the_demo_company_is_seeded_once() {
    let database = fresh_database().await;
    let url = database.url.clone();
    let conn = db::connect(&url).await.unwrap();
    db::migrate(&conn).await.unwrap();
    let now = "2026-11-30T01:00:00Z".parse().unwrap();
    let accounts = demo::seed(&conn, now)
        .await
        .unwrap()
        .expect("first run seeds");
    let roles: Vec<_> = accounts.iter().map(|a| a.role).collect();
    for role in Role::ALL {
        assert!(roles.contains(&role), "a demo account for {role:?}");
    }
    let app = spawn_on(conn.clone(), test_config(url.clone())).await;
    let all: Vec<&str> = vec![
        "users",
        "customers",
        "customer_phones",
        "prices",
        "orders",
        "order_lines",
        "order_events",
        "order_templates",
        "vehicles",
        "drivers",
        "depots",
        "audit_log",
        "counters",
        "plans",
        "routes",
        "route_stops",
    ];
    let seeded = app.snapshot(&all).await;
    assert!(
        demo::seed(&conn, now).await.unwrap().is_none(),
        "second run changes nothing"
    );
    assert_eq!(
        app.snapshot(&all).await,
        seeded,
        "not a row changed by the second run"
    );
    // What the demo promises: six accounts, a Taoyuan book with its orders,
    // prices for every size, the depot and ten trucks with their drivers.
    let count = |t: &str| {
        let line = seeded
            .lines()
            .find(|l| l.starts_with(&format!("== {t} (")))
            .unwrap();
        line.rsplit('(')
            .next()
            .unwrap()
            .trim_end_matches(')')
            .parse::<usize>()
            .unwrap()
    };
    assert_eq!(count("users"), accounts.len());
    assert!(count("customers") >= 200, "{}", count("customers"));
    assert!(count("orders") >= 1000, "{}", count("orders"));
    assert!(count("order_lines") >= count("orders"));
    assert_eq!(count("prices"), 5);
    assert_eq!(count("depots"), 1);
    assert_eq!((count("vehicles"), count("drivers")), (10, 10));
    let customer = accounts.iter().find(|a| a.role == Role::Customer).unwrap();
    let token: serde_json::Value = reqwest::Client::new()
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({"username": customer.username, "password": customer.password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (_, me) = app
        .call(
            reqwest::Method::GET,
            "/api/v1/my/customer",
            token["token"].as_str().unwrap(),
            None,
        )
        .await;
    assert_eq!(
        me["code"], "C00001",
        "the demo customer account is linked: {me}"
    );

    // The printed password signs in.
    let admin = accounts
        .iter()
        .find(|a| a.role == Role::SuperAdmin)
        .unwrap();
    assert_eq!(
        app.login_with(&app.client, admin.username, &admin.password)
            .await
            .status(),
        303
    );
    let home = app.get("/").await.text().await.unwrap();
    assert!(home.contains("幸運瓦斯 桃園總倉"));
}

fn luckygas_bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_luckygas"))
}

/// Runs a command to its end, or kills it and fails after `secs`: a refusal
/// that does not happen must fail the test, not hang it.
async fn output_within(cmd: &mut std::process::Command, secs: u64) -> std::process::Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let until = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > until {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {secs} s: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn production_refuses_to_start_with_the_default_secret() {
    let database = fresh_database().await;
    let url = database.url.clone();
    let out = output_within(
        luckygas_bin()
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("LUCKYGAS_ENV", "production")
            .env_remove("LUCKYGAS_SECRET")
            .env("DATABASE_URL", &url),
        20,
    )
    .await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("LUCKYGAS_SECRET"))
        .expect("names the variable");
    assert!(line.contains("production"), "{line}");
}

/// A server started as the README says (no LUCKYGAS_SECRET) signs with a
/// random secret kept beside its database, and accepts no token signed
/// with the development value published in the source.
#[tokio::test]
async fn without_a_configured_secret_no_token_signed_with_the_published_one_is_accepted() {
    use luckygas::auth::tokens::{Claims, encode_jwt};
    let dir = std::env::temp_dir().join(format!("lg-dev-secret-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/luckygas.db", dir.display());
    let conn = db::connect_migrated(&url).await.unwrap();
    let now = luckygas::clock::Clock::now(&luckygas::clock::SystemClock);
    let new = luckygas::users::form::NewUser {
        username: "chief".into(),
        display_name: "Chief".into(),
        role: Role::SuperAdmin,
        password: PASSWORD.into(),
    };
    let chief = luckygas::users::queries::create(&conn, None, new, now)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let server = crate::test_app::Process::serve(&url, &[("LUCKYGAS_SECRET", "")]).await;
    let forged = encode_jwt(
        luckygas::config::DEFAULT_SECRET.as_bytes(),
        &Claims {
            sub: i64::from(chief.id),
            av: chief.auth_version,
            iat: now.timestamp(),
            exp: now.timestamp() + 3600,
        },
    );
    let me = |token: String| {
        let url = format!("{}/api/v1/me", server.base);
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(
        me(forged).await,
        401,
        "the published secret signs nothing here"
    );
    // A real token works, and the secret is kept in the data folder.
    let issued: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/token", server.base))
        .json(&serde_json::json!({"username": "chief", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me(issued["token"].as_str().unwrap().to_owned()).await, 200);
    let kept = std::fs::read_to_string(dir.join("secret")).unwrap();
    assert_eq!(kept.trim().len(), 64);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn user_add_reads_the_password_from_stdin() {
    let database = fresh_database().await;
    let url = database.url.clone();
    let mut child = luckygas_bin()
        .args([
            "user",
            "add",
            "--username",
            "Chief",
            "--role",
            "super_admin",
            "--password-stdin",
        ])
        .env("DATABASE_URL", &url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("chief"));

    let conn = db::connect(&url).await.unwrap();
    let app = spawn_on(conn, test_config(url.clone())).await;
    assert_eq!(app.login("chief").await.status(), 303);
    assert_eq!(app.get("/users").await.status(), 200, "a super admin");

    // A bad role is refused with the field named.
    let out = luckygas_bin()
        .args([
            "user",
            "add",
            "--username",
            "x1x",
            "--role",
            "root",
            "--password-stdin",
        ])
        .env("DATABASE_URL", &url)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("角色"));
}
