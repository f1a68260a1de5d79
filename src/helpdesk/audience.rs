//! Who receives what of a ticket's change, decided here and nowhere else. A ticket's log goes
//! out on its own topic to those who may see the ticket; the ticket itself goes to the queue of
//! everyone who may see it — a new one only to experts on duty, the routing rule — and a queue
//! that loses sight of a ticket is told to drop it.

use super::allowed::{reads_notes, Action, Part};
use super::journal::group::Touched;
use super::repo::Ticket;
use super::ticket::EventKind;
use super::ticket::TicketState;
use super::view::{ChangeFrame, TicketView};
use crate::auth::jurisdiction::may_see;
use crate::auth::{user_topic, Actor, Event, Scope, Viewer};
use crate::events::{Audience, Payload, Topic};
use crate::org::Role;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The topic of one ticket: its log, and the ticket as it changes.
pub fn ticket_topic(id: i64) -> Topic {
    Topic::new(format!("ticket/{id}"))
}

/// The topic of every ticket's changes, filtered per receiver: the work queues.
pub fn queue_topic() -> Topic {
    Topic::new("queue")
}

/// The people a ticket's followers see the presence of: its clerk and its expert.
pub fn people(scope: &Scope) -> Vec<i64> {
    let mut people = vec![scope.creator_id];
    people.extend(scope.assignee_id);
    people
}

/// Experts take new work from the moment they connect, until they say otherwise.
pub fn starts_on_duty(actor: &Actor) -> bool {
    actor.role == Role::Expert
}

/// May see the ticket, and — for a new one in an expert's queue — is taking new work.
pub fn routed(viewer: &Viewer, scope: &Scope, state: TicketState) -> bool {
    let taking_new = state != TicketState::New || viewer.actor.role != Role::Expert;
    may_see(&viewer.actor, scope) && (taking_new || viewer.on_duty)
}

fn seeing(scope: Scope) -> Audience<Viewer> {
    Arc::new(move |v: &Viewer| may_see(&v.actor, &scope))
}

/// Internal notes: those who see the ticket, but not the clerk's side.
fn staff_seeing(scope: Scope) -> Audience<Viewer> {
    Arc::new(move |v: &Viewer| may_see(&v.actor, &scope) && reads_notes(&v.actor))
}

/// A changed ticket: to its followers, to the queues it is routed to, and "removed" to the
/// queues that saw it before and no longer do. Each receiver gets the ticket with what they
/// may do with it: one frame per distinct list of actions, to those whose part gives that list.
fn ticket_events(id: i64, ticket: &Ticket, scope: &Scope, before: Option<Scope>) -> Vec<Event> {
    let (state, rated) = (ticket.state, ticket.rating.is_some());
    let mut out = Vec::new();
    let mut lists: Vec<Vec<Action>> = Vec::new();
    for part in Part::all() {
        let actions = part.actions(state, rated);
        if lists.contains(&actions) {
            continue;
        }
        let view = TicketView::summary_for(ticket, part);
        let shown = frame(ChangeFrame::Ticket { ticket: &view });
        let (now, list) = (scope.clone(), actions.clone());
        let same = move |v: &Viewer| Part::of(&v.actor, &now).actions(state, rated) == list;
        let (now, same) = (scope.clone(), Arc::new(same));
        let follows = same.clone();
        let followers: Audience<Viewer> =
            Arc::new(move |v: &Viewer| may_see(&v.actor, &now) && follows(v));
        out.push(Event::new(ticket_topic(id), followers, shown.clone()).concerning(&people(scope)));
        let now = scope.clone();
        let queue: Audience<Viewer> = Arc::new(move |v: &Viewer| routed(v, &now, state) && same(v));
        out.push(Event::new(queue_topic(), queue, shown));
        lists.push(actions);
    }
    if let Some(before) = before {
        let now = scope.clone();
        let gone: Audience<Viewer> =
            Arc::new(move |v: &Viewer| may_see(&v.actor, &before) && !routed(v, &now, state));
        let removed = frame(ChangeFrame::TicketRemoved { ticket: id });
        out.push(Event::new(queue_topic(), gone, removed));
    }
    out
}

fn frame(f: ChangeFrame<'_>) -> Payload {
    Payload::Frame(f.to_text().into())
}

/// The events of a committed group, ticket by ticket, each ticket's entries in seq order.
pub fn events(touched: &BTreeMap<i64, Touched>) -> Vec<Event> {
    let mut out = Vec::new();
    for (id, t) in touched {
        let topic = ticket_topic(*id);
        let scope = t.head.scope();
        // The ticket as it now is goes first, then the log entries that made it so.
        if let Some(ticket) = &t.ticket {
            out.extend(ticket_events(*id, ticket, &scope, t.before.clone()));
        }
        for entry in &t.entries {
            let payload = frame(ChangeFrame::Event { event: entry });
            let audience = match entry.kind {
                EventKind::Note => staff_seeing(scope.clone()),
                _ => seeing(scope.clone()),
            };
            out.push(Event::new(topic.clone(), audience, payload).ordered(entry.seq));
        }
        out.extend(notices(*id, t));
    }
    out
}

/// An escalation step's notice, to each person it told, on their own topic.
fn notices(id: i64, t: &Touched) -> Vec<Event> {
    let step = t
        .entries
        .iter()
        .rev()
        .find(|e| e.kind == EventKind::Escalated);
    let (Some(step), Some(ticket)) = (step, &t.ticket) else {
        return Vec::new();
    };
    let notice = ChangeFrame::Notice {
        ticket: id,
        title: &ticket.title,
        body: &step.body,
    };
    let payload = frame(notice);
    t.notified
        .iter()
        .map(|person| {
            let person = *person;
            let to: Audience<Viewer> = Arc::new(move |v: &Viewer| v.actor.id == person);
            Event::new(user_topic(person), to, payload.clone())
        })
        .collect()
}
