//! Chat throughput and acknowledgement latency through the journal's group commit.
//!
//! `cargo bench --bench chat_load` — a real server on port 0 with a fresh SQLite file (or a new
//! PostgreSQL database when BACKSTOP_TEST_POSTGRES names a server), CLIENTS WebSocket clients
//! each sending MESSAGES chat messages with up to WINDOW unacknowledged. Prints messages per
//! second, ack latency percentiles and the mean number of messages per transaction.

#[path = "../tests/common/database.rs"]
mod database;
#[path = "support/demo_login.rs"]
mod demo_login;
#[path = "support/env.rs"]
mod env;
use env::env_or;
#[path = "../tests/common/metrics.rs"]
mod metrics;

use backstop::{Application, Settings, SystemClock};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

#[tokio::main]
async fn main() {
    let clients = env_or("CLIENTS", 50);
    let messages = env_or("MESSAGES", 200);
    let window = env_or("WINDOW", 4);
    let db = database::fresh().await;
    let backend = db.backend;
    let settings = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: db.url.clone(),
        demo: true,
        metrics_token: Some("bench".into()),
        ..Settings::default()
    };
    let app = Application::build(settings, Arc::new(SystemClock))
        .await
        .expect("app");
    let addr = app.local_addr().expect("addr");
    tokio::spawn(app.run_until(std::future::pending()));
    let http = reqwest::Client::new();
    let clerk = demo_login::token(&http, addr, "clerk.dawan").await;
    let mut tickets = Vec::new();
    for n in 0..10 {
        let body =
            json!({ "item_code": "C04", "difficulty": "small", "title": format!("压测 {n}") });
        let v: Value = http
            .post(format!("http://{addr}/api/tickets"))
            .bearer_auth(&clerk)
            .json(&body)
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("json");
        tickets.push(v["ticket"]["id"].as_i64().expect("id"));
    }

    let start = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (token, ticket) = (clerk.clone(), tickets[c % tickets.len()]);
            tokio::spawn(async move {
                let mut req = format!("ws://{addr}/ws").into_client_request().expect("req");
                req.headers_mut().insert("authorization", format!("Bearer {token}").parse().expect("header"));
                let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("ws");
                let mut hist = Histogram::<u64>::new(3).expect("histogram");
                let mut sent_at: HashMap<String, Instant> = HashMap::new();
                let (mut sent, mut acked) = (0, 0);
                while acked < messages {
                    while sent < messages && sent - acked < window {
                        let cid = format!("b{c}-{sent}");
                        let frame = json!({ "type": "send", "ticket": ticket, "client_id": cid, "text": "压测消息：社保卡密码重置失败，请协助" });
                        sent_at.insert(cid, Instant::now());
                        ws.send(Message::Text(frame.to_string().into())).await.expect("send");
                        sent += 1;
                    }
                    let Some(Ok(Message::Text(t))) = ws.next().await else { continue };
                    let v: Value = serde_json::from_str(&t).expect("json");
                    if v["type"] == "ack" {
                        let at = sent_at.remove(v["client_id"].as_str().expect("cid")).expect("known");
                        hist.record(at.elapsed().as_micros() as u64).expect("record");
                        acked += 1;
                    } else if v["type"] == "error" {
                        panic!("error frame {v}");
                    }
                }
                hist
            })
        })
        .collect();
    let mut all = Histogram::<u64>::new(3).expect("histogram");
    for t in tasks {
        all.add(t.await.expect("client")).expect("add");
    }
    let elapsed = start.elapsed();
    let text = http
        .get(format!("http://{addr}/metrics"))
        .bearer_auth("bench")
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let groups = metrics::sample(&text, "backstop_journal_group_size_count");
    let grouped = metrics::sample(&text, "backstop_journal_group_size_sum");
    let total = clients * messages;
    let ms = |us: u64| Duration::from_micros(us).as_secs_f64() * 1000.0;
    println!("backend: {backend}");
    println!(
        "clients {clients}, messages each {messages}, window {window}: {total} messages in {:.2} s",
        elapsed.as_secs_f64()
    );
    println!(
        "throughput: {:.0} messages/s",
        total as f64 / elapsed.as_secs_f64()
    );
    println!(
        "ack latency ms: p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}",
        ms(all.value_at_quantile(0.5)),
        ms(all.value_at_quantile(0.9)),
        ms(all.value_at_quantile(0.99)),
        ms(all.max())
    );
    println!(
        "transactions: {groups:.0}, mean messages per transaction: {:.1}",
        grouped / groups.max(1.0)
    );
}
