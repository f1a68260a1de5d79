//! Changing monitors: settings replaced; checking stopped (停用) — which resolves a down
//! system's incident and hides it from all but those who manage monitors — and started again.

use super::{add, incidents_of, monitor, round, run_due, spawn, status};
use crate::common::target::{Mode, Target};
use serde_json::json;

#[tokio::test]
async fn a_monitor_paused_while_down_resolves_its_incident_and_is_checked_again_once_resumed() {
    let app = spawn().await;
    let target = Target::http().await;
    add(&app, "web", "http", &target.url(), json!({})).await;
    target.set(Mode::Failing);
    for _ in 0..3 {
        round(&app).await;
    }
    assert_eq!(
        incidents_of(&app, "测试系统 web（").await[0]["status"],
        "open"
    );

    let ops = app.token("ops.datacenter").await;
    let (s, v) = app
        .post(&ops, "/api/uptime/monitors/web/pause", json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        app.post(&ops, "/api/uptime/monitors/web/pause", json!({}))
            .await
            .0,
        409
    );
    app.uptime.reload().await;
    round(&app).await;
    let resolved = incidents_of(&app, "测试系统 web（").await;
    assert_eq!(
        resolved[0]["status"], "resolved",
        "nothing open that nobody checks"
    );
    let checks = r#"backstop_probe_checks_total{monitor="web",unit="640424"}"#;
    let before = app.metric(checks).await;
    round(&app).await;
    assert_eq!(
        app.metric(checks).await,
        before,
        "a paused monitor is not checked"
    );
    let m = monitor(&app, "web").await;
    assert_eq!(
        (m["paused"].clone(), m["actions"].clone()),
        (json!(true), json!(["resume"]))
    );
    let officer = app.token("officer.jingyuan").await;
    let (_, seen) = app.get(&officer, "/api/uptime/monitors").await;
    assert!(seen["monitors"]
        .as_array()
        .expect("list")
        .iter()
        .all(|m| m["key"] != "web"));

    target.set(Mode::Healthy);
    assert_eq!(
        app.post(&ops, "/api/uptime/monitors/web/resume", json!({}))
            .await
            .0,
        200
    );
    app.uptime.reload().await;
    run_due(&app).await;
    round(&app).await;
    assert_eq!(status(&app, "web").await, "up");
    assert!(app.metric(checks).await > before);
}

#[tokio::test]
async fn a_monitor_is_changed_whole_by_those_who_manage_it() {
    let app = spawn().await;
    let (old, new) = (Target::http().await, Target::http().await);
    add(&app, "web", "http", &old.url(), json!({})).await;
    let ops = app.token("ops.datacenter").await;
    let body = json!({ "key": "web", "name": "人社一体化（泾源县）", "unit": super::JINGYUAN,
        "kind": "http", "target": new.url(), "keyword": "正常", "interval_secs": 30 });
    let (s, v) = app
        .call(
            reqwest::Method::PUT,
            &ops,
            "/api/uptime/monitors/web",
            body.clone(),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let m = monitor(&app, "web").await;
    assert_eq!(
        (m["name"].clone(), m["target"].clone()),
        (json!("人社一体化（泾源县）"), json!(new.url()))
    );
    assert_eq!(
        (m["interval_secs"].clone(), m["expect"]["keyword"].clone()),
        (json!(30), json!("正常"))
    );

    let mut renamed = body.clone();
    renamed["key"] = json!("other");
    let put = |b| app.call(reqwest::Method::PUT, &ops, "/api/uptime/monitors/web", b);
    assert_eq!(put(renamed).await.0, 422);
    let mut bad = body.clone();
    bad["timeout_secs"] = json!(60);
    assert_eq!(
        put(bad).await.0,
        422,
        "the timeout may not pass the interval"
    );
    let clerk = app.token("clerk.dawan").await;
    let path = "/api/uptime/monitors/web";
    assert_eq!(
        app.call(reqwest::Method::PUT, &clerk, path, body.clone())
            .await
            .0,
        403
    );
    let gone = "/api/uptime/monitors/nothing";
    assert_eq!(
        app.call(reqwest::Method::PUT, &ops, gone, body).await.0,
        404
    );
    assert_eq!(
        app.post(&ops, "/api/uptime/monitors/nothing/pause", json!({}))
            .await
            .0,
        404
    );
}
