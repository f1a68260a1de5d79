//! Availability from the roll-ups: over 24 hours and 7 days from the hour roll-ups, over 30 and
//! 365 days from the day roll-ups (each window in whole hours or days, the current one
//! included); and the last hour minute by minute, for the status bar and the latency line.
//! Checks inside maintenance count for nothing.

use crate::clock::Millis;
use crate::db::Db;
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;

const HOUR: Millis = 3_600_000;
const DAY: Millis = 24 * HOUR;

/// Up checks over counted checks, per window; `None` where nothing was counted.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Windows {
    pub h24: Option<f64>,
    pub d7: Option<f64>,
    pub d30: Option<f64>,
    pub d365: Option<f64>,
}

fn ratio(ups: i64, checks: i64) -> Option<f64> {
    (checks > 0).then(|| ups as f64 / checks as f64)
}

/// The windows of every monitor with checks, by monitor id.
pub async fn windows(db: &Db, now: Millis) -> sqlx::Result<HashMap<i64, Windows>> {
    let hour = now - now.rem_euclid(HOUR);
    let day = now - now.rem_euclid(DAY);
    let sum = |span: &str, short: Millis, long: Millis| {
        sqlx::query(
            "SELECT monitor_id, \
             CAST(SUM(CASE WHEN start >= $1 THEN checks ELSE 0 END) AS BIGINT) AS short_checks, \
             CAST(SUM(CASE WHEN start >= $1 THEN ups ELSE 0 END) AS BIGINT) AS short_ups, \
             CAST(SUM(checks) AS BIGINT) AS long_checks, CAST(SUM(ups) AS BIGINT) AS long_ups \
             FROM probe_rollups WHERE span = $2 AND start >= $3 GROUP BY monitor_id",
        )
        .bind(short)
        .bind(span.to_string())
        .bind(long)
    };
    let hours = sum("hour", hour - 23 * HOUR, hour - 167 * HOUR);
    let days = sum("day", day - 29 * DAY, day - 364 * DAY);
    let mut out: HashMap<i64, Windows> = HashMap::new();
    for r in db.timed(hours.fetch_all(db.read())).await? {
        let w = out.entry(r.try_get("monitor_id")?).or_default();
        w.h24 = ratio(r.try_get("short_ups")?, r.try_get("short_checks")?);
        w.d7 = ratio(r.try_get("long_ups")?, r.try_get("long_checks")?);
    }
    for r in db.timed(days.fetch_all(db.read())).await? {
        let w = out.entry(r.try_get("monitor_id")?).or_default();
        w.d30 = ratio(r.try_get("short_ups")?, r.try_get("short_checks")?);
        w.d365 = ratio(r.try_get("long_ups")?, r.try_get("long_checks")?);
    }
    Ok(out)
}

/// One minute of the last hour: its availability (`None`: not checked, or all in maintenance),
/// whether it was in maintenance, and its mean latency.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Minute {
    pub up: Option<f64>,
    pub maintenance: bool,
    pub latency_ms: Option<i64>,
}

/// The last 60 minutes of each monitor, oldest first.
pub async fn last_hour(db: &Db, now: Millis) -> sqlx::Result<HashMap<i64, Vec<Minute>>> {
    let this = now - now.rem_euclid(60_000);
    let from = this - 59 * 60_000;
    let q = sqlx::query(
        "SELECT monitor_id, start, checks, ups, maintenance, latency_sum FROM probe_rollups \
         WHERE span = 'minute' AND start >= $1",
    )
    .bind(from);
    let empty = Minute {
        up: None,
        maintenance: false,
        latency_ms: None,
    };
    let mut out: HashMap<i64, Vec<Minute>> = HashMap::new();
    for r in db.timed(q.fetch_all(db.read())).await? {
        let start: Millis = r.try_get("start")?;
        let Ok(slot) = usize::try_from((start - from) / 60_000) else {
            continue;
        };
        let (checks, ups, maint): (i64, i64, i64) = (
            r.try_get("checks")?,
            r.try_get("ups")?,
            r.try_get("maintenance")?,
        );
        let latency: i64 = r.try_get("latency_sum")?;
        let minutes = out
            .entry(r.try_get("monitor_id")?)
            .or_insert_with(|| vec![empty; 60]);
        if let Some(m) = minutes.get_mut(slot) {
            *m = Minute {
                up: ratio(ups, checks),
                maintenance: maint > 0,
                latency_ms: (checks + maint > 0).then(|| latency / (checks + maint)),
            };
        }
    }
    Ok(out)
}
