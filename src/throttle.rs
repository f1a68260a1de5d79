//! A token bucket on the application's clock: `burst` at once, then one more every
//! `refill_ms`. Sign-in failures per address and help requests per clerk are paced with it;
//! [`Paces`] keeps one bucket per person for reads that cost a whole area.

use crate::clock::Millis;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Clone, Copy, Debug)]
pub struct Bucket {
    tokens: f64,
    at: Millis,
}

impl Bucket {
    /// When it was last touched.
    pub fn at(&self) -> Millis {
        self.at
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Rate {
    pub burst: u32,
    pub refill_ms: Millis,
}

impl Rate {
    /// `burst` at once, then one more every `refill_ms` (as settings give them).
    pub fn new(burst: u32, refill_ms: u64) -> Self {
        Self {
            burst,
            refill_ms: i64::try_from(refill_ms).unwrap_or(i64::MAX),
        }
    }

    /// A full bucket, as of `now`.
    pub fn full(&self, now: Millis) -> Bucket {
        Bucket {
            tokens: f64::from(self.burst.max(1)),
            at: now,
        }
    }

    /// The bucket as it stands at `now`.
    pub fn refill(&self, b: Bucket, now: Millis) -> Bucket {
        let gained = (now - b.at).max(0) as f64 / self.refill_ms.max(1) as f64;
        Bucket {
            tokens: (b.tokens + gained).min(f64::from(self.burst.max(1))),
            at: now,
        }
    }

    /// Takes a token if there is one; else says how many seconds until there is.
    pub fn take(&self, b: &mut Bucket, now: Millis) -> Result<(), u64> {
        *b = self.refill(*b, now);
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            return Ok(());
        }
        Err(self.wait_secs(b))
    }

    /// Whole seconds until the next token (at least one).
    pub fn wait_secs(&self, b: &Bucket) -> u64 {
        let ms = (1.0 - b.tokens).max(0.0) * self.refill_ms.max(1) as f64;
        ((ms / 1000.0).ceil() as u64).max(1)
    }

    pub fn has_token(&self, b: Bucket, now: Millis) -> bool {
        self.refill(b, now).tokens >= 1.0
    }
}

/// One bucket per person, at one rate; forgotten once full again, so the map stays small.
#[derive(Clone)]
pub struct Paces {
    rate: Rate,
    buckets: Arc<Mutex<HashMap<i64, Bucket>>>,
}

impl Paces {
    pub fn new(rate: Rate) -> Self {
        Self {
            rate,
            buckets: Arc::default(),
        }
    }

    /// Takes one of `person`'s tokens at `now`; else the seconds until they may go on.
    pub fn take(&self, person: i64, now: Millis) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 10_000 {
            let rate = self.rate;
            buckets.retain(|_, b| !rate.has_token(*b, now) || now - b.at() < 60_000);
        }
        let bucket = buckets.entry(person).or_insert_with(|| self.rate.full(now));
        self.rate.take(bucket, now)
    }

    /// [`Paces::take`], refused as `429 rate_limited` with when to try again.
    pub fn admit(&self, person: i64, now: Millis) -> crate::error::AppResult<()> {
        self.take(person, now)
            .map_err(|retry_after_secs| crate::error::AppError::RateLimited { retry_after_secs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_per_interval() {
        let rate = Rate {
            burst: 2,
            refill_ms: 10_000,
        };
        let mut b = rate.full(0);
        assert!(rate.take(&mut b, 0).is_ok());
        assert!(rate.take(&mut b, 0).is_ok());
        assert_eq!(rate.take(&mut b, 0), Err(10));
        assert_eq!(rate.take(&mut b, 4_000), Err(6));
        assert!(rate.take(&mut b, 10_000).is_ok());
    }
}
