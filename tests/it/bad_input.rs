//! Bad input over WebSocket and HTTP gets its documented error, stores nothing, and leaves the
//! server and the other clients untouched.

use crate::common;

use common::{TestApp, Ws};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

/// The ticket's log length, read over HTTP.
async fn log_len(app: &TestApp, token: &str, id: i64) -> usize {
    let (_, v) = app.get(token, &format!("/api/tickets/{id}")).await;
    v["events"].as_array().map_or(0, Vec::len)
}

/// A bystander keeps chatting normally.
async fn bystander_still_served(bystander: &mut Ws, id: i64, n: usize) {
    let cid = format!("ok-{n}");
    bystander
        .send(json!({ "type": "send", "ticket": id, "client_id": cid, "text": "正常消息" }))
        .await;
    assert_eq!(bystander.recv_type("ack").await["client_id"], cid.as_str());
}

#[tokio::test]
async fn each_bad_frame_gets_its_error_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let token = app.token("clerk.dawan").await;
    let id = app.raise(&token, "测试坏输入").await;
    let mut bystander = app.ws(&app.token("expert.jingyuan").await).await;
    app.post(
        &app.token("expert.jingyuan").await,
        &format!("/api/tickets/{id}/claim"),
        json!({}),
    )
    .await;
    let mut ws = app.ws(&token).await;
    let long = "长".repeat(4001);
    let cases: Vec<(String, &str)> = vec![
        ("{\"type\": \"send\", ".into(), "bad_json"),
        ("[1,2,3]".into(), "bad_frame"),
        (json!({ "ticket": id }).to_string(), "bad_frame"),
        (json!({ "type": "launch" }).to_string(), "unknown_type"),
        (
            json!({ "type": "send", "ticket": id, "text": "缺少 client_id" }).to_string(),
            "bad_frame",
        ),
        (
            json!({ "type": "send", "ticket": "七", "client_id": "a", "text": "x" }).to_string(),
            "bad_frame",
        ),
        (
            json!({ "type": "send", "ticket": id, "client_id": "a", "text": long }).to_string(),
            "too_long",
        ),
        (
            json!({ "type": "send", "ticket": id, "client_id": "a", "text": "   " }).to_string(),
            "invalid_input",
        ),
        (
            json!({ "type": "send", "ticket": id, "client_id": "", "text": "x" }).to_string(),
            "invalid_input",
        ),
        (
            json!({ "type": "presence", "status": "offline" }).to_string(),
            "bad_frame",
        ),
        (
            json!({ "type": "auth", "token": "again" }).to_string(),
            "invalid_state",
        ),
    ];
    let before = log_len(&app, &token, id).await;
    for (n, (text, code)) in cases.into_iter().enumerate() {
        ws.send_raw(Message::Text(text.clone().into())).await;
        let err = ws.recv_type("error").await;
        assert_eq!(err["code"], code, "for {text:.80}");
        assert!(err["message"].as_str().is_some_and(|m| !m.is_empty()));
        bystander_still_served(&mut bystander, id, n).await;
    }
    ws.send_raw(Message::Binary(vec![1, 2, 3].into())).await;
    assert_eq!(ws.recv_type("error").await["code"], "binary_unsupported");
    // Only the bystander's messages were added.
    assert_eq!(log_len(&app, &token, id).await, before + 11);
}

#[tokio::test]
async fn a_request_before_auth_is_refused_and_three_bad_tokens_close_the_socket() {
    let app = TestApp::spawn().await;
    let mut ws = app.ws_anonymous().await;
    ws.send(json!({ "type": "subscribe_queue", "ref": "q" }))
        .await;
    let err = ws.recv_type("error").await;
    assert_eq!(
        (err["code"].as_str(), err["ref"].as_str()),
        (Some("unauthenticated"), Some("q"))
    );
    ws.send(json!({ "type": "ping" })).await;
    ws.recv_type("pong").await;
    for _ in 0..3 {
        ws.send(json!({ "type": "auth", "token": "forged" })).await;
        assert_eq!(ws.recv_type("error").await["code"], "unauthenticated");
    }
    assert_eq!(ws.close_code().await, Some(4001));

    let token = app.token("clerk.dawan").await;
    let mut late = app.ws_anonymous().await;
    late.send(json!({ "type": "auth", "token": token })).await;
    assert_eq!(
        late.recv_type("hello").await["user"]["username"],
        "clerk.dawan"
    );
}

#[tokio::test]
async fn an_oversized_frame_closes_with_1009_and_invalid_utf8_with_1007() {
    let app = TestApp::spawn().await;
    let token = app.token("clerk.dawan").await;
    let id = app.raise(&token, "超大帧").await;
    let mut other = app.ws(&token).await;

    let mut big = app.ws(&token).await;
    let huge =
        json!({ "type": "send", "ticket": id, "client_id": "big", "text": "x".repeat(70_000) });
    big.send(huge).await;
    assert_eq!(big.close_code().await, Some(1009));

    let mut broken = app.ws(&token).await;
    let bytes: Vec<u8> = vec![b'{', 0xff, 0xfe, b'}'];
    let frame = Frame::message(bytes, OpCode::Data(Data::Text), true);
    broken.send_raw(Message::Frame(frame)).await;
    assert_eq!(broken.close_code().await, Some(1007));

    bystander_still_served(&mut other, id, 0).await;
    assert_eq!(
        log_len(&app, &token, id).await,
        2,
        "created + the bystander's message"
    );
}

#[tokio::test]
async fn bad_http_input_gets_json_errors_with_stable_codes() {
    let app = TestApp::spawn().await;
    let token = app.token("clerk.dawan").await;
    let url = app.url("/api/tickets");
    let send = |body: String| {
        app.http
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let expect = |r: reqwest::Response, status: u16, code: &'static str| async move {
        assert_eq!(r.status().as_u16(), status);
        let v: Value = r.json().await.expect("json error body");
        assert_eq!(v["error"]["code"], code, "{v}");
    };
    expect(send("{oops".into()).await.unwrap(), 400, "bad_json").await;
    expect(
        send(json!({ "title": "缺字段" }).to_string())
            .await
            .unwrap(),
        400,
        "bad_json",
    )
    .await;
    let unknown_item = json!({ "item_code": "Z99", "difficulty": "small", "title": "x" });
    expect(
        send(unknown_item.to_string()).await.unwrap(),
        422,
        "invalid_input",
    )
    .await;
    let bad_tier = json!({ "item_code": "C01", "difficulty": "huge", "title": "x" });
    expect(
        send(bad_tier.to_string()).await.unwrap(),
        422,
        "invalid_input",
    )
    .await;
    let long_title =
        json!({ "item_code": "C01", "difficulty": "small", "title": "题".repeat(101) });
    expect(send(long_title.to_string()).await.unwrap(), 422, "too_long").await;
    expect(
        send("x".repeat(300 * 1024)).await.unwrap(),
        413,
        "too_large",
    )
    .await;
    let r = app.http.post(&url).json(&json!({})).send().await.unwrap();
    expect(r, 401, "unauthenticated").await;
    let r = app
        .http
        .get(app.url("/api/tickets/abc"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    expect(r, 422, "invalid_input").await;
    let r = app
        .http
        .post(app.url("/api/tickets/1/explode"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    expect(r, 404, "not_found").await;
    let r = app.http.get(app.url("/nowhere")).send().await.unwrap();
    expect(r, 404, "not_found").await;
    let expert = app.token("expert.jingyuan").await;
    let r = app
        .http
        .post(&url)
        .bearer_auth(&expert)
        .json(&json!({ "item_code": "C01", "difficulty": "small", "title": "x" }))
        .send()
        .await
        .unwrap();
    expect(r, 403, "forbidden").await;
    let (_, list) = app.get(&token, "/api/tickets?all=true").await;
    assert_eq!(
        list["tickets"].as_array().map(Vec::len),
        Some(0),
        "nothing was stored"
    );
}
