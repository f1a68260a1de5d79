//! The help desk's own metrics: messages and requests stored, journal group sizes, service-level
//! flags set and escalation steps taken, and tickets by state, counted from its own table when
//! Prometheus scrapes.

use super::repo;
use super::ticket::TicketState;
use crate::db::Db;
use crate::metrics::Metrics;
use prometheus::{Histogram, IntCounter, IntCounterVec, IntGaugeVec};
use std::sync::Arc;

pub struct HelpdeskMetrics {
    pub messages: IntCounter,
    pub tickets_created: IntCounter,
    pub group_size: Histogram,
    /// Flags set (不办、迟办、拖办、卡壳), by flag.
    pub flags_set: IntCounterVec,
    /// Escalation steps written, by flag.
    pub escalations: IntCounterVec,
}

impl HelpdeskMetrics {
    pub fn register(metrics: &Metrics, db: Db) -> Arc<Self> {
        let tickets = metrics.register(
            IntGaugeVec::new(
                Metrics::opts("backstop_tickets", "Tickets by state"),
                &["state"],
            )
            .expect("valid metric"),
        );
        let flagged = metrics.register(
            IntGaugeVec::new(
                Metrics::opts(
                    "backstop_tickets_flagged",
                    "Tickets carrying a service-level flag now (unhandled, late, dragging, stuck)",
                ),
                &["flag"],
            )
            .expect("valid metric"),
        );
        metrics.on_scrape(Arc::new(move || {
            let (db, tickets, flagged) = (db.clone(), tickets.clone(), flagged.clone());
            Box::pin(async move {
                count_tickets(&db, &tickets).await;
                count_flagged(&db, &flagged).await;
            })
        }));
        let by_flag = |name: &str, help: &str| {
            let vec = IntCounterVec::new(Metrics::opts(name, help), &["flag"]);
            metrics.register(vec.expect("valid metric"))
        };
        Arc::new(Self {
            flags_set: by_flag(
                "backstop_sla_flags_total",
                "Service-level flags set on tickets (unhandled, late, dragging, stuck)",
            ),
            escalations: by_flag(
                "backstop_sla_escalations_total",
                "Escalation steps written (handler, then each unit up the tree)",
            ),
            messages: metrics.counter("backstop_messages_total", "Chat messages stored"),
            tickets_created: metrics
                .counter("backstop_tickets_created_total", "Help requests raised"),
            group_size: metrics.histogram(
                "backstop_journal_group_size",
                "Ticket changes committed per transaction",
                vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0],
            ),
        })
    }
}

async fn count_flagged(db: &Db, gauge: &IntGaugeVec) {
    let q = sqlx::query("SELECT flags FROM tickets WHERE flags <> ''");
    let rows = match db.timed(q.fetch_all(db.read())).await {
        Ok(rows) => rows,
        Err(e) => return tracing::warn!(error = %e, "metrics: cannot count flagged tickets"),
    };
    let mut counts = std::collections::HashMap::new();
    for r in rows {
        let flags: String = sqlx::Row::try_get(&r, "flags").unwrap_or_default();
        for f in flags.split_whitespace() {
            let name = f.split('@').next().unwrap_or("");
            *counts.entry(name.to_string()).or_insert(0) += 1;
        }
    }
    for f in crate::helpdesk::sla::clocks::Flag::ALL {
        let n = counts.get(f.as_str()).copied().unwrap_or(0);
        gauge.with_label_values(&[f.as_str()]).set(n);
    }
}

async fn count_tickets(db: &Db, gauge: &IntGaugeVec) {
    match db.timed(repo::count_by_state(db.read())).await {
        Ok(counts) => {
            for s in TicketState::ALL {
                gauge.with_label_values(&[s.as_str()]).set(0);
            }
            for (state, n) in counts {
                gauge.with_label_values(&[state.as_str()]).set(n);
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: cannot count tickets"),
    }
}
