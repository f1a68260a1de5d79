//! Monitoring's costs: `cargo bench --bench uptime`.
//!
//! A real server on a fresh database — SQLite, or PostgreSQL when BACKSTOP_TEST_POSTGRES names
//! a server. First the prober: MONITORS HTTP monitors (default 1,000) against a local target in
//! the same process, all due at once, run ROUNDS times; it prints the time a round takes and
//! the processor time per check (server, target and store together, from getrusage). Then the
//! storage a monitor holds at its steady state — a minute interval, raw results for the default
//! 48 hours, minute roll-ups for 2 days, hours for 35, days for 400 — as bytes per monitor.

#[path = "../tests/common/database.rs"]
mod database;
#[path = "support/env.rs"]
mod env;
use env::env_or;

use backstop::{Application, Clock, ManualClock, Settings};
use sqlx::Row;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn cpu_seconds() -> f64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes only into the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

#[tokio::main]
async fn main() {
    let (monitors, rounds) = (env_or("MONITORS", 1000), env_or("ROUNDS", 5));
    let db = database::fresh().await;
    let target = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let at = target.local_addr().expect("addr");
    let site =
        axum::Router::new().route("/health", axum::routing::get(|| async { "系统运行正常" }));
    tokio::spawn(async move { axum::serve(target, site).await });
    let mut settings = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: db.url.clone(),
        demo: true,
        job_interval_ms: 0,
        ..Settings::default()
    };
    settings.uptime.tick_ms = 0;
    settings.uptime.demo_monitors = false;
    let clock = Arc::new(ManualClock::new(1_800_000_000_000));
    let app = Application::build(settings, clock.clone())
        .await
        .expect("app");
    let state = app.state().clone();
    let pool = state.db.clone();
    let values: Vec<String> = (0..monitors)
        .map(|i| {
            format!(
                "('bench-{i}', 'bench {i}', (SELECT id FROM units WHERE code = '640424'), 'http', \
                 'http://{at}/health', '正常', 60000, 5000, {})",
                1_800_000_000_000_i64
            )
        })
        .collect();
    for chunk in values.chunks(500) {
        let sql = format!(
            "INSERT INTO monitors (key, name, unit_id, kind, target, keyword, interval_ms, \
             timeout_ms, created_at) VALUES {}",
            chunk.join(", ")
        );
        pool.execute(sqlx::query(&sql)).await.expect("monitors");
    }
    println!("{monitors} HTTP monitors on {}, a local target", db.backend);
    let uptime = state.uptime.clone();
    for h in uptime.probe_due(clock.now()).await.expect("read") {
        h.await.expect("check");
    }
    println!("| round | wall | processor per check |");
    println!("| --- | --- | --- |");
    for r in 0..rounds {
        clock.advance(Duration::from_secs(60));
        let (wall, cpu) = (Instant::now(), cpu_seconds());
        let started = uptime.probe_due(clock.now()).await.expect("read");
        let n = started.len();
        for h in started {
            h.await.expect("check");
        }
        let per = (cpu_seconds() - cpu) / n.max(1) as f64 * 1000.0;
        println!(
            "| {} ({n} checks) | {:.0} ms | {per:.2} ms |",
            r + 1,
            wall.elapsed().as_secs_f64() * 1000.0
        );
    }
    storage(&pool, db.backend).await;
}

/// Fills 100 monitors' results and roll-ups to their steady state; prints bytes per monitor.
async fn storage(db: &backstop::db::Db, backend: &str) {
    const MINUTE: i64 = 60_000;
    let size = || async {
        let sql = if backend.contains("PostgreSQL") || backend.contains("postgres") {
            "SELECT (pg_total_relation_size('probe_results') + pg_total_relation_size('probe_rollups'))::BIGINT AS n"
        } else {
            "SELECT SUM(pgsize) AS n FROM dbstat WHERE name LIKE 'probe_%' OR name LIKE 'sqlite_autoindex_probe_%'"
        };
        let row = sqlx::query(sql).fetch_one(db.read()).await.expect("size");
        row.try_get::<i64, _>("n").unwrap_or(0)
    };
    db.execute(sqlx::query("DELETE FROM probe_results"))
        .await
        .expect("clear");
    db.execute(sqlx::query("DELETE FROM probe_rollups"))
        .await
        .expect("clear");
    let ids: Vec<i64> = sqlx::query("SELECT id FROM monitors ORDER BY id LIMIT 100")
        .fetch_all(db.read())
        .await
        .expect("ids")
        .iter()
        .map(|r| r.try_get("id").expect("id"))
        .collect();
    let now = 1_800_000_000_000_i64;
    let spans = [
        ("minute", MINUTE, 2 * 1440),
        ("hour", 60 * MINUTE, 35 * 24),
        ("day", 1440 * MINUTE, 400),
    ];
    for id in &ids {
        let raw: Vec<String> = (0..48 * 60)
            .map(|k| format!("({id}, {}, 1, 23, 0, '状态码 200')", now - k * MINUTE))
            .collect();
        for chunk in raw.chunks(500) {
            let sql = format!(
                "INSERT INTO probe_results (monitor_id, at, ok, latency_ms, maintenance, detail) VALUES {}",
                chunk.join(", ")
            );
            db.execute(sqlx::query(&sql)).await.expect("raw");
        }
        for (span, size, count) in spans {
            let rows: Vec<String> = (0..count)
                .map(|k| format!("({id}, '{span}', {}, 60, 60, 0, 1380, 40)", now - k * size))
                .collect();
            for chunk in rows.chunks(500) {
                let sql = format!(
                    "INSERT INTO probe_rollups (monitor_id, span, start, checks, ups, maintenance, latency_sum, latency_max) VALUES {}",
                    chunk.join(", ")
                );
                db.execute(sqlx::query(&sql)).await.expect("rollups");
            }
        }
    }
    if backend.contains("SQLite") || backend.contains("sqlite") {
        sqlx::query("VACUUM")
            .execute(db.read())
            .await
            .expect("vacuum");
    } else {
        sqlx::query("VACUUM ANALYZE")
            .execute(db.read())
            .await
            .expect("vacuum");
    }
    let bytes = size().await;
    println!(
        "storage at the steady state (1-minute checks): {} bytes per monitor ({} monitors, {bytes} bytes)",
        bytes / ids.len().max(1) as i64,
        ids.len()
    );
}
