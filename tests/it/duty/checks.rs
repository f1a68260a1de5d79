//! Daily checks: the township's officer completes the day's checklist, which is kept with who
//! and when and pushed live to those following the matrix; a check missed at the deadline is
//! reported to the officer on duty one level up, and each hour to the next level, to the
//! region — each step once, also when the job runs again and across a restart; a check done
//! stops its climb.

use super::{now, row, spawn, tick, to_local, DAWAN, JINGYUAN};
use crate::common::TestApp;
use serde_json::{json, Value};

fn all_well(items: &Value) -> Value {
    let results: Vec<Value> = items
        .as_array()
        .expect("items")
        .iter()
        .map(|i| json!({ "item": i, "ok": true, "note": "" }))
        .collect();
    json!({ "results": results, "note": "正常" })
}

async fn checklist(app: &TestApp, token: &str, code: &str) -> Value {
    let (status, v) = app.get(token, &format!("/api/duty/checks/{code}")).await;
    assert_eq!(status, 200, "{v}");
    v["check"].clone()
}

async fn complete(app: &TestApp, token: &str, code: &str) -> (u16, Value) {
    let items = checklist(app, token, code).await["items"].clone();
    let path = format!("/api/duty/checks/{code}");
    app.post(token, &path, all_well(&items)).await
}

#[tokio::test]
async fn the_township_officer_completes_the_check_and_those_following_see_it_live() {
    let app = spawn().await;
    let officer = app.token("officer.dawan").await;
    let ops = app.token("ops.datacenter").await;
    let mut follower = app.ws(&ops).await;
    follower.send(json!({ "type": "subscribe_duty" })).await;
    follower.drain().await;

    // 16:00: the demo left 大湾乡's check undone, so it is missed, and its officer may do it.
    let before = row(&app, &officer, DAWAN).await;
    assert_eq!(before["check"]["state"], "missed");
    assert_eq!(
        (before["actions"].clone(), before["mine"].clone()),
        (json!(["check"]), json!(true))
    );
    let above = row(&app, &app.token("officer.jingyuan").await, DAWAN).await;
    assert_eq!(
        (above["actions"].clone(), above["mine"].clone()),
        (json!([]), json!(false))
    );
    assert_eq!(row(&app, &ops, DAWAN).await["actions"], json!([]));
    let list = checklist(&app, &officer, DAWAN).await;
    assert_eq!(list["items"].as_array().expect("items").len(), 5);
    assert!(list["done"].is_null());

    // Every item once, and nothing else.
    let path = format!("/api/duty/checks/{DAWAN}");
    let short = json!({ "results": [{ "item": "网络连通", "ok": true }] });
    assert_eq!(app.post(&officer, &path, short).await.0, 422);
    let mut extra = all_well(&list["items"]);
    extra["results"]
        .as_array_mut()
        .expect("results")
        .push(json!({ "item": "咖啡机", "ok": true }));
    assert_eq!(app.post(&officer, &path, extra).await.0, 422);
    // Not the clerk's, nor ops staff's, nor an officer's outside their area.
    let clerk = app.token("clerk.dawan").await;
    assert_eq!(
        app.post(&clerk, &path, all_well(&list["items"])).await.0,
        404
    );
    assert_eq!(app.post(&ops, &path, all_well(&list["items"])).await.0, 403);
    assert_eq!(app.get(&officer, "/api/duty/checks/640424001").await.0, 404);

    let (status, v) = complete(&app, &officer, DAWAN).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        (v["check"]["by"].as_str(), v["check"]["late"].as_bool()),
        (Some("丁守"), Some(true))
    );
    let frame = follower.recv_type("duty").await;
    assert_eq!(frame["unit"], DAWAN);
    let after = row(&app, &ops, DAWAN).await;
    assert_eq!(after["check"]["state"], "late");
    assert_eq!(after["check"]["by"], "丁守");
    assert_eq!(after["check"]["at"], now(&app));
    assert_eq!(row(&app, &officer, DAWAN).await["actions"], json!([]));
    let kept = checklist(&app, &ops, DAWAN).await["done"].clone();
    assert_eq!(kept["results"].as_array().expect("results").len(), 5);
    assert_eq!(kept["note"], "正常");
    assert_eq!(complete(&app, &officer, DAWAN).await.0, 409);
    assert_eq!(app.metric("backstop_duty_checks_done_total").await, 1.0);
}

/// The steps taken so far for `code`'s missed check: (step, unit told, person told).
async fn told(app: &TestApp, token: &str, code: &str) -> Vec<(i64, String, String)> {
    let r = row(app, token, code).await;
    let steps = r["check"]["told"].as_array().expect("told").clone();
    steps
        .iter()
        .map(|s| {
            let text = |v: &Value| v.as_str().unwrap_or("").to_string();
            (
                s["step"].as_i64().expect("step"),
                text(&s["unit"]),
                text(&s["person"]),
            )
        })
        .collect()
}

/// Runs the daily look now, though it is not due.
async fn again(app: &TestApp) {
    let db = backstop::db::Db::connect(&app.db.url, std::time::Duration::from_secs(5))
        .await
        .expect("db");
    backstop::jobs::schedule_alone(&db, backstop::duty::missed::KIND, "all", now(app))
        .await
        .expect("scheduled");
    db.close().await;
    tick(app).await;
}

/// The duty notices that reached a socket, as (unit, step).
async fn notices(ws: &mut crate::common::Ws) -> Vec<(String, i64)> {
    let frames = ws.drain().await;
    frames
        .iter()
        .filter(|f| f["type"] == "duty_notice")
        .map(|f| {
            (
                f["unit"].as_str().unwrap_or("").to_string(),
                f["step"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_missed_check_climbs_a_level_each_hour_each_step_once_across_a_restart() {
    let app = spawn().await;
    let ops = app.token("ops.datacenter").await;
    let county = app.token("officer.jingyuan").await;
    let mut county_ws = app.ws(&county).await;

    // The next morning at nine no check is done yet, and none is late.
    to_local(&app, 9, 0);
    tick(&app).await;
    assert_eq!(row(&app, &ops, DAWAN).await["check"]["state"], "pending");
    assert!(told(&app, &ops, DAWAN).await.is_empty());

    // At ten it is missed: its own officer on duty is reminded, the county's is told.
    to_local(&app, 10, 0);
    let county_on_duty = row(&app, &ops, JINGYUAN).await["on_duty"]["name"].clone();
    tick(&app).await;
    assert_eq!(row(&app, &ops, DAWAN).await["check"]["state"], "missed");
    let steps = told(&app, &ops, DAWAN).await;
    let county_name = county_on_duty
        .as_str()
        .expect("someone on duty")
        .to_string();
    assert_eq!(
        steps,
        vec![
            (0, DAWAN.into(), "丁守".into()),
            (1, JINGYUAN.into(), county_name)
        ]
    );
    let heard = notices(&mut county_ws).await;
    assert_eq!(
        heard.iter().filter(|n| n.0 == DAWAN).count(),
        1,
        "{heard:?}"
    );
    // Running again at once tells nobody twice.
    let taken = app.metric("backstop_duty_check_escalations_total").await;
    again(&app).await;
    assert_eq!(told(&app, &ops, DAWAN).await.len(), 2);
    assert!(notices(&mut county_ws).await.iter().all(|n| n.0 != DAWAN));
    assert_eq!(
        app.metric("backstop_duty_check_escalations_total").await,
        taken
    );

    // A check done late stops its own climb; 大湾乡's goes on to the city at eleven. The
    // county officer sees 香水镇's but it is its own officer's to do.
    to_local(&app, 10, 30);
    assert_eq!(complete(&app, &county, "640424001").await.0, 403);
    let xiangshui = app.token("officer.640424001").await;
    assert_eq!(complete(&app, &xiangshui, "640424001").await.0, 201);
    to_local(&app, 11, 0);
    tick(&app).await;
    assert_eq!(told(&app, &ops, "640424001").await.len(), 2);
    let steps = told(&app, &ops, DAWAN).await;
    assert_eq!(
        (steps.len(), steps[2].1.as_str(), steps[2].2.as_str()),
        (3, "640400", "冯安")
    );

    // A restart in the middle neither repeats a step nor skips the next.
    drop(county_ws);
    let app = app.restart(|s| s.job_interval_ms = 0).await;
    tick(&app).await;
    assert_eq!(told(&app, &ops, DAWAN).await.len(), 3);
    to_local(&app, 12, 0);
    tick(&app).await;
    let steps = told(&app, &ops, DAWAN).await;
    assert_eq!(
        steps.iter().map(|s| s.0).collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );
    assert_eq!(steps[3].1, "640000");
    // Above the region there is nobody left to tell.
    to_local(&app, 13, 0);
    tick(&app).await;
    assert_eq!(told(&app, &ops, DAWAN).await.len(), 4);
}

#[tokio::test]
async fn a_unit_keeps_its_own_checklist_which_those_arranging_its_duty_set() {
    let app = spawn().await;
    let (admin, officer) = (app.token("admin").await, app.token("officer.dawan").await);
    let path = format!("/api/duty/checks/{DAWAN}/items");
    let own = json!({ "items": ["网络连通", " 高拍仪 ", ""] });
    let put = reqwest::Method::PUT;
    assert_eq!(
        app.call(put.clone(), &officer, &path, own.clone()).await.0,
        403
    );
    let (status, v) = app.call(put.clone(), &admin, &path, own).await;
    assert_eq!(
        (status, v["items"].clone()),
        (200, json!(["网络连通", "高拍仪"]))
    );
    assert_eq!(
        checklist(&app, &officer, DAWAN).await["items"],
        json!(["网络连通", "高拍仪"])
    );
    let twice = json!({ "items": ["网络连通", "网络连通"] });
    assert_eq!(app.call(put.clone(), &admin, &path, twice).await.0, 422);
    assert_eq!(complete(&app, &officer, DAWAN).await.0, 201);
    // An empty list goes back to the region's.
    let (_, v) = app.call(put, &admin, &path, json!({ "items": [] })).await;
    assert_eq!(v["items"].as_array().expect("items").len(), 5);
}
