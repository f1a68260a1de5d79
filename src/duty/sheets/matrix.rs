//! The matrix as a spreadsheet: one line per unit of the area with its primary and deputy
//! officer (by username; the names beside them are for reading and ignored on the way back)
//! and what they are responsible for. Importing changes only the units whose line differs;
//! a change closes the old responsibility and opens the new, so the history stays.

use super::{line, parse, people_by_username, problem, BOM};
use crate::auth::Actor;
use crate::clock::Millis;
use crate::duty::store::{self, Snapshot};
use crate::duty::{allowed, Duty};
use crate::error::{AppError, AppResult, RowProblem};
use crate::org::UnitLevel;
use crate::trail;
use sqlx::AnyConnection;
use std::collections::{HashMap, HashSet};

pub const HEADER: [&str; 8] = [
    "单位代码",
    "单位名称",
    "层级",
    "主责安全员",
    "主责姓名",
    "副责安全员",
    "副责姓名",
    "职责",
];
const DUTIES_MAX_CHARS: usize = 200;

pub fn level_name(level: UnitLevel) -> &'static str {
    match level {
        UnitLevel::Region => "自治区",
        UnitLevel::City => "市",
        UnitLevel::County => "县区",
        UnitLevel::Township => "乡镇",
        UnitLevel::Village => "村社区",
        UnitLevel::Grid => "网格",
    }
}

async fn snapshot(duty: &Duty, actor: &Actor) -> AppResult<Snapshot> {
    let now = duty.clock.now();
    let day = duty.rules.day_of(now).to_string();
    let mut snap = store::load(&duty.db, &actor.unit_path, now, &day).await?;
    snap.retain_units(|u| u.path.starts_with(&actor.unit_path));
    Ok(snap)
}

/// The matrix of `actor`'s area as CSV.
pub async fn export(duty: &Duty, actor: &Actor) -> AppResult<String> {
    if !allowed::may_view(actor) {
        return Err(AppError::Forbidden);
    }
    let snap = snapshot(duty, actor).await?;
    let mut out = format!("{BOM}{}", line(&HEADER));
    for u in &snap.units {
        let plan = snap.plans.get(&u.id);
        let who = |id: Option<i64>| {
            id.and_then(|id| snap.people.get(&id))
                .map_or(("", ""), |p| (p.username.as_str(), p.name.as_str()))
        };
        let (pu, pn) = who(plan.and_then(|p| p.primary));
        let (du, dn) = who(plan.and_then(|p| p.deputy));
        let duties = snap.duties.get(&u.id).map_or("", String::as_str);
        out.push_str(&line(&[
            &u.code,
            &u.name,
            level_name(u.level),
            pu,
            pn,
            du,
            dn,
            duties,
        ]));
    }
    Ok(out)
}

/// What one line asks for.
struct Wanted {
    unit_id: i64,
    primary: Option<i64>,
    deputy: Option<i64>,
    duties: String,
}

/// Imports a matrix file into `actor`'s area; returns how many units changed.
pub async fn import(duty: &Duty, actor: &Actor, bytes: &[u8]) -> AppResult<usize> {
    if !allowed::may_arrange(actor) {
        return Err(AppError::Forbidden);
    }
    let lines = parse(bytes, &HEADER)?;
    let snap = snapshot(duty, actor).await?;
    let names: Vec<&str> = lines
        .iter()
        .flat_map(|(_, c)| [c[3].as_str(), c[5].as_str()])
        .collect();
    let people = people_by_username(&duty.db, &names).await?;
    let units: HashMap<&str, i64> = snap.units.iter().map(|u| (u.code.as_str(), u.id)).collect();
    let (mut wanted, mut problems, mut seen) = (Vec::new(), Vec::new(), HashSet::new());
    for (n, cells) in &lines {
        let found = check_line(*n, cells, &units, &people, &mut seen);
        match found {
            Ok(w) => wanted.push(w),
            Err(mut p) => problems.append(&mut p),
        }
    }
    if !problems.is_empty() {
        problems.truncate(super::MAX_PROBLEMS);
        return Err(AppError::InvalidRows(problems));
    }
    let changes: Vec<&Wanted> = wanted.iter().filter(|w| differs(&snap, w)).collect();
    let now = duty.clock.now();
    let record = trail::Record {
        kind: "duty_matrix_imported",
        actor_id: Some(actor.id),
        actor: actor.username.clone(),
        unit_path: actor.unit_path.clone(),
        subject: "matrix".into(),
        detail: format!("{} of {} units changed", changes.len(), wanted.len()),
        ..trail::Record::default()
    };
    let db = &duty.db;
    db.write(async {
        let mut tx = db.begin().await?;
        for w in &changes {
            let plan = snap.plans.get(&w.unit_id);
            let same_duties = snap.duties.get(&w.unit_id).map_or("", String::as_str) == w.duties;
            let now_held = [plan.and_then(|p| p.primary), plan.and_then(|p| p.deputy)];
            let wanted = [("primary", w.primary), ("deputy", w.deputy)];
            for ((position, person), held) in wanted.into_iter().zip(now_held) {
                if held != person || !same_duties {
                    assign(&mut tx, w.unit_id, position, person, &w.duties, now).await?;
                }
            }
        }
        trail::append(&mut tx, db.backend, &record, now).await?;
        tx.commit().await
    })
    .await
    .map_err(|e| match crate::db::is_unique_violation(&e) {
        true => AppError::Conflict("the matrix changed meanwhile; export it again".into()),
        false => e.into(),
    })?;
    if !changes.is_empty() {
        duty.changed(None);
    }
    Ok(changes.len())
}

fn check_line(
    n: usize,
    cells: &[String],
    units: &HashMap<&str, i64>,
    people: &HashMap<String, (i64, Option<crate::org::Role>)>,
    seen: &mut HashSet<i64>,
) -> Result<Wanted, Vec<RowProblem>> {
    let mut problems = Vec::new();
    let unit = units.get(cells[0].as_str()).copied();
    match unit {
        None => problems.push(problem(
            n,
            HEADER[0],
            "unknown_unit",
            format!("no unit {:?} of the four levels in your area", cells[0]),
        )),
        Some(id) if !seen.insert(id) => problems.push(problem(
            n,
            HEADER[0],
            "duplicate",
            format!("unit {} is on an earlier line too", cells[0]),
        )),
        Some(_) => {}
    }
    let mut person = |col: usize| -> Option<i64> {
        let name = cells[col].as_str();
        if name.is_empty() {
            return None;
        }
        match people.get(name) {
            None => problems.push(problem(
                n,
                HEADER[col],
                "unknown_person",
                format!("nobody has the username {name:?}"),
            )),
            Some((_, role)) if !allowed::may_stand(*role) => problems.push(problem(
                n,
                HEADER[col],
                "not_officer",
                format!("{name} is not a security officer"),
            )),
            Some((id, _)) => return Some(*id),
        }
        None
    };
    let (primary, deputy) = (person(3), person(5));
    let duties = cells[7].clone();
    if let Err(e) = crate::text::check_line("duties", &duties, DUTIES_MAX_CHARS) {
        problems.push(problem(n, HEADER[7], "bad_text", e.to_string()));
    }
    if primary.is_none()
        && deputy.is_none()
        && cells[3].is_empty()
        && cells[5].is_empty()
        && !duties.is_empty()
    {
        let message = "duties belong to an officer: name the primary or the deputy";
        problems.push(problem(n, HEADER[7], "duties_without_officer", message));
    }
    if primary.is_some() && primary == deputy {
        problems.push(problem(
            n,
            HEADER[5],
            "same_person",
            "the deputy must be someone else",
        ));
    }
    match unit {
        Some(unit_id) if problems.is_empty() => Ok(Wanted {
            unit_id,
            primary,
            deputy,
            duties,
        }),
        _ => Err(problems),
    }
}

fn differs(snap: &Snapshot, w: &Wanted) -> bool {
    let plan = snap.plans.get(&w.unit_id);
    let duties = snap.duties.get(&w.unit_id).map_or("", String::as_str);
    plan.and_then(|p| p.primary) != w.primary
        || plan.and_then(|p| p.deputy) != w.deputy
        || duties != w.duties
}

/// Makes `person` (or nobody) the unit's officer at `position` from `now`, with `duties`:
/// the current holder's responsibility ends, a new one begins. In the caller's transaction.
pub async fn assign(
    conn: &mut AnyConnection,
    unit_id: i64,
    position: &str,
    person: Option<i64>,
    duties: &str,
    now: Millis,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE duty_roles SET ended_at = $1 WHERE unit_id = $2 AND position = $3 \
         AND ended_at IS NULL",
    )
    .bind(now)
    .bind(unit_id)
    .bind(position)
    .execute(&mut *conn)
    .await?;
    if let Some(person) = person {
        sqlx::query(
            "INSERT INTO duty_roles (unit_id, position, person_id, duties, began_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(unit_id)
        .bind(position)
        .bind(person)
        .bind(duties)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
