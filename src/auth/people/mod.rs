//! What an administrator does to a person's access: disable and enable, unlock after failed
//! sign-ins, end every session, set a password, change role, home unit or expert group. Each
//! change that takes access away or changes what the person may see ends their sessions, in
//! the same transaction as its audit record. `routes` then closes their open sockets at once
//! (4003); sockets held by another process find out at their next session check.

pub mod add;
pub mod directory;
pub mod groups;
pub mod routes;

pub use routes::router;

use super::jurisdiction::path_covers;
use crate::clock::Millis;
use crate::db::{Db, Statement};
use crate::error::{AppError, AppResult};
use crate::org::{repo, Role};
use crate::trail::{self, Record};
use serde::Deserialize;
use sqlx::Row;

/// The person's id and unit path, by username.
pub async fn find(db: &Db, username: &str) -> sqlx::Result<Option<(i64, String)>> {
    let q = sqlx::query(
        "SELECT u.id, n.path FROM users u JOIN units n ON n.id = u.unit_id WHERE u.username = $1",
    )
    .bind(username)
    .fetch_optional(db.read());
    let row = db.timed(q).await?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("path")?)))
        .transpose()
}

/// What is recorded of an act on a person: by whom, on whom.
pub fn record(
    kind: &'static str,
    by: &str,
    by_id: Option<i64>,
    id: i64,
    unit_path: &str,
) -> Record {
    Record {
        kind,
        actor_id: by_id,
        actor: by.to_string(),
        unit_path: unit_path.to_string(),
        subject: format!("person {id}"),
        ..Record::default()
    }
}

/// Runs `statements` and appends `trail` in one transaction.
async fn with_trail(
    db: &Db,
    statements: Vec<Statement<'_>>,
    trail: &Record,
    now: Millis,
) -> sqlx::Result<()> {
    db.write(async {
        let mut tx = db.begin().await?;
        for statement in statements {
            statement.execute(&mut *tx).await?;
        }
        trail::append(&mut tx, db.backend, trail, now).await?;
        tx.commit().await
    })
    .await
}

fn end_all_sessions(id: i64) -> Statement<'static> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id)
}

/// Disables or enables; disabling ends every session of the person.
pub async fn set_disabled(
    db: &Db,
    id: i64,
    disabled: bool,
    trail: &Record,
    now: Millis,
) -> sqlx::Result<()> {
    let mut statements = vec![sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
        .bind(i64::from(disabled))
        .bind(id)];
    if disabled {
        statements.push(end_all_sessions(id));
    }
    with_trail(db, statements, trail, now).await
}

/// A new password hash; every session of the person ends.
pub async fn set_password(
    db: &Db,
    id: i64,
    hash: &str,
    trail: &Record,
    now: Millis,
) -> sqlx::Result<()> {
    let update = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash.to_string())
        .bind(id);
    with_trail(db, vec![update, end_all_sessions(id)], trail, now).await
}

/// Ends every session of the person, or lifts their sign-in lock (`unlock`).
pub async fn end_sessions_or_unlock(
    db: &Db,
    id: i64,
    unlock: bool,
    trail: &Record,
    now: Millis,
) -> sqlx::Result<()> {
    let statement = if unlock {
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(id)
    } else {
        end_all_sessions(id)
    };
    with_trail(db, vec![statement], trail, now).await
}

/// Who administers people: administrators, and unit heads (supervisors) over their subtree.
/// The one rule; the routes and the import ask it.
pub fn administers(actor: &crate::auth::Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Supervisor)
}

/// May `actor` give someone `role`, or act on someone who has it? A unit head manages the
/// clerks and experts of the unit; security officers (who read the audit trail), ops staff,
/// unit heads and administrators are managed by administrators only, so that nobody can give
/// anyone powers they do not have themselves.
pub fn manages(actor: &crate::auth::Actor, role: Role) -> bool {
    actor.role == Role::Admin || matches!(role, Role::Clerk | Role::Expert)
}

/// Where a person stands: what they may do, where, and which questions they answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    pub role: Role,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_path: String,
    pub group: Option<(i64, String)>,
}

impl Standing {
    /// "role unit group", as the audit trail shows a change from one standing to another.
    pub fn describe(&self) -> String {
        let group = self.group.as_ref().map_or("-", |(_, code)| code.as_str());
        format!("{} {} {group}", self.role, self.unit_code)
    }
}

/// The person's username and standing.
pub async fn standing(db: &Db, id: i64) -> sqlx::Result<Option<(String, Standing)>> {
    let q = sqlx::query(
        "SELECT u.username, u.role, n.id AS unit_id, n.code AS unit_code, n.path, \
         g.id AS group_id, g.code AS group_code \
         FROM users u JOIN units n ON n.id = u.unit_id \
         LEFT JOIN expert_groups g ON g.id = u.group_id WHERE u.id = $1",
    )
    .bind(id)
    .fetch_optional(db.read());
    let Some(row) = db.timed(q).await? else {
        return Ok(None);
    };
    let role: String = row.try_get("role")?;
    let role = Role::parse(&role).ok_or_else(|| sqlx::Error::Decode("unknown role".into()))?;
    let group_id: Option<i64> = row.try_get("group_id")?;
    let group_code: Option<String> = row.try_get("group_code")?;
    let standing = Standing {
        role,
        unit_id: row.try_get("unit_id")?,
        unit_code: row.try_get("unit_code")?,
        unit_path: row.try_get("path")?,
        group: group_id.zip(group_code),
    };
    Ok(Some((row.try_get("username")?, standing)))
}

/// What a change of standing asks for; whatever is left out stays as it is.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    pub role: Option<Role>,
    /// The code of the new home unit.
    pub unit: Option<String>,
    /// The code of the new expert group; `null` for none.
    #[serde(default, deserialize_with = "given")]
    pub group: Option<Option<String>>,
}

/// Tells a `null` that was sent (`Some(None)`) from a field left out (`None`).
fn given<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl Change {
    /// The standing this change makes of `from`, by someone whose area is the unit path `area`.
    /// Experts belong to exactly one expert group and nobody else belongs to one.
    pub async fn apply(&self, db: &Db, from: &Standing, area: &str) -> AppResult<Standing> {
        let group_code = match &self.group {
            Some(given) => given.as_deref(),
            None => from.group.as_ref().map(|(_, code)| code.as_str()),
        };
        let (unit, group_id) = lookup(db, area, self.unit.as_deref(), group_code).await?;
        let mut to = from.clone();
        to.role = self.role.unwrap_or(from.role);
        if let Some(code) = &self.unit {
            match unit {
                Some((id, path)) if path_covers(area, &path) => {
                    (to.unit_id, to.unit_code, to.unit_path) = (id, code.clone(), path)
                }
                _ => {
                    return Err(AppError::invalid(
                        "unit",
                        format!("no unit {code} in your area"),
                    ))
                }
            }
        }
        to.group = match (to.role, group_code, group_id) {
            (Role::Expert, Some(code), Some(id)) => Some((id, code.to_string())),
            (Role::Expert, Some(code), None) => {
                return Err(AppError::invalid(
                    "group",
                    format!("no expert group {code}"),
                ))
            }
            (Role::Expert, None, _) => {
                return Err(AppError::invalid(
                    "group",
                    "an expert needs an expert group",
                ))
            }
            (_, Some(_), _) if matches!(self.group, Some(Some(_))) => {
                return Err(AppError::invalid(
                    "group",
                    "only experts belong to an expert group",
                ))
            }
            _ => None,
        };
        Ok(to)
    }
}

/// The unit with `code` (id and path) and the expert group with `group` (id), where given.
pub async fn lookup(
    db: &Db,
    area: &str,
    code: Option<&str>,
    group: Option<&str>,
) -> sqlx::Result<(Option<(i64, String)>, Option<i64>)> {
    let mut conn = db.timed(db.read().acquire()).await?;
    let unit = match code {
        Some(code) => db.timed(repo::unit_by_code(&mut conn, code)).await?,
        None => None,
    };
    let group = match group {
        Some(code) => db.timed(group_in_reach(&mut conn, area, code)).await?,
        None => None,
    };
    Ok((unit.map(|u| (u.id, u.path)), group))
}

/// The expert group with `code`, if someone whose area is the unit path `area` may put people
/// in it: its unit is on the path from the region down to the area, or inside the area.
async fn group_in_reach(
    conn: &mut sqlx::AnyConnection,
    area: &str,
    code: &str,
) -> sqlx::Result<Option<i64>> {
    let row = sqlx::query(
        "SELECT g.id FROM expert_groups g JOIN units n ON n.id = g.unit_id \
         WHERE g.code = $1 AND (n.path LIKE $2 || '%' OR $2 LIKE n.path || '%')",
    )
    .bind(code)
    .bind(area)
    .fetch_optional(conn)
    .await?;
    row.map(|r| r.try_get("id")).transpose()
}

/// Gives the person a new standing; every session of the person ends.
pub async fn change(
    db: &Db,
    id: i64,
    to: &Standing,
    trail: &Record,
    now: Millis,
) -> sqlx::Result<()> {
    let update =
        sqlx::query("UPDATE users SET role = $1, unit_id = $2, group_id = $3 WHERE id = $4")
            .bind(to.role.as_str())
            .bind(to.unit_id)
            .bind(to.group.as_ref().map(|(id, _)| *id))
            .bind(id);
    with_trail(db, vec![update, end_all_sessions(id)], trail, now).await
}
