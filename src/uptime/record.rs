//! A check's result kept, in one transaction: the raw result, its minute, hour and day
//! roll-ups, the monitor's state after the thresholds — and, when that state crosses into or
//! out of an outage outside maintenance, the alarm for alerting. So an outage is never
//! recorded without its alarm, nor an alarm raised for one not recorded.

use super::check::Outcome;
use super::state::{self, State, Status};
use super::store::Watched;
use crate::clock::Millis;
use crate::db::Db;
use crate::events::alarm::{self, Alarm};
use sqlx::{AnyConnection, Row};

const MINUTE: Millis = 60_000;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;

/// What became of the monitor.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub state: State,
    pub changed: bool,
    pub alarms: Vec<Alarm>,
}

pub async fn record(
    db: &Db,
    w: &Watched,
    at: Millis,
    outcome: &Outcome,
    maintenance: bool,
) -> sqlx::Result<Recorded> {
    db.write(async {
        let mut tx = db.begin().await?;
        let done = write(&mut tx, w, at, outcome, maintenance).await?;
        tx.commit().await?;
        Ok(done)
    })
    .await
}

async fn write(
    conn: &mut AnyConnection,
    w: &Watched,
    at: Millis,
    o: &Outcome,
    maintenance: bool,
) -> sqlx::Result<Recorded> {
    let m = &w.monitor;
    let row = sqlx::query(
        "SELECT status, streak, since, alerted, cert_alerted FROM monitors WHERE id = $1",
    )
    .bind(m.id)
    .fetch_one(&mut *conn)
    .await?;
    let before = State {
        status: Status::parse(&row.try_get::<String, _>("status")?),
        streak: row.try_get("streak")?,
        since: row.try_get("since")?,
    };
    let after = state::next(before, o.ok, at, m.failures, m.recoveries);
    let mut alerted = row.try_get::<i64, _>("alerted")? != 0;
    let mut cert_alerted = row.try_get::<i64, _>("cert_alerted")? != 0;
    let mut alarms = Vec::new();
    // "宁政通（泾源县）" names its unit already.
    let named = if m.name.contains(&w.unit_name) {
        m.name.clone()
    } else {
        format!("{}（{}）", m.name, w.unit_name)
    };
    let outage = |firing: bool, detail: &str| Alarm {
        source: "monitor".into(),
        key: format!("monitor:{}", m.key),
        unit_id: m.unit_id,
        title: format!("{named}不可用"),
        detail: detail.to_string(),
        severity: "critical".into(),
        firing,
        at,
    };
    if after.status == Status::Down && !alerted && !maintenance {
        alarms.push(outage(true, &o.detail));
        alerted = true;
    } else if after.status == Status::Up && alerted {
        alarms.push(outage(false, "已恢复"));
        alerted = false;
    }
    if let Some(expires) = o.cert_expires_at {
        let warn = expires - at < m.expect.cert_warn_days * DAY;
        if warn != cert_alerted && (!warn || !maintenance) {
            let days = (expires - at).div_euclid(DAY);
            alarms.push(Alarm {
                source: "monitor".into(),
                key: format!("cert:{}", m.key),
                unit_id: m.unit_id,
                title: format!("{named}证书即将到期"),
                detail: format!("证书 {days} 天后到期"),
                severity: "warning".into(),
                firing: warn,
                at,
            });
            cert_alerted = warn;
        }
    }
    sqlx::query(
        "INSERT INTO probe_results (monitor_id, at, ok, latency_ms, maintenance, detail) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (monitor_id, at) DO NOTHING",
    )
    .bind(m.id)
    .bind(at)
    .bind(i64::from(o.ok))
    .bind(o.latency_ms)
    .bind(i64::from(maintenance))
    .bind(&o.detail)
    .execute(&mut *conn)
    .await?;
    for (span, size) in [("minute", MINUTE), ("hour", HOUR), ("day", DAY)] {
        roll_up(conn, m.id, span, at - at.rem_euclid(size), o, maintenance).await?;
    }
    sqlx::query(
        "UPDATE monitors SET status = $1, streak = $2, since = $3, alerted = $4, \
         cert_alerted = $5, last_at = $6, last_ok = $7, last_latency_ms = $8, last_detail = $9, \
         cert_expires_at = COALESCE($10, cert_expires_at) WHERE id = $11",
    )
    .bind(after.status.as_str())
    .bind(after.streak)
    .bind(after.since)
    .bind(i64::from(alerted))
    .bind(i64::from(cert_alerted))
    .bind(at)
    .bind(i64::from(o.ok))
    .bind(o.latency_ms)
    .bind(&o.detail)
    .bind(o.cert_expires_at)
    .bind(m.id)
    .execute(&mut *conn)
    .await?;
    for a in &alarms {
        alarm::raise(conn, a).await?;
    }
    Ok(Recorded {
        changed: after.status != before.status,
        state: after,
        alarms,
    })
}

async fn roll_up(
    conn: &mut AnyConnection,
    monitor: i64,
    span: &str,
    start: Millis,
    o: &Outcome,
    maintenance: bool,
) -> sqlx::Result<()> {
    let counted = i64::from(!maintenance);
    sqlx::query(
        "INSERT INTO probe_rollups (monitor_id, span, start, checks, ups, maintenance, \
         latency_sum, latency_max) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
         ON CONFLICT (monitor_id, span, start) DO UPDATE SET \
         checks = probe_rollups.checks + excluded.checks, ups = probe_rollups.ups + excluded.ups, \
         maintenance = probe_rollups.maintenance + excluded.maintenance, \
         latency_sum = probe_rollups.latency_sum + excluded.latency_sum, \
         latency_max = CASE WHEN excluded.latency_max > probe_rollups.latency_max \
         THEN excluded.latency_max ELSE probe_rollups.latency_max END",
    )
    .bind(monitor)
    .bind(span)
    .bind(start)
    .bind(counted)
    .bind(counted * i64::from(o.ok))
    .bind(1 - counted)
    .bind(o.latency_ms)
    .execute(conn)
    .await?;
    Ok(())
}
