//! Finding tickets: by number, words, unit, service item, state, handler and date, newest
//! first and paged by cursor — always inside the searcher's own jurisdiction. Runs on SQLite
//! and, in CI's second run, on PostgreSQL.

use crate::common;

use common::{url_encode, TestApp};
use serde_json::{json, Value};

fn titles(v: &Value) -> Vec<String> {
    v["tickets"]
        .as_array()
        .unwrap_or_else(|| panic!("tickets in {v}"))
        .iter()
        .map(|t| t["title"].as_str().unwrap_or("").to_string())
        .collect()
}

async fn raise(app: &TestApp, token: &str, item: &str, title: &str) -> i64 {
    let body = json!({ "item_code": item, "difficulty": "small", "title": title, "body": "群众反映 100% 无法办理" });
    let (status, v) = app.post(token, "/api/tickets", body).await;
    assert_eq!(status, 201, "{v}");
    v["ticket"]["id"].as_i64().expect("id")
}

#[tokio::test]
async fn tickets_are_found_by_each_field_within_the_searchers_area() {
    let app = TestApp::spawn().await;
    let dawan = app.token("clerk.dawan").await;
    let xixia = app.token("clerk.zhenbeibao").await;
    let card = raise(&app, &dawan, "C04", "社保卡密码锁定").await;
    let pension = raise(&app, &dawan, "S03", "养老待遇认证失败").await;
    raise(&app, &dawan, "E01", "失业登记_重复").await;
    raise(&app, &xixia, "C04", "社保卡挂失补办").await;
    let expert = app.token("expert.jingyuan").await;
    for action in ["claim", "resolve"] {
        let path = format!("/api/tickets/{card}/{action}");
        assert_eq!(app.post(&expert, &path, json!({})).await.0, 200);
    }
    app.clock.advance(std::time::Duration::from_secs(3600));
    let late = raise(&app, &dawan, "C01", "社保卡申领进度").await;

    let region = app.token("supervisor.region").await;
    let county = app.token("supervisor.jingyuan").await;
    let find = |token: &str, query: &str| {
        let (token, path) = (token.to_string(), format!("/api/tickets?{query}"));
        let app = &app;
        async move {
            let (status, v) = app.get(&token, &path).await;
            assert_eq!(status, 200, "{path}: {v}");
            titles(&v)
        }
    };
    let q = |s: &str| url_encode(s);
    assert_eq!(
        find(&region, &format!("q={}", q("社保卡"))).await,
        ["社保卡申领进度", "社保卡挂失补办", "社保卡密码锁定"],
        "newest first, every state"
    );
    assert_eq!(
        find(&county, &format!("q={}", q("社保卡"))).await,
        ["社保卡申领进度", "社保卡密码锁定"],
        "the county supervisor does not see 西夏区"
    );
    assert_eq!(
        find(&region, &format!("q={}&unit=640424&item=C04", q("社保卡"))).await,
        ["社保卡密码锁定"]
    );
    assert_eq!(find(&region, "state=resolved").await, ["社保卡密码锁定"]);
    assert_eq!(
        find(&region, &format!("handler={}", q("杨志"))).await,
        ["社保卡密码锁定"]
    );
    assert_eq!(
        find(&region, &format!("q=%23{pension}")).await,
        ["养老待遇认证失败"]
    );
    assert_eq!(
        find(&county, &format!("q={}", q("#999999"))).await,
        Vec::<String>::new()
    );
    assert_eq!(
        find(&region, &format!("q={}", q("_"))).await,
        ["失业登记_重复"],
        "'_' is a character, not a wildcard"
    );
    assert_eq!(
        find(&region, &format!("q={}", q("100%"))).await.len(),
        5,
        "'%' is a character too (every description holds it)"
    );
    let created = app.get(&region, &format!("/api/tickets/{late}")).await.1["ticket"]["created_at"]
        .as_i64()
        .expect("created_at");
    assert_eq!(
        find(&region, &format!("from={created}")).await,
        ["社保卡申领进度"]
    );
    assert_eq!(find(&region, &format!("until={created}")).await.len(), 4);

    let (status, v) = app.get(&county, "/api/tickets?unit=640100").await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (422, Some("invalid_input")),
        "a unit outside the area"
    );
    let (status, _) = app.get(&county, "/api/tickets?state=lost").await;
    assert_eq!(status, 422);

    let mut seen = Vec::new();
    let mut after = String::new();
    loop {
        let path = format!("/api/tickets?q={}&limit=1{after}", q("社保卡"));
        let (_, v) = app.get(&region, &path).await;
        seen.extend(titles(&v));
        match v["next"].as_i64() {
            Some(next) => after = format!("&after={next}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["社保卡申领进度", "社保卡挂失补办", "社保卡密码锁定"],
        "paged one at a time by cursor"
    );
}

#[tokio::test]
async fn one_persons_search_flood_is_paced_and_others_keep_searching() {
    let app = TestApp::spawn().await;
    let region = app.token("supervisor.region").await;
    let county = app.token("supervisor.jingyuan").await;
    let path = format!("/api/tickets?q={}", url_encode("无此内容"));
    for _ in 0..30 {
        assert_eq!(app.get(&region, &path).await.0, 200);
    }
    let r = app
        .http
        .get(app.url(&path))
        .bearer_auth(&region)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "1");
    assert_eq!(
        app.get(&county, &path).await.0,
        200,
        "others keep searching"
    );
    assert_eq!(
        app.get(&region, "/api/tickets").await.0,
        200,
        "the plain lists are not searches"
    );
    app.clock.advance(std::time::Duration::from_secs(1));
    assert_eq!(app.get(&region, &path).await.0, 200, "one more a second");
}
