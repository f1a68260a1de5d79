//! The hub: which connection follows which ticket and queue, who is present, and the fan-out
//! of every committed change to the connections entitled to see it. Each connection has a
//! bounded queue; a connection whose queue is full is told to close (4008) instead of growing.

use super::protocol::{close, PresenceStatus, ServerFrame};
use crate::auth::jurisdiction::may_see;
use crate::auth::{Actor, Scope};
use crate::helpdesk::repo::{Ticket, TicketEvent};
use crate::helpdesk::ticket::{EventKind, TicketState};
use crate::http::metrics::Metrics;
use crate::org::Role;
use axum::extract::ws::Utf8Bytes;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{mpsc, Notify};

mod presence;

pub type ConnId = u64;

/// What a connection's writer is handed.
#[derive(Debug)]
pub enum Outbound {
    /// A frame to send as it is.
    Frame(Utf8Bytes),
    /// An entry of a ticket's log: sent once, in seq order, after that ticket's snapshot.
    Event {
        ticket: i64,
        seq: i64,
        text: Utf8Bytes,
    },
    /// Marks the start of a `subscribe`: hold this ticket's events until its snapshot is sent.
    Pending { ticket: i64 },
    /// One page of the reply to `subscribe`: the log up to `upto`; the last page is `complete`.
    Snapshot {
        ticket: i64,
        upto: i64,
        complete: bool,
        text: Utf8Bytes,
    },
    /// Close the socket with this code and reason.
    Close(u16, &'static str),
}

struct Conn {
    actor: Arc<Actor>,
    tx: mpsc::Sender<Outbound>,
    kill: Arc<Notify>,
    queue: bool,
    tickets: HashSet<i64>,
}

struct UserPresence {
    name: String,
    connections: usize,
    status: PresenceStatus,
}

#[derive(Default)]
struct Inner {
    next_id: ConnId,
    conns: HashMap<ConnId, Conn>,
    ticket_subs: HashMap<i64, HashSet<ConnId>>,
    /// The latest scope of each followed ticket, for typing and presence.
    scopes: HashMap<i64, Scope>,
    users: HashMap<i64, UserPresence>,
}

const ORDER_STRIPES: usize = 64;

pub struct Hub {
    inner: Mutex<Inner>,
    order: Vec<tokio::sync::Mutex<()>>,
    metrics: Arc<Metrics>,
    stopping: tokio::sync::watch::Sender<bool>,
}

impl Hub {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            order: (0..ORDER_STRIPES)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
            metrics,
            stopping: tokio::sync::watch::Sender::new(false),
        }
    }

    /// Closes the sockets opened with this session (signed out): code 4003.
    pub fn close_session(&self, session: &str) {
        let inner = self.lock();
        for c in inner.conns.values().filter(|c| c.actor.session == session) {
            if c.tx
                .try_send(Outbound::Close(close::SIGNED_OUT, "signed out"))
                .is_err()
            {
                c.kill.notify_one();
            }
        }
    }

    /// Tells every connection that the server is going away (they close with 1001).
    pub fn shut_down(&self) {
        self.stopping.send_replace(true);
    }

    /// Completes when the server starts shutting down.
    pub fn stopping(&self) -> tokio::sync::watch::Receiver<bool> {
        self.stopping.subscribe()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain maps behind; carry on with them.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Held from before a ticket's log is appended until the change is published, so events
    /// of one ticket reach the connections in seq order.
    pub fn order_lock(&self, ticket: i64) -> &tokio::sync::Mutex<()> {
        let stripe = usize::try_from(ticket.rem_euclid(ORDER_STRIPES as i64)).unwrap_or(0);
        &self.order[stripe]
    }

    /// The order locks of several tickets, taken in one fixed order so that callers never
    /// wait on each other in a circle.
    pub async fn order_locks(&self, tickets: &[i64]) -> Vec<tokio::sync::MutexGuard<'_, ()>> {
        let mut stripes: Vec<usize> = tickets
            .iter()
            .map(|t| usize::try_from(t.rem_euclid(ORDER_STRIPES as i64)).unwrap_or(0))
            .collect();
        stripes.sort_unstable();
        stripes.dedup();
        let mut guards = Vec::with_capacity(stripes.len());
        for s in stripes {
            guards.push(self.order[s].lock().await);
        }
        guards
    }

    pub fn register(
        &self,
        actor: Arc<Actor>,
        tx: mpsc::Sender<Outbound>,
        kill: Arc<Notify>,
    ) -> ConnId {
        let mut inner = self.lock();
        inner.next_id += 1;
        let id = inner.next_id;
        let user = actor.id;
        let default_status = if actor.role == Role::Expert {
            PresenceStatus::OnDuty
        } else {
            PresenceStatus::Online
        };
        let entry = inner.users.entry(user).or_insert_with(|| UserPresence {
            name: actor.display_name.clone(),
            connections: 0,
            status: default_status,
        });
        entry.connections += 1;
        let first = entry.connections == 1;
        let status = entry.status;
        inner.conns.insert(
            id,
            Conn {
                actor,
                tx,
                kill,
                queue: false,
                tickets: HashSet::new(),
            },
        );
        self.metrics.live_connections.inc();
        if first {
            presence::tell_followers(&inner, user, status, &self.metrics);
        }
        id
    }

    pub fn unregister(&self, id: ConnId) {
        let mut inner = self.lock();
        let Some(conn) = inner.conns.remove(&id) else {
            return;
        };
        self.metrics.live_connections.dec();
        for t in &conn.tickets {
            unfollow(&mut inner, id, *t);
        }
        let user = conn.actor.id;
        let gone = match inner.users.get_mut(&user) {
            Some(p) => {
                p.connections -= 1;
                p.connections == 0
            }
            None => false,
        };
        if gone {
            inner.users.remove(&user);
            presence::tell_followers(&inner, user, PresenceStatus::Offline, &self.metrics);
        }
    }

    pub fn follow_queue(&self, id: ConnId) {
        if let Some(c) = self.lock().conns.get_mut(&id) {
            c.queue = true;
        }
    }

    /// From now on the connection receives the ticket's live events.
    pub fn follow_ticket(&self, id: ConnId, scope: Scope, ticket: i64) {
        let mut inner = self.lock();
        let Some(c) = inner.conns.get_mut(&id) else {
            return;
        };
        c.tickets.insert(ticket);
        inner.ticket_subs.entry(ticket).or_default().insert(id);
        inner.scopes.insert(ticket, scope);
    }

    pub fn unfollow_ticket(&self, id: ConnId, ticket: i64) {
        let mut inner = self.lock();
        if let Some(c) = inner.conns.get_mut(&id) {
            c.tickets.remove(&ticket);
        }
        unfollow(&mut inner, id, ticket);
    }

    /// Delivers a committed change: `ticket` as it is now, the log entries it gained, and the
    /// scope it had before (so queues that lose sight of it are told to drop it).
    pub fn publish(&self, ticket: &Ticket, events: &[TicketEvent], before: Option<&Scope>) {
        let scope = ticket.scope();
        let changed = events.iter().any(|e| e.kind != EventKind::Message);
        let texts: Vec<(i64, Utf8Bytes)> = events
            .iter()
            .map(|e| {
                (
                    e.seq,
                    ServerFrame::Event { event: e.clone() }.to_text().into(),
                )
            })
            .collect();
        let mut inner = self.lock();
        if inner.scopes.contains_key(&ticket.id) {
            inner.scopes.insert(ticket.id, scope.clone());
        }
        let mut outbox: Vec<(ConnId, Outbound)> = Vec::new();
        if changed {
            let frame: Utf8Bytes = ServerFrame::Ticket {
                ticket: ticket.clone(),
            }
            .to_text()
            .into();
            let removed: Utf8Bytes = ServerFrame::TicketRemoved { ticket: ticket.id }
                .to_text()
                .into();
            for (cid, c) in &inner.conns {
                let follows = c.tickets.contains(&ticket.id);
                if !c.queue && !follows {
                    continue;
                }
                if may_see(&c.actor, &scope) && (follows || routed(&inner, c, ticket)) {
                    outbox.push((*cid, Outbound::Frame(frame.clone())));
                } else if c.queue && before.is_some_and(|b| may_see(&c.actor, b)) {
                    outbox.push((*cid, Outbound::Frame(removed.clone())));
                }
            }
        }
        if let Some(subs) = inner.ticket_subs.get(&ticket.id) {
            for cid in subs {
                let Some(c) = inner.conns.get(cid) else {
                    continue;
                };
                if !may_see(&c.actor, &scope) {
                    continue;
                }
                for (seq, text) in &texts {
                    outbox.push((
                        *cid,
                        Outbound::Event {
                            ticket: ticket.id,
                            seq: *seq,
                            text: text.clone(),
                        },
                    ));
                }
            }
        }
        for (cid, out) in outbox {
            if let Some(c) = inner.conns.get(&cid) {
                deliver(c, out, &self.metrics);
            }
        }
        // Followers learn whether a newly assigned expert is there.
        if let (Some(b), Some(assignee)) = (before, scope.assignee_id) {
            if b.assignee_id != Some(assignee) {
                let status = inner
                    .users
                    .get(&assignee)
                    .map_or(PresenceStatus::Offline, |p| p.status);
                presence::tell_followers(&inner, assignee, status, &self.metrics);
            }
        }
    }
}

/// A new ticket reaches an expert's queue only while they are on duty.
fn routed(inner: &Inner, c: &Conn, ticket: &Ticket) -> bool {
    if ticket.state != TicketState::New || c.actor.role != Role::Expert {
        return true;
    }
    inner
        .users
        .get(&c.actor.id)
        .is_some_and(|p| p.status == PresenceStatus::OnDuty)
}

fn unfollow(inner: &mut Inner, id: ConnId, ticket: i64) {
    if let Some(subs) = inner.ticket_subs.get_mut(&ticket) {
        subs.remove(&id);
        if subs.is_empty() {
            inner.ticket_subs.remove(&ticket);
            inner.scopes.remove(&ticket);
        }
    }
}

fn deliver(c: &Conn, out: Outbound, metrics: &Metrics) {
    match c.tx.try_send(out) {
        Ok(()) => {}
        Err(mpsc::error::TrySendError::Full(_)) => {
            metrics.slow_disconnects.inc();
            c.kill.notify_one();
        }
        // The connection is closing; its unregister is on the way.
        Err(mpsc::error::TrySendError::Closed(_)) => {}
    }
}
