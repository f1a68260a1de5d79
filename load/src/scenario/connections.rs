//! `connections`: N idle sockets, signed in and subscribed, opened in four steps; the server's
//! resident memory after each step, and the marginal memory per socket over the last three.
//! The server is restarted between the setup and the sockets: what the setup's hundreds of
//! password hashes left in the allocator would otherwise be reused by the sockets and hide
//! their cost.

use super::{talk, Common};
use crate::report::Report;
use std::time::{Duration, Instant};

const STEPS: usize = 4;
/// For the server's allocator to settle after a step.
const SETTLE: Duration = Duration::from_secs(2);

pub async fn run(c: &Common, connections: usize) -> anyhow::Result<()> {
    let (server, pairs) = c.server_with_pairs(connections.div_ceil(2)).await?;
    let server = server.restart().await?;
    tokio::time::sleep(SETTLE).await;
    let baseline = server.usage()?;
    let chunk = pairs.len().div_ceil(STEPS).max(1);
    let mut held = Vec::new();
    let mut rss = Vec::new();
    let mut opening = Duration::ZERO;
    for part in pairs.chunks(chunk) {
        let t = Instant::now();
        let sockets = talk::open(server.addr, part, c.sources).await?;
        opening += t.elapsed();
        held.extend(sockets);
        tokio::time::sleep(SETTLE).await;
        rss.push((held.len(), server.usage()?.rss_bytes));
    }
    let n = held.len();
    let last = rss.last().copied().unwrap_or((0, baseline.rss_bytes));
    let first = rss.first().copied().unwrap_or(last);
    let kib = |bytes: u64, count: usize| bytes as f64 / 1024.0 / (count.max(1) as f64);
    let mut r = Report::new("connections", c.backend);
    r.add("connections", "sockets held", n)
        .add(
            "open_seconds",
            "seconds to open them",
            opening.as_secs_f64(),
        )
        .add(
            "rss_baseline_mib",
            "server memory before, MiB",
            baseline.rss_bytes as f64 / 1048576.0,
        )
        .add(
            "rss_held_mib",
            "server memory holding them, MiB",
            last.1 as f64 / 1048576.0,
        )
        .add(
            "kib_per_connection",
            "KiB per socket, all",
            kib(last.1.saturating_sub(baseline.rss_bytes), n),
        )
        .add(
            "marginal_kib_per_connection",
            "KiB per socket, marginal (steps 2-4)",
            kib(
                last.1.saturating_sub(first.1),
                last.0.saturating_sub(first.0),
            ),
        )
        .add("steps", "sockets and bytes after each step", &rss);
    r.finish(&c.json_path("connections"))?;
    drop(held);
    server.stop().await;
    Ok(())
}
