//! Another site cannot act with a signed-in person's cookie: form-encoded and text/plain
//! requests, requests from a foreign Origin, and WebSocket upgrades from a foreign Origin (also
//! with an Authorization header beside the cookie, and with the wrong scheme) are refused with
//! `cross_site`; the console's own requests and bearer-token clients work.

use crate::common;

use common::TestApp;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// A browser signed in as `user`: a client that keeps the session cookie.
async fn browser(app: &TestApp, user: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let r = client
        .post(app.url("/api/session"))
        .json(&json!({ "username": user, "password": "backstop" }))
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status(), 200);
    client
}

async fn code(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    (
        status,
        v["error"]["code"].as_str().unwrap_or("").to_string(),
    )
}

#[tokio::test]
async fn cookie_borne_changes_from_elsewhere_are_refused_and_our_own_pass() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let id = app.raise(&clerk, "跨站请求测试").await;
    let expert = browser(&app, "expert.jingyuan").await;
    let own = format!("http://{}", app.addr);
    let claim = app.url(&format!("/api/tickets/{id}/claim"));
    let refused = (403, "cross_site".to_string());

    let form = expert
        .post(&claim)
        .header("origin", "http://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("to=1");
    assert_eq!(code(form.send().await.expect("sent")).await, refused);
    let plain = expert
        .post(&claim)
        .header("origin", &own)
        .header("content-type", "text/plain")
        .body("{}");
    assert_eq!(
        code(plain.send().await.expect("sent")).await,
        refused,
        "same origin, but a form could send it"
    );
    let foreign_json = expert
        .post(&claim)
        .header("origin", "http://evil.example")
        .json(&json!({}));
    assert_eq!(
        code(foreign_json.send().await.expect("sent")).await,
        refused
    );
    let wrong_scheme = expert
        .post(&claim)
        .header("origin", own.replace("http", "https"))
        .json(&json!({}));
    assert_eq!(
        code(wrong_scheme.send().await.expect("sent")).await,
        refused
    );
    let upload = expert
        .post(app.url("/api/files"))
        .header("origin", "http://evil.example")
        .header("content-type", "text/plain")
        .body(b"%PDF-1.4 hello".to_vec());
    assert_eq!(code(upload.send().await.expect("sent")).await, refused);
    let (_, v) = app.get(&clerk, &format!("/api/tickets/{id}")).await;
    assert_eq!(v["ticket"]["state"], "new", "nothing happened");

    let ours = expert
        .post(&claim)
        .header("origin", &own)
        .header("x-requested-with", "backstop");
    assert_eq!(
        ours.send().await.expect("sent").status(),
        200,
        "the console's own request"
    );
    // A bearer-token client is no browser: no cookie to ride on.
    let (status, _) = app
        .post(
            &clerk,
            &format!("/api/tickets/{id}/messages"),
            json!({ "text": "接口客户端" }),
        )
        .await;
    assert_eq!(status, 201);
}

async fn upgrade(app: &TestApp, cookie: &str, origin: &str, authorization: Option<&str>) -> u16 {
    let mut req = format!("ws://{}/ws", app.addr)
        .into_client_request()
        .expect("request");
    let h = req.headers_mut();
    h.insert("cookie", cookie.parse().expect("cookie"));
    h.insert("origin", origin.parse().expect("origin"));
    if let Some(a) = authorization {
        h.insert("authorization", a.parse().expect("authorization"));
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok(_) => 101,
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => r.status().as_u16(),
        Err(e) => panic!("unexpected {e}"),
    }
}

#[tokio::test]
async fn websocket_upgrades_with_the_cookie_always_check_the_origin() {
    let app = TestApp::spawn().await;
    let r = app
        .http
        .post(app.url("/api/session"))
        .json(&json!({ "username": "clerk.dawan", "password": "backstop" }))
        .send()
        .await
        .expect("sign in");
    let set = r.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_string();
    let cookie = set.split(';').next().expect("pair").to_string();
    let own = format!("http://{}", app.addr);
    assert_eq!(
        upgrade(&app, &cookie, "http://evil.example", None).await,
        403
    );
    assert_eq!(
        upgrade(&app, &cookie, "http://evil.example", Some("Basic eDp5")).await,
        403
    );
    assert_eq!(
        upgrade(&app, &cookie, &own.replace("http", "https"), None).await,
        403
    );
    assert_eq!(upgrade(&app, &cookie, &own, None).await, 101);
}
