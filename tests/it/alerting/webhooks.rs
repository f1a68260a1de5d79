//! The units' robots: an incident on 大湾乡 posts WeCom's and DingTalk's text messages to the
//! webhooks set for it; a failed delivery is kept, visible, and tried again after the backoff;
//! one that keeps failing is given up and says so in the timeline.

use super::{fire, incident, spawn, tick, tweak, DAWAN};
use crate::common::target::Receiver;
use crate::common::TestApp;
use serde_json::{json, Value};
use std::time::Duration;

async fn hook(app: &TestApp, kind: &str, url: &str) {
    let ops = app.token("ops.datacenter").await;
    let body = json!({ "unit": DAWAN, "kind": kind, "url": url });
    let (status, v) = app.post(&ops, "/api/alerting/webhooks", body).await;
    assert_eq!(status, 201, "{v}");
}

async fn hooks(app: &TestApp) -> Vec<Value> {
    let ops = app.token("ops.datacenter").await;
    let (status, v) = app.get(&ops, "/api/alerting/webhooks").await;
    assert_eq!(status, 200, "{v}");
    v["webhooks"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn robots_get_their_text_messages_and_a_failed_delivery_is_tried_again() {
    let app = spawn().await;
    let receiver = Receiver::start(1).await;
    hook(
        &app,
        "wecom",
        &format!("http://{}/cgi-bin/webhook/send?key=k1", receiver.addr),
    )
    .await;
    hook(
        &app,
        "dingtalk",
        &format!("http://{}/robot/send?access_token=t1", receiver.addr),
    )
    .await;

    let id = fire(&app, "w1", DAWAN).await;
    tick(&app).await;
    let got = receiver.received();
    assert_eq!(got.len(), 1, "the first post failed: {got:?}");
    let listed = hooks(&app).await;
    let wecom = listed.iter().find(|h| h["kind"] == "wecom").expect("wecom");
    assert_eq!(
        (wecom["pending"].clone(), wecom["last_error"].clone()),
        (json!(1), json!("状态码 500"))
    );

    app.clock.advance(Duration::from_secs(31));
    tick(&app).await;
    let got = receiver.received();
    assert_eq!(got.len(), 2, "{got:?}");
    for (path, body) in &got {
        let v: Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(v["msgtype"], "text", "{path}");
        let text = v["text"]["content"].as_str().unwrap_or("");
        assert!(text.contains("【Backstop 新告警】系统 w1 不可用"), "{text}");
        assert!(text.contains("大湾乡"), "{text}");
    }
    assert!(got
        .iter()
        .any(|(p, _)| p.starts_with("/cgi-bin/webhook/send")));
    assert!(got.iter().any(|(p, _)| p.starts_with("/robot/send")));
    let kinds: Vec<Value> = incident(&app, id).await["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["kind"].clone())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "webhook_delivered").count(),
        2
    );
    assert!(hooks(&app).await.iter().all(|h| h["pending"] == 0));
}

#[tokio::test]
async fn a_delivery_that_keeps_failing_is_given_up_and_shown() {
    let app = TestApp::spawn_with(|s| {
        tweak(s);
        s.alerting.webhook_attempts = 2;
    })
    .await;
    let receiver = Receiver::start(100).await;
    hook(&app, "json", &format!("http://{}/hook", receiver.addr)).await;
    let id = fire(&app, "w2", DAWAN).await;
    tick(&app).await;
    app.clock.advance(Duration::from_secs(31));
    tick(&app).await;
    let h = hooks(&app).await;
    assert_eq!(
        (h[0]["failed"].clone(), h[0]["pending"].clone()),
        (json!(1), json!(0))
    );
    let timeline = incident(&app, id).await["timeline"].clone();
    let failed = timeline
        .as_array()
        .expect("timeline")
        .iter()
        .find(|e| e["kind"] == "webhook_failed")
        .cloned()
        .expect("failure in the timeline");
    assert_eq!(failed["detail"], "状态码 500");
    // Bad webhooks are refused.
    let ops = app.token("ops.datacenter").await;
    for bad in [
        json!({ "unit": DAWAN, "kind": "fax", "url": "http://x/" }),
        json!({ "unit": DAWAN, "kind": "json", "url": "ftp://x/" }),
    ] {
        assert_eq!(app.post(&ops, "/api/alerting/webhooks", bad).await.0, 422);
    }
}
