//! The send half of a connection: drains the connection's bounded queue into the socket,
//! keeps each ordered topic's events in seq order behind its snapshot, pings on the heartbeat, and
//! closes with 4008 when the hub reports the queue full or 4009 when the peer went quiet.

use super::hub::Outbound;
use super::protocol::close;
use crate::events::Topic;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use futures_util::{Sink, SinkExt};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Notify};
use tokio::time::Instant;

const TOO_SLOW_REASON: &str = "too slow: reconnect and resume";

/// How long a closing handshake may take before the socket is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Events held for one topic while its snapshot is read, before the connection counts as stuck.
const MAX_PENDING: usize = 1024;

/// When the peer was last heard from, in milliseconds since the connection began.
#[derive(Clone)]
pub struct LastHeard {
    start: Instant,
    at: Arc<AtomicU64>,
}

impl LastHeard {
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            at: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.at.store(ms, Ordering::Relaxed);
    }

    fn silent_for(&self) -> Duration {
        let now = self.start.elapsed();
        now.saturating_sub(Duration::from_millis(self.at.load(Ordering::Relaxed)))
    }
}

impl Default for LastHeard {
    fn default() -> Self {
        Self::new()
    }
}

/// Per-topic delivery state: the last seq sent, or what arrived meanwhile, held until the
/// snapshot (a ticket's log, or the pages of a queue) has gone out: entries with their seq,
/// changes without one.
#[derive(Default)]
struct Order {
    last: HashMap<Topic, i64>,
    pending: HashMap<Topic, Vec<(Option<i64>, Utf8Bytes)>>,
}

enum Step {
    Send(Vec<Utf8Bytes>),
    Close(u16, &'static str),
}

impl Order {
    fn step(&mut self, out: Outbound) -> Step {
        match out {
            Outbound::Frame(text) => Step::Send(vec![text]),
            Outbound::Close(code, reason) => Step::Close(code, reason),
            Outbound::Change { topic, text } => match self.pending.get_mut(&topic) {
                Some(held) if held.len() >= MAX_PENDING => {
                    Step::Close(close::TOO_SLOW, "too many changes behind a snapshot")
                }
                Some(held) => {
                    held.push((None, text));
                    Step::Send(Vec::new())
                }
                None => Step::Send(vec![text]),
            },
            Outbound::Pending { topic } => {
                self.last.remove(&topic);
                self.pending.insert(topic, Vec::new());
                Step::Send(Vec::new())
            }
            Outbound::Event { topic, seq, text } => match self.last.get_mut(&topic) {
                Some(last) if seq > *last => {
                    *last = seq;
                    Step::Send(vec![text])
                }
                Some(_) => Step::Send(Vec::new()),
                None => {
                    let held = self.pending.entry(topic).or_default();
                    if held.len() >= MAX_PENDING {
                        return Step::Close(close::TOO_SLOW, "too many events behind a snapshot");
                    }
                    held.push((Some(seq), text));
                    Step::Send(Vec::new())
                }
            },
            Outbound::Snapshot {
                topic,
                upto,
                complete,
                text,
            } => {
                let mut out = vec![text];
                if complete {
                    // In the order they arrived; entries the snapshot already held are dropped.
                    let mut last = upto;
                    for (seq, text) in self.pending.remove(&topic).unwrap_or_default() {
                        match seq {
                            Some(seq) if seq <= last => {}
                            Some(seq) => {
                                last = seq;
                                out.push(text);
                            }
                            None => out.push(text),
                        }
                    }
                    self.last.insert(topic, last);
                }
                Step::Send(out)
            }
        }
    }
}

pub async fn run<S>(
    mut sink: S,
    mut rx: mpsc::Receiver<Outbound>,
    kill: Arc<Notify>,
    heard: LastHeard,
    heartbeat: Duration,
) where
    S: Sink<Message> + Unpin,
{
    let mut order = Order::default();
    // Checked every half interval, so a silent peer is dropped within two intervals; pinged
    // every interval, so a live one is heard from well before that.
    let half = heartbeat / 2;
    let mut beat = tokio::time::interval_at(Instant::now() + half, half);
    let mut ticks: u64 = 0;
    let closing = 'deliver: loop {
        let out = tokio::select! {
            out = rx.recv() => match out {
                Some(out) => out,
                None => break None,
            },
            () = kill.notified() => break Some((close::TOO_SLOW, TOO_SLOW_REASON)),
            _ = beat.tick() => {
                ticks += 1;
                if heard.silent_for() > heartbeat * 3 / 2 {
                    break Some((close::TIMEOUT, "no heartbeat"));
                }
                if ticks % 2 == 1 {
                    continue;
                }
                tokio::select! {
                    sent = sink.send(Message::Ping(Default::default())) => if sent.is_err() { break None },
                    () = kill.notified() => break Some((close::TOO_SLOW, TOO_SLOW_REASON)),
                }
                continue;
            }
        };
        match order.step(out) {
            Step::Send(texts) => {
                for text in texts {
                    // A peer that stopped reading blocks this send; the hub's kill must still win.
                    tokio::select! {
                        sent = sink.send(Message::Text(text)) => if sent.is_err() { return },
                        () = kill.notified() => break 'deliver Some((close::TOO_SLOW, TOO_SLOW_REASON)),
                    }
                }
            }
            Step::Close(code, reason) => break Some((code, reason)),
        }
    };
    if let Some((code, reason)) = closing {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        // A stuck peer may never take the close frame: give it a moment, then drop the socket.
        let _ = tokio::time::timeout(CLOSE_GRACE, sink.send(Message::Close(Some(frame)))).await;
    }
    let _ = tokio::time::timeout(CLOSE_GRACE, sink.close()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(n: i64) -> Topic {
        Topic::new(format!("ticket/{n}"))
    }

    fn event(ticket: i64, seq: i64) -> Outbound {
        Outbound::Event {
            topic: topic(ticket),
            seq,
            text: format!("e{seq}").into(),
        }
    }

    fn sent(step: Step) -> Vec<String> {
        match step {
            Step::Send(t) => t.iter().map(|t| t.as_str().to_string()).collect(),
            Step::Close(..) => vec!["close".into()],
        }
    }

    #[test]
    fn events_wait_behind_the_snapshot_and_are_not_repeated() {
        let mut o = Order::default();
        assert!(sent(o.step(Outbound::Pending { topic: topic(1) })).is_empty());
        assert!(sent(o.step(event(1, 5))).is_empty());
        assert!(sent(o.step(event(1, 4))).is_empty());
        let snap = Outbound::Snapshot {
            topic: topic(1),
            upto: 4,
            complete: true,
            text: "s".into(),
        };
        assert_eq!(sent(o.step(snap)), vec!["s", "e5"]);
        assert!(sent(o.step(event(1, 5))).is_empty());
        assert_eq!(sent(o.step(event(1, 6))), vec!["e6"]);
    }

    /// The send half over a channel instead of a socket: what the writer sends, with when.
    fn recording_sink() -> (
        impl Sink<Message, Error = std::convert::Infallible> + Unpin,
        mpsc::UnboundedReceiver<(Duration, Message)>,
    ) {
        let (tx, rx) = mpsc::unbounded_channel();
        let start = Instant::now();
        let sink = futures_util::sink::unfold(tx, move |tx, m: Message| async move {
            let _ = tx.send((start.elapsed(), m));
            Ok::<_, std::convert::Infallible>(tx)
        });
        (Box::pin(sink), rx)
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_peer_is_pinged_then_dropped_within_two_intervals() {
        let (sink, mut sent) = recording_sink();
        let (_tx, rx) = mpsc::channel(8);
        let heartbeat = Duration::from_secs(20);
        tokio::spawn(run(
            sink,
            rx,
            Arc::new(Notify::new()),
            LastHeard::new(),
            heartbeat,
        ));
        let (at, first) = sent.recv().await.unwrap();
        assert!(matches!(first, Message::Ping(_)));
        assert_eq!(at, heartbeat);
        let (at, closing) = sent.recv().await.unwrap();
        match closing {
            Message::Close(Some(frame)) => assert_eq!(frame.code, close::TIMEOUT),
            other => panic!("expected a close, got {other:?}"),
        }
        assert!(at <= heartbeat * 2, "dropped after {at:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_peer_that_answers_stays() {
        let (sink, mut sent) = recording_sink();
        let (_tx, rx) = mpsc::channel(8);
        let heard = LastHeard::new();
        let heartbeat = Duration::from_secs(20);
        tokio::spawn(run(
            sink,
            rx,
            Arc::new(Notify::new()),
            heard.clone(),
            heartbeat,
        ));
        for _ in 0..5 {
            let (_, m) = sent.recv().await.unwrap();
            assert!(matches!(m, Message::Ping(_)), "still pinging, not closing");
            heard.touch();
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_queue_closes_with_4008() {
        let (sink, mut sent) = recording_sink();
        let (_tx, rx) = mpsc::channel(8);
        let kill = Arc::new(Notify::new());
        tokio::spawn(run(
            sink,
            rx,
            kill.clone(),
            LastHeard::new(),
            Duration::from_secs(20),
        ));
        kill.notify_one();
        match sent.recv().await.unwrap().1 {
            Message::Close(Some(frame)) => assert_eq!(frame.code, close::TOO_SLOW),
            other => panic!("expected a close, got {other:?}"),
        }
    }

    #[test]
    fn changes_wait_behind_the_pages_of_a_queue() {
        let mut o = Order::default();
        let q = Topic::new("queue");
        let change = |text: &str| Outbound::Change {
            topic: q.clone(),
            text: text.to_string().into(),
        };
        let page = |text: &str, complete| Outbound::Snapshot {
            topic: q.clone(),
            upto: 0,
            complete,
            text: text.to_string().into(),
        };
        assert_eq!(
            sent(o.step(change("c0"))),
            vec!["c0"],
            "no queue yet: sent at once"
        );
        o.step(Outbound::Pending { topic: q.clone() });
        assert!(sent(o.step(change("c1"))).is_empty());
        assert_eq!(sent(o.step(page("p0", false))), vec!["p0"]);
        assert_eq!(sent(o.step(page("p1", true))), vec!["p1", "c1"]);
        assert_eq!(sent(o.step(change("c2"))), vec!["c2"]);
    }

    #[test]
    fn an_incomplete_snapshot_keeps_holding_events() {
        let mut o = Order::default();
        o.step(Outbound::Pending { topic: topic(2) });
        o.step(event(2, 900));
        let page = Outbound::Snapshot {
            topic: topic(2),
            upto: 500,
            complete: false,
            text: "p1".into(),
        };
        assert_eq!(sent(o.step(page)), vec!["p1"]);
        let last = Outbound::Snapshot {
            topic: topic(2),
            upto: 899,
            complete: true,
            text: "p2".into(),
        };
        assert_eq!(sent(o.step(last)), vec!["p2", "e900"]);
    }
}
