//! Keeping uploads in bounds: each person may upload so much a day, and files nobody attached
//! to a message within a while are removed by a background job, with the uploads that named
//! them.

use super::Helpdesk;
use crate::clock::Millis;
use crate::error::{AppError, AppResult};
use crate::jobs::{self, Handler};
use sqlx::Row;
use std::sync::Arc;

/// The job kind of the sweep, which reschedules itself.
pub const SWEEP: &str = "helpdesk.sweep_uploads";
const DAY_MS: Millis = 24 * 3600 * 1000;
/// How often the sweep runs.
const SWEEP_EVERY_MS: Millis = 3600 * 1000;

/// Refuses an upload of `size` bytes that would take the person over their daily quota.
pub async fn within_quota(hd: &Helpdesk, uploader: i64, size: usize) -> AppResult<()> {
    let since = hd.clock.now() - DAY_MS;
    let q = sqlx::query(
        "SELECT CAST(COALESCE(SUM(f.size), 0) AS BIGINT) AS used \
         FROM uploads u JOIN files f ON f.hash = u.hash \
         WHERE u.uploader_id = $1 AND u.created_at > $2",
    )
    .bind(uploader)
    .bind(since)
    .fetch_one(hd.db.read());
    let used: i64 = hd.db.timed(q).await?.try_get("used")?;
    let quota = i64::try_from(hd.limits.upload_quota_bytes).unwrap_or(i64::MAX);
    if used.saturating_add(i64::try_from(size).unwrap_or(i64::MAX)) > quota {
        return Err(AppError::RateLimited {
            retry_after_secs: 3600,
        });
    }
    Ok(())
}

/// Removes uploads older than the keep time whose file no message references, then files no
/// upload and no message references. Returns how many files went.
pub async fn sweep(hd: &Helpdesk, now: Millis) -> sqlx::Result<u64> {
    let before = now - hd.limits.unattached_keep_ms;
    hd.db
        .write(async {
            let mut tx = hd.db.begin().await?;
            sqlx::query(
                "DELETE FROM uploads WHERE created_at < $1 AND NOT EXISTS \
                 (SELECT 1 FROM ticket_events e WHERE e.file_hash = uploads.hash)",
            )
            .bind(before)
            .execute(&mut *tx)
            .await?;
            let gone = sqlx::query(
                "DELETE FROM files WHERE created_at < $1 \
                 AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.hash = files.hash) \
                 AND NOT EXISTS (SELECT 1 FROM ticket_events e WHERE e.file_hash = files.hash)",
            )
            .bind(before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok(gone)
        })
        .await
}

/// The sweep as a job: it runs, then puts itself on the clock again.
pub fn sweep_job(hd: Helpdesk) -> Handler {
    Arc::new(move |_job| {
        let hd = hd.clone();
        Box::pin(async move {
            let now = hd.clock.now();
            let gone = sweep(&hd, now).await?;
            if gone > 0 {
                tracing::info!(gone, "removed files nobody attached");
            }
            schedule_sweep(&hd, now + SWEEP_EVERY_MS).await?;
            Ok(())
        })
    })
}

pub async fn schedule_sweep(hd: &Helpdesk, at: Millis) -> sqlx::Result<()> {
    hd.db
        .write(async {
            let mut tx = hd.db.begin().await?;
            jobs::schedule(&mut tx, SWEEP, "all", at, "").await?;
            tx.commit().await
        })
        .await
}
