//! `GET /ws`: the WebSocket upgrade, with buffer sizes chosen for tens of thousands of sockets;
//! and `GET /api/tickets/{id}/candidates`, the experts a ticket could go to with whether each is
//! connected and on duty now, which only the live side knows.

use super::Live;
use crate::auth::actor::{token_from_headers, token_source, TokenSource};
use crate::auth::Actor;
use crate::error::AppError;
use crate::helpdesk::service;
use crate::http::origin::{same_origin, Scheme};
use axum::extract::rejection::PathRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRef, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use futures_util::StreamExt;
use serde_json::{json, Value};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Live: FromRef<S>,
    crate::auth::Auth: FromRef<S>,
{
    Router::new()
        .route("/ws", get(upgrade))
        .route("/api/tickets/{id}/candidates", get(candidates))
}

async fn candidates(
    State(live): State<Live>,
    actor: Actor,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Value>, AppError> {
    let Path(id) = id.map_err(|_| AppError::invalid("id", "ticket ids are whole numbers"))?;
    let (found, groups) = service::candidates(&live.helpdesk, &actor, id).await?;
    let ids: Vec<i64> = found.iter().map(|c| c.id).collect();
    let presence = live.hub.presence_of(&ids);
    let listed: Vec<Value> = found
        .iter()
        .zip(presence)
        .map(|(c, p)| json!({ "id": c.id, "display_name": c.display_name, "unit_name": c.unit_name, "group_name": c.group_name, "presence": p.status }))
        .collect();
    Ok(Json(json!({ "candidates": listed, "groups": groups })))
}

async fn upgrade(
    State(live): State<Live>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    // A browser sends the session cookie on a cross-site upgrade too: only our own pages may
    // ride on it, whatever else the request carries.
    let scheme = Scheme {
        https: live.auth.settings.cookie_secure,
    };
    if token_source(&headers) == Some(TokenSource::Cookie) && !same_origin(&headers, scheme) {
        return Err(AppError::CrossSite);
    }
    let actor = match token_from_headers(&headers) {
        Some(token) => Some(Actor::from_token(&live.auth, &token).await?),
        None => None,
    };
    let limits = &live.settings;
    // tungstenite reserves 128 KiB for reading and writing by default; most frames here are
    // under 1 KiB, so small buffers let one server hold many more sockets.
    let ws = ws
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        // Room for the largest frame the server writes (a snapshot page of about 256 KiB).
        .max_write_buffer_size(1024 * 1024)
        .max_message_size(limits.max_frame_bytes)
        .max_frame_size(limits.max_frame_bytes);
    Ok(ws.on_upgrade(move |socket| async move {
        let (sink, stream) = socket.split();
        crate::live::conn::serve(live, sink, stream, actor).await;
    }))
}
