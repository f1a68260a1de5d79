//! A durable signal from a capability that watches something (uptime) to the one that raises
//! incidents (alerting), so neither imports the other. It is written as a job of kind [`KIND`]
//! in the watcher's own transaction — it exists exactly when the change that raised it does —
//! and the job runner hands it to alerting, once, retried if that fails.

use crate::clock::Millis;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

pub const KIND: &str = "alerting.alarm";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alarm {
    /// What raised it: `monitor`.
    pub source: String,
    /// What it is about, stable for as long as it lasts: `monitor:sqet-640424`, `cert:sqet-640424` (the monitor's key).
    pub key: String,
    /// The owning unit.
    pub unit_id: i64,
    pub title: String,
    pub detail: String,
    /// `critical` or `warning`.
    pub severity: String,
    /// Firing (opens an incident) or over (resolves it).
    pub firing: bool,
    pub at: Millis,
}

/// Hands `alarm` over in the caller's transaction; due at once.
pub async fn raise(conn: &mut AnyConnection, alarm: &Alarm) -> sqlx::Result<()> {
    let payload = serde_json::to_string(alarm).map_err(|e| sqlx::Error::Encode(e.into()))?;
    let key = format!("{}:{}:{}", alarm.key, alarm.firing, alarm.at);
    crate::jobs::schedule(conn, KIND, &key, alarm.at, &payload).await
}

/// The alarm a job of [`KIND`] carries.
pub fn read(payload: &str) -> serde_json::Result<Alarm> {
    serde_json::from_str(payload)
}
