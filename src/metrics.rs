//! The metric registry every part of Backstop registers its own metrics in, and the hooks that
//! refresh gauges just before a scrape. It knows no capability: each one names, registers and
//! refreshes its own. Each application owns its registry, so tests running side by side do not
//! mix counts.

use futures_util::future::BoxFuture;
use prometheus::core::Collector;
use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntGauge, Opts, Registry, TextEncoder,
};
use std::sync::{Arc, Mutex};

/// Refreshes some gauges from their source before the registry is read.
pub type ScrapeHook = Arc<dyn Fn() -> BoxFuture<'static, ()> + Send + Sync>;

#[derive(Default)]
pub struct Metrics {
    registry: Registry,
    hooks: Mutex<Vec<ScrapeHook>>,
}

impl Metrics {
    /// A registry holding the process's file descriptors, open and allowed (Prometheus'
    /// usual `process_open_fds` and `process_max_fds`): connections end where they do.
    pub fn new() -> Self {
        let metrics = Self::default();
        let open = metrics.gauge("process_open_fds", "Number of open file descriptors");
        let max = metrics.gauge("process_max_fds", "Maximum number of open file descriptors");
        metrics.on_scrape(Arc::new(move || {
            let (open, max) = (open.clone(), max.clone());
            Box::pin(async move {
                if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
                    open.set(i64::try_from(fds.count()).unwrap_or(i64::MAX));
                }
                max.set(descriptor_limit());
            })
        }));
        metrics
    }

    /// Registers `metric`; names are fixed in the code, so a clash is a programming error.
    pub fn register<C: Collector + Clone + 'static>(&self, metric: C) -> C {
        self.registry
            .register(Box::new(metric.clone()))
            .expect("metric names are unique");
        metric
    }

    pub fn counter(&self, name: &str, help: &str) -> IntCounter {
        self.register(IntCounter::new(name, help).expect("valid metric"))
    }

    pub fn gauge(&self, name: &str, help: &str) -> IntGauge {
        self.register(IntGauge::new(name, help).expect("valid metric"))
    }

    pub fn histogram(&self, name: &str, help: &str, buckets: Vec<f64>) -> Histogram {
        let opts = HistogramOpts::new(name, help).buckets(buckets);
        self.register(Histogram::with_opts(opts).expect("valid metric"))
    }

    pub fn opts(name: &str, help: &str) -> Opts {
        Opts::new(name, help)
    }

    pub fn on_scrape(&self, hook: ScrapeHook) {
        self.hooks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(hook);
    }

    /// Runs the scrape hooks, then encodes everything in the Prometheus text format.
    pub async fn render(&self) -> Result<Vec<u8>, prometheus::Error> {
        let hooks: Vec<ScrapeHook> = self.hooks.lock().unwrap_or_else(|p| p.into_inner()).clone();
        for hook in hooks {
            hook().await;
        }
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        Ok(out)
    }
}

/// The soft limit on open file descriptors.
fn descriptor_limit() -> i64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes only into the struct it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return 0;
    }
    i64::try_from(limit.rlim_cur).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hooks_run_before_the_registry_is_read() {
        let m = Metrics::new();
        let g = m.gauge("backstop_test_gauge", "a gauge");
        let set = g.clone();
        m.on_scrape(Arc::new(move || {
            let g = set.clone();
            Box::pin(async move { g.set(7) })
        }));
        let text = String::from_utf8(m.render().await.unwrap()).unwrap();
        assert!(text.contains("backstop_test_gauge 7"));
    }
}
