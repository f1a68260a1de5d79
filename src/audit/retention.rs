//! Retention: rows older than `audit_retention_days` are removed once a day by a job, which
//! then puts itself on the clock again. Where the trail was cut is kept, so `verify` still
//! checks everything that remains.

use crate::clock::{Clock, Millis};
use crate::db::Db;
use crate::jobs::{self, Handler};
use std::sync::Arc;

pub const KIND: &str = "audit.retention";
const DAY_MS: Millis = 24 * 3600 * 1000;

pub fn job(db: Db, clock: Arc<dyn Clock>, days: u64) -> Handler {
    Arc::new(move |_job| {
        let (db, clock) = (db.clone(), clock.clone());
        Box::pin(async move {
            let now = clock.now();
            let keep = i64::try_from(days).unwrap_or(i64::MAX / DAY_MS) * DAY_MS;
            let gone = crate::trail::trim(&db, now.saturating_sub(keep)).await?;
            if gone > 0 {
                tracing::info!(gone, "audit rows past retention removed");
            }
            schedule(&db, now + DAY_MS).await?;
            Ok(())
        })
    })
}

pub async fn schedule(db: &Db, at: Millis) -> sqlx::Result<()> {
    db.write(async {
        let mut tx = db.begin().await?;
        jobs::schedule(&mut tx, KIND, "all", at, "").await?;
        tx.commit().await
    })
    .await
}
