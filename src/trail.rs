//! Writing the audit trail: one row per security-relevant act, appended in the same transaction
//! as the act itself, so the trail holds exactly what happened. Each row's hash covers its
//! fields and the previous row's hash; changing or deleting a row breaks the chain from there
//! on, which `verify` finds. Writers take turns on the one head row (locked on PostgreSQL;
//! SQLite has one writer), so the chain never forks.

use crate::clock::Millis;
use crate::db::{Backend, Db};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

/// One act, as it is recorded.
#[derive(Clone, Debug, Default)]
pub struct Record {
    pub kind: &'static str,
    pub actor_id: Option<i64>,
    /// Who acted: a username, or what they typed when signing in failed.
    pub actor: String,
    /// The unit path of the person the act concerns: officers and admins over it may read it.
    pub unit_path: String,
    /// What was acted on: a person, a ticket, a file.
    pub subject: String,
    pub detail: String,
    pub address: String,
    pub agent: String,
}

/// Appends `record` at `at`, in the caller's transaction.
pub async fn append(
    conn: &mut AnyConnection,
    backend: Backend,
    record: &Record,
    at: Millis,
) -> sqlx::Result<()> {
    let lock = if backend == Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let head = sqlx::query(&format!(
        "SELECT last_id, hash FROM audit_head WHERE id = 1{lock}"
    ))
    .fetch_one(&mut *conn)
    .await?;
    let id = head.try_get::<i64, _>("last_id")? + 1;
    let prev: String = head.try_get("hash")?;
    let hash = row_hash(&prev, id, at, record.kind, record);
    sqlx::query(
        "INSERT INTO audit (id, at, kind, actor_id, actor, unit_path, subject, detail, address, \
         agent, prev, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id)
    .bind(at)
    .bind(record.kind)
    .bind(record.actor_id)
    .bind(&record.actor)
    .bind(&record.unit_path)
    .bind(&record.subject)
    .bind(&record.detail)
    .bind(&record.address)
    .bind(&record.agent)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET last_id = $1, hash = $2 WHERE id = 1")
        .bind(id)
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Appends `record` in a transaction of its own, for acts that write nothing else.
pub async fn append_alone(db: &Db, record: &Record, at: Millis) -> sqlx::Result<()> {
    db.write(async {
        let mut tx = db.begin().await?;
        append(&mut tx, db.backend, record, at).await?;
        tx.commit().await
    })
    .await
}

fn row_hash(prev: &str, id: i64, at: Millis, kind: &str, r: &Record) -> String {
    let fields = serde_json::json!([
        prev,
        id,
        at,
        kind,
        r.actor_id,
        r.actor,
        r.unit_path,
        r.subject,
        r.detail,
        r.address,
        r.agent
    ]);
    hex::encode(Sha256::digest(fields.to_string().as_bytes()))
}

/// Removes the rows older than `before` (retention), keeping where the chain was cut so that
/// what remains is still checked from its first row. Returns how many rows went.
pub async fn trim(db: &Db, before: Millis) -> sqlx::Result<u64> {
    let lock = if db.backend == Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    db.write(async {
        let mut tx = db.begin().await?;
        sqlx::query(&format!(
            "SELECT last_id FROM audit_head WHERE id = 1{lock}"
        ))
        .fetch_one(&mut *tx)
        .await?;
        let last = sqlx::query("SELECT id, hash FROM audit WHERE at < $1 ORDER BY id DESC LIMIT 1")
            .bind(before)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(last) = last else {
            tx.rollback().await?;
            return Ok(0);
        };
        let (id, hash): (i64, String) = (last.try_get("id")?, last.try_get("hash")?);
        let gone = sqlx::query("DELETE FROM audit WHERE id <= $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("UPDATE audit_head SET trimmed_to = $1, trimmed_hash = $2 WHERE id = 1")
            .bind(id)
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(gone)
    })
    .await
}

/// Checks the whole chain; `Ok(rows)` when intact, `Err(id)` naming the first row that is not
/// what was written (changed, or following a deleted one).
pub async fn verify(db: &Db) -> sqlx::Result<Result<u64, i64>> {
    let head = sqlx::query("SELECT trimmed_to, trimmed_hash FROM audit_head WHERE id = 1")
        .fetch_one(db.read())
        .await?;
    let (mut prev, mut expected, mut checked): (String, i64, u64) = (
        head.try_get("trimmed_hash")?,
        head.try_get::<i64, _>("trimmed_to")? + 1,
        0,
    );
    loop {
        let rows = sqlx::query(
            "SELECT id, at, kind, actor_id, actor, unit_path, subject, detail, address, agent, \
             prev, hash FROM audit WHERE id >= $1 ORDER BY id LIMIT 1000",
        )
        .bind(expected)
        .fetch_all(db.read())
        .await?;
        if rows.is_empty() {
            return Ok(Ok(checked));
        }
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let record = Record {
                kind: "",
                actor_id: row.try_get("actor_id")?,
                actor: row.try_get("actor")?,
                unit_path: row.try_get("unit_path")?,
                subject: row.try_get("subject")?,
                detail: row.try_get("detail")?,
                address: row.try_get("address")?,
                agent: row.try_get("agent")?,
            };
            let kind: String = row.try_get("kind")?;
            let at: Millis = row.try_get("at")?;
            let stored: String = row.try_get("hash")?;
            let linked: String = row.try_get("prev")?;
            let recomputed = row_hash(&prev, id, at, &kind, &record);
            if id != expected || linked != prev || recomputed != stored {
                return Ok(Err(id));
            }
            prev = stored;
            expected += 1;
            checked += 1;
        }
    }
}
