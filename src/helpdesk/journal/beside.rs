//! What a group writes beside the log, in the same transaction: escalation steps (each once),
//! ratings, and the review a bad rating opens.

use crate::clock::Millis;
use crate::helpdesk::sla::Flag;
use crate::helpdesk::ticket::Score;
use sqlx::{AnyConnection, Row};
use std::collections::HashSet;

/// An escalation step's key: ticket, flag, since, step.
pub type StepKey = (i64, Flag, Millis, i64);

/// Which of these steps are recorded already.
pub async fn steps_done(
    conn: &mut AnyConnection,
    keys: &[StepKey],
) -> sqlx::Result<HashSet<StepKey>> {
    let mut done = HashSet::new();
    for key in keys {
        let found = sqlx::query(
            "SELECT 1 AS one FROM escalations WHERE ticket_id = $1 AND flag = $2 AND since = $3 \
             AND step = $4",
        )
        .bind(key.0)
        .bind(key.1.as_str())
        .bind(key.2)
        .bind(key.3)
        .fetch_optional(&mut *conn)
        .await?;
        if found.is_some() {
            done.insert(*key);
        }
    }
    Ok(done)
}

pub struct StepRow {
    pub key: StepKey,
    pub unit_id: Option<i64>,
    pub notified: Vec<i64>,
}

pub async fn insert_step(conn: &mut AnyConnection, s: &StepRow, now: Millis) -> sqlx::Result<()> {
    let notified: Vec<String> = s.notified.iter().map(i64::to_string).collect();
    sqlx::query(
        "INSERT INTO escalations (ticket_id, flag, since, step, unit_id, notified, fired_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(s.key.0)
    .bind(s.key.1.as_str())
    .bind(s.key.2)
    .bind(s.key.3)
    .bind(s.unit_id)
    .bind(notified.join(" "))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub struct RatingRow {
    pub ticket_id: i64,
    pub rater_id: i64,
    pub score: Score,
    pub comment: String,
    pub expert_id: Option<i64>,
    pub unit_path: String,
}

/// The rating, counted for the board, and for a bad one a review for the supervisors over the
/// ticket.
pub async fn insert_rating(
    conn: &mut AnyConnection,
    r: &RatingRow,
    now: Millis,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO ratings (ticket_id, rater_id, score, comment, expert_id, unit_path, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(r.ticket_id)
    .bind(r.rater_id)
    .bind(r.score.as_str())
    .bind(&r.comment)
    .bind(r.expert_id)
    .bind(&r.unit_path)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO rating_counts (unit_path, expert_id, score, n) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (unit_path, expert_id, score) DO UPDATE SET n = rating_counts.n + 1",
    )
    .bind(&r.unit_path)
    .bind(r.expert_id.unwrap_or(0))
    .bind(r.score.as_str())
    .execute(&mut *conn)
    .await?;
    if r.score == Score::Bad {
        let q = sqlx::query(
            "INSERT INTO reviews (ticket_id, unit_path, opened_at) VALUES ($1, $2, $3) \
             RETURNING id",
        )
        .bind(r.ticket_id)
        .bind(&r.unit_path)
        .bind(now);
        let _id: i64 = q.fetch_one(&mut *conn).await?.try_get("id")?;
    }
    Ok(())
}
