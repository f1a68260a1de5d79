//! A help request's vocabulary: its states and the moves between them, its difficulty tier,
//! and what kind of help it asks for.

use crate::error::AppError;
use crate::org::{string_enum, Specialty};

string_enum! {
    /// 待受理 → 处理中 ⇄ 待补充 → 已办结 → 已关闭, with reopen back to 处理中.
    TicketState {
        New = "new",
        Claimed = "claimed",
        Waiting = "waiting",
        Resolved = "resolved",
        Closed = "closed",
    }
}

string_enum! {
    /// Small matters not overnight, big matters not past a day, hard matters not past a week.
    Difficulty {
        Small = "small",
        Big = "big",
        Hard = "hard",
    }
}

string_enum! {
    /// What the clerk needs: help with a service item's business, or another kind of help.
    TicketKind {
        Business = "business",
        ItFault = "it_fault",
        Policy = "policy",
        Approval = "approval",
    }
}

string_enum! {
    /// The entries of a ticket's ordered log; a `note` is internal, never shown to the clerk's side.
    EventKind {
        Created = "created",
        Message = "message",
        Note = "note",
        Claimed = "claimed",
        Transferred = "transferred",
        Waiting = "waiting",
        Resumed = "resumed",
        Resolved = "resolved",
        Closed = "closed",
        Reopened = "reopened",
        Referred = "referred",
        Flagged = "flagged",
        Escalated = "escalated",
        Rated = "rated",
    }
}

string_enum! {
    /// The clerk's rating of the help: 好评, 中评, 差评.
    Score {
        Good = "good",
        Neutral = "neutral",
        Bad = "bad",
    }
}

impl TicketKind {
    /// The expert specialty that answers this kind of ticket about an item of `family`.
    pub fn specialty(self, family: Specialty) -> Specialty {
        match self {
            TicketKind::Business => family,
            TicketKind::ItFault => Specialty::ItFault,
            TicketKind::Policy => Specialty::Policy,
            TicketKind::Approval => Specialty::Approval,
        }
    }
}

/// A change of state someone asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    Claim,
    Transfer,
    Wait,
    /// Wait for the back office (后台): the clock does not pause.
    Refer,
    Resume,
    Resolve,
    Close,
    Reopen,
}

impl Move {
    pub fn event(self) -> EventKind {
        match self {
            Move::Claim => EventKind::Claimed,
            Move::Transfer => EventKind::Transferred,
            Move::Wait => EventKind::Waiting,
            Move::Refer => EventKind::Referred,
            Move::Resume => EventKind::Resumed,
            Move::Resolve => EventKind::Resolved,
            Move::Close => EventKind::Closed,
            Move::Reopen => EventKind::Reopened,
        }
    }
}

impl TicketState {
    pub fn is_open(self) -> bool {
        !matches!(self, TicketState::Resolved | TicketState::Closed)
    }

    /// The state after `mv`, or why the move does not apply now.
    pub fn after(self, mv: Move) -> Result<TicketState, AppError> {
        use TicketState::*;
        let next = match (mv, self) {
            (Move::Claim, New) => Some(Claimed),
            (Move::Transfer, New | Claimed | Waiting) => Some(Claimed),
            (Move::Wait | Move::Refer, Claimed) => Some(Waiting),
            (Move::Resume, Waiting) => Some(Claimed),
            (Move::Resolve, Claimed | Waiting) => Some(Resolved),
            (Move::Close, New | Claimed | Waiting | Resolved) => Some(Closed),
            (Move::Reopen, Resolved | Closed) => Some(Claimed),
            _ => None,
        };
        next.ok_or_else(|| {
            AppError::InvalidState(format!("cannot {mv:?} a ticket that is {self}").to_lowercase())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_life_of_a_ticket() {
        let s = TicketState::New.after(Move::Claim).unwrap();
        let s = s.after(Move::Wait).unwrap();
        let s = s.after(Move::Resume).unwrap();
        let s = s.after(Move::Resolve).unwrap();
        assert_eq!(s, TicketState::Resolved);
        assert_eq!(s.after(Move::Close).unwrap(), TicketState::Closed);
        assert_eq!(
            TicketState::Closed.after(Move::Reopen).unwrap(),
            TicketState::Claimed
        );
    }

    #[test]
    fn moves_that_do_not_apply_are_refused() {
        assert!(TicketState::Claimed.after(Move::Claim).is_err());
        assert!(TicketState::New.after(Move::Resolve).is_err());
        assert!(TicketState::Closed.after(Move::Close).is_err());
        let err = TicketState::Resolved.after(Move::Claim).unwrap_err();
        assert_eq!(err.code(), "invalid_state");
    }

    #[test]
    fn business_tickets_go_to_the_item_family() {
        assert_eq!(
            TicketKind::Business.specialty(Specialty::SsCard),
            Specialty::SsCard
        );
        assert_eq!(
            TicketKind::ItFault.specialty(Specialty::SsCard),
            Specialty::ItFault
        );
    }
}
