//! Canned replies belong to an expert group: its experts read, add and remove them; nobody
//! else sees or touches them.

use crate::common;

use common::TestApp;
use reqwest::Method;
use serde_json::{json, Value};

fn shortcuts(v: &Value) -> Vec<String> {
    v["replies"]
        .as_array()
        .expect("replies")
        .iter()
        .map(|r| r["shortcut"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn a_group_keeps_its_own_replies() {
    let app = TestApp::spawn().await;
    let expert = app.token("expert.jingyuan").await;
    let (status, v) = app.get(&expert, "/api/replies").await;
    assert_eq!(status, 200);
    assert!(
        shortcuts(&v).contains(&"证件".to_string()),
        "demo replies: {v}"
    );
    let new = json!({ "shortcut": "/认证", "title": "养老待遇认证", "body": "请群众打开“宁夏人社”App，进入待遇资格认证，按提示刷脸。" });
    let (status, v) = app.post(&expert, "/api/replies", new.clone()).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        v["reply"]["shortcut"], "认证",
        "the leading slash is not part of it"
    );
    let id = v["reply"]["id"].as_i64().expect("id");
    assert_eq!(app.post(&expert, "/api/replies", new).await.0, 409);
    let spaced = json!({ "shortcut": "a b", "title": "x", "body": "y" });
    assert_eq!(app.post(&expert, "/api/replies", spaced).await.0, 422);

    let other = app.token("expert.guyuan").await;
    let (_, theirs) = app.get(&other, "/api/replies").await;
    assert!(!shortcuts(&theirs).contains(&"认证".to_string()));
    let path = format!("/api/replies/{id}");
    assert_eq!(
        app.call(Method::DELETE, &other, &path, json!(null)).await.0,
        404
    );
    let clerk = app.token("clerk.dawan").await;
    assert_eq!(
        app.get(&clerk, "/api/replies").await.1,
        json!({ "replies": [] })
    );
    let mine = json!({ "shortcut": "x", "title": "x", "body": "y" });
    assert_eq!(app.post(&clerk, "/api/replies", mine).await.0, 403);
    assert_eq!(
        app.call(Method::DELETE, &expert, &path, json!(null))
            .await
            .0,
        204
    );
    let (_, after) = app.get(&expert, "/api/replies").await;
    assert!(!shortcuts(&after).contains(&"认证".to_string()));
}
