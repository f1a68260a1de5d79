//! SQL for tickets and their ordered log.

use super::sla::{Clocks, Flags, WaitingOn};
use super::ticket::{Difficulty, EventKind, Score, TicketKind, TicketState};
use crate::auth::Scope;
use crate::clock::Millis;
use crate::org::{Role, Specialty};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

#[derive(Clone, Debug)]
pub struct Ticket {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
    pub creator_id: i64,
    pub creator_name: String,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    /// The expert group it was transferred to, if any.
    pub group_id: Option<i64>,
    pub group_name: Option<String>,
    pub item_code: String,
    pub kind: TicketKind,
    pub specialty: Specialty,
    pub difficulty: Difficulty,
    pub title: String,
    pub body: String,
    pub state: TicketState,
    pub last_seq: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// The service-level policy recorded when it was raised (JSON).
    pub sla: String,
    pub clocks: Clocks,
    pub rating: Option<Score>,
}

impl Ticket {
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

#[derive(Clone, Debug)]
pub struct TicketEvent {
    pub ticket_id: i64,
    pub seq: i64,
    pub kind: EventKind,
    /// `None` for what the system writes (a flag set, an escalation step).
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub actor_role: Option<Role>,
    pub actor_unit: String,
    pub body: String,
    pub client_id: Option<String>,
    /// Content hash of an attached screenshot or document.
    pub file: Option<String>,
    pub at: Millis,
}

const TICKET_SELECT: &str = "SELECT t.id, t.unit_id, n.name AS unit_name, t.unit_path, \
     t.creator_id, c.display_name AS creator_name, t.assignee_id, a.display_name AS assignee_name, \
     t.group_id, g.name AS group_name, \
     t.item_code, t.kind, t.specialty, t.difficulty, t.title, t.body, t.state, t.last_seq, \
     t.created_at, t.updated_at, t.sla, t.respond_by, t.due_at, t.waiting_on, t.waiting_since, \
     t.acted_at, t.reopens, t.transfers, t.flags, t.rating \
     FROM tickets t JOIN units n ON n.id = t.unit_id JOIN users c ON c.id = t.creator_id \
     LEFT JOIN users a ON a.id = t.assignee_id LEFT JOIN expert_groups g ON g.id = t.group_id";

pub(super) fn parsed<T>(value: String, parse: fn(&str) -> Option<T>) -> Result<T, sqlx::Error> {
    parse(&value).ok_or_else(|| sqlx::Error::Decode(format!("unexpected value {value:?}").into()))
}

fn ticket_from(row: &AnyRow) -> Result<Ticket, sqlx::Error> {
    Ok(Ticket {
        id: row.try_get("id")?,
        unit_id: row.try_get("unit_id")?,
        unit_name: row.try_get("unit_name")?,
        unit_path: row.try_get("unit_path")?,
        creator_id: row.try_get("creator_id")?,
        creator_name: row.try_get("creator_name")?,
        assignee_id: row.try_get("assignee_id")?,
        assignee_name: row.try_get("assignee_name")?,
        group_id: row.try_get("group_id")?,
        group_name: row.try_get("group_name")?,
        item_code: row.try_get("item_code")?,
        kind: parsed(row.try_get("kind")?, TicketKind::parse)?,
        specialty: parsed(row.try_get("specialty")?, Specialty::parse)?,
        difficulty: parsed(row.try_get("difficulty")?, Difficulty::parse)?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        state: parsed(row.try_get("state")?, TicketState::parse)?,
        last_seq: row.try_get("last_seq")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        sla: row.try_get("sla")?,
        clocks: clocks_from(row)?,
        rating: optional(row.try_get("rating")?, Score::parse)?,
    })
}

/// The service-level clocks of a row that has the tickets' columns.
pub(super) fn clocks_from(row: &AnyRow) -> Result<Clocks, sqlx::Error> {
    Ok(Clocks {
        created_at: row.try_get("created_at")?,
        respond_by: row.try_get("respond_by")?,
        due_at: row.try_get("due_at")?,
        waiting_on: optional(row.try_get("waiting_on")?, WaitingOn::parse)?,
        waiting_since: row.try_get("waiting_since")?,
        acted_at: row.try_get("acted_at")?,
        reopens: row.try_get("reopens")?,
        transfers: row.try_get("transfers")?,
        flags: Flags::decode(&row.try_get::<String, _>("flags")?),
    })
}

pub(super) fn optional<T>(
    value: Option<String>,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, sqlx::Error> {
    value.map(|v| parsed(v, parse)).transpose()
}

fn event_from(row: &AnyRow) -> Result<TicketEvent, sqlx::Error> {
    Ok(TicketEvent {
        ticket_id: row.try_get("ticket_id")?,
        seq: row.try_get("seq")?,
        kind: parsed(row.try_get("kind")?, EventKind::parse)?,
        actor_id: row.try_get("actor_id")?,
        actor_name: row.try_get("actor_name")?,
        actor_role: optional(row.try_get("actor_role")?, Role::parse)?,
        actor_unit: row.try_get("actor_unit")?,
        body: row.try_get("body")?,
        client_id: row.try_get("client_id")?,
        file: row.try_get("file_hash")?,
        at: row.try_get("created_at")?,
    })
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> sqlx::Result<Option<Ticket>> {
    let sql = format!("{TICKET_SELECT} WHERE t.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(ticket_from).transpose()
}

/// The open tickets under `under` with a flag standing, oldest first.
pub async fn flagged(pool: &AnyPool, under: &str, limit: i64) -> sqlx::Result<Vec<Ticket>> {
    let sql = format!(
        "{TICKET_SELECT} WHERE t.flags <> '' AND t.unit_path LIKE $1 \
         ORDER BY t.created_at, t.id LIMIT $2"
    );
    let rows = sqlx::query(&sql)
        .bind(format!("{under}%"))
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter().map(ticket_from).collect()
}

/// Which tickets a list holds. Without `open_only` the list runs newest first; with it, oldest
/// first (longest waiting on top).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// The unit path the tickets lie under.
    pub under: String,
    pub open_only: bool,
    pub state: Option<TicketState>,
    pub item_code: Option<String>,
    /// Words the title or the description contains.
    pub text: Option<String>,
    /// Part of the name of the person handling it.
    pub handler: Option<String>,
    /// Raised at or after / before, in milliseconds.
    pub from: Option<Millis>,
    pub until: Option<Millis>,
}

/// `text` for a LIKE pattern that matches it anywhere, with `%`, `_` and `\` taken literally.
fn contains(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

enum Bind {
    Text(String),
    Number(i64),
}

/// A query's conditions and the values they are bound to, numbered as they are added.
#[derive(Default)]
struct Conditions {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

impl Conditions {
    /// Adds `clause`, each `?` in it standing for `value` (the same parameter each time).
    fn add(&mut self, clause: &str, value: Bind) {
        self.binds.push(value);
        let mark = format!("${}", self.binds.len());
        self.clauses.push(clause.replace('?', &mark));
    }
}

/// One page of tickets matching `filter`, after the ticket id `cursor` in list order.
pub async fn list(
    pool: &AnyPool,
    filter: &Filter,
    cursor: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<Ticket>> {
    let mut c = Conditions::default();
    c.add(
        "t.unit_path LIKE ?",
        Bind::Text(format!("{}%", filter.under)),
    );
    if filter.open_only {
        c.clauses
            .push("t.state IN ('new', 'claimed', 'waiting')".into());
    }
    if let Some(state) = filter.state {
        c.add("t.state = ?", Bind::Text(state.as_str().into()));
    }
    if let Some(item) = &filter.item_code {
        c.add("t.item_code = ?", Bind::Text(item.clone()));
    }
    if let Some(words) = &filter.text {
        let clause = "(t.title LIKE ? ESCAPE '\\' OR t.body LIKE ? ESCAPE '\\')";
        c.add(clause, Bind::Text(contains(words)));
    }
    if let Some(name) = &filter.handler {
        c.add(
            "a.display_name LIKE ? ESCAPE '\\'",
            Bind::Text(contains(name)),
        );
    }
    if let Some(from) = filter.from {
        c.add("t.created_at >= ?", Bind::Number(from));
    }
    if let Some(until) = filter.until {
        c.add("t.created_at < ?", Bind::Number(until));
    }
    let order = match filter.open_only {
        true => {
            c.add("t.id > ?", Bind::Number(cursor.unwrap_or(0)));
            "t.id"
        }
        false => {
            c.add("t.id < ?", Bind::Number(cursor.unwrap_or(i64::MAX)));
            "t.id DESC"
        }
    };
    c.binds.push(Bind::Number(limit));
    let sql = format!(
        "{TICKET_SELECT} WHERE {} ORDER BY {order} LIMIT ${}",
        c.clauses.join(" AND "),
        c.binds.len()
    );
    let mut q = sqlx::query(&sql);
    for bind in c.binds {
        q = match bind {
            Bind::Text(text) => q.bind(text),
            Bind::Number(n) => q.bind(n),
        };
    }
    let rows = q.fetch_all(pool).await?;
    rows.iter().map(ticket_from).collect()
}

/// The log entries after `after_seq`, in order, at most `limit`.
pub async fn events_after(
    conn: &mut AnyConnection,
    ticket_id: i64,
    after_seq: i64,
    limit: i64,
    notes: bool,
) -> sqlx::Result<Vec<TicketEvent>> {
    const ALL: &str = "SELECT e.ticket_id, e.seq, e.kind, e.actor_id, \
         COALESCE(u.display_name, '') AS actor_name, u.role AS actor_role, \
         COALESCE(au.name, '') AS actor_unit, e.body, \
         e.client_id, e.file_hash, e.created_at \
         FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id \
         LEFT JOIN units au ON au.id = u.unit_id \
         WHERE e.ticket_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3";
    const NO_NOTES: &str = "SELECT e.ticket_id, e.seq, e.kind, e.actor_id, \
         COALESCE(u.display_name, '') AS actor_name, u.role AS actor_role, \
         COALESCE(au.name, '') AS actor_unit, e.body, \
         e.client_id, e.file_hash, e.created_at \
         FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id \
         LEFT JOIN units au ON au.id = u.unit_id \
         WHERE e.ticket_id = $1 AND e.seq > $2 AND e.kind <> 'note' ORDER BY e.seq LIMIT $3";
    let rows = sqlx::query(if notes { ALL } else { NO_NOTES })
        .bind(ticket_id)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(event_from).collect()
}

/// How many requests the person has open.
pub async fn open_count(pool: &AnyPool, creator_id: i64) -> sqlx::Result<i64> {
    sqlx::query(
        "SELECT COUNT(*) AS n FROM tickets WHERE creator_id = $1 \
         AND state IN ('new', 'claimed', 'waiting')",
    )
    .bind(creator_id)
    .fetch_one(pool)
    .await?
    .try_get("n")
}

/// Open tickets counted by state, for the metrics endpoint.
pub async fn count_by_state(pool: &AnyPool) -> sqlx::Result<Vec<(String, i64)>> {
    let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM tickets GROUP BY state")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("state")?, r.try_get("n")?)))
        .collect()
}

/// The display name and role of a user, if they exist.
pub async fn user_brief(conn: &mut AnyConnection, id: i64) -> sqlx::Result<Option<UserBrief>> {
    let row = sqlx::query(
        "SELECT u.id, u.display_name, u.role, n.path AS unit_path, u.group_id, g.specialties \
         FROM users u \
         JOIN units n ON n.id = u.unit_id LEFT JOIN expert_groups g ON g.id = u.group_id \
         WHERE u.id = $1 AND u.disabled = 0",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(UserBrief {
            id: r.try_get("id")?,
            display_name: r.try_get("display_name")?,
            role: r.try_get("role")?,
            unit_path: r.try_get("unit_path")?,
            group_id: r.try_get("group_id")?,
            specialties: crate::org::parse_specialties(
                r.try_get::<Option<String>, _>("specialties")?
                    .as_deref()
                    .unwrap_or(""),
            ),
        })
    })
    .transpose()
}

pub struct UserBrief {
    pub id: i64,
    pub display_name: String,
    pub role: String,
    pub unit_path: String,
    pub group_id: Option<i64>,
    pub specialties: Vec<Specialty>,
}

/// An expert who could take a ticket, as a transfer screen lists them.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Candidate {
    pub id: i64,
    pub display_name: String,
    pub unit_name: String,
    pub group_name: String,
    #[serde(skip)]
    pub unit_path: String,
    #[serde(skip)]
    pub specialties: Vec<Specialty>,
    #[serde(skip)]
    pub group_id: Option<i64>,
}

/// An expert group a ticket could be transferred to.
#[derive(Clone, Debug, serde::Serialize)]
pub struct GroupCandidate {
    #[serde(skip)]
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit_name: String,
    /// Its enabled experts.
    pub experts: i64,
}

/// Expert groups on the path from the region down to `unit_path`, nearest first, with their
/// enabled experts who could take the ticket (whose own unit covers it too); only groups that
/// have one.
pub async fn groups_above(
    conn: &mut AnyConnection,
    unit_path: &str,
) -> sqlx::Result<Vec<GroupCandidate>> {
    let rows = sqlx::query(
        "SELECT g.id, g.code, g.name, n.name AS unit_name, COUNT(u.id) AS experts \
         FROM expert_groups g JOIN units n ON n.id = g.unit_id \
         JOIN users u ON u.group_id = g.id AND u.role = 'expert' AND u.disabled = 0 \
         JOIN units un ON un.id = u.unit_id \
         WHERE $1 LIKE n.path || '%' AND $1 LIKE un.path || '%' \
         GROUP BY g.id, g.code, g.name, n.name, n.path \
         ORDER BY LENGTH(n.path) DESC, g.code",
    )
    .bind(unit_path)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(GroupCandidate {
                id: r.try_get("id")?,
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                unit_name: r.try_get("unit_name")?,
                experts: r.try_get("experts")?,
            })
        })
        .collect()
}

/// Enabled experts whose unit lies on the path from the region down to `unit_path`, nearest
/// first; the caller keeps those whose group answers the ticket.
pub async fn experts_above(
    conn: &mut AnyConnection,
    unit_path: &str,
) -> sqlx::Result<Vec<Candidate>> {
    let rows = sqlx::query(
        "SELECT u.id, u.display_name, n.name AS unit_name, n.path AS unit_path, u.group_id, \
         g.name AS group_name, g.specialties FROM users u \
         JOIN units n ON n.id = u.unit_id JOIN expert_groups g ON g.id = u.group_id \
         WHERE u.role = 'expert' AND u.disabled = 0 AND $1 LIKE n.path || '%' \
         ORDER BY LENGTH(n.path) DESC, u.display_name",
    )
    .bind(unit_path)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Candidate {
                id: r.try_get("id")?,
                display_name: r.try_get("display_name")?,
                unit_name: r.try_get("unit_name")?,
                group_name: r.try_get("group_name")?,
                unit_path: r.try_get("unit_path")?,
                specialties: crate::org::parse_specialties(&r.try_get::<String, _>("specialties")?),
                group_id: r.try_get("group_id")?,
            })
        })
        .collect()
}

pub(super) use crate::db::marks;

/// Whole tickets, by id.
pub async fn get_many(conn: &mut AnyConnection, ids: &[i64]) -> sqlx::Result<Vec<Ticket>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(crate::db::rows_per_statement(1)) {
        let sql = format!("{TICKET_SELECT} WHERE t.id IN ({})", marks(1, chunk.len()));
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push(ticket_from(&r)?);
        }
    }
    Ok(out)
}
