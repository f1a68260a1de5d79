//! The alerting API: incidents of one's area (`GET /api/incidents[?days=N]`, one with its
//! timeline `GET /api/incidents/{id}`), acknowledged (`POST …/{id}/acknowledge`) and resolved
//! (`POST …/{id}/resolve`); Alertmanager's intake (`POST /api/integrations/alertmanager`); and
//! the units' webhooks (`GET`/`POST /api/alerting/webhooks`, `DELETE …/{id}`).

use super::alertmanager::{self, Payload};
use super::incident::{self, Which};
use super::{allowed, view, Alerting};
use crate::auth::Actor;
use crate::error::{ApiJson, AppError, AppResult};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRef, Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Alerting: FromRef<S>,
    crate::auth::Auth: FromRef<S>,
{
    Router::new()
        .route("/api/incidents", get(list))
        .route("/api/incidents/{id}", get(detail))
        .route("/api/incidents/{id}/acknowledge", post(acknowledge))
        .route("/api/incidents/{id}/resolve", post(resolve))
        .route("/api/integrations/alertmanager", post(intake))
        .route(
            "/api/alerting/webhooks",
            get(super::hooks::list).post(super::hooks::add),
        )
        .route("/api/alerting/webhooks/{id}", delete(super::hooks::remove))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Days {
    #[serde(default)]
    days: Option<i64>,
}

async fn list(
    State(alerting): State<Alerting>,
    actor: Actor,
    query: Result<Query<Days>, QueryRejection>,
) -> AppResult<Json<Value>> {
    let Query(q) = query.map_err(|e| AppError::invalid("query", e.body_text()))?;
    alerting.paces.admit(actor.id, alerting.clock.now())?;
    let days = q.days.unwrap_or(7).clamp(0, 90);
    let since = alerting.clock.now() - days * 86_400_000;
    let incidents = view::list(&alerting.db, &actor, since).await?;
    Ok(Json(json!({ "incidents": incidents })))
}

fn id(path: Result<Path<i64>, PathRejection>) -> AppResult<i64> {
    path.map(|Path(i)| i)
        .map_err(|_| AppError::NotFound("incident"))
}

async fn detail(
    State(alerting): State<Alerting>,
    actor: Actor,
    path: Result<Path<i64>, PathRejection>,
) -> AppResult<Json<Value>> {
    alerting.paces.admit(actor.id, alerting.clock.now())?;
    match view::detail(&alerting.db, &actor, id(path)?).await? {
        Some(v) => Ok(Json(json!({ "incident": v }))),
        None => Err(AppError::NotFound("incident")),
    }
}

/// Incident `id` if `actor` may act on it; outside their area it does not exist for them.
async fn actionable(alerting: &Alerting, actor: &Actor, id: i64) -> AppResult<()> {
    match view::scope(&alerting.db, id).await? {
        Some((path, told, _)) if allowed::may_act(actor, &path, told) => Ok(()),
        Some((path, _, _)) if allowed::may_view(actor, &path) => Err(AppError::Forbidden),
        _ => Err(AppError::NotFound("incident")),
    }
}

async fn acknowledge(
    State(alerting): State<Alerting>,
    actor: Actor,
    path: Result<Path<i64>, PathRejection>,
) -> AppResult<Json<Value>> {
    let id = id(path)?;
    actionable(&alerting, &actor, id).await?;
    incident::acknowledge(&alerting, id, actor.id).await?;
    Ok(Json(
        json!({ "incident": view::detail(&alerting.db, &actor, id).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Resolution {
    #[serde(default)]
    note: String,
}

async fn resolve(
    State(alerting): State<Alerting>,
    actor: Actor,
    path: Result<Path<i64>, PathRejection>,
    ApiJson(body): ApiJson<Resolution>,
) -> AppResult<Json<Value>> {
    let id = id(path)?;
    if body.note.chars().count() > 500 {
        return Err(AppError::TooLong {
            field: "note",
            max: 500,
        });
    }
    actionable(&alerting, &actor, id).await?;
    let now = alerting.clock.now();
    if incident::resolve(&alerting, Which::Id(id), Some(actor.id), &body.note, now)
        .await?
        .is_none()
    {
        return Err(AppError::InvalidState("该事件已恢复".into()));
    }
    Ok(Json(
        json!({ "incident": view::detail(&alerting.db, &actor, id).await? }),
    ))
}

async fn intake(
    State(alerting): State<Alerting>,
    headers: HeaderMap,
    body: Result<ApiJson<Payload>, AppError>,
) -> AppResult<Json<Value>> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    alertmanager::authorised(&alerting, bearer)?;
    let ApiJson(payload) = body?;
    let taken = alertmanager::take(&alerting, payload).await?;
    Ok(Json(json!(taken)))
}
