//! Each kind of check against a target the test switches, and the thresholds between up and
//! down: a system goes down after two failures in a row and its incident opens, alternating
//! answers never page anyone, two good answers bring it back and resolve the incident.

use super::{add, incidents_of, monitor, round, run_due, spawn, status};
use crate::common::target::{Mode, Target};
use backstop::Clock;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_failing_system_goes_down_after_its_threshold_and_recovery_resolves_its_incident() {
    let app = spawn().await;
    let target = Target::http().await;
    add(
        &app,
        "web",
        "http",
        &target.url(),
        json!({ "keyword": "正常" }),
    )
    .await;

    round(&app).await;
    assert_eq!(status(&app, "web").await, "up");
    target.set(Mode::Failing);
    round(&app).await;
    let m = monitor(&app, "web").await;
    assert_eq!(m["state"]["status"], "up", "one failure is not an outage");
    assert_eq!(m["state"]["last"]["detail"], "状态码 503");
    round(&app).await;
    assert_eq!(status(&app, "web").await, "down");
    let open = incidents_of(&app, "测试系统 web（").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["status"], "open");
    assert_eq!(open[0]["unit"]["code"], super::JINGYUAN);

    // Still down: no second incident.
    round(&app).await;
    assert_eq!(incidents_of(&app, "测试系统 web（").await.len(), 1);

    target.set(Mode::Healthy);
    round(&app).await;
    assert_eq!(
        status(&app, "web").await,
        "down",
        "one good answer is not a recovery"
    );
    round(&app).await;
    assert_eq!(status(&app, "web").await, "up");
    let after = incidents_of(&app, "测试系统 web（").await;
    assert_eq!(after[0]["status"], "resolved");
}

#[tokio::test]
async fn a_flapping_system_never_crosses_its_threshold() {
    let app = spawn().await;
    let target = Target::http().await;
    add(&app, "flaky", "http", &target.url(), json!({})).await;
    for i in 0..8 {
        target.set(if i % 2 == 0 {
            Mode::Healthy
        } else {
            Mode::Failing
        });
        round(&app).await;
        assert_eq!(status(&app, "flaky").await, "up", "round {i}");
    }
    assert!(incidents_of(&app, "测试系统 flaky（").await.is_empty());
    let m = monitor(&app, "flaky").await;
    let h24 = m["availability"]["h24"].as_f64().expect("availability");
    assert!((h24 - 0.5).abs() < 1e-9, "{h24}");
}

#[tokio::test]
async fn wrong_words_missing_words_and_slow_answers_fail_their_checks() {
    let app = spawn().await;
    let (words, absent, slow) = (
        Target::http().await,
        Target::http().await,
        Target::http().await,
    );
    add(
        &app,
        "words",
        "http",
        &words.url(),
        json!({ "keyword": "正常" }),
    )
    .await;
    let no_upkeep = json!({ "keyword": "维护", "keyword_absent": true });
    add(&app, "upkeep", "http", &absent.url(), no_upkeep).await;
    add(
        &app,
        "slow",
        "http",
        &slow.url(),
        json!({ "max_latency_ms": 150 }),
    )
    .await;
    round(&app).await;
    for key in ["words", "upkeep", "slow"] {
        assert_eq!(
            monitor(&app, key).await["state"]["last"]["ok"],
            true,
            "{key}"
        );
    }
    words.set(Mode::WrongWords);
    absent.set(Mode::WrongWords);
    slow.set(Mode::Slow);
    round(&app).await;
    let detail = |m: serde_json::Value| {
        m["state"]["last"]["detail"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(detail(monitor(&app, "words").await), "页面中没有“正常”");
    assert_eq!(detail(monitor(&app, "upkeep").await), "页面中出现“维护”");
    let slow_detail = detail(monitor(&app, "slow").await);
    assert!(slow_detail.contains("超过 150 毫秒"), "{slow_detail}");
}

#[tokio::test]
async fn a_hanging_target_times_out_without_holding_up_the_others() {
    let app = spawn().await;
    let (hung, fine) = (Target::http().await, Target::http().await);
    hung.set(Mode::Hanging);
    add(
        &app,
        "hung",
        "http",
        &hung.url(),
        json!({ "timeout_secs": 1 }),
    )
    .await;
    add(&app, "fine", "http", &fine.url(), json!({})).await;
    app.clock.advance(Duration::from_secs(10));
    let started = app.uptime.probe_due(app.clock.now()).await.expect("read");
    assert_eq!(started.len(), 2);
    // The good check is recorded while the hanging one still waits.
    let patience = tokio::time::Instant::now() + Duration::from_secs(10);
    while monitor(&app, "fine").await["state"]["last"].is_null() {
        assert!(
            tokio::time::Instant::now() < patience,
            "the good check never landed"
        );
        tokio::task::yield_now().await;
    }
    assert!(monitor(&app, "hung").await["state"]["last"].is_null());
    for h in started {
        h.await.expect("check ran");
    }
    let hung_last = monitor(&app, "hung").await["state"]["last"].clone();
    assert_eq!(hung_last["ok"], false);
    assert!(
        hung_last["detail"]
            .as_str()
            .unwrap_or("")
            .starts_with("超时"),
        "{hung_last}"
    );
}

#[tokio::test]
async fn tcp_connects_and_dns_resolutions_are_checked() {
    let app = spawn().await;
    let open = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    add(
        &app,
        "db-port",
        "tcp",
        &open.local_addr().expect("addr").to_string(),
        json!({}),
    )
    .await;
    add(&app, "gone-port", "tcp", &closed.to_string(), json!({})).await;
    add(
        &app,
        "name",
        "dns",
        "localhost",
        json!({ "expect_address": "127.0.0.1" }),
    )
    .await;
    add(
        &app,
        "moved",
        "dns",
        "localhost",
        json!({ "expect_address": "10.9.9.9" }),
    )
    .await;
    round(&app).await;
    let last = |m: serde_json::Value| m["state"]["last"].clone();
    assert_eq!(last(monitor(&app, "db-port").await)["ok"], true);
    let gone = last(monitor(&app, "gone-port").await);
    assert_eq!(gone["ok"], false);
    assert!(
        gone["detail"]
            .as_str()
            .unwrap_or("")
            .starts_with("无法连接"),
        "{gone}"
    );
    assert_eq!(last(monitor(&app, "name").await)["ok"], true);
    let moved = last(monitor(&app, "moved").await);
    assert_eq!(moved["ok"], false);
    assert!(
        moved["detail"]
            .as_str()
            .unwrap_or("")
            .contains("不含 10.9.9.9"),
        "{moved}"
    );
}

#[tokio::test]
async fn a_check_late_by_more_than_its_interval_is_counted_and_every_delay_timed() {
    let app = spawn().await;
    let target = Target::http().await;
    add(&app, "web", "http", &target.url(), json!({})).await;
    round(&app).await;
    assert_eq!(app.metric("backstop_probe_late_total").await, 0.0);
    app.clock.advance(Duration::from_secs(35));
    run_due(&app).await;
    assert_eq!(app.metric("backstop_probe_late_total").await, 1.0);
    // Each check's delay is timed: the first fell within the first round (under 10 s), the
    // late one over 25 s past its due time.
    let timed = app.metric("backstop_probe_start_delay_seconds_count").await;
    assert_eq!(timed, 2.0);
    let delay = app.metric("backstop_probe_start_delay_seconds_sum").await;
    assert!(delay > 25.0, "{delay}");
    let within = r#"backstop_probe_start_delay_seconds_bucket{le="10"}"#;
    assert_eq!(app.metric(within).await, 1.0);
    // Its rhythm starts again from then: the next round is on time.
    round(&app).await;
    assert_eq!(app.metric("backstop_probe_late_total").await, 1.0);
    let checks = app
        .metric(r#"backstop_probe_checks_total{monitor="web",unit="640424"}"#)
        .await;
    assert_eq!(checks, 3.0);
}

#[tokio::test]
async fn monitors_that_break_a_rule_are_refused_and_others_do_not_see_them() {
    let app = spawn().await;
    let ops = app.token("ops.datacenter").await;
    let base = json!({ "key": "x", "name": "x", "unit": super::JINGYUAN, "kind": "http",
        "target": "http://127.0.0.1:1/" });
    let with = |k: &str, v: serde_json::Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (bad, field) in [
        (with("interval_secs", json!(5)), "interval_secs"),
        (with("target", json!("ftp://x")), "target"),
        (with("key", json!("有空 格")), "key"),
        (with("expect_status", json!("abc")), "expect_status"),
        (with("unit", json!("000000")), "unit"),
    ] {
        let (status, v) = app.post(&ops, "/api/uptime/monitors", bad).await;
        assert_eq!(status, 422, "{field}: {v}");
        let message = v["error"]["message"].as_str().unwrap_or("");
        assert!(message.starts_with(field), "{field}: {v}");
    }
    let clerk = app.token("clerk.dawan").await;
    assert_eq!(
        app.post(&clerk, "/api/uptime/monitors", base.clone())
            .await
            .0,
        403
    );
    assert_eq!(app.get(&clerk, "/api/uptime/monitors").await.0, 403);
    assert_eq!(
        app.post(&ops, "/api/uptime/monitors", base.clone()).await.0,
        201
    );
    assert_eq!(app.post(&ops, "/api/uptime/monitors", base).await.0, 409);
}

#[tokio::test]
async fn one_person_reading_the_monitors_in_a_loop_is_paced_and_others_still_read() {
    let app = super::spawn_with(|s| s.helpdesk.search_burst = 5).await;
    let ops = app.token("ops.datacenter").await;
    let mut refused = 0;
    for _ in 0..8 {
        if app.get(&ops, "/api/uptime/monitors").await.0 == 429 {
            refused += 1;
        }
    }
    assert_eq!(refused, 3);
    let officer = app.token("officer.jingyuan").await;
    assert_eq!(app.get(&officer, "/api/uptime/monitors").await.0, 200);
    assert_eq!(app.get(&officer, "/api/incidents").await.0, 200);
}
