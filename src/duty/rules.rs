//! The settings of the duty capability made into rules: the region's local time, each day's
//! check deadline, the default checklist, the pace of a missed check's escalation and the most
//! units one officer may answer for.

use crate::clock::Millis;
use crate::config::DutySettings;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

#[derive(Debug)]
pub struct Rules {
    pub zone: TimeZone,
    /// The zone's IANA name, for the console to show times in.
    pub zone_name: String,
    /// Minutes after local midnight.
    pub deadline_minute: u16,
    pub items: Vec<String>,
    pub step_ms: Millis,
    pub max_units: usize,
}

impl Rules {
    pub fn new(s: &DutySettings, zone: &str) -> anyhow::Result<Self> {
        let zone_name = zone.to_string();
        let zone = TimeZone::get(zone).map_err(|e| anyhow::anyhow!("time zone {zone:?}: {e}"))?;
        let deadline = super::roster::Shift::parse(&format!("{}-00:00", s.check_deadline))
            .ok_or_else(|| {
                anyhow::anyhow!("duty.check_deadline {:?}: not HH:MM", s.check_deadline)
            })?;
        let items: Vec<String> = s
            .check_items
            .iter()
            .map(|i| i.trim().to_string())
            .filter(|i| !i.is_empty())
            .collect();
        anyhow::ensure!(
            !items.is_empty(),
            "duty.check_items: the checklist is empty"
        );
        // A township's missed check reaches the region two steps after the deadline; the daily
        // look reads one day at a time, so that must come before midnight.
        let step = s.check_escalation_minutes.max(1);
        let last = u64::from(deadline.start).saturating_add(step.saturating_mul(2));
        anyhow::ensure!(
            last < 24 * 60,
            "duty: check_deadline {} and two check_escalation_minutes ({step}) must end before midnight",
            s.check_deadline
        );
        Ok(Self {
            zone,
            zone_name,
            deadline_minute: deadline.start,
            items,
            step_ms: i64::try_from(step.saturating_mul(60_000)).unwrap_or(i64::MAX),
            max_units: s.max_units_per_officer,
        })
    }

    /// The local day `at` falls on.
    pub fn day_of(&self, at: Millis) -> Date {
        Timestamp::from_millisecond(at)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned(self.zone.clone())
            .date()
    }

    /// Local `minute` (after midnight) of `day`, as an instant.
    pub fn at(&self, day: Date, minute: u16) -> Millis {
        let (h, m) = (i8::try_from(minute / 60), i8::try_from(minute % 60));
        let (Ok(h), Ok(m)) = (h, m) else {
            return 0;
        };
        day.at(h, m, 0, 0)
            .to_zoned(self.zone.clone())
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(0)
    }

    /// A local time `2026-12-07 08:00` (or `2026-12-07T08:00`) as an instant.
    pub fn parse_local(&self, text: &str) -> Option<Millis> {
        let text = text.trim().replacen('T', " ", 1);
        jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M", &text)
            .ok()?
            .to_zoned(self.zone.clone())
            .ok()
            .map(|z| z.timestamp().as_millisecond())
    }

    /// When `day`'s check is due.
    pub fn deadline(&self, day: Date) -> Millis {
        self.at(day, self.deadline_minute)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_is_ten_in_the_morning_in_shanghai() {
        let rules = Rules::new(&DutySettings::default(), "Asia/Shanghai").unwrap();
        let day = jiff::civil::date(2026, 12, 3);
        // 10:00 in Shanghai is 02:00 UTC.
        let utc = "2026-12-03T02:00:00Z".parse::<Timestamp>().unwrap();
        assert_eq!(rules.deadline(day), utc.as_millisecond());
        assert_eq!(rules.day_of(utc.as_millisecond() - 10 * 3_600_000), day);
        assert_eq!(
            rules.day_of(utc.as_millisecond() - 10 * 3_600_000 - 1),
            day.yesterday().unwrap()
        );
    }

    #[test]
    fn a_deadline_that_is_no_time_of_day_is_refused() {
        let s = DutySettings {
            check_deadline: "ten".into(),
            ..DutySettings::default()
        };
        assert!(Rules::new(&s, "Asia/Shanghai").is_err());
        assert!(Rules::new(&DutySettings::default(), "Mars/Olympus").is_err());
        let late = DutySettings {
            check_deadline: "22:00".into(),
            ..DutySettings::default()
        };
        assert!(
            Rules::new(&late, "Asia/Shanghai").is_err(),
            "the region would be told tomorrow"
        );
    }
}
