//! What a group does for service levels and ratings: a ticket looked at again as time passes,
//! an escalation step (once), the clerk's rating, and — for every ticket the group touched —
//! its flags decided anew, a new one entered in the log with the first step of its chain.

use super::{Entry, Outcome, Work};
use crate::error::{AppError, AppResult};
use crate::helpdesk::journal::beside::{RatingRow, StepRow};
use crate::helpdesk::journal::change::{Escalate, Rate};
use crate::helpdesk::sla::chain;
use crate::helpdesk::ticket::EventKind;

impl Work<'_> {
    /// Time passed: the flags are looked at again (by `reflag`, with every other ticket).
    pub(super) fn review(&mut self, id: i64) -> AppResult<Outcome> {
        self.current(id).ok_or(AppError::NotFound("ticket"))?;
        self.touch(id);
        Ok(Outcome::Nothing)
    }

    /// One escalation step, once; stale if its flag was cleared (or set anew) meanwhile.
    pub(super) fn escalate(&mut self, e: &Escalate) -> AppResult<Outcome> {
        let key = (e.ticket, e.flag, e.since, e.step);
        if self.steps_done.contains(&key) {
            return Ok(Outcome::Nothing);
        }
        let head = self.current(e.ticket).ok_or(AppError::NotFound("ticket"))?;
        if head.clocks.flags.since(e.flag) != Some(e.since) {
            return Err(AppError::Stale);
        }
        self.touch(e.ticket);
        self.append(e.ticket, Entry::system(EventKind::Escalated, &e.body));
        if let Some(t) = self.touched.get_mut(&e.ticket) {
            t.notified.extend(&e.notified);
        }
        self.steps_done.insert(key);
        self.steps.push(StepRow {
            key,
            unit_id: e.unit_id,
            notified: e.notified.clone(),
        });
        if let Some((due, payload)) = &e.next {
            let job_key = chain::job_key(e.ticket, e.flag);
            self.jobs
                .push((chain::KIND, job_key, *due, payload.clone()));
        }
        Ok(Outcome::Nothing)
    }

    /// The clerk rates a resolved ticket, once.
    pub(super) fn rate(&mut self, r: &Rate) -> AppResult<Outcome> {
        let head = self.current(r.ticket).ok_or(AppError::NotFound("ticket"))?;
        if head.state.is_open() {
            return Err(AppError::InvalidState(
                "a ticket is rated once it is resolved".into(),
            ));
        }
        if head.rating.is_some() {
            return Err(AppError::Conflict("this ticket is rated already".into()));
        }
        self.touch(r.ticket).rating = Some(r.score);
        let body = format!("{} {}", r.score.as_str(), r.comment);
        self.append(
            r.ticket,
            Entry::new(EventKind::Rated, &r.by, body.trim_end()),
        );
        self.ratings.push(RatingRow {
            ticket_id: r.ticket,
            rater_id: r.by.id,
            score: r.score,
            comment: r.comment.clone(),
            expert_id: head.assignee_id,
            unit_path: head.unit_path,
        });
        Ok(Outcome::Ticket(r.ticket))
    }

    /// Every ticket the group touched: its flags as they stand now (a new one is entered in
    /// its log and starts escalating; one whose cause went is dropped) and when to look again.
    pub(super) fn reflag(&mut self) {
        let (now, policy) = (self.now, self.policy);
        let ids: Vec<i64> = self.touched.keys().copied().collect();
        for id in ids {
            let Some(t) = self.touched.get_mut(&id) else {
                continue;
            };
            let (state, before) = (t.head.state, t.head.clocks.flags.clone());
            let fresh = t.head.clocks.reflag(state, now, policy);
            t.changed |= t.head.clocks.flags != before;
            t.check_at = t.head.clocks.next_check(state, now, policy);
            for flag in fresh {
                self.append(id, Entry::system(EventKind::Flagged, flag.as_str()));
                let (key, payload) = (chain::job_key(id, flag), chain::first(now));
                self.jobs.push((chain::KIND, key, now, payload));
            }
        }
    }
}
