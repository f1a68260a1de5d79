//! Taking access away reaches open sockets: an expired session hears nothing more, a disabled
//! person's sockets close at once, and a person whose role or password changed is closed within
//! the session check period (`session_check_ms`, 100 ms here) — all with 4003.

mod common;

use common::{Received, TestApp, Ws};
use serde_json::{json, Value};
use std::time::Duration;

async fn app() -> TestApp {
    TestApp::spawn_with(|s| s.live.session_check_ms = 100).await
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
    let login = json!({ "username": "expert.jingyuan", "password": "backstop" });
    let r = app
        .http
        .post(app.url("/api/tokens"))
        .json(&login)
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["error"]["code"], "account_disabled");
    let enable = format!("/api/people/{expert_id}/enable");
    assert_eq!(app.post(&admin, &enable, json!({})).await.0, 204);
    app.token("expert.jingyuan").await;
}

#[tokio::test]
async fn a_person_given_another_role_is_closed_within_the_check_period() {
    let app = app().await;
    let expert = app.token("expert.jingyuan").await;
    let mut ws = app.ws(&expert).await;
    sqlx::any::install_default_drivers();
    let mut db = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url)
        .await
        .expect("database");
    sqlx::query("UPDATE users SET role = 'supervisor' WHERE username = 'expert.jingyuan'")
        .execute(&mut db)
        .await
        .expect("re-role");
    assert_eq!(until_closed(&mut ws).await.1, Some(4003));
    let me = app.get(&expert, "/api/me").await.1;
    assert_eq!(
        me["user"]["role"], "supervisor",
        "the next sign-in sees the new role"
    );
}

#[tokio::test]
async fn a_password_changed_from_the_command_line_ends_sessions_and_closes_sockets() {
    let app = app().await;
    let expert = app.token("expert.jingyuan").await;
    let mut ws = app.ws(&expert).await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_backstop"))
        .args(["user", "passwd", "--username", "expert.jingyuan"])
        .args(["--database-url", &app.db.url])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("backstop runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all("泾源新密码2026\n".as_bytes())
        .expect("password");
    assert!(child.wait().expect("ends").success());
    assert_eq!(until_closed(&mut ws).await.1, Some(4003));
    assert_eq!(app.get(&expert, "/api/me").await.0, 401);
    let login = json!({ "username": "expert.jingyuan", "password": "泾源新密码2026" });
    let r = app
        .http
        .post(app.url("/api/tokens"))
        .json(&login)
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 200);
}
