//! The journal: the one writer of chat messages. Messages from every connection queue here and
//! are committed in groups — one transaction, one fsync for all that arrived while the previous
//! group was being written — and each sender is answered only after its group has committed.

use super::repo::{self, NewEvent, Ticket, TicketEvent};
use super::ticket::{EventKind, TicketState};
use crate::clock::Clock;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::http::metrics::Metrics;
use crate::live::Hub;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most messages committed in one transaction.
const MAX_GROUP: usize = 256;
/// Messages waiting for the journal before senders wait to enqueue.
const QUEUE: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posted {
    pub seq: i64,
    /// True when this client id had been stored before: nothing new was written.
    pub duplicate: bool,
}

/// A message to store, already checked for permission by the caller.
pub struct Entry {
    pub ticket: i64,
    pub actor_id: i64,
    /// The clerk's side: an answer to "waiting for you" hands the ticket back.
    pub requester: bool,
    pub text: String,
    pub client_id: Option<String>,
    /// An uploaded file of the sender's, by content hash.
    pub file: Option<String>,
}

struct Job {
    entry: Entry,
    reply: oneshot::Sender<AppResult<Posted>>,
}

#[derive(Clone)]
pub struct Journal {
    tx: mpsc::Sender<Job>,
}

struct Writer {
    db: Db,
    hub: Arc<Hub>,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
}

impl Journal {
    pub fn start(db: Db, hub: Arc<Hub>, clock: Arc<dyn Clock>, metrics: Arc<Metrics>) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        let writer = Writer {
            db,
            hub,
            clock,
            metrics,
        };
        tokio::spawn(writer.run(rx));
        Self { tx }
    }

    /// Stores the message and answers once it is committed.
    pub async fn append(&self, entry: Entry) -> AppResult<Posted> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Job { entry, reply })
            .await
            .map_err(|_| anyhow::anyhow!("the journal has stopped"))?;
        answer
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("the journal dropped a message")))?
    }
}

impl Writer {
    async fn run(self, mut rx: mpsc::Receiver<Job>) {
        while let Some(first) = rx.recv().await {
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match rx.try_recv() {
                    Ok(job) => group.push(job),
                    Err(_) => break,
                }
            }
            self.metrics.journal_group_size.observe(group.len() as f64);
            self.commit_group(group).await;
        }
    }

    /// Writes the group in one transaction, then publishes and answers each sender.
    async fn commit_group(&self, group: Vec<Job>) {
        let mut tickets: Vec<i64> = group.iter().map(|j| j.entry.ticket).collect();
        tickets.sort_unstable();
        tickets.dedup();
        let _order = self.hub.order_locks(&tickets).await;
        match self.write(&group).await {
            Ok((results, changed)) => {
                for (ticket, events) in changed.values() {
                    self.hub.publish(ticket, events, None);
                }
                let stored = results
                    .iter()
                    .filter(|r| matches!(r, Ok(p) if !p.duplicate))
                    .count();
                self.metrics.messages.inc_by(stored as u64);
                for (job, result) in group.into_iter().zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            Err(err) => {
                tracing::error!(error = %err, size = group.len(), "journal group failed; senders may retry");
                for job in group {
                    let _ = job
                        .reply
                        .send(Err(AppError::Internal(anyhow::anyhow!("write failed"))));
                }
            }
        }
    }

    #[allow(clippy::type_complexity)]
    async fn write(
        &self,
        group: &[Job],
    ) -> Result<
        (
            Vec<AppResult<Posted>>,
            BTreeMap<i64, (Ticket, Vec<TicketEvent>)>,
        ),
        sqlx::Error,
    > {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let mut results = Vec::with_capacity(group.len());
        let mut first_seq: BTreeMap<i64, i64> = BTreeMap::new();
        for job in group {
            let e = &job.entry;
            let result = store(&mut tx, e, now).await?;
            if let Ok(p) = &result {
                if !p.duplicate {
                    let first = first_seq.entry(e.ticket).or_insert(p.seq);
                    *first = (*first).min(p.seq);
                }
            }
            results.push(result);
        }
        let mut changed = BTreeMap::new();
        for (ticket, first) in first_seq {
            if let Some(t) = repo::get(&mut tx, ticket).await? {
                let events = repo::events_after(&mut tx, ticket, first - 1, 10_000).await?;
                changed.insert(ticket, (t, events));
            }
        }
        tx.commit().await?;
        Ok((results, changed))
    }
}

/// One message inside the group's transaction. The outer error aborts the group; the inner
/// one is this sender's alone.
async fn store(
    conn: &mut sqlx::AnyConnection,
    e: &Entry,
    now: i64,
) -> Result<AppResult<Posted>, sqlx::Error> {
    if let Some(c) = &e.client_id {
        if let Some(seq) = repo::seq_of_client_id(conn, e.ticket, e.actor_id, c).await? {
            return Ok(Ok(Posted {
                seq,
                duplicate: true,
            }));
        }
    }
    let Some((state, assignee)) = repo::state_of(conn, e.ticket).await? else {
        return Ok(Err(AppError::NotFound("ticket")));
    };
    if state == TicketState::Closed {
        return Ok(Err(AppError::InvalidState(
            "the ticket is closed; reopen it first".into(),
        )));
    }
    let message = NewEvent {
        kind: EventKind::Message,
        actor_id: e.actor_id,
        body: &e.text,
        client_id: e.client_id.as_deref(),
        file: e.file.as_deref(),
    };
    let seq = repo::append(conn, e.ticket, &message, now).await?;
    if e.requester && state == TicketState::Waiting {
        let from = (TicketState::Waiting, assignee);
        let to = (TicketState::Claimed, assignee);
        if repo::transition(conn, e.ticket, from, to).await? {
            let resumed = NewEvent {
                kind: EventKind::Resumed,
                actor_id: e.actor_id,
                body: "",
                client_id: None,
                file: None,
            };
            repo::append(conn, e.ticket, &resumed, now).await?;
        }
    }
    Ok(Ok(Posted {
        seq,
        duplicate: false,
    }))
}
