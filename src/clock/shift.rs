//! A span of local time of day, as rosters and maintenance windows give it ("08:00-20:00").

const DAY_MINUTES: u16 = 24 * 60;

/// A shift in local time, in minutes after midnight: 08:00–20:00 is (480, 1200). An end at or
/// before the start runs past midnight into the next day (20:00–08:00).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shift {
    pub start: u16,
    pub end: u16,
}

impl Shift {
    pub const WHOLE_DAY: Shift = Shift {
        start: 0,
        end: DAY_MINUTES,
    };

    /// `"08:00-20:00"`; `None` if it is not two times of day.
    pub fn parse(text: &str) -> Option<Self> {
        let (a, b) = text.trim().split_once('-')?;
        let minutes = |t: &str| -> Option<u16> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
            (h <= 24 && m < 60 && h * 60 + m <= DAY_MINUTES).then_some(h * 60 + m)
        };
        let (start, end) = (minutes(a)?, minutes(b)?);
        (start < DAY_MINUTES).then_some(Shift { start, end })
    }

    pub fn overnight(self) -> bool {
        self.end <= self.start
    }
}

impl std::fmt::Display for Shift {
    /// As it is parsed: `08:00-20:00`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (a, b) = (self.start, self.end);
        write!(f, "{:02}:{:02}-{:02}:{:02}", a / 60, a % 60, b / 60, b % 60)
    }
}

impl Shift {
    /// Whether `minute` (after local midnight) falls in the span; an overnight span holds the
    /// evening part of its first day and the morning part of the next.
    pub fn holds(self, minute: u16) -> bool {
        if self.overnight() {
            minute >= self.start || minute < self.end
        } else {
            (self.start..self.end).contains(&minute)
        }
    }
}
