//! Reading what the duty capability keeps: the units of the four levels in an area (and those
//! above it, for the fallback up the chain), who answers for each, their rotations and
//! overrides, the people named, and the day's checks — loaded in a few queries into a
//! [`Snapshot`] that the matrix, the gaps and the check escalation compute from.

use super::roster::{Override, Plan, Rotation, Shift};
use crate::clock::Millis;
use crate::db::Db;
use crate::org::{Role, UnitLevel};
use sqlx::Row;
use std::collections::HashMap;

/// The levels the mechanism runs at.
pub const LEVELS: &str = "'region', 'city', 'county', 'township'";

#[derive(Clone, Debug)]
pub struct Unit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: UnitLevel,
    pub path: String,
    pub parent_id: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct Person {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub role: Option<Role>,
    pub disabled: bool,
}

/// A step taken for a missed check: whom it told.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Told {
    pub step: i64,
    pub unit: String,
    pub unit_name: String,
    pub person: Option<String>,
    pub at: Millis,
}

#[derive(Clone, Debug)]
pub struct Done {
    pub by: String,
    pub at: Millis,
    pub late: bool,
}

/// Everything about the units of an area and the units above it.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// In tree order: each unit after its parent.
    pub units: Vec<Unit>,
    /// Each unit's place in `units`, by id.
    index: HashMap<i64, usize>,
    pub plans: HashMap<i64, Plan>,
    pub duties: HashMap<i64, String>,
    pub people: HashMap<i64, Person>,
    /// Units each person answers for (primary or deputy), over the whole region.
    pub load: HashMap<i64, usize>,
    /// The day's checks done, by unit.
    pub done: HashMap<i64, Done>,
    /// The steps taken for the day's missed checks, by unit, in order.
    pub told: HashMap<i64, Vec<Told>>,
    /// Why each override was made, by (unit, start, person).
    pub reasons: HashMap<(i64, Millis, i64), String>,
}

impl Snapshot {
    pub fn unit(&self, id: i64) -> Option<&Unit> {
        self.index.get(&id).and_then(|i| self.units.get(*i))
    }

    /// Keeps only the units `keep` says, and their index.
    pub fn retain_units(&mut self, keep: impl Fn(&Unit) -> bool) {
        self.units.retain(keep);
        self.index = self
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id, i))
            .collect();
    }

    pub fn enabled(&self, person: i64) -> bool {
        self.people.get(&person).is_some_and(|p| !p.disabled)
    }

    /// The plans of `unit` and of each unit above it, nearest first.
    pub fn chain(&self, unit: &Unit) -> Vec<Plan> {
        let mut out = Vec::new();
        let mut at = Some(unit);
        while let Some(u) = at {
            out.push(self.plans.get(&u.id).cloned().unwrap_or(Plan {
                unit_id: u.id,
                ..Plan::default()
            }));
            at = u.parent_id.and_then(|p| self.unit(p));
        }
        out
    }
}

/// Whether `person` stands in unit `unit`'s arrangement: a responsibility held, a rotation's
/// turn, or an override not yet over.
pub async fn named_at(db: &Db, unit: i64, person: i64, now: Millis) -> sqlx::Result<bool> {
    let q = sqlx::query(
        "SELECT COUNT(*) AS n FROM (SELECT unit_id FROM duty_roles WHERE unit_id = $1 \
         AND person_id = $2 AND ended_at IS NULL UNION ALL SELECT unit_id FROM duty_overrides \
         WHERE unit_id = $1 AND person_id = $2 AND ends_at > $3 UNION ALL SELECT unit_id \
         FROM duty_rotations WHERE unit_id = $1 AND ' ' || people || ' ' LIKE $4) AS named",
    )
    .bind(unit)
    .bind(person)
    .bind(now)
    .bind(format!("% {person} %"));
    let n: i64 = db.timed(q.fetch_one(db.read())).await?.try_get("n")?;
    Ok(n > 0)
}

/// The unit `code` of the four levels: its id and path.
pub async fn unit_by_code(db: &Db, code: &str) -> sqlx::Result<Option<(i64, String)>> {
    let sql = format!("SELECT id, path FROM units WHERE code = $1 AND level IN ({LEVELS})");
    let q = sqlx::query(&sql).bind(code);
    match db.timed(q.fetch_optional(db.read())).await? {
        Some(r) => Ok(Some((r.try_get("id")?, r.try_get("path")?))),
        None => Ok(None),
    }
}

/// The units at or under `path`, those above it, and what they keep; checks of `day`.
pub async fn load(db: &Db, path: &str, now: Millis, day: &str) -> sqlx::Result<Snapshot> {
    load_with(db, path, &format!("{path}%"), now, day).await
}

/// The unit at `path` and the units above it only, and what they keep; checks of `day`.
pub async fn load_chain(db: &Db, path: &str, now: Millis, day: &str) -> sqlx::Result<Snapshot> {
    load_with(db, path, path, now, day).await
}

/// Units matching `under` (a LIKE pattern: the area, or the one unit) and those above `path`.
async fn load_with(
    db: &Db,
    path: &str,
    under: &str,
    now: Millis,
    day: &str,
) -> sqlx::Result<Snapshot> {
    let area = "(n.path LIKE $1 OR $2 LIKE n.path || '%')";
    let under = under.to_string();
    let mut snap = Snapshot {
        units: units(db, area, &under, path).await?,
        ..Snapshot::default()
    };
    snap.retain_units(|_| true);
    let sql = format!(
        "SELECT r.unit_id, r.position, r.person_id, r.duties FROM duty_roles r \
         JOIN units n ON n.id = r.unit_id WHERE r.ended_at IS NULL AND {area}"
    );
    let rows = sqlx::query(&sql).bind(&under).bind(path);
    for r in db.timed(rows.fetch_all(db.read())).await? {
        let unit: i64 = r.try_get("unit_id")?;
        let person: i64 = r.try_get("person_id")?;
        let plan = plan_of(&mut snap.plans, unit);
        match r.try_get::<String, _>("position")?.as_str() {
            "primary" => plan.primary = Some(person),
            _ => plan.deputy = Some(person),
        }
        let duties: String = r.try_get("duties")?;
        if !duties.is_empty() {
            snap.duties.insert(unit, duties);
        }
    }
    rotations(db, area, &under, path, &mut snap.plans).await?;
    snap.reasons = overrides(db, area, &under, path, now, &mut snap.plans).await?;
    let mut ids: Vec<i64> = snap.plans.values().flat_map(named).collect();
    ids.sort_unstable();
    ids.dedup();
    snap.people = people(db, &ids).await?;
    snap.load = load_by_person(db).await?;
    snap.done = done(db, &under, day).await?;
    snap.told = told(db, &under, day).await?;
    Ok(snap)
}

fn plan_of(plans: &mut HashMap<i64, Plan>, unit: i64) -> &mut Plan {
    plans.entry(unit).or_insert_with(|| Plan {
        unit_id: unit,
        ..Plan::default()
    })
}

/// Everyone a plan names.
fn named(plan: &Plan) -> Vec<i64> {
    let mut out: Vec<i64> = plan.primary.into_iter().chain(plan.deputy).collect();
    out.extend(plan.rotations.iter().flat_map(|r| r.people.iter().copied()));
    out.extend(plan.overrides.iter().map(|o| o.person));
    out
}

async fn units(db: &Db, area: &str, under: &str, path: &str) -> sqlx::Result<Vec<Unit>> {
    let sql = format!(
        "SELECT n.id, n.code, n.name, n.level, n.path, n.parent_id FROM units n \
         WHERE n.level IN ({LEVELS}) AND {area} ORDER BY n.path"
    );
    let q = sqlx::query(&sql).bind(under).bind(path);
    let rows = db.timed(q.fetch_all(db.read())).await?;
    rows.iter()
        .map(|r| {
            let level: String = r.try_get("level")?;
            Ok(Unit {
                id: r.try_get("id")?,
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                level: UnitLevel::parse(&level).unwrap_or(UnitLevel::Township),
                path: r.try_get("path")?,
                parent_id: r.try_get("parent_id")?,
            })
        })
        .collect()
}

async fn rotations(
    db: &Db,
    area: &str,
    under: &str,
    path: &str,
    plans: &mut HashMap<i64, Plan>,
) -> sqlx::Result<()> {
    let sql = format!(
        "SELECT r.unit_id, r.starts_on, r.period_days, r.people, r.shifts FROM duty_rotations r \
         JOIN units n ON n.id = r.unit_id WHERE {area} ORDER BY r.id"
    );
    let q = sqlx::query(&sql).bind(under).bind(path);
    for r in db.timed(q.fetch_all(db.read())).await? {
        let starts_on: String = r.try_get("starts_on")?;
        let Ok(starts_on) = starts_on.parse() else {
            continue; // written only after checking; a bad one covers nobody
        };
        let people: String = r.try_get("people")?;
        let shifts: String = r.try_get("shifts")?;
        let rotation = Rotation {
            starts_on,
            period_days: r.try_get("period_days")?,
            people: people
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect(),
            shifts: shifts.split_whitespace().filter_map(Shift::parse).collect(),
        };
        plan_of(plans, r.try_get("unit_id")?)
            .rotations
            .push(rotation);
    }
    Ok(())
}

/// Overrides that have not ended a day before `now` (the matrix shows no older ones).
async fn overrides(
    db: &Db,
    area: &str,
    under: &str,
    path: &str,
    now: Millis,
    plans: &mut HashMap<i64, Plan>,
) -> sqlx::Result<HashMap<(i64, Millis, i64), String>> {
    let mut reasons = HashMap::new();
    let sql = format!(
        "SELECT o.unit_id, o.person_id, o.starts_at, o.ends_at, o.reason FROM duty_overrides o \
         JOIN units n ON n.id = o.unit_id WHERE o.ends_at > $3 AND {area} ORDER BY o.starts_at"
    );
    let q = sqlx::query(&sql)
        .bind(under)
        .bind(path)
        .bind(now - 24 * 3_600_000);
    for r in db.timed(q.fetch_all(db.read())).await? {
        let o = Override {
            person: r.try_get("person_id")?,
            from: r.try_get("starts_at")?,
            until: r.try_get("ends_at")?,
        };
        let unit: i64 = r.try_get("unit_id")?;
        reasons.insert((unit, o.from, o.person), r.try_get("reason")?);
        plan_of(plans, unit).overrides.push(o);
    }
    Ok(reasons)
}

/// The people with these ids, 500 to a query.
pub async fn people(db: &Db, ids: &[i64]) -> sqlx::Result<HashMap<i64, Person>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, username, display_name, role, disabled FROM users WHERE id IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for r in db.timed(q.fetch_all(db.read())).await? {
            let role: String = r.try_get("role")?;
            let p = Person {
                id: r.try_get("id")?,
                username: r.try_get("username")?,
                name: r.try_get("display_name")?,
                role: Role::parse(&role),
                disabled: r.try_get::<i64, _>("disabled")? != 0,
            };
            out.insert(p.id, p);
        }
    }
    Ok(out)
}

async fn load_by_person(db: &Db) -> sqlx::Result<HashMap<i64, usize>> {
    let q = sqlx::query(
        "SELECT person_id, COUNT(DISTINCT unit_id) AS n FROM duty_roles \
         WHERE ended_at IS NULL GROUP BY person_id",
    );
    let rows = db.timed(q.fetch_all(db.read())).await?;
    rows.iter()
        .map(|r| {
            let n: i64 = r.try_get("n")?;
            Ok((r.try_get("person_id")?, usize::try_from(n).unwrap_or(0)))
        })
        .collect()
}

async fn done(db: &Db, under: &str, day: &str) -> sqlx::Result<HashMap<i64, Done>> {
    let q = sqlx::query(
        "SELECT c.unit_id, c.done_at, c.late, u.display_name FROM duty_checks c \
         JOIN users u ON u.id = c.done_by JOIN units n ON n.id = c.unit_id \
         WHERE c.day = $1 AND n.path LIKE $2",
    )
    .bind(day)
    .bind(under);
    let rows = db.timed(q.fetch_all(db.read())).await?;
    rows.iter()
        .map(|r| {
            let d = Done {
                by: r.try_get("display_name")?,
                at: r.try_get("done_at")?,
                late: r.try_get::<i64, _>("late")? != 0,
            };
            Ok((r.try_get("unit_id")?, d))
        })
        .collect()
}

async fn told(db: &Db, under: &str, day: &str) -> sqlx::Result<HashMap<i64, Vec<Told>>> {
    let q = sqlx::query(
        "SELECT e.unit_id, e.step, e.at, t.code, t.name, u.display_name \
         FROM duty_check_escalations e JOIN units n ON n.id = e.unit_id \
         JOIN units t ON t.id = e.told_unit_id LEFT JOIN users u ON u.id = e.told_person_id \
         WHERE e.day = $1 AND n.path LIKE $2 ORDER BY e.unit_id, e.step",
    )
    .bind(day)
    .bind(under);
    let mut out: HashMap<i64, Vec<Told>> = HashMap::new();
    for r in db.timed(q.fetch_all(db.read())).await? {
        let told = Told {
            step: r.try_get("step")?,
            unit: r.try_get("code")?,
            unit_name: r.try_get("name")?,
            person: r.try_get("display_name")?,
            at: r.try_get("at")?,
        };
        out.entry(r.try_get("unit_id")?).or_default().push(told);
    }
    Ok(out)
}
