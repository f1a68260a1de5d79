//! Nobody reads, follows or handles a ticket outside their jurisdiction.

use crate::common;

use common::TestApp;
use serde_json::json;

#[tokio::test]
async fn a_guyuan_clerk_can_neither_read_nor_subscribe_to_a_yinchuan_ticket() {
    let app = TestApp::spawn().await;
    let yinchuan_clerk = app.token("clerk.zhenbeibao").await;
    let guyuan_clerk = app.token("clerk.dawan").await;
    let id = app.raise(&yinchuan_clerk, "镇北堡镇社保卡补换").await;

    let (status, v) = app.get(&guyuan_clerk, &format!("/api/tickets/{id}")).await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let (_, list) = app.get(&guyuan_clerk, "/api/tickets?all=true").await;
    assert_eq!(list["tickets"].as_array().map(Vec::len), Some(0));

    let mut ws = app.ws(&guyuan_clerk).await;
    ws.send(json!({ "type": "subscribe", "ticket": id, "ref": 1 }))
        .await;
    let err = ws.recv_type("error").await;
    assert_eq!(
        (err["code"].as_str(), err["ref"].as_i64()),
        (Some("not_found"), Some(1))
    );
    ws.send(json!({ "type": "send", "ticket": id, "client_id": "x", "text": "偷看" }))
        .await;
    let err = ws.recv_type("error").await;
    assert_eq!(
        (err["code"].as_str(), err["client_id"].as_str()),
        (Some("not_found"), Some("x"))
    );
    ws.send(json!({ "type": "typing", "ticket": id })).await;
    assert_eq!(ws.recv_type("error").await["code"], "invalid_state");
    let (status, v) = app
        .post(
            &guyuan_clerk,
            &format!("/api/tickets/{id}/messages"),
            json!({ "text": "x" }),
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (404, Some("not_found"))
    );

    let (_, own) = app
        .get(&yinchuan_clerk, &format!("/api/tickets/{id}"))
        .await;
    assert_eq!(
        own["events"].as_array().map(Vec::len),
        Some(1),
        "nothing was added"
    );
}

#[tokio::test]
async fn an_expert_cannot_claim_outside_their_jurisdiction() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let id = app.raise(&clerk, "社保卡密码重置").await;
    for outsider in [
        "expert.yinchuan",
        "expert.zhongning",
        "expert.vendor",
        "expert.legal",
    ] {
        let token = app.token(outsider).await;
        let (status, v) = app
            .post(&token, &format!("/api/tickets/{id}/claim"), json!({}))
            .await;
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (404, Some("not_found")),
            "{outsider}"
        );
    }
    let supervisor = app.token("supervisor.jingyuan").await;
    let (status, _) = app
        .post(&supervisor, &format!("/api/tickets/{id}/claim"), json!({}))
        .await;
    assert_eq!(status, 403, "a supervisor sees it but does not claim");
    let (_, t) = app.get(&clerk, &format!("/api/tickets/{id}")).await;
    assert_eq!(
        (
            t["ticket"]["state"].as_str(),
            t["ticket"]["assignee_id"].is_null()
        ),
        (Some("new"), true)
    );
    let city = app.token("expert.guyuan").await;
    let (status, _) = app
        .post(&city, &format!("/api/tickets/{id}/claim"), json!({}))
        .await;
    assert_eq!(status, 200, "the city above the county may claim");
    let (status, v) = app
        .post(
            &app.token("expert.jingyuan").await,
            &format!("/api/tickets/{id}/claim"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (409, Some("invalid_state"))
    );
}

#[tokio::test]
async fn a_village_agent_sees_only_the_village_and_the_township_clerk_only_the_township() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent.niuying").await;
    let township = app.token("clerk.dawan").await;
    let village_ticket = app.raise(&agent, "牛营村代办养老认证").await;
    let (status, _) = app
        .get(&township, &format!("/api/tickets/{village_ticket}"))
        .await;
    assert_eq!(status, 404);
    let officer = app.token("officer.dawan").await;
    let (status, _) = app
        .get(&officer, &format!("/api/tickets/{village_ticket}"))
        .await;
    assert_eq!(status, 200, "the township's officer sees its villages");
    let expert = app.token("expert.jingyuan").await;
    let (_, queue) = app.get(&expert, "/api/tickets").await;
    assert_eq!(queue["tickets"][0]["unit_name"], "牛营村");
}

#[tokio::test]
async fn a_region_wide_expert_finds_their_tickets_behind_hundreds_of_others() {
    // One clerk raises them all here, so the per-clerk limits are lifted.
    let app = TestApp::spawn_with(|s| {
        s.helpdesk.max_open_requests = 1000;
        s.helpdesk.request_burst = 1000;
    })
    .await;
    let clerk = app.token("clerk.dawan").await;
    let it_fault = json!({ "item_code": "S01", "kind": "it_fault", "difficulty": "big", "title": "系统登录超时" });
    let (status, _) = app.post(&clerk, "/api/tickets", it_fault).await;
    assert_eq!(status, 201);
    // 520 business tickets raised after it, then one more IT fault behind them all.
    let raises = (0..520).map(|n| {
        let (app, clerk) = (&app, &clerk);
        async move { app.raise(clerk, &format!("业务咨询 {n}")).await }
    });
    futures_util::future::join_all(raises).await;
    let late = json!({ "item_code": "C02", "kind": "it_fault", "difficulty": "small", "title": "读卡器无响应" });
    app.post(&clerk, "/api/tickets", late).await;
    let vendor = app.token("expert.vendor").await;
    let (_, list) = app.get(&vendor, "/api/tickets").await;
    let titles: Vec<_> = list["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(titles, ["系统登录超时", "读卡器无响应"]);
    let (_, mine) = app.get(&clerk, "/api/tickets?all=true").await;
    assert_eq!(
        mine["tickets"][0]["title"], "读卡器无响应",
        "the clerk's full list starts with the newest"
    );
    assert_eq!(
        mine["tickets"].as_array().map(Vec::len),
        Some(100),
        "a page"
    );
    let mut seen = 100;
    let mut next = mine["next"].as_i64();
    while let Some(after) = next {
        let (_, page) = app
            .get(
                &clerk,
                &format!("/api/tickets?all=true&after={after}&limit=500"),
            )
            .await;
        seen += page["tickets"].as_array().map_or(0, Vec::len);
        next = page["next"].as_i64();
    }
    assert_eq!(seen, 522, "paging through reaches every ticket");
}
