//! Maintenance windows (维护窗口): once, or every week on some days during local hours. Inside one
//! a monitor's checks go on and are recorded, but raise no incident and count for nothing in
//! its availability.

use crate::clock::{Millis, Shift};
use crate::error::{AppError, AppResult};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Deserialize;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Window {
    Once {
        from: Millis,
        until: Millis,
    },
    /// Weekdays 1 (Monday) … 7; an overnight shift belongs to the day it starts on.
    Weekly {
        days: Vec<i8>,
        shift: Shift,
    },
}

impl Window {
    /// From the stored columns; `None` for a row that is neither form.
    pub fn from_row(
        from: Option<Millis>,
        until: Option<Millis>,
        days: &str,
        shift: &str,
    ) -> Option<Self> {
        if let (Some(from), Some(until)) = (from, until) {
            return Some(Window::Once { from, until });
        }
        let days: Vec<i8> = days
            .split_whitespace()
            .filter_map(|d| d.parse().ok())
            .collect();
        Some(Window::Weekly {
            days,
            shift: Shift::parse(shift)?,
        })
    }

    pub fn holds(&self, at: Millis, zone: &TimeZone) -> bool {
        match self {
            Window::Once { from, until } => (*from..*until).contains(&at),
            Window::Weekly { days, shift } => {
                let Ok(t) = Timestamp::from_millisecond(at) else {
                    return false;
                };
                let local = t.to_zoned(zone.clone());
                let minute = local.hour() as u16 * 60 + local.minute() as u16;
                if !shift.holds(minute) {
                    return false;
                }
                let weekday = local.weekday().to_monday_one_offset();
                // The morning part of an overnight shift started the day before.
                let started_on = if shift.overnight() && minute < shift.end {
                    (weekday + 5) % 7 + 1
                } else {
                    weekday
                };
                days.contains(&started_on)
            }
        }
    }
}

/// A window as it is asked for: `starts_at`/`ends_at`, or `weekdays` with `shift`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWindow {
    pub title: String,
    #[serde(default)]
    pub starts_at: Option<Millis>,
    #[serde(default)]
    pub ends_at: Option<Millis>,
    #[serde(default)]
    pub weekdays: Vec<i8>,
    #[serde(default)]
    pub shift: Option<String>,
}

impl NewWindow {
    /// The window, or why it is not one.
    pub fn parse(&self) -> AppResult<Window> {
        if self.title.trim().is_empty() || self.title.chars().count() > 100 {
            return Err(AppError::invalid("title", "1–100 characters"));
        }
        match (self.starts_at, self.ends_at, &self.shift) {
            (Some(from), Some(until), None) if self.weekdays.is_empty() => {
                if until <= from || until - from > 31 * 86_400_000 {
                    return Err(AppError::invalid(
                        "ends_at",
                        "after the start, within 31 days",
                    ));
                }
                Ok(Window::Once { from, until })
            }
            (None, None, Some(shift)) => {
                let shift = Shift::parse(shift)
                    .ok_or_else(|| AppError::invalid("shift", "local times, e.g. 22:00-02:00"))?;
                let days_ok = self.weekdays.iter().all(|d| (1..=7).contains(d));
                if self.weekdays.is_empty() || !days_ok {
                    return Err(AppError::invalid("weekdays", "days 1 (Monday) to 7"));
                }
                Ok(Window::Weekly {
                    days: self.weekdays.clone(),
                    shift,
                })
            }
            _ => Err(AppError::invalid(
                "starts_at",
                "either starts_at and ends_at, or weekdays and shift",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Friday 2027-01-15 16:00 in Shanghai.
    const FRIDAY_4PM: Millis = 1_800_000_000_000;
    const HOUR: Millis = 3_600_000;

    #[test]
    fn a_weekly_overnight_window_holds_into_the_next_morning() {
        let zone = TimeZone::get("Asia/Shanghai").expect("zone");
        let w = Window::Weekly {
            days: vec![5],
            shift: Shift::parse("22:00-02:00").expect("shift"),
        };
        assert!(!w.holds(FRIDAY_4PM, &zone));
        assert!(w.holds(FRIDAY_4PM + 7 * HOUR, &zone)); // Friday 23:00
        assert!(w.holds(FRIDAY_4PM + 9 * HOUR, &zone)); // Saturday 01:00, Friday's night
        assert!(!w.holds(FRIDAY_4PM + 11 * HOUR, &zone)); // Saturday 03:00
        assert!(!w.holds(FRIDAY_4PM + 7 * HOUR + 24 * HOUR, &zone)); // Saturday 23:00
    }

    #[test]
    fn a_one_off_window_ends_at_its_end() {
        let w = Window::Once {
            from: 10,
            until: 20,
        };
        let zone = TimeZone::UTC;
        assert!(w.holds(10, &zone) && w.holds(19, &zone) && !w.holds(20, &zone));
    }
}
