//! The journal: the one writer of every ticket's log. New tickets, state changes and chat
//! messages from every connection and request queue here and are committed in groups — one
//! transaction, one fsync for all that arrived while the previous group was being written.
//! After the commit the group's changes go out on the bus, in commit order, and only then is
//! each sender answered; a group that did not commit answers nobody "done".

mod beside;
mod change;
pub mod group;
pub mod sql;

pub use change::{Author, Change, Create, Done, Escalate, Message, Posted, Rate, Transition};

use super::audience;
use super::metrics::HelpdeskMetrics;
use super::sla::Policy;
use super::ticket::EventKind;
use crate::auth::Bus;
use crate::clock::Clock;
use crate::db::{fault, Db};
use crate::error::{AppError, AppResult};
use futures_util::FutureExt;
pub use group::Touched;
use group::{Applied, Outcome};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, watch};

/// Most changes committed in one transaction.
const MAX_GROUP: usize = 256;
/// Changes waiting for the journal before senders wait to enqueue.
const QUEUE: usize = 4096;

struct Job {
    change: Change,
    reply: oneshot::Sender<AppResult<Done>>,
}

#[derive(Clone)]
pub struct Journal {
    tx: mpsc::Sender<Job>,
    stop: Arc<watch::Sender<bool>>,
    finished: Arc<Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

struct Writer {
    db: Db,
    bus: Arc<Bus>,
    clock: Arc<dyn Clock>,
    metrics: Arc<HelpdeskMetrics>,
    policy: Arc<Policy>,
    /// A group whose COMMIT went unanswered: until the store says whether it holds it, no
    /// other group is written, so its events can still go out in order.
    in_doubt: Option<Applied>,
}

/// How often a group in doubt is looked up again while nothing else arrives.
const RESOLVE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl Journal {
    pub fn start(
        db: Db,
        bus: Arc<Bus>,
        clock: Arc<dyn Clock>,
        metrics: Arc<HelpdeskMetrics>,
        policy: Arc<Policy>,
    ) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        let (stop, stopping) = watch::channel(false);
        let writer = Writer {
            db,
            bus,
            clock,
            metrics,
            policy,
            in_doubt: None,
        };
        let handle = tokio::spawn(writer.run(rx, stopping));
        Self {
            tx,
            stop: Arc::new(stop),
            finished: Arc::new(Mutex::new(Some(handle))),
        }
    }

    /// Queues the change and answers once it is committed (or refused).
    pub async fn submit(&self, change: Change) -> AppResult<Done> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Job { change, reply })
            .await
            .map_err(|_| AppError::ShuttingDown)?;
        answer.await.map_err(|_| AppError::ShuttingDown)?
    }

    /// Stops taking changes, commits and answers those already queued, and waits for that.
    pub async fn close(&self) {
        self.stop.send_replace(true);
        let handle = self
            .finished
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(handle) = handle {
            let _ = handle.await;
        }
    }
}

impl Writer {
    /// Counts the flags set and escalation steps written by a committed group.
    fn count_service(&self, applied: &Applied) {
        #[derive(serde::Deserialize)]
        struct Step {
            flag: String,
        }
        for e in applied.touched.values().flat_map(|t| &t.entries) {
            match e.kind {
                EventKind::Flagged => self.metrics.flags_set.with_label_values(&[&e.body]).inc(),
                EventKind::Escalated => {
                    if let Ok(step) = serde_json::from_str::<Step>(&e.body) {
                        let flag = [step.flag.as_str()];
                        self.metrics.escalations.with_label_values(&flag).inc();
                    }
                }
                _ => {}
            }
        }
    }
}

/// Answers every sender of a group that was not stored.
fn refuse(replies: Vec<oneshot::Sender<AppResult<Done>>>, error: impl Fn() -> AppError) {
    for reply in replies {
        let _ = reply.send(Err(error()));
    }
}

impl Writer {
    async fn run(mut self, mut rx: mpsc::Receiver<Job>, mut stopping: watch::Receiver<bool>) {
        loop {
            let next = tokio::select! {
                job = rx.recv() => Some(job),
                _ = stopping.wait_for(|s| *s) => Some(None),
                () = tokio::time::sleep(RESOLVE_EVERY), if self.in_doubt.is_some() => None,
            };
            let Some(next) = next else {
                self.resolve().await;
                continue;
            };
            let first = match next {
                Some(job) => job,
                None => {
                    // Refuse new changes; what is queued already is still written and answered.
                    rx.close();
                    match rx.recv().await {
                        Some(job) => job,
                        None => return,
                    }
                }
            };
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match rx.try_recv() {
                    Ok(job) => group.push(job),
                    Err(_) => break,
                }
            }
            self.metrics.group_size.observe(group.len() as f64);
            // A bug in one group must not stop the writer: its senders are told the journal
            // dropped their change (`shutting_down`), and the next group is written.
            let written = std::panic::AssertUnwindSafe(self.commit(group)).catch_unwind();
            if written.await.is_err() {
                tracing::error!("the journal panicked while writing a group");
            }
        }
    }

    async fn commit(&mut self, group: Vec<Job>) {
        let (changes, replies): (Vec<Change>, Vec<_>) =
            group.into_iter().map(|j| (j.change, j.reply)).unzip();
        if !self.resolve().await {
            refuse(replies, || {
                AppError::Unavailable(crate::db::Fault::Unreachable)
            });
            return;
        }
        let now = self.clock.now();
        let prepared = match self
            .db
            .timed(group::prepare(&self.db, &changes, now, &self.policy))
            .await
        {
            Ok(prepared) => prepared,
            Err(err) => {
                tracing::error!(error = %err, size = replies.len(), "journal group not written");
                let fault = fault::of(&err);
                refuse(replies, || match fault {
                    Some(f) => AppError::Unavailable(f),
                    None => AppError::Internal(anyhow::anyhow!("the group was not stored")),
                });
                return;
            }
        };
        match prepared.commit(&self.db).await {
            Ok(applied) => self.answer(applied, replies),
            Err((applied, err)) => {
                tracing::error!(error = %err, size = replies.len(), "journal commit unanswered");
                refuse(replies, || AppError::Unconfirmed);
                self.in_doubt = Some(applied);
                self.resolve().await;
            }
        }
    }

    /// Settles a group in doubt: publishes it if the store holds it. False while the store
    /// cannot say.
    async fn resolve(&mut self) -> bool {
        let Some(applied) = self.in_doubt.take() else {
            return true;
        };
        match self.db.timed(group::committed(&self.db, &applied)).await {
            Ok(true) => {
                tracing::warn!("a group in doubt was committed; publishing it now");
                self.bus.publish(audience::events(&applied.touched));
                true
            }
            Ok(false) => {
                tracing::warn!("a group in doubt was not committed");
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot yet tell whether a group in doubt was committed");
                self.in_doubt = Some(applied);
                false
            }
        }
    }

    /// Publishes the committed changes, then answers each sender.
    fn answer(&self, applied: Applied, replies: Vec<oneshot::Sender<AppResult<Done>>>) {
        self.bus.publish(audience::events(&applied.touched));
        self.count_service(&applied);
        for (outcome, reply) in applied.outcomes.into_iter().zip(replies) {
            let done = outcome.and_then(|o| match o {
                Outcome::Posted(p) => {
                    if !p.duplicate {
                        self.metrics.messages.inc();
                    }
                    Ok(Done::Posted(p))
                }
                Outcome::Nothing => Ok(Done::Nothing),
                Outcome::Ticket(id) => applied
                    .touched
                    .get(&id)
                    .and_then(|t| t.ticket.clone())
                    .map(|t| Done::Ticket(Box::new(t)))
                    .ok_or(AppError::NotFound("ticket")),
            });
            let _ = reply.send(done);
        }
    }
}
