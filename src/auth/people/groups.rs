//! Expert groups: an administrator (or a unit head, within their subtree) adds one to a unit
//! and says what it answers, renames it or changes what it answers. A member whose group now
//! answers other things has their open sockets closed at the next session check, and signs
//! back in with the new specialties.

use super::record;
use crate::auth::jurisdiction::path_covers;
use crate::auth::Actor;
use crate::clock::Millis;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::org::{parse_specialties, repo, Specialty};
use crate::trail::{self, Record};
use serde::Deserialize;
use sqlx::Row;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    pub code: String,
    pub name: String,
    /// The code of the unit it belongs to.
    pub unit: String,
    pub specialties: Vec<Specialty>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupChange {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub specialties: Option<Vec<Specialty>>,
}

fn check_code(code: &str) -> AppResult<()> {
    let fits = (2..=32).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    match fits {
        true => Ok(()),
        false => Err(AppError::invalid(
            "code",
            "2–32 lowercase letters, digits, '-' or '_'",
        )),
    }
}

fn check_name(name: &str) -> AppResult<()> {
    if name.trim().is_empty() {
        return Err(AppError::invalid("name", "must not be empty"));
    }
    crate::text::check_line("name", name.trim(), 50)
}

fn joined(specialties: &[Specialty]) -> AppResult<String> {
    if specialties.is_empty() {
        return Err(AppError::invalid("specialties", "at least one"));
    }
    let mut names: Vec<&str> = specialties.iter().map(|s| s.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    Ok(names.join(" "))
}

fn group_record(kind: &'static str, actor: &Actor, code: &str, path: &str) -> Record {
    Record {
        kind,
        actor_id: Some(actor.id),
        actor: actor.username.clone(),
        unit_path: path.to_string(),
        subject: format!("group {code}"),
        ..Record::default()
    }
}

pub async fn add(db: &Db, actor: &Actor, new: NewGroup, now: Millis) -> AppResult<()> {
    check_code(&new.code)?;
    check_name(&new.name)?;
    let specialties = joined(&new.specialties)?;
    let unit = {
        let mut conn = db.timed(db.read().acquire()).await?;
        db.timed(repo::unit_by_code(&mut conn, new.unit.trim()))
            .await?
    };
    let unit = match unit {
        Some(u) if path_covers(&actor.unit_path, &u.path) => u,
        _ => return Err(AppError::invalid("unit", "no such unit in your area")),
    };
    let mut created = group_record("group_created", actor, &new.code, &unit.path);
    created.detail = format!("{} ({specialties})", new.name.trim());
    let written = db
        .write(async {
            let mut tx = db.begin().await?;
            repo::insert_group(&mut tx, &new.code, new.name.trim(), unit.id, &specialties).await?;
            trail::append(&mut tx, db.backend, &created, now).await?;
            tx.commit().await
        })
        .await;
    match written {
        Err(e) if crate::db::is_unique_violation(&e) => Err(AppError::Conflict(format!(
            "there is a group {} already",
            new.code
        ))),
        other => Ok(other?),
    }
}

pub async fn change(
    db: &Db,
    actor: &Actor,
    code: &str,
    change: GroupChange,
    now: Millis,
) -> AppResult<()> {
    let row = sqlx::query(
        "SELECT g.id, g.name, g.specialties, n.path FROM expert_groups g \
         JOIN units n ON n.id = g.unit_id WHERE g.code = $1",
    )
    .bind(code)
    .fetch_optional(db.read());
    let found = db.timed(row).await?;
    let Some(row) = found.filter(|r| {
        r.try_get::<String, _>("path")
            .is_ok_and(|p| path_covers(&actor.unit_path, &p))
    }) else {
        return Err(AppError::NotFound("group"));
    };
    let (id, path): (i64, String) = (row.try_get("id")?, row.try_get("path")?);
    let name = match change.name {
        Some(name) => {
            check_name(&name)?;
            name.trim().to_string()
        }
        None => row.try_get("name")?,
    };
    let before: String = row.try_get("specialties")?;
    let specialties = match change.specialties {
        Some(list) => joined(&list)?,
        None => joined(&parse_specialties(&before))?,
    };
    let mut changed = record("group_changed", &actor.username, Some(actor.id), id, &path);
    changed.subject = format!("group {code}");
    changed.detail = format!("{name} ({before} → {specialties})");
    db.write(async {
        let mut tx = db.begin().await?;
        sqlx::query("UPDATE expert_groups SET name = $1, specialties = $2 WHERE id = $3")
            .bind(&name)
            .bind(&specialties)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        trail::append(&mut tx, db.backend, &changed, now).await?;
        tx.commit().await
    })
    .await?;
    Ok(())
}
