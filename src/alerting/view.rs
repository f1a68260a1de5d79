//! Incidents as the console shows them: summary rows (what, where, how far it climbed, who was
//! told, who acknowledged) with the viewer's actions, and one incident's whole timeline.

use super::allowed;
use crate::auth::Actor;
use crate::clock::Millis;
use crate::db::Db;
use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

const SELECT: &str = "SELECT i.id, i.source, i.key, i.title, i.detail, i.severity, i.opened_at, \
     i.step, i.acknowledged_at, i.resolved_at, \
     u.code AS unit_code, u.name AS unit_name, u.level AS unit_level, u.path AS unit_path, \
     r.code AS reached_code, r.name AS reached_name, r.level AS reached_level, \
     a.display_name AS acknowledged_name, t.display_name AS told_name, s.person_id AS told_id \
     FROM incidents i JOIN units u ON u.id = i.unit_id JOIN units r ON r.id = i.reached_unit_id \
     LEFT JOIN users a ON a.id = i.acknowledged_by \
     LEFT JOIN incident_steps s ON s.incident_id = i.id AND s.step = i.step \
     LEFT JOIN users t ON t.id = s.person_id";

fn status(r: &AnyRow) -> sqlx::Result<&'static str> {
    Ok(
        if r.try_get::<Option<Millis>, _>("resolved_at")?.is_some() {
            "resolved"
        } else if r.try_get::<Option<Millis>, _>("acknowledged_at")?.is_some() {
            "acknowledged"
        } else {
            "open"
        },
    )
}

fn summary(r: &AnyRow) -> sqlx::Result<Value> {
    let text = |c: &str| r.try_get::<Option<String>, _>(c);
    Ok(json!({
        "id": r.try_get::<i64, _>("id")?,
        "source": r.try_get::<String, _>("source")?,
        "key": r.try_get::<String, _>("key")?,
        "title": r.try_get::<String, _>("title")?,
        "detail": r.try_get::<String, _>("detail")?,
        "severity": r.try_get::<String, _>("severity")?,
        "status": status(r)?,
        "opened_at": r.try_get::<Millis, _>("opened_at")?,
        "step": r.try_get::<i64, _>("step")?,
        "acknowledged_at": r.try_get::<Option<Millis>, _>("acknowledged_at")?,
        "acknowledged_by": text("acknowledged_name")?,
        "resolved_at": r.try_get::<Option<Millis>, _>("resolved_at")?,
        "unit": { "code": text("unit_code")?, "name": text("unit_name")?, "level": text("unit_level")? },
        "reached": { "code": text("reached_code")?, "name": text("reached_name")?, "level": text("reached_level")? },
        "told": text("told_name")?,
    }))
}

/// Incident `id`, in the caller's transaction (for a webhook's message).
pub async fn one(conn: &mut AnyConnection, id: i64) -> sqlx::Result<Value> {
    let sql = format!("{SELECT} WHERE i.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_one(conn).await?;
    summary(&row)
}

/// A row with the viewer's actions, if the viewer's area holds it.
fn for_viewer(r: &AnyRow, actor: &Actor) -> sqlx::Result<Option<Value>> {
    let path: String = r.try_get("unit_path")?;
    let told: Option<i64> = r.try_get("told_id")?;
    if !allowed::may_view(actor, &path) {
        return Ok(None);
    }
    let mut v = summary(r)?;
    let actions = allowed::actions(actor, &path, told, v["status"].as_str().unwrap_or(""));
    v["actions"] = json!(actions);
    v["mine"] = json!(told == Some(actor.id));
    Ok(Some(v))
}

/// The incidents of `actor`'s area: open ones, and those resolved since `since`, newest first.
pub async fn list(db: &Db, actor: &Actor, since: Millis) -> sqlx::Result<Vec<Value>> {
    let sql = format!(
        "{SELECT} WHERE i.resolved_at IS NULL OR i.resolved_at >= $1 \
         ORDER BY i.opened_at DESC, i.id DESC LIMIT 500"
    );
    let rows = db
        .timed(sqlx::query(&sql).bind(since).fetch_all(db.read()))
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        out.extend(for_viewer(r, actor)?);
    }
    Ok(out)
}

/// Incident `id` as `actor` sees it, with its timeline; `None` outside their area.
pub async fn detail(db: &Db, actor: &Actor, id: i64) -> sqlx::Result<Option<Value>> {
    let sql = format!("{SELECT} WHERE i.id = $1");
    let Some(row) = db
        .timed(sqlx::query(&sql).bind(id).fetch_optional(db.read()))
        .await?
    else {
        return Ok(None);
    };
    let Some(mut v) = for_viewer(&row, actor)? else {
        return Ok(None);
    };
    let q = sqlx::query(
        "SELECT t.at, t.kind, t.detail, p.display_name AS person, n.name AS unit \
         FROM incident_timeline t LEFT JOIN users p ON p.id = t.person_id \
         LEFT JOIN units n ON n.id = t.unit_id WHERE t.incident_id = $1 ORDER BY t.id",
    )
    .bind(id);
    let timeline: Vec<Value> = db
        .timed(q.fetch_all(db.read()))
        .await?
        .iter()
        .map(|r| {
            Ok(json!({
                "at": r.try_get::<Millis, _>("at")?,
                "kind": r.try_get::<String, _>("kind")?,
                "detail": r.try_get::<String, _>("detail")?,
                "person": r.try_get::<Option<String>, _>("person")?,
                "unit": r.try_get::<Option<String>, _>("unit")?,
            }))
        })
        .collect::<sqlx::Result<_>>()?;
    v["timeline"] = json!(timeline);
    Ok(Some(v))
}

/// The unit path and current person told of incident `id`, for permission checks.
pub async fn scope(db: &Db, id: i64) -> sqlx::Result<Option<(String, Option<i64>, &'static str)>> {
    let sql = format!("{SELECT} WHERE i.id = $1");
    let row = db
        .timed(sqlx::query(&sql).bind(id).fetch_optional(db.read()))
        .await?;
    row.map(|r| Ok((r.try_get("unit_path")?, r.try_get("told_id")?, status(&r)?)))
        .transpose()
}
