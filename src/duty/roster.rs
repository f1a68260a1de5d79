//! "Who is on duty for unit X at time T" — computed here and nowhere else. A unit's own cover is
//! an override (leave, a swap) for the moment, else the rotation whose shift holds it, else —
//! for a unit keeping no rotation (or none begun yet) — its primary officer, then its deputy
//! (定人定责). A unit
//! without cover at that moment hands the question to the next level up, to the region. Times
//! are read in the region's local time, so a night shift runs from one local evening to the
//! next morning whatever the offset.

use crate::clock::Millis;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

pub use crate::clock::Shift;

/// People taking turns: the first from `starts_on`, the next `period_days` later, and so on
/// round the list; each turn covers the rotation's shifts of each of its days.
#[derive(Clone, Debug)]
pub struct Rotation {
    pub starts_on: Date,
    pub period_days: i64,
    pub people: Vec<i64>,
    pub shifts: Vec<Shift>,
}

/// Someone covering a unit from `from` until `until` (leave taken over, a swap).
#[derive(Clone, Copy, Debug)]
pub struct Override {
    pub person: i64,
    pub from: Millis,
    pub until: Millis,
}

/// What one unit has arranged.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub unit_id: i64,
    pub primary: Option<i64>,
    pub deputy: Option<i64>,
    pub rotations: Vec<Rotation>,
    pub overrides: Vec<Override>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Override,
    Rotation,
    Primary,
    Deputy,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OnDuty {
    pub person: i64,
    /// The unit whose arrangement answered: the one asked about, or one above it.
    pub unit_id: i64,
    pub via: Via,
}

/// A moment, with its local day and minute of the day: what every rule here reads.
#[derive(Clone, Copy, Debug)]
pub struct Moment {
    pub at: Millis,
    pub day: Date,
    pub minute: u16,
}

impl Moment {
    pub fn new(at: Millis, zone: &TimeZone) -> Option<Self> {
        let local = Timestamp::from_millisecond(at).ok()?.to_zoned(zone.clone());
        Some(Self {
            at,
            day: local.date(),
            minute: local.hour() as u16 * 60 + local.minute() as u16,
        })
    }
}

/// Who is on duty at `at` for `chain[0]`, the rest of `chain` being the units above it, nearest
/// first. `enabled` says whether a person may take duty (a disabled account may not).
pub fn on_duty(
    chain: &[Plan],
    at: Millis,
    zone: &TimeZone,
    enabled: &dyn Fn(i64) -> bool,
) -> Option<OnDuty> {
    on_duty_at(chain, Moment::new(at, zone)?, enabled)
}

/// [`on_duty`] at a moment already read in local time (many units asked about the same hours).
pub fn on_duty_at(chain: &[Plan], m: Moment, enabled: &dyn Fn(i64) -> bool) -> Option<OnDuty> {
    chain.iter().find_map(|plan| {
        own_cover(plan, m.at, m.day, m.minute, enabled).map(|(person, via)| OnDuty {
            person,
            unit_id: plan.unit_id,
            via,
        })
    })
}

fn own_cover(
    plan: &Plan,
    at: Millis,
    day: Date,
    minute: u16,
    enabled: &dyn Fn(i64) -> bool,
) -> Option<(i64, Via)> {
    let overridden = plan
        .overrides
        .iter()
        .find(|o| o.from <= at && at < o.until && enabled(o.person));
    if let Some(o) = overridden {
        return Some((o.person, Via::Override));
    }
    // A rotation kept from its first day on; before it, the unit's standing officers cover.
    let kept: Vec<&Rotation> = plan
        .rotations
        .iter()
        .filter(|r| r.starts_on <= day)
        .collect();
    if !kept.is_empty() {
        return kept
            .iter()
            .find_map(|r| turn(r, day, minute).filter(|p| enabled(*p)))
            .map(|p| (p, Via::Rotation));
    }
    let standing = [(plan.primary, Via::Primary), (plan.deputy, Via::Deputy)];
    standing
        .into_iter()
        .find_map(|(p, via)| p.filter(|p| enabled(*p)).map(|p| (p, via)))
}

/// Whose turn of rotation `r` holds local `day` at `minute`, if a shift of it does.
fn turn(r: &Rotation, day: Date, minute: u16) -> Option<i64> {
    let shifts: &[Shift] = if r.shifts.is_empty() {
        &[Shift::WHOLE_DAY]
    } else {
        &r.shifts
    };
    // The day the holding shift began: today, or yesterday for a night shift still running.
    let began = shifts.iter().find_map(|s| {
        if !s.overnight() {
            (s.start <= minute && minute < s.end).then_some(day)
        } else if minute >= s.start {
            Some(day)
        } else if minute < s.end {
            day.yesterday().ok()
        } else {
            None
        }
    })?;
    let days = began.duration_since(r.starts_on).as_hours().div_euclid(24);
    if days < 0 || r.people.is_empty() || r.period_days < 1 {
        return None;
    }
    let n = i64::try_from(r.people.len()).ok()?;
    let index = usize::try_from((days / r.period_days).rem_euclid(n)).ok()?;
    r.people.get(index).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn zone() -> TimeZone {
        TimeZone::get("Asia/Shanghai").unwrap()
    }

    /// Local time in Shanghai on 2026-12-`d` at `h`:`m`, in milliseconds.
    fn at(d: i8, h: i8, m: i8) -> Millis {
        date(2026, 12, d)
            .at(h, m, 0, 0)
            .to_zoned(zone())
            .unwrap()
            .timestamp()
            .as_millisecond()
    }

    fn all(_: i64) -> bool {
        true
    }

    fn who(chain: &[Plan], t: Millis) -> Option<(i64, Via)> {
        on_duty(chain, t, &zone(), &all).map(|d| (d.person, d.via))
    }

    /// Unit 1: day shift 08:00–20:00 and night shift 20:00–08:00, weekly through 11, 12, 13
    /// from Monday 2026-11-30.
    fn township() -> Plan {
        Plan {
            unit_id: 1,
            primary: Some(10),
            deputy: Some(20),
            rotations: vec![Rotation {
                starts_on: date(2026, 11, 30),
                period_days: 7,
                people: vec![11, 12, 13],
                shifts: vec![
                    Shift::parse("08:00-20:00").unwrap(),
                    Shift::parse("20:00-08:00").unwrap(),
                ],
            }],
            overrides: Vec::new(),
        }
    }

    #[test]
    fn shifts_hand_over_at_their_boundaries() {
        let p = [township()];
        assert_eq!(who(&p, at(1, 7, 59)), Some((11, Via::Rotation)));
        assert_eq!(who(&p, at(1, 8, 0)), Some((11, Via::Rotation)));
        assert_eq!(who(&p, at(1, 19, 59)), Some((11, Via::Rotation)));
        assert_eq!(who(&p, at(1, 20, 0)), Some((11, Via::Rotation)));
    }

    #[test]
    fn a_night_shift_across_midnight_belongs_to_the_evening_it_began() {
        // Sunday night 6 Dec → Monday 7 Dec: the shift began in week one, so it stays 11's
        // until 08:00, when week two (12) takes over.
        let p = [township()];
        assert_eq!(who(&p, at(6, 23, 0)), Some((11, Via::Rotation)));
        assert_eq!(who(&p, at(7, 0, 30)), Some((11, Via::Rotation)));
        assert_eq!(who(&p, at(7, 7, 59)), Some((11, Via::Rotation)));
        assert_eq!(who(&p, at(7, 8, 0)), Some((12, Via::Rotation)));
    }

    #[test]
    fn a_weekly_rotation_goes_round_the_list() {
        let p = [township()];
        assert_eq!(who(&p, at(14, 12, 0)), Some((13, Via::Rotation)));
        assert_eq!(who(&p, at(21, 12, 0)), Some((11, Via::Rotation)));
        assert_eq!(who(&p, at(28, 12, 0)), Some((12, Via::Rotation)));
    }

    #[test]
    fn an_override_covers_its_hours_only() {
        let mut plan = township();
        plan.overrides.push(Override {
            person: 30,
            from: at(2, 8, 0),
            until: at(2, 20, 0),
        });
        let p = [plan];
        assert_eq!(who(&p, at(2, 7, 59)), Some((11, Via::Rotation)));
        assert_eq!(who(&p, at(2, 8, 0)), Some((30, Via::Override)));
        assert_eq!(who(&p, at(2, 20, 0)), Some((11, Via::Rotation)));
    }

    #[test]
    fn without_a_rotation_the_primary_then_the_deputy_then_the_level_above() {
        let county = Plan {
            unit_id: 2,
            primary: Some(40),
            ..Plan::default()
        };
        let mut town = Plan {
            unit_id: 1,
            primary: Some(10),
            deputy: Some(20),
            ..Plan::default()
        };
        let t = at(3, 9, 0);
        let chain = [town.clone(), county.clone()];
        assert_eq!(who(&chain, t), Some((10, Via::Primary)));
        let not_10 = |p: i64| p != 10;
        let d = on_duty(&chain, t, &zone(), &not_10).unwrap();
        assert_eq!((d.person, d.via, d.unit_id), (20, Via::Deputy, 1));
        town.deputy = None;
        let chain = [town, county];
        let d = on_duty(&chain, t, &zone(), &not_10).unwrap();
        assert_eq!((d.person, d.via, d.unit_id), (40, Via::Primary, 2));
    }

    #[test]
    fn hours_no_shift_holds_go_to_the_level_above() {
        let mut town = township();
        town.rotations[0].shifts = vec![Shift::parse("08:00-18:00").unwrap()];
        let county = Plan {
            unit_id: 2,
            primary: Some(40),
            ..Plan::default()
        };
        let chain = [town, county];
        let d = on_duty(&chain, at(1, 19, 0), &zone(), &all).unwrap();
        assert_eq!((d.person, d.unit_id), (40, 2));
        assert_eq!(who(&chain, at(1, 17, 0)), Some((11, Via::Rotation)));
        assert!(on_duty(&[], at(1, 9, 0), &zone(), &all).is_none());
    }

    #[test]
    fn before_its_rotation_begins_the_primary_covers() {
        let mut plan = township();
        plan.rotations[0].starts_on = date(2026, 12, 7);
        let p = [plan];
        assert_eq!(who(&p, at(6, 23, 0)), Some((10, Via::Primary)));
        assert_eq!(who(&p, at(7, 9, 0)), Some((11, Via::Rotation)));
    }

    #[test]
    fn shifts_are_read_as_times_of_day() {
        assert_eq!(
            Shift::parse("20:00-08:00"),
            Some(Shift {
                start: 1200,
                end: 480
            })
        );
        assert_eq!(Shift::parse("00:00-24:00"), Some(Shift::WHOLE_DAY));
        assert_eq!(Shift::parse("25:00-08:00"), None);
        assert_eq!(Shift::parse("8-20"), None);
    }
}
