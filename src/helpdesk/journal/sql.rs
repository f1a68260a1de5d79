//! The journal's SQL: set-based statements over a whole group — lock the heads of the tickets
//! it touches, look up re-sent client ids, append every entry, write each head back once.

use crate::auth::Scope;
use crate::clock::Millis;
use crate::db::Backend;
use crate::helpdesk::repo::{clocks_from, marks, optional, parsed};
use crate::helpdesk::sla::{Clocks, Promise};
use crate::helpdesk::ticket::{Difficulty, EventKind, Score, TicketKind, TicketState};
use crate::org::Specialty;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

#[derive(Clone, Debug)]
pub struct NewTicket {
    pub unit_id: i64,
    pub unit_path: String,
    pub creator_id: i64,
    pub item_code: String,
    pub kind: TicketKind,
    pub specialty: Specialty,
    pub difficulty: Difficulty,
    pub title: String,
    pub body: String,
}

/// A new ticket with the service level promised to it; its flags are first looked at when
/// its first response falls due.
pub async fn insert(
    conn: &mut AnyConnection,
    t: &NewTicket,
    promise: &Promise,
    now: Millis,
) -> sqlx::Result<i64> {
    sqlx::query(
        "INSERT INTO tickets (unit_id, unit_path, creator_id, item_code, kind, specialty, \
         difficulty, title, body, state, last_seq, created_at, updated_at, sla, respond_by, \
         due_at, check_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'new', 0, $10, $10, $11, $12, $13, $12) \
         RETURNING id",
    )
    .bind(t.unit_id)
    .bind(&t.unit_path)
    .bind(t.creator_id)
    .bind(&t.item_code)
    .bind(t.kind.as_str())
    .bind(t.specialty.as_str())
    .bind(t.difficulty.as_str())
    .bind(&t.title)
    .bind(&t.body)
    .bind(now)
    .bind(&promise.recorded)
    .bind(promise.respond_by)
    .bind(promise.due_at)
    .fetch_one(conn)
    .await?
    .try_get("id")
}

/// What the journal needs to know of a ticket to change it: its state, assignee and last seq,
/// and the scope the jurisdiction check reads.
#[derive(Clone, Debug)]
pub struct Head {
    pub id: i64,
    pub state: TicketState,
    pub assignee_id: Option<i64>,
    pub last_seq: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub specialty: Specialty,
    pub creator_id: i64,
    pub group_id: Option<i64>,
    pub difficulty: Difficulty,
    pub clocks: Clocks,
    pub rating: Option<Score>,
}

impl Head {
    pub fn scope(&self) -> Scope {
        Scope {
            unit_id: self.unit_id,
            unit_path: self.unit_path.clone(),
            specialty: self.specialty,
            creator_id: self.creator_id,
            assignee_id: self.assignee_id,
            group_id: self.group_id,
        }
    }
}

/// The heads of `ids`, locked for this transaction on PostgreSQL (in id order, so that two
/// writers never wait on each other in a circle); SQLite's single writer needs no lock.
pub async fn lock_heads(
    conn: &mut AnyConnection,
    backend: Backend,
    ids: &[i64],
) -> sqlx::Result<HashMap<i64, Head>> {
    let mut heads = HashMap::new();
    for chunk in ids.chunks(crate::db::rows_per_statement(1)) {
        let lock = if backend == Backend::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        let sql = format!(
            "SELECT id, state, assignee_id, last_seq, unit_id, unit_path, specialty, creator_id, \
             group_id, difficulty, created_at, respond_by, due_at, waiting_on, waiting_since, \
             acted_at, reopens, transfers, flags, rating \
             FROM tickets WHERE id IN ({}) ORDER BY id{lock}",
            marks(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let head = Head {
                id: r.try_get("id")?,
                state: parsed(r.try_get("state")?, TicketState::parse)?,
                assignee_id: r.try_get("assignee_id")?,
                last_seq: r.try_get("last_seq")?,
                unit_id: r.try_get("unit_id")?,
                unit_path: r.try_get("unit_path")?,
                specialty: parsed(r.try_get("specialty")?, Specialty::parse)?,
                creator_id: r.try_get("creator_id")?,
                group_id: r.try_get("group_id")?,
                difficulty: parsed(r.try_get("difficulty")?, Difficulty::parse)?,
                clocks: clocks_from(&r)?,
                rating: optional(r.try_get("rating")?, Score::parse)?,
            };
            heads.insert(head.id, head);
        }
    }
    Ok(heads)
}

/// A sender's message id: (ticket, sender, client id).
pub type ClientKey = (i64, i64, String);

/// The seqs already given to these client message ids.
pub async fn seqs_of_client_ids(
    conn: &mut AnyConnection,
    keys: &[ClientKey],
) -> sqlx::Result<HashMap<ClientKey, i64>> {
    let mut seen = HashMap::new();
    for chunk in keys.chunks(300) {
        let clauses: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 3 + 1;
                format!(
                    "(ticket_id = ${b} AND actor_id = ${} AND client_id = ${})",
                    b + 1,
                    b + 2
                )
            })
            .collect();
        let sql = format!(
            "SELECT ticket_id, actor_id, client_id, seq FROM ticket_events WHERE {}",
            clauses.join(" OR ")
        );
        let mut q = sqlx::query(&sql);
        for (t, a, c) in chunk {
            q = q.bind(*t).bind(*a).bind(c.as_str());
        }
        for r in q.fetch_all(&mut *conn).await? {
            let key = (
                r.try_get("ticket_id")?,
                r.try_get("actor_id")?,
                r.try_get("client_id")?,
            );
            seen.insert(key, r.try_get("seq")?);
        }
    }
    Ok(seen)
}

/// An entry to append, its seq already assigned by the journal.
#[derive(Clone, Debug)]
pub struct NewEntry {
    pub ticket_id: i64,
    pub seq: i64,
    pub kind: EventKind,
    /// `None` for an entry of the system's.
    pub actor_id: Option<i64>,
    pub body: String,
    pub client_id: Option<String>,
    pub file: Option<String>,
}

/// Appends entries in as few statements as the backends allow.
pub async fn insert_entries(
    conn: &mut AnyConnection,
    entries: &[NewEntry],
    now: Millis,
) -> sqlx::Result<()> {
    const COLUMNS: usize = 8;
    for chunk in entries.chunks(crate::db::rows_per_statement(COLUMNS)) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", marks(i * COLUMNS + 1, COLUMNS)))
            .collect();
        let sql = format!(
            "INSERT INTO ticket_events (ticket_id, seq, kind, actor_id, body, client_id, \
             file_hash, created_at) VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for e in chunk {
            q = q
                .bind(e.ticket_id)
                .bind(e.seq)
                .bind(e.kind.as_str())
                .bind(e.actor_id)
                .bind(e.body.as_str())
                .bind(e.client_id.as_deref())
                .bind(e.file.as_deref())
                .bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Writes a head back: its state, assignee, group, last seq, service-level clocks and flags,
/// when they are next looked at, and its rating. `updated` is the time of a change people made
/// or saw; a head only looked at again keeps its time.
pub async fn update_head(
    conn: &mut AnyConnection,
    h: &Head,
    updated: Option<Millis>,
    check_at: Option<Millis>,
) -> sqlx::Result<()> {
    let c = &h.clocks;
    sqlx::query(
        "UPDATE tickets SET state = $1, assignee_id = $2, last_seq = $3, \
         updated_at = COALESCE($4, updated_at), group_id = $5, respond_by = $6, due_at = $7, \
         waiting_on = $8, waiting_since = $9, acted_at = $10, reopens = $11, transfers = $12, \
         flags = $13, check_at = $14, rating = $15 WHERE id = $16",
    )
    .bind(h.state.as_str())
    .bind(h.assignee_id)
    .bind(h.last_seq)
    .bind(updated)
    .bind(h.group_id)
    .bind(c.respond_by)
    .bind(c.due_at)
    .bind(c.waiting_on.map(|w| w.as_str()))
    .bind(c.waiting_since)
    .bind(c.acted_at)
    .bind(c.reopens)
    .bind(c.transfers)
    .bind(c.flags.encode())
    .bind(check_at)
    .bind(h.rating.map(|r| r.as_str()))
    .bind(h.id)
    .execute(conn)
    .await?;
    Ok(())
}
