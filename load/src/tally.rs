//! What became of every chat message sent: acknowledged or not, delivered to the other
//! participant once, never, or more than once, and how long each took. Latencies are taken from
//! the moment a message was due to be sent, not when the client got round to it, so a stalled
//! client cannot hide a slow server (no coordinated omission).

use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::HashMap;
use std::time::Instant;

#[derive(Default)]
struct Fate {
    due: Option<Instant>,
    acks: u32,
    deliveries: u32,
}

pub struct Tally {
    messages: HashMap<String, Fate>,
    ack: Histogram<u64>,
    delivery: Histogram<u64>,
    /// Deliveries or acks of messages this run never sent.
    strays: u64,
    said_duplicate: u64,
    /// Acks are no longer counted (the drain is over); deliveries still are.
    closed: bool,
    /// `error` frames the server answered a message with.
    pub refused: u64,
}

/// Counts and percentiles of one run.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Counts {
    pub sent: u64,
    pub acked: u64,
    pub delivered: u64,
    /// Acknowledged as stored, but never reached the other participant.
    pub lost: u64,
    /// Sent, and never acknowledged.
    pub unacked: u64,
    /// Extra deliveries and extra acks of a message already delivered or acknowledged, and
    /// acks that called a message sent once a repeat.
    pub duplicated: u64,
    pub strays: u64,
    pub refused: u64,
    pub ack_ms: Percentiles,
    pub delivery_ms: Percentiles,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Percentiles {
    pub p50: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl std::fmt::Display for Percentiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "p50 {:.2} · p99 {:.2} · p99.9 {:.2} · max {:.2}",
            self.p50, self.p99, self.p999, self.max
        )
    }
}

impl Percentiles {
    pub fn of(h: &Histogram<u64>) -> Self {
        let ms = |us: u64| us as f64 / 1000.0;
        if h.is_empty() {
            return Self::default();
        }
        Self {
            p50: ms(h.value_at_quantile(0.5)),
            p99: ms(h.value_at_quantile(0.99)),
            p999: ms(h.value_at_quantile(0.999)),
            max: ms(h.max()),
        }
    }
}

pub fn histogram() -> Histogram<u64> {
    // Microseconds, up to an hour, three significant digits.
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds")
}

fn micros(from: Instant, to: Instant) -> u64 {
    u64::try_from(to.saturating_duration_since(from).as_micros())
        .unwrap_or(u64::MAX)
        .max(1)
}

impl Default for Tally {
    fn default() -> Self {
        Self {
            messages: HashMap::new(),
            ack: histogram(),
            delivery: histogram(),
            strays: 0,
            said_duplicate: 0,
            closed: false,
            refused: 0,
        }
    }
}

impl Tally {
    /// A message with this client id, due to be sent at `due`.
    pub fn sent(&mut self, id: String, due: Instant) {
        self.messages.entry(id).or_default().due = Some(due);
    }

    /// The server acknowledged the message; `duplicate` when it said it had stored it before
    /// (it never had: each message is sent once).
    pub fn acked(&mut self, id: &str, at: Instant, duplicate: bool) {
        if self.closed {
            return;
        }
        self.said_duplicate += u64::from(duplicate);
        self.record(id, at, true);
    }

    /// The other participant received the message.
    pub fn delivered(&mut self, id: &str, at: Instant) {
        self.record(id, at, false);
    }

    fn record(&mut self, id: &str, at: Instant, ack: bool) {
        let Some(fate) = self.messages.get_mut(id) else {
            self.strays += 1;
            return;
        };
        let Some(due) = fate.due else {
            self.strays += 1;
            return;
        };
        let (count, hist) = match ack {
            true => (&mut fate.acks, &mut self.ack),
            false => (&mut fate.deliveries, &mut self.delivery),
        };
        *count += 1;
        if *count == 1 {
            let _ = hist.record(micros(due, at));
        }
    }

    pub fn counts(&self) -> Counts {
        let mut c = Counts {
            strays: self.strays,
            duplicated: self.said_duplicate,
            refused: self.refused,
            ack_ms: Percentiles::of(&self.ack),
            delivery_ms: Percentiles::of(&self.delivery),
            ..Counts::default()
        };
        for fate in self.messages.values() {
            c.sent += 1;
            c.acked += u64::from(fate.acks > 0);
            c.delivered += u64::from(fate.deliveries > 0);
            c.lost += u64::from(fate.acks > 0 && fate.deliveries == 0);
            c.unacked += u64::from(fate.acks == 0);
            c.duplicated += u64::from(fate.acks.saturating_sub(1));
            c.duplicated += u64::from(fate.deliveries.saturating_sub(1));
        }
        c
    }

    /// Counts no more acks: a message acked from now on is counted as not acked, so that one
    /// acked just before the end is not called lost for its delivery a moment behind.
    pub fn close_acks(&mut self) {
        self.closed = true;
    }

    /// Messages still waiting for their ack or their delivery.
    pub fn outstanding(&self) -> usize {
        self.messages
            .values()
            .filter(|f| f.acks == 0 || f.deliveries == 0)
            .count()
    }

    /// The ack latencies, to be merged with other runs'.
    pub fn ack_histogram(&self) -> &Histogram<u64> {
        &self.ack
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn each_fate_is_counted_once() {
        let t0 = Instant::now();
        let mut t = Tally::default();
        for id in ["a", "b", "c", "d"] {
            t.sent(id.into(), t0);
        }
        let later = t0 + Duration::from_millis(3);
        t.acked("a", later, false);
        t.delivered("a", later);
        t.acked("b", later, false);
        t.acked("c", later, false);
        t.delivered("c", later);
        t.delivered("c", later);
        t.delivered("zz", later);
        let c = t.counts();
        assert_eq!((c.sent, c.acked, c.delivered), (4, 3, 2));
        assert_eq!((c.lost, c.unacked, c.duplicated, c.strays), (1, 1, 1, 1));
        assert!((c.ack_ms.p50 - 3.0).abs() < 0.01);
        assert_eq!(t.outstanding(), 2);
        t.acked("d", later, true);
        assert_eq!(
            t.counts().duplicated,
            2,
            "an ack that says the message came before"
        );
    }
}
