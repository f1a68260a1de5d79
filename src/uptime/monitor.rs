//! A monitored system and what a check of it expects; `NewMonitor::parse` holds every rule a
//! monitor must meet, for the API, the demo and the tests alike.

use crate::clock::Millis;
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Http,
    Tcp,
    Dns,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Http => "http",
            Kind::Tcp => "tcp",
            Kind::Dns => "dns",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "http" => Some(Kind::Http),
            "tcp" => Some(Kind::Tcp),
            "dns" => Some(Kind::Dns),
            _ => None,
        }
    }
}

/// Status codes an HTTP answer may have: `"200-399"`, `"200,204"`, `"503"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusRanges(Vec<(u16, u16)>);

impl StatusRanges {
    pub fn parse(text: &str) -> Option<Self> {
        let mut out = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            let (a, b): (u16, u16) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            if !(100..=599).contains(&a) || !(a..=599).contains(&b) {
                return None;
            }
            out.push((a, b));
        }
        (!out.is_empty()).then_some(Self(out))
    }

    pub fn holds(&self, status: u16) -> bool {
        self.0.iter().any(|&(a, b)| (a..=b).contains(&status))
    }
}

impl std::fmt::Display for StatusRanges {
    /// As it is parsed: `200-299,301`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|&(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}-{b}")
                }
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

/// What a check looks at, beside reaching the target.
#[derive(Clone, Debug)]
pub struct Expect {
    pub status: StatusRanges,
    pub keyword: String,
    /// The keyword must be missing (an error page's words), not present.
    pub keyword_absent: bool,
    /// A slower answer fails; 0 for none.
    pub max_latency_ms: i64,
    /// A certificate expiring within this many days raises a warning.
    pub cert_warn_days: i64,
    /// A DNS answer must hold this address; empty for any.
    pub address: String,
}

/// A monitor as the prober runs it.
#[derive(Clone, Debug)]
pub struct Monitor {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub unit_id: i64,
    pub kind: Kind,
    pub target: String,
    pub expect: Expect,
    pub interval_ms: Millis,
    pub timeout_ms: Millis,
    pub failures: i64,
    pub recoveries: i64,
}

/// A monitor as an administrator gives it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMonitor {
    pub key: String,
    pub name: String,
    /// The owning unit's code.
    pub unit: String,
    pub kind: Kind,
    pub target: String,
    #[serde(default = "any_success")]
    pub expect_status: String,
    #[serde(default)]
    pub keyword: String,
    #[serde(default)]
    pub keyword_absent: bool,
    #[serde(default)]
    pub max_latency_ms: i64,
    #[serde(default = "two_weeks")]
    pub cert_warn_days: i64,
    #[serde(default)]
    pub expect_address: String,
    #[serde(default = "one_minute")]
    pub interval_secs: i64,
    #[serde(default = "ten")]
    pub timeout_secs: i64,
    #[serde(default = "three")]
    pub failures: i64,
    #[serde(default = "two")]
    pub recoveries: i64,
}

fn any_success() -> String {
    "200-399".into()
}
fn two_weeks() -> i64 {
    14
}
fn one_minute() -> i64 {
    60
}
fn ten() -> i64 {
    10
}
fn three() -> i64 {
    3
}
fn two() -> i64 {
    2
}

fn invalid(field: &'static str, message: &str) -> AppError {
    AppError::invalid(field, message)
}

impl NewMonitor {
    /// Every rule a monitor must meet; the first broken one is the answer.
    pub fn check(&self) -> AppResult<()> {
        let key_ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if self.key.is_empty() || self.key.len() > 64 || !self.key.chars().all(key_ok) {
            return Err(invalid("key", "1–64 letters, digits, '-', '_' or '.'"));
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 100 {
            return Err(invalid("name", "1–100 characters"));
        }
        if self.target.trim().is_empty() || self.target.len() > 2000 {
            return Err(invalid("target", "1–2000 characters"));
        }
        match self.kind {
            Kind::Http
                if !(self.target.starts_with("http://") || self.target.starts_with("https://")) =>
            {
                return Err(invalid("target", "an http:// or https:// address"));
            }
            Kind::Tcp if split_port(&self.target).is_none() => {
                return Err(invalid("target", "host:port"));
            }
            _ => {}
        }
        if StatusRanges::parse(&self.expect_status).is_none() {
            return Err(invalid("expect_status", "status codes, e.g. 200-299,301"));
        }
        if !(10..=86_400).contains(&self.interval_secs) {
            return Err(invalid("interval_secs", "10 seconds to a day"));
        }
        if self.timeout_secs < 1 || self.timeout_secs > self.interval_secs.min(120) {
            return Err(invalid(
                "timeout_secs",
                "1–120 seconds, and not over the interval",
            ));
        }
        if !(1..=20).contains(&self.failures) || !(1..=20).contains(&self.recoveries) {
            return Err(invalid("failures", "thresholds of 1–20 checks"));
        }
        if self.max_latency_ms < 0 || !(0..=365).contains(&self.cert_warn_days) {
            return Err(invalid(
                "max_latency_ms",
                "not negative; certificate warning 0–365 days",
            ));
        }
        if self.keyword.chars().count() > 200 || self.expect_address.len() > 64 {
            return Err(invalid("keyword", "at most 200 characters"));
        }
        Ok(())
    }
}

/// `host:port` (an IPv6 host in brackets) into its parts.
pub fn split_port(target: &str) -> Option<(String, u16)> {
    let (host, port) = target.rsplit_once(':')?;
    let host = host.trim_matches(|c| c == '[' || c == ']');
    let port: u16 = port.parse().ok()?;
    (!host.is_empty() && port > 0).then(|| (host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_ranges_read_as_written() {
        let r = StatusRanges::parse("200-299, 301").expect("ranges");
        assert!(r.holds(204) && r.holds(301) && !r.holds(302) && !r.holds(500));
        assert!(StatusRanges::parse("").is_none());
        assert!(StatusRanges::parse("299-200").is_none());
        assert!(StatusRanges::parse("700").is_none());
    }

    #[test]
    fn tcp_targets_need_a_port() {
        assert_eq!(split_port("10.0.0.1:5432"), Some(("10.0.0.1".into(), 5432)));
        assert_eq!(split_port("[::1]:80"), Some(("::1".into(), 80)));
        assert_eq!(split_port("host"), None);
        assert_eq!(split_port(":80"), None);
    }
}
