//! A township clerk's live help request reaches the right expert, end to end, over a real
//! server and real WebSocket clients.

use crate::common;

use common::TestApp;
use serde_json::json;

#[tokio::test]
async fn clerk_request_reaches_the_county_expert_who_claims_chats_and_resolves_live() {
    let app = TestApp::spawn().await;
    let clerk_token = app.token("clerk.dawan").await;
    let expert_token = app.token("expert.jingyuan").await;
    let mut clerk = app.ws(&clerk_token).await;
    let mut expert = app.ws(&expert_token).await;
    let mut far_expert = app.ws(&app.token("expert.yinchuan").await).await;
    for ws in [&mut clerk, &mut expert, &mut far_expert] {
        ws.send(json!({ "type": "subscribe_queue" })).await;
        let queue = ws.recv_type("queue").await;
        assert_eq!(queue["tickets"].as_array().map(Vec::len), Some(0));
    }

    let id = app.raise(&clerk_token, "社保卡密码重置失败").await;

    let seen = expert.recv_type("ticket").await;
    assert_eq!(seen["ticket"]["id"], id);
    assert_eq!(seen["ticket"]["state"], "new");
    assert_eq!(seen["ticket"]["unit_name"], "大湾乡");
    assert_eq!(
        clerk.recv_type("ticket").await["ticket"]["state"],
        "new",
        "the clerk's own list"
    );
    let far = far_expert.drain().await;
    assert!(
        far.iter().all(|f| f["type"] != "ticket"),
        "银川 expert saw {far:?}"
    );

    let (status, claimed) = app
        .post(
            &expert_token,
            &format!("/api/tickets/{id}/claim"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{claimed}");
    let update = clerk.recv_type("ticket").await;
    assert_eq!(update["ticket"]["state"], "claimed");
    assert_eq!(update["ticket"]["assignee_name"], "杨志刚");

    clerk
        .send(json!({ "type": "subscribe", "ticket": id, "after_seq": 0 }))
        .await;
    let snap = clerk.recv_type("snapshot").await;
    assert_eq!(
        snap["events"].as_array().map(Vec::len),
        Some(2),
        "created + claimed"
    );
    expert
        .send(json!({ "type": "subscribe", "ticket": id, "after_seq": 2 }))
        .await;
    expert.recv_type("snapshot").await;

    clerk.send(json!({ "type": "send", "ticket": id, "client_id": "c-1", "text": "卡密码输错三次被锁了" })).await;
    let ack = clerk.recv_type("ack").await;
    assert_eq!(
        (ack["client_id"].as_str(), ack["seq"].as_i64()),
        (Some("c-1"), Some(3))
    );
    let got = expert.recv_type("event").await;
    assert_eq!(got["event"]["body"], "卡密码输错三次被锁了");
    assert_eq!(got["event"]["actor_name"], "马小兰");

    expert.send(json!({ "type": "send", "ticket": id, "client_id": "e-1", "text": "请带身份证到窗口解锁" })).await;
    expert.recv_type("ack").await;
    let reply = clerk.recv_type("event").await;
    assert_eq!(
        (
            reply["event"]["seq"].as_i64(),
            reply["event"]["kind"].as_str()
        ),
        (Some(4), Some("message"))
    );

    let (status, _) = app
        .post(
            &expert_token,
            &format!("/api/tickets/{id}/resolve"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let done = clerk.recv_type("ticket").await;
    assert_eq!(done["ticket"]["state"], "resolved");
    let logged = clerk.recv_type("event").await;
    assert_eq!(logged["event"]["kind"], "resolved");

    let (_, history) = app.get(&clerk_token, &format!("/api/tickets/{id}")).await;
    let kinds: Vec<_> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].clone())
        .collect();
    assert_eq!(
        kinds,
        ["created", "claimed", "message", "message", "resolved"]
    );
}

#[tokio::test]
async fn typing_and_presence_reach_the_other_side_of_the_ticket() {
    let app = TestApp::spawn().await;
    let clerk_token = app.token("clerk.dawan").await;
    let expert_token = app.token("expert.jingyuan").await;
    let id = app.raise(&clerk_token, "就业登记提示身份证号重复").await;
    app.post(
        &expert_token,
        &format!("/api/tickets/{id}/claim"),
        json!({}),
    )
    .await;
    let mut clerk = app.ws(&clerk_token).await;
    clerk
        .send(json!({ "type": "subscribe", "ticket": id }))
        .await;
    let snap = clerk.recv_type("snapshot").await;
    let expert_presence = snap["presence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["status"] == "offline")
        .cloned();
    assert!(
        expert_presence.is_some(),
        "the expert is not connected yet: {snap}"
    );

    let mut expert = app.ws(&expert_token).await;
    let online = clerk.recv_type("presence").await;
    assert_eq!(online["status"], "on_duty");
    expert
        .send(json!({ "type": "subscribe", "ticket": id }))
        .await;
    expert.recv_type("snapshot").await;
    expert.send(json!({ "type": "typing", "ticket": id })).await;
    let typing = clerk.recv_type("typing").await;
    assert_eq!(typing["name"], "杨志刚");
    expert
        .send(json!({ "type": "presence", "status": "away" }))
        .await;
    assert_eq!(clerk.recv_type("presence").await["status"], "away");
    drop(expert);
    assert_eq!(clerk.recv_type("presence").await["status"], "offline");
}

#[tokio::test]
async fn an_expert_who_is_away_is_not_routed_new_tickets() {
    let app = TestApp::spawn().await;
    let clerk_token = app.token("clerk.dawan").await;
    let mut expert = app.ws(&app.token("expert.jingyuan").await).await;
    expert.send(json!({ "type": "subscribe_queue" })).await;
    expert.recv_type("queue").await;
    expert
        .send(json!({ "type": "presence", "status": "away" }))
        .await;
    app.raise(&clerk_token, "失业登记无法提交").await;
    let seen = expert.drain().await;
    assert!(seen.iter().all(|f| f["type"] != "ticket"), "{seen:?}");
    expert
        .send(json!({ "type": "presence", "status": "on_duty" }))
        .await;
    expert.send(json!({ "type": "subscribe_queue" })).await;
    let queue = expert.recv_type("queue").await;
    assert_eq!(
        queue["tickets"].as_array().map(Vec::len),
        Some(1),
        "the queue snapshot still lists it"
    );
}

#[tokio::test]
async fn it_faults_reach_the_vendor_everywhere_but_not_the_county_business_expert() {
    let app = TestApp::spawn().await;
    let mut vendor = app.ws(&app.token("expert.vendor").await).await;
    let mut county = app.ws(&app.token("expert.jingyuan").await).await;
    for ws in [&mut vendor, &mut county] {
        ws.send(json!({ "type": "subscribe_queue" })).await;
        ws.recv_type("queue").await;
    }
    let clerk = app.token("clerk.dawan").await;
    let body = json!({ "item_code": "S01", "kind": "it_fault", "difficulty": "big", "title": "人社一体化系统登录超时" });
    let (status, v) = app.post(&clerk, "/api/tickets", body).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        vendor.recv_type("ticket").await["ticket"]["specialty"],
        "it_fault"
    );
    assert!(county.drain().await.iter().all(|f| f["type"] != "ticket"));
}

#[tokio::test]
async fn transfer_hands_the_ticket_to_another_expert_in_jurisdiction() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let county = app.token("expert.jingyuan").await;
    let city = app.token("expert.guyuan").await;
    let far = app.token("expert.yinchuan").await;
    let id = app.raise(&clerk, "养老待遇领取资格认证").await;
    app.post(&county, &format!("/api/tickets/{id}/claim"), json!({}))
        .await;
    let (_, me) = app.get(&city, "/api/me").await;
    let city_id = me["user"]["id"].as_i64().unwrap();
    let (_, far_me) = app.get(&far, "/api/me").await;
    let (status, v) = app
        .post(
            &county,
            &format!("/api/tickets/{id}/transfer"),
            json!({ "to": far_me["user"]["id"] }),
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (422, Some("invalid_input"))
    );
    // Outside the specialty, or no such person: the same answer, so ids cannot be probed.
    let (_, legal) = app.get(&app.token("expert.legal").await, "/api/me").await;
    let transfer = format!("/api/tickets/{id}/transfer");
    let wrong_specialty = app
        .post(&county, &transfer, json!({ "to": legal["user"]["id"] }))
        .await;
    let nobody = app.post(&county, &transfer, json!({ "to": 999_999 })).await;
    assert_eq!(wrong_specialty.0, 422);
    assert_eq!(wrong_specialty.1, nobody.1, "the same answer");
    assert_eq!(wrong_specialty.1, v);
    let (status, v) = app
        .post(
            &county,
            &format!("/api/tickets/{id}/transfer"),
            json!({ "to": city_id }),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["ticket"]["assignee_id"], city_id);
    let (status, _) = app
        .post(&county, &format!("/api/tickets/{id}/resolve"), json!({}))
        .await;
    assert_eq!(status, 403, "the former assignee no longer directs it");
    let (status, _) = app
        .post(&city, &format!("/api/tickets/{id}/resolve"), json!({}))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_resent_message_is_stored_once_and_keeps_its_sequence_number() {
    let app = TestApp::spawn().await;
    let clerk_token = app.token("clerk.dawan").await;
    let id = app.raise(&clerk_token, "社保卡挂失").await;
    let mut clerk = app.ws(&clerk_token).await;
    let frame = json!({ "type": "send", "ticket": id, "client_id": "m-7", "text": "在吗" });
    clerk.send(frame.clone()).await;
    let first = clerk.recv_type("ack").await;
    clerk.send(frame).await;
    let again = clerk.recv_type("ack").await;
    assert_eq!(first["seq"], again["seq"]);
    assert_eq!(
        (first["duplicate"].as_bool(), again["duplicate"].as_bool()),
        (Some(false), Some(true))
    );
    let (_, history) = app.get(&clerk_token, &format!("/api/tickets/{id}")).await;
    assert_eq!(history["events"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_clerk_answer_to_waiting_hands_the_ticket_back_and_close_reopen_work() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let expert = app.token("expert.jingyuan").await;
    let id = app.raise(&clerk, "创业担保贷款材料").await;
    app.post(&expert, &format!("/api/tickets/{id}/claim"), json!({}))
        .await;
    let (_, v) = app
        .post(&expert, &format!("/api/tickets/{id}/wait"), json!({}))
        .await;
    assert_eq!(v["ticket"]["state"], "waiting");
    let (status, _) = app
        .post(
            &clerk,
            &format!("/api/tickets/{id}/messages"),
            json!({ "text": "已补充营业执照" }),
        )
        .await;
    assert_eq!(status, 201);
    let (_, t) = app.get(&clerk, &format!("/api/tickets/{id}")).await;
    assert_eq!(t["ticket"]["state"], "claimed");
    let (status, v) = app
        .post(&clerk, &format!("/api/tickets/{id}/claim"), json!({}))
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    app.post(&expert, &format!("/api/tickets/{id}/resolve"), json!({}))
        .await;
    let (_, v) = app
        .post(&clerk, &format!("/api/tickets/{id}/close"), json!({}))
        .await;
    assert_eq!(v["ticket"]["state"], "closed");
    let (status, v) = app
        .post(
            &clerk,
            &format!("/api/tickets/{id}/messages"),
            json!({ "text": "还有问题" }),
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (409, Some("invalid_state"))
    );
    let (_, v) = app
        .post(&clerk, &format!("/api/tickets/{id}/reopen"), json!({}))
        .await;
    assert_eq!(v["ticket"]["state"], "claimed");
}

#[tokio::test]
async fn the_clerk_learns_the_presence_of_the_expert_who_claims() {
    let app = TestApp::spawn().await;
    let clerk_token = app.token("clerk.dawan").await;
    let expert_token = app.token("expert.jingyuan").await;
    let id = app.raise(&clerk_token, "失业金申领进度").await;
    let mut clerk = app.ws(&clerk_token).await;
    clerk
        .send(json!({ "type": "subscribe", "ticket": id }))
        .await;
    assert_eq!(
        clerk.recv_type("snapshot").await["presence"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let _expert = app.ws(&expert_token).await;
    app.post(
        &expert_token,
        &format!("/api/tickets/{id}/claim"),
        json!({}),
    )
    .await;
    let seen = clerk.recv_type("presence").await;
    assert_eq!(
        (seen["name"].as_str(), seen["status"].as_str()),
        (Some("杨志刚"), Some("on_duty"))
    );
}

#[tokio::test]
async fn shutting_down_closes_live_sockets_with_going_away() {
    let mut app = TestApp::spawn().await;
    let mut signed_in = app.ws(&app.token("clerk.dawan").await).await;
    let mut anonymous = app.ws_anonymous().await;
    app.stop();
    assert_eq!(signed_in.close_code().await, Some(1001));
    assert_eq!(anonymous.close_code().await, Some(1001));
}

#[tokio::test]
async fn a_request_withdrawn_before_anyone_claimed_it_reopens_into_the_queue() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let id = app.raise(&clerk, "误提交的求助").await;
    let (_, v) = app
        .post(&clerk, &format!("/api/tickets/{id}/close"), json!({}))
        .await;
    assert_eq!(v["ticket"]["state"], "closed");
    let (_, v) = app
        .post(&clerk, &format!("/api/tickets/{id}/reopen"), json!({}))
        .await;
    assert_eq!(
        (
            v["ticket"]["state"].as_str(),
            v["ticket"]["assignee_id"].is_null()
        ),
        (Some("new"), true)
    );
}

#[tokio::test]
async fn messages_sent_together_are_committed_in_groups() {
    let app = TestApp::spawn().await;
    let clerk_token = app.token("clerk.dawan").await;
    let id = app.raise(&clerk_token, "批量提交").await;
    let mut sockets = Vec::new();
    for _ in 0..10 {
        sockets.push(app.ws(&clerk_token).await);
    }
    for (n, ws) in sockets.iter_mut().enumerate() {
        for m in 0..20 {
            ws.send(json!({ "type": "send", "ticket": id, "client_id": format!("g{n}-{m}"), "text": "一起发" })).await;
        }
    }
    for ws in &mut sockets {
        for _ in 0..20 {
            ws.recv_type("ack").await;
        }
    }
    let groups = app.metric("backstop_journal_group_size_count").await;
    // The request itself went through the journal too.
    let messages = app.metric("backstop_journal_group_size_sum").await - 1.0;
    assert_eq!(messages, 200.0);
    assert!(
        groups < messages / 2.0,
        "{messages} messages took {groups} transactions"
    );
}
