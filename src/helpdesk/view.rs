//! What the help desk shows the outside world — over HTTP and in live frames — as types of
//! their own, so a column added to a table changes nothing on the wire by accident.

use super::allowed::{Action, Part};
use super::repo::{Ticket, TicketEvent};
use super::sla::{Clocks, Flag, WaitingOn};
use super::ticket::{Difficulty, EventKind, Score, TicketKind, TicketState};
use crate::auth::Actor;
use crate::clock::Millis;
use crate::org::{Role, Specialty};
use serde::Serialize;

/// A ticket as clients see it.
#[derive(Clone, Debug, Serialize)]
pub struct TicketView {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub creator_id: i64,
    pub creator_name: String,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    /// The expert group it was transferred to, whose queue it waits in.
    pub group_id: Option<i64>,
    pub group_name: Option<String>,
    pub item_code: String,
    pub kind: TicketKind,
    pub specialty: Specialty,
    pub difficulty: Difficulty,
    pub title: String,
    /// The clerk's description: in the ticket itself and its snapshot, not in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    pub state: TicketState,
    pub last_seq: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Its service level: the policy it was raised under, its deadlines and the flags standing.
    pub service: ServiceView,
    /// The clerk's rating, once given.
    pub rating: Option<Score>,
    /// What the person receiving this may do with the ticket now (`allowed`).
    pub actions: Vec<Action>,
}

/// A ticket's service level as clients see it.
#[derive(Clone, Debug, Serialize)]
pub struct ServiceView {
    /// The policy recorded when it was raised: tier, respond_minutes, resolve ("end_of_day"
    /// or "hours"), hours, at_least_minutes, time_zone.
    pub policy: serde_json::Value,
    /// First response (a claim) due.
    pub respond_by: Option<Millis>,
    /// Resolution due, as it stood when the ticket last changed; while it waits for the clerk
    /// the deadline moves on by the time since `paused_since`.
    pub due_at: Option<Millis>,
    pub paused_since: Option<Millis>,
    pub waiting_on: Option<WaitingOn>,
    /// The flags standing: unhandled, late, dragging, stuck, each since when.
    pub flags: Vec<FlagView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FlagView {
    pub flag: Flag,
    pub since: Millis,
}

impl ServiceView {
    fn of(policy: &str, c: &Clocks) -> Self {
        let paused = c.waiting_on == Some(WaitingOn::Clerk);
        Self {
            policy: serde_json::from_str(policy).unwrap_or(serde_json::Value::Null),
            respond_by: c.respond_by,
            due_at: c.due_at,
            paused_since: if paused { c.waiting_since } else { None },
            waiting_on: c.waiting_on,
            flags: c
                .flags
                .0
                .iter()
                .map(|(flag, since)| FlagView {
                    flag: *flag,
                    since: *since,
                })
                .collect(),
        }
    }
}

impl TicketView {
    /// The whole ticket, as `actor` may act on it.
    pub fn full(t: &Ticket, actor: &Actor) -> Self {
        Self::build(t, Some(t.body.clone()), Part::of(actor, &t.scope()))
    }

    /// The ticket for a list or a queue: everything but the description, so that a list of
    /// hundreds stays small.
    pub fn summary(t: &Ticket, actor: &Actor) -> Self {
        Self::build(t, None, Part::of(actor, &t.scope()))
    }

    /// The summary as someone with `part` in the ticket receives it.
    pub fn summary_for(t: &Ticket, part: Part) -> Self {
        Self::build(t, None, part)
    }

    fn build(t: &Ticket, body: Option<String>, part: Part) -> Self {
        Self {
            id: t.id,
            unit_id: t.unit_id,
            unit_name: t.unit_name.clone(),
            creator_id: t.creator_id,
            creator_name: t.creator_name.clone(),
            assignee_id: t.assignee_id,
            assignee_name: t.assignee_name.clone(),
            group_id: t.group_id,
            group_name: t.group_name.clone(),
            item_code: t.item_code.clone(),
            kind: t.kind,
            specialty: t.specialty,
            difficulty: t.difficulty,
            title: t.title.clone(),
            body,
            state: t.state,
            last_seq: t.last_seq,
            created_at: t.created_at,
            updated_at: t.updated_at,
            service: ServiceView::of(&t.sla, &t.clocks),
            rating: t.rating,
            actions: part.actions(t.state, t.rating.is_some()),
        }
    }
}

/// One entry of a ticket's ordered log.
#[derive(Clone, Debug, Serialize)]
pub struct EntryView {
    pub ticket_id: i64,
    pub seq: i64,
    pub kind: EventKind,
    /// `None` (and an empty name) for what the system writes: a flag set, an escalation step.
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// What the author is: the clerk's side, an expert, a supervisor …
    pub actor_role: Option<Role>,
    /// The author's unit.
    pub actor_unit: String,
    pub body: String,
    pub client_id: Option<String>,
    /// Content hash of an attached screenshot or document (`GET /api/files/{hash}`).
    pub file: Option<String>,
    pub at: Millis,
}

impl From<&TicketEvent> for EntryView {
    fn from(e: &TicketEvent) -> Self {
        Self {
            ticket_id: e.ticket_id,
            seq: e.seq,
            kind: e.kind,
            actor_id: e.actor_id,
            actor_name: e.actor_name.clone(),
            actor_role: e.actor_role,
            actor_unit: e.actor_unit.clone(),
            body: e.body.clone(),
            client_id: e.client_id.clone(),
            file: e.file.clone(),
            at: e.at,
        }
    }
}

/// The live frames the help desk publishes (docs/protocol.md, "Server frames").
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChangeFrame<'a> {
    /// A ticket as it is now, to queues and followers that may see it.
    Ticket { ticket: &'a TicketView },
    /// A ticket that left this queue's sight (transferred elsewhere, say).
    TicketRemoved { ticket: i64 },
    /// A new entry of a followed ticket's log.
    Event { event: &'a EntryView },
    /// To a person an escalation step told: the ticket, and the step's entry body.
    Notice {
        ticket: i64,
        title: &'a str,
        body: &'a str,
    },
}

impl ChangeFrame<'_> {
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("frames always serialise")
    }
}
