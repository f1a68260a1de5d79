//! Keeping the query planner informed. SQLite chooses indexes well only with statistics
//! (`ANALYZE`): without them it sorts twenty thousand open tickets for each page of a queue
//! instead of reading them in order from `tickets_open`. An hourly job refreshes those of the
//! tickets table, bounded (`analysis_limit`) so it takes milliseconds on a million rows. Only
//! that table: statistics of the small tables (units, people) led SQLite to scan them inside
//! every ticket's join instead of looking each row up. PostgreSQL's autovacuum keeps its own
//! statistics, so there the job does nothing.

use super::Handler;
use crate::clock::{Clock, Millis};
use crate::db::{Backend, Db};
use std::sync::Arc;

pub const KIND: &str = "db.statistics";
const HOUR_MS: Millis = 3600 * 1000;

/// Refreshes the planner's statistics now.
pub async fn refresh(db: &Db) -> sqlx::Result<()> {
    if db.backend != Backend::Sqlite {
        return Ok(());
    }
    db.write(async {
        let mut tx = db.begin().await?;
        sqlx::query("PRAGMA analysis_limit = 1000")
            .execute(&mut *tx)
            .await?;
        sqlx::query("ANALYZE tickets").execute(&mut *tx).await?;
        tx.commit().await
    })
    .await
}

pub fn job(db: Db, clock: Arc<dyn Clock>) -> Handler {
    Arc::new(move |_job| {
        let (db, clock) = (db.clone(), clock.clone());
        Box::pin(async move {
            refresh(&db).await?;
            schedule(&db, clock.now() + HOUR_MS).await?;
            Ok(())
        })
    })
}

pub async fn schedule(db: &Db, at: Millis) -> sqlx::Result<()> {
    crate::jobs::schedule_alone(db, KIND, "all", at).await
}
