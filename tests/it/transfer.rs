//! Transfer: the screen's list of experts who could take a ticket (nearest first, with whether
//! each is on duty now), a transfer with a reason, and the new assignee hearing of it live.

use crate::common;

use common::TestApp;
use serde_json::{json, Value};

fn names(v: &Value) -> Vec<String> {
    v["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .map(|c| c["display_name"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The codes of the groups a candidates answer offers.
fn group_codes(v: &Value) -> Vec<&str> {
    v["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(|g| g["code"].as_str())
        .collect()
}

#[tokio::test]
async fn the_assignee_sees_who_could_take_it_and_transfers_with_a_reason() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let expert = app.token("expert.jingyuan").await;
    let city = app.token("expert.guyuan").await;
    let id = app.raise(&clerk, "社保卡挂失后补换").await;
    let path = format!("/api/tickets/{id}");
    assert_eq!(
        app.get(&expert, &format!("{path}/candidates")).await.0,
        403,
        "only those who may transfer it"
    );
    app.post(&expert, &format!("{path}/claim"), json!({})).await;
    let mut city_ws = app.ws(&city).await;
    city_ws.send(json!({ "type": "subscribe_queue" })).await;
    city_ws.recv_type("queue").await;

    let (status, v) = app.get(&expert, &format!("{path}/candidates")).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        names(&v),
        ["海燕"],
        "the city's expert; not the assignee, not Yinchuan, not the IT groups"
    );
    assert_eq!(v["candidates"][0]["unit_name"], "固原市");
    assert_eq!(v["candidates"][0]["presence"], "on_duty");
    let to = v["candidates"][0]["id"].as_i64().expect("id");

    let long = "理".repeat(201);
    let (status, _) = app
        .post(
            &expert,
            &format!("{path}/transfer"),
            json!({ "to": to, "reason": long }),
        )
        .await;
    assert_eq!(
        status, 422,
        "a reason is one line of at most 200 characters"
    );
    let body = json!({ "to": to, "reason": "需市级系统权限" });
    let (status, v) = app.post(&expert, &format!("{path}/transfer"), body).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["ticket"]["assignee_name"], "海燕");
    let live = city_ws.recv_type("ticket").await;
    assert_eq!(live["ticket"]["assignee_id"], to);
    assert!(live["ticket"]["actions"]
        .as_array()
        .expect("actions")
        .contains(&json!("resolve")));
    let (_, history) = app.get(&city, &path).await;
    let last = history["events"].as_array().and_then(|e| e.last().cloned());
    let last = last.expect("entries");
    assert_eq!(
        (last["kind"].as_str(), last["body"].as_str()),
        (Some("transferred"), Some("海燕：需市级系统权限"))
    );
    assert_eq!(last["actor_role"], "expert");
    assert_eq!(last["actor_unit"], "泾源县");
}

#[tokio::test]
async fn a_ticket_transferred_to_a_group_waits_in_that_groups_queue_alone() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let county = app.token("expert.jingyuan").await;
    let vendor = app.token("expert.vendor").await;
    let id = app.raise(&clerk, "社保卡读卡器报错").await;
    let path = format!("/api/tickets/{id}");
    app.post(&county, &format!("{path}/claim"), json!({})).await;
    let mut vendor_ws = app.ws(&vendor).await;
    vendor_ws.send(json!({ "type": "subscribe_queue" })).await;
    vendor_ws.recv_type("queue").await;

    let (_, v) = app.get(&county, &format!("{path}/candidates")).await;
    let groups = group_codes(&v);
    assert!(
        groups.contains(&"vendor") && groups.contains(&"guyuan"),
        "{v}"
    );
    assert!(
        !groups.contains(&"yinchuan"),
        "not a group whose unit misses the ticket"
    );
    let (status, _) = app
        .post(
            &county,
            &format!("{path}/transfer"),
            json!({ "group": "yinchuan" }),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = app
        .post(
            &county,
            &format!("{path}/transfer"),
            json!({ "group": "vendor", "to": 1 }),
        )
        .await;
    assert_eq!(status, 422, "a person or a group, not both");

    let body = json!({ "group": "vendor", "reason": "读卡器驱动问题，请软件公司看" });
    let (status, v) = app.post(&county, &format!("{path}/transfer"), body).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (
            v["ticket"]["state"].as_str(),
            v["ticket"]["group_name"].as_str()
        ),
        (Some("new"), Some("人社一体化系统软件公司"))
    );
    assert!(v["ticket"]["assignee_id"].is_null());
    let live = vendor_ws.recv_type("ticket").await;
    assert_eq!(live["ticket"]["id"], id, "in the vendor's queue, live");
    assert_eq!(live["ticket"]["actions"][1], "claim");
    assert_eq!(
        app.get(&county, &path).await.0,
        404,
        "out of the county group's sight"
    );
    let city = app.token("expert.guyuan").await;
    assert_eq!(app.get(&city, &path).await.0, 404, "nor any other group's");
    let (status, v) = app.post(&vendor, &format!("{path}/claim"), json!({})).await;
    assert_eq!(
        (status, v["ticket"]["assignee_name"].as_str()),
        (200, Some("刘工"))
    );
    let city_id = app.get(&city, "/api/me").await.1["user"]["id"].clone();
    let (status, _) = app
        .post(
            &vendor,
            &format!("{path}/transfer"),
            json!({ "to": city_id }),
        )
        .await;
    assert_eq!(
        status, 422,
        "the group answers it now, not the card specialty"
    );
    let (_, history) = app.get(&clerk, &path).await;
    let kinds: Vec<_> = history["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["body"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        kinds.contains(&"人社一体化系统软件公司：读卡器驱动问题，请软件公司看".to_string()),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn a_group_none_of_whose_experts_covers_the_ticket_is_not_offered() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let group = json!({ "code": "region-card", "name": "自治区社保卡专班", "unit": "640000", "specialties": ["sscard"] });
    assert_eq!(app.post(&admin, "/api/people/groups", group).await.0, 201);
    let yinchuan = app
        .get(&app.token("expert.yinchuan").await, "/api/me")
        .await
        .1["user"]["id"]
        .as_i64()
        .expect("id");
    let path = format!("/api/people/{yinchuan}");
    let moved = app
        .call(
            reqwest::Method::PATCH,
            &admin,
            &path,
            json!({ "group": "region-card" }),
        )
        .await;
    assert_eq!(moved.0, 200, "{}", moved.1);
    let clerk = app.token("clerk.dawan").await;
    let county = app.token("expert.jingyuan").await;
    let id = app.raise(&clerk, "社保卡激活").await;
    app.post(&county, &format!("/api/tickets/{id}/claim"), json!({}))
        .await;
    let (_, v) = app
        .get(&county, &format!("/api/tickets/{id}/candidates"))
        .await;
    let groups = group_codes(&v);
    assert!(
        !groups.contains(&"region-card"),
        "its one expert sits in 银川市, which does not cover 大湾乡: {groups:?}"
    );
    let (status, _) = app
        .post(
            &county,
            &format!("/api/tickets/{id}/transfer"),
            json!({ "group": "region-card" }),
        )
        .await;
    assert_eq!(status, 422);
}
