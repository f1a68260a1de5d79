//! The four-level security-officer mechanism (定人定责): who is responsible for each unit's
//! systems and who is on duty when (`roster`, the one place that is answered), the gaps in that
//! cover, the daily checks and their escalation when missed, the matrix that shows it all, and
//! its spreadsheet round trip. Changes leave as events on the `duty` topic.

pub mod allowed;
pub mod arrange;
pub mod checks;
pub mod demo;
pub mod gaps;
pub mod matrix;
pub mod metrics;
pub mod missed;
pub mod roster;
pub mod routes;
pub mod rules;
pub mod sheets;
pub mod store;

use crate::auth::{Bus, Event, Viewer};
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::events::{Audience, Payload, Topic};
use crate::throttle::Paces;
use std::sync::Arc;

pub use rules::Rules;

/// The duty capability's slice of the application state.
#[derive(Clone)]
pub struct Duty {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub bus: Arc<Bus>,
    pub rules: Arc<Rules>,
    pub metrics: Arc<metrics::DutyMetrics>,
    /// Each person's pace of reads and imports: each one computes a whole area's matrix.
    pub paces: Paces,
}

impl Duty {
    /// Refuses a deadline that is not a time of day or a zone that is unknown.
    pub fn start(
        db: Db,
        clock: Arc<dyn Clock>,
        bus: Arc<Bus>,
        registry: &crate::metrics::Metrics,
        settings: &Settings,
    ) -> anyhow::Result<Self> {
        let rules = Arc::new(Rules::new(&settings.duty, &settings.sla.time_zone)?);
        let metrics =
            metrics::DutyMetrics::register(registry, db.clone(), clock.clone(), rules.clone());
        Ok(Self {
            db,
            clock,
            bus,
            rules,
            metrics,
            paces: Paces::new(settings.helpdesk.search_rate()),
        })
    }

    /// Takes one of `person`'s reads, or says when they may read again: one person asking
    /// for matrices in a loop cannot take the store and the processor from everyone else.
    pub fn paced(&self, person: i64) -> AppResult<()> {
        self.paces.admit(person, self.clock.now())
    }

    /// The unit `code` of the four levels, if `actor` reads the matrix of an area holding it:
    /// its id and path. Any other is `404`, so units outside the area are not told apart.
    pub async fn unit_in_area(
        &self,
        actor: &crate::auth::Actor,
        code: &str,
    ) -> AppResult<(i64, String)> {
        match store::unit_by_code(&self.db, code).await? {
            Some((id, path))
                if allowed::may_view(actor) && crate::auth::jurisdiction::covers(actor, &path) =>
            {
                Ok((id, path))
            }
            _ => Err(AppError::NotFound("unit")),
        }
    }

    /// Tells those following the matrix that a unit's row changed (`None`: much changed; read
    /// it all again). Only viewers whose area holds the unit hear of it.
    pub fn changed(&self, unit: Option<(&str, &str)>) {
        let (code, path) = match unit {
            Some((code, path)) => (Some(code.to_string()), path.to_string()),
            None => (None, "/".to_string()),
        };
        let frame = serde_json::json!({ "type": "duty", "unit": code }).to_string();
        let audience: Audience<Viewer> = Arc::new(move |v: &Viewer| {
            allowed::may_view(&v.actor)
                && (code.is_none() || crate::auth::jurisdiction::covers(&v.actor, &path))
        });
        let event = Event::new(topic(), audience, Payload::Frame(frame.into()));
        self.bus.publish(vec![event]);
    }
}

/// The topic the matrix's followers subscribe to (`subscribe_duty`).
pub fn topic() -> Topic {
    Topic::new("duty")
}

/// Duty's one answer to "who is on duty", for those who may not import duty (alerting).
impl crate::org::on_call::OnCall for Duty {
    fn on_duty<'a>(
        &'a self,
        path: &'a str,
        at: crate::clock::Millis,
    ) -> futures_util::future::BoxFuture<'a, anyhow::Result<Option<crate::org::on_call::Answer>>>
    {
        Box::pin(async move {
            let day = self.rules.day_of(at).to_string();
            let snap = store::load_chain(&self.db, path, at, &day).await?;
            let Some(unit) = snap.units.iter().find(|u| u.path == path) else {
                return Ok(None);
            };
            let enabled = |p: i64| snap.enabled(p);
            let answer = roster::on_duty(&snap.chain(unit), at, &self.rules.zone, &enabled);
            Ok(answer.map(|a| crate::org::on_call::Answer {
                person: a.person,
                unit_id: a.unit_id,
            }))
        })
    }
}
