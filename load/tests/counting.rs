//! The load generator's count of lost and repeated messages, checked against a server that
//! speaks the live protocol but drops one delivery, repeats another and never acks a third.

use backstop_load::scenario::talk::{self, Pace};
use backstop_load::setup::Pair;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// Which message (by arrival, from 0) the faulty server mistreats.
const DROPPED: usize = 3;
const REPEATED: usize = 5;
const UNACKED: usize = 7;

type Followers = Arc<Mutex<HashMap<i64, Vec<(usize, mpsc::UnboundedSender<Message>)>>>>;

async fn faulty_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let followers: Followers = Arc::default();
    let arrived = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        let mut next = 0;
        while let Ok((stream, _)) = listener.accept().await {
            next += 1;
            tokio::spawn(serve(stream, next, followers.clone(), arrived.clone()));
        }
    });
    addr
}

async fn serve(
    stream: tokio::net::TcpStream,
    me: usize,
    followers: Followers,
    arrived: Arc<AtomicUsize>,
) {
    let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let (mut sink, mut source) = ws.split();
    let (out, mut queue) = mpsc::unbounded_channel::<Message>();
    tokio::spawn(async move {
        while let Some(m) = queue.recv().await {
            if sink.send(m).await.is_err() {
                break;
            }
        }
    });
    let text = |v: Value| Message::Text(v.to_string().into());
    let _ = out.send(text(json!({ "type": "hello" })));
    let mut seq = 0;
    while let Some(Ok(Message::Text(t))) = source.next().await {
        let v: Value = serde_json::from_str(&t).expect("client frames are JSON");
        let ticket = v["ticket"].as_i64().unwrap_or(0);
        match v["type"].as_str() {
            Some("subscribe") => {
                followers
                    .lock()
                    .expect("lock")
                    .entry(ticket)
                    .or_default()
                    .push((me, out.clone()));
                let _ = out.send(text(
                    json!({ "type": "snapshot", "events": [], "has_more": false }),
                ));
            }
            Some("send") => {
                let n = arrived.fetch_add(1, Ordering::SeqCst);
                seq += 1;
                let cid = v["client_id"].clone();
                if n != UNACKED {
                    let ack = json!({ "type": "ack", "ticket": ticket, "client_id": cid, "seq": seq, "duplicate": false });
                    let _ = out.send(text(ack));
                }
                let event =
                    text(json!({ "type": "event", "event": { "seq": seq, "client_id": cid } }));
                let times = match n {
                    DROPPED => 0,
                    REPEATED => 2,
                    _ => 1,
                };
                for (who, to) in followers
                    .lock()
                    .expect("lock")
                    .get(&ticket)
                    .into_iter()
                    .flatten()
                {
                    for _ in 0..times {
                        if *who != me {
                            let _ = to.send(event.clone());
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_dropped_a_repeated_and_an_unacked_message_are_each_counted() {
    let addr = faulty_server().await;
    let pairs: Vec<Pair> = (1..=2)
        .map(|ticket| Pair {
            ticket,
            clerk: format!("clerk{ticket}"),
            expert: format!("expert{ticket}"),
        })
        .collect();
    let sockets = talk::open(addr, &pairs, 1).await.expect("open");
    let pace = Pace {
        rate: 40.0,
        seconds: 0.5,
        drain: Duration::from_millis(500),
    };
    let counts = talk::talk(sockets, pace).await.tally.counts();
    assert_eq!(counts.sent, 20, "{counts:?}");
    assert_eq!(counts.lost, 1, "the dropped delivery: {counts:?}");
    assert_eq!(counts.duplicated, 1, "the repeated one: {counts:?}");
    assert_eq!(counts.unacked, 1, "the one never acked: {counts:?}");
    assert_eq!(counts.delivered, 19, "{counts:?}");
    assert_eq!(counts.acked, 19, "{counts:?}");
}

#[tokio::test]
async fn a_faithful_run_counts_nothing_lost_or_repeated() {
    // Only the first few messages are mistreated; a run that starts after them is clean.
    let addr = faulty_server().await;
    let pairs = vec![Pair {
        ticket: 9,
        clerk: "c".into(),
        expert: "e".into(),
    }];
    let sockets = talk::open(addr, &pairs, 1).await.expect("open");
    let warm = Pace {
        rate: 40.0,
        seconds: 0.25,
        drain: Duration::from_millis(300),
    };
    let sockets = talk::talk(sockets, warm).await.sockets;
    let counts = talk::talk(sockets, warm).await.tally.counts();
    assert_eq!(
        (counts.sent, counts.acked, counts.delivered),
        (10, 10, 10),
        "{counts:?}"
    );
    assert_eq!((counts.lost, counts.duplicated, counts.unacked), (0, 0, 0));
}
