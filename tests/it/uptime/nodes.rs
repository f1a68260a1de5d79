//! Several nodes on one PostgreSQL: only the node holding the prober's lock probes, so each
//! system is checked once; when that node stops, another takes over. (SQLite is one node.)

use super::{add, round, spawn};
use crate::common::target::Target;
use backstop::{Application, Clock, ManualClock, Settings};
use serde_json::json;
use std::sync::Arc;

#[tokio::test]
async fn only_one_node_probes_and_another_takes_over_when_it_stops() {
    let app = spawn().await;
    if !app.db.url.starts_with("postgres") {
        return;
    }
    let target = Target::http().await;
    add(&app, "web", "http", &target.url(), json!({})).await;
    round(&app).await;

    let mut settings = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: app.db.url.clone(),
        job_interval_ms: 0,
        ..Settings::default()
    };
    settings.uptime.tick_ms = 0;
    let clock = Arc::new(ManualClock::new(app.clock.now()));
    let other = Application::build(settings, clock.clone())
        .await
        .expect("second node");
    let second = other.state().uptime.clone();
    // Were it probing, the second call would check the monitor (met by the first a minute ago).
    for _ in 0..2 {
        clock.advance(std::time::Duration::from_secs(60));
        let started = second.probe_due(clock.now()).await.expect("read");
        assert!(started.is_empty(), "the first node holds the prober");
    }

    // The first node stops: its session ends on the server, and the lock with it.
    let mut app = app;
    app.shut_down().await;
    drop(app);
    // It takes over (the lock is free at once) and meets the monitor: checked within an interval.
    assert!(second
        .probe_due(clock.now())
        .await
        .expect("read")
        .is_empty());
    clock.advance(std::time::Duration::from_secs(60));
    let started = second.probe_due(clock.now()).await.expect("read");
    assert_eq!(started.len(), 1, "the second node took over");
    for h in started {
        h.await.expect("check ran");
    }
}
