//! The monitors' tables: what the prober runs (monitors with their units and maintenance
//! windows), and a monitor added or a window set.

use super::maintenance::Window;
use super::monitor::{Expect, Kind, Monitor, NewMonitor, StatusRanges};
use crate::clock::Millis;
use crate::db::Db;
use sqlx::Row;
use std::collections::HashMap;

/// A monitor with what the prober and its readers need beside it.
#[derive(Clone, Debug)]
pub struct Watched {
    pub monitor: Monitor,
    pub unit_code: String,
    pub unit_name: String,
    pub unit_path: String,
    pub windows: Vec<(i64, String, Window)>,
    /// Not checked any more (停用); only those who manage monitors see it.
    pub paused: bool,
}

const COLUMNS: &str = "m.id, m.key, m.name, m.unit_id, m.kind, m.target, m.expect_status, \
     m.keyword, m.keyword_absent, m.max_latency_ms, m.cert_warn_days, m.expect_address, \
     m.interval_ms, m.timeout_ms, m.failures, m.recoveries, \
     u.code AS unit_code, u.name AS unit_name, u.path AS unit_path";

fn monitor(r: &sqlx::any::AnyRow) -> sqlx::Result<Monitor> {
    let kind: String = r.try_get("kind")?;
    let status: String = r.try_get("expect_status")?;
    Ok(Monitor {
        id: r.try_get("id")?,
        key: r.try_get("key")?,
        name: r.try_get("name")?,
        unit_id: r.try_get("unit_id")?,
        kind: Kind::parse(&kind).unwrap_or(Kind::Tcp),
        target: r.try_get("target")?,
        expect: Expect {
            status: StatusRanges::parse(&status)
                .or_else(|| StatusRanges::parse("200-399"))
                .expect("a constant range parses"),
            keyword: r.try_get("keyword")?,
            keyword_absent: r.try_get::<i64, _>("keyword_absent")? != 0,
            max_latency_ms: r.try_get("max_latency_ms")?,
            cert_warn_days: r.try_get("cert_warn_days")?,
            address: r.try_get("expect_address")?,
        },
        interval_ms: r.try_get("interval_ms")?,
        timeout_ms: r.try_get("timeout_ms")?,
        failures: r.try_get("failures")?,
        recoveries: r.try_get("recoveries")?,
    })
}

/// Every monitor not paused, with its windows, in id order: what the prober runs.
pub async fn watched(db: &Db) -> sqlx::Result<Vec<Watched>> {
    monitors(db, false).await
}

/// Every monitor, the paused ones too if `with_paused`, in id order.
pub async fn monitors(db: &Db, with_paused: bool) -> sqlx::Result<Vec<Watched>> {
    let only = if with_paused {
        ""
    } else {
        "WHERE m.paused = 0"
    };
    let sql = format!(
        "SELECT {COLUMNS}, m.paused FROM monitors m JOIN units u ON u.id = m.unit_id \
         {only} ORDER BY m.id"
    );
    let rows = db.timed(sqlx::query(&sql).fetch_all(db.read())).await?;
    let mut windows = windows(db).await?;
    rows.iter()
        .map(|r| {
            let monitor = monitor(r)?;
            Ok(Watched {
                windows: windows.remove(&monitor.id).unwrap_or_default(),
                monitor,
                unit_code: r.try_get("unit_code")?,
                unit_name: r.try_get("unit_name")?,
                unit_path: r.try_get("unit_path")?,
                paused: r.try_get::<i64, _>("paused")? != 0,
            })
        })
        .collect()
}

async fn windows(db: &Db) -> sqlx::Result<HashMap<i64, Vec<(i64, String, Window)>>> {
    let q = sqlx::query(
        "SELECT id, monitor_id, title, starts_at, ends_at, weekdays, shift \
         FROM maintenance_windows ORDER BY id",
    );
    let mut out: HashMap<i64, Vec<(i64, String, Window)>> = HashMap::new();
    for r in db.timed(q.fetch_all(db.read())).await? {
        let window = Window::from_row(
            r.try_get("starts_at")?,
            r.try_get("ends_at")?,
            &r.try_get::<String, _>("weekdays")?,
            &r.try_get::<String, _>("shift")?,
        );
        if let Some(w) = window {
            let monitor: i64 = r.try_get("monitor_id")?;
            out.entry(monitor)
                .or_default()
                .push((r.try_get("id")?, r.try_get("title")?, w));
        }
    }
    Ok(out)
}

/// Adds a monitor owned by `unit_id`, with its audit record; `None` if its key is taken.
pub async fn insert(
    db: &Db,
    m: &NewMonitor,
    unit_id: i64,
    now: Millis,
    record: &crate::trail::Record,
) -> sqlx::Result<Option<i64>> {
    let q = sqlx::query(
        "INSERT INTO monitors (key, name, unit_id, kind, target, expect_status, keyword, \
         keyword_absent, max_latency_ms, cert_warn_days, expect_address, interval_ms, \
         timeout_ms, failures, recoveries, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         ON CONFLICT (key) DO NOTHING RETURNING id",
    )
    .bind(&m.key)
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
    .bind(now);
    db.write(async {
        let mut tx = db.begin().await?;
        let Some(row) = q.fetch_optional(&mut *tx).await? else {
            return Ok(None);
        };
        crate::trail::append(&mut tx, db.backend, record, now).await?;
        tx.commit().await?;
        Ok(Some(row.try_get("id")?))
    })
    .await
}

/// Adds a maintenance window to monitor `id`.
pub async fn add_window(
    db: &Db,
    id: i64,
    title: &str,
    w: &Window,
    by: i64,
    now: Millis,
) -> sqlx::Result<i64> {
    let (from, until, days, shift) = match w {
        Window::Once { from, until } => (Some(*from), Some(*until), String::new(), String::new()),
        Window::Weekly { days, shift } => {
            let days: Vec<String> = days.iter().map(|d| d.to_string()).collect();
            (None, None, days.join(" "), shift.to_string())
        }
    };
    let q = sqlx::query(
        "INSERT INTO maintenance_windows (monitor_id, title, starts_at, ends_at, weekdays, \
         shift, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(id)
    .bind(title.trim())
    .bind(from)
    .bind(until)
    .bind(days)
    .bind(shift)
    .bind(by)
    .bind(now);
    db.write(async {
        let mut tx = db.begin().await?;
        let row = q.fetch_one(&mut *tx).await?;
        tx.commit().await?;
        row.try_get("id")
    })
    .await
}

/// Removes window `id` of a monitor; whether there was one.
pub async fn remove_window(db: &Db, id: i64) -> sqlx::Result<bool> {
    let q = sqlx::query("DELETE FROM maintenance_windows WHERE id = $1").bind(id);
    Ok(db.execute(q).await? > 0)
}
