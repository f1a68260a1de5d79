//! Presence and typing: who of a ticket's people is on duty, online, away or gone, told to the
//! connections that follow their tickets; and the "typing" hint, relayed and never stored.

use super::{deliver, ConnId, Hub, Inner, Outbound};
use crate::http::metrics::Metrics;
use crate::live::protocol::{Presence, PresenceStatus, ServerFrame};
use axum::extract::ws::Utf8Bytes;
use std::collections::HashSet;

impl Hub {
    /// Sets the user's presence (for all their connections) and tells who follows them.
    pub fn set_status(&self, user: i64, status: PresenceStatus) {
        let mut inner = self.lock();
        let Some(p) = inner.users.get_mut(&user) else {
            return;
        };
        if p.status == status {
            return;
        }
        p.status = status;
        tell_followers(&inner, user, status, &self.metrics);
    }

    pub fn presence_of(&self, users: &[i64]) -> Vec<Presence> {
        let inner = self.lock();
        users
            .iter()
            .map(|u| match inner.users.get(u) {
                Some(p) => Presence {
                    user_id: *u,
                    name: p.name.clone(),
                    status: p.status,
                },
                None => Presence {
                    user_id: *u,
                    name: String::new(),
                    status: PresenceStatus::Offline,
                },
            })
            .collect()
    }

    /// Relays "typing" to the ticket's other followers. False if the sender does not follow it.
    pub fn typing(&self, id: ConnId, ticket: i64) -> bool {
        let inner = self.lock();
        let Some(sender) = inner.conns.get(&id) else {
            return false;
        };
        if !sender.tickets.contains(&ticket) {
            return false;
        }
        let frame = ServerFrame::Typing {
            ticket,
            user_id: sender.actor.id,
            name: sender.actor.display_name.clone(),
        };
        let text: Utf8Bytes = frame.to_text().into();
        for cid in inner.ticket_subs.get(&ticket).into_iter().flatten() {
            match inner.conns.get(cid) {
                // Typing is a hint: when a queue is full it is simply not sent.
                Some(c) if c.actor.id != sender.actor.id => {
                    let _ = c.tx.try_send(Outbound::Frame(text.clone()));
                }
                _ => {}
            }
        }
        true
    }
}

/// Tells the followers of every ticket that `user` raised or handles about their presence.
pub(super) fn tell_followers(inner: &Inner, user: i64, status: PresenceStatus, metrics: &Metrics) {
    let name = inner
        .users
        .get(&user)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let text: Utf8Bytes = ServerFrame::Presence(Presence {
        user_id: user,
        name,
        status,
    })
    .to_text()
    .into();
    let mut targets = HashSet::new();
    for (ticket, scope) in &inner.scopes {
        if scope.creator_id == user || scope.assignee_id == Some(user) {
            targets.extend(inner.ticket_subs.get(ticket).into_iter().flatten().copied());
        }
    }
    for cid in targets {
        if let Some(c) = inner.conns.get(&cid) {
            if c.actor.id != user {
                deliver(c, Outbound::Frame(text.clone()), metrics);
            }
        }
    }
}
