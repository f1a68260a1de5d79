//! The four-level security-officer mechanism on a clock the tests move: who is on duty across
//! shift boundaries, overnight, through a weekly rotation, an override and the fallback chain;
//! the gaps and their metrics; daily checks, and a missed one's escalation up the levels, each
//! step once; the matrix and rosters through CSV and back, and a bad file refused whole. The
//! background job runner is off: each test runs due work itself, at the moved time.

mod checks;
mod roster;
mod sheets;

use crate::common::TestApp;
use serde_json::Value;
use std::time::Duration;

/// Shanghai is eight hours ahead of UTC, all year.
const SHANGHAI_MS: i64 = 8 * 3_600_000;
const DAY_MS: i64 = 24 * 3_600_000;
/// 大湾乡 (泾源县, 固原市) and its county.
pub const DAWAN: &str = "640424007";
pub const JINGYUAN: &str = "640424";

pub async fn spawn() -> TestApp {
    TestApp::spawn_with(|s| s.job_interval_ms = 0).await
}

pub fn now(app: &TestApp) -> i64 {
    use backstop::Clock;
    app.clock.now()
}

/// Moves the clock on to the next `hh:mm` in Shanghai (a whole day on if it is that now).
pub fn to_local(app: &TestApp, hh: i64, mm: i64) {
    let local = (now(app) + SHANGHAI_MS).rem_euclid(DAY_MS);
    let ahead = ((hh * 60 + mm) * 60_000 - local).rem_euclid(DAY_MS);
    let ahead = if ahead == 0 { DAY_MS } else { ahead };
    app.clock
        .advance(Duration::from_millis(u64::try_from(ahead).expect("ahead")));
}

/// Runs the work due now.
pub async fn tick(app: &TestApp) {
    app.jobs.run_due(now(app)).await.expect("jobs run");
}

/// One unit's row of the matrix as `token` sees it.
pub async fn row(app: &TestApp, token: &str, code: &str) -> Value {
    let (status, v) = app
        .get(token, &format!("/api/duty/matrix?unit={code}"))
        .await;
    assert_eq!(status, 200, "{v}");
    v["matrix"]["units"][0].clone()
}

/// Who is on duty for `code` now: their name, how, and the unit that answered.
pub async fn on_duty(app: &TestApp, token: &str, code: &str) -> (String, String, String) {
    let r = row(app, token, code).await;
    let d = &r["on_duty"];
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    (text(&d["name"]), text(&d["via"]), text(&d["unit"]))
}

/// A CSV file posted to `path`; the status and the answer.
pub async fn upload(app: &TestApp, token: &str, path: &str, csv: &str) -> (u16, Value) {
    app.post_csv(token, path, csv).await
}

/// A CSV export, as text.
pub async fn download(app: &TestApp, token: &str, path: &str) -> String {
    let r = app
        .http
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 200);
    r.text().await.expect("text")
}

/// The display name of a demo login.
pub async fn name_of(app: &TestApp, username: &str) -> String {
    let token = app.token(username).await;
    let (_, v) = app.get(&token, "/api/me").await;
    v["user"]["display_name"]
        .as_str()
        .expect("name")
        .to_string()
}
