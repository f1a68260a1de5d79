//! Alarms from the prober (`events::alarm`, handed over as jobs): a firing one opens an
//! incident on its unit, an ended one resolves it.

use super::incident::{self, Opening, Which};
use super::Alerting;
use crate::events::alarm;
use crate::jobs::Handler;
use std::sync::Arc;

pub fn job(alerting: Alerting) -> Handler {
    Arc::new(move |job| {
        let alerting = alerting.clone();
        Box::pin(async move {
            let a = match alarm::read(&job.payload) {
                Ok(a) => a,
                Err(e) => {
                    // Retrying cannot mend it; say so and let it go.
                    tracing::error!(key = %job.key, error = %e, "alerting: unreadable alarm");
                    return Ok(());
                }
            };
            if !a.firing {
                incident::resolve(
                    &alerting,
                    Which::Key("monitor", &a.key),
                    None,
                    &a.detail,
                    a.at,
                )
                .await?;
                return Ok(());
            }
            let opening = Opening {
                source: "monitor",
                key: a.key,
                unit_id: a.unit_id,
                title: a.title,
                detail: a.detail,
                severity: if a.severity == "warning" {
                    "warning"
                } else {
                    "critical"
                },
                at: a.at,
            };
            incident::open(&alerting, &opening).await?;
            Ok(())
        })
    })
}
