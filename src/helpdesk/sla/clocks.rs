//! A ticket's service-level clocks and the four flags they raise. Everything here is a pure
//! function of the clocks, the state and the time, so the journal can decide flags inside the
//! group that changes a ticket and the sweep can decide them when only time has passed.

use super::Policy;
use crate::clock::Millis;
use crate::helpdesk::ticket::{EventKind, TicketState};
use crate::org::string_enum;
use std::collections::BTreeMap;

string_enum! {
    /// 不办 unclaimed past its first response; 迟办 past its resolution deadline; 拖办 its
    /// handler has done nothing for too long; 卡壳 reopened or transferred too often, or waiting
    /// on the back office too long.
    Flag {
        Unhandled = "unhandled",
        Late = "late",
        Dragging = "dragging",
        Stuck = "stuck",
    }
}

string_enum! {
    /// Whom a waiting ticket waits for: the clerk (the resolution clock pauses) or the back
    /// office (it does not).
    WaitingOn {
        Clerk = "clerk",
        Backoffice = "backoffice",
    }
}

impl PartialOrd for Flag {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Flag {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (*self as u8).cmp(&(*other as u8))
    }
}

/// The flags standing on a ticket, each with when it was set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flags(pub BTreeMap<Flag, Millis>);

impl Flags {
    /// `late@1800000000000 stuck@1800000000001`; unknown or broken parts are dropped.
    pub fn decode(text: &str) -> Self {
        let parsed = text.split_whitespace().filter_map(|part| {
            let (flag, since) = part.split_once('@')?;
            Some((Flag::parse(flag)?, since.parse().ok()?))
        });
        Self(parsed.collect())
    }

    pub fn encode(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(f, since)| format!("{}@{since}", f.as_str()))
            .collect();
        parts.join(" ")
    }

    pub fn since(&self, flag: Flag) -> Option<Millis> {
        self.0.get(&flag).copied()
    }
}

/// The clocks of one ticket.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Clocks {
    pub created_at: Millis,
    pub respond_by: Option<Millis>,
    pub due_at: Option<Millis>,
    pub waiting_on: Option<WaitingOn>,
    pub waiting_since: Option<Millis>,
    pub acted_at: Option<Millis>,
    pub reopens: i64,
    pub transfers: i64,
    pub flags: Flags,
}

impl Clocks {
    /// The resolution deadline as it stands at `now`: a wait for the clerk moves it on.
    pub fn due_by(&self, now: Millis) -> Option<Millis> {
        let paused = match (self.waiting_on, self.waiting_since) {
            (Some(WaitingOn::Clerk), Some(since)) => (now - since).max(0),
            _ => 0,
        };
        self.due_at.map(|d| d.saturating_add(paused))
    }

    /// The flags that hold at `now` for a ticket in `state`.
    pub fn holding(&self, state: TicketState, now: Millis, p: &Policy) -> Vec<Flag> {
        let mut out = Vec::new();
        if !state.is_open() {
            return out;
        }
        if state == TicketState::New && self.respond_by.is_some_and(|t| t <= now) {
            out.push(Flag::Unhandled);
        }
        if self.due_by(now).is_some_and(|t| t <= now) {
            out.push(Flag::Late);
        }
        if self.drags_from(state, p).is_some_and(|t| t <= now) {
            out.push(Flag::Dragging);
        }
        let counts = self.reopens >= p.stuck_reopens || self.transfers >= p.stuck_transfers;
        if counts || self.backoffice_from(p).is_some_and(|t| t <= now) {
            out.push(Flag::Stuck);
        }
        out
    }

    fn drags_from(&self, state: TicketState, p: &Policy) -> Option<Millis> {
        (state == TicketState::Claimed).then(|| {
            self.acted_at
                .unwrap_or(self.created_at)
                .saturating_add(p.dragging)
        })
    }

    fn backoffice_from(&self, p: &Policy) -> Option<Millis> {
        match (self.waiting_on, self.waiting_since) {
            (Some(WaitingOn::Backoffice), Some(since)) => Some(since.saturating_add(p.backoffice)),
            _ => None,
        }
    }

    /// The next moment after `now` at which a flag could be set with nobody acting; `None`
    /// when time alone changes nothing (a resolved ticket, or one paused with all else set).
    pub fn next_check(&self, state: TicketState, now: Millis, p: &Policy) -> Option<Millis> {
        if !state.is_open() {
            return None;
        }
        let unhandled = (state == TicketState::New)
            .then_some(self.respond_by)
            .flatten();
        let paused = self.waiting_on == Some(WaitingOn::Clerk);
        let late = if paused { None } else { self.due_at };
        [
            unhandled,
            late,
            self.drags_from(state, p),
            self.backoffice_from(p),
        ]
        .into_iter()
        .flatten()
        .filter(|t| *t > now)
        .min()
    }

    /// Sets the flags that hold at `now` and drops those that no longer do; returns the newly
    /// set ones.
    pub fn reflag(&mut self, state: TicketState, now: Millis, p: &Policy) -> Vec<Flag> {
        let holding = self.holding(state, now, p);
        let mut fresh = Vec::new();
        let mut next = BTreeMap::new();
        for flag in holding {
            let since = match self.flags.since(flag) {
                Some(since) => since,
                None => {
                    fresh.push(flag);
                    now
                }
            };
            next.insert(flag, since);
        }
        self.flags = Flags(next);
        fresh
    }

    /// Moves the clocks for a change of state: `kind` is the log entry that records it, `by_handler`
    /// whether the ticket's handler made it.
    pub fn moved(&mut self, from: TicketState, to: TicketState, kind: EventKind, now: Millis) {
        if from == TicketState::Waiting && to != TicketState::Waiting {
            self.due_at = self.due_by(now);
            self.waiting_on = None;
            self.waiting_since = None;
        }
        match kind {
            EventKind::Waiting | EventKind::Referred => {
                self.waiting_on = Some(match kind {
                    EventKind::Referred => WaitingOn::Backoffice,
                    _ => WaitingOn::Clerk,
                });
                self.waiting_since = Some(now);
            }
            EventKind::Reopened => self.reopens += 1,
            EventKind::Transferred => self.transfers += 1,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SlaSettings;

    const T0: Millis = 1_800_000_000_000;
    const HOUR: Millis = 3_600_000;

    fn policy() -> Policy {
        Policy::new(&SlaSettings::default()).unwrap()
    }

    fn clocks() -> Clocks {
        Clocks {
            created_at: T0,
            respond_by: Some(T0 + HOUR / 6),
            due_at: Some(T0 + 24 * HOUR),
            ..Clocks::default()
        }
    }

    #[test]
    fn flags_round_trip_through_their_text() {
        let mut f = Flags::default();
        f.0.insert(Flag::Stuck, 2);
        f.0.insert(Flag::Late, 1);
        assert_eq!(f.encode(), "late@1 stuck@2");
        assert_eq!(Flags::decode(&f.encode()), f);
        assert_eq!(Flags::decode("late@x bogus@3"), Flags::default());
    }

    #[test]
    fn waiting_for_the_clerk_pauses_the_resolution_clock() {
        let mut c = clocks();
        c.moved(
            TicketState::Claimed,
            TicketState::Waiting,
            EventKind::Waiting,
            T0 + HOUR,
        );
        assert_eq!(c.due_by(T0 + 3 * HOUR), Some(T0 + 26 * HOUR));
        c.moved(
            TicketState::Waiting,
            TicketState::Claimed,
            EventKind::Resumed,
            T0 + 3 * HOUR,
        );
        assert_eq!(c.due_at, Some(T0 + 26 * HOUR));
        assert_eq!(c.waiting_on, None);
    }

    #[test]
    fn waiting_on_the_back_office_does_not_pause_and_sticks_after_its_time() {
        let p = policy();
        let mut c = clocks();
        c.moved(
            TicketState::Claimed,
            TicketState::Waiting,
            EventKind::Referred,
            T0,
        );
        assert_eq!(c.due_by(T0 + 5 * HOUR), Some(T0 + 24 * HOUR));
        let later = T0 + 48 * HOUR;
        assert!(c
            .holding(TicketState::Waiting, later, &p)
            .contains(&Flag::Stuck));
    }

    #[test]
    fn a_flag_keeps_the_time_it_was_set_and_goes_when_its_cause_does() {
        let p = policy();
        let mut c = clocks();
        assert_eq!(c.reflag(TicketState::New, T0 + HOUR, &p), [Flag::Unhandled]);
        assert!(c.reflag(TicketState::New, T0 + 2 * HOUR, &p).is_empty());
        assert_eq!(c.flags.since(Flag::Unhandled), Some(T0 + HOUR));
        c.reflag(TicketState::Claimed, T0 + 2 * HOUR, &p);
        assert_eq!(c.flags, Flags::default());
    }

    #[test]
    fn the_next_check_is_the_nearest_deadline_still_ahead() {
        let p = policy();
        let c = clocks();
        assert_eq!(c.next_check(TicketState::New, T0, &p), Some(T0 + HOUR / 6));
        assert_eq!(
            c.next_check(TicketState::Claimed, T0 + HOUR, &p),
            Some(T0 + 4 * HOUR)
        );
        assert_eq!(c.next_check(TicketState::Resolved, T0, &p), None);
    }
}
