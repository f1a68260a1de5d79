//! `GET /api/board` and `GET /api/board.csv` (the supervisors' board of a unit: `?unit=CODE`,
//! their own by default) and `POST /api/reviews/{id}/close` (`{"outcome": "…"}`).

use super::board;
use crate::auth::Actor;
use crate::error::{ApiJson, AppError, AppResult};
use crate::helpdesk::Helpdesk;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRef, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Helpdesk: FromRef<S>,
    crate::auth::Auth: FromRef<S>,
{
    Router::new()
        .route("/api/board", get(show))
        .route("/api/board.csv", get(csv))
        .route("/api/reviews/{id}/close", post(close))
}

#[derive(Deserialize)]
struct Which {
    #[serde(default)]
    unit: Option<String>,
}

async fn read(
    hd: &Helpdesk,
    actor: &Actor,
    query: Result<Query<Which>, QueryRejection>,
) -> AppResult<board::Board> {
    let Query(q) = query.map_err(|e| AppError::invalid("query", e.body_text()))?;
    let unit = board::unit_for(hd, actor, q.unit.as_deref()).await?;
    board::board(hd, actor, unit).await
}

async fn show(
    State(hd): State<Helpdesk>,
    actor: Actor,
    query: Result<Query<Which>, QueryRejection>,
) -> AppResult<Json<Value>> {
    let board = read(&hd, &actor, query).await?;
    Ok(Json(json!({ "board": board })))
}

async fn csv(
    State(hd): State<Helpdesk>,
    actor: Actor,
    query: Result<Query<Which>, QueryRejection>,
) -> AppResult<Response> {
    let board = read(&hd, &actor, query).await?;
    let name = format!("attachment; filename=\"board-{}.csv\"", board.unit.code);
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
        (header::CONTENT_DISPOSITION, name),
    ];
    Ok((headers, board::csv(&board)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Closing {
    #[serde(default)]
    outcome: String,
}

async fn close(
    State(hd): State<Helpdesk>,
    actor: Actor,
    id: Result<Path<i64>, PathRejection>,
    ApiJson(body): ApiJson<Closing>,
) -> AppResult<StatusCode> {
    let Path(id) = id.map_err(|_| AppError::NotFound("review"))?;
    board::close_review(&hd, &actor, id, &body.outcome).await?;
    Ok(StatusCode::NO_CONTENT)
}
