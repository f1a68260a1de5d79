//! The units an incident climbs through: its own, then each one above it to the region.

use crate::db::Db;
use sqlx::Row;

pub use crate::org::repo::Unit;

/// The four levels an incident may belong to.
pub const LEVELS: &str = "'region', 'city', 'county', 'township'";

/// The unit `id` and those above it, nearest first.
pub async fn chain(db: &Db, id: i64) -> sqlx::Result<Vec<Unit>> {
    let q = sqlx::query("SELECT path FROM units WHERE id = $1").bind(id);
    let Some(row) = db.timed(q.fetch_optional(db.read())).await? else {
        return Ok(Vec::new());
    };
    let path: String = row.try_get("path")?;
    // A unit's path is its ancestors' codes from the root down: theirs are its prefixes.
    let sql = format!(
        "SELECT id, code, name, level, path FROM units WHERE $1 LIKE path || '%' \
         AND level IN ({LEVELS})"
    );
    let q = sqlx::query(&sql).bind(path);
    let mut units: Vec<Unit> = db
        .timed(q.fetch_all(db.read()))
        .await?
        .iter()
        .map(|r| {
            Ok(Unit {
                id: r.try_get("id")?,
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                level: r.try_get("level")?,
                path: r.try_get("path")?,
            })
        })
        .collect::<sqlx::Result<_>>()?;
    units.sort_by_key(|u| std::cmp::Reverse(u.path.len()));
    Ok(units)
}

/// The unit of the four levels with `code`, or — for none — the configured default, else the
/// region: where an alert without a known unit goes.
pub async fn by_code_or_default(
    db: &Db,
    code: Option<&str>,
    default: &str,
) -> sqlx::Result<Option<i64>> {
    for c in [code.unwrap_or(""), default] {
        if c.is_empty() {
            continue;
        }
        let sql = format!("SELECT id FROM units WHERE code = $1 AND level IN ({LEVELS})");
        let q = sqlx::query(&sql).bind(c.to_string());
        if let Some(r) = db.timed(q.fetch_optional(db.read())).await? {
            return Ok(Some(r.try_get("id")?));
        }
    }
    let q = sqlx::query("SELECT id FROM units WHERE level = 'region' ORDER BY id LIMIT 1");
    db.timed(q.fetch_optional(db.read()))
        .await?
        .map(|r| r.try_get("id"))
        .transpose()
}
