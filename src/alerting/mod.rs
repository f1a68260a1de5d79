//! Incidents (故障) and their climb: an alarm from the prober or an alert from Alertmanager opens
//! one on its unit (`intake`, `alertmanager`); the officer on duty there is told, and each
//! level's timeout later, unacknowledged, the officer on duty one level up — township → county
//! → city → region, repeating at the region (`climb`). Acknowledging stops it; recovery
//! resolves it (`incident`). Each step and change is kept in its timeline, told live in the
//! console (`incident`, `incident_notice` frames) and to the units' webhooks (`webhooks`).

pub mod alertmanager;
pub mod allowed;
pub mod climb;
pub mod hooks;
pub mod incident;
pub mod intake;
pub mod metrics;
pub mod notify;
pub mod routes;
pub mod timeline;
pub mod units;
pub mod view;
pub mod webhooks;

use crate::auth::Bus;
use crate::clock::{Clock, Millis};
use crate::config::{AlertingSettings, Settings};
use crate::db::Db;
use crate::events::Topic;
use crate::org::on_call::OnCall;
use std::sync::Arc;

/// The alerting capability's slice of the application state.
#[derive(Clone)]
pub struct Alerting {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub bus: Arc<Bus>,
    /// Duty's answer to who is on duty.
    pub on_call: Arc<dyn OnCall>,
    pub client: crate::outbound::Client,
    pub metrics: Arc<metrics::AlertingMetrics>,
    pub settings: Arc<AlertingSettings>,
    /// Each person's pace of reads of incidents: each one reads a whole area's.
    pub paces: crate::throttle::Paces,
}

impl Alerting {
    pub fn start(
        db: Db,
        clock: Arc<dyn Clock>,
        bus: Arc<Bus>,
        on_call: Arc<dyn OnCall>,
        registry: &crate::metrics::Metrics,
        settings: &Settings,
    ) -> anyhow::Result<Self> {
        let s = &settings.alerting;
        if s.escalation_minutes.is_empty() || s.escalation_minutes.contains(&0) {
            anyhow::bail!("alerting.escalation_minutes: one or more minutes, none of them 0");
        }
        let metrics = metrics::AlertingMetrics::register(registry, db.clone(), clock.clone());
        Ok(Self {
            db,
            clock,
            bus,
            on_call,
            client: crate::outbound::Client::new(None)?,
            metrics,
            settings: Arc::new(s.clone()),
            paces: crate::throttle::Paces::new(settings.helpdesk.search_rate()),
        })
    }

    /// How long an incident waits for acknowledgement at a unit of `level` before it climbs.
    pub fn timeout(&self, level: &str) -> Millis {
        let steps = &self.settings.escalation_minutes;
        let i = match level {
            "region" => steps.len() - 1,
            "city" => 2,
            "county" => 1,
            _ => 0,
        };
        let minutes = steps.get(i).or(steps.last()).copied().unwrap_or(5);
        i64::try_from(minutes).unwrap_or(5).saturating_mul(60_000)
    }
}

/// The topic the ops view follows for incidents (`subscribe_ops`).
pub fn topic() -> Topic {
    Topic::new("incidents")
}
