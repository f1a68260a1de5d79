//! The HTTP surface: the router that merges each capability's routes, static assets, the
//! health and metrics endpoints, and request tracing.

pub mod assets;
pub mod json;
pub mod metrics;

use crate::app::AppState;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

/// JSON request bodies larger than this are refused with 413.
const BODY_LIMIT: usize = 256 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(crate::auth::routes::router())
        .merge(crate::helpdesk::routes::router())
        .merge(crate::helpdesk::files::router(
            state.settings.max_upload_bytes,
        ))
        .merge(crate::live::routes::router())
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::scrape))
        .merge(assets::router())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ok", "database": "ok" })),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "unreachable" })),
            )
        }
    }
}

async fn not_found() -> crate::error::AppError {
    crate::error::AppError::NotFound("page")
}
