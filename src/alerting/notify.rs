//! Telling the console, after the commit: an `incident` frame to those following incidents whose
//! area holds it (the ops view and the matrix read it again), and an `incident_notice` to the
//! officer told of it — the banner, sound and browser notification.

use super::{allowed, Alerting};
use crate::auth::{user_topic, Event, Viewer};
use crate::events::{Audience, Payload};
use serde_json::json;
use std::sync::Arc;

async fn read(alerting: &Alerting, id: i64) -> Option<serde_json::Value> {
    let db = &alerting.db;
    let mut conn = match db.timed(db.read().acquire()).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(incident = id, error = %e, "alerting: cannot read an incident to tell");
            return None;
        }
    };
    match super::view::one(&mut conn, id).await {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(incident = id, error = %e, "alerting: cannot read an incident to tell");
            None
        }
    }
}

/// Incident `id` changed: those following incidents in its area hear of it.
pub async fn changed(alerting: &Alerting, id: i64) {
    let Some(incident) = read(alerting, id).await else {
        return;
    };
    let path = unit_path(alerting, id).await.unwrap_or_default();
    let frame = json!({
        "type": "incident", "id": id, "status": incident["status"],
        "unit": incident["unit"]["code"], "reached": incident["reached"]["code"],
    });
    let audience: Audience<Viewer> =
        Arc::new(move |v: &Viewer| !path.is_empty() && allowed::may_view(&v.actor, &path));
    let event = Event::new(
        super::topic(),
        audience,
        Payload::Frame(frame.to_string().into()),
    );
    alerting.bus.publish(vec![event]);
}

/// `person` was told of incident `id`.
pub async fn told(alerting: &Alerting, id: i64, person: Option<i64>) {
    let Some(person) = person else {
        return;
    };
    let Some(incident) = read(alerting, id).await else {
        return;
    };
    let frame = json!({ "type": "incident_notice", "incident": incident });
    let to: Audience<Viewer> = Arc::new(move |v: &Viewer| v.actor.id == person);
    let event = Event::new(
        user_topic(person),
        to,
        Payload::Frame(frame.to_string().into()),
    );
    alerting.bus.publish(vec![event]);
}

async fn unit_path(alerting: &Alerting, id: i64) -> Option<String> {
    super::view::scope(&alerting.db, id)
        .await
        .ok()
        .flatten()
        .map(|(path, _, _)| path)
}
