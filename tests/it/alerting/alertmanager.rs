//! Alertmanager's webhook, version 4: a group of firing alerts opens one incident each on the
//! unit its label names (the region without one), sent again it opens nothing more, a resolved
//! alert resolves its incident; malformed payloads and wrong tokens are refused and change
//! nothing.

use super::{alert, incident, incidents, intake, payload, spawn, DAWAN, JINGYUAN, REGION, TOKEN};
use crate::common::TestApp;
use serde_json::json;

#[tokio::test]
async fn a_group_of_alerts_opens_one_incident_each_and_resolved_ones_close_them() {
    let app = spawn().await;
    let group = payload(
        "firing",
        vec![
            alert("firing", "f1", Some(DAWAN)),
            alert("firing", "f2", Some(JINGYUAN)),
            alert("firing", "f3", None),
        ],
    )
    .to_string();
    let (status, v) = intake(&app, TOKEN, &group).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v, json!({ "opened": 3, "resolved": 0, "unchanged": 0 }));
    let units: Vec<(String, String)> = incidents(&app)
        .await
        .iter()
        .map(|i| {
            (
                i["key"].as_str().unwrap_or("").into(),
                i["unit"]["code"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    for (fp, unit) in [("f1", DAWAN), ("f2", JINGYUAN), ("f3", REGION)] {
        assert!(
            units.contains(&(fp.into(), unit.into())),
            "{fp} on {unit}: {units:?}"
        );
    }
    let f1 = incidents(&app)
        .await
        .into_iter()
        .find(|i| i["key"] == "f1")
        .expect("f1");
    assert_eq!(f1["title"], "系统 f1 不可用");
    assert_eq!(f1["severity"], "critical");

    // Alertmanager repeats a group while it fires: nothing more opens.
    let (_, v) = intake(&app, TOKEN, &group).await;
    assert_eq!(v, json!({ "opened": 0, "resolved": 0, "unchanged": 3 }));

    let resolved = payload("resolved", vec![alert("resolved", "f1", Some(DAWAN))]).to_string();
    let (status, v) = intake(&app, TOKEN, &resolved).await;
    assert_eq!((status, v["resolved"].clone()), (200, json!(1)), "{v}");
    let id = f1["id"].as_i64().expect("id");
    let f1 = incident(&app, id).await;
    assert_eq!(f1["status"], "resolved");
    let last = f1["timeline"]
        .as_array()
        .and_then(|t| t.last().cloned())
        .expect("timeline");
    assert_eq!(last["kind"], "recovered");
    // It fires again later: a new incident.
    let again = payload("firing", vec![alert("firing", "f1", Some(DAWAN))]).to_string();
    assert_eq!(intake(&app, TOKEN, &again).await.1["opened"], 1);
}

#[tokio::test]
async fn malformed_payloads_and_wrong_tokens_are_refused_and_change_nothing() {
    let app = spawn().await;
    let good = payload("firing", vec![alert("firing", "g1", Some(DAWAN))]);
    let mut old = good.clone();
    old["version"] = json!("3");
    let mut nameless = good.clone();
    nameless["alerts"][0]
        .as_object_mut()
        .expect("alert")
        .remove("fingerprint");
    let mut odd = good.clone();
    odd["alerts"][0]["status"] = json!("pending");
    for (body, says) in [
        ("{\"version\": \"4\", ".to_string(), "JSON"),
        (old.to_string(), "version"),
        (nameless.to_string(), "fingerprint"),
        (odd.to_string(), "alerts.status"),
    ] {
        let (status, v) = intake(&app, TOKEN, &body).await;
        assert_eq!(status, 400, "{v}");
        let message = v["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains(says), "{says}: {v}");
    }
    assert_eq!(intake(&app, "wrong", &good.to_string()).await.0, 401);
    assert!(incidents(&app).await.is_empty(), "nothing was taken");
    assert_eq!(intake(&app, TOKEN, &good.to_string()).await.0, 200);

    let closed = TestApp::spawn_with(|s| s.job_interval_ms = 0).await;
    assert_eq!(
        intake(&closed, TOKEN, &good.to_string()).await.0,
        403,
        "no token set: no intake"
    );
}
