//! The planner's statistics are refreshed by an hourly job from the start (on SQLite, where
//! nothing else keeps them), so lists read open tickets from their index on a large store.

use crate::common;

use backstop::Clock;
use common::TestApp;
use sqlx::{Connection, Row};
use std::time::Duration;

async fn due(db: &mut sqlx::AnyConnection) -> i64 {
    sqlx::query("SELECT due_at FROM jobs WHERE kind = 'db.statistics'")
        .fetch_one(db)
        .await
        .expect("scheduled")
        .get("due_at")
}

#[tokio::test]
async fn statistics_are_refreshed_at_start_and_every_hour() {
    let app = TestApp::spawn().await;
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(&app.db.url)
        .await
        .expect("database");
    assert!(due(&mut db).await <= app.clock.now(), "due at start");
    let clerk = app.token("clerk.dawan").await;
    app.raise(&clerk, "统计信息").await;
    app.jobs.run_due(app.clock.now()).await.expect("jobs run");
    let next = due(&mut db).await;
    assert_eq!(next, app.clock.now() + 3_600_000, "again in an hour");
    if app.db.url.starts_with("sqlite") {
        let rows = sqlx::query("SELECT COUNT(*) AS n FROM sqlite_stat1 WHERE tbl = 'tickets'")
            .fetch_one(&mut db)
            .await
            .expect("ANALYZE made sqlite_stat1")
            .get::<i64, _>("n");
        assert!(rows > 0);
    }
    app.clock.advance(Duration::from_secs(3600));
    app.jobs.run_due(app.clock.now()).await.expect("runs");
    assert_eq!(due(&mut db).await, app.clock.now() + 3_600_000, "and so on");
}
