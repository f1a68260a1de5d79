//! Maintenance windows: a system down inside one is recorded (and shown as maintenance) but
//! raises no incident and costs no availability; still down when the window ends, it does.
//! A weekly window, in local time, holds alerts back each week.

use super::{add, incidents_of, monitor, round, spawn, status};
use crate::common::target::{Mode, Target};
use backstop::Clock;
use serde_json::json;

#[tokio::test]
async fn a_system_down_during_maintenance_is_recorded_but_pages_nobody_until_it_ends() {
    let app = spawn().await;
    let target = Target::http().await;
    add(&app, "web", "http", &target.url(), json!({})).await;
    round(&app).await;
    let ops = app.token("ops.datacenter").await;
    let now = app.clock.now();
    let window = json!({ "title": "机房割接", "starts_at": now, "ends_at": now + 60_000 });
    let (s, v) = app
        .post(&ops, "/api/uptime/monitors/web/maintenance", window)
        .await;
    assert_eq!(s, 201, "{v}");
    app.uptime.reload().await;

    target.set(Mode::Failing);
    for _ in 0..3 {
        round(&app).await;
    }
    let m = monitor(&app, "web").await;
    assert_eq!(m["state"]["status"], "down", "checks go on");
    assert_eq!(m["maintenance"], true);
    assert!(incidents_of(&app, "测试系统 web（").await.is_empty());
    let minutes = m["minutes"].as_array().expect("minutes");
    assert!(
        minutes.iter().any(|x| x["maintenance"] == true),
        "{minutes:?}"
    );
    // The one check before the window was up, and the ones inside count for nothing.
    assert_eq!(m["availability"]["h24"], 1.0);

    // The window is over and the system is still down: now it pages.
    for _ in 0..4 {
        round(&app).await;
    }
    assert_eq!(monitor(&app, "web").await["maintenance"], false);
    let open = incidents_of(&app, "测试系统 web（").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(status(&app, "web").await, "down");
}

#[tokio::test]
async fn a_weekly_window_is_read_in_local_time_and_bad_windows_are_refused() {
    let app = spawn().await;
    let target = Target::http().await;
    add(&app, "web", "http", &target.url(), json!({})).await;
    let ops = app.token("ops.datacenter").await;
    let path = "/api/uptime/monitors/web/maintenance";
    // Friday 16:00 in Shanghai: a Friday afternoon window holds now.
    let weekly = json!({ "title": "每周五例行维护", "weekdays": [5], "shift": "15:00-17:00" });
    assert_eq!(app.post(&ops, path, weekly).await.0, 201);
    for bad in [
        json!({ "title": "x", "weekdays": [8], "shift": "15:00-17:00" }),
        json!({ "title": "x", "weekdays": [5], "shift": "25:00-17:00" }),
        json!({ "title": "x", "starts_at": 10, "ends_at": 5 }),
        json!({ "title": "", "starts_at": 1, "ends_at": 5 }),
    ] {
        assert_eq!(app.post(&ops, path, bad.clone()).await.0, 422, "{bad}");
    }
    let clerk = app.token("clerk.dawan").await;
    let window = json!({ "title": "x", "starts_at": 1, "ends_at": 5 });
    assert_eq!(app.post(&clerk, path, window).await.0, 403);
    app.uptime.reload().await;
    target.set(Mode::Failing);
    for _ in 0..3 {
        round(&app).await;
    }
    assert_eq!(monitor(&app, "web").await["maintenance"], true);
    assert!(incidents_of(&app, "测试系统 web（").await.is_empty());
}
