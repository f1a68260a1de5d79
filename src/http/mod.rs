//! The HTTP surface that belongs to no capability: health and metrics endpoints, the embedded
//! console, the fallback, body limits and latency tracking. The application merges the
//! capabilities' routes with these.

pub mod assets;
mod idle;
pub mod latency;
pub mod origin;
pub mod server;
#[cfg(debug_assertions)]
pub mod test_clock;

use crate::db::Db;
use crate::metrics::Metrics;
use axum::extract::{DefaultBodyLimit, FromRef, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use latency::HttpMetrics;
use serde_json::json;
use std::sync::Arc;

/// JSON request bodies larger than this are refused with 413.
const BODY_LIMIT: usize = 256 * 1024;

pub fn router<S>(demo: bool) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Db: FromRef<S>,
    Arc<Metrics>: FromRef<S>,
    Scraper: FromRef<S>,
{
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(scrape))
        .merge(assets::router(demo))
        .fallback(not_found)
}

/// The layers every route gets: cookie-borne changes only from our own pages, the body limit,
/// and latency by route.
pub fn layered(router: Router, metrics: Arc<HttpMetrics>, scheme: origin::Scheme) -> Router {
    router
        .layer(axum::middleware::from_fn_with_state(
            scheme,
            origin::same_site_only,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            latency::track,
        ))
}

/// 200 while the database takes writes; 503 with the reason while it cannot.
async fn healthz(State(db): State<Db>) -> Response {
    match db.writable().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ok", "database": "ok" })),
        )
            .into_response(),
        Err(fault) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({
                "status": "unavailable",
                "database": fault.as_str(),
                "reason": format!("the database cannot be written: {fault}"),
            })),
        )
            .into_response(),
    }
}

/// Who may scrape: Prometheus, with the configured bearer token.
#[derive(Clone)]
pub struct Scraper {
    pub token: Option<Arc<str>>,
}

async fn scrape(
    State(metrics): State<Arc<Metrics>>,
    State(scraper): State<Scraper>,
    headers: axum::http::HeaderMap,
) -> Response {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let allowed = match (&scraper.token, given) {
        (Some(token), Some(given)) => same_secret(token.as_bytes(), given.trim().as_bytes()),
        _ => false,
    };
    if !allowed {
        return crate::error::AppError::Unauthenticated.into_response();
    }
    match metrics.render().await {
        Ok(text) => ([(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], text).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "metrics: encoding failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Compares without telling, by its timing, how much of a guess was right.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn not_found() -> crate::error::AppError {
    crate::error::AppError::NotFound("page")
}
