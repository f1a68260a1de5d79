//! Settings, layered: built-in defaults, then a TOML file, then `BACKSTOP_*` environment
//! variables, then command-line flags (applied by `cli`). The defaults run as they are.

use serde::Deserialize;
use std::fmt;
use std::path::Path;

mod outages;

pub use outages::{AlertingSettings, UptimeSettings};

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address the console, API, WebSocket and metrics listen on; port 0 picks a free one.
    pub listen: String,
    /// `sqlite://FILE` (created if missing) or `postgres://…`.
    pub database_url: String,
    /// Load the Ningxia demo organisation and people at start (idempotent).
    pub demo: bool,
    pub log_format: LogFormat,
    /// How long a browser session lasts after login.
    pub session_hours: u64,
    /// Mark the session cookie `Secure`: set it when the console is served over HTTPS.
    pub cookie_secure: bool,
    /// How long an API token lasts.
    pub token_days: u64,
    /// Largest screenshot or document accepted by `POST /api/files`.
    pub max_upload_bytes: usize,
    /// Bytes one person may upload in 24 hours.
    pub upload_quota_bytes: usize,
    /// Hours an upload is kept if nobody attaches it to a message.
    pub unattached_file_hours: u64,
    /// Days the audit trail keeps its rows.
    pub audit_retention_days: u64,
    /// Longest wait for the database — a connection, a read or a write — before the request
    /// is answered `storage_unavailable`.
    pub database_timeout_ms: u64,
    /// After SIGTERM, how long requests and sockets in flight may take before they are cut.
    pub shutdown_grace_ms: u64,
    /// How often due background jobs are looked for; 0 turns the runner off.
    pub job_interval_ms: u64,
    /// How long a connection may take to send a request's headers once it has begun.
    pub header_timeout_ms: u64,
    /// A connection that neither sends nor receives for this long is closed (live sockets are
    /// pinged every heartbeat, so keep this above twice `heartbeat_secs`).
    pub idle_timeout_ms: u64,
    /// Connections open at once, at most (fewer if the file-descriptor limit is lower).
    pub max_connections: usize,
    /// The bearer token Prometheus sends to scrape `/metrics`; without one, nobody may.
    pub metrics_token: Option<String>,
    pub live: LiveSettings,
    pub sign_in: SignInSettings,
    pub helpdesk: HelpdeskSettings,
    pub sla: SlaSettings,
    pub duty: DutySettings,
    pub uptime: UptimeSettings,
    pub alerting: AlertingSettings,
}

/// The security officers' daily checks and the limits the matrix holds them to. Times are read
/// in `sla.time_zone`, the region's one local time.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DutySettings {
    /// When each day's check (日常巡检) is due, local time `HH:MM`.
    pub check_deadline: String,
    /// The checklist of a unit that keeps no list of its own.
    pub check_items: Vec<String>,
    /// A missed check tells the officer on duty one level up at the deadline, and each level
    /// further up this many minutes after the one before, to the region.
    pub check_escalation_minutes: u64,
    /// An officer responsible (primary or deputy) for more units than this is a gap.
    pub max_units_per_officer: usize,
}

impl Default for DutySettings {
    fn default() -> Self {
        Self {
            check_deadline: "10:00".into(),
            check_items: ["业务系统登录", "网络连通", "读卡器", "打印机", "数据备份"]
                .map(String::from)
                .to_vec(),
            check_escalation_minutes: 60,
            max_units_per_officer: 3,
        }
    }
}

/// Service levels: "small matters not overnight, big matters not past a day, hard matters not
/// past a week", and when a ticket counts as not handled, dragging or stuck.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlaSettings {
    /// The time zone whose midnight ends a small matter's day (an IANA name).
    pub time_zone: String,
    /// A small matter has at least this long, however late in the day it was raised.
    pub small_min_minutes: u64,
    pub big_hours: u64,
    pub hard_days: u64,
    /// First response (a claim) due within, per tier: small, big, hard.
    pub respond_minutes: [u64; 3],
    /// A claimed ticket whose handler has done nothing for this long is dragging (拖办).
    pub dragging_hours: u64,
    /// Reopened this often, or transferred this often, a ticket is stuck (卡壳) …
    pub stuck_reopens: u32,
    pub stuck_transfers: u32,
    /// … and so is one waiting on the back office this long.
    pub backoffice_hours: u64,
    /// The wait before each escalation step after the first (the handler is told at once):
    /// the handler's unit supervisor, then each level up; the last value repeats.
    pub escalation_minutes: Vec<u64>,
}

impl Default for SlaSettings {
    fn default() -> Self {
        Self {
            time_zone: "Asia/Shanghai".into(),
            small_min_minutes: 240,
            big_hours: 24,
            hard_days: 7,
            respond_minutes: [10, 20, 30],
            dragging_hours: 4,
            stuck_reopens: 2,
            stuck_transfers: 3,
            backoffice_hours: 48,
            escalation_minutes: vec![30, 60, 120],
        }
    }
}

/// How much one clerk may ask at once.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HelpdeskSettings {
    /// Requests one clerk may have open (new, in progress or waiting) at a time.
    pub max_open_requests: u32,
    /// Requests one clerk may raise in a burst.
    pub request_burst: u32,
    /// Seconds after which a clerk may raise one more.
    pub request_refill_secs: u64,
    /// Searches one person may make in a burst (a word search may read every ticket of the
    /// area), and the milliseconds after which they may make one more.
    pub search_burst: u32,
    pub search_refill_ms: u64,
}

impl HelpdeskSettings {
    /// Each person's pace of searches, and of the other reads that go over a whole area (the
    /// duty matrix).
    pub fn search_rate(&self) -> crate::throttle::Rate {
        crate::throttle::Rate::new(self.search_burst, self.search_refill_ms)
    }
}

impl Default for HelpdeskSettings {
    fn default() -> Self {
        Self {
            max_open_requests: 20,
            request_burst: 10,
            request_refill_secs: 360,
            search_burst: 30,
            search_refill_ms: 1000,
        }
    }
}

/// Sign-in throttling and locking.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignInSettings {
    /// Failed sign-ins one client address may make in a burst.
    pub address_burst: u32,
    /// Seconds after which an address may fail once more.
    pub address_refill_secs: u64,
    /// Failures in a row that lock an account.
    pub max_failures: u32,
    /// How long a locked account stays locked (an admin may unlock it sooner).
    pub lock_minutes: u64,
    /// Passwords hashed at once; 0 means one per core.
    pub hashing: usize,
}

impl Default for SignInSettings {
    fn default() -> Self {
        Self {
            address_burst: 20,
            address_refill_secs: 6,
            max_failures: 10,
            lock_minutes: 15,
            hashing: 0,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LiveSettings {
    /// Largest WebSocket message the server reads; larger ones close the socket with 1009.
    pub max_frame_bytes: usize,
    /// Longest chat message, in characters.
    pub max_text_chars: usize,
    /// Frames queued for one connection before it counts as too slow and is closed with 4008.
    pub outbound_queue: usize,
    /// Interval of the server's WebSocket pings.
    pub heartbeat_secs: u64,
    /// How often an open socket checks that its session still holds and the person's role,
    /// unit and group are unchanged (else it closes with 4003).
    pub session_check_ms: u64,
    /// Sockets one person may have open at once (several tabs and devices).
    pub max_sockets_per_person: usize,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Human,
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "human" => Ok(Self::Human),
            "json" => Ok(Self::Json),
            other => Err(format!("log format must be human or json, not {other:?}")),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://backstop.db".into(),
            demo: false,
            log_format: LogFormat::Human,
            session_hours: 12,
            cookie_secure: false,
            token_days: 30,
            max_upload_bytes: 5 * 1024 * 1024,
            upload_quota_bytes: 100 * 1024 * 1024,
            unattached_file_hours: 24,
            audit_retention_days: 365,
            database_timeout_ms: 5_000,
            shutdown_grace_ms: 10_000,
            job_interval_ms: 1_000,
            header_timeout_ms: 10_000,
            idle_timeout_ms: 60_000,
            max_connections: 20_000,
            metrics_token: None,
            live: LiveSettings::default(),
            sign_in: SignInSettings::default(),
            helpdesk: HelpdeskSettings::default(),
            sla: SlaSettings::default(),
            duty: DutySettings::default(),
            uptime: UptimeSettings::default(),
            alerting: AlertingSettings::default(),
        }
    }
}

impl Default for LiveSettings {
    fn default() -> Self {
        Self {
            max_frame_bytes: 64 * 1024,
            max_text_chars: 4000,
            outbound_queue: 1024,
            heartbeat_secs: 20,
            session_check_ms: 30_000,
            max_sockets_per_person: 20,
        }
    }
}

impl Settings {
    /// Defaults, overridden by the file (if given), overridden by the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut settings = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("cannot read config {}: {e}", path.display()))?;
                toml::from_str(&text)
                    .map_err(|e| anyhow::anyhow!("config {}: {e}", path.display()))?
            }
            None => Settings::default(),
        };
        settings.apply_env(|key| std::env::var(key).ok())?;
        Ok(settings)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        fn parse<T: std::str::FromStr>(key: &str, value: String) -> anyhow::Result<T> {
            value
                .parse()
                .map_err(|_| anyhow::anyhow!("{key}: cannot understand {value:?}"))
        }
        if let Some(v) = var("BACKSTOP_LISTEN") {
            self.listen = v;
        }
        if let Some(v) = var("BACKSTOP_DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = var("BACKSTOP_DEMO") {
            self.demo = parse("BACKSTOP_DEMO", v)?;
        }
        if let Some(v) = var("BACKSTOP_LOG_FORMAT") {
            self.log_format = v.parse().map_err(|e: String| anyhow::anyhow!(e))?;
        }
        if let Some(v) = var("BACKSTOP_SESSION_HOURS") {
            self.session_hours = parse("BACKSTOP_SESSION_HOURS", v)?;
        }
        if let Some(v) = var("BACKSTOP_COOKIE_SECURE") {
            self.cookie_secure = parse("BACKSTOP_COOKIE_SECURE", v)?;
        }
        if let Some(v) = var("BACKSTOP_DATABASE_TIMEOUT_MS") {
            self.database_timeout_ms = parse("BACKSTOP_DATABASE_TIMEOUT_MS", v)?;
        }
        if let Some(v) = var("BACKSTOP_SHUTDOWN_GRACE_MS") {
            self.shutdown_grace_ms = parse("BACKSTOP_SHUTDOWN_GRACE_MS", v)?;
        }
        if let Some(v) = var("BACKSTOP_HEADER_TIMEOUT_MS") {
            self.header_timeout_ms = parse("BACKSTOP_HEADER_TIMEOUT_MS", v)?;
        }
        if let Some(v) = var("BACKSTOP_IDLE_TIMEOUT_MS") {
            self.idle_timeout_ms = parse("BACKSTOP_IDLE_TIMEOUT_MS", v)?;
        }
        if let Some(v) = var("BACKSTOP_MAX_CONNECTIONS") {
            self.max_connections = parse("BACKSTOP_MAX_CONNECTIONS", v)?;
        }
        if let Some(v) = var("BACKSTOP_METRICS_TOKEN") {
            self.metrics_token = Some(v);
        }
        if let Some(v) = var("BACKSTOP_ALERTMANAGER_TOKEN") {
            self.alerting.alertmanager_token = Some(v);
        }
        if let Some(v) = var("BACKSTOP_HEARTBEAT_SECS") {
            self.live.heartbeat_secs = parse("BACKSTOP_HEARTBEAT_SECS", v)?;
        }
        Ok(())
    }
}

/// The database URL may carry a password: never print it.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("database_url", &redact_url(&self.database_url))
            .field("demo", &self.demo)
            .field("log_format", &self.log_format)
            .field("session_hours", &self.session_hours)
            .field("cookie_secure", &self.cookie_secure)
            .field("token_days", &self.token_days)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("upload_quota_bytes", &self.upload_quota_bytes)
            .field("unattached_file_hours", &self.unattached_file_hours)
            .field("audit_retention_days", &self.audit_retention_days)
            .field("database_timeout_ms", &self.database_timeout_ms)
            .field("shutdown_grace_ms", &self.shutdown_grace_ms)
            .field("job_interval_ms", &self.job_interval_ms)
            .field("header_timeout_ms", &self.header_timeout_ms)
            .field("idle_timeout_ms", &self.idle_timeout_ms)
            .field("max_connections", &self.max_connections)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .field("live", &self.live)
            .field("sign_in", &self.sign_in)
            .field("helpdesk", &self.helpdesk)
            .field("sla", &self.sla)
            .field("duty", &self.duty)
            .field("uptime", &self.uptime)
            .field("alerting", &self.alerting)
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_the_file_and_the_defaults() {
        let mut s: Settings = toml::from_str("listen = \"0.0.0.0:9000\"\ndemo = true").unwrap();
        assert_eq!(s.listen, "0.0.0.0:9000");
        s.apply_env(|k| (k == "BACKSTOP_LISTEN").then(|| "127.0.0.1:1".to_string()))
            .unwrap();
        assert_eq!(s.listen, "127.0.0.1:1");
        assert!(s.demo);
        assert_eq!(s.database_url, "sqlite://backstop.db");
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        assert!(toml::from_str::<Settings>("lisen = \"x\"").is_err());
    }

    #[test]
    fn bad_environment_values_are_reported() {
        let mut s = Settings::default();
        let err = s
            .apply_env(|k| (k == "BACKSTOP_DEMO").then(|| "perhaps".to_string()))
            .unwrap_err();
        assert!(err.to_string().contains("BACKSTOP_DEMO"));
    }

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        let s = Settings {
            database_url: "postgres://u:secret@h/db".into(),
            ..Settings::default()
        };
        assert!(!format!("{s:?}").contains("secret"));
    }
}
