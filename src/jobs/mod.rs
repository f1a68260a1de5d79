//! The job runner: work that falls due on the application's clock (service-level timers,
//! escalation steps, probes). A capability schedules a job inside its own transaction, so the
//! job exists exactly when the change that needs it does; `run_due(now)` claims what is due and
//! runs it. Claims are exclusive — SQLite's single writer, `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL — and carry a lease, so a job held by a runner that died is taken up again when
//! the lease ends, also after a restart. Tests call `run_due` with a clock they move.

pub mod statistics;

use crate::clock::Millis;
use crate::db::{Backend, Db};
use futures_util::future::BoxFuture;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use std::sync::Arc;

/// How long a claimed job is held before another runner may take it. A job runs for at most
/// half of it, so its lease never ends while it still runs.
pub const LEASE_MS: Millis = 5 * 60 * 1000;
/// Jobs run per call of `run_due`, at most; the rest wait for the next call.
const ROUND: usize = 64;
/// The wait before a failed job is tried again, doubling up to an hour.
const RETRY_MS: Millis = 30 * 1000;
const RETRY_MAX_MS: Millis = 60 * 60 * 1000;

#[derive(Clone, Debug)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub key: String,
    pub payload: String,
    /// Runs so far, this one included.
    pub attempts: i64,
    /// When it was due: a job rescheduled while it ran is kept for its new time.
    pub due_at: Millis,
}

pub type Handler = Arc<dyn Fn(Job) -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;

#[derive(Clone)]
pub struct Jobs {
    db: Db,
    handlers: Arc<HashMap<String, Handler>>,
}

/// Schedules (or moves) the job `kind`/`key` to `due_at`, in the caller's transaction.
pub async fn schedule(
    conn: &mut AnyConnection,
    kind: &str,
    key: &str,
    due_at: Millis,
    payload: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO jobs (kind, key, payload, due_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (kind, key) DO UPDATE SET payload = excluded.payload, \
         due_at = excluded.due_at, attempts = 0",
    )
    .bind(kind)
    .bind(key)
    .bind(payload)
    .bind(due_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Schedules (or moves) the job `kind`/`key` to `at` in a transaction of its own.
pub async fn schedule_alone(db: &Db, kind: &str, key: &str, at: Millis) -> sqlx::Result<()> {
    db.write(async {
        let mut tx = db.begin().await?;
        schedule(&mut tx, kind, key, at, "").await?;
        tx.commit().await
    })
    .await
}

impl Jobs {
    pub fn new(db: Db, handlers: HashMap<String, Handler>) -> Self {
        Self {
            db,
            handlers: Arc::new(handlers),
        }
    }

    /// Claims the jobs due at `now`, one at a time, and runs each; returns how many ran
    /// successfully. Each claim is taken just before its job runs, so a lease never covers a
    /// job that waits behind others.
    pub async fn run_due(&self, now: Millis) -> sqlx::Result<usize> {
        if self.handlers.is_empty() {
            return Ok(0);
        }
        let mut done = 0;
        for _ in 0..ROUND {
            let claim = token();
            let Some(job) = self.claim(now, &claim).await? else {
                break;
            };
            let Some(handler) = self.handlers.get(&job.kind).cloned() else {
                continue;
            };
            let span = tracing::info_span!("job", kind = %job.kind, key = %job.key);
            let run = tracing::Instrument::instrument(handler(job.clone()), span);
            let limit = std::time::Duration::from_millis((LEASE_MS / 2).unsigned_abs());
            let outcome = match tokio::time::timeout(limit, run).await {
                Ok(outcome) => outcome,
                Err(_) => Err(anyhow::anyhow!("ran longer than half its lease")),
            };
            match outcome {
                Ok(()) => {
                    self.finish(&job, &claim).await?;
                    done += 1;
                }
                Err(e) => {
                    tracing::warn!(kind = %job.kind, key = %job.key, error = %e, "job failed");
                    self.retry(&job, &claim, now, &e.to_string()).await?;
                }
            }
        }
        Ok(done)
    }

    async fn claim(&self, now: Millis, claim: &str) -> sqlx::Result<Option<Job>> {
        let kinds: Vec<&String> = self.handlers.keys().collect();
        let marks: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 5)).collect();
        let lock = match self.db.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET claimed_by = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM jobs WHERE due_at <= $3 \
             AND COALESCE(lease_until, 0) <= $3 AND kind IN ({}) \
             ORDER BY due_at, id LIMIT $4{lock}) \
             RETURNING id, kind, key, payload, attempts, due_at",
            marks.join(", ")
        );
        let mut query = sqlx::query(&sql)
            .bind(claim)
            .bind(now + LEASE_MS)
            .bind(now)
            .bind(1_i64);
        for k in kinds {
            query = query.bind(k.as_str());
        }
        let rows = self
            .db
            .write(async {
                let mut tx = self.db.begin().await?;
                let rows = query.fetch_all(&mut *tx).await?;
                tx.commit().await?;
                Ok(rows)
            })
            .await?;
        rows.first()
            .map(|r| {
                Ok(Job {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    key: r.try_get("key")?,
                    payload: r.try_get("payload")?,
                    attempts: r.try_get("attempts")?,
                    due_at: r.try_get("due_at")?,
                })
            })
            .transpose()
    }

    /// Done: the job goes — unless it was rescheduled while it ran; then it is let go, to run
    /// again at its new time.
    async fn finish(&self, job: &Job, claim: &str) -> sqlx::Result<()> {
        let q = sqlx::query("DELETE FROM jobs WHERE id = $1 AND claimed_by = $2 AND due_at = $3")
            .bind(job.id)
            .bind(claim)
            .bind(job.due_at);
        if self.db.execute(q).await? == 0 {
            let q = sqlx::query(
                "UPDATE jobs SET claimed_by = NULL, lease_until = NULL \
                 WHERE id = $1 AND claimed_by = $2",
            )
            .bind(job.id)
            .bind(claim);
            self.db.execute(q).await?;
        }
        Ok(())
    }

    async fn retry(&self, job: &Job, claim: &str, now: Millis, error: &str) -> sqlx::Result<()> {
        let wait = RETRY_MS
            .saturating_mul(1 << job.attempts.clamp(1, 20).saturating_sub(1))
            .min(RETRY_MAX_MS);
        let q = sqlx::query(
            "UPDATE jobs SET claimed_by = NULL, lease_until = NULL, due_at = $1, last_error = $2 \
             WHERE id = $3 AND claimed_by = $4",
        )
        .bind(now + wait)
        .bind(error.chars().take(500).collect::<String>())
        .bind(job.id)
        .bind(claim);
        self.db.execute(q).await.map(|_| ())
    }
}

/// A claim's name: random, so that two runners never mistake each other's claims.
fn token() -> String {
    let mut b = [0u8; 12];
    if getrandom::getrandom(&mut b).is_err() {
        // Without randomness the claim is still exclusive by its lease; make it unique here.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return format!("{}-{n}", std::process::id());
    }
    hex::encode(b)
}
