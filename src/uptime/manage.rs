//! Changing a monitor: its settings replaced, or checking it stopped (停用) and started again.
//! Stopping a system that is down resolves its incident in the same transaction (an alarm that
//! it is over), so nothing is left open that nobody checks any more.

use super::monitor::NewMonitor;
use crate::clock::Millis;
use crate::db::Db;
use crate::events::alarm::{self, Alarm};
use crate::trail::Record;
use sqlx::Row;

/// Replaces monitor `id`'s settings (its key stays) with its audit record.
pub async fn update(
    db: &Db,
    id: i64,
    m: &NewMonitor,
    unit_id: i64,
    now: Millis,
    record: &Record,
) -> sqlx::Result<()> {
    let q = sqlx::query(
        "UPDATE monitors SET name = $1, unit_id = $2, kind = $3, target = $4, expect_status = $5, \
         keyword = $6, keyword_absent = $7, max_latency_ms = $8, cert_warn_days = $9, \
         expect_address = $10, interval_ms = $11, timeout_ms = $12, failures = $13, \
         recoveries = $14 WHERE id = $15",
    )
    .bind(m.name.trim())
    .bind(unit_id)
    .bind(m.kind.as_str())
    .bind(m.target.trim())
    .bind(&m.expect_status)
    .bind(&m.keyword)
    .bind(i64::from(m.keyword_absent))
    .bind(m.max_latency_ms)
    .bind(m.cert_warn_days)
    .bind(&m.expect_address)
    .bind(m.interval_secs * 1000)
    .bind(m.timeout_secs * 1000)
    .bind(m.failures)
    .bind(m.recoveries)
    .bind(id);
    db.write(async {
        let mut tx = db.begin().await?;
        q.execute(&mut *tx).await?;
        crate::trail::append(&mut tx, db.backend, record, now).await?;
        tx.commit().await
    })
    .await
}

/// Stops (`paused`) or starts again checking monitor `id`; whether it changed.
pub async fn set_paused(
    db: &Db,
    id: i64,
    paused: bool,
    now: Millis,
    record: &Record,
) -> sqlx::Result<bool> {
    db.write(async {
        let mut tx = db.begin().await?;
        let row = sqlx::query(
            "SELECT key, name, unit_id, paused, alerted, cert_alerted FROM monitors WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if (row.try_get::<i64, _>("paused")? != 0) == paused {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE monitors SET paused = $1, status = 'pending', streak = 0, since = NULL, \
             alerted = 0, cert_alerted = 0 WHERE id = $2",
        )
        .bind(i64::from(paused))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let key: String = row.try_get("key")?;
        for (flag, prefix) in [("alerted", "monitor"), ("cert_alerted", "cert")] {
            if paused && row.try_get::<i64, _>(flag)? != 0 {
                let over = Alarm {
                    source: "monitor".into(),
                    key: format!("{prefix}:{key}"),
                    unit_id: row.try_get("unit_id")?,
                    title: row.try_get("name")?,
                    detail: "已停用监测".into(),
                    severity: "critical".into(),
                    firing: false,
                    at: now,
                };
                alarm::raise(&mut tx, &over).await?;
            }
        }
        crate::trail::append(&mut tx, db.backend, record, now).await?;
        tx.commit().await?;
        Ok(true)
    })
    .await
}
