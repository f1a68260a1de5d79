//! Screenshots and documents: checked by content, limited in size, stored once by hash, served
//! safely, and readable only by those who may see a ticket that references them.

use crate::common;

use backstop::Clock;
use common::TestApp;
use serde_json::{json, Value};

/// A real 1×1 PNG.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82";

async fn upload(app: &TestApp, token: &str, body: Vec<u8>, content_type: &str) -> (u16, Value) {
    let r = app
        .http
        .post(app.url("/api/files"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_screenshot_is_uploaded_attached_and_seen_by_the_expert_only() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let expert = app.token("expert.jingyuan").await;
    let outsider = app.token("clerk.zhenbeibao").await;
    let id = app.raise(&clerk, "系统报错截图").await;
    app.post(&expert, &format!("/api/tickets/{id}/claim"), json!({}))
        .await;

    let (status, v) = upload(&app, &clerk, PNG.to_vec(), "application/octet-stream").await;
    assert_eq!((status, v["mime"].as_str()), (201, Some("image/png")));
    let hash = v["hash"].as_str().unwrap().to_string();
    let (_, again) = upload(&app, &clerk, PNG.to_vec(), "image/png").await;
    assert_eq!(again["hash"], hash.as_str(), "stored once by content hash");

    let mut expert_ws = app.ws(&expert).await;
    expert_ws
        .send(json!({ "type": "subscribe", "ticket": id }))
        .await;
    expert_ws.recv_type("snapshot").await;
    let url = app.url(&format!("/api/files/{hash}"));
    let r = app
        .http
        .get(&url)
        .bearer_auth(&expert)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        404,
        "not referenced yet: only the uploader may read it"
    );

    let mut clerk_ws = app.ws(&clerk).await;
    clerk_ws.send(json!({ "type": "send", "ticket": id, "client_id": "shot", "text": "报错截图", "file": hash })).await;
    clerk_ws.recv_type("ack").await;
    let event = expert_ws.recv_type("event").await;
    assert_eq!(event["event"]["file"], hash.as_str());

    let r = app
        .http
        .get(&url)
        .bearer_auth(&expert)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
    let r = app
        .http
        .get(&url)
        .bearer_auth(&outsider)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        404,
        "a 银川 clerk cannot read a 固原 ticket's file"
    );

    // Someone else's hash cannot be attached.
    let (status, v) = app
        .post(
            &expert,
            &format!("/api/tickets/{id}/messages"),
            json!({ "text": "x", "file": hash }),
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
}

#[tokio::test]
async fn uploads_are_checked_by_content_and_size() {
    let app = TestApp::spawn_with(|s| s.max_upload_bytes = 1024 * 1024).await;
    let clerk = app.token("clerk.dawan").await;
    let (status, v) = upload(
        &app,
        &clerk,
        b"<svg onload=alert(1)></svg>".to_vec(),
        "image/png",
    )
    .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (415, Some("unsupported_type"))
    );
    let mut big = PNG.to_vec();
    big.resize(1024 * 1024 + 1, 0);
    let (status, v) = upload(&app, &clerk, big, "image/png").await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (413, Some("too_large"))
    );
    let mut fits = b"%PDF-1.4\n".to_vec();
    fits.resize(600 * 1024, b' ');
    let (status, v) = upload(&app, &clerk, fits, "application/pdf").await;
    assert_eq!(
        (status, v["mime"].as_str()),
        (201, Some("application/pdf")),
        "over the JSON limit, under the file limit"
    );
    let (status, _) = upload(&app, &clerk, Vec::new(), "image/png").await;
    assert_eq!(status, 422);
    let r = app
        .http
        .post(app.url("/api/files"))
        .body(PNG.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (status, _) = app.get(&clerk, "/api/files/not-a-hash").await;
    assert_eq!(status, 404);
}

/// A distinct picture of about `size` bytes: the PNG with padding after it.
fn picture(n: u8, size: usize) -> Vec<u8> {
    let mut data = PNG.to_vec();
    data.resize(size, n);
    data
}

#[tokio::test]
async fn each_person_has_a_daily_upload_quota() {
    let app = TestApp::spawn_with(|s| s.upload_quota_bytes = 10_000).await;
    let clerk = app.token("clerk.dawan").await;
    assert_eq!(
        upload(&app, &clerk, picture(1, 4_000), "image/png").await.0,
        201
    );
    assert_eq!(
        upload(&app, &clerk, picture(2, 4_000), "image/png").await.0,
        201
    );
    let (status, v) = upload(&app, &clerk, picture(3, 4_000), "image/png").await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (429, Some("rate_limited"))
    );
    let other = app.token("clerk.zhenbeibao").await;
    assert_eq!(
        upload(&app, &other, picture(3, 4_000), "image/png").await.0,
        201,
        "per person"
    );
    app.clock.advance(std::time::Duration::from_secs(25 * 3600));
    assert_eq!(
        upload(&app, &clerk, picture(4, 4_000), "image/png").await.0,
        201,
        "a new day"
    );
}

#[tokio::test]
async fn files_nobody_attached_are_removed_and_attached_ones_stay() {
    // Jobs run only when the test says so.
    let app = TestApp::spawn_with(|s| s.job_interval_ms = 0).await;
    let clerk = app.token("clerk.dawan").await;
    let id = app.raise(&clerk, "截图清理").await;
    let (_, kept) = upload(&app, &clerk, picture(5, 2_000), "image/png").await;
    let (_, loose) = upload(&app, &clerk, picture(6, 2_000), "image/png").await;
    let kept = kept["hash"].as_str().expect("hash").to_string();
    let loose = loose["hash"].as_str().expect("hash").to_string();
    let (status, _) = app
        .post(
            &clerk,
            &format!("/api/tickets/{id}/messages"),
            json!({ "text": "截图", "file": kept }),
        )
        .await;
    assert_eq!(status, 201);
    app.clock.advance(std::time::Duration::from_secs(25 * 3600));
    let clerk = app.token("clerk.dawan").await;
    app.jobs.run_due(app.clock.now()).await.expect("jobs run");
    assert_eq!(app.get(&clerk, &format!("/api/files/{kept}")).await.0, 200);
    let r = app
        .http
        .get(app.url(&format!("/api/files/{loose}")))
        .bearer_auth(&clerk)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 404, "the unattached upload is gone");
}

#[tokio::test]
async fn a_file_in_an_internal_note_is_not_the_clerks_to_download() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let expert = app.token("expert.jingyuan").await;
    let id = app.raise(&clerk, "内部截图").await;
    app.post(&expert, &format!("/api/tickets/{id}/claim"), json!({}))
        .await;
    let (_, v) = upload(&app, &expert, PNG.to_vec(), "image/png").await;
    let hash = v["hash"].as_str().expect("hash").to_string();
    let note = json!({ "text": "后台系统截图，仅内部", "file": hash, "internal": true });
    let (status, _) = app
        .post(&expert, &format!("/api/tickets/{id}/messages"), note)
        .await;
    assert_eq!(status, 201);
    let path = format!("/api/files/{hash}");
    assert_eq!(app.get(&clerk, &path).await.0, 404, "the clerk's side");
    let boss = app.token("supervisor.jingyuan").await;
    assert_eq!(app.get(&boss, &path).await.0, 200, "staff who read notes");
}
