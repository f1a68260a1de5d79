//! Storage: one set of SQL for SQLite and PostgreSQL through sqlx's `Any` driver, each backend
//! with its own migrations. SQLite gets a single writer connection, so write transactions queue
//! in the pool instead of failing with SQLITE_BUSY halfway through. Every wait on the database
//! is bounded by the configured timeout, and the outcome of writes feeds the health check.

pub mod fault;
mod health;
mod write;

pub use fault::Fault;
pub use write::WriteTx;

use crate::clock::{Clock, SystemClock};
use health::Health;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Connection, Executor};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub type Row = AnyRow;
/// When the last probe write ran, and what it found.
type Probe = (std::time::Instant, Result<(), Fault>);
/// A statement with its parameters bound.
pub type Statement<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    read: AnyPool,
    write: AnyPool,
    pub backend: Backend,
    timeout: Duration,
    health: Arc<Health>,
    /// One probe at a time; callers meanwhile share its answer.
    probe: Arc<tokio::sync::Mutex<Option<Probe>>>,
}

impl Db {
    /// Connects; `timeout` bounds every later wait for a connection, a read or a write.
    pub async fn connect(url: &str, timeout: Duration) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let timeout = timeout.max(Duration::from_millis(100));
        let (read, write, backend) = if is_postgres(url) {
            // A session left inside a transaction (its client vanished with the link) would
            // hold its row locks until TCP gives up; the server ends it after this instead.
            let idle_ms = timeout.as_millis().saturating_mul(2);
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(timeout)
                .after_connect(move |conn, _meta| {
                    Box::pin(async move {
                        let set = format!("SET idle_in_transaction_session_timeout = {idle_ms}");
                        conn.execute(set.as_str()).await?;
                        Ok(())
                    })
                })
                .connect(url)
                .await?;
            (pool.clone(), pool, Backend::Postgres)
        } else if url.starts_with("sqlite:") {
            // The file is created once, here. Later connections must find it: a file moved
            // away under a running server is an error, not a new empty database.
            sqlx::AnyConnection::connect(&sqlite_url(url, "rwc"))
                .await?
                .close()
                .await?;
            let url = sqlite_url(url, "rw");
            let write = sqlite_pool(&url, 1, timeout).await?;
            let read = sqlite_pool(&url, 8, timeout).await?;
            (read, write, Backend::Sqlite)
        } else {
            anyhow::bail!("database URL must start with sqlite:// or postgres://");
        };
        Ok(Self {
            read,
            write,
            backend,
            timeout,
            health: Arc::default(),
            probe: Arc::default(),
        })
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.write).await?;
        Ok(())
    }

    /// Pool for queries that only read. Wrap the query in [`Db::timed`].
    pub fn read(&self) -> &AnyPool {
        &self.read
    }

    /// A write transaction. On SQLite this waits for the one writer connection and takes the
    /// write lock at once (`BEGIN IMMEDIATE`), so it never fails halfway for want of it.
    pub async fn begin(&self) -> sqlx::Result<WriteTx> {
        let conn = self.write.acquire().await?;
        let sql = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        WriteTx::begin(conn, sql).await
    }

    /// Runs `work` within the database timeout; a late answer is a [`Fault::Timeout`]. A store
    /// fault met on the way (a lost server, say) is noted for the health check.
    pub async fn timed<T>(&self, work: impl Future<Output = sqlx::Result<T>>) -> sqlx::Result<T> {
        let result = match tokio::time::timeout(self.timeout, work).await {
            Ok(result) => result,
            Err(_) => Err(fault::timed_out()),
        };
        if let Err(e) = &result {
            if let Some(f) = fault::of(e) {
                self.health.record(Err(f));
            }
        }
        result
    }

    /// Runs a write (a transaction from [`Db::begin`] to its commit) within the timeout and
    /// records whether the store took it, for the health check.
    pub async fn write<T>(&self, work: impl Future<Output = sqlx::Result<T>>) -> sqlx::Result<T> {
        let result = self.timed(work).await;
        match &result {
            Ok(_) => self.health.record(Ok(())),
            Err(e) => {
                if let Some(f) = fault::of(e) {
                    tracing::warn!(fault = f.as_str(), error = %e, "database write failed");
                }
            }
        }
        result
    }

    /// One statement in a write transaction of its own; returns the rows it touched.
    pub async fn execute(&self, statement: Statement<'_>) -> sqlx::Result<u64> {
        self.write(async {
            let mut tx = self.begin().await?;
            let done = statement.execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(done.rows_affected())
        })
        .await
    }

    /// Whether the database takes writes now: the latest write says so if it is recent and
    /// succeeded; otherwise a probe row is written.
    pub async fn writable(&self) -> Result<(), Fault> {
        if let Some(known) = self.health.known() {
            return known;
        }
        let mut last = self.probe.lock().await;
        if let Some((at, answer)) = *last {
            if at.elapsed() < Duration::from_secs(1) {
                return answer;
            }
        }
        let probe = sqlx::query(
            "INSERT INTO health_probe (id, at) VALUES (1, $1) \
             ON CONFLICT (id) DO UPDATE SET at = excluded.at",
        )
        .bind(SystemClock.now());
        let probe = self.execute(probe).await;
        let answer = match probe {
            Ok(_) => Ok(()),
            Err(e) => Err(fault::of(&e).unwrap_or(Fault::Io)),
        };
        *last = Some((std::time::Instant::now(), answer));
        answer
    }

    pub async fn ping(&self) -> sqlx::Result<()> {
        self.timed(self.read.execute("SELECT 1")).await.map(|_| ())
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// `sqlite://backstop.db` → `sqlite://backstop.db?mode=rwc` (`rwc` creates a missing file,
/// `rw` does not); a mode the URL sets itself is kept.
fn sqlite_url(url: &str, mode: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode={mode}")
    } else {
        format!("{url}?mode={mode}")
    }
}

async fn sqlite_pool(url: &str, max: u32, timeout: Duration) -> anyhow::Result<AnyPool> {
    let pool = AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(timeout)
        .after_connect(move |conn, _meta| {
            // Another process's write (the command line beside a running server) is waited for
            // as long as any other wait on the database: the configured timeout.
            let busy_ms = timeout.as_millis();
            Box::pin(async move {
                // WAL lets readers run beside the writer; NORMAL syncs the WAL at checkpoints,
                // FULL on every commit: we keep FULL so an acknowledged write survives power loss.
                let pragmas = format!(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {busy_ms};"
                );
                conn.execute(pragmas.as_str()).await?;
                Ok(())
            })
        })
        .connect(url)
        .await?;
    Ok(pool)
}

/// Values bound to one multi-row statement, at most. SQLite finds each bound value's place by
/// walking the statement's list of parameters, so binding costs grow with the square of their
/// number: statements of 4,400 values took most of the writer's time, where 240 cost little.
pub const MAX_BINDS: usize = 240;

/// How many rows of `width` values one multi-row statement takes.
pub fn rows_per_statement(width: usize) -> usize {
    (MAX_BINDS / width.max(1)).max(1)
}

/// `$from, $from+1, …`: `n` numbered parameters.
pub fn marks(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// True when `err` is a unique-constraint violation (the caller knows which one it risked).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => db.is_unique_violation(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_create_missing_files() {
        assert_eq!(sqlite_url("sqlite://a.db", "rwc"), "sqlite://a.db?mode=rwc");
        assert_eq!(
            sqlite_url("sqlite://a.db?x=1", "rw"),
            "sqlite://a.db?x=1&mode=rw"
        );
        assert_eq!(
            sqlite_url("sqlite://a.db?mode=ro", "rwc"),
            "sqlite://a.db?mode=ro"
        );
    }
}
