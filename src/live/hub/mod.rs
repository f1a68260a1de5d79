//! The hub: a topic router. Connections subscribe to topics; each event from the bus goes to
//! the subscribers of its topic whose viewer is in the event's audience — the capability that
//! published it decided who that is. The hub also knows who is connected (presence) and relays
//! typing. Each connection has a bounded queue; a connection whose queue is full is told to
//! close (4008) instead of growing.

use super::metrics::LiveMetrics;
use super::protocol::PresenceStatus;
use crate::auth::{Actor, Event, Viewer, SIGNED_OUT};
use crate::clock::Clock;
use crate::events::{Payload, Topic};
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
    /// A change published on a topic: held, like its entries, while the topic's snapshot is
    /// being sent.
    Change { topic: Topic, text: Utf8Bytes },
    /// An entry of an ordered topic: sent once, in seq order, after that topic's snapshot.
    Event {
        topic: Topic,
        seq: i64,
        text: Utf8Bytes,
    },
    /// Marks the start of a snapshot: hold this topic's events until the snapshot is sent.
    Pending { topic: Topic },
    /// One page of a snapshot: the log up to `upto`; the last page is `complete`.
    Snapshot {
        topic: Topic,
        upto: i64,
        complete: bool,
        text: Utf8Bytes,
    },
    /// Close the socket with this code and reason.
    Close(u16, &'static str),
}

struct Conn {
    viewer: Viewer,
    tx: mpsc::Sender<Outbound>,
    kill: Arc<Notify>,
    topics: HashSet<Topic>,
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
    subs: HashMap<Topic, HashSet<ConnId>>,
    /// The people each followed topic is about, for presence.
    concerns: HashMap<Topic, Arc<[i64]>>,
    users: HashMap<i64, UserPresence>,
}

pub struct Hub {
    inner: Mutex<Inner>,
    clock: Arc<dyn Clock>,
    metrics: Arc<LiveMetrics>,
    stopping: tokio::sync::watch::Sender<bool>,
}

impl Hub {
    pub fn new(metrics: Arc<LiveMetrics>, clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            clock,
            metrics,
            stopping: tokio::sync::watch::Sender::new(false),
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

    /// Adds a connection of `actor`; `status` is their presence if this is their first.
    /// `None` when the person has `max_per_person` open already.
    pub fn register(
        &self,
        actor: Arc<Actor>,
        status: PresenceStatus,
        tx: mpsc::Sender<Outbound>,
        kill: Arc<Notify>,
        max_per_person: usize,
    ) -> Option<ConnId> {
        let mut inner = self.lock();
        let open = inner.users.get(&actor.id).map_or(0, |p| p.connections);
        if open >= max_per_person.max(1) {
            return None;
        }
        inner.next_id += 1;
        let id = inner.next_id;
        let user = actor.id;
        let entry = inner.users.entry(user).or_insert_with(|| UserPresence {
            name: actor.display_name.clone(),
            connections: 0,
            status,
        });
        entry.connections += 1;
        let first = entry.connections == 1;
        let status = entry.status;
        let viewer = Viewer {
            actor,
            on_duty: status == PresenceStatus::OnDuty,
        };
        let conn = Conn {
            viewer,
            tx,
            kill,
            topics: HashSet::new(),
        };
        inner.conns.insert(id, conn);
        self.metrics.connections.inc();
        if first {
            presence::tell_followers(&inner, user, status);
        }
        Some(id)
    }

    pub fn unregister(&self, id: ConnId) {
        let mut inner = self.lock();
        let Some(conn) = inner.conns.remove(&id) else {
            return;
        };
        self.metrics.connections.dec();
        for t in &conn.topics {
            unfollow(&mut inner, id, t);
        }
        let user = conn.viewer.actor.id;
        let gone = match inner.users.get_mut(&user) {
            Some(p) => {
                p.connections -= 1;
                p.connections == 0
            }
            None => false,
        };
        if gone {
            inner.users.remove(&user);
            presence::tell_followers(&inner, user, PresenceStatus::Offline);
        }
    }

    /// From now on the connection receives the topic's events; `concerns` names the people
    /// the topic is about, whose presence its followers see.
    pub fn follow(&self, id: ConnId, topic: Topic, concerns: Option<&[i64]>) {
        let mut inner = self.lock();
        let Some(c) = inner.conns.get_mut(&id) else {
            return;
        };
        c.topics.insert(topic.clone());
        if let Some(people) = concerns {
            inner.concerns.insert(topic.clone(), people.into());
        }
        inner.subs.entry(topic).or_default().insert(id);
    }

    pub fn unfollow(&self, id: ConnId, topic: &Topic) {
        let mut inner = self.lock();
        if let Some(c) = inner.conns.get_mut(&id) {
            c.topics.remove(topic);
        }
        unfollow(&mut inner, id, topic);
    }

    /// Delivers committed events, in order, to the subscribers in each event's audience. A
    /// connection gets one payload once even when it follows two of the topics it went to.
    pub fn deliver(&self, events: &[Event]) {
        let now = self.clock.now();
        let mut inner = self.lock();
        let mut sent: HashSet<(ConnId, *const u8)> = HashSet::new();
        for event in events {
            if let Some(people) = &event.concerns {
                presence::concern(&mut inner, &event.topic, people.clone());
            }
            let Some(subs) = inner.subs.get(&event.topic) else {
                continue;
            };
            // Serialised once per event; every connection shares the bytes.
            let text = match &event.payload {
                Payload::Frame(text) => Some((Utf8Bytes::from(text.to_string()), text.as_ptr())),
                Payload::Close { .. } => None,
            };
            for cid in subs {
                let Some(c) = inner.conns.get(cid) else {
                    continue;
                };
                if c.viewer.actor.expires_at <= now {
                    // An expired session hears nothing more; its socket is told to go.
                    let _ =
                        c.tx.try_send(Outbound::Close(SIGNED_OUT, "session expired"));
                    continue;
                }
                if !(event.audience)(&c.viewer) {
                    continue;
                }
                let out = match (&event.payload, &text) {
                    (Payload::Frame(_), Some((text, key))) => {
                        if !sent.insert((*cid, *key)) {
                            continue;
                        }
                        match event.seq {
                            Some(seq) => Outbound::Event {
                                topic: event.topic.clone(),
                                seq,
                                text: text.clone(),
                            },
                            None => Outbound::Change {
                                topic: event.topic.clone(),
                                text: text.clone(),
                            },
                        }
                    }
                    (Payload::Close { code, reason }, _) => Outbound::Close(*code, reason),
                    (Payload::Frame(_), None) => continue,
                };
                deliver(c, out, &self.metrics);
            }
        }
    }
}

fn unfollow(inner: &mut Inner, id: ConnId, topic: &Topic) {
    if let Some(subs) = inner.subs.get_mut(topic) {
        subs.remove(&id);
        if subs.is_empty() {
            inner.subs.remove(topic);
            inner.concerns.remove(topic);
        }
    }
}

fn deliver(c: &Conn, out: Outbound, metrics: &LiveMetrics) {
    let closing = matches!(out, Outbound::Close(..));
    match c.tx.try_send(out) {
        Ok(()) => {}
        Err(mpsc::error::TrySendError::Full(_)) => {
            if !closing {
                metrics.slow_disconnects.inc();
            }
            c.kill.notify_one();
        }
        // The connection is closing; its unregister is on the way.
        Err(mpsc::error::TrySendError::Closed(_)) => {}
    }
}
