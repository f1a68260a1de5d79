//! One group of changes as one unit of work. The heads of every ticket the group touches are
//! read (and locked) once, each change is checked against them in memory — a stale move, a
//! closed ticket or a re-sent client id is that change's own answer — and then all new entries
//! go in with one statement and each head is written back once.
//!
//! If the database still refuses the group for something in the data, the group is rolled back
//! to its savepoint and written again one change at a time, each behind a savepoint of its own,
//! so one bad change fails alone. A fault of the store itself (full disk, lost server) fails
//! the whole group: nobody is told "stored".

mod levels;

use super::beside::{self, RatingRow, StepKey, StepRow};
use super::change::{Author, Change, Message, Posted, Transition};
use super::sql::{self, ClientKey, Head, NewEntry, NewTicket};
use crate::auth::Scope;
use crate::clock::Millis;
use crate::db::{fault, Backend, Db, WriteTx};
use crate::error::{AppError, AppResult};
use crate::helpdesk::repo::{self, Ticket};
use crate::helpdesk::sla::{Policy, Promise, WaitingOn};
use crate::helpdesk::ticket::{EventKind, TicketState};
use crate::helpdesk::view::EntryView;
use crate::trail::{self, Record};
use std::collections::{BTreeMap, HashMap, HashSet};

/// What one change came to, before the tickets are read back.
#[derive(Debug)]
pub enum Outcome {
    Ticket(i64),
    Posted(Posted),
    Nothing,
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
    /// When its flags are next looked at, if time alone can change them.
    pub check_at: Option<Millis>,
    /// People an escalation step told of it.
    pub notified: Vec<i64>,
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
pub async fn prepare(
    db: &Db,
    changes: &[Change],
    now: Millis,
    policy: &Policy,
) -> sqlx::Result<Prepared> {
    let mut tx = db.begin().await?;
    tx.savepoint("grp").await?;
    let at = At { now, policy };
    let applied = match apply(&mut tx, db.backend, changes, at).await {
        Ok(applied) => {
            tx.release("grp").await?;
            applied
        }
        Err(e) if fault::of(&e).is_some() => return Err(e),
        Err(e) => {
            tracing::warn!(error = %e, size = changes.len(), "group refused; writing it change by change");
            tx.rollback_to("grp").await?;
            tx.release("grp").await?;
            one_by_one(&mut tx, db.backend, changes, at).await?
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

/// When a group is written, and under which service-level policy.
#[derive(Clone, Copy)]
struct At<'a> {
    now: Millis,
    policy: &'a Policy,
}

async fn one_by_one(
    tx: &mut WriteTx,
    backend: Backend,
    changes: &[Change],
    at: At<'_>,
) -> sqlx::Result<Applied> {
    let mut all = Applied::default();
    for change in changes {
        tx.savepoint("one").await?;
        match apply(tx, backend, std::slice::from_ref(change), at).await {
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
                    mine.check_at = t.check_at;
                    mine.notified.extend(t.notified);
                }
                None => {
                    self.touched.insert(id, t);
                }
            }
        }
    }
}

/// The group's working state: heads as they stand after the changes so far.
struct Work<'a> {
    now: Millis,
    policy: &'a Policy,
    heads: HashMap<i64, Head>,
    seen: HashMap<ClientKey, i64>,
    touched: BTreeMap<i64, Touched>,
    entries: Vec<NewEntry>,
    /// What the audit trail records of this group (transfers), written with it.
    trail: Vec<Record>,
    /// Escalation steps recorded before the group, and those it records.
    steps_done: HashSet<StepKey>,
    steps: Vec<StepRow>,
    ratings: Vec<RatingRow>,
    /// Jobs the group schedules: (kind, key, due, payload).
    jobs: Vec<(&'static str, String, Millis, String)>,
}

async fn apply(
    tx: &mut WriteTx,
    backend: Backend,
    changes: &[Change],
    at: At<'_>,
) -> sqlx::Result<Applied> {
    let now = at.now;
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
    let steps: Vec<StepKey> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Escalate(e) => Some((e.ticket, e.flag, e.since, e.step)),
            _ => None,
        })
        .collect();
    let mut work = Work {
        now,
        policy: at.policy,
        heads,
        seen,
        touched: BTreeMap::new(),
        entries: Vec::new(),
        trail: Vec::new(),
        steps_done: beside::steps_done(tx, &steps).await?,
        steps: Vec::new(),
        ratings: Vec::new(),
        jobs: Vec::new(),
    };
    let mut outcomes = Vec::with_capacity(changes.len());
    for change in changes {
        let outcome = match change {
            Change::Create(c) => {
                let promise = at.policy.promise(c.ticket.difficulty, now);
                let id = sql::insert(tx, &c.ticket, &promise, now).await?;
                work.create(id, &c.ticket, &c.by, &promise);
                Ok(Outcome::Ticket(id))
            }
            Change::Transition(t) => work.transition(t),
            Change::Message(m) => work.message(m),
            Change::Review(id) => work.review(*id),
            Change::Escalate(e) => work.escalate(e),
            Change::Rate(r) => work.rate(r),
        };
        outcomes.push(outcome);
    }
    work.reflag();
    sql::insert_entries(tx, &work.entries, now).await?;
    for record in &work.trail {
        trail::append(tx, backend, record, now).await?;
    }
    for step in &work.steps {
        beside::insert_step(tx, step, now).await?;
    }
    for rating in &work.ratings {
        beside::insert_rating(tx, rating, now).await?;
    }
    for (kind, key, due, payload) in &work.jobs {
        crate::jobs::schedule(tx, kind, key, *due, payload).await?;
    }
    for t in work.touched.values() {
        let seen = t.changed || !t.entries.is_empty();
        sql::update_head(tx, &t.head, seen.then_some(now), t.check_at).await?;
    }
    let changed: Vec<i64> = work
        .touched
        .iter()
        .filter(|(_, t)| t.changed)
        .map(|(id, _)| *id)
        .collect();
    for ticket in repo::get_many(tx, &changed).await? {
        let resolved = |t: &Touched| t.entries.iter().any(|e| e.kind == EventKind::Resolved);
        if work.touched.get(&ticket.id).is_some_and(resolved) {
            // Clerks typing a similar request are offered it from now on.
            crate::helpdesk::knowledge::index_ticket(tx, ticket.id, &ticket.title).await?;
        }
        if let Some(t) = work.touched.get_mut(&ticket.id) {
            t.ticket = Some(ticket);
        }
    }
    Ok(Applied {
        outcomes,
        touched: work.touched,
    })
}

impl Work<'_> {
    fn create(&mut self, id: i64, new: &NewTicket, by: &Author, promise: &Promise) {
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
            difficulty: new.difficulty,
            clocks: crate::helpdesk::sla::Clocks {
                created_at: self.now,
                respond_by: Some(promise.respond_by),
                due_at: Some(promise.due_at),
                ..Default::default()
            },
            rating: None,
        };
        self.touched.insert(
            id,
            Touched {
                before: None,
                head,
                entries: Vec::new(),
                changed: true,
                ticket: None,
                check_at: None,
                notified: Vec::new(),
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
        let (now, respond) = (self.now, self.policy.respond_within(head.difficulty));
        let acts = head.assignee_id == Some(t.by.id) || t.to.1 == Some(t.by.id);
        let head = self.touch(t.ticket);
        let from = head.state;
        head.state = t.to.0;
        head.assignee_id = t.to.1;
        if let Some(group) = t.group {
            head.group_id = group;
        }
        head.clocks.moved(from, head.state, t.kind, now);
        let fresh_hands = matches!(
            t.kind,
            EventKind::Claimed | EventKind::Transferred | EventKind::Reopened
        );
        if acts || fresh_hands {
            head.clocks.acted_at = Some(now);
        }
        if t.kind == EventKind::Transferred && head.state == TicketState::New {
            // Back in a queue: its new group owes a first response of its own.
            head.clocks.respond_by = Some(now.saturating_add(respond));
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
        let for_clerk = head.clocks.waiting_on != Some(WaitingOn::Backoffice);
        let resumes = m.requester && !m.internal && head.state == TicketState::Waiting && for_clerk;
        let handler = head.assignee_id == Some(m.by.id);
        let kind = match m.internal {
            true => EventKind::Note,
            false => EventKind::Message,
        };
        let mut entry = Entry::new(kind, &m.by, &m.text);
        entry.client_id = m.client_id.clone();
        entry.file = m.file.clone();
        let now = self.now;
        if handler {
            self.touch(m.ticket).clocks.acted_at = Some(now);
        }
        self.touch(m.ticket);
        let seq = self.append(m.ticket, entry);
        if resumes {
            let head = self.touch(m.ticket);
            head.state = TicketState::Claimed;
            let kind = EventKind::Resumed;
            head.clocks
                .moved(TicketState::Waiting, TicketState::Claimed, kind, now);
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
                check_at: None,
                notified: Vec::new(),
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
            actor_id: e.by.as_ref().map(|b| b.id),
            actor_name: e.by.as_ref().map(|b| b.name.clone()).unwrap_or_default(),
            actor_role: e.by.as_ref().map(|b| b.role),
            actor_unit: e.by.as_ref().map(|b| b.unit.clone()).unwrap_or_default(),
            body: e.body.clone(),
            client_id: e.client_id.clone(),
            file: e.file.clone(),
            at: self.now,
        });
        self.entries.push(NewEntry {
            ticket_id: ticket,
            seq,
            kind: e.kind,
            actor_id: e.by.map(|b| b.id),
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
    /// `None` for the system's entries.
    by: Option<Author>,
    body: String,
    client_id: Option<String>,
    file: Option<String>,
}

impl Entry {
    /// An entry of `kind` by (id, name, role).
    fn new(kind: EventKind, by: &Author, body: &str) -> Self {
        Self {
            kind,
            by: Some(by.clone()),
            body: body.to_string(),
            client_id: None,
            file: None,
        }
    }

    /// An entry the system writes: a flag set, an escalation step.
    fn system(kind: EventKind, body: &str) -> Self {
        Self {
            kind,
            by: None,
            body: body.to_string(),
            client_id: None,
            file: None,
        }
    }
}
