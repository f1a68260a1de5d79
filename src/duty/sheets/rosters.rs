//! The rosters as a spreadsheet: one line per rotation (轮值: people in turn from a date, a
//! period in days, shifts in local time) or override (替班: one person from a local time until
//! another). Importing replaces the rotations, and the overrides not yet a day over, of every
//! unit the file names; other units keep theirs.

use super::{line, parse, people_by_username, problem, BOM};
use crate::auth::Actor;
use crate::clock::Millis;
use crate::duty::roster::Shift;
use crate::duty::store;
use crate::duty::{allowed, Duty, Rules};
use crate::error::{AppError, AppResult, RowProblem};
use crate::trail;
use jiff::civil::Date;
use sqlx::AnyConnection;
use std::collections::{HashMap, HashSet};

pub const HEADER: [&str; 8] = [
    "单位代码",
    "类型",
    "人员",
    "开始",
    "结束",
    "周期天数",
    "班次",
    "说明",
];
pub const ROTATION: &str = "轮值";
pub const OVERRIDE: &str = "替班";
/// Overrides that ended longer ago than this are history: neither exported nor replaced.
const KEPT_MS: Millis = 24 * 3_600_000;

/// One line that passed its checks.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Entry {
    Rotation {
        unit_id: i64,
        starts_on: String,
        period_days: i64,
        people: Vec<i64>,
        shifts: String,
    },
    Override {
        unit_id: i64,
        person: i64,
        from: Millis,
        until: Millis,
        reason: String,
    },
}

impl Entry {
    fn unit_id(&self) -> i64 {
        match self {
            Entry::Rotation { unit_id, .. } | Entry::Override { unit_id, .. } => *unit_id,
        }
    }
}

fn local(rules: &Rules, at: Millis) -> String {
    jiff::Timestamp::from_millisecond(at)
        .map(|t| {
            t.to_zoned(rules.zone.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// The rosters of `actor`'s area as CSV.
pub async fn export(duty: &Duty, actor: &Actor) -> AppResult<String> {
    if !allowed::may_view(actor) {
        return Err(AppError::Forbidden);
    }
    let now = duty.clock.now();
    let day = duty.rules.day_of(now).to_string();
    let snap = store::load(&duty.db, &actor.unit_path, now, &day).await?;
    let name = |id: &i64| {
        snap.people
            .get(id)
            .map_or(String::new(), |p| p.username.clone())
    };
    let mut out = format!("{BOM}{}", line(&HEADER));
    for u in snap
        .units
        .iter()
        .filter(|u| u.path.starts_with(&actor.unit_path))
    {
        let Some(plan) = snap.plans.get(&u.id) else {
            continue;
        };
        for r in &plan.rotations {
            let people: Vec<String> = r.people.iter().map(name).collect();
            let shifts: Vec<String> = r.shifts.iter().map(|s| s.to_string()).collect();
            let (start, period) = (r.starts_on.to_string(), r.period_days.to_string());
            out.push_str(&line(&[
                &u.code,
                ROTATION,
                &people.join(" "),
                &start,
                "",
                &period,
                &shifts.join(" "),
                "",
            ]));
        }
        for o in &plan.overrides {
            let (from, until) = (local(&duty.rules, o.from), local(&duty.rules, o.until));
            let reason = snap
                .reasons
                .get(&(u.id, o.from, o.person))
                .map_or("", String::as_str);
            out.push_str(&line(&[
                &u.code,
                OVERRIDE,
                &name(&o.person),
                &from,
                &until,
                "",
                "",
                reason,
            ]));
        }
    }
    Ok(out)
}

/// Imports a roster file into `actor`'s area; returns how many lines were written.
pub async fn import(duty: &Duty, actor: &Actor, bytes: &[u8]) -> AppResult<usize> {
    if !allowed::may_arrange(actor) {
        return Err(AppError::Forbidden);
    }
    let lines = parse(bytes, &HEADER)?;
    let now = duty.clock.now();
    let day = duty.rules.day_of(now).to_string();
    let snap = store::load(&duty.db, &actor.unit_path, now, &day).await?;
    let units: HashMap<&str, i64> = snap
        .units
        .iter()
        .filter(|u| u.path.starts_with(&actor.unit_path))
        .map(|u| (u.code.as_str(), u.id))
        .collect();
    let names: Vec<&str> = lines
        .iter()
        .flat_map(|(_, c)| c[2].split_whitespace())
        .collect();
    let people = people_by_username(&duty.db, &names).await?;
    let (mut entries, mut problems, mut seen) = (Vec::new(), Vec::new(), HashSet::new());
    for (n, cells) in &lines {
        match check_line(*n, cells, &units, &people, &duty.rules, now) {
            Ok(e) if !seen.insert(e.clone()) => {
                problems.push(problem(*n, "", "duplicate", "the same as an earlier line"))
            }
            Ok(e) => entries.push(e),
            Err(mut p) => problems.append(&mut p),
        }
    }
    if !problems.is_empty() {
        problems.truncate(super::MAX_PROBLEMS);
        return Err(AppError::InvalidRows(problems));
    }
    let mut named: Vec<i64> = entries.iter().map(Entry::unit_id).collect();
    named.sort_unstable();
    named.dedup();
    let record = trail::Record {
        kind: "duty_rosters_imported",
        actor_id: Some(actor.id),
        actor: actor.username.clone(),
        unit_path: actor.unit_path.clone(),
        subject: "rosters".into(),
        detail: format!("{} lines for {} units", entries.len(), named.len()),
        ..trail::Record::default()
    };
    let db = &duty.db;
    db.write(async {
        let mut tx = db.begin().await?;
        replace(&mut tx, &named, &entries, now).await?;
        trail::append(&mut tx, db.backend, &record, now).await?;
        tx.commit().await
    })
    .await?;
    duty.changed(None);
    Ok(entries.len())
}

/// Replaces the rosters of the `units` with `entries`, in the caller's transaction.
pub async fn replace(
    conn: &mut AnyConnection,
    units: &[i64],
    entries: &[Entry],
    now: Millis,
) -> sqlx::Result<()> {
    for unit in units {
        sqlx::query("DELETE FROM duty_rotations WHERE unit_id = $1")
            .bind(unit)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM duty_overrides WHERE unit_id = $1 AND ends_at > $2")
            .bind(unit)
            .bind(now - KEPT_MS)
            .execute(&mut *conn)
            .await?;
    }
    for e in entries {
        match e {
            Entry::Rotation {
                unit_id,
                starts_on,
                period_days,
                people,
                shifts,
            } => {
                let people: Vec<String> = people.iter().map(i64::to_string).collect();
                sqlx::query(
                    "INSERT INTO duty_rotations (unit_id, starts_on, period_days, people, shifts) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(unit_id)
                .bind(starts_on)
                .bind(period_days)
                .bind(people.join(" "))
                .bind(shifts)
                .execute(&mut *conn)
                .await?;
            }
            Entry::Override {
                unit_id,
                person,
                from,
                until,
                reason,
            } => {
                sqlx::query(
                    "INSERT INTO duty_overrides (unit_id, person_id, starts_at, ends_at, reason) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(unit_id)
                .bind(person)
                .bind(from)
                .bind(until)
                .bind(reason)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(())
}

type People = HashMap<String, (i64, Option<crate::org::Role>)>;

fn check_line(
    n: usize,
    cells: &[String],
    units: &HashMap<&str, i64>,
    people: &People,
    rules: &Rules,
    now: Millis,
) -> Result<Entry, Vec<RowProblem>> {
    let mut problems = Vec::new();
    let unit = units.get(cells[0].as_str()).copied();
    if unit.is_none() {
        problems.push(problem(
            n,
            HEADER[0],
            "unknown_unit",
            format!("no unit {:?} of the four levels in your area", cells[0]),
        ));
    }
    let mut ids = Vec::new();
    for name in cells[2].split_whitespace() {
        match people.get(name) {
            None => problems.push(problem(
                n,
                HEADER[2],
                "unknown_person",
                format!("nobody has the username {name:?}"),
            )),
            Some((_, role)) if !allowed::may_stand(*role) => problems.push(problem(
                n,
                HEADER[2],
                "not_officer",
                format!("{name} is not a security officer"),
            )),
            Some((id, _)) => ids.push(*id),
        }
    }
    if cells[2].split_whitespace().next().is_none() {
        problems.push(problem(
            n,
            HEADER[2],
            "no_people",
            "name at least one officer",
        ));
    }
    let entry = match cells[1].as_str() {
        ROTATION | "rotation" => rotation(n, cells, ids, &mut problems),
        OVERRIDE | "override" => override_of(n, cells, &ids, rules, now, &mut problems),
        other => {
            problems.push(problem(
                n,
                HEADER[1],
                "bad_kind",
                format!("{other:?}: write {ROTATION} or {OVERRIDE}"),
            ));
            None
        }
    };
    match (unit, entry) {
        (Some(unit_id), Some(mut e)) if problems.is_empty() => {
            match &mut e {
                Entry::Rotation { unit_id: u, .. } | Entry::Override { unit_id: u, .. } => {
                    *u = unit_id
                }
            }
            Ok(e)
        }
        _ => Err(problems),
    }
}

fn rotation(
    n: usize,
    cells: &[String],
    people: Vec<i64>,
    problems: &mut Vec<RowProblem>,
) -> Option<Entry> {
    if !cells[4].is_empty() || !cells[7].is_empty() {
        let message = format!(
            "a {ROTATION} line leaves {} and {} empty",
            HEADER[4], HEADER[7]
        );
        problems.push(problem(n, HEADER[4], "not_for_kind", message));
    }
    let starts_on = cells[3].parse::<Date>().ok();
    if starts_on.is_none() {
        problems.push(problem(
            n,
            HEADER[3],
            "bad_date",
            format!("{:?}: write the first day as 2026-12-07", cells[3]),
        ));
    }
    let period = cells[5]
        .parse::<i64>()
        .ok()
        .filter(|p| (1..=366).contains(p));
    if period.is_none() {
        problems.push(problem(
            n,
            HEADER[5],
            "bad_period",
            format!("{:?}: days each turn lasts, 1 to 366", cells[5]),
        ));
    }
    let shifts: Vec<Option<Shift>> = cells[6].split_whitespace().map(Shift::parse).collect();
    if shifts.iter().any(Option::is_none) {
        problems.push(problem(
            n,
            HEADER[6],
            "bad_shift",
            format!("{:?}: write shifts as 08:00-20:00 20:00-08:00", cells[6]),
        ));
    }
    let shifts: Vec<String> = shifts
        .into_iter()
        .flatten()
        .map(|s| s.to_string())
        .collect();
    Some(Entry::Rotation {
        unit_id: 0,
        starts_on: starts_on?.to_string(),
        period_days: period?,
        people,
        shifts: shifts.join(" "),
    })
}

fn override_of(
    n: usize,
    cells: &[String],
    people: &[i64],
    rules: &Rules,
    now: Millis,
    problems: &mut Vec<RowProblem>,
) -> Option<Entry> {
    if !cells[5].is_empty() || !cells[6].is_empty() {
        let message = format!(
            "an {OVERRIDE} line leaves {} and {} empty",
            HEADER[5], HEADER[6]
        );
        problems.push(problem(n, HEADER[5], "not_for_kind", message));
    }
    if people.len() > 1 {
        problems.push(problem(
            n,
            HEADER[2],
            "one_person",
            "an override names one officer",
        ));
    }
    let at = |col: usize, problems: &mut Vec<RowProblem>| -> Option<Millis> {
        let parsed = rules.parse_local(&cells[col]);
        if parsed.is_none() {
            problems.push(problem(
                n,
                HEADER[col],
                "bad_date",
                format!("{:?}: write a local time as 2026-12-07 08:00", cells[col]),
            ));
        }
        parsed
    };
    let (from, until) = (at(3, problems), at(4, problems));
    if let (Some(f), Some(u)) = (from, until) {
        if u <= f {
            problems.push(problem(
                n,
                HEADER[4],
                "bad_date",
                "the end must come after the start",
            ));
        } else if u - f > crate::duty::arrange::MAX_OVERRIDE_MS {
            problems.push(problem(
                n,
                HEADER[4],
                "too_long",
                "an override lasts at most 31 days",
            ));
        } else if u <= now - KEPT_MS {
            // Over for more than a day: history, which a file neither shows nor replaces.
            problems.push(problem(n, HEADER[4], "over", "this override is over"));
        }
    }
    let reason = cells[7].clone();
    if let Err(e) = crate::text::check_line("reason", &reason, 200) {
        problems.push(problem(n, HEADER[7], "bad_text", e.to_string()));
    }
    Some(Entry::Override {
        unit_id: 0,
        person: *people.first()?,
        from: from?,
        until: until?,
        reason,
    })
}
