//! Adding people: one from the console's form, or many at once from a spreadsheet saved as
//! CSV (UTF-8, with or without the BOM Excel writes) with the header
//! `username,name,role,unit,group,password`. Every row is checked before anything is written;
//! a file with any bad row is refused whole with each problem and its line; a good one is
//! written in one transaction, each person with their audit record. A row without a password
//! gets a generated one, returned once so the administrator can hand it over.

use super::record;
use crate::auth::jurisdiction::path_covers;
use crate::auth::{password, Actor};
use crate::clock::Millis;
use crate::db::Db;
use crate::error::{AppError, AppResult, RowProblem};
use crate::org::{repo, Role, Username};
use crate::trail;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The most rows one file may add: each password is hashed (tens of milliseconds of a core),
/// so a file of this size is taken in seconds, well within a request's time.
pub const MAX_ROWS: usize = 500;
const NAME_MAX_CHARS: usize = 50;
const HEADER: [&str; 6] = ["username", "name", "role", "unit", "group", "password"];

/// One person to add, as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub username: String,
    pub name: String,
    pub role: String,
    /// The code of the home unit.
    pub unit: String,
    #[serde(default)]
    pub group: String,
    /// Empty for a generated one.
    #[serde(default)]
    pub password: String,
}

/// Someone added; `password` only when it was generated.
#[derive(Debug, Serialize)]
pub struct Added {
    pub id: i64,
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// The rows of a CSV file, each with its line number (the header is line 1).
pub fn parse_csv(bytes: &[u8]) -> AppResult<Vec<(usize, Row)>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let problem = |line: usize, reason: &'static str, message: String| RowProblem {
        line,
        field: String::new(),
        reason,
        message,
    };
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|f| f.trim().to_lowercase()).collect(),
        Err(e) => {
            return Err(AppError::InvalidRows(vec![problem(
                1,
                "bad_csv",
                e.to_string(),
            )]))
        }
    };
    if header.iter().map(String::as_str).ne(HEADER) {
        let message = format!("the first line must be: {}", HEADER.join(","));
        return Err(AppError::InvalidRows(vec![problem(
            1,
            "bad_header",
            message,
        )]));
    }
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        if rows.len() + problems.len() >= MAX_ROWS {
            let message = format!("at most {MAX_ROWS} people in one file");
            return Err(AppError::InvalidRows(vec![problem(
                line, "too_many", message,
            )]));
        }
        match record {
            Ok(r) if r.len() == HEADER.len() => {
                let cell = |i: usize| r.get(i).unwrap_or("").trim().to_string();
                rows.push((
                    line,
                    Row {
                        username: cell(0),
                        name: cell(1),
                        role: cell(2),
                        unit: cell(3),
                        group: cell(4),
                        password: cell(5),
                    },
                ));
            }
            Ok(r) => problems.push(problem(
                line,
                "field_count",
                format!("{} fields; expected {}", r.len(), HEADER.len()),
            )),
            Err(e) => problems.push(problem(line, "bad_csv", e.to_string())),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::InvalidRows(problems));
    }
    if rows.is_empty() {
        return Err(AppError::InvalidRows(vec![problem(
            2,
            "empty_file",
            "no people in the file".into(),
        )]));
    }
    Ok(rows)
}

/// A row that passed every check.
struct Checked {
    username: Username,
    name: String,
    role: Role,
    unit: repo::Unit,
    group_id: Option<i64>,
    password: String,
    generated: bool,
}

/// Checks every row, then adds them all in one transaction, or none.
pub async fn add(
    db: &Db,
    actor: &Actor,
    rows: Vec<(usize, Row)>,
    now: Millis,
) -> AppResult<Vec<Added>> {
    if !super::administers(actor) {
        return Err(AppError::Forbidden);
    }
    let checked = check(db, actor, rows).await?;
    // A round at a time, one hash per core: sign-ins waiting for the same threads queue behind
    // one round, not behind the whole file.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut hashes = Vec::with_capacity(checked.len());
    for round in checked.chunks(cores) {
        let hashing = round.iter().map(|row| password::hash(row.password.clone()));
        hashes.extend(futures_util::future::try_join_all(hashing).await?);
    }
    let ids = db
        .write(async {
            let mut tx = db.begin().await?;
            let mut ids = Vec::with_capacity(checked.len());
            for (row, hash) in checked.iter().zip(&hashes) {
                let user = repo::NewUser {
                    username: row.username.as_str(),
                    display_name: &row.name,
                    role: row.role,
                    unit_id: row.unit.id,
                    group_id: row.group_id,
                    password_hash: hash,
                };
                let id = repo::insert_user(&mut tx, user, now).await?;
                let by = Some(actor.id);
                let mut created = record("person_created", &actor.username, by, id, &row.unit.path);
                created.detail = format!("{} ({})", row.username.as_str(), row.role);
                trail::append(&mut tx, db.backend, &created, now).await?;
                ids.push(id);
            }
            tx.commit().await?;
            Ok(ids)
        })
        .await;
    let ids = match ids {
        Err(e) if crate::db::is_unique_violation(&e) => {
            // Someone took one of the names since the check.
            return Err(AppError::Conflict(
                "a username was taken meanwhile; try again".into(),
            ));
        }
        other => other?,
    };
    Ok(checked
        .into_iter()
        .zip(ids)
        .map(|(row, id)| Added {
            id,
            username: row.username.as_str().to_string(),
            password: row.generated.then_some(row.password),
        })
        .collect())
}

async fn check(db: &Db, actor: &Actor, rows: Vec<(usize, Row)>) -> AppResult<Vec<Checked>> {
    let mut problems = Vec::new();
    let mut refuse = |line: usize, reason: &'static str, err: AppError| {
        let (field, message) = match &err {
            AppError::Invalid { field, message } => (field.to_string(), message.clone()),
            other => (String::new(), other.to_string()),
        };
        problems.push(RowProblem {
            line,
            field,
            reason,
            message,
        });
    };
    let names: Vec<String> = rows
        .iter()
        .map(|(_, r)| r.username.trim().to_string())
        .collect();
    let taken = existing_usernames(db, &names).await?;
    let mut units: HashMap<String, Option<repo::Unit>> = HashMap::new();
    let mut groups: HashMap<String, Option<i64>> = HashMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (line, row) in rows {
        let username = match Username::parse(&row.username) {
            Ok(u) => u,
            Err(e) => {
                refuse(line, "bad_username", e);
                continue;
            }
        };
        if let Some(first) = seen.insert(username.as_str().to_string(), line) {
            let message = format!("username {} is already on line {first}", username.as_str());
            refuse(
                line,
                "duplicate_in_file",
                AppError::invalid("username", message),
            );
            continue;
        }
        if taken.contains(username.as_str()) {
            let message = format!("username {} is taken", username.as_str());
            refuse(
                line,
                "username_taken",
                AppError::invalid("username", message),
            );
            continue;
        }
        let name = row.name.trim().to_string();
        if name.is_empty() {
            refuse(
                line,
                "empty_name",
                AppError::invalid("name", "must not be empty"),
            );
            continue;
        }
        if let Err(e) = crate::text::check_line("name", &name, NAME_MAX_CHARS) {
            refuse(line, "bad_name", e);
            continue;
        }
        let role = match Role::parse_field(row.role.trim()) {
            Ok(r) => r,
            Err(e) => {
                refuse(line, "unknown_role", e);
                continue;
            }
        };
        if !super::manages(actor, role) {
            let message = format!("only administrators add a {role}");
            refuse(line, "role_not_allowed", AppError::invalid("role", message));
            continue;
        }
        let code = row.unit.trim().to_string();
        if !units.contains_key(&code) {
            let found = lookup_unit(db, &code).await?;
            units.insert(code.clone(), found);
        }
        let unit = match units.get(&code).cloned().flatten() {
            Some(u) if path_covers(&actor.unit_path, &u.path) => u,
            _ => {
                let message = format!("no unit {code} in your area");
                refuse(line, "unknown_unit", AppError::invalid("unit", message));
                continue;
            }
        };
        let group_code = row.group.trim().to_string();
        let group_id = match (role, group_code.is_empty()) {
            (Role::Expert, true) => {
                refuse(
                    line,
                    "group_required",
                    AppError::invalid("group", "an expert needs an expert group"),
                );
                continue;
            }
            (Role::Expert, false) => {
                if !groups.contains_key(&group_code) {
                    let found = super::lookup(db, &actor.unit_path, None, Some(&group_code))
                        .await?
                        .1;
                    groups.insert(group_code.clone(), found);
                }
                match groups.get(&group_code).copied().flatten() {
                    Some(id) => Some(id),
                    None => {
                        let message = format!("no expert group {group_code}");
                        refuse(line, "unknown_group", AppError::invalid("group", message));
                        continue;
                    }
                }
            }
            (_, false) => {
                let message = "only experts belong to an expert group";
                refuse(
                    line,
                    "group_not_allowed",
                    AppError::invalid("group", message),
                );
                continue;
            }
            (_, true) => None,
        };
        let generated = row.password.is_empty();
        let password = match generated {
            true => password::generated()?,
            false => row.password,
        };
        if let Err(e) = password::check_policy(username.as_str(), &password) {
            refuse(line, "weak_password", e);
            continue;
        }
        out.push(Checked {
            username,
            name,
            role,
            unit,
            group_id,
            password,
            generated,
        });
    }
    if !problems.is_empty() {
        return Err(AppError::InvalidRows(problems));
    }
    Ok(out)
}

async fn lookup_unit(db: &Db, code: &str) -> sqlx::Result<Option<repo::Unit>> {
    let mut conn = db.timed(db.read().acquire()).await?;
    db.timed(repo::unit_by_code(&mut conn, code)).await
}

/// Which of `names` are taken already.
async fn existing_usernames(db: &Db, names: &[String]) -> sqlx::Result<HashSet<String>> {
    let mut taken = HashSet::new();
    for chunk in names.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT username FROM users WHERE username IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for name in chunk {
            q = q.bind(name.as_str());
        }
        taken.extend(db.timed(q.fetch_all(db.read())).await?);
    }
    Ok(taken)
}
