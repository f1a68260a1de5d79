//! `peak`: the same sockets at a rising rate, a step at a time, until the ack p99 passes the
//! limit (or messages go unacked, or the server falls behind the rate); the peak is the most
//! acks a second of a step still within the limit.

use super::chat::figures;
use super::talk::{self, Pace};
use super::Common;
use crate::report::Report;
use serde::Serialize;
use std::time::Duration;

pub struct Steps {
    pub start: f64,
    pub factor: f64,
    pub seconds: f64,
    pub limit_ms: f64,
    pub most: usize,
}

#[derive(Serialize)]
struct Step {
    rate: f64,
    acks_per_s: f64,
    ack_p99_ms: f64,
    delivery_p99_ms: f64,
    cpu_ms_per_message: f64,
    within: bool,
}

pub async fn run(c: &Common, connections: usize, steps: Steps) -> anyhow::Result<()> {
    let (server, pairs) = c.server_with_pairs(connections.div_ceil(2)).await?;
    let mut sockets = talk::open(server.addr, &pairs, c.sources).await?;
    let mut rate = steps.start;
    let mut done = Vec::new();
    let mut best: Option<(f64, crate::tally::Counts, Duration, f64)> = None;
    for _ in 0..steps.most {
        let before = server.usage()?;
        let pace = Pace {
            rate,
            seconds: steps.seconds,
            drain: Duration::from_secs(5),
        };
        let talked = talk::talk(sockets, pace).await;
        let cpu = server.usage()?.cpu_seconds - before.cpu_seconds;
        sockets = talked.sockets;
        let counts = talked.tally.counts();
        let acks_per_s = counts.acked as f64 / talked.elapsed.as_secs_f64().max(0.001);
        let within =
            counts.ack_ms.p99 <= steps.limit_ms && counts.unacked == 0 && acks_per_s >= 0.9 * rate;
        println!(
            "rate {rate:>8.0}/s: acks {acks_per_s:>8.0}/s, ack p99 {:>7.1} ms{}",
            counts.ack_ms.p99,
            if within { "" } else { "  (past the limit)" }
        );
        done.push(Step {
            rate,
            acks_per_s,
            ack_p99_ms: counts.ack_ms.p99,
            delivery_p99_ms: counts.delivery_ms.p99,
            cpu_ms_per_message: cpu * 1000.0 / counts.acked.max(1) as f64,
            within,
        });
        if !within {
            break;
        }
        best = Some((acks_per_s, counts, talked.elapsed, cpu));
        rate *= steps.factor;
    }
    let mut r = Report::new("peak", c.backend);
    r.add("connections", "sockets", sockets.len()).add(
        "limit_ms",
        "ack p99 limit, ms",
        steps.limit_ms,
    );
    match &best {
        Some((peak, counts, elapsed, cpu)) => {
            r.add("peak_acks_per_s", "peak acks/s within the limit", *peak);
            figures(&mut r, counts, *elapsed, *cpu);
        }
        None => {
            r.add("peak_acks_per_s", "peak acks/s within the limit", 0);
        }
    }
    r.add("steps", "steps", &done);
    r.finish(&c.json_path("peak"))?;
    drop(sockets);
    server.stop().await;
    Ok(())
}
