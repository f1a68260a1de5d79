//! The responsibility matrix (责任矩阵) of a person's area: per unit of the four levels, its
//! primary and deputy officer, who is on duty now (and whether the answer came from above),
//! today's check, and its gaps — with the actions this person may take on it, and counts.

use super::gaps::{self, Gap};
use super::roster::{on_duty, Via};
use super::store::{self, Done, Person, Snapshot, Unit};
use super::{allowed, Duty};
use crate::auth::Actor;
use crate::clock::Millis;
use crate::error::{AppError, AppResult};
use crate::org::UnitLevel;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Serialize)]
pub struct Matrix {
    pub day: String,
    pub deadline: Millis,
    /// The region's time zone, that days, deadlines and shifts are read in.
    pub zone: String,
    pub root: String,
    pub may_import: bool,
    pub counts: Counts,
    pub units: Vec<Row>,
}

#[derive(Debug, Default, Serialize)]
pub struct Counts {
    pub no_primary: usize,
    pub disabled_officer: usize,
    pub uncovered_hours: i64,
    pub overloaded: usize,
    pub missed: usize,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub code: String,
    pub name: String,
    pub level: UnitLevel,
    pub parent: Option<String>,
    pub primary: Option<PersonView>,
    pub deputy: Option<PersonView>,
    pub duties: String,
    pub on_duty: Option<OnDutyView>,
    pub check: CheckView,
    pub gaps: Vec<Gap>,
    pub uncovered_hours: i64,
    /// This person answers for the unit: its primary, deputy or officer on duty now.
    pub mine: bool,
    pub actions: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct PersonView {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub disabled: bool,
}

#[derive(Debug, Serialize)]
pub struct OnDutyView {
    pub id: i64,
    pub name: String,
    pub via: &'static str,
    pub unit: String,
    pub unit_name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckState {
    Done,
    Late,
    Missed,
    Pending,
}

#[derive(Debug, Serialize)]
pub struct CheckView {
    pub state: CheckState,
    pub by: Option<String>,
    pub at: Option<Millis>,
    /// Whom a missed check has been reported to so far: step 0 the unit's own officer on
    /// duty, step 1 the level above, and so on.
    pub told: Vec<store::Told>,
}

/// A unit's check today: done (late if after the deadline), else missed once the deadline has
/// passed, else pending.
pub fn check_state(done: Option<&Done>, now: Millis, deadline: Millis) -> CheckView {
    match done {
        Some(d) => CheckView {
            state: if d.late {
                CheckState::Late
            } else {
                CheckState::Done
            },
            by: Some(d.by.clone()),
            at: Some(d.at),
            told: Vec::new(),
        },
        None => CheckView {
            state: if now >= deadline {
                CheckState::Missed
            } else {
                CheckState::Pending
            },
            by: None,
            at: None,
            told: Vec::new(),
        },
    }
}

/// The matrix of `actor`'s area, or only its unit `code`.
pub async fn read(duty: &Duty, actor: &Actor, code: Option<&str>) -> AppResult<Matrix> {
    if !allowed::may_view(actor) {
        return Err(AppError::Forbidden);
    }
    let now = duty.clock.now();
    let day = duty.rules.day_of(now);
    let deadline = duty.rules.deadline(day);
    let snap = store::load(&duty.db, &actor.unit_path, now, &day.to_string()).await?;
    let codes: HashMap<i64, &str> = snap.units.iter().map(|u| (u.id, u.code.as_str())).collect();
    let hours = gaps::hours_ahead(now, &duty.rules);
    let at = At {
        now,
        deadline,
        hours: &hours,
    };
    let mut counts = Counts::default();
    let mut units = Vec::new();
    for unit in snap
        .units
        .iter()
        .filter(|u| u.path.starts_with(&actor.unit_path))
    {
        let r = row(duty, &snap, unit, actor, &at, &codes);
        counts.add(&r);
        if code.is_none_or(|c| c == unit.code) {
            units.push(r);
        }
    }
    if code.is_some() && units.is_empty() {
        return Err(AppError::NotFound("unit"));
    }
    Ok(Matrix {
        day: day.to_string(),
        deadline,
        zone: duty.rules.zone_name.clone(),
        root: actor
            .unit_path
            .trim_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string(),
        may_import: allowed::may_arrange(actor),
        counts,
        units,
    })
}

impl Counts {
    fn add(&mut self, r: &Row) {
        self.no_primary += usize::from(r.gaps.contains(&Gap::NoPrimary));
        self.disabled_officer += usize::from(r.gaps.contains(&Gap::DisabledOfficer));
        self.overloaded += usize::from(r.gaps.contains(&Gap::Overloaded));
        self.uncovered_hours += r.uncovered_hours;
        self.missed += usize::from(r.check.state == CheckState::Missed);
    }
}

/// The moments a matrix is read at: now, today's deadline, the hours ahead.
struct At<'a> {
    now: Millis,
    deadline: Millis,
    hours: &'a [super::roster::Moment],
}

fn row(
    duty: &Duty,
    snap: &Snapshot,
    unit: &Unit,
    actor: &Actor,
    at: &At,
    codes: &HashMap<i64, &str>,
) -> Row {
    let (now, deadline) = (at.now, at.deadline);
    let plan = snap.plans.get(&unit.id);
    let person = |id: Option<i64>| id.and_then(|id| snap.people.get(&id)).map(view);
    let enabled = |p: i64| snap.enabled(p);
    let answer = on_duty(&snap.chain(unit), now, &duty.rules.zone, &enabled);
    let on_duty = answer.and_then(|a| {
        let (p, u) = (snap.people.get(&a.person)?, snap.unit(a.unit_id)?);
        Some(OnDutyView {
            id: p.id,
            name: p.name.clone(),
            via: via(a.via),
            unit: u.code.clone(),
            unit_name: u.name.clone(),
        })
    });
    let mut check = check_state(snap.done.get(&unit.id), now, deadline);
    check.told = snap.told.get(&unit.id).cloned().unwrap_or_default();
    let (gaps, uncovered_hours) = gaps::of(snap, unit, at.hours, &duty.rules);
    let open = matches!(check.state, CheckState::Missed | CheckState::Pending);
    let officers = [plan.and_then(|p| p.primary), plan.and_then(|p| p.deputy)];
    let held = answer.filter(|a| a.unit_id == unit.id).map(|a| a.person);
    let mut actions = Vec::new();
    if open && allowed::may_check(actor, officers, held) {
        actions.push("check");
    }
    Row {
        code: unit.code.clone(),
        name: unit.name.clone(),
        level: unit.level,
        parent: unit
            .parent_id
            .and_then(|p| codes.get(&p))
            .map(|c| c.to_string()),
        primary: person(plan.and_then(|p| p.primary)),
        deputy: person(plan.and_then(|p| p.deputy)),
        duties: snap.duties.get(&unit.id).cloned().unwrap_or_default(),
        on_duty,
        check,
        gaps,
        uncovered_hours,
        mine: allowed::answers_for(actor, officers, held),
        actions,
    }
}

fn view(p: &Person) -> PersonView {
    PersonView {
        id: p.id,
        username: p.username.clone(),
        name: p.name.clone(),
        disabled: p.disabled,
    }
}

pub fn via(v: Via) -> &'static str {
    match v {
        Via::Override => "override",
        Via::Rotation => "rotation",
        Via::Primary => "primary",
        Via::Deputy => "deputy",
    }
}
