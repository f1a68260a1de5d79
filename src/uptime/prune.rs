//! Storage stays bounded: raw results go after `[uptime] raw_retention_hours`, minute roll-ups
//! after two days, hour roll-ups after 35 days and day roll-ups after 400; the hourly job
//! `uptime.prune` takes them away.

use super::Uptime;
use crate::clock::{Clock, Millis};
use crate::db::Db;
use crate::jobs::Handler;
use std::sync::Arc;

pub const KIND: &str = "uptime.prune";
const HOUR: Millis = 3_600_000;
const DAY: Millis = 24 * HOUR;

pub fn job(uptime: Uptime) -> Handler {
    Arc::new(move |_job| {
        let uptime = uptime.clone();
        Box::pin(async move {
            let now = uptime.clock.now();
            prune(&uptime.db, now, uptime.raw_retention_ms).await?;
            crate::jobs::schedule_alone(&uptime.db, KIND, "all", now + HOUR).await?;
            Ok(())
        })
    })
}

/// Removes what is past keeping at `now`; how many rows went.
pub async fn prune(db: &Db, now: Millis, raw_ms: Millis) -> sqlx::Result<u64> {
    let mut gone = db
        .execute(sqlx::query("DELETE FROM probe_results WHERE at < $1").bind(now - raw_ms))
        .await?;
    for (span, keep) in [("minute", 2 * DAY), ("hour", 35 * DAY), ("day", 400 * DAY)] {
        let q = sqlx::query("DELETE FROM probe_rollups WHERE span = $1 AND start < $2")
            .bind(span)
            .bind(now - keep);
        gone += db.execute(q).await?;
    }
    Ok(gone)
}

/// Starts the hourly pruning at `clock`'s now.
pub async fn start(db: &Db, clock: &dyn Clock) -> sqlx::Result<()> {
    crate::jobs::schedule_alone(db, KIND, "all", clock.now() + HOUR).await
}
