//! An escalation chain's job: its kind, its key (one chain per ticket and flag) and the step it
//! is at. The journal schedules a chain's first step when it sets a flag; `escalate` runs it.

use crate::clock::Millis;
use crate::helpdesk::sla::Flag;
use serde::{Deserialize, Serialize};

pub const KIND: &str = "sla.escalate";

/// A step's job payload: the flag as set at `since`, and the step to take.
#[derive(Serialize, Deserialize)]
pub struct Step {
    pub since: Millis,
    pub step: i64,
}

pub fn job_key(ticket: i64, flag: Flag) -> String {
    format!("{ticket}/{}", flag.as_str())
}

/// The payload of a chain's first step, for a flag set at `since`.
pub fn first(since: Millis) -> String {
    payload(since, 0)
}

pub fn payload(since: Millis, step: i64) -> String {
    serde_json::to_string(&Step { since, step }).expect("a step serialises")
}
