//! One group of changes as one unit of work. The heads of every ticket the group touches are
//! read (and locked) once, each change is checked against them in memory — a stale move, a
//! closed ticket or a re-sent client id is that change's own answer — and then all new entries
//! go in with one statement and each head is written back once.
//!
//! If the database still refuses the group for something in the data, the group is rolled back
//! to its savepoint and written again one change at a time, each behind a savepoint of its own,
//! so one bad change fails alone. A fault of the store itself (full disk, lost server) fails
//! the whole group: nobody is told "stored".

use super::change::{Author, Change, Message, Posted, Transition};
use super::sql::{self, ClientKey, Head, NewEntry, NewTicket};
use crate::auth::Scope;
use crate::clock::Millis;
use crate::db::{fault, Backend, Db, WriteTx};
use crate::error::{AppError, AppResult};
use crate::helpdesk::repo::{self, Ticket};
use crate::helpdesk::ticket::{EventKind, TicketState};
use crate::helpdesk::view::EntryView;
use crate::trail::{self, Record};
use std::collections::{BTreeMap, HashMap};

/// What one change came to, before the tickets are read back.
#[derive(Debug)]
pub enum Outcome {
    Ticket(i64),
    Posted(Posted),
}

/// What one ticket gained in the group.
pub struct Touched {
    /// The scope before the group, if the ticket existed.
    pub before: Option<Scope>,
    pub head: Head,
    pub entries: Vec<EntryView>,
    /// True when more than chat happened: the ticket itself is shown anew.
    pub changed: bool,
    /// The ticket as committed, read back when `changed`.
    pub ticket: Option<Ticket>,
}

#[derive(Default)]
pub struct Applied {
    pub outcomes: Vec<AppResult<Outcome>>,
    pub touched: BTreeMap<i64, Touched>,
}

/// A group written in its transaction, not yet committed.
pub struct Prepared {
    tx: WriteTx,
    pub applied: Applied,
}

/// Writes the group in one transaction, up to the commit.
pub async fn prepare(db: &Db, changes: &[Change], now: Millis) -> sqlx::Result<Prepared> {
    let mut tx = db.begin().await?;
    tx.savepoint("grp").await?;
    let applied = match apply(&mut tx, db.backend, changes, now).await {
        Ok(applied) => {
            tx.release("grp").await?;
            applied
        }
        Err(e) if fault::of(&e).is_some() => return Err(e),
        Err(e) => {
            tracing::warn!(error = %e, size = changes.len(), "group refused; writing it change by change");
            tx.rollback_to("grp").await?;
            tx.release("grp").await?;
            one_by_one(&mut tx, db.backend, changes, now).await?
        }
    };
    Ok(Prepared { tx, applied })
}

impl Prepared {
    /// Commits; a COMMIT that fails or times out leaves the group in doubt, and the group
    /// comes back with the error so the caller can find out what happened.
    pub async fn commit(self, db: &Db) -> Result<Applied, (Applied, sqlx::Error)> {
        let Prepared { tx, applied } = self;
        match db.write(tx.commit()).await {
            Ok(()) => Ok(applied),
            Err(e) => Err((applied, e)),
        }
    }
}

/// Whether a group whose COMMIT went unanswered is in the store: every ticket it touched has
/// the last seq the group gave it. Read on the write path with the tickets locked, so a COMMIT
/// still on its way is waited for, not overtaken.
pub async fn committed(db: &Db, applied: &Applied) -> sqlx::Result<bool> {
    let ids: Vec<i64> = applied.touched.keys().copied().collect();
    let mut tx = db.begin().await?;
    let heads = sql::lock_heads(&mut tx, db.backend, &ids).await?;
    tx.rollback().await?;
    Ok(applied
        .touched
        .iter()
        .all(|(id, t)| heads.get(id).is_some_and(|h| h.last_seq == t.head.last_seq)))
}

async fn one_by_one(
    tx: &mut WriteTx,
    backend: Backend,
    changes: &[Change],
    now: Millis,
) -> sqlx::Result<Applied> {
    let mut all = Applied::default();
    for change in changes {
        tx.savepoint("one").await?;
        match apply(tx, backend, std::slice::from_ref(change), now).await {
            Ok(one) => {
                tx.release("one").await?;
                all.merge(one);
            }
            Err(e) if fault::of(&e).is_some() => return Err(e),
            Err(e) => {
                tracing::error!(error = %e, "a change was refused by the database");
                tx.rollback_to("one").await?;
                tx.release("one").await?;
                all.outcomes.push(Err(AppError::from(e)));
            }
        }
    }
    Ok(all)
}

impl Applied {
    fn merge(&mut self, other: Applied) {
        self.outcomes.extend(other.outcomes);
        for (id, t) in other.touched {
            match self.touched.get_mut(&id) {
                Some(mine) => {
                    mine.head = t.head;
                    mine.entries.extend(t.entries);
                    mine.changed |= t.changed;
                    mine.ticket = t.ticket.or(mine.ticket.take());
                }
                None => {
                    self.touched.insert(id, t);
                }
            }
        }
    }
}

/// The group's working state: heads as they stand after the changes so far.
struct Work {
    now: Millis,
    heads: HashMap<i64, Head>,
    seen: HashMap<ClientKey, i64>,
    touched: BTreeMap<i64, Touched>,
    entries: Vec<NewEntry>,
    /// What the audit trail records of this group (transfers), written with it.
    trail: Vec<Record>,
}

async fn apply(
    tx: &mut WriteTx,
    backend: Backend,
    changes: &[Change],
    now: Millis,
) -> sqlx::Result<Applied> {
    let mut ids: Vec<i64> = changes.iter().filter_map(Change::ticket).collect();
    ids.sort_unstable();
    ids.dedup();
    let keys: Vec<ClientKey> = changes.iter().filter_map(Change::client_key).collect();
    let heads = sql::lock_heads(tx, backend, &ids).await?;
    let seen = if keys.is_empty() {
        HashMap::new()
    } else {
        sql::seqs_of_client_ids(tx, &keys).await?
    };
    let mut work = Work {
        now,
        heads,
        seen,
        touched: BTreeMap::new(),
        entries: Vec::new(),
        trail: Vec::new(),
    };
    let mut outcomes = Vec::with_capacity(changes.len());
    for change in changes {
        let outcome = match change {
            Change::Create(c) => {
                let id = sql::insert(tx, &c.ticket, now).await?;
                work.create(id, &c.ticket, &c.by);
                Ok(Outcome::Ticket(id))
            }
            Change::Transition(t) => work.transition(t),
            Change::Message(m) => work.message(m),
        };
        outcomes.push(outcome);
    }
    sql::insert_entries(tx, &work.entries, now).await?;
    for record in &work.trail {
        trail::append(tx, backend, record, now).await?;
    }
    for t in work.touched.values() {
        sql::update_head(tx, &t.head, now).await?;
    }
    let changed: Vec<i64> = work
        .touched
        .iter()
        .filter(|(_, t)| t.changed)
        .map(|(id, _)| *id)
        .collect();
    for ticket in repo::get_many(tx, &changed).await? {
        if let Some(t) = work.touched.get_mut(&ticket.id) {
            t.ticket = Some(ticket);
        }
    }
    Ok(Applied {
        outcomes,
        touched: work.touched,
    })
}

impl Work {
    fn create(&mut self, id: i64, new: &NewTicket, by: &Author) {
        let head = Head {
            id,
            state: TicketState::New,
            assignee_id: None,
            last_seq: 0,
            unit_id: new.unit_id,
            unit_path: new.unit_path.clone(),
            specialty: new.specialty,
            creator_id: new.creator_id,
            group_id: None,
        };
        self.touched.insert(
            id,
            Touched {
                before: None,
                head,
                entries: Vec::new(),
                changed: true,
                ticket: None,
            },
        );
        let entry = Entry::new(EventKind::Created, by, &new.title);
        self.append(id, entry);
    }

    fn transition(&mut self, t: &Transition) -> AppResult<Outcome> {
        let head = self.current(t.ticket).ok_or(AppError::NotFound("ticket"))?;
        if (head.state, head.assignee_id) != t.from {
            return Err(AppError::Stale);
        }
        let head = self.touch(t.ticket);
        head.state = t.to.0;
        head.assignee_id = t.to.1;
        if let Some(group) = t.group {
            head.group_id = group;
        }
        let unit_path = head.unit_path.clone();
        let entry = Entry::new(t.kind, &t.by, &t.body);
        self.append(t.ticket, entry);
        if t.kind == EventKind::Transferred {
            self.trail.push(Record {
                kind: "ticket_transferred",
                actor_id: Some(t.by.id),
                actor: t.by.name.clone(),
                unit_path,
                subject: format!("ticket {}", t.ticket),
                detail: match t.to.1 {
                    Some(person) => format!("to person {person} ({})", t.body),
                    None => format!("to a group ({})", t.body),
                },
                ..Record::default()
            });
        }
        Ok(Outcome::Ticket(t.ticket))
    }

    fn message(&mut self, m: &Message) -> AppResult<Outcome> {
        let key = m.client_id.as_ref().map(|c| (m.ticket, m.by.id, c.clone()));
        if let Some(seq) = key.as_ref().and_then(|k| self.seen.get(k)) {
            let duplicate = true;
            return Ok(Outcome::Posted(Posted {
                seq: *seq,
                duplicate,
            }));
        }
        let head = self.current(m.ticket).ok_or(AppError::NotFound("ticket"))?;
        if !m.internal && !head.state.is_open() {
            return Err(AppError::InvalidState(
                "the ticket is resolved or closed; reopen it first".into(),
            ));
        }
        // The clerk's answer to "waiting for you" hands the ticket back to the expert.
        let resumes = m.requester && !m.internal && head.state == TicketState::Waiting;
        let kind = match m.internal {
            true => EventKind::Note,
            false => EventKind::Message,
        };
        let mut entry = Entry::new(kind, &m.by, &m.text);
        entry.client_id = m.client_id.clone();
        entry.file = m.file.clone();
        self.touch(m.ticket);
        let seq = self.append(m.ticket, entry);
        if resumes {
            self.touch(m.ticket).state = TicketState::Claimed;
            let resumed = Entry::new(EventKind::Resumed, &m.by, "");
            self.append(m.ticket, resumed);
        }
        if let Some(k) = key {
            self.seen.insert(k, seq);
        }
        let duplicate = false;
        Ok(Outcome::Posted(Posted { seq, duplicate }))
    }

    /// The ticket's head as it stands in this group so far.
    fn current(&self, id: i64) -> Option<Head> {
        match self.touched.get(&id) {
            Some(t) => Some(t.head.clone()),
            None => self.heads.get(&id).cloned(),
        }
    }

    /// Notes the ticket as changed by the group (only once a change of it is accepted, so a
    /// refused change writes nothing) and returns its head to change.
    fn touch(&mut self, id: i64) -> &mut Head {
        let heads = &self.heads;
        let touched = self.touched.entry(id).or_insert_with(|| {
            let head = heads
                .get(&id)
                .cloned()
                .expect("only known tickets are touched");
            Touched {
                before: Some(head.scope()),
                head,
                entries: Vec::new(),
                changed: false,
                ticket: None,
            }
        });
        &mut touched.head
    }

    /// Appends under the ticket's next seq; returns it.
    fn append(&mut self, ticket: i64, e: Entry) -> i64 {
        let Some(t) = self.touched.get_mut(&ticket) else {
            return 0;
        };
        t.head.last_seq += 1;
        let seq = t.head.last_seq;
        t.changed |= !matches!(e.kind, EventKind::Message | EventKind::Note);
        t.entries.push(EntryView {
            ticket_id: ticket,
            seq,
            kind: e.kind,
            actor_id: e.by.id,
            actor_name: e.by.name.clone(),
            actor_role: e.by.role,
            actor_unit: e.by.unit.clone(),
            body: e.body.clone(),
            client_id: e.client_id.clone(),
            file: e.file.clone(),
            at: self.now,
        });
        self.entries.push(NewEntry {
            ticket_id: ticket,
            seq,
            kind: e.kind,
            actor_id: e.by.id,
            body: e.body,
            client_id: e.client_id,
            file: e.file,
        });
        seq
    }
}

/// An entry before its seq is known.
struct Entry {
    kind: EventKind,
    by: Author,
    body: String,
    client_id: Option<String>,
    file: Option<String>,
}

impl Entry {
    /// An entry of `kind` by (id, name, role).
    fn new(kind: EventKind, by: &Author, body: &str) -> Self {
        Self {
            kind,
            by: by.clone(),
            body: body.to_string(),
            client_id: None,
            file: None,
        }
    }
}
