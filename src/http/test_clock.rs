//! `POST /api/test/clock` with `{"advance_ms": n}`: moves a test server's clock on, so a
//! browser test sees a deadline pass without waiting for it. Compiled into debug builds only,
//! and served only by a server started with `BACKSTOP_TEST_CLOCK=1`.

use crate::clock::{Clock, OffsetClock};
use crate::error::{ApiJson, AppResult};
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    advance_ms: i64,
}

pub fn router(clock: Arc<OffsetClock>) -> Router {
    Router::new()
        .route("/api/test/clock", post(advance))
        .layer(Extension(clock))
}

async fn advance(
    Extension(clock): Extension<Arc<OffsetClock>>,
    ApiJson(body): ApiJson<Advance>,
) -> AppResult<Json<Value>> {
    clock.advance(body.advance_ms);
    Ok(Json(json!({ "now": clock.now() })))
}
