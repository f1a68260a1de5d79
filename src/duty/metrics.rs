//! The duty capability's metrics: the gaps in the cover and today's missed checks, counted over
//! the whole region when Prometheus scrapes, and the checks done and escalation steps taken.

use super::gaps::{self, Gap};
use super::matrix::{check_state, CheckState};
use super::{store, Rules};
use crate::clock::Clock;
use crate::db::Db;
use crate::metrics::Metrics;
use prometheus::{IntCounter, IntGauge};
use std::sync::Arc;

pub struct DutyMetrics {
    pub checks_done: IntCounter,
    pub check_escalations: IntCounter,
}

#[derive(Clone)]
struct Gauges {
    without_primary: IntGauge,
    disabled: IntGauge,
    overloaded: IntGauge,
    uncovered: IntGauge,
    missed: IntGauge,
}

impl DutyMetrics {
    pub fn register(
        metrics: &Metrics,
        db: Db,
        clock: Arc<dyn Clock>,
        rules: Arc<Rules>,
    ) -> Arc<Self> {
        let g = Gauges {
            without_primary: metrics.gauge(
                "backstop_duty_units_without_primary",
                "Units of the four levels with no primary security officer",
            ),
            disabled: metrics.gauge(
                "backstop_duty_units_with_disabled_officer",
                "Units whose primary or deputy officer's account is disabled",
            ),
            overloaded: metrics.gauge(
                "backstop_duty_units_with_overloaded_officer",
                "Units whose officer answers for more units than the configured maximum",
            ),
            uncovered: metrics.gauge(
                "backstop_duty_uncovered_hours",
                "Unit-hours of the next 7 days that a unit's own arrangement covers with nobody",
            ),
            missed: metrics.gauge(
                "backstop_duty_checks_missed",
                "Units whose daily check is past its deadline today and not done",
            ),
        };
        metrics.on_scrape(Arc::new(move || {
            let (db, clock, rules, g) = (db.clone(), clock.clone(), rules.clone(), g.clone());
            Box::pin(async move {
                if let Err(e) = refresh(&db, clock.now(), &rules, &g).await {
                    tracing::warn!(error = %e, "metrics: cannot count duty gaps");
                }
            })
        }));
        Arc::new(Self {
            checks_done: metrics.counter(
                "backstop_duty_checks_done_total",
                "Daily checks completed by security officers",
            ),
            check_escalations: metrics.counter(
                "backstop_duty_check_escalations_total",
                "Steps taken for missed daily checks (flagged, then each level up)",
            ),
        })
    }
}

async fn refresh(db: &Db, now: i64, rules: &Rules, g: &Gauges) -> sqlx::Result<()> {
    let day = rules.day_of(now);
    let deadline = rules.deadline(day);
    let snap = store::load(db, "/", now, &day.to_string()).await?;
    let (mut none, mut disabled, mut over, mut hours, mut missed) = (0, 0, 0, 0, 0);
    let ahead = gaps::hours_ahead(now, rules);
    for unit in &snap.units {
        let (found, h) = gaps::of(&snap, unit, &ahead, rules);
        none += i64::from(found.contains(&Gap::NoPrimary));
        disabled += i64::from(found.contains(&Gap::DisabledOfficer));
        over += i64::from(found.contains(&Gap::Overloaded));
        hours += h;
        let state = check_state(snap.done.get(&unit.id), now, deadline).state;
        missed += i64::from(state == CheckState::Missed);
    }
    g.without_primary.set(none);
    g.disabled.set(disabled);
    g.overloaded.set(over);
    g.uncovered.set(hours);
    g.missed.set(missed);
    Ok(())
}
