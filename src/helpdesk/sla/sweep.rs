//! The sweep: every minute, the tickets whose flags may have changed with time alone (their
//! `check_at` has come) are handed to the journal to be looked at again. The journal decides
//! the flags, so a sweep racing a person's change cannot set a flag that no longer holds.

use crate::clock::{Clock, Millis};
use crate::db::Db;
use crate::helpdesk::journal::Change;
use crate::helpdesk::Helpdesk;
use crate::jobs::Handler;
use futures_util::future::join_all;
use sqlx::Row;
use std::sync::Arc;

pub const KIND: &str = "sla.sweep";
const EVERY_MS: Millis = 60 * 1000;
/// Tickets looked at per run; more wait for a run right after.
const BATCH: i64 = 500;

pub fn job(hd: Helpdesk) -> Handler {
    Arc::new(move |_job| {
        let hd = hd.clone();
        Box::pin(async move {
            let now = hd.clock.now();
            let due = due(&hd.db, now).await?;
            let full = due.len() as i64 == BATCH;
            let reviews = due
                .into_iter()
                .map(|id| hd.journal.submit(Change::Review(id)));
            for outcome in join_all(reviews).await {
                if let Err(e) = outcome {
                    tracing::warn!(error = %e, "a ticket's flags were not looked at");
                }
            }
            let next = if full { now } else { now + EVERY_MS };
            schedule(&hd.db, next).await?;
            Ok(())
        })
    })
}

async fn due(db: &Db, now: Millis) -> sqlx::Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT id FROM tickets WHERE check_at IS NOT NULL AND check_at <= $1 \
         ORDER BY check_at LIMIT $2",
    )
    .bind(now)
    .bind(BATCH)
    .fetch_all(db.read())
    .await?;
    rows.iter().map(|r| r.try_get("id")).collect()
}

pub async fn schedule(db: &Db, at: Millis) -> sqlx::Result<()> {
    crate::jobs::schedule_alone(db, KIND, "all", at).await
}

/// Starts the sweep at `clock`'s now.
pub async fn start(db: &Db, clock: &dyn Clock) -> sqlx::Result<()> {
    schedule(db, clock.now()).await
}
