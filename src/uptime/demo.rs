//! The demo's monitors: the four systems DOMAIN.md names, watched for each city and county,
//! pointing at pages the demo itself serves (`/demo/systems/…`) — all healthy but 社区E通 of
//! 泾源县, which answers 503, so the ops view is alive out of the box. The last 30 days are
//! rolled up already (a little under 100 % each), so availability reads like a system's.

use crate::clock::Millis;
use crate::db::Db;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use sqlx::Row;

/// The failing system: 社区E通 of 泾源县.
pub const FAILING: (&str, &str) = ("sqet", "640424");

const SYSTEMS: &[(&str, &str)] = &[
    ("rsyth", "人社一体化"),
    ("nzt", "宁政通"),
    ("sqet", "社区E通"),
    ("extranet", "电子政务外网"),
];
const HOUR: Millis = 3_600_000;
const DAY: Millis = 24 * HOUR;

/// The pages the demo's monitors check.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/demo/systems/{system}/{unit}", get(system))
}

async fn system(Path((system, unit)): Path<(String, String)>) -> (StatusCode, &'static str) {
    if (system.as_str(), unit.as_str()) == FAILING {
        (StatusCode::SERVICE_UNAVAILABLE, "服务不可用")
    } else {
        (StatusCode::OK, "系统运行正常")
    }
}

/// Adds the demo's monitors against `addr` (or points them at it, if they exist); how many.
pub async fn load(db: &Db, addr: std::net::SocketAddr, now: Millis) -> anyhow::Result<usize> {
    let q = sqlx::query(
        "SELECT id, code, name FROM units WHERE level IN ('city', 'county') ORDER BY code",
    );
    let units = db.timed(q.fetch_all(db.read())).await?;
    let mut added = 0;
    db.write(async {
        let mut tx = db.begin().await?;
        for u in &units {
            let (unit_id, code, name): (i64, String, String) =
                (u.try_get("id")?, u.try_get("code")?, u.try_get("name")?);
            for (system, title) in SYSTEMS {
                let key = format!("{system}-{code}");
                let (kind, target) = if *system == "extranet" {
                    ("tcp", addr.to_string())
                } else {
                    (
                        "http",
                        format!("http://{addr}/demo/systems/{system}/{code}"),
                    )
                };
                let known = sqlx::query("UPDATE monitors SET target = $1 WHERE key = $2")
                    .bind(&target)
                    .bind(&key)
                    .execute(&mut *tx)
                    .await?;
                if known.rows_affected() > 0 {
                    continue;
                }
                let row = sqlx::query(
                    "INSERT INTO monitors (key, name, unit_id, kind, target, keyword, interval_ms, \
                     timeout_ms, failures, recoveries, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 30000, 5000, 2, 2, $7) RETURNING id",
                )
                .bind(&key)
                .bind(format!("{title}（{name}）"))
                .bind(unit_id)
                .bind(kind)
                .bind(&target)
                .bind(if kind == "http" { "正常" } else { "" })
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                history(&mut tx, row.try_get("id")?, now).await?;
                added += 1;
            }
        }
        tx.commit().await
    })
    .await?;
    Ok(added)
}

/// Thirty days of roll-ups (and the last week's hours): 30-second checks, a few failed.
async fn history(conn: &mut sqlx::AnyConnection, monitor: i64, now: Millis) -> sqlx::Result<()> {
    let today = now - now.rem_euclid(DAY);
    let this_hour = now - now.rem_euclid(HOUR);
    let mut rows = Vec::new();
    for d in 1..=30 {
        let lost = (monitor * 7 + d) % 5;
        rows.push(("day", today - d * DAY, 2880, 2880 - lost));
    }
    for h in 1..=168 {
        let lost = i64::from((monitor + h) % 37 == 0);
        rows.push(("hour", this_hour - h * HOUR, 120, 120 - lost));
    }
    for chunk in rows.chunks(100) {
        let values: Vec<String> = chunk
            .iter()
            .map(|(span, start, checks, ups)| {
                format!(
                    "({monitor}, '{span}', {start}, {checks}, {ups}, 0, {}, 80)",
                    checks * 20
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO probe_rollups (monitor_id, span, start, checks, ups, maintenance, \
             latency_sum, latency_max) VALUES {} ON CONFLICT DO NOTHING",
            values.join(", ")
        );
        sqlx::query(&sql).execute(&mut *conn).await?;
    }
    Ok(())
}
