//! Settings of round-the-clock monitoring and of the incidents it raises.

use serde::Deserialize;
use std::fmt;

/// The prober and what it keeps.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UptimeSettings {
    /// How often the prober looks for checks that are due, in milliseconds; 0 stops it (tests
    /// then run due checks themselves).
    pub tick_ms: u64,
    /// Checks in flight at once, at most.
    pub max_in_flight: usize,
    /// Raw check results are kept this long; minute, hour and day roll-ups longer.
    pub raw_retention_hours: u64,
    /// Extra certificates (PEM) trusted for HTTPS checks, e.g. the province's own CA.
    pub ca_file: Option<String>,
    /// With `--demo`, also watch the demo's systems (pages this server serves itself).
    pub demo_monitors: bool,
}

impl Default for UptimeSettings {
    fn default() -> Self {
        Self {
            tick_ms: 250,
            max_in_flight: 256,
            raw_retention_hours: 48,
            ca_file: None,
            demo_monitors: true,
        }
    }
}

/// Incidents: how long each level has to acknowledge, the Alertmanager intake, and outbound
/// webhooks.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertingSettings {
    /// Minutes an incident waits for acknowledgement at the township, county and city levels
    /// before it climbs; at the region it is repeated every last value.
    pub escalation_minutes: Vec<u64>,
    /// The bearer token Alertmanager sends (`http_config.authorization`); no intake without it.
    pub alertmanager_token: Option<String>,
    /// The alert label that names the owning unit (its code).
    pub unit_label: String,
    /// The unit (code) of alerts without that label, or naming no known unit; the region if
    /// empty.
    pub default_unit: String,
    /// How long a webhook delivery may take before it counts as failed.
    pub webhook_timeout_ms: u64,
    /// Delivery attempts before a webhook delivery is given up.
    pub webhook_attempts: u32,
}

impl Default for AlertingSettings {
    fn default() -> Self {
        Self {
            escalation_minutes: vec![5, 10, 15],
            alertmanager_token: None,
            unit_label: "unit".into(),
            default_unit: String::new(),
            webhook_timeout_ms: 10_000,
            webhook_attempts: 6,
        }
    }
}

/// The token is a secret: never printed.
impl fmt::Debug for AlertingSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let token = self.alertmanager_token.as_ref().map(|_| "***");
        f.debug_struct("AlertingSettings")
            .field("escalation_minutes", &self.escalation_minutes)
            .field("alertmanager_token", &token)
            .field("unit_label", &self.unit_label)
            .field("default_unit", &self.default_unit)
            .field("webhook_timeout_ms", &self.webhook_timeout_ms)
            .field("webhook_attempts", &self.webhook_attempts)
            .finish()
    }
}
