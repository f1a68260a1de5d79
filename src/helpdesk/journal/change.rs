//! The changes the journal writes, and what each one answers.

use super::sql::{self, NewTicket};
use crate::clock::Millis;
use crate::helpdesk::repo::Ticket;
use crate::helpdesk::sla::Flag;
use crate::helpdesk::ticket::{EventKind, Score, TicketState};
use crate::org::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posted {
    pub seq: i64,
    /// True when this client id had been stored before: nothing new was written.
    pub duplicate: bool,
}

/// Who makes a change, as the log shows them: name, role and unit.
#[derive(Clone, Debug)]
pub struct Author {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub unit: String,
}

impl Author {
    pub fn of(actor: &crate::auth::Actor) -> Self {
        Self {
            id: actor.id,
            name: actor.display_name.clone(),
            role: actor.role,
            unit: actor.unit_name.clone(),
        }
    }
}

/// A new ticket and its `created` entry.
pub struct Create {
    pub ticket: NewTicket,
    pub by: Author,
}

/// A move of a ticket from one (state, assignee) to another, if nobody moved it meanwhile.
pub struct Transition {
    pub ticket: i64,
    pub by: Author,
    pub from: (TicketState, Option<i64>),
    pub to: (TicketState, Option<i64>),
    /// A new expert group to answer it (`Some(None)` clears it); `None` leaves it as it is.
    pub group: Option<Option<i64>>,
    pub kind: EventKind,
    pub body: String,
}

/// A chat message, already checked for permission and content by the caller.
pub struct Message {
    pub ticket: i64,
    pub by: Author,
    /// The clerk's side: an answer to "waiting for you" hands the ticket back.
    pub requester: bool,
    /// An internal note rather than a message to the other side.
    pub internal: bool,
    pub text: String,
    pub client_id: Option<String>,
    /// An uploaded file of the sender's, by content hash.
    pub file: Option<String>,
}

/// One escalation step of a flag: told to `notified`, recorded once. Refused as stale if the
/// flag no longer stands as set at `since`.
pub struct Escalate {
    pub ticket: i64,
    pub flag: Flag,
    pub since: Millis,
    pub step: i64,
    /// The unit whose supervisors are told (none for the handler's step).
    pub unit_id: Option<i64>,
    pub notified: Vec<i64>,
    /// The log text: whom it went to.
    pub body: String,
    /// The next step's job: when, and its payload.
    pub next: Option<(Millis, String)>,
}

/// The clerk's rating of a resolved ticket; a bad one opens a review.
pub struct Rate {
    pub ticket: i64,
    pub by: Author,
    pub score: Score,
    pub comment: String,
}

pub enum Change {
    Create(Create),
    Transition(Transition),
    Message(Message),
    /// Look at a ticket's flags again: time has passed.
    Review(i64),
    Escalate(Escalate),
    Rate(Rate),
}

impl Change {
    /// The existing ticket this change touches.
    pub(super) fn ticket(&self) -> Option<i64> {
        match self {
            Change::Create(_) => None,
            Change::Transition(t) => Some(t.ticket),
            Change::Message(m) => Some(m.ticket),
            Change::Review(id) => Some(*id),
            Change::Escalate(e) => Some(e.ticket),
            Change::Rate(r) => Some(r.ticket),
        }
    }

    pub(super) fn client_key(&self) -> Option<sql::ClientKey> {
        match self {
            Change::Message(m) => m.client_id.clone().map(|c| (m.ticket, m.by.id, c)),
            _ => None,
        }
    }
}

/// What a committed change answers: the ticket as it now is, or a message's seq.
#[derive(Debug)]
pub enum Done {
    Ticket(Box<Ticket>),
    Posted(Posted),
    /// Nothing needed writing (a step already recorded, flags unchanged).
    Nothing,
}
