//! Ratings (好评/中评/差评) and the supervisors' board (督办): a clerk rates a resolved ticket
//! once, a bad rating opens a review, satisfaction shows per unit and per expert; the board
//! counts flagged tickets per unit one level down, lists them oldest first, drills down to a
//! township, exports CSV, and stays inside the supervisor's area.

use crate::common;

use common::TestApp;
use serde_json::{json, Value};
use std::time::Duration;

async fn spawn() -> TestApp {
    TestApp::spawn_with(|s| s.job_interval_ms = 0).await
}

async fn act(app: &TestApp, token: &str, id: i64, action: &str, body: Value) -> (u16, Value) {
    app.post(token, &format!("/api/tickets/{id}/{action}"), body)
        .await
}

/// A ticket raised by the Dawan clerk, claimed and resolved by the Jingyuan expert.
async fn resolved(app: &TestApp, clerk: &str, expert: &str) -> i64 {
    let id = app.raise(clerk, "养老保险转移").await;
    assert_eq!(act(app, expert, id, "claim", json!({})).await.0, 200);
    assert_eq!(act(app, expert, id, "resolve", json!({})).await.0, 200);
    id
}

fn actions(v: &Value) -> Vec<String> {
    v["ticket"]["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| a.as_str().expect("action").to_string())
        .collect()
}

async fn board(app: &TestApp, token: &str, unit: Option<&str>) -> (u16, Value) {
    let path = match unit {
        Some(code) => format!("/api/board?unit={code}"),
        None => "/api/board".to_string(),
    };
    app.get(token, &path).await
}

#[tokio::test]
async fn a_clerk_rates_a_resolved_ticket_once_and_a_bad_rating_opens_a_review() {
    let app = spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let expert = app.token("expert.jingyuan").await;
    let supervisor = app.token("supervisor.jingyuan").await;
    let id = resolved(&app, &clerk, &expert).await;
    let (_, v) = app.get(&clerk, &format!("/api/tickets/{id}")).await;
    assert!(actions(&v).contains(&"rate".to_string()), "{v}");

    let rating = json!({ "score": "bad", "comment": "答复不清楚，群众跑了两趟" });
    let (status, v) = act(&app, &clerk, id, "rate", rating).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["ticket"]["rating"], "bad");
    assert!(!actions(&v).contains(&"rate".to_string()));
    let (status, v) = act(&app, &clerk, id, "rate", json!({ "score": "good" })).await;
    assert_eq!(status, 409, "{v}");
    assert_eq!(v["error"]["code"], "conflict");
    let (_, v) = app.get(&clerk, &format!("/api/tickets/{id}")).await;
    let rated: Vec<&Value> = v["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "rated")
        .collect();
    assert_eq!(rated.len(), 1);
    assert_eq!(rated[0]["body"], "bad 答复不清楚，群众跑了两趟");

    let (status, v) = board(&app, &supervisor, None).await;
    assert_eq!(status, 200, "{v}");
    let b = &v["board"];
    assert_eq!(b["totals"]["bad"], 1);
    assert_eq!(b["experts"][0]["name"], "杨志刚");
    assert_eq!(b["experts"][0]["bad"], 1);
    let review = &b["reviews"][0];
    assert_eq!(review["ticket_id"], id);
    assert_eq!(review["comment"], "答复不清楚，群众跑了两趟");
    let review_id = review["id"].as_i64().expect("review id");
    let outcome = json!({ "outcome": "已约谈专家，重新答复" });
    let (status, _) = app
        .post(
            &supervisor,
            &format!("/api/reviews/{review_id}/close"),
            outcome,
        )
        .await;
    assert_eq!(status, 204);
    let (_, v) = board(&app, &supervisor, None).await;
    assert_eq!(v["board"]["reviews"], json!([]));
    assert_eq!(v["board"]["totals"]["bad"], 1, "the rating stays counted");

    // A good one opens nothing.
    let other = resolved(&app, &clerk, &expert).await;
    let (status, _) = act(&app, &clerk, other, "rate", json!({ "score": "good" })).await;
    assert_eq!(status, 200);
    let (_, v) = board(&app, &supervisor, None).await;
    assert_eq!(v["board"]["totals"]["good"], 1);
    assert_eq!(v["board"]["reviews"], json!([]));
}

#[tokio::test]
async fn only_the_clerk_rates_only_a_done_ticket_and_bad_input_writes_nothing() {
    let app = spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let expert = app.token("expert.jingyuan").await;
    let open = app.raise(&clerk, "失业金申领").await;
    let (status, v) = act(&app, &clerk, open, "rate", json!({ "score": "good" })).await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (409, json!("invalid_state"))
    );
    let id = resolved(&app, &clerk, &expert).await;
    let (status, _) = act(&app, &expert, id, "rate", json!({ "score": "good" })).await;
    assert_eq!(status, 403);
    let (status, v) = act(&app, &clerk, id, "rate", json!({ "score": "great" })).await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (422, json!("invalid_input"))
    );
    let long = json!({ "score": "bad", "comment": "太".repeat(201) });
    let (status, v) = act(&app, &clerk, id, "rate", long).await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (422, json!("too_long"))
    );
    let (status, _) = act(&app, &clerk, id, "rate", json!({ "stars": 5 })).await;
    assert_eq!(status, 400);
    let (_, v) = app.get(&clerk, &format!("/api/tickets/{id}")).await;
    assert!(v["ticket"]["rating"].is_null());
    assert!(actions(&v).contains(&"rate".to_string()));
}

fn line<'a>(board: &'a Value, name: &str) -> &'a Value {
    board["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["name"] == name)
        .unwrap_or_else(|| panic!("no line {name} in {board}"))
}

#[tokio::test]
async fn the_board_counts_flagged_tickets_per_unit_drills_down_and_exports() {
    let app = spawn().await;
    let dawan = app.token("clerk.dawan").await;
    let zhenbeibao = app.token("clerk.zhenbeibao").await;
    let first = app.raise(&dawan, "先提的").await;
    app.clock.advance(Duration::from_secs(60));
    let second = app.raise(&dawan, "后提的").await;
    app.raise(&zhenbeibao, "银川的").await;
    app.clock.advance(Duration::from_secs(11 * 60));
    use backstop::Clock;
    app.jobs.run_due(app.clock.now()).await.expect("jobs");

    let region = app.token("supervisor.region").await;
    let (status, v) = board(&app, &region, None).await;
    assert_eq!(status, 200, "{v}");
    let b = &v["board"];
    assert_eq!(b["totals"]["unhandled"], 3);
    assert_eq!(b["totals"]["open"], 3);
    assert_eq!(line(b, "固原市")["unhandled"], 2);
    assert_eq!(line(b, "银川市")["unhandled"], 1);
    let oldest: Vec<i64> = b["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .map(|t| t["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(&oldest[..2], [first, second], "oldest first");

    let guyuan = line(b, "固原市")["code"]
        .as_str()
        .expect("code")
        .to_string();
    let (_, v) = board(&app, &region, Some(&guyuan)).await;
    let jingyuan = line(&v["board"], "泾源县")["code"]
        .as_str()
        .expect("code")
        .to_string();
    let (_, v) = board(&app, &region, Some(&jingyuan)).await;
    let b = &v["board"];
    assert_eq!(line(b, "大湾乡")["unhandled"], 2);
    let trail: Vec<&str> = b["trail"]
        .as_array()
        .expect("trail")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    assert_eq!(&trail[1..], ["固原市", "泾源县"]);

    let r = app
        .http
        .get(app.url(&format!("/api/board.csv?unit={jingyuan}")))
        .bearer_auth(&region)
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    let text = r.text().await.expect("body");
    assert!(text.starts_with("\u{feff}编号,单位"), "{text}");
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.contains("unhandled"));

    // Inside one's own area only; and only for those who oversee.
    let county = app.token("supervisor.jingyuan").await;
    let (status, v) = board(&app, &county, Some(&guyuan)).await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (422, json!("invalid_input"))
    );
    let (status, v) = board(&app, &county, None).await;
    assert_eq!(status, 200);
    assert_eq!(v["board"]["totals"]["unhandled"], 2);
    let (status, _) = board(&app, &dawan, None).await;
    assert_eq!(status, 403);
    let expert = app.token("expert.jingyuan").await;
    assert_eq!(board(&app, &expert, None).await.0, 403);
}
