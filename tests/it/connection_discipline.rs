//! Connections that send nothing, or never finish their headers, cannot take the server down:
//! under a lowered file-descriptor limit the server holds only what it may, closes the idle and
//! slow ones after the header timeout, and keeps answering `/healthz` and other people.

use crate::common;

use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Retries until the server answers, for at most `patience`; returns the status.
async fn answered(patience: Duration, request: impl Fn() -> reqwest::RequestBuilder) -> u16 {
    let start = Instant::now();
    loop {
        if let Ok(r) = request().send().await {
            return r.status().as_u16();
        }
        assert!(start.elapsed() < patience, "the server stopped answering");
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn idle_and_slow_header_connections_are_closed_and_others_still_get_answers() {
    let db = common::database::fresh().await;
    let env = [
        ("BACKSTOP_HEADER_TIMEOUT_MS", "1000"),
        ("BACKSTOP_IDLE_TIMEOUT_MS", "1000"),
    ];
    let (_child, addr) = common::process::start_with_files(&db.url, &env, Some(256)).await;
    let mut held = Vec::new();
    for n in 0..500 {
        let Ok(mut s) = TcpStream::connect(&addr).await else {
            continue;
        };
        if n % 5 == 0 {
            // Headers begun and never finished.
            let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await;
        }
        held.push(s);
    }
    let http = reqwest::Client::new();
    let patience = Duration::from_secs(10);
    let health = answered(patience, || http.get(format!("http://{addr}/healthz"))).await;
    assert_eq!(health, 200);
    let login = json!({ "username": "clerk.dawan", "password": "backstop" });
    let signed_in = answered(patience, || {
        http.post(format!("http://{addr}/api/tokens")).json(&login)
    })
    .await;
    assert_eq!(signed_in, 200, "another person is served");

    // Every held connection is closed by the server: refused at once beyond what it may hold,
    // or after the header timeout.
    let start = Instant::now();
    for mut s in held {
        let mut buf = [0u8; 256];
        loop {
            match tokio::time::timeout(patience, s.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(_)) => continue,
                Err(_) => panic!("a connection was held open past {patience:?}"),
            }
        }
    }
    assert!(start.elapsed() < patience);
}

#[tokio::test]
async fn one_person_may_hold_only_so_many_sockets() {
    let app = common::TestApp::spawn_with(|s| s.live.max_sockets_per_person = 3).await;
    let token = app.token("clerk.dawan").await;
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(app.ws(&token).await);
    }
    let mut fourth = app.ws_anonymous().await;
    fourth.send(json!({ "type": "auth", "token": token })).await;
    assert_eq!(fourth.close_code().await, Some(4030));
    let other = app.token("expert.jingyuan").await;
    app.ws(&other).await;
    for ws in &mut open {
        assert!(
            ws.drain().await.iter().all(|f| f["type"] != "error"),
            "the first three work"
        );
    }
    drop(open.pop());
    let mut again = app.ws_anonymous().await;
    again.send(json!({ "type": "auth", "token": token })).await;
    assert_eq!(
        again.recv_type("hello").await["type"],
        "hello",
        "a closed one frees its place"
    );
}
