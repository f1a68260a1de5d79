//! The live side's metrics: open connections and those closed for not reading.

use crate::metrics::Metrics;
use prometheus::{IntCounter, IntGauge};
use std::sync::Arc;

pub struct LiveMetrics {
    pub connections: IntGauge,
    pub slow_disconnects: IntCounter,
}

impl LiveMetrics {
    pub fn register(metrics: &Metrics) -> Arc<Self> {
        Arc::new(Self {
            connections: metrics.gauge("backstop_live_connections", "Open WebSocket connections"),
            slow_disconnects: metrics.counter(
                "backstop_slow_disconnects_total",
                "Connections closed because they did not read their frames",
            ),
        })
    }
}
