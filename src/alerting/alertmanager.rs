//! Alertmanager's webhook (`POST /api/integrations/alertmanager`, payload version "4"), with the
//! bearer token of `[alerting] alertmanager_token`. Each alert becomes an incident on the unit
//! its `unit_label` names (else the default unit, else the region), deduplicated by its
//! fingerprint; a resolved alert resolves it. A malformed payload is a 400 with the reason; a
//! store fault is a 5xx, so that Alertmanager sends it again.

use super::incident::{self, Opening, Which};
use super::{units, Alerting};
use crate::error::{AppError, AppResult};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payload {
    pub version: String,
    #[serde(default)]
    pub group_key: String,
    #[serde(default)]
    pub truncated_alerts: u64,
    pub status: String,
    #[serde(default)]
    pub receiver: String,
    pub alerts: Vec<Alert>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub status: String,
    #[serde(default)]
    pub labels: HashMap<String, String>,
    #[serde(default)]
    pub annotations: HashMap<String, String>,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
    pub fingerprint: String,
}

/// What the intake did with a payload.
#[derive(Debug, Default, serde::Serialize)]
pub struct Taken {
    pub opened: usize,
    pub resolved: usize,
    pub unchanged: usize,
}

/// Checks the token against the configured one, in constant time.
pub fn authorised(alerting: &Alerting, bearer: Option<&str>) -> AppResult<()> {
    use sha2::{Digest, Sha256};
    let Some(expected) = alerting.settings.alertmanager_token.as_deref() else {
        return Err(AppError::Forbidden);
    };
    let given = bearer.ok_or(AppError::Unauthenticated)?;
    let (a, b) = (Sha256::digest(expected), Sha256::digest(given));
    if a.iter().zip(b.iter()).fold(0u8, |d, (x, y)| d | (x ^ y)) != 0 {
        return Err(AppError::Unauthenticated);
    }
    Ok(())
}

/// A payload Alertmanager should not send again as it is: a 400 naming the field.
fn malformed(field: &str, rule: &str) -> AppError {
    AppError::BadJson(format!("{field}: {rule}"))
}

impl Payload {
    /// Every rule the payload must meet; the first broken one is the answer.
    pub fn check(&self) -> AppResult<()> {
        if self.version != "4" {
            return Err(malformed("version", "must be \"4\""));
        }
        if !matches!(self.status.as_str(), "firing" | "resolved") {
            return Err(malformed("status", "firing or resolved"));
        }
        if self.alerts.len() > 1000 {
            return Err(malformed("alerts", "at most 1000 alerts"));
        }
        for a in &self.alerts {
            if !matches!(a.status.as_str(), "firing" | "resolved") {
                return Err(malformed("alerts.status", "firing or resolved"));
            }
            if a.fingerprint.is_empty() || a.fingerprint.len() > 128 {
                return Err(malformed("alerts.fingerprint", "1–128 characters"));
            }
        }
        Ok(())
    }
}

fn severity(labels: &HashMap<String, String>) -> &'static str {
    match labels.get("severity").map(String::as_str) {
        Some("critical" | "page" | "error") | None => "critical",
        _ => "warning",
    }
}

pub async fn take(alerting: &Alerting, p: Payload) -> AppResult<Taken> {
    p.check()?;
    let now = alerting.clock.now();
    let s = &alerting.settings;
    let mut taken = Taken::default();
    for a in p.alerts {
        if a.status == "resolved" {
            let done = incident::resolve(
                alerting,
                Which::Key("alertmanager", &a.fingerprint),
                None,
                "告警已解除",
                now,
            )
            .await?;
            if done.is_some() {
                taken.resolved += 1;
            } else {
                taken.unchanged += 1;
            }
            continue;
        }
        let unit = a.labels.get(&s.unit_label).map(String::as_str);
        let Some(unit_id) = units::by_code_or_default(&alerting.db, unit, &s.default_unit).await?
        else {
            return Err(malformed("labels", "no unit to raise it on"));
        };
        let name = a
            .labels
            .get("alertname")
            .cloned()
            .unwrap_or_else(|| "Alertmanager".into());
        let title = a.annotations.get("summary").cloned().unwrap_or(name);
        let detail = a
            .annotations
            .get("description")
            .cloned()
            .unwrap_or_default();
        let opening = Opening {
            source: "alertmanager",
            key: a.fingerprint,
            unit_id,
            title: title.chars().take(200).collect(),
            detail: detail.chars().take(2000).collect(),
            severity: severity(&a.labels),
            at: now,
        };
        match incident::open(alerting, &opening).await {
            Ok(Some(_)) => taken.opened += 1,
            Ok(None) => taken.unchanged += 1,
            Err(e) => {
                return Err(match e.downcast::<sqlx::Error>() {
                    Ok(db) => db.into(),
                    Err(e) => AppError::Internal(e),
                })
            }
        }
    }
    Ok(taken)
}
