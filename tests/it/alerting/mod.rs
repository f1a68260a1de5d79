//! Incidents and their climb on a clock the tests move: township → county → city → region,
//! each step once, told to the officer on duty there (duty's one answer); acknowledgement
//! stops it; a restart mid-climb neither repeats nor skips a step. Alertmanager's version-4
//! payloads open and resolve incidents; the units' WeCom and DingTalk robots get their messages,
//! again after a failed delivery.

mod alertmanager;
mod escalation;
mod webhooks;

use crate::common::TestApp;
use serde_json::{json, Value};
use std::time::Duration;

pub const TOKEN: &str = "alertmanager-secret";
/// 大湾乡 (泾源县, 固原市).
pub const DAWAN: &str = "640424007";
pub const JINGYUAN: &str = "640424";
pub const GUYUAN: &str = "640400";
pub const REGION: &str = "640000";

pub fn tweak(s: &mut backstop::Settings) {
    s.job_interval_ms = 0;
    s.uptime.tick_ms = 0;
    s.alerting.alertmanager_token = Some(TOKEN.into());
    // The tests read incidents far more often than a person does.
    s.helpdesk.search_burst = 10_000;
}

pub async fn spawn() -> TestApp {
    TestApp::spawn_with(tweak).await
}

/// One alert as Alertmanager sends it.
pub fn alert(status: &str, fingerprint: &str, unit: Option<&str>) -> Value {
    let mut labels = json!({ "alertname": "BackstopMonitorDown", "severity": "page",
        "monitor": format!("m-{fingerprint}"), "job": "backstop" });
    if let Some(u) = unit {
        labels["unit"] = json!(u);
    }
    json!({
        "status": status, "labels": labels,
        "annotations": { "summary": format!("系统 {fingerprint} 不可用"), "description": "连续两次检查失败" },
        "startsAt": "2027-01-15T08:00:00.000Z",
        "endsAt": if status == "resolved" { "2027-01-15T08:10:00.000Z" } else { "0001-01-01T00:00:00Z" },
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
        "fingerprint": fingerprint,
    })
}

/// A version-4 webhook payload holding `alerts`.
pub fn payload(status: &str, alerts: Vec<Value>) -> Value {
    json!({
        "version": "4", "groupKey": "{}:{alertname=\"BackstopMonitorDown\"}",
        "truncatedAlerts": 0, "status": status, "receiver": "backstop",
        "groupLabels": { "alertname": "BackstopMonitorDown" },
        "commonLabels": { "alertname": "BackstopMonitorDown" },
        "commonAnnotations": {}, "externalURL": "http://alertmanager:9093",
        "alerts": alerts,
    })
}

/// Posts `body` to the intake with `token`; the status and the answer.
pub async fn intake(app: &TestApp, token: &str, body: &str) -> (u16, Value) {
    let r = app
        .http
        .post(app.url("/api/integrations/alertmanager"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("sent");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// One alert of `unit` firing, fingerprint `fp`: the incident's id.
pub async fn fire(app: &TestApp, fp: &str, unit: &str) -> i64 {
    let body = payload("firing", vec![alert("firing", fp, Some(unit))]).to_string();
    let (status, v) = intake(app, TOKEN, &body).await;
    assert_eq!((status, v["opened"].clone()), (200, json!(1)), "{v}");
    let found = incidents(app).await;
    let mine = found.iter().find(|i| i["key"] == fp).expect("the incident");
    mine["id"].as_i64().expect("id")
}

pub async fn incidents(app: &TestApp) -> Vec<Value> {
    let ops = app.token("ops.datacenter").await;
    let (status, v) = app.get(&ops, "/api/incidents").await;
    assert_eq!(status, 200, "{v}");
    v["incidents"].as_array().cloned().unwrap_or_default()
}

pub async fn incident(app: &TestApp, id: i64) -> Value {
    let ops = app.token("ops.datacenter").await;
    let (status, v) = app.get(&ops, &format!("/api/incidents/{id}")).await;
    assert_eq!(status, 200, "{v}");
    v["incident"].clone()
}

/// `minutes` on, then the jobs due.
pub async fn after(app: &TestApp, minutes: u64) {
    app.clock.advance(Duration::from_secs(minutes * 60));
    tick(app).await;
}

pub async fn tick(app: &TestApp) {
    use backstop::Clock;
    app.jobs.run_due(app.clock.now()).await.expect("jobs run");
}

/// The name of whoever is on duty for `code` now, by the duty matrix.
pub async fn on_duty(app: &TestApp, code: &str) -> String {
    let ops = app.token("ops.datacenter").await;
    let (status, v) = app
        .get(&ops, &format!("/api/duty/matrix?unit={code}"))
        .await;
    assert_eq!(status, 200, "{v}");
    v["matrix"]["units"][0]["on_duty"]["name"]
        .as_str()
        .unwrap_or("")
        .to_string()
}
