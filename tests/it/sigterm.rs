//! SIGTERM drains: the server stops accepting, answers the messages in flight, closes live
//! sockets with 1001, and exits within the grace time — even with a half-sent HTTP request and
//! a socket that stopped reading open. Every acknowledged message is in the store afterwards.
//!
//! On PostgreSQL when BACKSTOP_TEST_POSTGRES names a server, else on a SQLite file.

use crate::common;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const GRACE: Duration = Duration::from_millis(1500);
const SENDERS: usize = 4;

async fn login(addr: &str, user: &str) -> String {
    let v: Value = reqwest::Client::new()
        .post(format!("http://{addr}/api/tokens"))
        .json(&json!({ "username": user, "password": "backstop" }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    v["token"].as_str().expect("token").to_string()
}

fn ws_request(
    addr: &str,
    token: &str,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let mut req = format!("ws://{addr}/ws")
        .into_client_request()
        .expect("request");
    let bearer = format!("Bearer {token}").parse().expect("header");
    req.headers_mut().insert("authorization", bearer);
    req
}

/// Sends messages with eight in flight until the server closes the socket; returns the client
/// ids it acknowledged.
async fn sender(
    no: usize,
    addr: String,
    token: String,
    ticket: i64,
    flowing: Arc<(AtomicUsize, Notify)>,
) -> Vec<String> {
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_request(&addr, &token))
        .await
        .expect("ws");
    let mut acked = Vec::new();
    let (mut sent, mut open) = (0, 0);
    loop {
        while open < 8 {
            let frame = json!({ "type": "send", "ticket": ticket, "client_id": format!("s{no}-{sent}"), "text": "排队中的消息" });
            if ws
                .send(Message::Text(frame.to_string().into()))
                .await
                .is_err()
            {
                return acked;
            }
            sent += 1;
            open += 1;
        }
        let v: Value = match ws.next().await {
            Some(Ok(Message::Text(t))) => serde_json::from_str(&t).expect("json"),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return acked,
            Some(Ok(_)) => continue,
        };
        match v["type"].as_str() {
            Some("ack") => {
                acked.push(v["client_id"].as_str().expect("cid").to_string());
                open -= 1;
                if flowing.0.fetch_add(1, Ordering::SeqCst) + 1 == 200 {
                    flowing.1.notify_one();
                }
            }
            Some("error") => open -= 1,
            _ => {}
        }
    }
}

#[tokio::test]
async fn sigterm_drains_within_the_grace_time_despite_half_sent_requests_and_stuck_sockets() {
    let db = common::database::fresh().await;
    let grace_ms = GRACE.as_millis().to_string();
    let env = [("BACKSTOP_SHUTDOWN_GRACE_MS", grace_ms.as_str())];
    let (mut child, addr) = common::process::start(&db.url, &env).await;
    let token = login(&addr, "clerk.dawan").await;
    let created: Value = reqwest::Client::new()
        .post(format!("http://{addr}/api/tickets"))
        .bearer_auth(&token)
        .json(&json!({ "item_code": "C04", "difficulty": "small", "title": "停机测试" }))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let ticket = created["ticket"]["id"].as_i64().expect("id");

    // A socket that follows the busy ticket and never reads again.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("buffer");
    let stream = socket
        .connect(addr.parse().expect("addr"))
        .await
        .expect("connect");
    let (mut stuck, _) = tokio_tungstenite::client_async(ws_request(&addr, &token), stream)
        .await
        .expect("stuck socket");
    stuck
        .send(Message::Text(
            json!({ "type": "subscribe", "ticket": ticket })
                .to_string()
                .into(),
        ))
        .await
        .expect("subscribe");
    // A request whose body never finishes arriving.
    let mut half = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let head = format!(
        "POST /api/tickets HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{{\"item_code\":"
    );
    half.write_all(head.as_bytes())
        .await
        .expect("half a request");

    let flowing = Arc::new((AtomicUsize::new(0), Notify::new()));
    let senders: Vec<_> = (0..SENDERS)
        .map(|n| {
            tokio::spawn(sender(
                n,
                addr.clone(),
                token.clone(),
                ticket,
                flowing.clone(),
            ))
        })
        .collect();
    tokio::time::timeout(Duration::from_secs(30), flowing.1.notified())
        .await
        .expect("messages flow");

    let pid = child.id().expect("pid").to_string();
    let signalled = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    assert!(kill.expect("kill runs").success());
    let status = tokio::time::timeout(GRACE + Duration::from_secs(5), child.wait())
        .await
        .expect("the server exits after SIGTERM")
        .expect("exit status");
    let took = signalled.elapsed();
    assert!(status.success(), "exit status {status:?}");
    assert!(
        took < GRACE + Duration::from_secs(3),
        "exited after {took:?}"
    );

    let mut acked = Vec::new();
    for s in senders {
        acked.extend(s.await.expect("sender"));
    }
    drop((stuck, half));
    let (_child, addr) = common::process::start(&db.url, &[]).await;
    let token = login(&addr, "clerk.dawan").await;
    let mut stored = std::collections::HashSet::new();
    let mut after = 0;
    loop {
        let page: Value = reqwest::Client::new()
            .get(format!(
                "http://{addr}/api/tickets/{ticket}?after_seq={after}&limit=1000"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .expect("history")
            .json()
            .await
            .expect("json");
        let events = page["events"].as_array().expect("events");
        for e in events {
            after = e["seq"].as_i64().expect("seq");
            if let Some(cid) = e["client_id"].as_str() {
                assert!(stored.insert(cid.to_string()), "{cid} stored twice");
            }
        }
        if events.len() < 1000 {
            break;
        }
    }
    assert!(acked.len() >= 200);
    for cid in &acked {
        assert!(
            stored.contains(cid.as_str()),
            "{cid} was acknowledged but is not stored"
        );
    }
}
