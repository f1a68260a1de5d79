//! The knowledge base's HTTP API: search, suggestions while typing, reading, writing (from a
//! ticket or from scratch), changing and removing articles, and counting what helped.

use super::super::Helpdesk;
use super::{counts, search, Fields};
use crate::auth::{Actor, Auth};
use crate::error::{ApiJson, AppError, AppResult};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRef, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Helpdesk: FromRef<S>,
    Auth: FromRef<S>,
{
    Router::new()
        .route("/api/knowledge", get(list).post(create))
        .route("/api/knowledge/suggest", get(suggest))
        .route(
            "/api/knowledge/{id}",
            get(show).patch(change).delete(remove),
        )
        .route("/api/knowledge/{id}/solved", post(solved))
        .route("/api/tickets/{id}/article", get(draft).post(from_ticket))
        .route("/api/tickets/{id}/helped", post(ticket_helped))
}

fn article_id(path: Result<Path<i64>, PathRejection>) -> AppResult<i64> {
    path.map(|Path(id)| id)
        .map_err(|_| AppError::NotFound("article"))
}

fn ticket_id(path: Result<Path<i64>, PathRejection>) -> AppResult<i64> {
    path.map(|Path(id)| id)
        .map_err(|_| AppError::invalid("id", "ticket ids are whole numbers"))
}

#[derive(Deserialize)]
struct Search {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    item: Option<String>,
    #[serde(default = "default_page")]
    limit: usize,
}

fn default_page() -> usize {
    20
}

fn search_query(query: Result<Query<Search>, QueryRejection>) -> AppResult<Search> {
    let Query(q) = query.map_err(|e| AppError::invalid("query", e.body_text()))?;
    Ok(q)
}

async fn list(
    State(hd): State<Helpdesk>,
    actor: Actor,
    query: Result<Query<Search>, QueryRejection>,
) -> AppResult<Json<Value>> {
    let q = search_query(query)?;
    let articles = search::articles(&hd, &actor, q.q.as_deref(), q.limit).await?;
    Ok(Json(
        json!({ "articles": articles, "may_write": super::may_write(&actor) }),
    ))
}

async fn suggest(
    State(hd): State<Helpdesk>,
    actor: Actor,
    query: Result<Query<Search>, QueryRejection>,
) -> AppResult<Json<Value>> {
    let q = search_query(query)?;
    let (articles, tickets) =
        search::suggest(&hd, &actor, q.q.as_deref(), q.item.as_deref()).await?;
    Ok(Json(json!({ "articles": articles, "tickets": tickets })))
}

async fn create(
    State(hd): State<Helpdesk>,
    actor: Actor,
    ApiJson(fields): ApiJson<Fields>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let article = super::create(&hd, &actor, fields).await?;
    Ok((StatusCode::CREATED, Json(json!({ "article": article }))))
}

/// The whole article; the first reading in a session counts as opening it.
async fn show(
    State(hd): State<Helpdesk>,
    actor: Actor,
    path: Result<Path<i64>, PathRejection>,
) -> AppResult<Json<Value>> {
    let id = article_id(path)?;
    let mut article = super::find(&hd, id).await?;
    if counts::opened(&hd, &actor, id).await? {
        article.opened += 1;
    }
    Ok(Json(json!({ "article": article.whole(&actor) })))
}

async fn change(
    State(hd): State<Helpdesk>,
    actor: Actor,
    path: Result<Path<i64>, PathRejection>,
    ApiJson(fields): ApiJson<Fields>,
) -> AppResult<Json<Value>> {
    let id = article_id(path)?;
    let article = super::change(&hd, &actor, id, fields).await?;
    Ok(Json(json!({ "article": article })))
}

async fn remove(
    State(hd): State<Helpdesk>,
    actor: Actor,
    path: Result<Path<i64>, PathRejection>,
) -> AppResult<StatusCode> {
    let id = article_id(path)?;
    super::remove(&hd, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn solved(
    State(hd): State<Helpdesk>,
    actor: Actor,
    path: Result<Path<i64>, PathRejection>,
) -> AppResult<Json<Value>> {
    let id = article_id(path)?;
    let counted = counts::solved(&hd, &actor, id).await?;
    Ok(Json(json!({ "counted": counted })))
}

async fn ticket_helped(
    State(hd): State<Helpdesk>,
    actor: Actor,
    path: Result<Path<i64>, PathRejection>,
) -> AppResult<Json<Value>> {
    let id = ticket_id(path)?;
    let counted = counts::ticket_solved(&hd, &actor, id).await?;
    Ok(Json(json!({ "counted": counted })))
}

async fn draft(
    State(hd): State<Helpdesk>,
    actor: Actor,
    path: Result<Path<i64>, PathRejection>,
) -> AppResult<Json<super::TicketArticle>> {
    let id = ticket_id(path)?;
    Ok(Json(super::draft_for(&hd, &actor, id).await?))
}

async fn from_ticket(
    State(hd): State<Helpdesk>,
    actor: Actor,
    path: Result<Path<i64>, PathRejection>,
    body: axum::body::Bytes,
) -> AppResult<(StatusCode, Json<Value>)> {
    let id = ticket_id(path)?;
    // An empty body takes everything from the ticket.
    let fields = match body.is_empty() {
        true => Fields::default(),
        false => serde_json::from_slice(&body).map_err(|e| AppError::BadJson(e.to_string()))?,
    };
    let article = super::from_ticket(&hd, &actor, id, fields).await?;
    Ok((StatusCode::CREATED, Json(json!({ "article": article }))))
}
