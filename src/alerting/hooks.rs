//! A unit's outbound webhooks, managed by administrators and ops staff of its area: listed with
//! their last delivery and failures, added (`wecom`, `dingtalk`, `json`), removed.

use super::webhooks::Format;
use super::Alerting;
use crate::auth::jurisdiction::covers;
use crate::auth::Actor;
use crate::error::{ApiJson, AppError, AppResult};
use crate::org::Role;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::Row;

fn may_manage(actor: &Actor) -> AppResult<()> {
    match actor.role {
        Role::Admin | Role::Ops => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

pub async fn list(State(alerting): State<Alerting>, actor: Actor) -> AppResult<Json<Value>> {
    may_manage(&actor)?;
    let db = &alerting.db;
    let q = sqlx::query(
        "SELECT w.id, w.kind, w.url, w.enabled, u.code, u.name, u.path, \
         (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id \
          AND d.status = 'failed') AS failed, \
         (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id \
          AND d.status = 'pending') AS pending, \
         (SELECT MAX(d.delivered_at) FROM webhook_deliveries d WHERE d.webhook_id = w.id) \
          AS last_delivered_at \
         FROM webhooks w JOIN units u ON u.id = w.unit_id ORDER BY u.path, w.id",
    );
    let mut out = Vec::new();
    for r in db.timed(q.fetch_all(db.read())).await? {
        if !covers(&actor, &r.try_get::<String, _>("path")?) {
            continue;
        }
        let id: i64 = r.try_get("id")?;
        let e = sqlx::query(
            "SELECT last_error FROM webhook_deliveries WHERE webhook_id = $1 \
             AND last_error <> '' ORDER BY id DESC LIMIT 1",
        )
        .bind(id);
        let last_error: Option<String> = db
            .timed(e.fetch_optional(db.read()))
            .await?
            .map(|r| r.try_get("last_error"))
            .transpose()?;
        out.push(json!({
            "id": id, "kind": r.try_get::<String, _>("kind")?, "url": r.try_get::<String, _>("url")?,
            "enabled": r.try_get::<i64, _>("enabled")? != 0,
            "unit": { "code": r.try_get::<String, _>("code")?, "name": r.try_get::<String, _>("name")? },
            "failed": r.try_get::<i64, _>("failed")?, "pending": r.try_get::<i64, _>("pending")?,
            "last_delivered_at": r.try_get::<Option<i64>, _>("last_delivered_at")?,
            "last_error": last_error,
        }));
    }
    Ok(Json(json!({ "webhooks": out })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewHook {
    pub unit: String,
    pub kind: String,
    pub url: String,
}

pub async fn add(
    State(alerting): State<Alerting>,
    actor: Actor,
    ApiJson(body): ApiJson<NewHook>,
) -> AppResult<(StatusCode, Json<Value>)> {
    may_manage(&actor)?;
    if Format::parse(&body.kind).is_none() {
        return Err(AppError::invalid("kind", "wecom, dingtalk or json"));
    }
    let url_ok = body.url.starts_with("https://") || body.url.starts_with("http://");
    if !url_ok || body.url.len() > 2000 || body.url.parse::<hyper::Uri>().is_err() {
        return Err(AppError::invalid("url", "an http:// or https:// address"));
    }
    let db = &alerting.db;
    let q = sqlx::query("SELECT id, path FROM units WHERE code = $1").bind(&body.unit);
    let unit: i64 = match db.timed(q.fetch_optional(db.read())).await? {
        Some(r) if covers(&actor, &r.try_get::<String, _>("path")?) => r.try_get("id")?,
        _ => return Err(AppError::invalid("unit", "no such unit in your area")),
    };
    let now = alerting.clock.now();
    let q = sqlx::query(
        "INSERT INTO webhooks (unit_id, kind, url, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(unit)
    .bind(&body.kind)
    .bind(&body.url)
    .bind(now);
    let id: i64 = db
        .write(async {
            let mut tx = db.begin().await?;
            let row = q.fetch_one(&mut *tx).await?;
            tx.commit().await?;
            row.try_get("id")
        })
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

pub async fn remove(
    State(alerting): State<Alerting>,
    actor: Actor,
    path: Result<Path<i64>, PathRejection>,
) -> AppResult<StatusCode> {
    may_manage(&actor)?;
    let id = path
        .map(|Path(i)| i)
        .map_err(|_| AppError::NotFound("webhook"))?;
    let db = &alerting.db;
    let q = sqlx::query(
        "SELECT u.path FROM webhooks w JOIN units u ON u.id = w.unit_id WHERE w.id = $1",
    )
    .bind(id);
    match db.timed(q.fetch_optional(db.read())).await? {
        Some(r) if covers(&actor, &r.try_get::<String, _>("path")?) => {}
        _ => return Err(AppError::NotFound("webhook")),
    }
    // Kept messages still name it: it is switched off, not deleted.
    db.execute(sqlx::query("UPDATE webhooks SET enabled = 0 WHERE id = $1").bind(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
