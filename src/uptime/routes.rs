//! The uptime API: the monitors of one's area (`GET /api/uptime/monitors[?monitor=KEY]`), a
//! monitor added (`POST /api/uptime/monitors`), changed (`PUT …/{key}`), stopped and started
//! again (`POST …/{key}/pause`, `…/resume`), and its maintenance windows
//! (`POST /api/uptime/monitors/{key}/maintenance`, `DELETE /api/uptime/maintenance/{id}`).

use super::maintenance::NewWindow;
use super::monitor::NewMonitor;
use super::{allowed, board, manage, store, Uptime};
use crate::auth::jurisdiction::covers;
use crate::auth::Actor;
use crate::error::{ApiJson, AppError, AppResult};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRef, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::Row;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Uptime: FromRef<S>,
    crate::auth::Auth: FromRef<S>,
{
    Router::new()
        .route("/api/uptime/monitors", get(list).post(add))
        .route("/api/uptime/monitors/{key}", put(change))
        .route("/api/uptime/monitors/{key}/pause", post(pause))
        .route("/api/uptime/monitors/{key}/resume", post(resume))
        .route("/api/uptime/monitors/{key}/maintenance", post(add_window))
        .route("/api/uptime/maintenance/{id}", delete(remove_window))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Which {
    #[serde(default)]
    monitor: Option<String>,
}

async fn list(
    State(uptime): State<Uptime>,
    actor: Actor,
    query: Result<Query<Which>, QueryRejection>,
) -> AppResult<Json<Value>> {
    let Query(q) = query.map_err(|e| AppError::invalid("query", e.body_text()))?;
    uptime.paces.admit(actor.id, uptime.clock.now())?;
    Ok(Json(
        board::read(&uptime, &actor, q.monitor.as_deref()).await?,
    ))
}

/// The unit `code`, if `actor` manages monitors in an area holding it.
async fn unit_managed(uptime: &Uptime, actor: &Actor, code: &str) -> AppResult<i64> {
    if !allowed::may_manage(actor) {
        return Err(AppError::Forbidden);
    }
    let q = sqlx::query("SELECT id, path FROM units WHERE code = $1").bind(code);
    let db = &uptime.db;
    match db.timed(q.fetch_optional(db.read())).await? {
        Some(r) if covers(actor, &r.try_get::<String, _>("path")?) => Ok(r.try_get("id")?),
        _ => Err(AppError::invalid("unit", "no such unit in your area")),
    }
}

async fn add(
    State(uptime): State<Uptime>,
    actor: Actor,
    ApiJson(body): ApiJson<NewMonitor>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let unit = unit_managed(&uptime, &actor, &body.unit).await?;
    body.check()?;
    let now = uptime.clock.now();
    let detail = format!("{} {}", body.kind.as_str(), body.target);
    let record = audit(&actor, "monitor_added", &body.key, detail);
    let Some(id) = store::insert(&uptime.db, &body, unit, now, &record).await? else {
        return Err(AppError::Conflict(format!("monitor {} exists", body.key)));
    };
    uptime.reload().await;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "key": body.key })),
    ))
}

/// A monitor of `actor`'s area they manage, by key: its id.
async fn monitor_managed(uptime: &Uptime, actor: &Actor, key: &str) -> AppResult<i64> {
    if !allowed::may_manage(actor) {
        return Err(AppError::Forbidden);
    }
    let q = sqlx::query(
        "SELECT m.id, u.path FROM monitors m JOIN units u ON u.id = m.unit_id WHERE m.key = $1",
    )
    .bind(key);
    let db = &uptime.db;
    match db.timed(q.fetch_optional(db.read())).await? {
        Some(r) if covers(actor, &r.try_get::<String, _>("path")?) => Ok(r.try_get("id")?),
        _ => Err(AppError::NotFound("monitor")),
    }
}

async fn add_window(
    State(uptime): State<Uptime>,
    actor: Actor,
    path: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<NewWindow>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let key = path
        .map(|Path(k)| k)
        .map_err(|_| AppError::NotFound("monitor"))?;
    let monitor = monitor_managed(&uptime, &actor, &key).await?;
    let window = body.parse()?;
    let now = uptime.clock.now();
    let id = store::add_window(&uptime.db, monitor, &body.title, &window, actor.id, now).await?;
    uptime.reload().await;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

async fn remove_window(
    State(uptime): State<Uptime>,
    actor: Actor,
    path: Result<Path<i64>, PathRejection>,
) -> AppResult<StatusCode> {
    let id = path
        .map(|Path(i)| i)
        .map_err(|_| AppError::NotFound("window"))?;
    let q = sqlx::query(
        "SELECT m.key FROM maintenance_windows w JOIN monitors m ON m.id = w.monitor_id \
         WHERE w.id = $1",
    )
    .bind(id);
    let db = &uptime.db;
    let key: String = match db.timed(q.fetch_optional(db.read())).await? {
        Some(r) => r.try_get("key")?,
        None => return Err(AppError::NotFound("window")),
    };
    monitor_managed(&uptime, &actor, &key).await?;
    if !store::remove_window(db, id).await? {
        return Err(AppError::NotFound("window"));
    }
    uptime.reload().await;
    Ok(StatusCode::NO_CONTENT)
}

fn audit(actor: &Actor, kind: &'static str, key: &str, detail: String) -> crate::trail::Record {
    crate::trail::Record {
        kind,
        actor_id: Some(actor.id),
        actor: actor.username.clone(),
        unit_path: actor.unit_path.clone(),
        subject: key.to_string(),
        detail,
        ..crate::trail::Record::default()
    }
}

fn key(path: Result<Path<String>, PathRejection>) -> AppResult<String> {
    path.map(|Path(k)| k)
        .map_err(|_| AppError::NotFound("monitor"))
}

async fn change(
    State(uptime): State<Uptime>,
    actor: Actor,
    path: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<NewMonitor>,
) -> AppResult<Json<Value>> {
    let key = key(path)?;
    let id = monitor_managed(&uptime, &actor, &key).await?;
    if body.key != key {
        return Err(AppError::invalid("key", "a monitor's key does not change"));
    }
    let unit = unit_managed(&uptime, &actor, &body.unit).await?;
    body.check()?;
    let detail = format!("{} {}", body.kind.as_str(), body.target);
    let record = audit(&actor, "monitor_changed", &key, detail);
    let now = uptime.clock.now();
    manage::update(&uptime.db, id, &body, unit, now, &record).await?;
    uptime.reload().await;
    Ok(Json(json!({ "key": key })))
}

async fn set_paused(
    uptime: &Uptime,
    actor: &Actor,
    key: &str,
    paused: bool,
) -> AppResult<Json<Value>> {
    let id = monitor_managed(uptime, actor, key).await?;
    let kind = if paused {
        "monitor_paused"
    } else {
        "monitor_resumed"
    };
    let record = audit(actor, kind, key, String::new());
    let now = uptime.clock.now();
    if !manage::set_paused(&uptime.db, id, paused, now, &record).await? {
        let state = if paused { "已停用" } else { "未停用" };
        return Err(AppError::InvalidState(format!("该监测{state}")));
    }
    uptime.reload().await;
    Ok(Json(json!({ "key": key, "paused": paused })))
}

async fn pause(
    State(uptime): State<Uptime>,
    actor: Actor,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<Json<Value>> {
    set_paused(&uptime, &actor, &key(path)?, true).await
}

async fn resume(
    State(uptime): State<Uptime>,
    actor: Actor,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<Json<Value>> {
    set_paused(&uptime, &actor, &key(path)?, false).await
}
