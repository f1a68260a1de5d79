//! The duty API: `GET /api/duty/matrix[?unit=CODE]`, the checklist and today's check of a unit
//! (`GET`/`POST /api/duty/checks/{code}`, its own checklist `PUT …/items`), a unit's history of responsibility
//! (`GET /api/duty/units/{code}/history`), its rotations and overrides (`…/roster`, an override
//! added with `POST …/overrides` and withdrawn with `DELETE /api/duty/overrides/{id}`), and the spreadsheet round trip
//! (`GET`/`POST /api/duty/matrix.csv`, `/api/duty/rosters.csv`).

use super::arrange::{self, NewOverride};
use super::checks::{self, Completion, OwnItems};
use super::sheets;
use super::{matrix, Duty};
use crate::auth::Actor;
use crate::error::{ApiJson, AppError, AppResult};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRef, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::Row;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Duty: FromRef<S>,
    crate::auth::Auth: FromRef<S>,
{
    Router::new()
        .route("/api/duty/matrix", get(show))
        .route("/api/duty/matrix.csv", get(matrix_csv).post(matrix_import))
        .route(
            "/api/duty/rosters.csv",
            get(rosters_csv).post(rosters_import),
        )
        .route("/api/duty/checks/{code}", get(checklist).post(complete))
        .route("/api/duty/checks/{code}/items", put(set_items))
        .route("/api/duty/units/{code}/history", get(history))
        .route("/api/duty/units/{code}/roster", get(roster))
        .route("/api/duty/units/{code}/overrides", post(add_override))
        .route("/api/duty/overrides/{id}", delete(remove_override))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Which {
    #[serde(default)]
    unit: Option<String>,
}

async fn show(
    State(duty): State<Duty>,
    actor: Actor,
    query: Result<Query<Which>, QueryRejection>,
) -> AppResult<Json<Value>> {
    let Query(q) = query.map_err(|e| AppError::invalid("query", e.body_text()))?;
    duty.paced(actor.id)?;
    let m = matrix::read(&duty, &actor, q.unit.as_deref()).await?;
    Ok(Json(json!({ "matrix": m })))
}

fn code(path: Result<Path<String>, PathRejection>) -> AppResult<String> {
    path.map(|Path(c)| c)
        .map_err(|_| AppError::NotFound("unit"))
}

async fn checklist(
    State(duty): State<Duty>,
    actor: Actor,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<Json<Value>> {
    duty.paced(actor.id)?;
    let check = checks::show(&duty, &actor, &code(path)?).await?;
    Ok(Json(json!({ "check": check })))
}

async fn complete(
    State(duty): State<Duty>,
    actor: Actor,
    path: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<Completion>,
) -> AppResult<(StatusCode, Json<Value>)> {
    duty.paced(actor.id)?;
    let done = checks::complete(&duty, &actor, &code(path)?, body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "check": done }))))
}

async fn set_items(
    State(duty): State<Duty>,
    actor: Actor,
    path: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<OwnItems>,
) -> AppResult<Json<Value>> {
    duty.paced(actor.id)?;
    let items = checks::set_items(&duty, &actor, &code(path)?, body).await?;
    Ok(Json(json!({ "items": items })))
}

async fn roster(
    State(duty): State<Duty>,
    actor: Actor,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<Json<Value>> {
    duty.paced(actor.id)?;
    let arrangement = arrange::show(&duty, &actor, &code(path)?).await?;
    Ok(Json(json!({ "roster": arrangement })))
}

async fn add_override(
    State(duty): State<Duty>,
    actor: Actor,
    path: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<NewOverride>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let id = arrange::add_override(&duty, &actor, &code(path)?, body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

async fn remove_override(
    State(duty): State<Duty>,
    actor: Actor,
    id: Result<Path<i64>, PathRejection>,
) -> AppResult<StatusCode> {
    let Path(id) = id.map_err(|_| AppError::NotFound("override"))?;
    arrange::remove_override(&duty, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who answered for the unit, newest first.
async fn history(
    State(duty): State<Duty>,
    actor: Actor,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<Json<Value>> {
    duty.paced(actor.id)?;
    let (id, _) = duty.unit_in_area(&actor, &code(path)?).await?;
    let q = sqlx::query(
        "SELECT r.position, r.duties, r.began_at, r.ended_at, u.display_name, u.username \
         FROM duty_roles r JOIN users u ON u.id = r.person_id WHERE r.unit_id = $1 \
         ORDER BY r.began_at DESC, r.id DESC LIMIT 200",
    )
    .bind(id);
    let rows = duty.db.timed(q.fetch_all(duty.db.read())).await?;
    let history = rows
        .iter()
        .map(|r| {
            Ok(json!({
                "position": r.try_get::<String, _>("position")?,
                "person": r.try_get::<String, _>("display_name")?,
                "username": r.try_get::<String, _>("username")?,
                "duties": r.try_get::<String, _>("duties")?,
                "since": r.try_get::<i64, _>("began_at")?,
                "until": r.try_get::<Option<i64>, _>("ended_at")?,
            }))
        })
        .collect::<Result<Vec<Value>, sqlx::Error>>()?;
    Ok(Json(json!({ "history": history })))
}

fn csv_file(name: &str, text: String) -> Response {
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ),
    ];
    (headers, text).into_response()
}

async fn matrix_csv(State(duty): State<Duty>, actor: Actor) -> AppResult<Response> {
    duty.paced(actor.id)?;
    let text = sheets::matrix::export(&duty, &actor).await?;
    Ok(csv_file("duty-matrix.csv", text))
}

async fn rosters_csv(State(duty): State<Duty>, actor: Actor) -> AppResult<Response> {
    duty.paced(actor.id)?;
    let text = sheets::rosters::export(&duty, &actor).await?;
    Ok(csv_file("duty-rosters.csv", text))
}

async fn matrix_import(
    State(duty): State<Duty>,
    actor: Actor,
    body: axum::body::Bytes,
) -> AppResult<Json<Value>> {
    duty.paced(actor.id)?;
    let changed = sheets::matrix::import(&duty, &actor, &body).await?;
    Ok(Json(json!({ "changed": changed })))
}

async fn rosters_import(
    State(duty): State<Duty>,
    actor: Actor,
    body: axum::body::Bytes,
) -> AppResult<Json<Value>> {
    duty.paced(actor.id)?;
    let changed = sheets::rosters::import(&duty, &actor, &body).await?;
    Ok(Json(json!({ "changed": changed })))
}
