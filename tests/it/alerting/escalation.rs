//! The climb: told first to the township's officer on duty, then — each level's timeout later,
//! unacknowledged — the county's, the city's, the region's, and the region's again; each step
//! once, however often the job runs, and across a restart. Acknowledging stops it.

use super::{after, fire, incident, on_duty, spawn, tick, tweak, DAWAN, GUYUAN, JINGYUAN, REGION};
use serde_json::json;

fn kinds(incident: &serde_json::Value) -> Vec<String> {
    incident["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn an_unacknowledged_incident_climbs_to_the_region_one_step_at_a_time() {
    let app = spawn().await;
    let officer = app.token("officer.dawan").await;
    let mut ws = app.ws(&officer).await;
    ws.drain().await;

    let id = fire(&app, "a1", DAWAN).await;
    let notice = ws.recv_type("incident_notice").await;
    assert_eq!(notice["incident"]["id"], id);
    assert_eq!(notice["incident"]["reached"]["code"], DAWAN);
    let i = incident(&app, id).await;
    assert_eq!(
        (i["step"].clone(), i["status"].clone()),
        (json!(0), json!("open"))
    );
    assert_eq!(i["told"], on_duty(&app, DAWAN).await);

    // Township: 5 minutes; county: 10; city: 15; the region repeats every 15.
    let climb = [
        (4, 0, DAWAN),
        (1, 1, JINGYUAN),
        (9, 1, JINGYUAN),
        (1, 2, GUYUAN),
        (15, 3, REGION),
        (15, 4, REGION),
    ];
    for (minutes, step, code) in climb {
        after(&app, minutes).await;
        tick(&app).await;
        let i = incident(&app, id).await;
        assert_eq!(i["step"], step, "after {minutes} more minutes");
        assert_eq!(i["reached"]["code"], code);
        assert_eq!(i["told"], on_duty(&app, code).await, "step {step}");
    }
    let k = kinds(&incident(&app, id).await);
    assert_eq!(k.iter().filter(|k| *k == "notified").count(), 1);
    assert_eq!(k.iter().filter(|k| *k == "escalated").count(), 4, "{k:?}");
    let by_level = |l: &str| format!("backstop_incident_escalations_total{{level=\"{l}\"}}");
    assert_eq!(app.metric(&by_level("county")).await, 1.0);
    assert_eq!(app.metric(&by_level("region")).await, 2.0);
    let waiting = app
        .metric(r#"backstop_incident_unacknowledged_seconds{level="region"}"#)
        .await;
    assert_eq!(waiting, 45.0 * 60.0);
}

#[tokio::test]
async fn a_restart_mid_climb_neither_repeats_nor_skips_and_acknowledging_stops_it() {
    let app = spawn().await;
    let id = fire(&app, "b2", DAWAN).await;
    after(&app, 5).await;
    assert_eq!(incident(&app, id).await["step"], 1);

    let app = app.restart(tweak).await;
    tick(&app).await;
    assert_eq!(
        incident(&app, id).await["step"],
        1,
        "nothing repeated on restart"
    );
    after(&app, 10).await;
    tick(&app).await;
    let i = incident(&app, id).await;
    assert_eq!(
        (i["step"].clone(), i["reached"]["code"].clone()),
        (json!(2), json!(GUYUAN))
    );

    // Outside the area, or a clerk: no such incident. Unit heads watch, they do not act.
    let path = format!("/api/incidents/{id}/acknowledge");
    for who in ["clerk.dawan", "officer.640425"] {
        let token = app.token(who).await;
        assert_eq!(app.post(&token, &path, json!({})).await.0, 404, "{who}");
    }
    let county = app.token("officer.jingyuan").await;
    let (status, v) = app.post(&county, &path, json!({})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["incident"]["status"], "acknowledged");
    assert_eq!(app.post(&county, &path, json!({})).await.0, 409);
    after(&app, 60).await;
    assert_eq!(incident(&app, id).await["step"], 2, "the climb stopped");

    let resolve = format!("/api/incidents/{id}/resolve");
    let (status, v) = app
        .post(&county, &resolve, json!({ "note": "线路已恢复" }))
        .await;
    assert_eq!(status, 200, "{v}");
    let k = kinds(&incident(&app, id).await);
    assert_eq!(
        k,
        [
            "opened",
            "notified",
            "escalated",
            "escalated",
            "acknowledged",
            "resolved"
        ]
    );
}
