//! The one source of "now". Deadlines (session expiry, and later SLA and escalation clocks) read
//! this clock, so tests move time forward instead of sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch.
mod shift;

pub use shift::Shift;

pub type Millis = i64;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Millis;
}

/// Wall-clock time.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Millis {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the system clock is after 1970");
        i64::try_from(since.as_millis())
            .expect("milliseconds fit in i64 until the year 292 million")
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(start: Millis) -> Self {
        Self(AtomicI64::new(start))
    }

    pub fn advance(&self, by: std::time::Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.0.fetch_add(by, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}

/// Wall-clock time moved on by hand: the clock of a debug server started for browser tests
/// (`BACKSTOP_TEST_CLOCK=1`), whose deadlines a test reaches without waiting for them.
#[derive(Debug, Default)]
pub struct OffsetClock(AtomicI64);

impl OffsetClock {
    pub fn advance(&self, by_ms: Millis) {
        self.0.fetch_add(by_ms.max(0), Ordering::SeqCst);
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> Millis {
        SystemClock
            .now()
            .saturating_add(self.0.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = ManualClock::new(1_000);
        assert_eq!(clock.now(), 1_000);
        clock.advance(Duration::from_secs(2));
        assert_eq!(clock.now(), 3_000);
    }
}
