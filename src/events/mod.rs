//! The one event type and the bus it travels on. A committed change leaves its capability as
//! events: a topic ("ticket/42"), its place in that topic's ordered log (if the topic is
//! ordered), an audience (who may receive it, decided by the capability that owns the data) and
//! a payload. Subscribers — the live hub — route by topic and know nothing of tickets.
//!
//! `V` is whoever receives events (the signed-in viewer); this floor does not need to know it.
//!
//! The bus is shaped for more than one node: a PostgreSQL bus would deliver locally and send
//! `NOTIFY backstop, '<topic> <seq>'` (never the payload: NOTIFY stops at 8,000 bytes and one
//! chat message may be 4,000 Chinese characters); each other node reads the entry back from
//! the store through the owning capability, which rebuilds the same events, and delivers them
//! to its own subscribers. Ordering within a topic then rests on `seq`, which the store assigns.

pub mod alarm;
mod local;

pub use local::LocalBus;

use std::fmt;
use std::sync::Arc;

/// A name events are published under and connections subscribe to.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Topic(Arc<str>);

impl Topic {
    pub fn new(name: impl Into<Arc<str>>) -> Self {
        Self(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Topic({})", self.0)
    }
}

/// Who may receive an event, asked once per subscribed receiver.
pub type Audience<V> = Arc<dyn Fn(&V) -> bool + Send + Sync>;

/// What a receiver gets.
#[derive(Clone, Debug)]
pub enum Payload {
    /// A frame of the live protocol, serialised once for every receiver.
    Frame(Arc<str>),
    /// End the receiver's connection with this close code and reason.
    Close { code: u16, reason: &'static str },
}

#[derive(Clone)]
pub struct Event<V> {
    pub topic: Topic,
    /// Position in the topic's ordered log; receivers get these in order, each once.
    pub seq: Option<i64>,
    pub audience: Audience<V>,
    pub payload: Payload,
    /// The people this topic is about from now on (their presence is shown to its followers).
    pub concerns: Option<Arc<[i64]>>,
}

impl<V> Event<V> {
    pub fn new(topic: Topic, audience: Audience<V>, payload: Payload) -> Self {
        Self {
            topic,
            seq: None,
            audience,
            payload,
            concerns: None,
        }
    }

    pub fn ordered(mut self, seq: i64) -> Self {
        self.seq = Some(seq);
        self
    }

    pub fn concerning(mut self, people: &[i64]) -> Self {
        self.concerns = Some(people.into());
        self
    }
}

/// Everyone subscribed to the topic.
pub fn everyone<V>() -> Audience<V> {
    Arc::new(|_| true)
}

/// Where committed changes are published, in commit order.
pub trait Bus<V>: Send + Sync {
    fn publish(&self, events: Vec<Event<V>>);
}
