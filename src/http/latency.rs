//! HTTP latency by route, recorded under the route pattern (never the raw path).

use crate::metrics::Metrics;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{HistogramOpts, HistogramVec};
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone)]
pub struct HttpMetrics {
    seconds: HistogramVec,
}

impl HttpMetrics {
    pub fn register(metrics: &Metrics) -> Arc<Self> {
        let opts = HistogramOpts::new(
            "backstop_http_request_duration_seconds",
            "HTTP latency by route",
        );
        let seconds =
            HistogramVec::new(opts, &["method", "route", "status"]).expect("valid metric");
        Arc::new(Self {
            seconds: metrics.register(seconds),
        })
    }
}

pub async fn track(State(m): State<Arc<HttpMetrics>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().to_string();
    let start = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    m.seconds
        .with_label_values(&[method.as_str(), route.as_str(), status.as_str()])
        .observe(start.elapsed().as_secs_f64());
    response
}
