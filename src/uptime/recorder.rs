//! The queue in front of `record`: each finished check waits here while the group before it is
//! written, and then goes with every check that finished meanwhile, in one transaction. Quiet,
//! a check is written alone at once; busy, the groups grow with the load, and the statements per
//! check fall.

use super::record::{self, Checked, Recorded};
use crate::db::Db;
use std::sync::{Arc, OnceLock};
use tokio::sync::{mpsc, oneshot};

/// Checks written together, at most.
const MAX_GROUP: usize = 1_000;
/// Checks waiting, at most; a full queue makes finished checks wait to be queued.
const QUEUE: usize = 4_096;

type Reply = oneshot::Sender<Result<Recorded, Arc<sqlx::Error>>>;

pub struct Recorder {
    db: Db,
    queue: OnceLock<mpsc::Sender<(Checked, Reply)>>,
}

impl Recorder {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            queue: OnceLock::new(),
        }
    }

    /// Keeps `check`; answers once its group is committed (or failed).
    pub async fn record(&self, check: Checked) -> Result<Recorded, Arc<sqlx::Error>> {
        // Started at the first check, on the runtime that runs the checks.
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(write_groups(self.db.clone(), rx));
            tx
        });
        let (reply, answer) = oneshot::channel();
        let gone = || Arc::new(sqlx::Error::PoolClosed);
        queue.send((check, reply)).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// Until every sender is gone: takes what waits, writes it as one group, answers each check.
async fn write_groups(db: Db, mut queue: mpsc::Receiver<(Checked, Reply)>) {
    let mut group = Vec::new();
    while queue.recv_many(&mut group, MAX_GROUP).await > 0 {
        let (checks, replies): (Vec<Checked>, Vec<Reply>) = group.drain(..).unzip();
        match record::record(&db, &checks).await {
            Ok(done) => {
                for (reply, r) in replies.into_iter().zip(done) {
                    let _ = reply.send(Ok(r));
                }
            }
            Err(e) => {
                let e = Arc::new(e);
                for reply in replies {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}
