//! Round-the-clock monitoring against targets the tests start and switch: each kind of check,
//! the thresholds against flapping, maintenance that holds alerts back but keeps recording,
//! certificates near their end, late checks, availability from the roll-ups. The prober's and
//! the job runner's own loops are off: each test runs due checks and jobs at the moved clock.

mod certificates;
mod checks;
mod groups;
mod maintenance;
mod manage;
mod nodes;

use crate::common::TestApp;
use backstop::Clock;
use serde_json::{json, Value};
use std::time::Duration;

/// 泾源县 (固原市).
pub const JINGYUAN: &str = "640424";

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(tweak: impl FnOnce(&mut backstop::Settings)) -> TestApp {
    TestApp::spawn_with(|s| {
        s.job_interval_ms = 0;
        s.uptime.tick_ms = 0;
        // The tests read the monitors far more often than a person does.
        s.helpdesk.search_burst = 10_000;
        tweak(s);
    })
    .await
}

/// A monitor of 泾源县 added by the region's ops staff; `extra` overrides the defaults.
pub async fn add(app: &TestApp, key: &str, kind: &str, target: &str, extra: Value) -> Value {
    let ops = app.token("ops.datacenter").await;
    let mut body = json!({
        "key": key, "name": format!("测试系统 {key}"), "unit": JINGYUAN, "kind": kind,
        "target": target, "interval_secs": 10, "timeout_secs": 2, "failures": 2, "recoveries": 2,
    });
    for (k, v) in extra.as_object().expect("object") {
        body[k] = v.clone();
    }
    let (status, v) = app.post(&ops, "/api/uptime/monitors", body).await;
    assert_eq!(status, 201, "{v}");
    app.uptime.reload().await;
    // The prober meets it: its first check falls within the next interval.
    run_due(app).await;
    v
}

/// One interval on: the checks then due run to the end, and the jobs they raised.
pub async fn round(app: &TestApp) {
    app.clock.advance(Duration::from_secs(10));
    run_due(app).await;
}

/// Runs the checks due now to their end, then the jobs due.
pub async fn run_due(app: &TestApp) {
    let now = app.clock.now();
    for h in app.uptime.probe_due(now).await.expect("monitors read") {
        h.await.expect("check ran");
    }
    app.jobs.run_due(now).await.expect("jobs run");
}

/// A monitor as ops staff see it.
pub async fn monitor(app: &TestApp, key: &str) -> Value {
    let ops = app.token("ops.datacenter").await;
    let (status, v) = app
        .get(&ops, &format!("/api/uptime/monitors?monitor={key}"))
        .await;
    assert_eq!(status, 200, "{v}");
    v["monitors"][0].clone()
}

pub async fn status(app: &TestApp, key: &str) -> String {
    monitor(app, key).await["state"]["status"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// The incidents of the region, as its ops staff see them.
pub async fn incidents(app: &TestApp) -> Vec<Value> {
    let ops = app.token("ops.datacenter").await;
    let (status, v) = app.get(&ops, "/api/incidents").await;
    assert_eq!(status, 200, "{v}");
    v["incidents"].as_array().cloned().unwrap_or_default()
}

/// The incidents of one monitor (keyed `monitor:KEY` or `cert:KEY`), by title.
pub async fn incidents_of(app: &TestApp, name_part: &str) -> Vec<Value> {
    incidents(app)
        .await
        .into_iter()
        .filter(|i| i["title"].as_str().unwrap_or("").contains(name_part))
        .collect()
}
