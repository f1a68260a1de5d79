//! The service-level policy: deadlines per difficulty tier in the region's time zone, and the
//! thresholds of the flags. The promise made to a ticket is recorded on it when it is raised,
//! so a later change of policy does not move old tickets' deadlines.

use crate::clock::Millis;
use crate::config::SlaSettings;
use crate::helpdesk::ticket::Difficulty;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Serialize;

const MINUTE: Millis = 60 * 1000;
const HOUR: Millis = 60 * MINUTE;

#[derive(Clone, Debug)]
pub struct Policy {
    zone: TimeZone,
    zone_name: String,
    small_min: Millis,
    big: Millis,
    hard: Millis,
    respond: [Millis; 3],
    pub dragging: Millis,
    pub stuck_reopens: i64,
    pub stuck_transfers: i64,
    pub backoffice: Millis,
    escalation: Vec<Millis>,
}

/// What a new ticket is promised, and the policy behind it as recorded on the ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Promise {
    pub respond_by: Millis,
    pub due_at: Millis,
    pub recorded: String,
}

/// The policy as recorded on a ticket (JSON in `tickets.sla`).
#[derive(Serialize)]
struct Recorded<'a> {
    tier: Difficulty,
    respond_minutes: i64,
    /// "end_of_day" for small matters, else "hours".
    resolve: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hours: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    at_least_minutes: Option<i64>,
    time_zone: &'a str,
}

fn minutes(m: u64) -> Millis {
    i64::try_from(m).unwrap_or(i64::MAX / MINUTE) * MINUTE
}

impl Policy {
    /// The policy of the settings; an unknown time zone is a configuration error.
    pub fn new(s: &SlaSettings) -> anyhow::Result<Self> {
        let zone = TimeZone::get(&s.time_zone)
            .map_err(|e| anyhow::anyhow!("sla.time_zone {:?}: {e}", s.time_zone))?;
        let mut escalation: Vec<Millis> =
            s.escalation_minutes.iter().map(|m| minutes(*m)).collect();
        if escalation.is_empty() {
            escalation.push(30 * MINUTE);
        }
        // A step is at least a minute after the one before: each is its own job run.
        escalation.iter_mut().for_each(|d| *d = (*d).max(MINUTE));
        Ok(Self {
            zone,
            zone_name: s.time_zone.clone(),
            small_min: minutes(s.small_min_minutes),
            big: minutes(s.big_hours * 60),
            hard: minutes(s.hard_days * 24 * 60),
            respond: s.respond_minutes.map(minutes),
            dragging: minutes(s.dragging_hours * 60),
            stuck_reopens: i64::from(s.stuck_reopens.max(1)),
            stuck_transfers: i64::from(s.stuck_transfers.max(1)),
            backoffice: minutes(s.backoffice_hours * 60),
            escalation,
        })
    }

    fn tier(d: Difficulty) -> usize {
        match d {
            Difficulty::Small => 0,
            Difficulty::Big => 1,
            Difficulty::Hard => 2,
        }
    }

    /// How soon a ticket of tier `d` must be claimed.
    pub fn respond_within(&self, d: Difficulty) -> Millis {
        self.respond[Self::tier(d)]
    }

    /// The promise to a ticket of tier `d` raised at `at`.
    pub fn promise(&self, d: Difficulty, at: Millis) -> Promise {
        let respond_minutes = self.respond_within(d) / MINUTE;
        let (due_at, record) = match d {
            Difficulty::Small => {
                let due = self.end_of_day(at).max(at + self.small_min);
                let record = Recorded {
                    tier: d,
                    respond_minutes,
                    resolve: "end_of_day",
                    hours: None,
                    at_least_minutes: Some(self.small_min / MINUTE),
                    time_zone: &self.zone_name,
                };
                (due, record)
            }
            Difficulty::Big | Difficulty::Hard => {
                let within = if d == Difficulty::Big {
                    self.big
                } else {
                    self.hard
                };
                let record = Recorded {
                    tier: d,
                    respond_minutes,
                    resolve: "hours",
                    hours: Some(within / HOUR),
                    at_least_minutes: None,
                    time_zone: &self.zone_name,
                };
                (at.saturating_add(within), record)
            }
        };
        Promise {
            respond_by: at.saturating_add(self.respond_within(d)),
            due_at,
            recorded: serde_json::to_string(&record).expect("a policy record serialises"),
        }
    }

    /// The next local midnight after `at`.
    fn end_of_day(&self, at: Millis) -> Millis {
        let next = Timestamp::from_millisecond(at)
            .ok()
            .map(|t| t.to_zoned(self.zone.clone()))
            .and_then(|z| z.date().tomorrow().ok())
            .and_then(|d| d.to_zoned(self.zone.clone()).ok());
        match next {
            Some(z) => z.timestamp().as_millisecond(),
            // Outside jiff's range of years: a day from now is the nearest honest answer.
            None => at.saturating_add(24 * HOUR),
        }
    }

    /// The wait before escalation step `step` (≥ 1) after the one before it.
    pub fn escalation_delay(&self, step: i64) -> Millis {
        let i = usize::try_from(step - 1).unwrap_or(0);
        *self
            .escalation
            .get(i)
            .or(self.escalation.last())
            .expect("at least one delay")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-01 00:00 in Shanghai (UTC+8), in milliseconds.
    const MIDNIGHT: Millis = 1_796_054_400_000;

    fn policy() -> Policy {
        Policy::new(&SlaSettings::default()).unwrap()
    }

    #[test]
    fn a_small_matter_raised_in_the_morning_is_due_at_midnight() {
        let at = MIDNIGHT + 9 * HOUR;
        let p = policy().promise(Difficulty::Small, at);
        assert_eq!(p.due_at, MIDNIGHT + 24 * HOUR);
        assert_eq!(p.respond_by, at + 10 * MINUTE);
        assert!(p.recorded.contains("\"end_of_day\""), "{}", p.recorded);
    }

    #[test]
    fn a_small_matter_raised_at_half_past_eleven_has_its_minimum() {
        let at = MIDNIGHT - 30 * MINUTE;
        let p = policy().promise(Difficulty::Small, at);
        assert_eq!(p.due_at, at + 240 * MINUTE);
    }

    #[test]
    fn a_small_matter_raised_just_after_midnight_has_the_whole_day() {
        let at = MIDNIGHT + MINUTE;
        assert_eq!(
            policy().promise(Difficulty::Small, at).due_at,
            MIDNIGHT + 24 * HOUR
        );
    }

    #[test]
    fn big_matters_have_a_day_and_hard_ones_a_week() {
        let at = MIDNIGHT + 15 * HOUR;
        assert_eq!(policy().promise(Difficulty::Big, at).due_at, at + 24 * HOUR);
        assert_eq!(
            policy().promise(Difficulty::Hard, at).due_at,
            at + 7 * 24 * HOUR
        );
    }

    #[test]
    fn an_unknown_time_zone_is_refused() {
        let s = SlaSettings {
            time_zone: "Mars/Olympus".into(),
            ..SlaSettings::default()
        };
        assert!(Policy::new(&s).is_err());
    }
}
