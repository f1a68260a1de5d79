//! The job runner on a clock the test moves: due work is claimed exactly once — also by two
//! runners at the same moment — a job whose runner died is taken up again when its lease ends,
//! and a failed job is tried again later. On SQLite and on PostgreSQL.

use crate::common;

use backstop::db::Db;
use backstop::jobs::{self, Handler, Job, Jobs, LEASE_MS};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const T0: i64 = 1_800_000_000_000;

async fn database() -> (common::database::TestDatabase, Db) {
    let test_db = common::database::fresh().await;
    let db = Db::connect(&test_db.url, Duration::from_secs(5))
        .await
        .expect("connects");
    db.migrate().await.expect("migrates");
    (test_db, db)
}

async fn schedule(db: &Db, key: &str, due_at: i64) {
    let mut tx = db.begin().await.expect("begin");
    jobs::schedule(&mut tx, "test.count", key, due_at, key)
        .await
        .expect("schedules");
    tx.commit().await.expect("commit");
}

/// A runner whose handler records every job it runs.
fn counting(db: &Db, ran: Arc<Mutex<Vec<String>>>) -> Jobs {
    let handler: Handler = Arc::new(move |job: Job| {
        let ran = ran.clone();
        Box::pin(async move {
            ran.lock().unwrap().push(job.payload);
            Ok(())
        })
    });
    Jobs::new(
        db.clone(),
        HashMap::from([("test.count".to_string(), handler)]),
    )
}

#[tokio::test]
async fn due_jobs_run_once_even_with_two_runners_at_the_same_moment() {
    let (_keep, db) = database().await;
    for n in 0..40 {
        schedule(&db, &format!("job-{n}"), T0 + n).await;
    }
    schedule(&db, "later", T0 + 60_000).await;
    let ran = Arc::new(Mutex::new(Vec::new()));
    let (a, b) = (counting(&db, ran.clone()), counting(&db, ran.clone()));
    let now = T0 + 1_000;
    let mut done = 0;
    for _ in 0..3 {
        let (x, y) = tokio::join!(a.run_due(now), b.run_due(now));
        done += x.expect("runs") + y.expect("runs");
    }
    assert_eq!(done, 40);
    let mut seen = ran.lock().unwrap().clone();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 40, "each due job ran exactly once");
    assert!(!seen.contains(&"later".to_string()));
    assert_eq!(a.run_due(T0 + 60_000).await.expect("runs"), 1);
}

#[tokio::test]
async fn a_job_held_by_a_runner_that_died_runs_again_when_its_lease_ends() {
    let (_keep, db) = database().await;
    schedule(&db, "orphan", T0).await;
    let stuck: Handler = Arc::new(|_job| Box::pin(std::future::pending()));
    let dying = Jobs::new(
        db.clone(),
        HashMap::from([("test.count".to_string(), stuck)]),
    );
    let run = tokio::spawn(async move { dying.run_due(T0).await });
    // The dying runner claims the job, then its process is gone mid-job.
    let ran = Arc::new(Mutex::new(Vec::new()));
    let heir = counting(&db, ran.clone());
    loop {
        tokio::task::yield_now().await;
        if claimed(&db).await {
            break;
        }
    }
    run.abort();
    assert_eq!(heir.run_due(T0 + LEASE_MS - 1).await.expect("runs"), 0);
    assert_eq!(heir.run_due(T0 + LEASE_MS).await.expect("runs"), 1);
    assert_eq!(*ran.lock().unwrap(), vec!["orphan".to_string()]);
}

async fn claimed(db: &Db) -> bool {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE claimed_by IS NOT NULL")
        .fetch_one(db.read())
        .await
        .expect("reads");
    sqlx::Row::try_get::<i64, _>(&row, "n").expect("n") == 1
}

#[tokio::test]
async fn a_failed_job_is_tried_again_later() {
    let (_keep, db) = database().await;
    schedule(&db, "flaky", T0).await;
    let tries = Arc::new(Mutex::new(0));
    let t = tries.clone();
    let flaky: Handler = Arc::new(move |_job| {
        let t = t.clone();
        Box::pin(async move {
            let mut n = t.lock().unwrap();
            *n += 1;
            if *n == 1 {
                anyhow::bail!("the probe target did not answer")
            }
            Ok(())
        })
    });
    let runner = Jobs::new(
        db.clone(),
        HashMap::from([("test.count".to_string(), flaky)]),
    );
    assert_eq!(runner.run_due(T0).await.expect("runs"), 0);
    assert_eq!(
        runner.run_due(T0 + 1_000).await.expect("runs"),
        0,
        "not yet"
    );
    assert_eq!(runner.run_due(T0 + 30_000).await.expect("runs"), 1);
    assert_eq!(*tries.lock().unwrap(), 2);
}

#[tokio::test]
async fn a_job_rescheduled_while_it_runs_runs_again_at_its_new_time() {
    let (_keep, db) = database().await;
    schedule(&db, "timer", T0).await;
    let runs = Arc::new(Mutex::new(0));
    let (r, again) = (runs.clone(), db.clone());
    let handler: Handler = Arc::new(move |_job| {
        let (r, db) = (r.clone(), again.clone());
        Box::pin(async move {
            let first = {
                let mut n = r.lock().unwrap();
                *n += 1;
                *n == 1
            };
            if first {
                // Whatever the job watches changed meanwhile: its clock restarts.
                schedule(&db, "timer", T0 + 60_000).await;
            }
            Ok(())
        })
    });
    let runner = Jobs::new(
        db.clone(),
        HashMap::from([("test.count".to_string(), handler)]),
    );
    assert_eq!(runner.run_due(T0).await.expect("runs"), 1);
    assert_eq!(runner.run_due(T0 + 59_999).await.expect("runs"), 0);
    assert_eq!(runner.run_due(T0 + 60_000).await.expect("runs"), 1);
    assert_eq!(
        runner.run_due(T0 + 120_000).await.expect("runs"),
        0,
        "then it is gone"
    );
    assert_eq!(*runs.lock().unwrap(), 2);
}
