//! What one socket may send: frames other than chat messages (which wait for their commit one
//! by one anyway) at a steady rate with room for bursts, "typing" at most once per ticket every
//! two seconds (the rest are folded into
//! that one), presence changes a few at a time. A frame over the rate is refused with
//! `rate_limited`; a socket that keeps going after many refusals is closed with 4029. The
//! limits are per socket, so one flooding party never costs the other party its connection.

use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

const FRAMES_PER_SEC: f64 = 50.0;
const FRAMES_BURST: f64 = 200.0;
/// Refused frames in a row after which the socket is closed.
const REFUSALS_BEFORE_CLOSE: u32 = 100;
const TYPING_EVERY: Duration = Duration::from_secs(2);
const PRESENCE_PER_SEC: f64 = 0.5;
const PRESENCE_BURST: f64 = 5.0;

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// Refuse this frame; the socket may go on.
    Refuse,
    /// Close the socket: it does not stop.
    Close,
}

struct Bucket {
    tokens: f64,
    at: Instant,
    rate: f64,
    burst: f64,
}

impl Bucket {
    fn new(rate: f64, burst: f64, now: Instant) -> Self {
        Self {
            tokens: burst,
            at: now,
            rate,
            burst,
        }
    }

    fn take(&mut self, now: Instant) -> bool {
        let gained = now.saturating_duration_since(self.at).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + gained).min(self.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

pub struct Limits {
    frames: Bucket,
    presence: Bucket,
    typing: HashMap<i64, Instant>,
    refused: u32,
}

impl Limits {
    pub fn new(now: Instant) -> Self {
        Self {
            frames: Bucket::new(FRAMES_PER_SEC, FRAMES_BURST, now),
            presence: Bucket::new(PRESENCE_PER_SEC, PRESENCE_BURST, now),
            typing: HashMap::new(),
            refused: 0,
        }
    }

    /// Any frame after signing in.
    pub fn frame(&mut self, now: Instant) -> Verdict {
        if self.frames.take(now) {
            self.refused = 0;
            return Verdict::Pass;
        }
        self.refused += 1;
        if self.refused >= REFUSALS_BEFORE_CLOSE {
            Verdict::Close
        } else {
            Verdict::Refuse
        }
    }

    /// Whether this "typing" goes out; within two seconds of the last one it is folded into it.
    pub fn typing(&mut self, ticket: i64, now: Instant) -> bool {
        match self.typing.get(&ticket) {
            Some(last) if now.saturating_duration_since(*last) < TYPING_EVERY => false,
            _ => {
                if self.typing.len() > 64 {
                    self.typing
                        .retain(|_, at| now.saturating_duration_since(*at) < TYPING_EVERY);
                }
                self.typing.insert(ticket, now);
                true
            }
        }
    }

    pub fn presence(&mut self, now: Instant) -> bool {
        self.presence.take(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_a_flood_is_refused_then_closed() {
        let now = Instant::now();
        let mut l = Limits::new(now);
        for _ in 0..200 {
            assert_eq!(l.frame(now), Verdict::Pass);
        }
        assert_eq!(l.frame(now), Verdict::Refuse);
        let verdicts: Vec<_> = (0..200).map(|_| l.frame(now)).collect();
        assert!(verdicts.contains(&Verdict::Close));
        let later = now + Duration::from_secs(1);
        assert_eq!(l.frame(later), Verdict::Pass, "the rate refills");
    }

    #[test]
    fn typing_is_folded_per_ticket() {
        let now = Instant::now();
        let mut l = Limits::new(now);
        assert!(l.typing(1, now));
        assert!(!l.typing(1, now + Duration::from_millis(500)));
        assert!(l.typing(2, now));
        assert!(l.typing(1, now + TYPING_EVERY));
    }
}
