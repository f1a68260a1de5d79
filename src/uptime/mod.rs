//! Round-the-clock monitoring (不打烊): the systems the service centres depend on, each owned by
//! a unit and checked on its interval (`prober`, `check`); up and down after thresholds
//! (`state`); maintenance windows (`maintenance`); every result kept a short time and rolled up
//! by minute, hour and day, checks finishing together written together (`record`, `recorder`,
//! `availability`, `prune`). An outage leaves as an alarm
//! (`events::alarm`) for alerting, and a status change as a `probe` frame on the `uptime` topic.

pub mod allowed;
pub mod availability;
pub mod board;
pub mod check;
pub mod demo;
pub mod maintenance;
pub mod manage;
pub mod metrics;
pub mod monitor;
pub mod prober;
pub mod prune;
pub mod record;
pub mod recorder;
pub mod routes;
pub mod state;
pub mod store;

use crate::auth::{Bus, Event, Viewer};
use crate::clock::{Clock, Millis};
use crate::config::Settings;
use crate::db::Db;
use crate::events::{Audience, Payload, Topic};
use std::sync::Arc;

/// The uptime capability's slice of the application state.
#[derive(Clone)]
pub struct Uptime {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub bus: Arc<Bus>,
    /// The region's local time, which recurring maintenance windows are read in.
    pub zone: jiff::tz::TimeZone,
    pub client: crate::outbound::Client,
    pub metrics: Arc<metrics::UptimeMetrics>,
    pub prober: Arc<prober::Prober>,
    pub recorder: Arc<recorder::Recorder>,
    pub raw_retention_ms: Millis,
    /// Each person's pace of reads of the monitors: each one reads a whole area's.
    pub paces: crate::throttle::Paces,
}

impl Uptime {
    /// Refuses an unknown time zone or a CA file that cannot be read.
    pub fn start(
        db: Db,
        clock: Arc<dyn Clock>,
        bus: Arc<Bus>,
        registry: &crate::metrics::Metrics,
        settings: &Settings,
    ) -> anyhow::Result<Self> {
        let zone = jiff::tz::TimeZone::get(&settings.sla.time_zone)?;
        let s = &settings.uptime;
        let ca = match &s.ca_file {
            Some(path) => Some(
                std::fs::read(path).map_err(|e| anyhow::anyhow!("uptime.ca_file {path}: {e}"))?,
            ),
            None => None,
        };
        let client = crate::outbound::Client::new(ca.as_deref())?;
        let metrics =
            metrics::UptimeMetrics::register(registry, db.clone(), clock.clone(), zone.clone());
        Ok(Self {
            recorder: Arc::new(recorder::Recorder::new(db.clone())),
            db,
            clock,
            bus,
            zone,
            client,
            metrics,
            prober: Arc::new(prober::Prober::new(s.max_in_flight, s.tick_ms)),
            raw_retention_ms: i64::try_from(s.raw_retention_hours)
                .unwrap_or(48)
                .saturating_mul(3_600_000),
            paces: crate::throttle::Paces::new(settings.helpdesk.search_rate()),
        })
    }

    /// Tells those watching the monitors that one went up or down.
    fn status_changed(&self, w: &store::Watched, s: &state::State, at: Millis, detail: &str) {
        let frame = serde_json::json!({
            "type": "probe", "monitor": w.monitor.key, "status": s.status.as_str(),
            "since": s.since, "at": at, "detail": detail,
        });
        self.publish(frame, &w.unit_path);
    }

    /// A frame on the `uptime` topic for those whose area holds `path`.
    pub fn publish(&self, frame: serde_json::Value, path: &str) {
        let path = path.to_string();
        let audience: Audience<Viewer> = Arc::new(move |v: &Viewer| {
            allowed::may_view(&v.actor) && crate::auth::jurisdiction::covers(&v.actor, &path)
        });
        let event = Event::new(topic(), audience, Payload::Frame(frame.to_string().into()));
        self.bus.publish(vec![event]);
    }
}

/// The topic the ops view follows for monitors (`subscribe_ops`).
pub fn topic() -> Topic {
    Topic::new("uptime")
}
