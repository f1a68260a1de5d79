//! Every security-relevant act leaves one row in a tamper-evident trail: sign-ins and failed
//! ones (with address and user agent), tokens, sign-outs, and what administrators do to people.
//! Changing a row breaks the hash chain, and `backstop audit verify` names the row.

use crate::common;

use common::TestApp;
use serde_json::json;
use sqlx::Row;

async fn trail(app: &TestApp) -> Vec<(String, String, Option<i64>, String, String, String)> {
    sqlx::any::install_default_drivers();
    let mut db = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url)
        .await
        .expect("database");
    sqlx::query("SELECT kind, actor, actor_id, address, agent, detail FROM audit ORDER BY id")
        .fetch_all(&mut db)
        .await
        .expect("audit rows")
        .iter()
        .map(|r| {
            (
                r.get("kind"),
                r.get("actor"),
                r.get("actor_id"),
                r.get("address"),
                r.get("agent"),
                r.get("detail"),
            )
        })
        .collect()
}

#[tokio::test]
async fn sign_ins_failures_tokens_sign_outs_and_administrators_acts_are_recorded_once() {
    let app = TestApp::spawn().await;
    let browser = reqwest::Client::builder()
        .user_agent("Chromium 乡镇窗口")
        .build()
        .expect("client");
    let sign_in = |path: &str, user: &str, password: &str| {
        browser
            .post(app.url(path))
            .json(&json!({ "username": user, "password": password }))
            .send()
    };
    assert_eq!(
        sign_in("/api/session", "clerk.dawan", "backstop")
            .await
            .expect("sent")
            .status(),
        200
    );
    assert_eq!(
        sign_in("/api/tokens", "clerk.dawan", "wrong-one")
            .await
            .expect("sent")
            .status(),
        401
    );
    assert_eq!(
        sign_in("/api/tokens", "nobody.here", "wrong-one")
            .await
            .expect("sent")
            .status(),
        401
    );
    let r = sign_in("/api/tokens", "expert.jingyuan", "backstop")
        .await
        .expect("sent");
    let token = r.json::<serde_json::Value>().await.expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string();
    let out = browser
        .delete(app.url("/api/session"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(out.status(), 204);
    let admin = app.token("admin").await;
    let expert = app.token("expert.jingyuan").await;
    let expert_id = app.get(&expert, "/api/me").await.1["user"]["id"]
        .as_i64()
        .expect("id");
    app.post(
        &admin,
        &format!("/api/people/{expert_id}/disable"),
        json!({}),
    )
    .await;

    let rows = trail(&app).await;
    let kinds: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "sign_in",
            "sign_in_failed",
            "sign_in_failed",
            "token_issued",
            "sign_out",
            "token_issued",
            "token_issued",
            "person_disabled"
        ]
    );
    let (_, actor, id, address, agent, _) = &rows[0];
    assert_eq!((actor.as_str(), id.is_some()), ("clerk.dawan", true));
    assert_eq!(
        (address.as_str(), agent.as_str()),
        ("127.0.0.1", "Chromium 乡镇窗口")
    );
    assert_eq!(
        (rows[2].1.as_str(), rows[2].2),
        ("nobody.here", None),
        "the name that was typed"
    );
    assert_eq!(rows[4].1, "expert.jingyuan");
    assert_eq!((rows[7].1.as_str(), rows[7].2.is_some()), ("admin", true));
}

#[tokio::test]
async fn ten_failures_record_the_lock() {
    let app = TestApp::spawn().await;
    for n in 0..10 {
        let body = json!({ "username": "clerk.dawan", "password": format!("guess-{n}") });
        app.http
            .post(app.url("/api/tokens"))
            .json(&body)
            .send()
            .await
            .expect("sent");
    }
    let rows = trail(&app).await;
    assert_eq!(rows.len(), 10);
    assert!(rows[..9].iter().all(|r| r.5.is_empty()));
    assert_eq!(rows[9].5, "locked");
}

fn verify(url: &str) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_backstop"))
        .args(["audit", "verify", "--database-url", url])
        .output()
        .expect("backstop runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn a_changed_row_breaks_the_chain_and_verify_names_it() {
    let app = TestApp::spawn().await;
    for user in ["clerk.dawan", "expert.jingyuan", "admin", "officer.dawan"] {
        app.token(user).await;
    }
    let (ok, text) = verify(&app.db.url);
    assert!(ok, "{text}");
    assert!(text.contains("intact: 4 rows"), "{text}");
    let mut db = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url)
        .await
        .expect("database");
    sqlx::query("UPDATE audit SET actor = 'someone.else' WHERE id = 2")
        .execute(&mut db)
        .await
        .expect("tamper");
    let (ok, text) = verify(&app.db.url);
    assert!(!ok);
    assert!(text.contains("broken at row 2"), "{text}");
}

#[tokio::test]
async fn views_transfers_files_and_refusals_are_recorded() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let county = app.token("expert.jingyuan").await;
    let city = app.token("expert.guyuan").await;
    let outsider = app.token("clerk.zhenbeibao").await;
    let id = app.raise(&clerk, "审计测试").await;
    app.get(&county, &format!("/api/tickets/{id}")).await;
    app.get(&county, &format!("/api/tickets/{id}")).await;
    app.post(&county, &format!("/api/tickets/{id}/claim"), json!({}))
        .await;
    let city_id = app.get(&city, "/api/me").await.1["user"]["id"].clone();
    let (status, _) = app
        .post(
            &county,
            &format!("/api/tickets/{id}/transfer"),
            json!({ "to": city_id }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.get(&outsider, &format!("/api/tickets/{id}")).await.0,
        404
    );
    let png = b"\x89PNG\r\n\x1a\n-audit".to_vec();
    let r = app
        .http
        .post(app.url("/api/files"))
        .bearer_auth(&clerk)
        .body(png)
        .send()
        .await
        .expect("upload");
    let hash = r.json::<serde_json::Value>().await.expect("json")["hash"]
        .as_str()
        .expect("hash")
        .to_string();
    app.get(&clerk, &format!("/api/files/{hash}")).await;

    let rows = trail(&app).await;
    let of = |kind: &str| rows.iter().filter(|r| r.0 == kind).collect::<Vec<_>>();
    assert_eq!(
        of("ticket_viewed").len(),
        1,
        "the first view of a session only"
    );
    assert_eq!(of("ticket_viewed")[0].1, "expert.jingyuan");
    assert_eq!(of("ticket_transferred").len(), 1);
    assert!(
        of("ticket_transferred")[0].5.contains("海燕"),
        "{:?}",
        of("ticket_transferred")
    );
    let refused = of("refused");
    assert_eq!(
        (refused.len(), refused[0].1.as_str()),
        (1, "clerk.zhenbeibao")
    );
    assert_eq!(of("file_uploaded").len(), 1);
    assert_eq!(of("file_downloaded").len(), 1);
    let (ok, text) = verify(&app.db.url);
    assert!(ok, "{text}");
}

#[tokio::test]
async fn officers_read_their_own_subtree_only_and_export_it() {
    let app = TestApp::spawn().await;
    app.token("clerk.dawan").await;
    app.token("clerk.zhenbeibao").await;
    let wrong = json!({ "username": "nobody.here", "password": "wrong-one" });
    app.http
        .post(app.url("/api/tokens"))
        .json(&wrong)
        .send()
        .await
        .expect("sent");
    let township = app.token("officer.dawan").await;
    let region = app.token("officer.region").await;
    let actors = |v: &serde_json::Value| -> Vec<String> {
        v["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| e["actor"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let (status, mine) = app.get(&township, "/api/audit").await;
    assert_eq!(status, 200);
    let seen = actors(&mine);
    assert!(seen.contains(&"clerk.dawan".to_string()), "{seen:?}");
    assert!(
        !seen.contains(&"clerk.zhenbeibao".to_string()),
        "not outside 大湾乡: {seen:?}"
    );
    assert!(!seen.contains(&"nobody.here".to_string()));
    let (_, all) = app.get(&region, "/api/audit?kind=sign_in_failed").await;
    assert_eq!(
        actors(&all),
        ["nobody.here"],
        "the region sees failures of unknown names; kind filters"
    );
    let clerk = app.token("clerk.dawan").await;
    assert_eq!(app.get(&clerk, "/api/audit").await.0, 403);
    let csv = app
        .http
        .get(app.url("/api/audit.csv?actor=clerk.zhenbeibao"))
        .bearer_auth(&region)
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(csv.starts_with("\u{feff}id,at,kind,actor"), "{csv}");
    assert_eq!(csv.lines().count(), 2, "header and the one sign-in: {csv}");
}

#[tokio::test]
async fn rows_past_retention_go_and_what_remains_still_verifies() {
    let app = TestApp::spawn_with(|s| {
        s.audit_retention_days = 30;
        s.job_interval_ms = 0;
    })
    .await;
    app.token("clerk.dawan").await;
    app.token("expert.jingyuan").await;
    app.clock
        .advance(std::time::Duration::from_secs(31 * 24 * 3600));
    app.token("admin").await;
    use backstop::Clock;
    app.jobs.run_due(app.clock.now()).await.expect("jobs run");
    let rows = trail(&app).await;
    assert_eq!(
        rows.len(),
        1,
        "only the row younger than 30 days is kept: {rows:?}"
    );
    assert_eq!(rows[0].1, "admin");
    let (ok, text) = verify(&app.db.url);
    assert!(ok && text.contains("intact: 1 rows"), "{text}");
    let mut db = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url)
        .await
        .expect("database");
    sqlx::query("DELETE FROM audit")
        .execute(&mut db)
        .await
        .expect("delete");
    app.token("officer.dawan").await;
    let (ok, text) = verify(&app.db.url);
    assert!(
        !ok && text.contains("broken at row 4"),
        "removing rows is found too: {text}"
    );
}

#[tokio::test]
async fn refusals_and_limits_are_recorded_without_a_row_per_attempt() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let id = app.raise(&clerk, "越权测试").await;
    let far = app.token("expert.yinchuan").await;
    app.post(&clerk, &format!("/api/tickets/{id}/claim"), json!({}))
        .await;
    for n in 0..40 {
        let body =
            json!({ "item_code": "C04", "difficulty": "small", "title": format!("刷单 {n}") });
        app.post(&clerk, "/api/tickets", body).await;
    }
    assert_eq!(app.get(&far, &format!("/api/tickets/{id}")).await.0, 404);
    let rows = trail(&app).await;
    let of = |kind: &str| rows.iter().filter(|r| r.0 == kind).count();
    assert_eq!(
        of("refused"),
        2,
        "the claim a clerk may not make, and the far expert's look"
    );
    assert_eq!(of("rate_limited"), 1, "thirty refused requests, one row");
}

#[tokio::test]
async fn probing_ticket_after_ticket_does_not_become_a_write_per_probe() {
    let app = TestApp::spawn().await;
    let prober = app.token("clerk.zhenbeibao").await;
    for id in 1..=200 {
        app.get(&prober, &format!("/api/tickets/{id}")).await;
    }
    let rows = trail(&app).await;
    let refused = rows.iter().filter(|r| r.0 == "refused").count();
    let limited = rows.iter().filter(|r| r.0 == "rate_limited").count();
    assert_eq!(
        (refused, limited),
        (30, 1),
        "a burst of refusals, then one note of the limit"
    );
}
