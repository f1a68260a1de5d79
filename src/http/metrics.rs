//! Prometheus metrics: live connections, messages, tickets by state, HTTP latency by route.
//! Each application owns its registry, so tests running side by side do not mix counts.

use crate::app::AppState;
use crate::helpdesk::repo;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use std::time::Instant;

pub struct Metrics {
    registry: Registry,
    pub live_connections: IntGauge,
    pub messages: IntCounter,
    pub tickets_created: IntCounter,
    pub slow_disconnects: IntCounter,
    pub journal_group_size: Histogram,
    tickets: IntGaugeVec,
    http_seconds: HistogramVec,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let live_connections =
            IntGauge::new("backstop_live_connections", "Open WebSocket connections")
                .expect("valid metric");
        let messages = IntCounter::new("backstop_messages_total", "Chat messages stored")
            .expect("valid metric");
        let tickets_created =
            IntCounter::new("backstop_tickets_created_total", "Help requests raised")
                .expect("valid metric");
        let slow_disconnects = IntCounter::new(
            "backstop_slow_disconnects_total",
            "Connections closed because they did not read their frames",
        )
        .expect("valid metric");
        let journal_group_size = Histogram::with_opts(
            HistogramOpts::new(
                "backstop_journal_group_size",
                "Messages committed per transaction",
            )
            .buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]),
        )
        .expect("valid metric");
        let tickets = IntGaugeVec::new(
            Opts::new("backstop_tickets", "Tickets by state"),
            &["state"],
        )
        .expect("valid metric");
        let http_seconds = HistogramVec::new(
            HistogramOpts::new(
                "backstop_http_request_duration_seconds",
                "HTTP latency by route",
            ),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        for c in [
            Box::new(live_connections.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(messages.clone()),
            Box::new(tickets_created.clone()),
            Box::new(slow_disconnects.clone()),
            Box::new(journal_group_size.clone()),
            Box::new(tickets.clone()),
            Box::new(http_seconds.clone()),
        ] {
            registry.register(c).expect("metric names are unique");
        }
        Self {
            registry,
            live_connections,
            messages,
            tickets_created,
            slow_disconnects,
            journal_group_size,
            tickets,
            http_seconds,
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Records each request's latency under its route pattern (never the raw path).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().to_string();
    let start = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    state
        .metrics
        .http_seconds
        .with_label_values(&[method.as_str(), route.as_str(), status.as_str()])
        .observe(start.elapsed().as_secs_f64());
    response
}

pub async fn scrape(State(state): State<AppState>) -> Response {
    match repo::count_by_state(state.db.read()).await {
        Ok(counts) => {
            state.metrics.tickets.reset();
            for s in crate::helpdesk::ticket::TicketState::ALL {
                state
                    .metrics
                    .tickets
                    .with_label_values(&[s.as_str()])
                    .set(0);
            }
            for (s, n) in counts {
                state
                    .metrics
                    .tickets
                    .with_label_values(&[s.as_str()])
                    .set(n);
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: cannot count tickets"),
    }
    let mut out = Vec::new();
    if let Err(e) = TextEncoder::new().encode(&state.metrics.registry.gather(), &mut out) {
        tracing::error!(error = %e, "metrics: encoding failed");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], out).into_response()
}
