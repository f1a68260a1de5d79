//! SQL for units, expert groups and people.

use super::{Role, UnitLevel};
use crate::clock::Millis;
use sqlx::{AnyConnection, Row};

#[derive(Clone, Debug)]
pub struct Unit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: String,
    pub path: String,
}

fn unit_from(row: &sqlx::any::AnyRow) -> Result<Unit, sqlx::Error> {
    Ok(Unit {
        id: row.try_get("id")?,
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        level: row.try_get("level")?,
        path: row.try_get("path")?,
    })
}

pub async fn unit_by_code(conn: &mut AnyConnection, code: &str) -> sqlx::Result<Option<Unit>> {
    let row = sqlx::query("SELECT id, code, name, level, path FROM units WHERE code = $1")
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(unit_from).transpose()
}

/// The supervisors of one unit who can be told of something: (id, name), enabled ones only.
pub async fn supervisors_of(
    conn: &mut AnyConnection,
    unit_id: i64,
) -> sqlx::Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT id, display_name FROM users WHERE unit_id = $1 AND role = 'supervisor' \
         AND disabled = 0 ORDER BY id",
    )
    .bind(unit_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("display_name")?)))
        .collect()
}

/// Every unit under `path` (itself included), in tree order: code, name, level and path.
pub async fn units_under(pool: &sqlx::AnyPool, path: &str) -> sqlx::Result<Vec<Unit>> {
    let rows = sqlx::query(
        "SELECT id, code, name, level, path FROM units WHERE path LIKE $1 ORDER BY path",
    )
    .bind(format!("{path}%"))
    .fetch_all(pool)
    .await?;
    rows.iter().map(unit_from).collect()
}

pub async fn unit_count(conn: &mut AnyConnection) -> sqlx::Result<i64> {
    sqlx::query("SELECT COUNT(*) AS n FROM units")
        .fetch_one(conn)
        .await?
        .try_get("n")
}

/// Inserts a unit below `parent`; its path is the parent's path plus its own code.
pub async fn insert_unit(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
    level: UnitLevel,
    parent: Option<&Unit>,
) -> sqlx::Result<Unit> {
    let path = format!("{}{code}/", parent.map_or("/", |p| p.path.as_str()));
    let row = sqlx::query(
        "INSERT INTO units (code, name, level, parent_id, path) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(level.as_str())
    .bind(parent.map(|p| p.id))
    .bind(&path)
    .fetch_one(conn)
    .await?;
    Ok(Unit {
        id: row.try_get("id")?,
        code: code.to_string(),
        name: name.to_string(),
        level: level.as_str().to_string(),
        path,
    })
}

pub async fn insert_group(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
    unit_id: i64,
    specialties: &str,
) -> sqlx::Result<i64> {
    sqlx::query(
        "INSERT INTO expert_groups (code, name, unit_id, specialties) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(unit_id)
    .bind(specialties)
    .fetch_one(conn)
    .await?
    .try_get("id")
}

pub async fn group_id_by_code(conn: &mut AnyConnection, code: &str) -> sqlx::Result<Option<i64>> {
    let row = sqlx::query("SELECT id FROM expert_groups WHERE code = $1")
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.map(|r| r.try_get("id")).transpose()
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub unit_id: i64,
    pub group_id: Option<i64>,
    pub password_hash: &'a str,
}

pub async fn insert_user(
    conn: &mut AnyConnection,
    user: NewUser<'_>,
    now: Millis,
) -> sqlx::Result<i64> {
    sqlx::query(
        "INSERT INTO users (username, display_name, role, unit_id, group_id, password_hash, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(user.username)
    .bind(user.display_name)
    .bind(user.role.as_str())
    .bind(user.unit_id)
    .bind(user.group_id)
    .bind(user.password_hash)
    .bind(now)
    .fetch_one(conn)
    .await?
    .try_get("id")
}
