//! Who is on duty, asked through the matrix as the clock moves: shift boundaries, a night
//! shift across midnight, a weekly rotation, an override, and primary → deputy → the level
//! above; and the gaps the demo leaves, counted on screen and in /metrics.

use super::{name_of, on_duty, row, spawn, to_local, upload, DAWAN, JINGYUAN};
use serde_json::Value;

const ROSTER: &str = "\u{feff}单位代码,类型,人员,开始,结束,周期天数,班次,说明\n\
    640424007,轮值,officer.dawan officer.640424001,2027-01-11,,7,08:00-20:00,\n\
    640424007,轮值,officer.640424001 officer.dawan,2027-01-11,,7,20:00-08:00,\n\
    640424007,替班,officer.640424002,2027-01-19 08:00,2027-01-19 12:00,,,请假\n";

#[tokio::test]
async fn the_one_on_duty_follows_shifts_nights_weeks_and_overrides() {
    let app = spawn().await;
    let admin = app.token("admin").await;
    let (status, v) = upload(&app, &admin, "/api/duty/rosters.csv", ROSTER).await;
    assert_eq!((status, v["changed"].as_i64()), (200, Some(3)), "{v}");
    let ding = name_of(&app, "officer.dawan").await;
    let xiang = name_of(&app, "officer.640424001").await;
    let cover = name_of(&app, "officer.640424002").await;
    let who = |name: &str, via: &str| (name.to_string(), via.to_string(), DAWAN.to_string());

    // Friday 15 January 2027, 16:00 in Shanghai: week one's day shift.
    assert_eq!(on_duty(&app, &admin, DAWAN).await, who(&ding, "rotation"));
    to_local(&app, 19, 59);
    assert_eq!(on_duty(&app, &admin, DAWAN).await, who(&ding, "rotation"));
    to_local(&app, 20, 0);
    assert_eq!(on_duty(&app, &admin, DAWAN).await, who(&xiang, "rotation"));

    // Sunday night into Monday: the night shift began in week one, so it stays week one's
    // until 08:00, when week two's day shift takes over — and week two's night is the other.
    to_local(&app, 23, 0);
    to_local(&app, 23, 0);
    to_local(&app, 23, 0);
    assert_eq!(on_duty(&app, &admin, DAWAN).await, who(&xiang, "rotation"));
    to_local(&app, 7, 59);
    assert_eq!(on_duty(&app, &admin, DAWAN).await, who(&xiang, "rotation"));
    to_local(&app, 8, 0);
    assert_eq!(on_duty(&app, &admin, DAWAN).await, who(&xiang, "rotation"));
    to_local(&app, 20, 0);
    assert_eq!(on_duty(&app, &admin, DAWAN).await, who(&ding, "rotation"));

    // Tuesday morning's leave is covered by the override for its hours only.
    to_local(&app, 9, 0);
    assert_eq!(on_duty(&app, &admin, DAWAN).await, who(&cover, "override"));
    to_local(&app, 12, 0);
    assert_eq!(on_duty(&app, &admin, DAWAN).await, who(&xiang, "rotation"));

    // Round the list: week three's day shift is the first person's again.
    for _ in 0..6 {
        to_local(&app, 12, 0);
    }
    assert_eq!(on_duty(&app, &admin, DAWAN).await, who(&ding, "rotation"));
}

#[tokio::test]
async fn without_a_rotation_the_primary_then_the_deputy_then_the_level_above() {
    let app = spawn().await;
    let admin = app.token("admin").await;
    let huanghua = "640424006";
    let matrix = "单位代码,单位名称,层级,主责安全员,主责姓名,副责安全员,副责姓名,职责\n\
        640424006,黄花乡,乡镇,officer.640424006,,officer.640424005,,服务中心终端\n";
    let (status, v) = upload(&app, &admin, "/api/duty/matrix.csv", matrix).await;
    assert_eq!((status, v["changed"].as_i64()), (200, Some(1)), "{v}");
    let first = row(&app, &admin, huanghua).await;
    let (primary, deputy) = (&first["primary"], &first["deputy"]);
    let text = |v: &Value| v.as_str().expect("text").to_string();
    let here = |p: &Value, via: &str| (text(&p["name"]), via.to_string(), huanghua.to_string());
    assert_eq!(
        on_duty(&app, &admin, huanghua).await,
        here(primary, "primary")
    );

    let disable = |id: &Value| format!("/api/people/{}/disable", id.as_i64().expect("id"));
    let (status, _) = app
        .post(&admin, &disable(&primary["id"]), Value::Null)
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        on_duty(&app, &admin, huanghua).await,
        here(deputy, "deputy")
    );
    let gaps = row(&app, &admin, huanghua).await["gaps"].clone();
    assert_eq!(gaps, serde_json::json!(["disabled_officer"]));

    // Nobody of its own left: the county's rotation answers, and every hour is a gap.
    let (status, _) = app.post(&admin, &disable(&deputy["id"]), Value::Null).await;
    assert_eq!(status, 204);
    let county = name_of(&app, "officer.jingyuan").await;
    let answer = (county, "rotation".to_string(), JINGYUAN.to_string());
    assert_eq!(on_duty(&app, &admin, huanghua).await, answer);
    let r = row(&app, &admin, huanghua).await;
    assert_eq!(
        r["gaps"],
        serde_json::json!(["disabled_officer", "uncovered"])
    );
    assert_eq!(r["uncovered_hours"], 168);
}

#[tokio::test]
async fn the_gaps_the_demo_leaves_are_shown_counted_and_exported_as_metrics() {
    let app = spawn().await;
    let ops = app.token("ops.datacenter").await;
    let (status, v) = app.get(&ops, "/api/duty/matrix").await;
    assert_eq!(status, 200, "{v}");
    let m = &v["matrix"];
    assert_eq!(m["units"].as_array().expect("units").len(), 270);
    let c = &m["counts"];
    // A township with nobody and one with a deputy only; one disabled primary; one officer
    // over four townships; nobody at night in one township (7 × 14 h) and ever in another.
    assert_eq!(c["no_primary"], 2, "{c}");
    assert_eq!(c["disabled_officer"], 1, "{c}");
    assert_eq!(c["overloaded"], 4, "{c}");
    assert_eq!(c["uncovered_hours"], 168 + 98, "{c}");
    // 16:00: past the deadline, five townships' checks are not done, nor the one without a primary.
    assert_eq!(c["missed"], 6, "{c}");
    let gaps_of = |code: &str| {
        let units = m["units"].as_array().expect("units");
        let u = units.iter().find(|u| u["code"] == code).expect("unit");
        u["gaps"].clone()
    };
    assert_eq!(
        gaps_of("640422003"),
        serde_json::json!(["no_primary", "uncovered"])
    );
    assert_eq!(gaps_of("640425002"), serde_json::json!(["overloaded"]));
    assert_eq!(app.metric("backstop_duty_units_without_primary").await, 2.0);
    assert_eq!(
        app.metric("backstop_duty_units_with_disabled_officer")
            .await,
        1.0
    );
    assert_eq!(
        app.metric("backstop_duty_units_with_overloaded_officer")
            .await,
        4.0
    );
    assert_eq!(app.metric("backstop_duty_uncovered_hours").await, 266.0);
    assert_eq!(app.metric("backstop_duty_checks_missed").await, 6.0);

    // Each sees their own area only; clerks and experts get no matrix.
    let county = app.token("officer.jingyuan").await;
    let (_, v) = app.get(&county, "/api/duty/matrix").await;
    assert_eq!(v["matrix"]["units"].as_array().expect("units").len(), 1 + 7);
    let (status, _) = app.get(&county, "/api/duty/matrix?unit=640100").await;
    assert_eq!(status, 404);
    for who in ["clerk.dawan", "expert.jingyuan"] {
        let token = app.token(who).await;
        assert_eq!(app.get(&token, "/api/duty/matrix").await.0, 403, "{who}");
    }
}

#[tokio::test]
async fn one_person_asking_for_the_matrix_in_a_loop_is_held_back_and_others_are_not() {
    let app = crate::common::TestApp::spawn_with(|s| {
        s.job_interval_ms = 0;
        s.helpdesk.search_burst = 5;
        s.helpdesk.search_refill_ms = 60_000;
    })
    .await;
    let flooder = app.token("ops.datacenter").await;
    let other = app.token("officer.region").await;
    let mut answers = Vec::new();
    for _ in 0..12 {
        answers.push(app.get(&flooder, "/api/duty/matrix").await.0);
    }
    assert_eq!(&answers[..5], &[200; 5]);
    assert!(answers[5..].iter().all(|s| *s == 429), "{answers:?}");
    assert_eq!(app.get(&other, "/api/duty/matrix").await.0, 200);
    assert_eq!(app.get(&flooder, "/api/duty/matrix.csv").await.0, 429);
}

#[tokio::test]
async fn a_rotation_begins_on_its_day_and_the_hours_it_leaves_open_move_with_the_clock() {
    let app = spawn().await;
    let admin = app.token("admin").await;
    // From Monday 18 January 2027 大湾乡 keeps a rotation of day shifts only.
    let roster = "单位代码,类型,人员,开始,结束,周期天数,班次,说明\n\
        640424007,轮值,officer.dawan,2027-01-18,,7,08:00-18:00,\n";
    assert_eq!(
        upload(&app, &admin, "/api/duty/rosters.csv", roster)
            .await
            .0,
        200
    );
    let open_hours = |r: &Value| r["uncovered_hours"].as_i64();
    // Friday 16:00: until Monday its primary covers; of the seven days ahead, the nights from
    // Monday are open: 8 + 14 × 3 + 14 + 8 hours (to Friday 15:00).
    let r = row(&app, &admin, DAWAN).await;
    assert_eq!(
        (r["on_duty"]["name"].as_str(), r["on_duty"]["via"].as_str()),
        (Some("丁守"), Some("primary"))
    );
    assert_eq!(
        (open_hours(&r), r["gaps"].clone()),
        (Some(64), serde_json::json!(["uncovered"]))
    );
    // A day later the window holds one more night.
    to_local(&app, 16, 0);
    assert_eq!(open_hours(&row(&app, &admin, DAWAN).await), Some(78));
    // Monday morning the rotation holds; in the evening nobody of its own does: the county.
    to_local(&app, 9, 0);
    to_local(&app, 9, 0);
    assert_eq!(
        on_duty(&app, &admin, DAWAN).await,
        ("丁守".into(), "rotation".into(), DAWAN.into())
    );
    to_local(&app, 19, 0);
    assert_eq!(on_duty(&app, &admin, DAWAN).await.2, JINGYUAN);
}

#[tokio::test]
async fn a_unit_head_registers_leave_cover_for_its_hours_and_withdraws_it() {
    let app = spawn().await;
    let head = app.token("supervisor.jingyuan").await;
    let path = format!("/api/duty/units/{DAWAN}/overrides");
    // Friday 16:00 in Shanghai; the cover is for 17:00 to 21:00, local time.
    let (from, until) = ("2027-01-15 17:00", "2027-01-15T21:00");
    let cover = serde_json::json!({ "username": "officer.640424001", "from": from, "until": until, "reason": "丁守请假" });
    // Only those who arrange duty, only officers stand in, and the times must make sense.
    let officer = app.token("officer.dawan").await;
    assert_eq!(app.post(&officer, &path, cover.clone()).await.0, 403);
    let mut clerk = cover.clone();
    clerk["username"] = "clerk.dawan".into();
    assert_eq!(app.post(&head, &path, clerk).await.0, 422);
    let mut backwards = cover.clone();
    backwards["until"] = from.into();
    assert_eq!(app.post(&head, &path, backwards).await.0, 422);
    let mut garbled = cover.clone();
    garbled["from"] = "明天早上".into();
    assert_eq!(app.post(&head, &path, garbled).await.0, 422);
    let outside = app
        .post(&head, "/api/duty/units/640100/overrides", cover.clone())
        .await;
    assert_eq!(outside.0, 404);

    let (status, v) = app.post(&head, &path, cover).await;
    assert_eq!(status, 201, "{v}");
    let id = v["id"].as_i64().expect("id");
    let (_, v) = app
        .get(&head, &format!("/api/duty/units/{DAWAN}/roster"))
        .await;
    let listed = &v["roster"]["overrides"][0];
    assert_eq!(
        (listed["id"].as_i64(), listed["reason"].as_str()),
        (Some(id), Some("丁守请假"))
    );
    let stand_in = name_of(&app, "officer.640424001").await;
    assert_eq!(on_duty(&app, &head, DAWAN).await.0, "丁守");
    app.clock.advance(std::time::Duration::from_secs(2 * 3600));
    assert_eq!(
        on_duty(&app, &head, DAWAN).await,
        (stand_in, "override".into(), DAWAN.into())
    );
    let (delete, one) = (reqwest::Method::DELETE, format!("/api/duty/overrides/{id}"));
    assert_eq!(
        app.call(delete.clone(), &head, &one, Value::Null).await.0,
        204
    );
    assert_eq!(on_duty(&app, &head, DAWAN).await.0, "丁守");
    // Ended now, it stays in the record: withdrawn again is refused.
    assert_eq!(app.call(delete, &head, &one, Value::Null).await.0, 409);
    let (_, v) = app
        .get(&head, &format!("/api/duty/units/{DAWAN}/roster"))
        .await;
    assert_eq!(v["roster"]["overrides"], serde_json::json!([]));
}
