//! `chat`: N sockets (N/2 tickets, each with its clerk and its expert), R messages a second
//! for T seconds; acks, deliveries, losses, repeats, and the server's CPU per message.

use super::talk::{self, Pace};
use super::Common;
use crate::report::Report;
use crate::tally::Counts;
use std::time::Duration;

pub async fn run(c: &Common, connections: usize, rate: f64, seconds: f64) -> anyhow::Result<()> {
    let (server, pairs) = c.server_with_pairs(connections.div_ceil(2)).await?;
    let sockets = talk::open(server.addr, &pairs, c.sources).await?;
    let before = server.usage()?;
    let pace = Pace {
        rate,
        seconds,
        drain: Duration::from_secs(10),
    };
    let done = talk::talk(sockets, pace).await;
    let after = server.usage()?;
    let counts = done.tally.counts();
    let mut r = Report::new("chat", c.backend);
    r.add("connections", "sockets", done.sockets.len())
        .add("rate", "messages/s asked", rate)
        .add("seconds", "seconds", seconds);
    figures(
        &mut r,
        &counts,
        done.elapsed,
        after.cpu_seconds - before.cpu_seconds,
    );
    r.add(
        "rss_mib",
        "server resident memory, MiB",
        after.rss_bytes as f64 / 1048576.0,
    );
    r.finish(&c.json_path("chat"))?;
    server.stop().await;
    Ok(())
}

/// The figures every talk reports.
pub fn figures(r: &mut Report, counts: &Counts, elapsed: Duration, cpu_seconds: f64) {
    let acks_per_s = counts.acked as f64 / elapsed.as_secs_f64().max(0.001);
    let cpu_ms = cpu_seconds * 1000.0 / (counts.acked.max(1) as f64);
    r.add("sent", "messages sent", counts.sent)
        .add("acked", "acked (stored)", counts.acked)
        .add("delivered", "delivered to the other side", counts.delivered)
        .add("lost", "lost (acked, never delivered)", counts.lost)
        .add(
            "unacked",
            "not acked by the end of the drain",
            counts.unacked,
        )
        .add("duplicated", "duplicated", counts.duplicated)
        .add("refused", "refused with an error", counts.refused)
        .add("acks_per_s", "acks/s", acks_per_s)
        .add_shown(
            "ack_ms",
            "ack ms",
            &counts.ack_ms,
            counts.ack_ms.to_string(),
        )
        .add_shown(
            "delivery_ms",
            "end-to-end ms",
            &counts.delivery_ms,
            counts.delivery_ms.to_string(),
        )
        .add("cpu_ms_per_message", "server CPU ms per message", cpu_ms);
}
