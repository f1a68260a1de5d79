//! An administrator changes a person's role, home unit, expert group and password within their
//! own subtree; every change is checked whole, written with its audit record, and anything
//! outside the administrator's area is answered as if it did not exist.

use crate::common;

use common::TestApp;
use reqwest::Method;
use serde_json::{json, Value};

async fn id_of(app: &TestApp, username: &str) -> i64 {
    let token = app.token(username).await;
    app.get(&token, "/api/me").await.1["user"]["id"]
        .as_i64()
        .expect("id")
}

async fn patch(app: &TestApp, token: &str, id: i64, body: Value) -> (u16, Value) {
    let path = format!("/api/people/{id}");
    app.call(Method::PATCH, token, &path, body).await
}

fn code(answer: &(u16, Value)) -> (u16, String) {
    let error = answer.1["error"]["code"].as_str().unwrap_or("");
    (answer.0, error.to_string())
}

#[tokio::test]
async fn a_change_is_checked_whole_and_a_refused_one_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let expert = id_of(&app, "expert.jingyuan").await;
    let cases = [
        (json!({ "role": "overlord" }), 400, "bad_json"),
        (json!({ "unit": "999999" }), 422, "invalid_input"),
        (json!({ "group": "no-such-group" }), 422, "invalid_input"),
        (json!({ "group": null }), 422, "invalid_input"),
        (
            json!({ "role": "clerk", "group": "guyuan" }),
            422,
            "invalid_input",
        ),
        (json!({ "colour": "red" }), 400, "bad_json"),
    ];
    for (body, status, error) in cases {
        let answer = patch(&app, &admin, expert, body.clone()).await;
        assert_eq!(code(&answer), (status, error.to_string()), "{body}");
    }
    let me = app
        .get(&app.token("expert.jingyuan").await, "/api/me")
        .await
        .1;
    assert_eq!(me["user"]["role"], "expert", "nothing changed: {me}");
    let unchanged = patch(&app, &admin, expert, json!({ "role": "expert" })).await;
    assert_eq!(unchanged.0, 200);
    let (_, trail) = app.get(&admin, "/api/audit?kind=person_changed").await;
    assert_eq!(trail["entries"], json!([]), "no change, no record");
}

#[tokio::test]
async fn a_change_is_recorded_with_what_it_was_and_what_it_became() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let expert = id_of(&app, "expert.jingyuan").await;
    let body = json!({ "role": "supervisor", "unit": "640400", "group": null });
    let (status, v) = patch(&app, &admin, expert, body).await;
    assert_eq!(status, 200, "{v}");
    let (_, trail) = app.get(&admin, "/api/audit?kind=person_changed").await;
    let entries = trail["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{trail}");
    assert_eq!(entries[0]["actor"], "admin");
    assert_eq!(entries[0]["subject"], format!("person {expert}"));
    assert_eq!(
        entries[0]["detail"],
        "expert 640424 jingyuan → supervisor 640400 -"
    );
    let me = app
        .get(&app.token("expert.jingyuan").await, "/api/me")
        .await
        .1;
    assert_eq!(me["user"]["role"], "supervisor");
}

#[tokio::test]
async fn only_administrators_and_only_within_their_subtree() {
    let app = TestApp::spawn().await;
    let out = app.cli(
        &[
            "user",
            "add",
            "--username",
            "admin.guyuan",
            "--name",
            "固原管理员",
            "--role",
            "admin",
            "--unit",
            "640400",
        ],
        "固原管理员密码2026\n",
    );
    assert!(out.status.success(), "{out:?}");
    let (_, v) = app.sign_in("admin.guyuan", "固原管理员密码2026").await;
    let city_admin = v["token"].as_str().expect("token").to_string();
    let in_area = id_of(&app, "expert.jingyuan").await;
    let outside = id_of(&app, "expert.yinchuan").await;
    let officer = app.token("officer.region").await;
    let role = json!({ "role": "supervisor", "group": null });
    assert_eq!(
        code(&patch(&app, &officer, in_area, role.clone()).await),
        (403, "forbidden".to_string())
    );
    let missing = code(&patch(&app, &city_admin, 999_999, role.clone()).await);
    assert_eq!(missing, (404, "not_found".to_string()));
    assert_eq!(
        code(&patch(&app, &city_admin, outside, role.clone()).await),
        missing,
        "someone outside the area is answered like no one"
    );
    let password = json!({ "password": "银川新密码2026" });
    let path = format!("/api/people/{outside}/password");
    let answer = app.call(Method::PUT, &city_admin, &path, password).await;
    assert_eq!(code(&answer), missing);
    let away = json!({ "unit": "640100", "group": "yinchuan" });
    let answer = patch(&app, &city_admin, in_area, away).await;
    assert_eq!(
        code(&answer),
        (422, "invalid_input".to_string()),
        "cannot move someone out of the area"
    );
    let me = app.get(&city_admin, "/api/me").await.1["user"]["id"]
        .as_i64()
        .expect("id");
    let own = format!("/api/people/{me}/disable");
    let answer = app.post(&city_admin, &own, json!({})).await;
    assert_eq!(code(&answer), (403, "forbidden".to_string()), "not oneself");
    let answer = patch(&app, &city_admin, me, json!({ "role": "clerk" })).await;
    assert_eq!(
        code(&answer),
        (403, "forbidden".to_string()),
        "own standing"
    );
    let within = json!({ "unit": "640402", "group": "guyuan" });
    assert_eq!(patch(&app, &city_admin, in_area, within).await.0, 200);
}

#[tokio::test]
async fn an_administrator_unlocks_an_account_that_failed_sign_ins_locked() {
    let app = TestApp::spawn().await;
    let clerk = id_of(&app, "clerk.dawan").await;
    for n in 0..10 {
        app.sign_in("clerk.dawan", &format!("guess-{n}")).await;
    }
    let locked = app.sign_in("clerk.dawan", "backstop").await;
    assert_eq!(code(&locked), (429, "account_locked".to_string()));
    let admin = app.token("admin").await;
    let path = format!("/api/people/{clerk}/unlock");
    assert_eq!(app.post(&admin, &path, json!({})).await.0, 204);
    assert_eq!(app.sign_in("clerk.dawan", "backstop").await.0, 200);
    let (_, trail) = app.get(&admin, "/api/audit?kind=person_unlocked").await;
    assert_eq!(trail["entries"][0]["actor"], "admin", "{trail}");
}

#[tokio::test]
async fn unit_heads_manage_the_people_of_their_unit_but_not_heads_or_administrators() {
    let app = TestApp::spawn().await;
    let head = app.token("supervisor.jingyuan").await;
    let (status, v) = app.get(&head, "/api/people?limit=500").await;
    assert_eq!(status, 200, "{v}");
    let names: Vec<&str> = v["people"]
        .as_array()
        .expect("people")
        .iter()
        .filter_map(|p| p["username"].as_str())
        .collect();
    assert!(names.contains(&"clerk.dawan") && names.contains(&"expert.jingyuan"));
    assert!(
        !names.contains(&"clerk.zhenbeibao") && !names.contains(&"admin"),
        "{names:?}"
    );
    let (_, found) = app.get(&head, "/api/people?q=CLERK.DAW").await;
    assert_eq!(
        found["people"][0]["username"], "clerk.dawan",
        "whatever the case"
    );
    // By role: the county's security officers only (its own and its townships').
    let (_, officers) = app.get(&head, "/api/people?role=officer&limit=500").await;
    let officers = officers["people"].as_array().expect("people");
    assert!(officers.len() >= 8 && officers.iter().all(|p| p["role"] == "officer"));
    assert_eq!(app.get(&head, "/api/people?role=boss").await.0, 422);

    let clerk = json!({ "username": "clerk.xinmin", "name": "新民乡经办", "role": "clerk", "unit": "640424", "password": "新民乡经办2026" });
    assert_eq!(app.post(&head, "/api/people", clerk).await.0, 201);
    let boss = json!({ "username": "head.two", "name": "第二个县长", "role": "supervisor", "unit": "640424" });
    let answer = app.post(&head, "/api/people", boss).await;
    assert_eq!(code(&answer), (422, "invalid_rows".to_string()));
    assert_eq!(answer.1["error"]["rows"][0]["reason"], "role_not_allowed");

    let expert = id_of(&app, "expert.jingyuan").await;
    let up = json!({ "role": "supervisor", "group": null });
    assert_eq!(
        code(&patch(&app, &head, expert, up).await),
        (403, "forbidden".to_string())
    );
    let officer = json!({ "role": "officer", "group": null });
    let answer = patch(&app, &head, expert, officer).await;
    assert_eq!(
        code(&answer),
        (403, "forbidden".to_string()),
        "officers read the audit trail; only administrators make them"
    );
    let far = json!({ "group": "yinchuan" });
    let answer = patch(&app, &head, expert, far).await;
    assert_eq!(
        code(&answer),
        (422, "invalid_input".to_string()),
        "not a group of another city"
    );
    let across = json!({ "role": "clerk", "group": null });
    assert_eq!(patch(&app, &head, expert, across).await.0, 200);

    let region = app.token("supervisor.region").await;
    let county_head = id_of(&app, "supervisor.jingyuan").await;
    let path = format!("/api/people/{county_head}/disable");
    assert_eq!(
        app.post(&region, &path, json!({})).await.0,
        403,
        "a unit head is managed by administrators only"
    );
}

#[tokio::test]
async fn expert_groups_are_added_and_changed_within_ones_area() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let group = json!({ "code": "jingyuan-card", "name": "泾源县社保卡专班", "unit": "640424", "specialties": ["sscard"] });
    let (status, v) = app.post(&admin, "/api/people/groups", group.clone()).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(app.post(&admin, "/api/people/groups", group).await.0, 409);
    let empty = json!({ "code": "nothing", "name": "无", "unit": "640424", "specialties": [] });
    assert_eq!(app.post(&admin, "/api/people/groups", empty).await.0, 422);

    let head = app.token("supervisor.jingyuan").await;
    let rename = json!({ "name": "泾源县社保卡服务专班", "specialties": ["sscard", "employment"] });
    let path = "/api/people/groups/jingyuan-card";
    assert_eq!(app.call(Method::PATCH, &head, path, rename).await.0, 204);
    let (_, listed) = app.get(&head, "/api/people/groups").await;
    let mine = listed["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["code"] == "jingyuan-card")
        .cloned()
        .expect("listed");
    assert_eq!(mine["name"], "泾源县社保卡服务专班");
    assert_eq!(mine["specialties"], json!(["employment", "sscard"]));
    assert_eq!(mine["own"], true);
    let city = json!({ "name": "改名" });
    let answer = app
        .call(Method::PATCH, &head, "/api/people/groups/guyuan", city)
        .await;
    assert_eq!(answer.0, 404, "the city's group is not the county head's");
    let (_, trail) = app.get(&admin, "/api/audit?kind=group_changed").await;
    assert_eq!(trail["entries"].as_array().map(Vec::len), Some(1));
}
