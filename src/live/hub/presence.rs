//! Presence and typing: who of a topic's people is on duty, online, away or gone, told to the
//! connections that follow the topics about them; and hints such as "typing", relayed and
//! never stored.

use super::{ConnId, Hub, Inner, Outbound};
use crate::events::Topic;
use crate::live::protocol::{Presence, PresenceStatus, ServerFrame};
use axum::extract::ws::Utf8Bytes;
use std::collections::HashSet;
use std::sync::Arc;

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
        for c in inner.conns.values_mut() {
            if c.viewer.actor.id == user {
                c.viewer.on_duty = status == PresenceStatus::OnDuty;
            }
        }
        tell_followers(&inner, user, status);
    }

    pub fn presence_of(&self, users: &[i64]) -> Vec<Presence> {
        let inner = self.lock();
        users.iter().map(|u| presence(&inner, *u)).collect()
    }

    /// Relays a hint (typing) to the topic's other followers, never stored and dropped for
    /// a full queue. False if the sender does not follow the topic.
    pub fn relay(&self, id: ConnId, topic: &Topic, text: Utf8Bytes) -> bool {
        let inner = self.lock();
        let Some(sender) = inner.conns.get(&id) else {
            return false;
        };
        if !sender.topics.contains(topic) {
            return false;
        }
        for cid in inner.subs.get(topic).into_iter().flatten() {
            match inner.conns.get(cid) {
                Some(c) if c.viewer.actor.id != sender.viewer.actor.id => {
                    let _ = c.tx.try_send(Outbound::Frame(text.clone()));
                }
                _ => {}
            }
        }
        true
    }
}

fn presence(inner: &Inner, user: i64) -> Presence {
    match inner.users.get(&user) {
        Some(p) => Presence {
            user_id: user,
            name: p.name.clone(),
            status: p.status,
        },
        None => Presence {
            user_id: user,
            name: String::new(),
            status: PresenceStatus::Offline,
        },
    }
}

/// The topic is about `people` from now on; its followers learn the presence of newcomers.
pub(super) fn concern(inner: &mut Inner, topic: &Topic, people: Arc<[i64]>) {
    if !inner.subs.contains_key(topic) {
        return;
    }
    let before = inner.concerns.insert(topic.clone(), people.clone());
    let known: HashSet<i64> = before.iter().flat_map(|b| b.iter().copied()).collect();
    for user in people.iter().filter(|u| !known.contains(u)) {
        let text = presence_frame(presence(inner, *user));
        send_to_followers(inner, std::slice::from_ref(topic), *user, &text);
    }
}

/// Tells the followers of every topic about `user` of their presence.
pub(super) fn tell_followers(inner: &Inner, user: i64, status: PresenceStatus) {
    let mut p = presence(inner, user);
    p.status = status;
    let text = presence_frame(p);
    let topics: Vec<Topic> = inner
        .concerns
        .iter()
        .filter(|(_, people)| people.contains(&user))
        .map(|(t, _)| t.clone())
        .collect();
    send_to_followers(inner, &topics, user, &text);
}

fn presence_frame(p: Presence) -> Utf8Bytes {
    ServerFrame::Presence(p).to_text().into()
}

fn send_to_followers(inner: &Inner, topics: &[Topic], user: i64, text: &Utf8Bytes) {
    let targets: HashSet<ConnId> = topics
        .iter()
        .flat_map(|t| inner.subs.get(t).into_iter().flatten().copied())
        .collect();
    for cid in targets {
        if let Some(c) = inner.conns.get(&cid) {
            if c.viewer.actor.id != user {
                let _ = c.tx.try_send(Outbound::Frame(text.clone()));
            }
        }
    }
}
