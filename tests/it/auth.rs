//! Logging in and out, browser sessions that expire, and the health and metrics endpoints.

use crate::common;

use common::TestApp;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn a_browser_session_is_an_http_only_cookie_that_expires() {
    let app = TestApp::spawn().await;
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let r = browser
        .post(app.url("/api/session"))
        .json(&json!({ "username": "clerk.dawan", "password": "backstop" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let me: Value = browser
        .get(app.url("/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["unit_name"], "大湾乡");

    app.clock.advance(Duration::from_secs(13 * 3600));
    let r = browser.get(app.url("/api/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "session_expired");
}

#[tokio::test]
async fn logout_ends_the_session_and_wrong_passwords_are_refused() {
    let app = TestApp::spawn().await;
    let token = app.token("expert.jingyuan").await;
    let r = app
        .http
        .delete(app.url("/api/session"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (status, v) = app.get(&token, "/api/me").await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    for (user, pass) in [("expert.jingyuan", "wrong"), ("nobody", "backstop")] {
        let r = app
            .http
            .post(app.url("/api/session"))
            .json(&json!({ "username": user, "password": pass }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "bad_credentials");
    }
}

#[tokio::test]
async fn a_cross_site_page_cannot_open_a_socket_on_the_cookie() {
    let app = TestApp::spawn().await;
    let token = app.token("clerk.dawan").await;
    let r = app
        .http
        .get(app.url("/ws"))
        .header("cookie", format!("backstop_session={token}"))
        .header("origin", "http://evil.example")
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn health_and_metrics_report_the_database_connections_and_tickets() {
    let app = TestApp::spawn().await;
    let r = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let token = app.token("clerk.dawan").await;
    app.raise(&token, "指标").await;
    let _ws = app.ws(&token).await;
    let anonymous = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401, "metrics are not public");
    let guessed = app
        .http
        .get(app.url("/metrics"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        guessed.status(),
        401,
        "a person's token is not the scraper's"
    );
    let text = app
        .http
        .get(app.url("/metrics"))
        .bearer_auth(common::METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("backstop_live_connections 1"), "{text}");
    assert!(text.contains("backstop_tickets{state=\"new\"} 1"));
    assert!(text.contains("backstop_http_request_duration_seconds_count{method=\"POST\",route=\"/api/tickets\",status=\"201\"} 1"));
    assert!(
        !text.contains("/api/tickets/1\""),
        "raw paths are not labels"
    );
}

#[tokio::test]
async fn behind_https_the_session_cookie_is_secure() {
    let app = TestApp::spawn_with(|s| s.cookie_secure = true).await;
    let r = app
        .http
        .post(app.url("/api/session"))
        .json(&json!({ "username": "clerk.dawan", "password": "backstop" }))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
    assert_eq!(
        r.headers()["cache-control"],
        "no-store",
        "secrets are not cached"
    );
    let page = app.http.get(app.url("/")).send().await.unwrap();
    let hsts = page.headers()["strict-transport-security"]
        .to_str()
        .unwrap();
    assert!(hsts.starts_with("max-age=31536000"), "{hsts}");
    let plain = TestApp::spawn().await;
    let page = plain.http.get(plain.url("/")).send().await.unwrap();
    assert!(
        page.headers().get("strict-transport-security").is_none(),
        "not over plain HTTP"
    );
}

#[tokio::test]
async fn signing_out_closes_that_sessions_sockets_and_no_others() {
    let app = TestApp::spawn().await;
    let leaving = app.token("clerk.dawan").await;
    let staying = app.token("clerk.dawan").await;
    let mut gone = app.ws(&leaving).await;
    let mut kept = app.ws(&staying).await;
    let r = app
        .http
        .delete(app.url("/api/session"))
        .bearer_auth(&leaving)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(gone.close_code().await, Some(4003));
    assert!(
        kept.drain().await.is_empty(),
        "the other session's socket still answers"
    );
}
