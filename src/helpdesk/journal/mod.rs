//! The journal: the one writer of every ticket's log. New tickets, state changes and chat
//! messages from every connection and request queue here and are committed in groups — one
//! transaction, one fsync for all that arrived while the previous group was being written.
//! After the commit the group's changes go out on the bus, in commit order, and only then is
//! each sender answered; a group that did not commit answers nobody "done".

mod change;
pub mod group;
pub mod sql;

pub use change::{Change, Create, Done, Message, Posted, Transition};

use super::audience;
use super::metrics::HelpdeskMetrics;
use crate::auth::Bus;
use crate::clock::Clock;
use crate::db::{fault, Db};
use crate::error::{AppError, AppResult};
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
}

impl Journal {
    pub fn start(
        db: Db,
        bus: Arc<Bus>,
        clock: Arc<dyn Clock>,
        metrics: Arc<HelpdeskMetrics>,
    ) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        let (stop, stopping) = watch::channel(false);
        let writer = Writer {
            db,
            bus,
            clock,
            metrics,
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
    async fn run(self, mut rx: mpsc::Receiver<Job>, mut stopping: watch::Receiver<bool>) {
        loop {
            let next = tokio::select! {
                job = rx.recv() => job,
                _ = stopping.wait_for(|s| *s) => None,
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
            self.commit(group).await;
        }
    }

    async fn commit(&self, group: Vec<Job>) {
        let (changes, replies): (Vec<Change>, Vec<_>) =
            group.into_iter().map(|j| (j.change, j.reply)).unzip();
        let now = self.clock.now();
        let written = self.db.write(group::write(&self.db, &changes, now)).await;
        match written {
            Ok(applied) => self.answer(applied, replies),
            Err(err) => {
                let fault = fault::of(&err);
                tracing::error!(error = %err, size = replies.len(), "journal group not committed");
                for reply in replies {
                    let answer = match fault {
                        Some(f) => AppError::Unavailable(f),
                        None => AppError::Internal(anyhow::anyhow!("the group was not stored")),
                    };
                    let _ = reply.send(Err(answer));
                }
            }
        }
    }

    /// Publishes the committed changes, then answers each sender.
    fn answer(&self, applied: Applied, replies: Vec<oneshot::Sender<AppResult<Done>>>) {
        self.bus.publish(audience::events(&applied.touched));
        for (outcome, reply) in applied.outcomes.into_iter().zip(replies) {
            let done = outcome.and_then(|o| match o {
                Outcome::Posted(p) => {
                    if !p.duplicate {
                        self.metrics.messages.inc();
                    }
                    Ok(Done::Posted(p))
                }
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
