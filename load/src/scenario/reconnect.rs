//! `reconnect-storm`: N subscribed sockets all cut at once; while they are away a message is
//! written to every ticket (over HTTP, as another device of the clerk would); then every
//! client reconnects at the same moment, retrying as the console does when refused, and
//! subscribes after the last sequence number it saw. A client has resumed when its snapshot
//! holds the message it missed.

use super::talk::{self, Socket};
use super::Common;
use crate::client;
use crate::report::Report;
use crate::setup::{Api, Pair};
use futures_util::{stream, StreamExt, TryStreamExt};
use serde_json::json;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// How long a client keeps trying.
const GIVE_UP: Duration = Duration::from_secs(60);

pub async fn run(c: &Common, connections: usize) -> anyhow::Result<()> {
    let (server, pairs) = c.server_with_pairs(connections.div_ceil(2)).await?;
    let sockets = talk::open(server.addr, &pairs, c.sources).await?;
    let seen: Vec<(usize, i64, i64)> = sockets
        .iter()
        .map(|s| (s.index, s.ticket, s.last_seq))
        .collect();
    drop(sockets);
    let api = Api::new(server.base());
    let by_ticket: HashMap<i64, &Pair> = pairs.iter().map(|p| (p.ticket, p)).collect();
    let api = &api;
    stream::iter(&pairs)
        .map(|p| async move {
            let body =
                json!({ "text": "断线期间的消息", "client_id": format!("away-{}", p.ticket) });
            api.post(
                &p.clerk,
                &format!("/api/tickets/{}/messages", p.ticket),
                &body,
            )
            .await
        })
        .buffer_unordered(32)
        .try_collect::<Vec<_>>()
        .await?;
    let started = Instant::now();
    let addr = server.addr;
    let tasks: Vec<_> = seen
        .into_iter()
        .map(|(index, ticket, last_seq)| {
            let p = by_ticket[&ticket];
            let token = if index % 2 == 0 {
                p.clerk.clone()
            } else {
                p.expert.clone()
            };
            let sources = c.sources;
            tokio::spawn(async move { resume(addr, token, index, ticket, last_seq, sources).await })
        })
        .collect();
    let (mut resumed, mut lost, mut failed, mut retries, mut slowest) =
        (0, 0, 0, 0u64, Duration::ZERO);
    let mut back: Vec<Socket> = Vec::new();
    for t in tasks {
        match t.await {
            Ok(Ok((socket, got, tries, at))) => {
                retries += tries;
                slowest = slowest.max(at.saturating_duration_since(started));
                if got {
                    resumed += 1;
                } else {
                    lost += 1;
                }
                back.push(socket);
            }
            _ => failed += 1,
        }
    }
    let mut r = Report::new("reconnect-storm", c.backend);
    r.add(
        "connections",
        "sockets cut and reconnecting",
        back.len() + failed,
    )
    .add("resumed", "resumed with what they missed", resumed)
    .add("lost", "resumed without it (lost)", lost)
    .add("failed", "never reconnected", failed)
    .add("retries", "connection attempts retried", retries)
    .add(
        "seconds",
        "seconds until the last had resumed",
        slowest.as_secs_f64(),
    );
    r.finish(&c.json_path("reconnect-storm"))?;
    drop(back);
    server.stop().await;
    Ok(())
}

async fn resume(
    addr: SocketAddr,
    token: String,
    index: usize,
    ticket: i64,
    after: i64,
    sources: usize,
) -> anyhow::Result<(Socket, bool, u64, Instant)> {
    let deadline = Instant::now() + GIVE_UP;
    let mut tries = 0;
    let mut pause = Duration::from_millis(100);
    loop {
        let attempt = async {
            let mut ws = client::connect(addr, &token, client::source(index, sources)).await?;
            let (ids, last_seq) = client::subscribe(&mut ws, ticket, after).await?;
            Ok::<_, anyhow::Error>((ws, ids, last_seq))
        };
        match attempt.await {
            Ok((ws, ids, last_seq)) => {
                let got = ids.iter().any(|id| *id == format!("away-{ticket}"));
                let socket = Socket {
                    index,
                    ticket,
                    ws,
                    last_seq,
                };
                return Ok((socket, got, tries, Instant::now()));
            }
            Err(e) if Instant::now() > deadline => return Err(e),
            Err(_) => {
                tries += 1;
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
        }
    }
}
