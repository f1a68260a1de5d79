//! The prober's metrics: each check counted per monitor and timed per kind, checks started
//! late; and, when Prometheus scrapes, each monitor's state, maintenance and availability.

use super::availability;
use super::check::Outcome;
use super::store::{self, Watched};
use crate::clock::Clock;
use crate::db::Db;
use crate::metrics::Metrics;
use prometheus::{
    GaugeVec, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec,
};
use sqlx::Row;
use std::sync::Arc;

pub struct UptimeMetrics {
    checks: IntCounterVec,
    failures: IntCounterVec,
    duration: HistogramVec,
    pub late: IntCounter,
    /// How long after its due time each check started.
    pub delay: Histogram,
}

#[derive(Clone)]
struct Gauges {
    up: IntGaugeVec,
    maintenance: IntGaugeVec,
    availability: GaugeVec,
}

impl UptimeMetrics {
    pub fn register(
        metrics: &Metrics,
        db: Db,
        clock: Arc<dyn Clock>,
        zone: jiff::tz::TimeZone,
    ) -> Arc<Self> {
        let labels = ["monitor", "unit"];
        let counter = |name: &str, help: &str| {
            metrics.register(IntCounterVec::new(Metrics::opts(name, help), &labels).expect("valid"))
        };
        let gauge = |name: &str, help: &str| {
            metrics.register(IntGaugeVec::new(Metrics::opts(name, help), &labels).expect("valid"))
        };
        let g = Gauges {
            up: gauge(
                "backstop_probe_up",
                "1 while a monitored system is up, 0 while down",
            ),
            maintenance: gauge(
                "backstop_probe_in_maintenance",
                "1 while a monitored system is in a maintenance window",
            ),
            availability: metrics.register(
                GaugeVec::new(
                    Metrics::opts(
                        "backstop_probe_availability_ratio",
                        "Checks up over checks counted (maintenance left out), by window",
                    ),
                    &["monitor", "unit", "window"],
                )
                .expect("valid"),
            ),
        };
        metrics.on_scrape(Arc::new(move || {
            let (db, clock, g, zone) = (db.clone(), clock.clone(), g.clone(), zone.clone());
            Box::pin(async move {
                if let Err(e) = refresh(&db, clock.as_ref(), &zone, &g).await {
                    tracing::warn!(error = %e, "metrics: cannot read the monitors");
                }
            })
        }));
        let buckets = vec![
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ];
        let opts = HistogramOpts::new("backstop_probe_duration_seconds", "Time a check took")
            .buckets(buckets);
        Arc::new(Self {
            checks: counter(
                "backstop_probe_checks_total",
                "Checks of a monitored system",
            ),
            failures: counter("backstop_probe_failures_total", "Checks that failed"),
            duration: metrics.register(HistogramVec::new(opts, &["kind"]).expect("valid")),
            late: metrics.counter(
                "backstop_probe_late_total",
                "Checks that started more than their interval late",
            ),
            delay: metrics.register(
                Histogram::with_opts(
                    HistogramOpts::new(
                        "backstop_probe_start_delay_seconds",
                        "Time from a check's due time to its start",
                    )
                    .buckets(vec![0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0]),
                )
                .expect("valid"),
            ),
        })
    }

    pub fn observe(&self, w: &Watched, o: &Outcome) {
        let labels = [w.monitor.key.as_str(), w.unit_code.as_str()];
        self.checks.with_label_values(&labels).inc();
        if !o.ok {
            self.failures.with_label_values(&labels).inc();
        }
        self.duration
            .with_label_values(&[w.monitor.kind.as_str()])
            .observe(o.latency_ms as f64 / 1000.0);
    }
}

async fn refresh(
    db: &Db,
    clock: &dyn Clock,
    zone: &jiff::tz::TimeZone,
    g: &Gauges,
) -> sqlx::Result<()> {
    let now = clock.now();
    let watched = store::watched(db).await?;
    let q = sqlx::query("SELECT id, status FROM monitors WHERE paused = 0");
    let status: std::collections::HashMap<i64, String> = db
        .timed(q.fetch_all(db.read()))
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("status")?)))
        .collect::<sqlx::Result<_>>()?;
    let windows = availability::windows(db, now).await?;
    g.up.reset();
    g.maintenance.reset();
    g.availability.reset();
    for w in &watched {
        let labels = [w.monitor.key.as_str(), w.unit_code.as_str()];
        match status.get(&w.monitor.id).map(String::as_str) {
            Some("up") => g.up.with_label_values(&labels).set(1),
            Some("down") => g.up.with_label_values(&labels).set(0),
            _ => {}
        }
        let held = w.windows.iter().any(|(_, _, win)| win.holds(now, zone));
        g.maintenance
            .with_label_values(&labels)
            .set(i64::from(held));
        let a = windows.get(&w.monitor.id).copied().unwrap_or_default();
        for (name, value) in [("24h", a.h24), ("7d", a.d7), ("30d", a.d30)] {
            if let Some(v) = value {
                let l = [labels[0], labels[1], name];
                g.availability.with_label_values(&l).set(v);
            }
        }
    }
    Ok(())
}
