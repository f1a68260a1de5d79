//! `monitors`: N HTTP monitors added through the API by the region's ops staff, each checking
//! its own page of a target in this process. After one interval for every monitor to meet its
//! first check, a measured window: the server's CPU, checks per second, and how late the
//! window's checks start — by the server's own `backstop_probe_start_delay_seconds` and, at
//! the target, by how far each monitor's gaps stray from its interval. Then the server is restarted (SIGTERM) and
//! the time until every monitor has checked again is taken.

use super::Common;
use crate::report::Report;
use crate::server::Server;
use crate::setup::Api;
use crate::tally::{histogram, Percentiles};
use anyhow::anyhow;
use axum::extract::{Path, State};
use futures_util::{stream, StreamExt, TryStreamExt};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Monitors added at once.
const AT_ONCE: usize = 16;
/// How long after the restart every monitor may take, at most, before the run gives up.
const RESTART_GRACE: u32 = 2;

pub struct Sizes {
    pub monitors: usize,
    pub interval_secs: u64,
    pub window_secs: u64,
    /// Before the window: time for every monitor to meet its first check.
    pub warm_up_secs: u64,
}

/// When each monitor's page was asked for.
#[derive(Clone)]
struct Hits(Arc<Mutex<Vec<Vec<Instant>>>>);

impl Hits {
    fn new(n: usize) -> Self {
        Self(Arc::new(Mutex::new(vec![Vec::new(); n])))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Vec<Instant>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn count_since(&self, since: Instant) -> usize {
        let hits = self.lock();
        hits.iter()
            .map(|h| h.iter().filter(|t| **t >= since).count())
            .sum()
    }

    /// Monitors not asked for since `since`.
    fn missing_since(&self, since: Instant) -> usize {
        let hits = self.lock();
        hits.iter()
            .filter(|h| h.last().is_none_or(|t| *t < since))
            .count()
    }
}

async fn page(State(hits): State<Hits>, Path(i): Path<usize>) -> &'static str {
    if let Some(h) = hits.lock().get_mut(i) {
        h.push(Instant::now());
    }
    "ok"
}

/// The target: `/m/{i}` answers "ok" and notes the time.
async fn target(hits: Hits) -> anyhow::Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new()
        .route("/m/{i}", axum::routing::get(page))
        .with_state(hits);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

pub async fn run(c: &Common, s: Sizes) -> anyhow::Result<()> {
    let server = Server::start(&c.launch("")).await?;
    let api = Api::new(server.base());
    let ops = api
        .token("ops.datacenter", backstop::org::demo::DEMO_PASSWORD)
        .await?;
    let hits = Hits::new(s.monitors);
    let at = target(hits.clone()).await?;
    let adding = Instant::now();
    stream::iter(0..s.monitors)
        .map(|i| {
            let body = json!({
                "key": format!("load-{i}"), "name": format!("压测系统 {i}"), "unit": "640424",
                "kind": "http", "target": format!("http://{at}/m/{i}"), "keyword": "ok",
                "interval_secs": s.interval_secs, "timeout_secs": 5,
            });
            let (api, ops) = (&api, &ops);
            async move { api.post(ops, "/api/uptime/monitors", &body).await }
        })
        .buffer_unordered(AT_ONCE)
        .try_collect::<Vec<_>>()
        .await?;
    let added_secs = adding.elapsed().as_secs_f64();
    let interval = Duration::from_secs(s.interval_secs);
    tokio::time::sleep(Duration::from_secs(s.warm_up_secs)).await;

    let window = Duration::from_secs(s.window_secs);
    let before = Delays::read(&api).await?;
    let (u0, from) = (server.usage()?, Instant::now());
    tokio::time::sleep(window).await;
    let (u1, to) = (server.usage()?, Instant::now());
    let checks = hits.count_since(from) - hits.count_since(to);
    let cpu = u1.cpu_seconds - u0.cpu_seconds;
    let strays = gap_strays(&hits, interval, from, to);
    let delays = Delays::read(&api).await?.since(&before);

    let server = server.restart().await?;
    let restarted = Instant::now();
    let mut left = hits.missing_since(restarted);
    while left > 0 && restarted.elapsed() < interval * RESTART_GRACE {
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = hits.missing_since(restarted);
    }
    let all_back = restarted.elapsed().as_secs_f64();
    let late_after_restart = first_after(&hits, restarted)
        .iter()
        .filter(|t| t.is_none_or(|t| t.duration_since(restarted) > interval))
        .count();

    let mut r = Report::new("monitors", c.backend);
    r.add("monitors", "HTTP monitors", s.monitors)
        .add("interval_secs", "interval, s", s.interval_secs)
        .add("added_seconds", "seconds to add them (API)", added_secs)
        .add("window_seconds", "measured window, s", window.as_secs_f64())
        .add(
            "checks_per_second",
            "checks per second",
            checks as f64 / window.as_secs_f64(),
        )
        .add(
            "server_cpu_percent",
            "server CPU, % of one core",
            cpu * 100.0 / window.as_secs_f64(),
        )
        .add(
            "cpu_ms_per_check",
            "server CPU per check, ms",
            cpu * 1000.0 / checks.max(1) as f64,
        )
        .add(
            "checks_timed",
            "checks timed by the server (window)",
            delays.count,
        )
        .add(
            "started_over_1s_late",
            "of them started over 1 s past due",
            delays.count - delays.within_1s(),
        )
        .add_shown(
            "start_delay_bound_s",
            "every one started within, s",
            delays.bound(),
            delays
                .bound()
                .map_or("(over 60)".into(), |b| format!("{b} s")),
        )
        .add_shown(
            "gap_stray_ms",
            "gap between checks off the interval, ms",
            &strays,
            strays.to_string(),
        )
        .add(
            "restart_all_checked_seconds",
            "after a restart, all checked again in, s",
            all_back,
        )
        .add(
            "restart_not_within_interval",
            "after a restart, monitors not checked within one interval",
            late_after_restart,
        )
        .add(
            "rss_mib",
            "server memory, MiB",
            u1.rss_bytes as f64 / 1048576.0,
        );
    r.finish(&c.json_path("monitors"))?;
    server.stop().await;
    Ok(())
}

/// How far each gap between two checks of one monitor, both within the window, is off its
/// interval.
fn gap_strays(hits: &Hits, interval: Duration, from: Instant, to: Instant) -> Percentiles {
    let mut h = histogram();
    for times in hits.lock().iter() {
        let inside: Vec<&Instant> = times.iter().filter(|t| **t >= from && **t < to).collect();
        for pair in inside.windows(2) {
            let gap = pair[1].duration_since(*pair[0]);
            let off = gap.abs_diff(interval);
            let _ = h.record(u64::try_from(off.as_micros()).unwrap_or(u64::MAX).max(1));
        }
    }
    Percentiles::of(&h)
}

/// Each monitor's first check at or after `since`.
fn first_after(hits: &Hits, since: Instant) -> Vec<Option<Instant>> {
    hits.lock()
        .iter()
        .map(|h| h.iter().find(|t| **t >= since).copied())
        .collect()
}

/// The server's `backstop_probe_start_delay_seconds`: checks timed, and how many fell in each
/// bucket (cumulative, as Prometheus keeps them).
struct Delays {
    count: u64,
    buckets: Vec<(f64, u64)>,
}

impl Delays {
    async fn read(api: &Api) -> anyhow::Result<Delays> {
        let text = api.metrics().await?;
        let name = "backstop_probe_start_delay_seconds";
        let mut buckets = Vec::new();
        let mut count = None;
        for line in text.lines() {
            let Some((series, value)) = line.rsplit_once(' ') else {
                continue;
            };
            let value: f64 = value.parse().unwrap_or(0.0);
            if series == format!("{name}_count") {
                count = Some(value as u64);
            } else if let Some(le) = series
                .strip_prefix(&format!("{name}_bucket{{le=\""))
                .and_then(|r| r.strip_suffix("\"}"))
            {
                if let Ok(le) = le.parse::<f64>() {
                    buckets.push((le, value as u64));
                }
            }
        }
        let count = count.ok_or_else(|| anyhow!("the server has no {name}"))?;
        Ok(Delays { count, buckets })
    }

    /// The checks timed since `earlier` was read.
    fn since(&self, earlier: &Delays) -> Delays {
        let before = |le: f64| {
            earlier
                .buckets
                .iter()
                .find(|b| b.0 == le)
                .map_or(0, |b| b.1)
        };
        Delays {
            count: self.count.saturating_sub(earlier.count),
            buckets: self
                .buckets
                .iter()
                .map(|&(le, n)| (le, n.saturating_sub(before(le))))
                .collect(),
        }
    }

    fn within_1s(&self) -> u64 {
        self.buckets
            .iter()
            .find(|(le, _)| *le == 1.0)
            .map_or(0, |b| b.1)
    }

    /// The smallest bucket bound that holds them all.
    fn bound(&self) -> Option<f64> {
        self.buckets
            .iter()
            .filter(|(le, n)| le.is_finite() && *n == self.count)
            .map(|b| b.0)
            .reduce(f64::min)
    }
}
