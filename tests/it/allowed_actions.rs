//! Every ticket the server sends says what its receiver may do with it now, over HTTP and in
//! live frames; internal notes reach the staff who see the ticket and never the clerk's side.

use crate::common;

use common::TestApp;
use serde_json::{json, Value};

fn actions(ticket: &Value) -> Vec<&str> {
    ticket["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

#[tokio::test]
async fn each_person_is_told_what_they_may_do_and_the_server_refuses_the_rest() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let id = app.raise(&clerk, "养老认证失败").await;
    let path = format!("/api/tickets/{id}");
    let expected = [
        ("clerk.dawan", vec!["send", "close"]),
        ("expert.jingyuan", vec!["note", "claim"]),
        (
            "supervisor.jingyuan",
            vec!["send", "note", "transfer", "close"],
        ),
        ("officer.jingyuan", vec![]),
        ("ops.datacenter", vec![]),
    ];
    for (who, list) in &expected {
        let token = app.token(who).await;
        let (status, v) = app.get(&token, &path).await;
        assert_eq!(status, 200, "{who}");
        assert_eq!(&actions(&v["ticket"]), list, "{who}");
    }
    let officer = app.token("officer.jingyuan").await;
    let (status, _) = app
        .post(
            &officer,
            &format!("{path}/messages"),
            json!({ "text": "我来看看" }),
        )
        .await;
    assert_eq!(status, 403, "no message where none is offered");
    let (status, _) = app
        .post(&officer, &format!("{path}/claim"), json!({}))
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn live_ticket_frames_carry_each_receivers_own_actions() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let expert = app.token("expert.jingyuan").await;
    let supervisor = app.token("supervisor.jingyuan").await;
    let mut sockets = Vec::new();
    for token in [&clerk, &expert, &supervisor] {
        let mut ws = app.ws(token).await;
        ws.send(json!({ "type": "subscribe_queue" })).await;
        ws.recv_type("queue").await;
        sockets.push(ws);
    }
    let id = app.raise(&clerk, "失业金申领卡住").await;
    for ws in &mut sockets {
        ws.recv_type("ticket").await;
    }
    let (status, _) = app
        .post(&expert, &format!("/api/tickets/{id}/claim"), json!({}))
        .await;
    assert_eq!(status, 200);
    let mut got = Vec::new();
    for ws in &mut sockets {
        got.push(ws.recv_type("ticket").await);
    }
    assert_eq!(actions(&got[0]["ticket"]), ["send", "close"], "clerk");
    let directing = [
        "send", "note", "transfer", "wait", "refer", "resolve", "close",
    ];
    assert_eq!(actions(&got[1]["ticket"]), directing, "assignee");
    assert_eq!(actions(&got[2]["ticket"]), directing, "supervisor");
}

#[tokio::test]
async fn an_internal_note_reaches_the_supervisor_and_never_the_clerk() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let expert = app.token("expert.jingyuan").await;
    let supervisor = app.token("supervisor.jingyuan").await;
    let id = app.raise(&clerk, "工伤认证材料").await;
    app.post(&expert, &format!("/api/tickets/{id}/claim"), json!({}))
        .await;
    let mut clerk_ws = app.ws(&clerk).await;
    let mut boss_ws = app.ws(&supervisor).await;
    for ws in [&mut clerk_ws, &mut boss_ws] {
        ws.send(json!({ "type": "subscribe", "ticket": id })).await;
        ws.recv_type("snapshot").await;
    }
    let mut expert_ws = app.ws(&expert).await;
    let note = json!({ "type": "send", "ticket": id, "client_id": "n-1", "text": "内部：此人材料不全，先别答复", "internal": true });
    expert_ws.send(note).await;
    expert_ws.recv_type("ack").await;
    let seen = boss_ws.recv_type("event").await;
    assert_eq!(
        (
            seen["event"]["kind"].as_str(),
            seen["event"]["body"].as_str()
        ),
        (Some("note"), Some("内部：此人材料不全，先别答复"))
    );
    let reply =
        json!({ "type": "send", "ticket": id, "client_id": "m-1", "text": "请补充工伤认定书" });
    expert_ws.send(reply).await;
    expert_ws.recv_type("ack").await;
    let first = clerk_ws.recv_type("event").await;
    assert_eq!(first["event"]["kind"], "message", "the note was skipped");
    let rest = clerk_ws.drain().await;
    assert!(
        !format!("{first}{rest:?}").contains("内部"),
        "the clerk's frames never hold the note: {rest:?}"
    );
    let (_, history) = app.get(&clerk, &format!("/api/tickets/{id}")).await;
    let kinds: Vec<_> = history["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(kinds, ["created", "claimed", "message"], "nor its history");
    let (_, history) = app.get(&supervisor, &format!("/api/tickets/{id}")).await;
    assert_eq!(history["events"].as_array().map(Vec::len), Some(4));
    let (status, _) = app
        .post(
            &clerk,
            &format!("/api/tickets/{id}/messages"),
            json!({ "text": "我也想写备注", "internal": true }),
        )
        .await;
    assert_eq!(status, 403, "the clerk's side writes no notes");
}

#[tokio::test]
async fn a_resolved_ticket_takes_notes_but_no_messages_until_reopened() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let expert = app.token("expert.jingyuan").await;
    let id = app.raise(&clerk, "就业登记").await;
    for action in ["claim", "resolve"] {
        let (status, _) = app
            .post(&expert, &format!("/api/tickets/{id}/{action}"), json!({}))
            .await;
        assert_eq!(status, 200, "{action}");
    }
    let messages = format!("/api/tickets/{id}/messages");
    let (status, v) = app
        .post(&clerk, &messages, json!({ "text": "还有个问题" }))
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (409, Some("invalid_state"))
    );
    let note = json!({ "text": "已办结，可整理为知识", "internal": true });
    assert_eq!(app.post(&expert, &messages, note).await.0, 201);
    let (_, v) = app
        .post(&clerk, &format!("/api/tickets/{id}/reopen"), json!({}))
        .await;
    assert_eq!(actions(&v["ticket"]), ["send", "close"]);
    let (status, _) = app
        .post(&clerk, &messages, json!({ "text": "还有个问题" }))
        .await;
    assert_eq!(status, 201);
}
