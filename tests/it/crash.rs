//! Lossless, exactly-once messaging through crashes: the server runs as its own process and is
//! killed with SIGKILL at random moments while 20 clients send 500 messages each into shared
//! tickets and drop their own connections at random. Every acknowledged message is stored once,
//! every re-sent one once, and every viewer sees each ticket's log in the same order.
//!
//! On PostgreSQL when BACKSTOP_TEST_POSTGRES names a server, else on a SQLite file.

use crate::common;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::process::Child;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const CLIENTS: usize = 20;
const MESSAGES: usize = 500;
const TICKETS: usize = 4;
const KILLS: usize = 6;
/// Messages a client has in flight before it waits for acks.
const WINDOW: usize = 8;

/// A small deterministic generator; the seed is printed so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Server {
    url: String,
    child: Option<Child>,
    addr: watch::Sender<String>,
}

impl Server {
    async fn start(&mut self) {
        let (child, addr) = common::process::start(&self.url, &[]).await;
        self.child = Some(child);
        self.addr.send_replace(addr);
    }

    async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.start_kill().expect("SIGKILL");
            child.wait().await.expect("reaped");
        }
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects to wherever the server is now, retrying while it is down.
async fn connect(addr: &watch::Receiver<String>, token: &str) -> Socket {
    loop {
        let current = addr.borrow().clone();
        let mut req = format!("ws://{current}/ws")
            .into_client_request()
            .expect("request");
        req.headers_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("header"),
        );
        if let Ok(Ok((ws, _))) = tokio::time::timeout(
            Duration::from_secs(5),
            tokio_tungstenite::connect_async(req),
        )
        .await
        {
            return ws;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn http(addr: &watch::Receiver<String>) -> String {
    format!("http://{}", addr.borrow().clone())
}

/// Sends one chat message; false when the link is gone.
async fn send_message(ws: &mut Socket, ticket: i64, cid: &str, text: &str) -> bool {
    let frame = json!({ "type": "send", "ticket": ticket, "client_id": cid, "text": text });
    ws.send(Message::Text(frame.to_string().into()))
        .await
        .is_ok()
}

/// One sender: `MESSAGES` messages into `ticket`, re-sending what was not acked after every
/// disconnect, until all are acked. Returns client id → acked seq.
async fn sender(
    no: usize,
    ticket: i64,
    token: String,
    addr: watch::Receiver<String>,
    seed: u64,
    total: Arc<AtomicUsize>,
) -> HashMap<String, i64> {
    let mut rng = Rng(seed);
    let mut acked: HashMap<String, i64> = HashMap::new();
    let mut unacked: VecDeque<(String, String)> = VecDeque::new();
    let mut next = 0;
    while acked.len() < MESSAGES {
        let mut ws = connect(&addr, &token).await;
        let mut ok = true;
        for (cid, text) in &unacked {
            if !send_message(&mut ws, ticket, cid, text).await {
                ok = false;
                break;
            }
        }
        while ok && acked.len() < MESSAGES {
            while unacked.len() < WINDOW && next < MESSAGES {
                let cid = format!("c{no}-{next}");
                let text = format!("客户端 {no} 的第 {next} 条消息");
                next += 1;
                let sent = send_message(&mut ws, ticket, &cid, &text).await;
                unacked.push_back((cid, text));
                if !sent {
                    ok = false;
                    break;
                }
            }
            let frame = match ws.next().await {
                Some(Ok(Message::Text(t))) => serde_json::from_str::<Value>(&t).expect("json"),
                Some(Ok(_)) => continue,
                _ => break,
            };
            match frame["type"].as_str() {
                Some("ack") => {
                    let cid = frame["client_id"].as_str().expect("client id").to_string();
                    let seq = frame["seq"].as_i64().expect("seq");
                    if let Some(before) = acked.insert(cid.clone(), seq) {
                        assert_eq!(before, seq, "{cid} acked twice with different seqs");
                    } else {
                        total.fetch_add(1, Ordering::Relaxed);
                    }
                    unacked.retain(|(c, _)| *c != cid);
                    if rng.below(150) == 0 {
                        break; // drop the link at random
                    }
                }
                Some("error") => {
                    let passing = ["internal", "storage_unavailable", "shutting_down"];
                    assert!(
                        passing.contains(&frame["code"].as_str().unwrap_or("")),
                        "unexpected error {frame}"
                    );
                    break; // reconnect and re-send
                }
                _ => {}
            }
        }
    }
    acked
}

/// A viewer following every ticket across restarts; it must see each log entry once, in order.
async fn viewer(
    tickets: Vec<i64>,
    token: String,
    addr: watch::Receiver<String>,
    targets: watch::Receiver<Option<BTreeMap<i64, i64>>>,
) -> BTreeMap<i64, Vec<(i64, Option<String>)>> {
    let mut seen: BTreeMap<i64, Vec<(i64, Option<String>)>> =
        tickets.iter().map(|t| (*t, Vec::new())).collect();
    loop {
        let mut ws = connect(&addr, &token).await;
        for t in &tickets {
            let after = seen[t].last().map_or(0, |(s, _)| *s);
            let frame = json!({ "type": "subscribe", "ticket": t, "after_seq": after });
            let _ = ws.send(Message::Text(frame.to_string().into())).await;
        }
        loop {
            if let Some(target) = targets.borrow().clone() {
                if target
                    .iter()
                    .all(|(t, last)| seen[t].last().map_or(0, |(s, _)| *s) >= *last)
                {
                    return seen;
                }
            }
            let next = tokio::time::timeout(Duration::from_millis(200), ws.next()).await;
            let frame = match next {
                Err(_) => continue,
                Ok(Some(Ok(Message::Text(t)))) => serde_json::from_str::<Value>(&t).expect("json"),
                Ok(Some(Ok(_))) => continue,
                Ok(_) => break,
            };
            let events: Vec<Value> = match frame["type"].as_str() {
                Some("snapshot") => frame["events"].as_array().cloned().unwrap_or_default(),
                Some("event") => vec![frame["event"].clone()],
                _ => continue,
            };
            for e in events {
                let t = e["ticket_id"].as_i64().expect("ticket");
                let seq = e["seq"].as_i64().expect("seq");
                let log = seen.get_mut(&t).expect("followed ticket");
                let last = log.last().map_or(0, |(s, _)| *s);
                assert_eq!(seq, last + 1, "ticket {t}: after {last} came {seq}");
                log.push((seq, e["client_id"].as_str().map(str::to_string)));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_sigkill_exactly_once_and_in_one_order() {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_nanos() as u64
        | 1;
    eprintln!("crash test seed {seed}");
    let mut rng = Rng(seed);
    let db = common::database::fresh().await;
    let (addr_tx, addr) = watch::channel(String::new());
    let mut server = Server {
        url: db.url.clone(),
        child: None,
        addr: addr_tx,
    };
    server.start().await;

    let client = reqwest::Client::new();
    let token = |user: &'static str| {
        let (client, addr) = (client.clone(), addr.clone());
        async move {
            let r = client
                .post(format!("{}/api/tokens", http(&addr).await))
                .json(&json!({ "username": user, "password": "backstop" }))
                .send()
                .await
                .expect("login");
            r.json::<Value>().await.expect("json")["token"]
                .as_str()
                .expect("token")
                .to_string()
        }
    };
    let clerk = token("clerk.dawan").await;
    let expert = token("expert.jingyuan").await;
    let mut tickets = Vec::new();
    for n in 0..TICKETS {
        let body =
            json!({ "item_code": "C04", "difficulty": "small", "title": format!("共享工单 {n}") });
        let r = client
            .post(format!("{}/api/tickets", http(&addr).await))
            .bearer_auth(&clerk)
            .json(&body)
            .send()
            .await
            .expect("create");
        let id = r.json::<Value>().await.expect("json")["ticket"]["id"]
            .as_i64()
            .expect("id");
        client
            .post(format!("{}/api/tickets/{id}/claim", http(&addr).await))
            .bearer_auth(&expert)
            .send()
            .await
            .expect("claim");
        tickets.push(id);
    }

    let (targets_tx, targets) = watch::channel(None);
    let viewers: Vec<_> = [clerk.clone(), expert.clone()]
        .into_iter()
        .map(|t| tokio::spawn(viewer(tickets.clone(), t, addr.clone(), targets.clone())))
        .collect();
    let total = Arc::new(AtomicUsize::new(0));
    let senders: Vec<_> = (0..CLIENTS)
        .map(|no| {
            let token = if no % 2 == 0 {
                clerk.clone()
            } else {
                expert.clone()
            };
            tokio::spawn(sender(
                no,
                tickets[no % TICKETS],
                token,
                addr.clone(),
                rng.next() | 1,
                total.clone(),
            ))
        })
        .collect();

    // Kill the server at random points spread over the run, and bring it back each time.
    let all = CLIENTS * MESSAGES;
    for k in 0..KILLS {
        let slot = all / (KILLS + 1);
        let at = slot * k + rng.below(slot as u64) as usize + slot / 2;
        while total.load(Ordering::Relaxed) < at {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.kill().await;
        server.start().await;
    }

    let acked: Vec<HashMap<String, i64>> = futures_util::future::join_all(senders)
        .await
        .into_iter()
        .map(|r| r.expect("sender"))
        .collect();
    // The last word comes from the store.
    let mut logs: BTreeMap<i64, Vec<Value>> = BTreeMap::new();
    for t in &tickets {
        let mut after = 0;
        loop {
            let url = format!(
                "{}/api/tickets/{t}?after_seq={after}&limit=1000",
                http(&addr).await
            );
            let v: Value = client
                .get(url)
                .bearer_auth(&expert)
                .send()
                .await
                .expect("log")
                .json()
                .await
                .expect("json");
            let events = v["events"].as_array().cloned().unwrap_or_default();
            let Some(last) = events.last() else { break };
            after = last["seq"].as_i64().expect("seq");
            logs.entry(*t).or_default().extend(events);
        }
    }
    let mut stored: HashMap<String, (i64, i64)> = HashMap::new();
    for (t, events) in &logs {
        for (i, e) in events.iter().enumerate() {
            assert_eq!(
                e["seq"].as_i64(),
                Some(i as i64 + 1),
                "ticket {t} has a gap"
            );
            if let Some(cid) = e["client_id"].as_str() {
                let before = stored.insert(cid.to_string(), (*t, e["seq"].as_i64().expect("seq")));
                assert!(before.is_none(), "{cid} is stored twice");
            }
        }
    }
    assert_eq!(stored.len(), all, "every message is stored exactly once");
    for (no, client) in acked.iter().enumerate() {
        assert_eq!(client.len(), MESSAGES);
        for (cid, seq) in client {
            assert_eq!(
                stored.get(cid),
                Some(&(tickets[no % TICKETS], *seq)),
                "{cid} as acked"
            );
        }
    }

    targets_tx.send_replace(Some(
        logs.iter().map(|(t, e)| (*t, e.len() as i64)).collect(),
    ));
    for v in viewers {
        let seen = v.await.expect("viewer");
        for (t, events) in &logs {
            let expected: Vec<(i64, Option<String>)> = events
                .iter()
                .map(|e| {
                    (
                        e["seq"].as_i64().expect("seq"),
                        e["client_id"].as_str().map(str::to_string),
                    )
                })
                .collect();
            assert_eq!(seen[t], expected, "a viewer saw ticket {t} differently");
        }
    }
    server.kill().await;
}
