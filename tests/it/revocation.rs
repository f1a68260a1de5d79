//! Taking access away reaches open sockets: an expired session hears nothing more; a person
//! disabled, re-roled, moved or given a new password by an administrator is closed at once and
//! hears nothing after the change; the same changes made from the command line (another
//! process) close sockets within the session check period (`session_check_ms`, 100 ms here) —
//! all with 4003.

use crate::common;

use common::{Received, TestApp, Ws};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

async fn app() -> TestApp {
    TestApp::spawn_with(|s| {
        s.live.session_check_ms = 100;
        // No background jobs: their writes would compete with the command line's for SQLite's
        // one write lock, which a loaded machine has twice let it wait 30 s for.
        s.job_interval_ms = 0;
    })
    .await
}

/// Frames until the socket closes; returns them and the close code.
async fn until_closed(ws: &mut Ws) -> (Vec<Value>, Option<u16>) {
    let mut frames = Vec::new();
    loop {
        match ws.next().await {
            Received::Frame(v) => frames.push(v),
            Received::Closed(code) => return (frames, code),
        }
    }
}

async fn user_id(app: &TestApp, token: &str) -> i64 {
    app.get(token, "/api/me").await.1["user"]["id"]
        .as_i64()
        .expect("id")
}

#[tokio::test]
async fn an_expired_session_hears_nothing_more_and_its_socket_closes() {
    let app = app().await;
    let clerk = app.token("clerk.dawan").await;
    let id = app.raise(&clerk, "会话过期").await;
    let mut ws = app.ws(&clerk).await;
    ws.send(json!({ "type": "subscribe", "ticket": id })).await;
    ws.recv_type("snapshot").await;
    app.clock.advance(Duration::from_secs(31 * 24 * 3600));
    let expert = app.token("expert.jingyuan").await;
    app.post(&expert, &format!("/api/tickets/{id}/claim"), json!({}))
        .await;
    let (frames, code) = until_closed(&mut ws).await;
    assert_eq!(code, Some(4003));
    assert!(
        frames
            .iter()
            .all(|f| f["type"] != "event" && f["type"] != "ticket"),
        "nothing after the session ended: {frames:?}"
    );
}

#[tokio::test]
async fn a_disabled_person_is_closed_at_once_cannot_sign_in_and_can_be_enabled_again() {
    let app = app().await;
    let admin = app.token("admin").await;
    let expert = app.token("expert.jingyuan").await;
    let expert_id = user_id(&app, &expert).await;
    let mut ws = app.ws(&expert).await;
    let officer = app.token("officer.region").await;
    let path = format!("/api/people/{expert_id}/disable");
    assert_eq!(
        app.post(&officer, &path, json!({})).await.0,
        403,
        "only administrators"
    );
    assert_eq!(app.post(&admin, &path, json!({})).await.0, 204);
    assert_eq!(until_closed(&mut ws).await.1, Some(4003));
    assert_eq!(app.get(&expert, "/api/me").await.0, 401);
    let (status, v) = app.sign_in("expert.jingyuan", "backstop").await;
    assert_eq!(
        (status, &v["error"]["code"]),
        (403, &json!("account_disabled"))
    );
    let enable = format!("/api/people/{expert_id}/enable");
    assert_eq!(app.post(&admin, &enable, json!({})).await.0, 204);
    app.token("expert.jingyuan").await;
}

#[tokio::test]
async fn a_person_given_another_role_from_the_command_line_is_closed_within_the_check_period() {
    let app = app().await;
    let expert = app.token("expert.jingyuan").await;
    let mut ws = app.ws(&expert).await;
    let args = [
        "user",
        "change",
        "--username",
        "expert.jingyuan",
        "--role",
        "supervisor",
        "--no-group",
    ];
    let out = app.cli(&args, "");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(until_closed(&mut ws).await.1, Some(4003));
    assert_eq!(
        app.get(&expert, "/api/me").await.0,
        401,
        "their sessions ended"
    );
    let me = app
        .get(&app.token("expert.jingyuan").await, "/api/me")
        .await
        .1;
    assert_eq!(
        me["user"]["role"], "supervisor",
        "signed in again, with the new role"
    );
}

#[tokio::test]
async fn a_password_changed_from_the_command_line_ends_sessions_and_closes_sockets() {
    let app = app().await;
    let expert = app.token("expert.jingyuan").await;
    let mut ws = app.ws(&expert).await;
    let args = ["user", "passwd", "--username", "expert.jingyuan"];
    let out = app.cli(&args, "泾源新密码2026\n");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(until_closed(&mut ws).await.1, Some(4003));
    assert_eq!(app.get(&expert, "/api/me").await.0, 401);
    assert_eq!(login(&app, "expert.jingyuan", "泾源新密码2026").await, 200);
}

async fn login(app: &TestApp, username: &str, password: &str) -> u16 {
    let body = json!({ "username": username, "password": password });
    let r = app
        .http
        .post(app.url("/api/tokens"))
        .json(&body)
        .send()
        .await;
    r.expect("login").status().as_u16()
}

/// An expert watching the queue and a ticket of their county; an administrator's change to
/// them closes the socket at once — well before the 30 s session check of the default
/// settings — and a ticket raised afterwards never reaches it.
async fn closed_at_once_by(change: impl AsyncFnOnce(&TestApp, i64)) {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let id = app.raise(&clerk, "改角色之前").await;
    let expert = app.token("expert.jingyuan").await;
    let expert_id = user_id(&app, &expert).await;
    let mut ws = app.ws(&expert).await;
    ws.send(json!({ "type": "subscribe_queue" })).await;
    ws.recv_type("queue").await;
    ws.send(json!({ "type": "subscribe", "ticket": id })).await;
    ws.recv_type("snapshot").await;
    change(&app, expert_id).await;
    app.raise(&clerk, "改角色之后").await;
    app.post(
        &clerk,
        &format!("/api/tickets/{id}/messages"),
        json!({ "text": "还在吗" }),
    )
    .await;
    let (frames, code) = tokio::time::timeout(Duration::from_secs(5), until_closed(&mut ws))
        .await
        .expect("closed at once, not at the next session check");
    assert_eq!(code, Some(4003));
    assert!(frames.is_empty(), "nothing after the change: {frames:?}");
    assert_eq!(app.get(&expert, "/api/me").await.0, 401, "sessions ended");
}

#[tokio::test]
async fn a_person_given_another_role_by_an_administrator_is_closed_at_once() {
    closed_at_once_by(async |app, id| {
        let admin = app.token("admin").await;
        let body = json!({ "role": "supervisor", "group": null });
        let (status, v) = app
            .call(Method::PATCH, &admin, &format!("/api/people/{id}"), body)
            .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["person"]["role"], "supervisor");
        assert_eq!(v["person"]["group"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn a_person_moved_to_another_unit_by_an_administrator_is_closed_at_once() {
    closed_at_once_by(async |app, id| {
        let admin = app.token("admin").await;
        let body = json!({ "unit": "640100", "group": "yinchuan" });
        let (status, v) = app
            .call(Method::PATCH, &admin, &format!("/api/people/{id}"), body)
            .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["person"]["unit"], "640100");
    })
    .await;
}

#[tokio::test]
async fn a_password_set_by_an_administrator_closes_at_once_and_the_new_one_works() {
    closed_at_once_by(async |app, id| {
        let admin = app.token("admin").await;
        let path = format!("/api/people/{id}/password");
        let weak = json!({ "password": "12345678" });
        let (status, v) = app.call(Method::PUT, &admin, &path, weak).await;
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (422, Some("invalid_input"))
        );
        let good = json!({ "password": "六盘山新密码2026" });
        assert_eq!(app.call(Method::PUT, &admin, &path, good).await.0, 204);
    })
    .await;
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let expert = app.token("expert.jingyuan").await;
    let path = format!("/api/people/{}/password", user_id(&app, &expert).await);
    let good = json!({ "password": "六盘山新密码2026" });
    assert_eq!(app.call(Method::PUT, &admin, &path, good).await.0, 204);
    assert_eq!(login(&app, "expert.jingyuan", "backstop").await, 401);
    assert_eq!(
        login(&app, "expert.jingyuan", "六盘山新密码2026").await,
        200
    );
}
