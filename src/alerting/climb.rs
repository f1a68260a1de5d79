//! The climb (升级): an incident unacknowledged when its step's timeout passes goes one level up
//! — township → county → city → region — and at the region is told again each timeout. The job
//! `alerting.climb` (one per incident) takes one step a run, and only once the last step's
//! timeout has passed, so a run repeated after a restart or on another node neither repeats nor
//! skips a step.

use super::timeline::log;
use super::units::{self, Unit};
use super::{notify, webhooks, Alerting};
use crate::clock::Millis;
use crate::jobs::Handler;
use sqlx::{AnyConnection, Row};
use std::sync::Arc;

pub const KIND: &str = "alerting.climb";

pub async fn schedule(conn: &mut AnyConnection, incident: i64, at: Millis) -> sqlx::Result<()> {
    crate::jobs::schedule(conn, KIND, &incident.to_string(), at, "").await
}

/// No more climbing: the incident was acknowledged or resolved.
pub async fn cancel(conn: &mut AnyConnection, incident: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM jobs WHERE kind = $1 AND key = $2")
        .bind(KIND)
        .bind(incident.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes step `n` of incident `id`, reaching `unit` and telling `told`, unless it was taken;
/// whether it was. The next climb is scheduled with it.
pub async fn step(
    alerting: &Alerting,
    conn: &mut AnyConnection,
    id: i64,
    n: i64,
    unit: &Unit,
    told: Option<i64>,
    at: Millis,
) -> sqlx::Result<bool> {
    let taken = sqlx::query(
        "INSERT INTO incident_steps (incident_id, step, unit_id, person_id, at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (incident_id, step) DO NOTHING",
    )
    .bind(id)
    .bind(n)
    .bind(unit.id)
    .bind(told)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    if taken.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("UPDATE incidents SET step = $1, reached_unit_id = $2 WHERE id = $3")
        .bind(n)
        .bind(unit.id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let kind = if n == 0 { "notified" } else { "escalated" };
    let detail = match told {
        Some(_) => unit.name.clone(),
        None => format!("{}：无人值班", unit.name),
    };
    log(conn, id, at, kind, told, Some(unit.id), &detail).await?;
    webhooks::queue(conn, id, unit.id, kind, at).await?;
    schedule(conn, id, at + alerting.timeout(&unit.level)).await?;
    Ok(true)
}

pub fn job(alerting: Alerting) -> Handler {
    Arc::new(move |job| {
        let alerting = alerting.clone();
        Box::pin(async move {
            let id: i64 = job.key.parse()?;
            climb(&alerting, id, alerting.clock.now()).await?;
            Ok(())
        })
    })
}

/// Takes incident `id`'s next step if it is due at `now`; whether one was taken.
pub async fn climb(alerting: &Alerting, id: i64, now: Millis) -> anyhow::Result<bool> {
    let db = &alerting.db;
    let q = sqlx::query(
        "SELECT i.unit_id, i.step, i.acknowledged_at, i.resolved_at, s.at AS stepped_at, \
         u.level FROM incidents i JOIN incident_steps s ON s.incident_id = i.id AND s.step = i.step \
         JOIN units u ON u.id = i.reached_unit_id WHERE i.id = $1",
    )
    .bind(id);
    let Some(r) = db.timed(q.fetch_optional(db.read())).await? else {
        return Ok(false);
    };
    let settled = r.try_get::<Option<i64>, _>("acknowledged_at")?.is_some()
        || r.try_get::<Option<i64>, _>("resolved_at")?.is_some();
    let (last, stepped_at): (i64, Millis) = (r.try_get("step")?, r.try_get("stepped_at")?);
    let level: String = r.try_get("level")?;
    let due = stepped_at + alerting.timeout(&level);
    if settled {
        return Ok(false);
    }
    if now < due {
        // Early (a repeated run): wait for the step's own time.
        db.write(async {
            let mut tx = db.begin().await?;
            schedule(&mut tx, id, due).await?;
            tx.commit().await
        })
        .await?;
        return Ok(false);
    }
    let chain = units::chain(db, r.try_get("unit_id")?).await?;
    let next = last + 1;
    let index = usize::try_from(next)
        .unwrap_or(usize::MAX)
        .min(chain.len().saturating_sub(1));
    let Some(unit) = chain.get(index).cloned() else {
        return Ok(false);
    };
    let told = alerting
        .on_call
        .on_duty(&unit.path, now)
        .await?
        .map(|a| a.person);
    let taken = db
        .write(async {
            let mut tx = db.begin().await?;
            let taken = step(alerting, &mut tx, id, next, &unit, told, now).await?;
            tx.commit().await?;
            Ok(taken)
        })
        .await?;
    if taken {
        alerting.metrics.escalated(&unit.level);
        notify::changed(alerting, id).await;
        notify::told(alerting, id, told).await;
    }
    Ok(taken)
}
