//! HTTPS checks: the certificate's end of validity is read from the handshake, and one near
//! its end raises a warning incident (the system stays up); a certificate renewed ends it.

use super::{add, incidents_of, monitor, round};
use crate::common::target::Target;
use crate::common::TestApp;
use serde_json::json;

/// Milliseconds since the epoch of a UTC midnight.
fn midnight(y: i16, m: i8, d: i8) -> i64 {
    jiff::civil::date(y, m, d)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .expect("date")
        .timestamp()
        .as_millisecond()
}

#[tokio::test]
async fn a_certificate_near_its_end_raises_a_warning_and_the_system_stays_up() {
    // The server's clock is real time here: the target's certificates are checked against it.
    let now = jiff::Timestamp::now();
    let soon = now
        .checked_add(jiff::SignedDuration::from_hours(5 * 24))
        .expect("soon");
    let date = soon.to_zoned(jiff::tz::TimeZone::UTC).date();
    let expiring =
        Target::https((i32::from(date.year()), date.month() as u8, date.day() as u8)).await;
    let lasting = Target::https((2099, 1, 1)).await;
    let dir = tempfile::tempdir().expect("dir");
    let ca = dir.path().join("ca.pem");
    let pems = format!(
        "{}{}",
        expiring.ca_pem.clone().expect("pem"),
        lasting.ca_pem.clone().expect("pem")
    );
    std::fs::write(&ca, pems).expect("write CA");
    let app = TestApp::spawn_at(now.as_millisecond(), |s| {
        s.job_interval_ms = 0;
        s.uptime.tick_ms = 0;
        s.uptime.ca_file = Some(ca.to_string_lossy().into_owned());
    })
    .await;
    add(
        &app,
        "portal",
        "http",
        &expiring.url(),
        json!({ "cert_warn_days": 14 }),
    )
    .await;
    add(
        &app,
        "renewed",
        "http",
        &lasting.url(),
        json!({ "cert_warn_days": 14 }),
    )
    .await;
    round(&app).await;

    let portal = monitor(&app, "portal").await;
    assert_eq!(portal["state"]["status"], "up", "{portal}");
    let ends = portal["state"]["cert_expires_at"]
        .as_i64()
        .expect("certificate end read");
    assert_eq!(ends, midnight(date.year(), date.month(), date.day()));
    let warned = incidents_of(&app, "测试系统 portal（").await;
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert_eq!(warned[0]["severity"], "warning");
    assert!(warned[0]["title"].as_str().unwrap_or("").contains("证书"));
    // A warning is told to its unit and does not climb.
    app.clock.advance(std::time::Duration::from_secs(3600));
    app.jobs
        .run_due(backstop::Clock::now(app.clock.as_ref()))
        .await
        .expect("jobs");
    assert_eq!(incidents_of(&app, "测试系统 portal（").await[0]["step"], 0);

    let renewed = monitor(&app, "renewed").await;
    assert_eq!(renewed["state"]["cert_expires_at"], midnight(2099, 1, 1));
    assert!(incidents_of(&app, "测试系统 renewed（").await.is_empty());
}

#[tokio::test]
async fn a_certificate_nobody_trusts_fails_the_check() {
    let target = Target::https((2099, 1, 1)).await;
    let app = super::spawn().await;
    add(&app, "untrusted", "http", &target.url(), json!({})).await;
    round(&app).await;
    let last = monitor(&app, "untrusted").await["state"]["last"].clone();
    assert_eq!(last["ok"], false);
    assert!(
        last["detail"]
            .as_str()
            .unwrap_or("")
            .starts_with("TLS 握手失败"),
        "{last}"
    );
}
