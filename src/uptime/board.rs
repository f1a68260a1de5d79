//! The monitors as the ops view shows them: each system of the viewer's area with its state,
//! its last check, availability over 24 h / 7 d / 30 d / 365 d, the last hour minute by minute,
//! its maintenance windows, and what the viewer may do.

use super::maintenance::Window;
use super::{allowed, availability, store, Uptime};
use crate::auth::jurisdiction::covers;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use serde_json::{json, Value};
use sqlx::Row;
use std::collections::HashMap;

pub async fn read(uptime: &Uptime, actor: &Actor, only: Option<&str>) -> AppResult<Value> {
    if !allowed::may_view(actor) {
        return Err(AppError::Forbidden);
    }
    let now = uptime.clock.now();
    let db = &uptime.db;
    let manages = allowed::may_manage(actor);
    let watched: Vec<store::Watched> = store::monitors(db, manages)
        .await?
        .into_iter()
        .filter(|w| covers(actor, &w.unit_path))
        .filter(|w| only.is_none_or(|k| k == w.monitor.key))
        .collect();
    if only.is_some() && watched.is_empty() {
        return Err(AppError::NotFound("monitor"));
    }
    let states = states(uptime).await?;
    let windows = availability::windows(db, now).await?;
    let minutes = availability::last_hour(db, now).await?;
    let monitors: Vec<Value> = watched
        .iter()
        .map(|w| {
            let m = &w.monitor;
            let maintenance = w.windows.iter().any(|(_, _, win)| win.holds(now, &uptime.zone));
            json!({
                "key": m.key, "name": m.name, "kind": m.kind.as_str(), "target": m.target,
                "paused": w.paused,
                "expect": {
                    "status": m.expect.status.to_string(), "keyword": m.expect.keyword,
                    "keyword_absent": m.expect.keyword_absent,
                    "max_latency_ms": m.expect.max_latency_ms,
                    "cert_warn_days": m.expect.cert_warn_days, "address": m.expect.address,
                },
                "timeout_secs": m.timeout_ms / 1000, "failures": m.failures,
                "recoveries": m.recoveries,
                "unit": { "code": w.unit_code, "name": w.unit_name },
                "interval_secs": m.interval_ms / 1000,
                "state": states.get(&m.id).cloned().unwrap_or(Value::Null),
                "maintenance": maintenance,
                "windows": w.windows.iter().map(|(id, title, win)| window_json(*id, title, win)).collect::<Vec<_>>(),
                "availability": windows.get(&m.id).copied().unwrap_or_default(),
                "minutes": minutes.get(&m.id).cloned().unwrap_or_default(),
                "actions": allowed::actions(actor, w.paused),
            })
        })
        .collect();
    let zone = uptime.zone.iana_name().unwrap_or("UTC");
    Ok(json!({ "monitors": monitors, "at": now, "zone": zone, "may_add": manages }))
}

fn window_json(id: i64, title: &str, w: &Window) -> Value {
    match w {
        Window::Once { from, until } => {
            json!({ "id": id, "title": title, "starts_at": from, "ends_at": until })
        }
        Window::Weekly { days, shift } => {
            json!({ "id": id, "title": title, "weekdays": days, "shift": shift.to_string() })
        }
    }
}

/// Each monitor's state and last check, by id.
async fn states(uptime: &Uptime) -> sqlx::Result<HashMap<i64, Value>> {
    let q = sqlx::query(
        "SELECT id, status, since, last_at, last_ok, last_latency_ms, last_detail, \
         cert_expires_at FROM monitors",
    );
    let db = &uptime.db;
    db.timed(q.fetch_all(db.read()))
        .await?
        .iter()
        .map(|r| {
            let last_at: Option<i64> = r.try_get("last_at")?;
            let last = match last_at {
                Some(at) => json!({
                    "at": at,
                    "ok": r.try_get::<Option<i64>, _>("last_ok")?.is_some_and(|v| v != 0),
                    "latency_ms": r.try_get::<Option<i64>, _>("last_latency_ms")?,
                    "detail": r.try_get::<String, _>("last_detail")?,
                }),
                None => Value::Null,
            };
            let state = json!({
                "status": r.try_get::<String, _>("status")?,
                "since": r.try_get::<Option<i64>, _>("since")?,
                "last": last,
                "cert_expires_at": r.try_get::<Option<i64>, _>("cert_expires_at")?,
            });
            Ok((r.try_get("id")?, state))
        })
        .collect()
}
