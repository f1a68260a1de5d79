//! The HTTP API over tickets. Changes made here reach live clients as events.

use super::service::{self, NewRequest, Outgoing, Search, Transfer};
use super::ticket::Move;
use super::{replies, Helpdesk};
use crate::auth::{Actor, Auth};
use crate::error::{ApiJson, AppError, AppResult};
use crate::org::catalogue;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRef, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
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
        .route("/api/catalogue", get(catalogue_list))
        .route("/api/units", get(units_list))
        .route("/api/tickets", get(list).post(create))
        .route("/api/tickets/{id}", get(show))
        .route("/api/tickets/{id}/messages", post(message))
        .route("/api/tickets/{id}/{action}", post(act))
        .route("/api/replies", get(replies_list).post(reply_add))
        .route("/api/replies/{id}", delete(reply_remove))
        .merge(super::knowledge::routes::router())
}

async fn replies_list(State(hd): State<Helpdesk>, actor: Actor) -> AppResult<Json<Value>> {
    let replies = replies::list(&hd.db, &actor).await?;
    Ok(Json(json!({ "replies": replies })))
}

async fn reply_add(
    State(hd): State<Helpdesk>,
    actor: Actor,
    ApiJson(body): ApiJson<replies::NewReply>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let reply = replies::add(&hd.db, &actor, body, hd.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "reply": reply }))))
}

async fn reply_remove(
    State(hd): State<Helpdesk>,
    actor: Actor,
    id: Result<Path<i64>, PathRejection>,
) -> AppResult<StatusCode> {
    let Path(id) = id.map_err(|_| AppError::NotFound("reply"))?;
    replies::remove(&hd.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The units in the person's subtree, for choosing one in a search.
async fn units_list(State(hd): State<Helpdesk>, actor: Actor) -> AppResult<Json<Value>> {
    let read = crate::org::repo::units_under(hd.db.read(), &actor.unit_path);
    let units: Vec<Value> = hd
        .db
        .timed(read)
        .await?
        .iter()
        .map(|u| json!({ "code": u.code, "name": u.name, "level": u.level, "path": u.path }))
        .collect();
    Ok(Json(json!({ "units": units })))
}

async fn catalogue_list() -> Json<Value> {
    Json(catalogue::to_json())
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    all: bool,
    /// The cursor of the previous page (`next` in its answer).
    #[serde(default)]
    after: Option<i64>,
    #[serde(default = "default_page")]
    limit: usize,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    item: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    handler: Option<String>,
    #[serde(default)]
    from: Option<i64>,
    #[serde(default)]
    until: Option<i64>,
}

fn default_page() -> usize {
    100
}

async fn list(
    State(hd): State<Helpdesk>,
    actor: Actor,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> AppResult<Json<Value>> {
    let Query(q) = query.map_err(|e| AppError::invalid("query", e.body_text()))?;
    let search = Search {
        q: q.q,
        unit: q.unit,
        item: q.item,
        state: q.state,
        handler: q.handler,
        from: q.from,
        until: q.until,
    };
    let (tickets, next) = service::list_page(&hd, &actor, q.all, &search, q.after, q.limit).await?;
    Ok(Json(json!({ "tickets": tickets, "next": next })))
}

async fn create(
    State(hd): State<Helpdesk>,
    actor: Actor,
    ApiJson(req): ApiJson<NewRequest>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let ticket = service::create(&hd, &actor, req).await?;
    Ok((StatusCode::CREATED, Json(json!({ "ticket": ticket }))))
}

#[derive(Deserialize)]
struct HistoryQuery {
    #[serde(default)]
    after_seq: i64,
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    500
}

fn ticket_id(path: Result<Path<i64>, PathRejection>) -> AppResult<i64> {
    path.map(|Path(id)| id)
        .map_err(|_| AppError::invalid("id", "ticket ids are whole numbers"))
}

async fn show(
    State(hd): State<Helpdesk>,
    actor: Actor,
    path: Result<Path<i64>, PathRejection>,
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> AppResult<Json<Value>> {
    let id = ticket_id(path)?;
    let Query(q) = query.map_err(|e| AppError::invalid("query", e.body_text()))?;
    let (ticket, events) = service::history(&hd, &actor, id, q.after_seq, q.limit).await?;
    Ok(Json(json!({ "ticket": ticket, "events": events })))
}

#[derive(Deserialize)]
struct MessageBody {
    #[serde(default)]
    text: String,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    internal: bool,
}

async fn message(
    State(hd): State<Helpdesk>,
    actor: Actor,
    path: Result<Path<i64>, PathRejection>,
    ApiJson(body): ApiJson<MessageBody>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let id = ticket_id(path)?;
    let msg = Outgoing {
        text: &body.text,
        client_id: body.client_id.as_deref(),
        file: body.file.as_deref(),
        internal: body.internal,
    };
    let posted = service::post_message(&hd, &actor, id, msg).await?;
    let status = if posted.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(json!({ "seq": posted.seq, "duplicate": posted.duplicate })),
    ))
}

async fn act(
    State(hd): State<Helpdesk>,
    actor: Actor,
    Path((id, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> AppResult<Json<Value>> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::invalid("id", "ticket ids are whole numbers"))?;
    if action == "rate" {
        let rating = serde_json::from_slice::<service::Rating>(&body)
            .map_err(|e| AppError::BadJson(e.to_string()))?;
        let ticket = service::rate(&hd, &actor, id, rating).await?;
        return Ok(Json(json!({ "ticket": ticket })));
    }
    let mv = match action.as_str() {
        "claim" => Move::Claim,
        "transfer" => Move::Transfer,
        "wait" => Move::Wait,
        "refer" => Move::Refer,
        "resume" => Move::Resume,
        "resolve" => Move::Resolve,
        "close" => Move::Close,
        "reopen" => Move::Reopen,
        _ => return Err(AppError::NotFound("action")),
    };
    let transfer = if body.is_empty() {
        Transfer::default()
    } else {
        serde_json::from_slice::<Transfer>(&body).map_err(|e| AppError::BadJson(e.to_string()))?
    };
    let ticket = service::apply(&hd, &actor, id, mv, transfer).await?;
    Ok(Json(json!({ "ticket": ticket })))
}
