//! Checks finishing together are written together, one transaction for the group: each check
//! still counts once, in its own result and its roll-ups, and a monitor checked twice in one
//! group stands as its later check left it, each check's alarm raised.

use super::{add, round, spawn, status};
use crate::common::target::Target;
use backstop::uptime::check::Outcome;
use backstop::uptime::record::{self, Checked};
use backstop::uptime::state::Status;
use backstop::uptime::store;
use backstop::Clock;
use serde_json::json;
use sqlx::Row;
use std::sync::Arc;

async fn count(app: &crate::common::TestApp, sql: &str, id: i64) -> i64 {
    let row = sqlx::query(sql)
        .bind(id)
        .fetch_one(app.uptime.db.read())
        .await
        .expect("count");
    row.try_get(0).expect("a number")
}

fn outcome(ok: bool, latency_ms: i64) -> Outcome {
    Outcome {
        ok,
        latency_ms,
        detail: if ok { "正常" } else { "状态码 503" }.into(),
        cert_expires_at: None,
    }
}

#[tokio::test]
async fn two_checks_of_one_monitor_in_one_group_each_count_and_the_later_stands() {
    let app = spawn().await;
    let target = Target::http().await;
    add(
        &app,
        "web",
        "http",
        &target.url(),
        json!({ "failures": 1, "recoveries": 2 }),
    )
    .await;
    add(&app, "other", "http", &target.url(), json!({})).await;
    round(&app).await;
    assert_eq!(status(&app, "web").await, "up");
    let watched: Vec<Arc<store::Watched>> = store::watched(&app.uptime.db)
        .await
        .expect("monitors")
        .into_iter()
        .map(Arc::new)
        .collect();
    let find = |key: &str| {
        watched
            .iter()
            .find(|w| w.monitor.key == key)
            .cloned()
            .expect("monitor")
    };
    let (web, other) = (find("web"), find("other"));
    let results = "SELECT COUNT(*) FROM probe_results WHERE monitor_id = $1";
    let rolled = "SELECT CAST(COALESCE(SUM(checks), 0) AS BIGINT) FROM probe_rollups \
                  WHERE monitor_id = $1 AND span = 'day'";
    let before = (
        count(&app, results, web.monitor.id).await,
        count(&app, rolled, web.monitor.id).await,
    );

    let at = app.clock.now() + 1_000;
    let check = |w: &Arc<store::Watched>, at, ok, latency| Checked {
        watched: w.clone(),
        at,
        outcome: outcome(ok, latency),
        maintenance: false,
    };
    let group = [
        check(&web, at, false, 30),
        check(&other, at, true, 10),
        check(&web, at + 1_000, true, 20),
    ];
    let done = record::record(&app.uptime.db, &group)
        .await
        .expect("recorded");

    // The failure took it down (one failure is its threshold) and raised the alarm; the good
    // answer after it is the first of the two it needs to come back.
    assert_eq!(done[0].state.status, Status::Down);
    assert!(done[0].changed);
    assert_eq!(done[0].alarms.len(), 1, "{:?}", done[0].alarms);
    assert!(done[0].alarms[0].firing);
    assert_eq!(done[2].state.status, Status::Down);
    assert_eq!(done[2].state.streak, 1);
    assert!(!done[2].changed && done[2].alarms.is_empty());
    assert_eq!(done[1].state.status, Status::Up);
    assert_eq!(status(&app, "web").await, "down");
    assert_eq!(status(&app, "other").await, "up");
    let after = (
        count(&app, results, web.monitor.id).await,
        count(&app, rolled, web.monitor.id).await,
    );
    assert_eq!(after, (before.0 + 2, before.1 + 2));
    let latest = sqlx::query("SELECT last_at, last_ok, streak FROM monitors WHERE id = $1")
        .bind(web.monitor.id)
        .fetch_one(app.uptime.db.read())
        .await
        .expect("monitor");
    assert_eq!(
        latest.try_get::<i64, _>("last_at").expect("last_at"),
        at + 1_000
    );
    assert_eq!(latest.try_get::<i64, _>("last_ok").expect("last_ok"), 1);
    assert_eq!(latest.try_get::<i64, _>("streak").expect("streak"), 1);
}
