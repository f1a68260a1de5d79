//! Service levels on a clock the tests move: each tier's deadline (a small matter raised at
//! 23:30 and one just after midnight), the pause while waiting for the clerk, the four flags
//! (不办、迟办、拖办、卡壳) set, entered in the log and pushed live, and escalation up the unit
//! tree — each step once, also across a restart, and no more once the cause is cleared.
//! The background job runner is off: each test runs due work itself, at the moved time.

use crate::common;

use common::TestApp;
use serde_json::{json, Value};
use std::time::Duration;

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
/// Shanghai is eight hours ahead of UTC, all year.
const SHANGHAI_MS: i64 = 8 * 3_600_000;
const DAY_MS: i64 = 24 * 3_600_000;

async fn spawn() -> TestApp {
    TestApp::spawn_with(|s| s.job_interval_ms = 0).await
}

fn advance(app: &TestApp, secs: u64) {
    app.clock.advance(Duration::from_secs(secs));
}

/// Moves the clock on to the next `hh:mm` in Shanghai.
fn to_local(app: &TestApp, hh: i64, mm: i64) {
    use backstop::Clock;
    let local = (app.clock.now() + SHANGHAI_MS).rem_euclid(DAY_MS);
    let target = (hh * 60 + mm) * 60_000;
    let ahead = (target - local).rem_euclid(DAY_MS);
    app.clock
        .advance(Duration::from_millis(u64::try_from(ahead).expect("ahead")));
}

fn now(app: &TestApp) -> i64 {
    use backstop::Clock;
    app.clock.now()
}

/// Runs the work due now: the sweep, and escalation steps.
async fn tick(app: &TestApp) {
    app.jobs.run_due(now(app)).await.expect("jobs run");
}

async fn raise(app: &TestApp, clerk: &str, difficulty: &str) -> i64 {
    let body = json!({ "item_code": "C04", "difficulty": difficulty, "title": "社保卡密码锁定" });
    let (status, v) = app.post(clerk, "/api/tickets", body).await;
    assert_eq!(status, 201, "{v}");
    v["ticket"]["id"].as_i64().expect("id")
}

async fn show(app: &TestApp, token: &str, id: i64) -> Value {
    let (status, v) = app.get(token, &format!("/api/tickets/{id}")).await;
    assert_eq!(status, 200, "{v}");
    v
}

async fn flags(app: &TestApp, token: &str, id: i64) -> Vec<String> {
    let v = show(app, token, id).await;
    let flags = v["ticket"]["service"]["flags"].as_array().expect("flags");
    flags
        .iter()
        .map(|f| f["flag"].as_str().expect("flag").to_string())
        .collect()
}

/// The log's entries of `kind`, their bodies.
async fn entries(app: &TestApp, token: &str, id: i64, kind: &str) -> Vec<String> {
    let v = show(app, token, id).await;
    let events = v["events"].as_array().expect("events");
    events
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| e["body"].as_str().expect("body").to_string())
        .collect()
}

async fn act(app: &TestApp, token: &str, id: i64, action: &str, body: Value) {
    let (status, v) = app
        .post(token, &format!("/api/tickets/{id}/{action}"), body)
        .await;
    assert_eq!(status, 200, "{action}: {v}");
}

#[tokio::test]
async fn a_small_matter_raised_at_half_past_eleven_at_night_has_four_hours() {
    let app = spawn().await;
    let clerk = app.token("clerk.dawan").await;
    to_local(&app, 23, 30);
    let raised = now(&app);
    let id = raise(&app, &clerk, "small").await;
    let v = show(&app, &clerk, id).await;
    let service = &v["ticket"]["service"];
    assert_eq!(service["due_at"], raised + 4 * 3_600_000);
    assert_eq!(service["policy"]["tier"], "small");
    assert_eq!(service["policy"]["resolve"], "end_of_day");
    assert_eq!(service["policy"]["time_zone"], "Asia/Shanghai");
    let expert = app.token("expert.jingyuan").await;
    act(&app, &expert, id, "claim", json!({})).await;
    // Midnight passes: the day ended, but the minimum has not.
    to_local(&app, 0, 10);
    tick(&app).await;
    assert!(!flags(&app, &clerk, id).await.contains(&"late".to_string()));
    to_local(&app, 3, 31);
    tick(&app).await;
    assert!(flags(&app, &clerk, id).await.contains(&"late".to_string()));
}

#[tokio::test]
async fn a_small_matter_raised_just_after_midnight_is_due_at_the_next_midnight() {
    let app = spawn().await;
    let clerk = app.token("clerk.dawan").await;
    to_local(&app, 0, 1);
    let raised = now(&app);
    let id = raise(&app, &clerk, "small").await;
    let v = show(&app, &clerk, id).await;
    let midnight = raised - 60_000 + DAY_MS;
    assert_eq!(v["ticket"]["service"]["due_at"], midnight);
    let expert = app.token("expert.jingyuan").await;
    act(&app, &expert, id, "claim", json!({})).await;
    to_local(&app, 23, 59);
    // The expert keeps at it, so only the deadline can flag it.
    let note = json!({ "text": "正在核实", "internal": true });
    app.post(&expert, &format!("/api/tickets/{id}/messages"), note)
        .await;
    tick(&app).await;
    assert!(flags(&app, &clerk, id).await.is_empty());
    to_local(&app, 0, 0);
    tick(&app).await;
    assert_eq!(flags(&app, &clerk, id).await, ["late"]);
}

#[tokio::test]
async fn big_matters_are_due_in_a_day_and_hard_ones_in_a_week() {
    let app = spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let raised = now(&app);
    let big = raise(&app, &clerk, "big").await;
    let hard = raise(&app, &clerk, "hard").await;
    let due = |v: &Value| v["ticket"]["service"]["due_at"].as_i64().expect("due");
    assert_eq!(due(&show(&app, &clerk, big).await), raised + DAY_MS);
    assert_eq!(due(&show(&app, &clerk, hard).await), raised + 7 * DAY_MS);
    let respond = |v: &Value| {
        v["ticket"]["service"]["respond_by"]
            .as_i64()
            .expect("respond")
    };
    assert_eq!(
        respond(&show(&app, &clerk, big).await),
        raised + 20 * 60_000
    );
    advance(&app, 24 * HOUR);
    tick(&app).await;
    assert!(flags(&app, &clerk, big).await.contains(&"late".to_string()));
    assert!(!flags(&app, &clerk, hard)
        .await
        .contains(&"late".to_string()));
    advance(&app, 6 * 24 * HOUR);
    tick(&app).await;
    assert!(flags(&app, &clerk, hard)
        .await
        .contains(&"late".to_string()));
}

#[tokio::test]
async fn waiting_for_the_clerk_pauses_the_resolution_clock_and_the_back_office_does_not() {
    let app = spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let expert = app.token("expert.jingyuan").await;
    let paused = raise(&app, &clerk, "big").await;
    let referred = raise(&app, &clerk, "big").await;
    let raised = now(&app);
    for id in [paused, referred] {
        act(&app, &expert, id, "claim", json!({})).await;
    }
    act(&app, &expert, paused, "wait", json!({})).await;
    act(&app, &expert, referred, "refer", json!({})).await;
    let v = show(&app, &clerk, referred).await;
    assert_eq!(v["ticket"]["service"]["waiting_on"], "backoffice");
    // Two days waiting: the clerk's wait is not the expert's delay; the back office's is.
    advance(&app, 48 * HOUR);
    tick(&app).await;
    assert!(flags(&app, &clerk, paused).await.is_empty());
    let stuck = flags(&app, &clerk, referred).await;
    assert_eq!(stuck, ["late", "stuck"]);
    // The clerk answers: the ticket is back with the expert, its deadline two days on.
    let answer = json!({ "text": "已补充材料" });
    app.post(&clerk, &format!("/api/tickets/{paused}/messages"), answer)
        .await;
    let v = show(&app, &clerk, paused).await;
    assert_eq!(v["ticket"]["state"], "claimed");
    assert_eq!(v["ticket"]["service"]["due_at"], raised + 3 * DAY_MS);
    advance(&app, 23 * HOUR);
    act(&app, &expert, paused, "wait", json!({})).await;
    act(&app, &expert, paused, "resume", json!({})).await;
    tick(&app).await;
    assert!(flags(&app, &clerk, paused).await.is_empty());
    advance(&app, HOUR);
    tick(&app).await;
    assert_eq!(flags(&app, &clerk, paused).await, ["late"]);
}

#[tokio::test]
async fn an_unclaimed_request_is_flagged_unhandled_in_its_log_and_live() {
    let app = spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let id = raise(&app, &clerk, "small").await;
    let mut watcher = app.ws(&clerk).await;
    watcher
        .send(json!({ "type": "subscribe", "ticket": id }))
        .await;
    watcher.drain().await;
    advance(&app, 9 * MINUTE);
    tick(&app).await;
    assert!(flags(&app, &clerk, id).await.is_empty());
    advance(&app, 2 * MINUTE);
    tick(&app).await;
    assert_eq!(flags(&app, &clerk, id).await, ["unhandled"]);
    assert_eq!(entries(&app, &clerk, id, "flagged").await, ["unhandled"]);
    let set = app
        .metric("backstop_sla_flags_total{flag=\"unhandled\"}")
        .await;
    assert_eq!(set, 1.0);
    let live = watcher.recv_type("event").await;
    assert_eq!(live["event"]["kind"], "flagged");
    assert_eq!(live["event"]["body"], "unhandled");
    assert!(live["event"]["actor_id"].is_null());
    // A claim clears it; the log keeps that it was set.
    let expert = app.token("expert.jingyuan").await;
    act(&app, &expert, id, "claim", json!({})).await;
    assert!(flags(&app, &clerk, id).await.is_empty());
    assert_eq!(entries(&app, &clerk, id, "flagged").await.len(), 1);
}

#[tokio::test]
async fn a_handler_who_does_nothing_for_four_hours_is_dragging() {
    let app = spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let expert = app.token("expert.jingyuan").await;
    let id = raise(&app, &clerk, "hard").await;
    act(&app, &expert, id, "claim", json!({})).await;
    advance(&app, 3 * HOUR);
    let reply = json!({ "text": "请稍等，正在查询" });
    app.post(&expert, &format!("/api/tickets/{id}/messages"), reply)
        .await;
    advance(&app, 3 * HOUR);
    tick(&app).await;
    assert!(flags(&app, &clerk, id).await.is_empty(), "acted 3 h ago");
    advance(&app, HOUR + MINUTE);
    tick(&app).await;
    assert_eq!(flags(&app, &clerk, id).await, ["dragging"]);
    // The clerk writing does not count as the handler acting.
    let more = json!({ "text": "群众在等" });
    app.post(&clerk, &format!("/api/tickets/{id}/messages"), more)
        .await;
    assert_eq!(flags(&app, &clerk, id).await, ["dragging"]);
    let answer = json!({ "text": "已处理" });
    app.post(&expert, &format!("/api/tickets/{id}/messages"), answer)
        .await;
    assert!(flags(&app, &clerk, id).await.is_empty());
}

#[tokio::test]
async fn reopened_twice_or_transferred_three_times_a_ticket_is_stuck() {
    let app = spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let expert = app.token("expert.jingyuan").await;
    let reopened = raise(&app, &clerk, "hard").await;
    act(&app, &expert, reopened, "claim", json!({})).await;
    for round in 0..2 {
        assert!(
            flags(&app, &clerk, reopened).await.is_empty(),
            "round {round}"
        );
        act(&app, &expert, reopened, "resolve", json!({})).await;
        act(&app, &clerk, reopened, "reopen", json!({})).await;
    }
    assert_eq!(flags(&app, &clerk, reopened).await, ["stuck"]);
    assert_eq!(entries(&app, &clerk, reopened, "flagged").await, ["stuck"]);

    let moved = raise(&app, &clerk, "hard").await;
    let admin = app.token("admin").await;
    let (status, v) = app
        .get(&admin, &format!("/api/tickets/{moved}/candidates"))
        .await;
    assert_eq!(status, 200, "{v}");
    let groups: Vec<String> = v["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["code"].as_str().expect("code").to_string())
        .collect();
    assert!(groups.len() >= 2, "{groups:?}");
    for (n, group) in groups.iter().chain(groups.iter()).take(3).enumerate() {
        assert!(flags(&app, &clerk, moved).await.is_empty(), "after {n}");
        let body = json!({ "group": group, "reason": "转给专业组" });
        act(&app, &admin, moved, "transfer", body).await;
    }
    assert_eq!(flags(&app, &clerk, moved).await, ["stuck"]);
}

/// The entries of escalation steps: (step, unit, people).
async fn steps(app: &TestApp, token: &str, id: i64, flag: &str) -> Vec<(i64, String, Vec<String>)> {
    let bodies = entries(app, token, id, "escalated").await;
    bodies
        .iter()
        .map(|b| serde_json::from_str::<Value>(b).expect("a step's body is JSON"))
        .filter(|v| v["flag"] == flag)
        .map(|v| {
            let people = v["people"].as_array().expect("people");
            (
                v["step"].as_i64().expect("step"),
                v["unit"].as_str().unwrap_or("").to_string(),
                people
                    .iter()
                    .map(|p| p.as_str().unwrap_or("").to_string())
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_late_ticket_climbs_from_its_handler_to_the_region_each_step_once_across_a_restart() {
    const FLAG: &str = "late";
    let app = spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let expert = app.token("expert.jingyuan").await;
    let id = raise(&app, &clerk, "big").await;
    act(&app, &expert, id, "claim", json!({})).await;
    let mut handler = app.ws(&expert).await;
    let mut county = app.ws(&app.token("supervisor.jingyuan").await).await;
    // Keep it from dragging: only lateness climbs here.
    for _ in 0..6 {
        advance(&app, 4 * HOUR - MINUTE);
        let note = json!({ "text": "仍在处理", "internal": true });
        app.post(&expert, &format!("/api/tickets/{id}/messages"), note)
            .await;
    }
    advance(&app, 10 * MINUTE);
    tick(&app).await;
    tick(&app).await;
    assert_eq!(flags(&app, &clerk, id).await, ["late"]);
    let admin = app.token("admin").await;
    let told = steps(&app, &admin, id, FLAG).await;
    assert_eq!(told, [(0, String::new(), vec!["杨志刚".to_string()])]);
    let notice = handler.recv_type("notice").await;
    assert_eq!(notice["ticket"], id);

    // Thirty minutes on: the supervisors of the handler's county.
    advance(&app, 29 * MINUTE);
    tick(&app).await;
    assert_eq!(steps(&app, &admin, id, FLAG).await.len(), 1, "not yet");
    advance(&app, MINUTE);
    tick(&app).await;
    tick(&app).await;
    let told = steps(&app, &admin, id, FLAG).await;
    assert_eq!(told[1], (1, "泾源县".into(), vec!["兰长".to_string()]));
    assert_eq!(county.recv_type("notice").await["ticket"], id);
    drop((handler, county));

    // A restart between steps neither repeats nor skips one.
    let app = app.restart(|s| s.job_interval_ms = 0).await;
    tick(&app).await;
    assert_eq!(steps(&app, &admin, id, FLAG).await.len(), 2);
    advance(&app, HOUR);
    tick(&app).await;
    let told = steps(&app, &admin, id, FLAG).await;
    assert_eq!(told.len(), 3);
    assert_eq!(
        told[2],
        (2, "固原市".into(), vec![]),
        "a city with no supervisor"
    );
    advance(&app, 2 * HOUR);
    tick(&app).await;
    tick(&app).await;
    let told = steps(&app, &admin, id, FLAG).await;
    assert_eq!(told[3].0, 3);
    assert_eq!(told[3].2, ["金督"]);
    // Above the region there is nobody left: the chain ends.
    advance(&app, 24 * HOUR);
    tick(&app).await;
    assert_eq!(steps(&app, &admin, id, FLAG).await.len(), 4);
    // Counted since the restart: steps 2 and 3.
    let written = app
        .metric("backstop_sla_escalations_total{flag=\"late\"}")
        .await;
    assert_eq!(written, 2.0);
}

#[tokio::test]
async fn claiming_an_unhandled_ticket_stops_its_escalation() {
    const FLAG: &str = "unhandled";
    let app = spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let expert = app.token("expert.jingyuan").await;
    let id = raise(&app, &clerk, "small").await;
    advance(&app, 11 * MINUTE);
    tick(&app).await;
    let admin = app.token("admin").await;
    assert_eq!(
        steps(&app, &admin, id, FLAG).await.len(),
        1,
        "the queue was told"
    );
    act(&app, &expert, id, "claim", json!({})).await;
    advance(&app, 30 * MINUTE);
    tick(&app).await;
    assert_eq!(
        steps(&app, &admin, id, FLAG).await.len(),
        1,
        "cleared: no second step"
    );
    advance(&app, 10 * HOUR);
    tick(&app).await;
    assert_eq!(steps(&app, &admin, id, FLAG).await.len(), 1);
}
