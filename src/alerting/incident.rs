//! An incident's life in the store: opened (once per source and key while open), a step taken
//! (once per incident and step), acknowledged, resolved — each in one transaction with its
//! timeline entry, its webhook messages and its next climb, so nothing is told that was not
//! kept. The frames go out after the commit (`notify`).

use super::timeline::log;
use super::units;
use super::{climb, notify, webhooks, Alerting};
use crate::clock::Millis;
use crate::error::{AppError, AppResult};
use sqlx::Row;

/// What opens an incident.
#[derive(Clone, Debug)]
pub struct Opening {
    pub source: &'static str,
    pub key: String,
    pub unit_id: i64,
    pub title: String,
    pub detail: String,
    pub severity: &'static str,
    pub at: Millis,
}

/// Opens an incident unless one is open for the same source and key; its id if it opened.
pub async fn open(alerting: &Alerting, o: &Opening) -> anyhow::Result<Option<i64>> {
    let chain = units::chain(&alerting.db, o.unit_id).await?;
    let Some(unit) = chain.first().cloned() else {
        anyhow::bail!("unit {} is not of the four levels", o.unit_id);
    };
    let told = alerting
        .on_call
        .on_duty(&unit.path, o.at)
        .await?
        .map(|a| a.person);
    let db = &alerting.db;
    let id = db
        .write(async {
            let mut tx = db.begin().await?;
            let row = sqlx::query(
                "INSERT INTO incidents (source, key, unit_id, title, detail, severity, opened_at, \
                 reached_unit_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $3) \
                 ON CONFLICT (source, key) WHERE resolved_at IS NULL DO NOTHING RETURNING id",
            )
            .bind(o.source)
            .bind(&o.key)
            .bind(o.unit_id)
            .bind(&o.title)
            .bind(&o.detail)
            .bind(o.severity)
            .bind(o.at)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                tx.commit().await?;
                return Ok(None);
            };
            let id: i64 = row.try_get("id")?;
            log(
                &mut tx,
                id,
                o.at,
                "opened",
                None,
                Some(o.unit_id),
                &o.detail,
            )
            .await?;
            climb::step(alerting, &mut tx, id, 0, &unit, told, o.at).await?;
            if o.severity != "critical" {
                // A warning (a certificate near its end) is told to its unit; it does not climb.
                climb::cancel(&mut tx, id).await?;
            }
            tx.commit().await?;
            Ok(Some(id))
        })
        .await?;
    if let Some(id) = id {
        alerting.metrics.opened(&unit.level);
        notify::changed(alerting, id).await;
        notify::told(alerting, id, told).await;
    }
    Ok(id)
}

/// Acknowledges open incident `id` for `person`.
pub async fn acknowledge(alerting: &Alerting, id: i64, person: i64) -> AppResult<()> {
    let now = alerting.clock.now();
    let db = &alerting.db;
    let done = db
        .write(async {
            let mut tx = db.begin().await?;
            let row = sqlx::query(
                "UPDATE incidents SET acknowledged_at = $1, acknowledged_by = $2 WHERE id = $3 \
                 AND acknowledged_at IS NULL AND resolved_at IS NULL RETURNING unit_id",
            )
            .bind(now)
            .bind(person)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                return Ok(false);
            };
            let unit: i64 = row.try_get("unit_id")?;
            log(&mut tx, id, now, "acknowledged", Some(person), None, "").await?;
            webhooks::queue(&mut tx, id, unit, "acknowledged", now).await?;
            climb::cancel(&mut tx, id).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await?;
    if !done {
        return Err(AppError::InvalidState("该事件已确认或已恢复".into()));
    }
    notify::changed(alerting, id).await;
    Ok(())
}

/// Resolves an open incident — `by` a person, or by itself (`None`: the system recovered, the
/// alert resolved); `which` picks it by id or by source and key. Its id, if one was open.
pub async fn resolve(
    alerting: &Alerting,
    which: Which<'_>,
    by: Option<i64>,
    note: &str,
    at: Millis,
) -> sqlx::Result<Option<i64>> {
    let (filter, a, b) = match which {
        Which::Id(id) => ("id = $3", id.to_string(), String::new()),
        Which::Key(source, key) => (
            "source = $3 AND key = $4",
            source.to_string(),
            key.to_string(),
        ),
    };
    let sql = format!(
        "UPDATE incidents SET resolved_at = $1, resolved_by = $2 WHERE {filter} \
         AND resolved_at IS NULL RETURNING id, unit_id"
    );
    let db = &alerting.db;
    let resolved = db
        .write(async {
            let mut tx = db.begin().await?;
            let mut q = sqlx::query(&sql).bind(at).bind(by);
            q = match which {
                Which::Id(id) => q.bind(id),
                Which::Key(..) => q.bind(a.clone()).bind(b.clone()),
            };
            let Some(row) = q.fetch_optional(&mut *tx).await? else {
                return Ok(None);
            };
            let (id, unit): (i64, i64) = (row.try_get("id")?, row.try_get("unit_id")?);
            let kind = if by.is_some() {
                "resolved"
            } else {
                "recovered"
            };
            log(&mut tx, id, at, kind, by, None, note).await?;
            webhooks::queue(&mut tx, id, unit, kind, at).await?;
            climb::cancel(&mut tx, id).await?;
            tx.commit().await?;
            Ok(Some(id))
        })
        .await?;
    if let Some(id) = resolved {
        notify::changed(alerting, id).await;
    }
    Ok(resolved)
}

#[derive(Clone, Copy, Debug)]
pub enum Which<'a> {
    Id(i64),
    Key(&'a str, &'a str),
}
