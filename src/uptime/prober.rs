//! The prober: every due check starts at once, each as its own task, at most
//! `max_in_flight` running together, so a hanging target holds only its own check. The first
//! check of each monitor is spread over its interval (by its id, so a restart spreads them the
//! same way and each checks again within one interval); later ones keep that rhythm. A check
//! that starts more than its interval late is counted, and its rhythm starts again from now;
//! every check's delay past its due time is timed.
//! With several nodes on one PostgreSQL, only the node holding the prober's advisory lock
//! probes; when it dies its session ends, the lock with it, and another node takes over.

use super::check;
use super::record::Checked;
use super::store::{self, Watched};
use super::Uptime;
use crate::clock::Millis;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;

/// The monitors as read, shared by the checks of a round.
type Monitors = Arc<Vec<Arc<Watched>>>;

pub struct Prober {
    slots: Mutex<HashMap<i64, Slot>>,
    gate: Arc<Semaphore>,
    /// The monitors as last read, and when; `None` once they changed here. Read again each
    /// minute too (another node may have changed them), in the background: a round never
    /// waits for a read it did not ask for.
    watched: Arc<tokio::sync::Mutex<Option<(std::time::Instant, Monitors)>>>,
    /// Counts the changes made here, so that a read in the background started before one does
    /// not put back what was read before it.
    changes: Arc<std::sync::atomic::AtomicU64>,
    /// On PostgreSQL, the session that holds (or tries for) the prober's advisory lock.
    lock: tokio::sync::Mutex<Option<(sqlx::AnyConnection, bool)>>,
    /// How often due checks are looked for: a check starts up to this long after its due time.
    tick: Millis,
}

/// How long the monitors as read are trusted before they are read again.
const REREAD: Duration = Duration::from_secs(60);

/// The advisory lock's key: any number the nodes agree on.
const LOCK_KEY: i64 = 0x6261_636b_7374_6f70; // "backstop"

#[derive(Clone, Copy)]
struct Slot {
    due: Millis,
    busy: bool,
}

impl Prober {
    pub fn new(max_in_flight: usize, tick_ms: u64) -> Self {
        Self {
            tick: Millis::try_from(tick_ms).unwrap_or(0),
            slots: Mutex::default(),
            gate: Arc::new(Semaphore::new(max_in_flight.max(1))),
            watched: Arc::default(),
            changes: Arc::default(),
            lock: tokio::sync::Mutex::default(),
        }
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Slot>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }
}

async fn read_watched(db: &crate::db::Db) -> sqlx::Result<Monitors> {
    let read = store::watched(db).await?;
    Ok(Arc::new(read.into_iter().map(Arc::new).collect()))
}

/// Where in its interval a monitor's first check falls: short of its end by two ticks (one for
/// starting up and reading the monitors, one for the tick a due check waits for), so that
/// after a restart every monitor checks again within one interval.
fn offset(id: i64, interval: Millis, tick: Millis) -> Millis {
    let span = (interval - 2 * tick).max(1);
    (id.wrapping_mul(2_654_435_761) & i64::MAX) % span
}

impl Uptime {
    /// Reads the monitors again before the next round.
    pub async fn reload(&self) {
        use std::sync::atomic::Ordering;
        let mut held = self.prober.watched.lock().await;
        self.prober.changes.fetch_add(1, Ordering::SeqCst);
        *held = None;
    }

    async fn watched(&self) -> sqlx::Result<Monitors> {
        let mut held = self.prober.watched.lock().await;
        if let Some((at, w)) = held.as_mut() {
            if at.elapsed() >= REREAD {
                // Read again meanwhile; this round and the next run on what was read.
                *at = std::time::Instant::now();
                self.reread_in_background();
            }
            return Ok(w.clone());
        }
        let fresh = read_watched(&self.db).await?;
        *held = Some((std::time::Instant::now(), fresh.clone()));
        Ok(fresh)
    }

    fn reread_in_background(&self) {
        use std::sync::atomic::Ordering;
        let (db, held, changes) = (
            self.db.clone(),
            self.prober.watched.clone(),
            self.prober.changes.clone(),
        );
        let before = changes.load(Ordering::SeqCst);
        tokio::spawn(async move {
            match read_watched(&db).await {
                Ok(fresh) => {
                    let mut held = held.lock().await;
                    // A change made here meanwhile is read at the next round instead.
                    if changes.load(Ordering::SeqCst) == before && held.is_some() {
                        *held = Some((std::time::Instant::now(), fresh));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "uptime: cannot read the monitors"),
            }
        });
    }

    /// Whether this node probes: always on SQLite (one node); on PostgreSQL while it holds the
    /// prober's advisory lock, which it tries for each round it does not.
    async fn leading(&self) -> sqlx::Result<bool> {
        use sqlx::{Connection, Row};
        if self.db.backend == crate::db::Backend::Sqlite {
            return Ok(true);
        }
        let mut slot = self.prober.lock.lock().await;
        let (conn, held) = match slot.as_mut() {
            Some(s) => s,
            None => {
                let conn = self.db.timed(self.db.read().acquire()).await?.detach();
                slot.insert((conn, false))
            }
        };
        let outcome = if *held {
            self.db.timed(conn.ping()).await.map(|_| true)
        } else {
            let q = sqlx::query("SELECT pg_try_advisory_lock($1) AS held").bind(LOCK_KEY);
            self.db
                .timed(q.fetch_one(&mut *conn))
                .await
                .and_then(|r| r.try_get::<bool, _>("held"))
        };
        match outcome {
            Ok(now_held) => {
                *held = now_held;
                Ok(now_held)
            }
            Err(e) => {
                // The session is gone, and the lock with it: a new one next round.
                *slot = None;
                Err(e)
            }
        }
    }

    /// Lets another node take the prober at once: the lock's session ends (at shutdown).
    pub async fn release(&self) {
        use sqlx::Connection;
        if let Some((conn, _)) = self.prober.lock.lock().await.take() {
            let _ = conn.close().await;
        }
    }

    /// Starts the checks due at `now`; each handle ends when its check is recorded. Nothing on
    /// a node that does not hold the prober's lock.
    pub async fn probe_due(&self, now: Millis) -> sqlx::Result<Vec<JoinHandle<()>>> {
        if !self.leading().await? {
            return Ok(Vec::new());
        }
        let watched = self.watched().await?;
        let mut due = Vec::new();
        {
            let mut slots = self.prober.slots();
            for w in watched.iter() {
                let m = &w.monitor;
                let slot = slots.entry(m.id).or_insert(Slot {
                    due: now + offset(m.id, m.interval_ms, self.prober.tick),
                    busy: false,
                });
                if !slot.busy && slot.due <= now {
                    slot.busy = true;
                    due.push((w.clone(), slot.due));
                }
            }
            if slots.len() > watched.len() {
                let ids: std::collections::HashSet<i64> =
                    watched.iter().map(|w| w.monitor.id).collect();
                slots.retain(|id, _| ids.contains(id));
            }
        }
        Ok(due
            .into_iter()
            .map(|(w, at)| {
                let me = self.clone();
                tokio::spawn(async move { me.check(&w, at).await })
            })
            .collect())
    }

    async fn check(&self, w: &Arc<Watched>, due: Millis) {
        let Ok(permit) = self.prober.gate.clone().acquire_owned().await else {
            return;
        };
        let m = &w.monitor;
        let at = self.clock.now();
        let late = at - due > m.interval_ms;
        self.metrics
            .delay
            .observe((at - due).max(0) as f64 / 1000.0);
        if late {
            self.metrics.late.inc();
        }
        let outcome = check::run(&self.client, m).await;
        // The gate holds checks running, not checks waiting to be written.
        drop(permit);
        let maintenance = w
            .windows
            .iter()
            .any(|(_, _, win)| win.holds(at, &self.zone));
        self.metrics.observe(w, &outcome);
        let detail = outcome.detail.clone();
        let checked = Checked {
            watched: w.clone(),
            at,
            outcome,
            maintenance,
        };
        match self.recorder.record(checked).await {
            Ok(r) if r.changed => self.status_changed(w, &r.state, at, &detail),
            Ok(_) => {}
            Err(e) => tracing::warn!(monitor = %m.key, error = %e, "uptime: cannot record a check"),
        }
        let next = if late {
            at + m.interval_ms
        } else {
            due + m.interval_ms
        };
        if let Some(slot) = self.prober.slots().get_mut(&m.id) {
            *slot = Slot {
                due: next,
                busy: false,
            };
        }
    }
}

/// Runs due checks every `tick_ms` on the application's clock until `stop`.
pub async fn run(uptime: Uptime, tick_ms: u64, mut stop: watch::Receiver<bool>) {
    if tick_ms == 0 {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_millis(tick_ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        if let Err(e) = uptime.probe_due(uptime.clock.now()).await {
            tracing::warn!(error = %e, "uptime: cannot read the monitors");
        }
    }
}
