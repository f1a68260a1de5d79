//! PostgreSQL goes away and comes back. A TCP proxy sits between Backstop and PostgreSQL; the
//! test cuts it — packets stop both ways, sockets stay open, as when a link dies — and restores
//! it. While cut, requests and messages fail within the configured database timeout with
//! `storage_unavailable` and `/healthz` is 503; after, service resumes without a restart and
//! every acknowledged message is in the store.
//!
//! Runs when BACKSTOP_TEST_POSTGRES names a server (CI's PostgreSQL run).

use crate::common;

use common::{TestApp, Ws};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The database timeout the server is given.
const TIMEOUT: Duration = Duration::from_millis(1500);
/// How much later than the timeout an answer may come (scheduling, the request itself).
const SLACK: Duration = Duration::from_millis(2500);

/// A TCP proxy whose link can be cut and restored.
struct Proxy {
    addr: String,
    up: watch::Sender<bool>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let (up, link) = watch::channel(true);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(pipe(client, upstream.clone(), link.clone()));
            }
        });
        Proxy { addr, up }
    }

    fn cut(&self) {
        self.up.send_replace(false);
    }

    fn restore(&self) {
        self.up.send_replace(true);
    }
}

/// Forwards both ways while the link is up. When it is cut the sockets stay open and silent;
/// when it comes back they are closed, as a peer that timed out would find them.
async fn pipe(mut client: TcpStream, upstream: String, mut link: watch::Receiver<bool>) {
    if !*link.borrow() {
        let _ = link.wait_for(|up| *up).await;
        return;
    }
    let Ok(mut server) = TcpStream::connect(&upstream).await else {
        return;
    };
    let cut = tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => false,
        _ = link.wait_for(|up| !*up) => true,
    };
    if cut {
        let _ = link.wait_for(|up| *up).await;
    }
}

/// Sends a message and waits for its answer: `Ok(seq)` or `Err(code)`.
async fn send(ws: &mut Ws, ticket: i64, cid: &str) -> Result<i64, String> {
    ws.send(json!({ "type": "send", "ticket": ticket, "client_id": cid, "text": format!("消息 {cid}") }))
        .await;
    loop {
        let v = ws.recv().await;
        if v["client_id"] != cid {
            continue;
        }
        return match v["type"].as_str() {
            Some("ack") => Ok(v["seq"].as_i64().expect("seq")),
            _ => Err(v["code"].as_str().unwrap_or("").to_string()),
        };
    }
}

async fn timed<T>(work: impl std::future::Future<Output = T>) -> (T, Duration) {
    let start = Instant::now();
    let out = work.await;
    (out, start.elapsed())
}

#[tokio::test]
async fn a_cut_link_to_postgres_fails_fast_reports_unhealthy_and_recovers_losing_nothing() {
    let Ok(admin) = std::env::var("BACKSTOP_TEST_POSTGRES") else {
        eprintln!("postgres_outage: runs only against PostgreSQL (BACKSTOP_TEST_POSTGRES)");
        return;
    };
    let upstream = admin
        .split_once('@')
        .and_then(|(_, rest)| rest.split('/').next())
        .expect("host:port in BACKSTOP_TEST_POSTGRES")
        .to_string();
    let proxy = Proxy::start(upstream.clone()).await;
    let via = proxy.addr.clone();
    let app = TestApp::spawn_with(move |s| {
        s.database_url = s.database_url.replace(&upstream, &via);
        s.database_timeout_ms = TIMEOUT.as_millis() as u64;
    })
    .await;
    let clerk = app.token("clerk.dawan").await;
    let ticket = app.raise(&clerk, "网络中断测试").await;
    let mut ws = app.ws(&clerk).await;
    let mut acked = Vec::new();
    for n in 0..5 {
        let cid = format!("before-{n}");
        send(&mut ws, ticket, &cid).await.expect("stored");
        acked.push(cid);
    }

    proxy.cut();
    let request = json!({ "item_code": "C04", "difficulty": "small", "title": "断网时提交" });
    let ((status, body), took) = timed(app.post(&clerk, "/api/tickets", request)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (503, Some("storage_unavailable"))
    );
    assert!(took < TIMEOUT + SLACK, "request answered after {took:?}");
    let (answer, took) = timed(send(&mut ws, ticket, "during")).await;
    assert_eq!(answer, Err("storage_unavailable".to_string()));
    assert!(took < TIMEOUT + SLACK, "message answered after {took:?}");
    let (health, took) = timed(async {
        let r = app
            .http
            .get(app.url("/healthz"))
            .send()
            .await
            .expect("healthz");
        (
            r.status().as_u16(),
            r.json::<Value>().await.unwrap_or(Value::Null),
        )
    })
    .await;
    assert_eq!(health.0, 503, "{}", health.1);
    assert!(took < TIMEOUT + SLACK, "health answered after {took:?}");

    proxy.restore();
    // Connections that died with the link are found and replaced; a request or two may still
    // meet one, then service resumes by itself.
    let mut resumed = false;
    for _ in 0..5 {
        if let Ok(seq) = send(&mut ws, ticket, "during").await {
            assert!(seq > 5);
            resumed = true;
            break;
        }
    }
    assert!(resumed, "messages are stored again after the link returns");
    acked.push("during".into());
    let (status, _) = app
        .post(
            &clerk,
            "/api/tickets",
            json!({ "item_code": "C04", "difficulty": "small", "title": "恢复后提交" }),
        )
        .await;
    assert_eq!(status, 201);
    let r = app
        .http
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(r.status(), 200);

    let (_, log) = app.get(&clerk, &format!("/api/tickets/{ticket}")).await;
    let stored: Vec<&str> = log["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["client_id"].as_str())
        .collect();
    assert_eq!(stored, acked, "every acknowledged message, once, in order");
}
