//! Checks' results kept, a group in one transaction: for each check the raw result, its
//! minute, hour and day roll-ups, the monitor's state after the thresholds — and, when that
//! state crosses into or out of an outage outside maintenance, the alarm for alerting. So an
//! outage is never recorded without its alarm, nor an alarm raised for one not recorded. A
//! group costs the same few statements whatever its size (each a multi-row one), so checks
//! finishing together are written together.

use super::check::Outcome;
use super::state::{self, State, Status};
use super::store::Watched;
use crate::clock::Millis;
use crate::db::{marks, rows_per_statement, Db};
use crate::events::alarm::{self, Alarm};
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

const MINUTE: Millis = 60_000;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;

/// One finished check, to be kept.
pub struct Checked {
    pub watched: Arc<Watched>,
    pub at: Millis,
    pub outcome: Outcome,
    pub maintenance: bool,
}

/// What became of the monitor.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub state: State,
    pub changed: bool,
    pub alarms: Vec<Alarm>,
}

/// Keeps `checks` in one transaction; what became of each monitor, in their order.
pub async fn record(db: &Db, checks: &[Checked]) -> sqlx::Result<Vec<Recorded>> {
    db.write(async {
        let mut tx = db.begin().await?;
        let done = write(&mut tx, checks).await?;
        tx.commit().await?;
        Ok(done)
    })
    .await
}

/// A monitor's state as stored, and whether its outage and certificate are alerted.
#[derive(Clone, Copy)]
struct Stored {
    state: State,
    alerted: bool,
    cert_alerted: bool,
}

async fn write(conn: &mut AnyConnection, checks: &[Checked]) -> sqlx::Result<Vec<Recorded>> {
    let ids: Vec<i64> = checks.iter().map(|c| c.watched.monitor.id).collect();
    let mut stored = read_states(conn, &ids).await?;
    let mut done = Vec::with_capacity(checks.len());
    let mut after = Vec::with_capacity(checks.len());
    for c in checks {
        let id = c.watched.monitor.id;
        let before = stored.get(&id).copied().ok_or(sqlx::Error::RowNotFound)?;
        let (now, recorded) = next(c, before);
        stored.insert(id, now);
        after.push(now);
        done.push(recorded);
    }
    insert_results(conn, checks).await?;
    roll_up(conn, checks).await?;
    update_monitors(conn, checks, &after).await?;
    for a in done.iter().flat_map(|r| r.alarms.iter()) {
        alarm::raise(conn, a).await?;
    }
    Ok(done)
}

async fn read_states(conn: &mut AnyConnection, ids: &[i64]) -> sqlx::Result<HashMap<i64, Stored>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(rows_per_statement(1)) {
        let sql = format!(
            "SELECT id, status, streak, since, alerted, cert_alerted FROM monitors WHERE id IN ({})",
            marks(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&mut *conn).await? {
            let state = State {
                status: Status::parse(&row.try_get::<String, _>("status")?),
                streak: row.try_get("streak")?,
                since: row.try_get("since")?,
            };
            out.insert(
                row.try_get("id")?,
                Stored {
                    state,
                    alerted: row.try_get::<i64, _>("alerted")? != 0,
                    cert_alerted: row.try_get::<i64, _>("cert_alerted")? != 0,
                },
            );
        }
    }
    Ok(out)
}

/// The state after one check, and the alarms it raises.
fn next(c: &Checked, before: Stored) -> (Stored, Recorded) {
    let (w, at, o, maintenance) = (&c.watched, c.at, &c.outcome, c.maintenance);
    let m = &w.monitor;
    let state = state::next(before.state, o.ok, at, m.failures, m.recoveries);
    let (mut alerted, mut cert_alerted) = (before.alerted, before.cert_alerted);
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
    if state.status == Status::Down && !alerted && !maintenance {
        alarms.push(outage(true, &o.detail));
        alerted = true;
    } else if state.status == Status::Up && alerted {
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
    let recorded = Recorded {
        changed: state.status != before.state.status,
        state,
        alarms,
    };
    let now = Stored {
        state,
        alerted,
        cert_alerted,
    };
    (now, recorded)
}

async fn insert_results(conn: &mut AnyConnection, checks: &[Checked]) -> sqlx::Result<()> {
    for chunk in checks.chunks(rows_per_statement(6)) {
        let sql = format!(
            "INSERT INTO probe_results (monitor_id, at, ok, latency_ms, maintenance, detail) \
             VALUES {} ON CONFLICT (monitor_id, at) DO NOTHING",
            rows(chunk.len(), 6)
        );
        let mut q = sqlx::query(&sql);
        for c in chunk {
            q = q
                .bind(c.watched.monitor.id)
                .bind(c.at)
                .bind(i64::from(c.outcome.ok))
                .bind(c.outcome.latency_ms)
                .bind(i64::from(c.maintenance))
                .bind(c.outcome.detail.clone());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn update_monitors(
    conn: &mut AnyConnection,
    checks: &[Checked],
    after: &[Stored],
) -> sqlx::Result<()> {
    // The last check of each monitor in the group says how it stands.
    let mut last: BTreeMap<i64, (&Checked, &Stored)> = BTreeMap::new();
    for (c, s) in checks.iter().zip(after) {
        last.insert(c.watched.monitor.id, (c, s));
    }
    let last: Vec<_> = last.into_values().collect();
    for chunk in last.chunks(rows_per_statement(11)) {
        // The VALUES' columns are column1 … column11 on SQLite and PostgreSQL alike.
        let sql = format!(
            "UPDATE monitors SET status = v.column2, streak = v.column3, since = v.column4, \
             alerted = v.column5, cert_alerted = v.column6, last_at = v.column7, \
             last_ok = v.column8, last_latency_ms = v.column9, last_detail = v.column10, \
             cert_expires_at = COALESCE(v.column11, monitors.cert_expires_at) \
             FROM (VALUES {}) AS v WHERE monitors.id = v.column1",
            rows(chunk.len(), 11)
        );
        let mut q = sqlx::query(&sql);
        for (c, s) in chunk {
            q = q
                .bind(c.watched.monitor.id)
                .bind(s.state.status.as_str())
                .bind(s.state.streak)
                .bind(s.state.since)
                .bind(i64::from(s.alerted))
                .bind(i64::from(s.cert_alerted))
                .bind(c.at)
                .bind(i64::from(c.outcome.ok))
                .bind(c.outcome.latency_ms)
                .bind(c.outcome.detail.clone())
                .bind(c.outcome.cert_expires_at);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// `rows` groups of `width` numbered parameters: `($1, $2), ($3, $4)`.
fn rows(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", marks(1 + r * width, width)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A roll-up's sums: checks counted, up, in maintenance, latency total and most.
#[derive(Default)]
struct Sums {
    checks: i64,
    ups: i64,
    maintenance: i64,
    latency_sum: i64,
    latency_max: i64,
}

async fn roll_up(conn: &mut AnyConnection, checks: &[Checked]) -> sqlx::Result<()> {
    let mut sums: BTreeMap<(i64, &'static str, Millis), Sums> = BTreeMap::new();
    for c in checks {
        let counted = i64::from(!c.maintenance);
        for (span, size) in [("minute", MINUTE), ("hour", HOUR), ("day", DAY)] {
            let start = c.at - c.at.rem_euclid(size);
            let s = sums.entry((c.watched.monitor.id, span, start)).or_default();
            s.checks += counted;
            s.ups += counted * i64::from(c.outcome.ok);
            s.maintenance += 1 - counted;
            s.latency_sum += c.outcome.latency_ms;
            s.latency_max = s.latency_max.max(c.outcome.latency_ms);
        }
    }
    let sums: Vec<_> = sums.into_iter().collect();
    for chunk in sums.chunks(rows_per_statement(8)) {
        let sql = format!(
            "INSERT INTO probe_rollups (monitor_id, span, start, checks, ups, maintenance, \
             latency_sum, latency_max) VALUES {} \
             ON CONFLICT (monitor_id, span, start) DO UPDATE SET \
             checks = probe_rollups.checks + excluded.checks, \
             ups = probe_rollups.ups + excluded.ups, \
             maintenance = probe_rollups.maintenance + excluded.maintenance, \
             latency_sum = probe_rollups.latency_sum + excluded.latency_sum, \
             latency_max = CASE WHEN excluded.latency_max > probe_rollups.latency_max \
             THEN excluded.latency_max ELSE probe_rollups.latency_max END",
            rows(chunk.len(), 8)
        );
        let mut q = sqlx::query(&sql);
        for ((monitor, span, start), s) in chunk {
            q = q
                .bind(*monitor)
                .bind(*span)
                .bind(*start)
                .bind(s.checks)
                .bind(s.ups)
                .bind(s.maintenance)
                .bind(s.latency_sum)
                .bind(s.latency_max);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}
