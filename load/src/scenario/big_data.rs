//! `big-data`: the server over a large store (`crate::fill`: a year of tickets with their logs,
//! ratings, thousands of monitors with their roll-ups), restarted on it, then each read a
//! person makes timed one after another, as the console makes them:
//! - 泾源县's expert opening the work queue (`subscribe_queue`): the first page on screen, and
//!   every page;
//! - the same expert opening a ticket of 50 entries (`subscribe` from the start, up to the
//!   snapshot's last page);
//! - the region's supervisor reading the board (`GET /api/board`);
//! - the region's ops staff reading every monitor with its availability
//!   (`GET /api/uptime/monitors`).
//!
//! The prober is off (the monitors point nowhere): the `monitors` scenario measures it.

use super::Common;
use crate::client::{self, Incoming, Ws};
use crate::fill;
use crate::report::Report;
use crate::server::{Backend, Server};
use crate::setup::Api;
use crate::tally::{histogram, Percentiles};
use anyhow::{anyhow, bail};
use backstop::live::protocol::ClientFrame;
use backstop::org::demo::DEMO_PASSWORD;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use sqlx::Row;
use std::time::Instant;

pub struct Sizes {
    pub tickets: i64,
    pub monitors: i64,
    /// Times each read is made.
    pub rounds: usize,
}

pub async fn run(c: &Common, s: Sizes) -> anyhow::Result<()> {
    let server = Server::start(&c.launch("[uptime]\ntick_ms = 0\ndemo_monitors = false")).await?;
    let filling = Instant::now();
    let mut db = fill::connect(server.database_url()).await?;
    let now = jiff::Timestamp::now().as_millisecond();
    let filled = fill::tickets(&mut db, s.tickets, now).await?;
    fill::monitors(&mut db, s.monitors, now).await?;
    fill::finish(&mut db, c.backend == Backend::Sqlite).await?;
    let fill_secs = filling.elapsed().as_secs_f64();
    // Ticket of 50 entries in the expert's county, spread over the year.
    let opened: Vec<i64> = sqlx::query(&format!(
        "SELECT t.id FROM tickets t JOIN units u ON t.unit_path LIKE u.path || '%' \
         WHERE u.code = '640424' AND t.id >= {} AND t.last_seq = 50 ORDER BY t.id",
        filled.first_ticket
    ))
    .fetch_all(&mut db)
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<sqlx::Result<_>>()?;
    drop(db);
    if opened.is_empty() {
        bail!("no ticket of 50 entries in 泾源县");
    }
    let server = server.restart().await?;
    let api = Api::new(server.base());
    let expert = api.token("expert.jingyuan", DEMO_PASSWORD).await?;
    let supervisor = api.token("supervisor.region", DEMO_PASSWORD).await?;
    let ops = api.token("ops.datacenter", DEMO_PASSWORD).await?;
    // A socket for each read (not timed): one person's frames are paced, and a console opens
    // a queue or a ticket a few times a minute, not hundreds of times a second.
    let socket = || client::connect(server.addr, &expert, None);
    let (mut first_page, mut all_pages) = (histogram(), histogram());
    let mut queued = 0;
    for _ in 0..s.rounds {
        let mut ws = socket().await?;
        queued = queue(&mut ws, &mut first_page, &mut all_pages).await?;
    }
    let mut open = histogram();
    let step = (opened.len() / s.rounds).max(1);
    for ticket in opened.iter().step_by(step).take(s.rounds) {
        let mut ws = socket().await?;
        let t = Instant::now();
        let (_, last) = client::subscribe(&mut ws, *ticket, 0).await?;
        record(&mut open, t);
        if last != 50 {
            bail!("ticket {ticket} opened with its last entry {last}, not 50");
        }
    }
    let board = timed(s.rounds, || api.get(&supervisor, "/api/board")).await;
    let monitors = timed(s.rounds, || api.get(&ops, "/api/uptime/monitors")).await;
    let listed = monitors.last["monitors"].as_array().map_or(0, Vec::len);
    let usage = server.usage()?;

    let mut r = Report::new("big-data", c.backend);
    r.add("tickets", "tickets generated", filled.tickets)
        .add("entries", "their log entries", filled.entries)
        .add("monitors", "monitors generated", s.monitors)
        .add("fill_seconds", "seconds to write them", fill_secs)
        .add("rounds", "reads of each kind", s.rounds)
        .add("queue_tickets", "tickets in the expert's queue", queued);
    let mut shown = |key: &str, label: &str, p: Percentiles| {
        r.add_shown(key, label, &p, p.to_string());
    };
    shown(
        "queue_first_page_ms",
        "queue, first page, ms",
        Percentiles::of(&first_page),
    );
    shown(
        "queue_all_pages_ms",
        "queue, every page, ms",
        Percentiles::of(&all_pages),
    );
    shown(
        "ticket_open_ms",
        "a ticket of 50 entries opened, ms",
        Percentiles::of(&open),
    );
    shown(
        "board_ms",
        "region board, ms",
        Percentiles::of(&board.times),
    );
    shown(
        "monitors_ms",
        "every monitor with availability, ms",
        Percentiles::of(&monitors.times),
    );
    for (key, label, t) in [
        ("board_refused", "region board, refused", &board),
        ("monitors_refused", "every monitor, refused", &monitors),
    ] {
        r.add_shown(key, label, t.refused, refusals(t));
    }
    r.add("monitors_listed", "monitors listed", listed).add(
        "rss_mib",
        "server memory, MiB",
        usage.rss_bytes as f64 / 1048576.0,
    );
    r.finish(&c.json_path("big-data"))?;
    server.stop().await;
    Ok(())
}

fn refusals(t: &Timed) -> String {
    match t.refused {
        0 => "0".into(),
        n => format!("{n} (the last: {})", t.why),
    }
}

fn record(h: &mut Histogram<u64>, since: Instant) {
    let us = u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX);
    let _ = h.record(us.max(1));
}

/// The queue once: the time to its first page and to its last; how many tickets it held.
async fn queue(
    ws: &mut Ws,
    first: &mut Histogram<u64>,
    all: &mut Histogram<u64>,
) -> anyhow::Result<usize> {
    let t = Instant::now();
    ws.send(client::frame(&ClientFrame::SubscribeQueue)).await?;
    let mut held = 0;
    loop {
        let m = ws
            .next()
            .await
            .ok_or_else(|| anyhow!("closed before the queue"))??;
        match Incoming::parse(&m) {
            Some(Incoming::Queue {
                page,
                has_more,
                tickets,
            }) => {
                if page == 0 {
                    record(first, t);
                }
                held += tickets.len();
                if !has_more {
                    record(all, t);
                    return Ok(held);
                }
            }
            Some(Incoming::Error { code, message, .. }) => bail!("{code}: {message}"),
            _ => continue,
        }
    }
}

/// A read made again and again: how long each took (a refused one too: the person waited for
/// it), how many were refused and why the last was, and the last answer.
struct Timed {
    times: Histogram<u64>,
    refused: usize,
    why: String,
    last: serde_json::Value,
}

/// `f` made `rounds` times one after another.
async fn timed<F, Fut>(rounds: usize, f: F) -> Timed
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<serde_json::Value>>,
{
    let mut out = Timed {
        times: histogram(),
        refused: 0,
        why: String::new(),
        last: serde_json::Value::Null,
    };
    for _ in 0..rounds {
        let t = Instant::now();
        match f().await {
            Ok(v) => out.last = v,
            Err(e) => {
                out.refused += 1;
                out.why = e.to_string();
            }
        }
        record(&mut out.times, t);
    }
    out
}
