//! Gaps in the cover: a unit with no primary officer, an officer whose account is disabled,
//! hours of the next seven days in which the unit's own arrangement covers nobody (the answer
//! would have to come from the level above), and an officer answering for more units than the
//! configured maximum. Computed from a [`Snapshot`] through `roster::on_duty`, the one answer
//! to who is on duty.

use super::roster::{on_duty_at, Moment, Plan};
use super::store::{Snapshot, Unit};
use super::Rules;
use crate::clock::Millis;
use serde::Serialize;

const HOUR_MS: Millis = 3_600_000;
/// The hours ahead that are looked at for cover.
pub const AHEAD_HOURS: i64 = 7 * 24;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gap {
    NoPrimary,
    DisabledOfficer,
    Uncovered,
    Overloaded,
}

/// The start of each hour of the next seven days, from the one `now` is in, read in local time
/// once for all the units looked at.
pub fn hours_ahead(now: Millis, rules: &Rules) -> Vec<Moment> {
    let first = now - now.rem_euclid(HOUR_MS);
    (0..AHEAD_HOURS)
        .filter_map(|h| Moment::new(first + h * HOUR_MS, &rules.zone))
        .collect()
}

/// A unit's gaps, and its hours without cover of its own among `hours` (see [`hours_ahead`]).
pub fn of(snap: &Snapshot, unit: &Unit, hours: &[Moment], rules: &Rules) -> (Vec<Gap>, i64) {
    let empty = Plan {
        unit_id: unit.id,
        ..Plan::default()
    };
    let plan = snap.plans.get(&unit.id).unwrap_or(&empty);
    let mut gaps = Vec::new();
    if plan.primary.is_none() {
        gaps.push(Gap::NoPrimary);
    }
    let officers: Vec<i64> = plan.primary.into_iter().chain(plan.deputy).collect();
    if officers.iter().any(|p| !snap.enabled(*p)) {
        gaps.push(Gap::DisabledOfficer);
    }
    let hours = uncovered_hours(snap, plan, hours);
    if hours > 0 {
        gaps.push(Gap::Uncovered);
    }
    let over = |p: &i64| snap.load.get(p).copied().unwrap_or(0) > rules.max_units;
    if officers.iter().any(over) {
        gaps.push(Gap::Overloaded);
    }
    (gaps, hours)
}

/// The hours at whose start `plan` alone covers nobody.
pub fn uncovered_hours(snap: &Snapshot, plan: &Plan, hours: &[Moment]) -> i64 {
    let enabled = |p: i64| snap.enabled(p);
    let own = std::slice::from_ref(plan);
    hours
        .iter()
        .filter(|m| on_duty_at(own, **m, &enabled).is_none())
        .count() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DutySettings;
    use crate::duty::roster::{Rotation, Shift};
    use crate::duty::store::Person;
    use crate::org::UnitLevel;

    fn rules() -> Rules {
        Rules::new(&DutySettings::default(), "Asia/Shanghai").unwrap()
    }

    fn person(id: i64, disabled: bool) -> (i64, Person) {
        let p = Person {
            id,
            username: format!("u{id}"),
            name: format!("p{id}"),
            role: Some(crate::org::Role::Officer),
            disabled,
        };
        (id, p)
    }

    fn unit(id: i64) -> Unit {
        Unit {
            id,
            code: format!("{id}"),
            name: format!("unit {id}"),
            level: UnitLevel::Township,
            path: format!("/{id}/"),
            parent_id: None,
        }
    }

    /// Midnight in Shanghai, 2026-12-01.
    fn midnight() -> Millis {
        rules().at(jiff::civil::date(2026, 12, 1), 0)
    }

    #[test]
    fn a_unit_without_a_primary_or_with_a_disabled_one_is_a_gap() {
        let mut snap = Snapshot::default();
        snap.people.extend([person(10, false), person(20, true)]);
        let (gaps, hours) = of(
            &snap,
            &unit(1),
            &hours_ahead(midnight(), &rules()),
            &rules(),
        );
        assert_eq!(gaps, vec![Gap::NoPrimary, Gap::Uncovered]);
        assert_eq!(hours, AHEAD_HOURS);
        snap.plans.insert(
            1,
            Plan {
                unit_id: 1,
                primary: Some(20),
                deputy: Some(10),
                ..Plan::default()
            },
        );
        // The deputy covers for the disabled primary: no hour is uncovered.
        let (gaps, hours) = of(
            &snap,
            &unit(1),
            &hours_ahead(midnight(), &rules()),
            &rules(),
        );
        assert_eq!((gaps, hours), (vec![Gap::DisabledOfficer], 0));
    }

    #[test]
    fn a_day_shift_only_leaves_the_nights_uncovered() {
        let mut snap = Snapshot::default();
        snap.people.extend([person(10, false), person(11, false)]);
        let rotation = Rotation {
            starts_on: jiff::civil::date(2026, 11, 30),
            period_days: 7,
            people: vec![11],
            shifts: vec![Shift::parse("08:00-18:00").unwrap()],
        };
        let plan = Plan {
            unit_id: 1,
            primary: Some(10),
            rotations: vec![rotation],
            ..Plan::default()
        };
        snap.plans.insert(1, plan);
        let (gaps, hours) = of(
            &snap,
            &unit(1),
            &hours_ahead(midnight(), &rules()),
            &rules(),
        );
        assert_eq!(gaps, vec![Gap::Uncovered]);
        assert_eq!(hours, 7 * 14, "18:00 to 08:00, seven nights");
    }

    #[test]
    fn an_officer_over_more_units_than_the_maximum_is_a_gap() {
        let mut snap = Snapshot::default();
        snap.people.extend([person(10, false)]);
        snap.plans.insert(
            1,
            Plan {
                unit_id: 1,
                primary: Some(10),
                ..Plan::default()
            },
        );
        snap.load.insert(10, 3);
        assert!(of(
            &snap,
            &unit(1),
            &hours_ahead(midnight(), &rules()),
            &rules()
        )
        .0
        .is_empty());
        snap.load.insert(10, 4);
        assert_eq!(
            of(
                &snap,
                &unit(1),
                &hours_ahead(midnight(), &rules()),
                &rules()
            )
            .0,
            vec![Gap::Overloaded]
        );
    }
}
