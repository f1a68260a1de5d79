//! Reading the trail: one page of the rows a reader may see, newest first.

use crate::clock::Millis;
use crate::db::Db;
use serde::{Deserialize, Serialize};
use sqlx::Row;

#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    /// Who acted (username), exactly.
    pub actor: Option<String>,
    pub kind: Option<String>,
    /// The code of a unit: rows of people in it or below it.
    pub unit: Option<String>,
    /// From and until, in milliseconds since the epoch.
    pub from: Option<Millis>,
    pub until: Option<Millis>,
    /// Rows before this id (the `next` of the previous page).
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct Entry {
    pub id: i64,
    pub at: Millis,
    pub kind: String,
    pub actor: String,
    pub subject: String,
    pub detail: String,
    pub address: String,
    pub agent: String,
}

/// Rows under `unit_path` matching `filter`, newest first; with `region` also the rows that
/// belong to no unit (failed sign-ins with unknown names). Returns the page and the cursor of
/// the next.
pub async fn page(
    db: &Db,
    unit_path: &str,
    region: bool,
    filter: &Filter,
) -> sqlx::Result<(Vec<Entry>, Option<i64>)> {
    let limit = filter.limit.unwrap_or(100).clamp(1, 1000);
    let unplaced = if region { " OR unit_path = '/'" } else { "" };
    let sql = format!(
        "SELECT id, at, kind, actor, subject, detail, address, agent FROM audit \
         WHERE (unit_path LIKE $1{unplaced}) AND id < $2 AND at >= $3 AND at <= $4 \
         AND ($5 = '' OR actor = $5) AND ($6 = '' OR kind = $6) \
         AND ($8 = '' OR unit_path LIKE $8) ORDER BY id DESC LIMIT $7"
    );
    let q = sqlx::query(&sql)
        .bind(format!("{unit_path}%"))
        .bind(filter.before.unwrap_or(i64::MAX))
        .bind(filter.from.unwrap_or(0))
        .bind(filter.until.unwrap_or(i64::MAX))
        .bind(filter.actor.clone().unwrap_or_default())
        .bind(filter.kind.clone().unwrap_or_default())
        .bind(limit)
        .bind(match filter.unit.as_deref().map(str::trim) {
            Some(code) if !code.is_empty() => format!("%/{code}/%"),
            _ => String::new(),
        })
        .fetch_all(db.read());
    let rows = db.timed(q).await?;
    let entries = rows
        .iter()
        .map(|r| {
            Ok(Entry {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                kind: r.try_get("kind")?,
                actor: r.try_get("actor")?,
                subject: r.try_get("subject")?,
                detail: r.try_get("detail")?,
                address: r.try_get("address")?,
                agent: r.try_get("agent")?,
            })
        })
        .collect::<sqlx::Result<Vec<_>>>()?;
    let next = (entries.len() as i64 == limit)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok((entries, next))
}
