//! `idle`: the server with the whole demo, its monitors checking, and no one signed in: the
//! time from starting the process to the first request answered, and the resident memory a
//! minute later (ten seconds with `--smoke`).

use super::Common;
use crate::report::Report;
use crate::server::Server;
use crate::setup::Api;
use std::time::Duration;

pub async fn run(c: &Common) -> anyhow::Result<()> {
    // A first start creates the database and loads the demo; the figures are of the second,
    // as a server starts on any day but its first.
    let first = Server::start(&c.launch("[uptime]\ndemo_monitors = true")).await?;
    let server = first.restart().await?;
    let api = Api::new(server.base());
    api.get("", "/healthz").await?;
    let start_ms = server.spawned.elapsed().as_secs_f64() * 1000.0;
    tokio::time::sleep(Duration::from_secs(if c.smoke { 10 } else { 60 })).await;
    let usage = server.usage()?;
    let mut r = Report::new("idle", c.backend);
    r.add(
        "start_ms",
        "start to first request served, ms (a restart)",
        start_ms,
    )
    .add(
        "rss_mib",
        "resident memory with the demo, MiB",
        usage.rss_bytes as f64 / 1048576.0,
    )
    .add("cpu_seconds", "CPU seconds so far", usage.cpu_seconds);
    r.finish(&c.json_path("idle"))?;
    server.stop().await;
    Ok(())
}
