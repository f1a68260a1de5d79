//! What a person may do with a ticket now — decided here, once. The operations refuse what is
//! not listed, and every ticket sent out carries the list for the person receiving it, so the
//! console shows exactly these buttons and nothing else.

use super::ticket::{Move, TicketState};
use crate::auth::jurisdiction::{self, Scope};
use crate::auth::Actor;
use crate::org::{string_enum, Role};

string_enum! {
    /// Something a person may do with a ticket.
    Action {
        Claim = "claim",
        Send = "send",
        Note = "note",
        Transfer = "transfer",
        Wait = "wait",
        Refer = "refer",
        Resume = "resume",
        Resolve = "resolve",
        Close = "close",
        Reopen = "reopen",
        Rate = "rate",
    }
}

impl Action {
    fn of(mv: Move) -> Self {
        match mv {
            Move::Claim => Action::Claim,
            Move::Transfer => Action::Transfer,
            Move::Wait => Action::Wait,
            Move::Refer => Action::Refer,
            Move::Resume => Action::Resume,
            Move::Resolve => Action::Resolve,
            Move::Close => Action::Close,
            Move::Reopen => Action::Reopen,
        }
    }

    fn moves() -> [Move; 8] {
        use Move::*;
        [Claim, Transfer, Wait, Refer, Resume, Resolve, Close, Reopen]
    }
}

/// How a person stands to one ticket: all that decides what they may do with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Part {
    /// An expert who could claim it (their area and group answer it).
    pub handles: bool,
    /// Its assignee, or a supervisor or administrator over it.
    pub directs: bool,
    /// The clerk's side.
    pub requester: bool,
}

impl Part {
    pub fn of(actor: &Actor, scope: &Scope) -> Self {
        Self {
            handles: jurisdiction::may_handle(actor, scope),
            directs: jurisdiction::may_direct(actor, scope),
            requester: jurisdiction::is_requester(actor, scope),
        }
    }

    /// Every part anyone can have, for sending each its own list.
    pub fn all() -> impl Iterator<Item = Part> {
        (0..8u8).map(|bits| Part {
            handles: bits & 1 != 0,
            directs: bits & 2 != 0,
            requester: bits & 4 != 0,
        })
    }

    /// May this part make `mv` at all, whatever the state?
    pub fn may(self, mv: Move) -> bool {
        match mv {
            Move::Claim => self.handles,
            Move::Transfer | Move::Wait | Move::Refer | Move::Resume | Move::Resolve => {
                self.directs
            }
            Move::Close | Move::Reopen => self.requester || self.directs,
        }
    }

    /// May this part write to the clerk (`internal` false) or an internal note (true)?
    pub fn may_write(self, internal: bool) -> bool {
        if internal {
            !self.requester && (self.handles || self.directs)
        } else {
            self.requester || self.directs
        }
    }

    /// May this part rate the help given (the clerk's side, once the ticket is done)?
    pub fn may_rate(self, state: TicketState) -> bool {
        self.requester && !state.is_open()
    }

    /// What this part may do with a ticket in `state`, `rated` or not yet.
    pub fn actions(self, state: TicketState, rated: bool) -> Vec<Action> {
        let mut out = Vec::new();
        if state.is_open() && self.may_write(false) {
            out.push(Action::Send);
        }
        if self.may_write(true) {
            out.push(Action::Note);
        }
        for mv in Action::moves() {
            if self.may(mv) && state.after(mv).is_ok() {
                out.push(Action::of(mv));
            }
        }
        if !rated && self.may_rate(state) {
            out.push(Action::Rate);
        }
        out
    }
}

/// Who oversees the work of an area — its board of flagged tickets, ratings and reviews:
/// supervisors and administrators, over their own subtree.
pub fn oversees(actor: &Actor) -> bool {
    matches!(actor.role, Role::Supervisor | Role::Admin)
}

/// Who may read internal notes: everyone who sees the ticket but the clerk's side.
pub fn reads_notes(actor: &Actor) -> bool {
    actor.role != Role::Clerk
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketState::*;

    const CLERK: Part = Part {
        handles: false,
        directs: false,
        requester: true,
    };
    const HANDLER: Part = Part {
        handles: true,
        directs: false,
        requester: false,
    };
    const ASSIGNEE: Part = Part {
        handles: true,
        directs: true,
        requester: false,
    };
    const ONLOOKER: Part = Part {
        handles: false,
        directs: false,
        requester: false,
    };

    fn names(part: Part, state: TicketState) -> Vec<&'static str> {
        part.actions(state, false)
            .into_iter()
            .map(Action::as_str)
            .collect()
    }

    #[test]
    fn a_new_ticket_is_claimed_by_those_who_handle_it_and_written_to_by_its_clerk() {
        assert_eq!(names(HANDLER, New), ["note", "claim"]);
        assert_eq!(names(CLERK, New), ["send", "close"]);
        assert_eq!(names(ONLOOKER, New), Vec::<&str>::new());
    }

    #[test]
    fn the_assignee_directs_a_claimed_ticket_and_a_resolved_one_is_only_reopened() {
        assert_eq!(
            names(ASSIGNEE, Claimed),
            ["send", "note", "transfer", "wait", "refer", "resolve", "close"]
        );
        assert_eq!(names(CLERK, Resolved), ["close", "reopen", "rate"]);
        assert_eq!(
            CLERK.actions(Resolved, true),
            [Action::Close, Action::Reopen]
        );
        assert_eq!(names(ASSIGNEE, Closed), ["note", "reopen"]);
    }

    #[test]
    fn the_list_never_offers_what_the_operations_refuse() {
        for part in Part::all() {
            for &state in TicketState::ALL {
                for mv in Action::moves() {
                    let offered = part.actions(state, false).contains(&Action::of(mv));
                    assert_eq!(offered, part.may(mv) && state.after(mv).is_ok());
                }
            }
        }
    }
}
