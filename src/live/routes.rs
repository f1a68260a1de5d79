//! `GET /ws`: the WebSocket upgrade, with buffer sizes chosen for tens of thousands of sockets.

use super::Live;
use crate::auth::actor::token_from_headers;
use crate::auth::Actor;
use crate::error::AppError;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRef, State};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use futures_util::StreamExt;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Live: FromRef<S>,
{
    Router::new().route("/ws", get(upgrade))
}

async fn upgrade(
    State(live): State<Live>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    // A browser sends the session cookie on a cross-site upgrade too: only our own pages may use it.
    let cookie_auth = headers.get(header::AUTHORIZATION).is_none();
    if cookie_auth && !same_origin(&headers) {
        return Err(AppError::Forbidden);
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

/// No Origin (a non-browser client) or an Origin whose host is this Host.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    matches!((origin_host, host), (Some(o), Some(h)) if o == h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_our_own_origin_may_ride_on_the_cookie() {
        let mut h = HeaderMap::new();
        assert!(same_origin(&h));
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(!same_origin(&h));
    }
}
