//! Incidents for Prometheus: open ones by the level they reached and the age of the oldest
//! unacknowledged one there (read when scraped), and the steps taken by level.

use crate::clock::Clock;
use crate::db::Db;
use crate::metrics::Metrics;
use prometheus::{IntCounterVec, IntGaugeVec};
use sqlx::Row;
use std::sync::Arc;

pub const LEVELS: [&str; 4] = ["township", "county", "city", "region"];

pub struct AlertingMetrics {
    opened: IntCounterVec,
    escalations: IntCounterVec,
}

/// The four levels' label for a unit level (villages and grids answer with their township).
fn label(level: &str) -> &'static str {
    LEVELS
        .iter()
        .find(|l| **l == level)
        .copied()
        .unwrap_or("township")
}

impl AlertingMetrics {
    pub fn register(metrics: &Metrics, db: Db, clock: Arc<dyn Clock>) -> Arc<Self> {
        let by_level = |name: &str, help: &str| {
            metrics
                .register(IntGaugeVec::new(Metrics::opts(name, help), &["level"]).expect("valid"))
        };
        let open = by_level(
            "backstop_incidents_open",
            "Open incidents by the level they reached",
        );
        let waiting = by_level(
            "backstop_incident_unacknowledged_seconds",
            "Age of the oldest open, unacknowledged incident at each level (0: none)",
        );
        metrics.on_scrape(Arc::new(move || {
            let (db, clock, open, waiting) =
                (db.clone(), clock.clone(), open.clone(), waiting.clone());
            Box::pin(async move {
                if let Err(e) = refresh(&db, clock.now(), &open, &waiting).await {
                    tracing::warn!(error = %e, "metrics: cannot count incidents");
                }
            })
        }));
        let counter = |name: &str, help: &str| {
            metrics
                .register(IntCounterVec::new(Metrics::opts(name, help), &["level"]).expect("valid"))
        };
        Arc::new(Self {
            opened: counter(
                "backstop_incidents_opened_total",
                "Incidents opened, by their unit's level",
            ),
            escalations: counter(
                "backstop_incident_escalations_total",
                "Escalation steps taken, by the level reached",
            ),
        })
    }

    pub fn opened(&self, level: &str) {
        self.opened.with_label_values(&[label(level)]).inc();
    }

    pub fn escalated(&self, level: &str) {
        self.escalations.with_label_values(&[label(level)]).inc();
    }
}

async fn refresh(db: &Db, now: i64, open: &IntGaugeVec, waiting: &IntGaugeVec) -> sqlx::Result<()> {
    let q = sqlx::query(
        "SELECT u.level, COUNT(*) AS n, \
         MIN(CASE WHEN i.acknowledged_at IS NULL THEN i.opened_at END) AS oldest \
         FROM incidents i JOIN units u ON u.id = i.reached_unit_id \
         WHERE i.resolved_at IS NULL GROUP BY u.level",
    );
    let rows = db.timed(q.fetch_all(db.read())).await?;
    for l in LEVELS {
        open.with_label_values(&[l]).set(0);
        waiting.with_label_values(&[l]).set(0);
    }
    for r in rows {
        let level = label(&r.try_get::<String, _>("level")?);
        open.with_label_values(&[level]).add(r.try_get("n")?);
        if let Some(oldest) = r.try_get::<Option<i64>, _>("oldest")? {
            let age = (now - oldest).max(0) / 1000;
            let g = waiting.with_label_values(&[level]);
            g.set(g.get().max(age));
        }
    }
    Ok(())
}
