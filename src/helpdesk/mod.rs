//! Help requests: tickets, their state machine and ordered log, the journal that writes every
//! change of them, who receives each change (`audience`), uploads, the knowledge base, and the
//! HTTP API. Live delivery is the hub's; this capability only publishes events.

pub mod allowed;
pub mod audience;
pub mod files;
pub mod journal;
pub mod knowledge;
pub mod metrics;
pub mod record;
pub mod replies;
pub mod repo;
pub mod routes;
pub mod service;
pub mod sla;
pub mod ticket;
pub mod uploads;
pub mod view;

use crate::auth::Bus;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::throttle::{Bucket, Rate};
use journal::Journal;
use metrics::HelpdeskMetrics;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// The help desk's slice of the application state.
#[derive(Clone)]
pub struct Helpdesk {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub journal: Journal,
    pub policy: Arc<sla::Policy>,
    pub metrics: Arc<HelpdeskMetrics>,
    /// The knowledge base's counters.
    pub knowledge: Arc<knowledge::KnowledgeMetrics>,
    pub limits: Limits,
    /// Each clerk's pace of new requests.
    pub paces: Arc<Mutex<HashMap<i64, Bucket>>>,
    /// Each person's pace of searches (a word search may read every ticket of the area).
    pub searches: Arc<Mutex<HashMap<i64, Bucket>>>,
    /// (session, ticket) pairs already recorded as viewed.
    pub viewed: Arc<Mutex<HashSet<(String, i64)>>>,
    /// When each person's last rate limit was recorded.
    pub limited_at: Arc<Mutex<HashMap<i64, crate::clock::Millis>>>,
    /// Each person's budget of recorded refusals.
    pub refusals: Arc<Mutex<HashMap<i64, Bucket>>>,
}

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Longest chat message or request body, in characters.
    pub max_text_chars: usize,
    /// Largest upload, in bytes.
    pub max_upload_bytes: usize,
    /// Requests one clerk may have open at a time.
    pub max_open_requests: u32,
    /// New requests one clerk may raise: a burst, then one per interval.
    pub requests: Rate,
    /// Searches one person may make: a burst, then one per interval.
    pub searches: Rate,
    /// Bytes one person may upload in a day.
    pub upload_quota_bytes: usize,
    /// How long an upload nobody attached is kept.
    pub unattached_keep_ms: i64,
}

impl Helpdesk {
    /// Registers the metrics and starts the journal; refuses a service-level policy that does
    /// not hold (an unknown time zone).
    pub fn start(
        db: Db,
        clock: Arc<dyn Clock>,
        bus: Arc<Bus>,
        registry: &crate::metrics::Metrics,
        settings: &Settings,
    ) -> anyhow::Result<Self> {
        let metrics = HelpdeskMetrics::register(registry, db.clone());
        let policy = Arc::new(sla::Policy::new(&settings.sla)?);
        let journal = Journal::start(
            db.clone(),
            bus,
            clock.clone(),
            metrics.clone(),
            policy.clone(),
        );
        Ok(Self {
            db,
            clock,
            journal,
            policy,
            metrics,
            knowledge: knowledge::KnowledgeMetrics::register(registry),
            limits: Limits {
                max_text_chars: settings.live.max_text_chars,
                max_upload_bytes: settings.max_upload_bytes,
                max_open_requests: settings.helpdesk.max_open_requests,
                requests: Rate::new(
                    settings.helpdesk.request_burst,
                    settings.helpdesk.request_refill_secs.saturating_mul(1000),
                ),
                searches: settings.helpdesk.search_rate(),
                upload_quota_bytes: settings.upload_quota_bytes,
                unattached_keep_ms: i64::try_from(settings.unattached_file_hours * 3600 * 1000)
                    .unwrap_or(i64::MAX),
            },
            paces: Arc::default(),
            searches: Arc::default(),
            viewed: Arc::default(),
            limited_at: Arc::default(),
            refusals: Arc::default(),
        })
    }
}
