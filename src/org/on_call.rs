//! "Who is on duty for this unit now", asked by capabilities that may not ask the duty
//! capability themselves (alerting); the application hands them duty's one answer through this.

use crate::clock::Millis;
use futures_util::future::BoxFuture;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answer {
    pub person: i64,
    /// The unit whose arrangement answered: the one asked about, or one above it.
    pub unit_id: i64,
}

pub trait OnCall: Send + Sync {
    /// The person on duty at `at` for the unit at `path` — its own cover, else the nearest
    /// unit above it with cover; `None` if nobody up to the region.
    fn on_duty<'a>(
        &'a self,
        path: &'a str,
        at: Millis,
    ) -> BoxFuture<'a, anyhow::Result<Option<Answer>>>;
}
