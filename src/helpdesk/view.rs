//! What the help desk shows the outside world — over HTTP and in live frames — as types of
//! their own, so a column added to a table changes nothing on the wire by accident.

use super::allowed::{Action, Part};
use super::repo::{Ticket, TicketEvent};
use super::ticket::{Difficulty, EventKind, TicketKind, TicketState};
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
    /// What the person receiving this may do with the ticket now (`allowed`).
    pub actions: Vec<Action>,
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
            actions: part.actions(t.state),
        }
    }
}

/// One entry of a ticket's ordered log.
#[derive(Clone, Debug, Serialize)]
pub struct EntryView {
    pub ticket_id: i64,
    pub seq: i64,
    pub kind: EventKind,
    pub actor_id: i64,
    pub actor_name: String,
    /// What the author is: the clerk's side, an expert, a supervisor …
    pub actor_role: Role,
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
}

impl ChangeFrame<'_> {
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("frames always serialise")
    }
}
