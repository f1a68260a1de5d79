//! The security officers' matrix on the demo region: `cargo bench --bench duty_matrix`.
//!
//! A real server with the demo (270 units of the four levels, their officers and rosters) on a
//! fresh database — SQLite, or PostgreSQL when BACKSTOP_TEST_POSTGRES names a server — then,
//! through the HTTP API, the reads the console makes: the region's matrix (every unit's cover,
//! who is on duty now and seven days of hours looked at per unit), one unit's row (what a live
//! `duty` frame costs each follower), a county's matrix, the CSV export, and the scrape that
//! counts the gaps; and the daily look for missed checks. Prints p50 and p99 of ROUNDS each.

#[path = "../tests/common/database.rs"]
mod database;
#[path = "support/demo_login.rs"]
mod demo_login;

use backstop::{Application, Clock, Settings, SystemClock};
use hdrhistogram::Histogram;
use std::sync::Arc;
use std::time::Instant;

fn print(name: &str, h: &Histogram<u64>) {
    println!(
        "| {name} | {:.1} ms | {:.1} ms |",
        h.value_at_quantile(0.5) as f64 / 1000.0,
        h.value_at_quantile(0.99) as f64 / 1000.0
    );
}

#[tokio::main]
async fn main() {
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let db = database::fresh().await;
    println!("the demo region on {}", db.backend);
    let mut settings = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: db.url.clone(),
        demo: true,
        metrics_token: Some("bench".into()),
        job_interval_ms: 0,
        ..Settings::default()
    };
    // The bench measures the work, not the per-person pace of reads.
    settings.helpdesk.search_burst = 100_000;
    let app = Application::build(settings, Arc::new(SystemClock))
        .await
        .expect("app");
    let addr = app.local_addr().expect("addr");
    let duty = app.state().duty.clone();
    tokio::spawn(app.run_until(std::future::pending()));
    let http = reqwest::Client::new();
    let ops = demo_login::token(&http, addr, "ops.datacenter").await;
    let county = demo_login::token(&http, addr, "officer.jingyuan").await;
    let cases: Vec<(&str, &str, &str)> = vec![
        ("matrix of the region (270 units)", &ops, "/api/duty/matrix"),
        (
            "one row, as a live update asks",
            &ops,
            "/api/duty/matrix?unit=640424007",
        ),
        ("matrix of a county (8 units)", &county, "/api/duty/matrix"),
        ("matrix.csv of the region", &ops, "/api/duty/matrix.csv"),
        ("rosters.csv of the region", &ops, "/api/duty/rosters.csv"),
        (
            "/metrics (gaps counted over the region)",
            "bench",
            "/metrics",
        ),
    ];
    println!("| read | p50 | p99 |");
    println!("| --- | ---: | ---: |");
    for (name, token, path) in cases {
        let mut h = Histogram::<u64>::new(3).expect("histogram");
        for _ in 0..rounds {
            let t = Instant::now();
            let r = http
                .get(format!("http://{addr}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .expect("request");
            assert!(r.status().is_success(), "{path}: {}", r.status());
            r.bytes().await.expect("body");
            h.record(t.elapsed().as_micros() as u64).expect("record");
        }
        print(name, &h);
    }
    let mut h = Histogram::<u64>::new(3).expect("histogram");
    for _ in 0..rounds {
        let t = Instant::now();
        backstop::duty::missed::run(&duty, SystemClock.now())
            .await
            .expect("the daily look");
        h.record(t.elapsed().as_micros() as u64).expect("record");
    }
    print("the daily look for missed checks (whole region)", &h);
}
