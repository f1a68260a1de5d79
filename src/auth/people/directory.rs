//! The people of an administrator's subtree, as the people screen lists them: who, what role,
//! which unit and group, and whether they are disabled or locked out; and the expert groups
//! and units to choose from when changing someone.

use crate::clock::Millis;
use crate::db::Db;
use crate::text;
use serde::{Deserialize, Serialize};
use sqlx::Row;

#[derive(Debug, Serialize)]
pub struct Person {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit: String,
    pub unit_name: String,
    pub group: Option<String>,
    pub group_name: Option<String>,
    pub disabled: bool,
    pub locked: bool,
}

/// What the screen filters by.
#[derive(Debug, Default, Deserialize)]
pub struct Query {
    /// Part of the username or the name.
    #[serde(default)]
    pub q: Option<String>,
    /// Only people of this role.
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub after: Option<i64>,
    #[serde(default)]
    pub limit: Option<i64>,
}

/// One page of the people under `path`, by id; the next page's cursor when there is more.
pub async fn list(
    db: &Db,
    path: &str,
    query: &Query,
    now: Millis,
) -> crate::error::AppResult<(Vec<Person>, Option<i64>)> {
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    let words = query.q.as_deref().map(str::trim).unwrap_or("");
    text::check_line("q", words, 50)?;
    let escaped = words
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let pattern = format!("%{escaped}%");
    let role = match query
        .role
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        Some(r) => crate::org::Role::parse_field(r)?.as_str(),
        None => "",
    };
    let rows = sqlx::query(
        "SELECT u.id, u.username, u.display_name, u.role, u.disabled, u.locked_until, \
         n.code AS unit, n.name AS unit_name, g.code AS grp, g.name AS group_name \
         FROM users u JOIN units n ON n.id = u.unit_id \
         LEFT JOIN expert_groups g ON g.id = u.group_id \
         WHERE n.path LIKE $1 AND (LOWER(u.username) LIKE $2 ESCAPE '\\' OR LOWER(u.display_name) LIKE $2 ESCAPE '\\') AND u.id > $3 \
         AND ($5 = '' OR u.role = $5) ORDER BY u.id LIMIT $4",
    )
    .bind(format!("{path}%"))
    .bind(pattern)
    .bind(query.after.unwrap_or(0))
    .bind(limit + 1)
    .bind(role)
    .fetch_all(db.read());
    let rows = db.timed(rows).await?;
    let mut people = rows
        .iter()
        .map(|r| {
            let locked: Option<i64> = r.try_get("locked_until")?;
            Ok(Person {
                id: r.try_get("id")?,
                username: r.try_get("username")?,
                display_name: r.try_get("display_name")?,
                role: r.try_get("role")?,
                unit: r.try_get("unit")?,
                unit_name: r.try_get("unit_name")?,
                group: r.try_get("grp")?,
                group_name: r.try_get("group_name")?,
                disabled: r.try_get::<i64, _>("disabled")? != 0,
                locked: locked.is_some_and(|until| until > now),
            })
        })
        .collect::<sqlx::Result<Vec<_>>>()?;
    let next = if people.len() as i64 > limit {
        people.truncate(limit as usize);
        people.last().map(|p| p.id)
    } else {
        None
    };
    Ok((people, next))
}

#[derive(Debug, Serialize)]
pub struct Group {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub unit_name: String,
    pub specialties: Vec<crate::org::Specialty>,
    /// Whether the administrator's subtree holds the group (so they may change it).
    pub own: bool,
}

/// The expert groups whose unit is on the path from the region down to `path` or below it:
/// those an administrator there may put someone in.
pub async fn groups(db: &Db, path: &str) -> sqlx::Result<Vec<Group>> {
    let rows = sqlx::query(
        "SELECT g.code, g.name, n.code AS unit, n.name AS unit_name, n.path, g.specialties \
         FROM expert_groups g \
         JOIN units n ON n.id = g.unit_id WHERE n.path LIKE $1 OR $2 LIKE n.path || '%' \
         ORDER BY n.path, g.code",
    )
    .bind(format!("{path}%"))
    .bind(path)
    .fetch_all(db.read());
    db.timed(rows)
        .await?
        .iter()
        .map(|r| {
            let unit_path: String = r.try_get("path")?;
            Ok(Group {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                unit: r.try_get("unit")?,
                unit_name: r.try_get("unit_name")?,
                specialties: crate::org::parse_specialties(&r.try_get::<String, _>("specialties")?),
                own: unit_path.starts_with(path),
            })
        })
        .collect()
}
