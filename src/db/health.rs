//! Whether the database takes writes: the outcome of the latest write, kept so that
//! `/healthz` can say "cannot be written (disk full)" while that lasts, and a probe write when
//! nothing has been written for a while or the last write failed.

use super::fault::Fault;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A success younger than this answers the health check without a probe.
pub const FRESH: Duration = Duration::from_secs(10);

#[derive(Default)]
pub struct Health {
    state: Mutex<State>,
}

#[derive(Default, Clone, Copy)]
struct State {
    ok_at: Option<Instant>,
    fault: Option<Fault>,
}

impl Health {
    pub fn record(&self, outcome: Result<(), Fault>) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match outcome {
            Ok(()) => {
                s.ok_at = Some(Instant::now());
                s.fault = None;
            }
            Err(f) => s.fault = Some(f),
        }
    }

    /// `Some(Ok)` when a recent write succeeded and none failed since; `None` when only a
    /// probe can tell.
    pub fn known(&self) -> Option<Result<(), Fault>> {
        let s = *self.state.lock().unwrap_or_else(|p| p.into_inner());
        match (s.fault, s.ok_at) {
            (Some(_), _) => None,
            (None, Some(at)) if at.elapsed() < FRESH => Some(Ok(())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_needs_a_probe_and_a_success_clears_it() {
        let h = Health::default();
        assert_eq!(h.known(), None);
        h.record(Ok(()));
        assert_eq!(h.known(), Some(Ok(())));
        h.record(Err(Fault::Full));
        assert_eq!(h.known(), None);
        h.record(Ok(()));
        assert_eq!(h.known(), Some(Ok(())));
    }
}
