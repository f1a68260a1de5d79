//! List and search latency on a large store: `cargo bench --bench ticket_search`.
//!
//! Fills a fresh database (SQLite, or PostgreSQL when BACKSTOP_TEST_POSTGRES names a server)
//! with TICKETS tickets (default one million) spread over a year and over every township and
//! village of the demo region, 2 % of them open; then times, through the real HTTP API, the
//! lists and searches the console makes for a region supervisor, a county supervisor and a
//! county expert. Prints p50 and p99 of ROUNDS requests each.

#[path = "../tests/common/database.rs"]
mod database;
#[path = "support/demo_login.rs"]
mod demo_login;

use backstop::{Application, Settings, SystemClock};
use hdrhistogram::Histogram;
use serde_json::Value;
use sqlx::{AnyConnection, Connection, Row};
use std::sync::Arc;
use std::time::Instant;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const WORDS: &[&str] = &[
    "社保卡密码重置失败",
    "养老待遇认证刷脸失败",
    "失业登记系统报错",
    "灵活就业补贴申领",
    "个人权益记录打印不全",
    "劳动用工备案提示重复",
    "社会保障卡挂失后补换",
    "缴费档次变更未生效",
    "创业担保贷款材料",
    "农民工工资投诉受理",
    "参保信息变更审核",
    "职业培训补贴发放",
];
const ITEMS: &[(&str, &str)] = &[
    ("C04", "sscard"),
    ("S02", "social_insurance"),
    ("E02", "employment"),
    ("E04", "employment"),
    ("S03", "social_insurance"),
    ("L01", "labour"),
    ("C03", "sscard"),
    ("S05", "social_insurance"),
    ("E05", "employment"),
    ("L02", "labour"),
    ("S06", "social_insurance"),
    ("E06", "employment"),
];

#[tokio::main]
async fn main() {
    let total = env_or("TICKETS", 1_000_000) as i64;
    let rounds = env_or("ROUNDS", 50);
    let db = database::fresh().await;
    println!("{} tickets on {}", total, db.backend);
    let settings = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: db.url.clone(),
        demo: true,
        ..Settings::default()
    };
    // The bench measures the store, not the per-person pace of searches.
    let mut settings = settings;
    settings.helpdesk.search_burst = 100_000;
    let app = Application::build(settings, Arc::new(SystemClock))
        .await
        .expect("app");
    let addr = app.local_addr().expect("addr");
    let started = Instant::now();
    fill(&db.url, total).await;
    println!(
        "filled {total} tickets in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    tokio::spawn(app.run_until(std::future::pending()));
    let http = reqwest::Client::new();
    let region = demo_login::token(&http, addr, "supervisor.region").await;
    let county = demo_login::token(&http, addr, "supervisor.jingyuan").await;
    let expert = demo_login::token(&http, addr, "expert.jingyuan").await;
    let cases: Vec<(&str, &String, String)> = vec![
        (
            "open queue, region",
            &region,
            "/api/tickets?limit=100".into(),
        ),
        (
            "open queue, county expert",
            &expert,
            "/api/tickets?limit=100".into(),
        ),
        (
            "all, newest first, region",
            &region,
            "/api/tickets?all=true&limit=50".into(),
        ),
        (
            "all, newest first, county",
            &county,
            "/api/tickets?all=true&limit=50".into(),
        ),
        (
            "words 社保卡, region",
            &region,
            format!("/api/tickets?q={}&limit=50", enc("社保卡")),
        ),
        (
            "words 社保卡, county",
            &county,
            format!("/api/tickets?q={}&limit=50", enc("社保卡")),
        ),
        (
            "rare words, region",
            &region,
            format!("/api/tickets?q={}&limit=50", enc("无此内容")),
        ),
        (
            "township 大湾乡 + item C04, region",
            &region,
            format!(
                "/api/tickets?unit={}&item=C04&limit=50",
                dawan(&db.url).await
            ),
        ),
        (
            "state waiting, county",
            &county,
            "/api/tickets?state=waiting&limit=50".into(),
        ),
        (
            "handler 杨志刚, county",
            &county,
            format!("/api/tickets?handler={}&limit=50", enc("杨志刚")),
        ),
        (
            "last 7 days, region",
            &region,
            format!("/api/tickets?from={}&limit=50", now() - 7 * 86_400_000),
        ),
        (
            "ticket number, region",
            &region,
            format!("/api/tickets?q=%23{}", total / 2),
        ),
    ];
    println!("| list or search | who | p50 | p99 | found |");
    println!("| --- | --- | ---: | ---: | ---: |");
    for (name, token, path) in cases {
        let mut h = Histogram::<u64>::new(3).expect("histogram");
        let mut found = 0;
        for _ in 0..rounds {
            let t = Instant::now();
            let r = http
                .get(format!("http://{addr}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .expect("request");
            assert!(r.status().is_success(), "{path}: {}", r.status());
            let v: Value = r.json().await.expect("json");
            h.record(t.elapsed().as_micros() as u64).expect("record");
            found = v["tickets"].as_array().map_or(0, Vec::len);
        }
        let (what, who) = name.rsplit_once(", ").unwrap_or((name, ""));
        println!(
            "| {what} | {who} | {:.1} ms | {:.1} ms | {found} |",
            h.value_at_quantile(0.5) as f64 / 1000.0,
            h.value_at_quantile(0.99) as f64 / 1000.0
        );
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn enc(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

async fn dawan(url: &str) -> String {
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url).await.expect("database");
    sqlx::query("SELECT code FROM units WHERE name = '大湾乡'")
        .fetch_one(&mut conn)
        .await
        .expect("大湾乡")
        .try_get("code")
        .expect("code")
}

/// `total` tickets over the last year in every unit below county level, raised by the demo
/// clerks, 2 % open; resolved ones handled by 杨志刚 where the county is 泾源县.
async fn fill(url: &str, total: i64) {
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url).await.expect("database");
    let units: Vec<(i64, String)> = sqlx::query(
        "SELECT id, path FROM units WHERE level NOT IN ('region', 'city', 'county') ORDER BY id",
    )
    .fetch_all(&mut conn)
    .await
    .expect("units")
    .iter()
    .map(|r| {
        (
            r.try_get("id").expect("id"),
            r.try_get("path").expect("path"),
        )
    })
    .collect();
    let clerk: i64 = sqlx::query("SELECT id FROM users WHERE username = 'clerk.dawan'")
        .fetch_one(&mut conn)
        .await
        .expect("clerk")
        .try_get("id")
        .expect("id");
    let expert: i64 = sqlx::query("SELECT id FROM users WHERE username = 'expert.jingyuan'")
        .fetch_one(&mut conn)
        .await
        .expect("expert")
        .try_get("id")
        .expect("id");
    let year = 365 * 86_400_000_i64;
    let start = now() - year;
    let batch = 500;
    let mut n = 0;
    while n < total {
        let mut tx = conn.begin().await.expect("begin");
        let rows = batch.min(total - n);
        let mut sql = String::from(
            "INSERT INTO tickets (unit_id, unit_path, creator_id, assignee_id, item_code, kind, \
             specialty, difficulty, title, body, state, last_seq, created_at, updated_at) VALUES ",
        );
        let mut values = Vec::new();
        for i in 0..rows {
            let k = n + i;
            let (unit_id, path) = &units[(k as usize * 7919) % units.len()];
            let (item, specialty) = ITEMS[k as usize % ITEMS.len()];
            let open = k % 50 == 0;
            let state = if open {
                ["new", "claimed", "waiting"][(k / 50) as usize % 3]
            } else if k % 3 == 0 {
                "closed"
            } else {
                "resolved"
            };
            let assignee = if state == "new" {
                "NULL".to_string()
            } else {
                expert.to_string()
            };
            let at = start + year * k / total;
            let title = WORDS[k as usize % WORDS.len()];
            values.push(format!(
                "({unit_id}, '{path}', {clerk}, {assignee}, '{item}', 'business', '{specialty}', \
                 'small', '{title} {k}', '群众反映的情况，编号 {k}', '{state}', 1, {at}, {at})"
            ));
        }
        sql.push_str(&values.join(", "));
        sqlx::query(&sql).execute(&mut *tx).await.expect("insert");
        tx.commit().await.expect("commit");
        n += rows;
    }
    // What the hourly statistics job does (PostgreSQL: what autovacuum does).
    let analyze = "ANALYZE tickets";
    if url.starts_with("sqlite") {
        sqlx::query("PRAGMA analysis_limit = 1000")
            .execute(&mut conn)
            .await
            .expect("limit");
    }
    sqlx::query(analyze)
        .execute(&mut conn)
        .await
        .expect("analyze");
}
