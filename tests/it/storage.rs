//! Migrations, the command line, demo seeding and production safety.

use std::{io::Write, process::Stdio};

use luckygas::{auth::Role, db, demo, users::queries};
use sea_orm::{EntityTrait, PaginatorTrait};
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
    assert!(
        demo::seed(&conn, now).await.unwrap().is_none(),
        "second run changes nothing"
    );
    assert_eq!(queries::count(&conn).await.unwrap(), accounts.len() as u64);
    assert_eq!(
        luckygas::fleet::depot::Entity::find()
            .count(&conn)
            .await
            .unwrap(),
        1
    );

    // The printed password signs in.
    let admin = accounts
        .iter()
        .find(|a| a.role == Role::SuperAdmin)
        .unwrap();
    let app = spawn_on(conn, test_config(url)).await;
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

#[tokio::test]
async fn production_refuses_to_start_with_the_default_secret() {
    let database = fresh_database().await;
    let url = database.url.clone();
    let out = luckygas_bin()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("LUCKYGAS_ENV", "production")
        .env_remove("LUCKYGAS_SECRET")
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("LUCKYGAS_SECRET"))
        .expect("names the variable");
    assert!(line.contains("production"), "{line}");
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
