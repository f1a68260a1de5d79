//! The command line: migrate, bootstrap the first administrator, and an idempotent demo.

use crate::common;

use backstop::{Application, ManualClock, Settings};
use common::backstop;
use serde_json::{json, Value};
use std::sync::Arc;

#[tokio::test]
async fn the_first_admin_is_added_from_the_command_line_and_can_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("fresh.db").display());
    let out = backstop(&["migrate", "--database-url", &url], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let add = [
        "user",
        "add",
        "--database-url",
        &url,
        "--username",
        "root.admin",
        "--name",
        "管理员",
        "--role",
        "admin",
    ];
    let out = backstop(&add[..add.len() - 2], "s3cret-passw0rd\n");
    assert!(!out.status.success(), "the role must be named");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--role"));
    for weak in [
        "short",
        "12345678",
        "password",
        "        ",
        "root.admin2026",
    ] {
        let out = backstop(&add, &format!("{weak}\n"));
        assert!(!out.status.success(), "{weak:?} accepted");
        assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
    }
    let out = backstop(&add, "s3cret-passw0rd\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = backstop(&add, "s3cret-passw0rd\n");
    assert!(String::from_utf8_lossy(&again.stderr).contains("taken"));

    let settings = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: url,
        ..Settings::default()
    };
    let app = Application::build(settings, Arc::new(ManualClock::new(1_800_000_000_000)))
        .await
        .unwrap();
    let addr = app.local_addr().unwrap();
    tokio::spawn(app.run_until(std::future::pending()));
    let r = reqwest::Client::new()
        .post(format!("http://{addr}/api/tokens"))
        .json(&json!({ "username": "root.admin", "password": "s3cret-passw0rd" }))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["user"]["role"].as_str(), v["user"]["unit_name"].as_str()),
        (Some("admin"), Some("宁夏回族自治区"))
    );
}

#[tokio::test]
async fn loading_the_demo_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let settings = || Settings {
        listen: "127.0.0.1:0".into(),
        database_url: url.clone(),
        demo: true,
        ..Settings::default()
    };
    let clock = Arc::new(ManualClock::new(1_800_000_000_000));
    for _ in 0..2 {
        let app = Application::build(settings(), clock.clone()).await.unwrap();
        app.state().db.close().await;
    }
    let app = Application::build(settings(), clock).await.unwrap();
    let pool = app.state().db.read();
    let count = |sql: &'static str| async move {
        let row = sqlx::query(sql).fetch_one(pool).await.unwrap();
        sqlx::Row::get::<i64, _>(&row, 0)
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM units WHERE level = 'township'").await,
        242
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM units WHERE level = 'county'").await,
        22
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM users WHERE username NOT LIKE 'officer.6%'").await,
        backstop::org::demo::PEOPLE.len() as i64
    );
    // A primary for every unit of the four levels but two, deputies above the townships and at
    // two of them: arranged once.
    assert_eq!(
        count("SELECT COUNT(*) FROM duty_roles WHERE ended_at IS NULL").await,
        268 + 30
    );
}
