//! What people do with tickets. Each operation checks the input and the person's jurisdiction,
//! then hands the change to the journal, which commits it and publishes it; reads come from the
//! store. HTTP routes and the live connection both call these, and nothing else.

use super::allowed::{reads_notes, Part};
use super::journal::sql::NewTicket;
use super::journal::{Author, Change, Create, Done, Message, Posted, Rate, Transition};
use super::repo::{self, Ticket};
use super::ticket::{Difficulty, Move, Score, TicketKind, TicketState};
use super::view::{EntryView, TicketView};
use super::Helpdesk;
use super::{files, record};
use crate::auth::jurisdiction::{self, path_covers};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::org::{catalogue, Role};
use crate::text;
use serde::Deserialize;

pub const TITLE_MAX_CHARS: usize = 100;
pub const REASON_MAX_CHARS: usize = 200;

/// The longest page of a list.
pub const PAGE_MAX: usize = 500;
/// Candidates read per query while filling a page, and queries at most per page.
const SCAN: i64 = 500;
const SCAN_PAGES: usize = 20;

#[derive(Debug, Deserialize)]
pub struct NewRequest {
    pub item_code: String,
    #[serde(default)]
    pub kind: Option<String>,
    pub difficulty: String,
    pub title: String,
    #[serde(default)]
    pub body: String,
}

/// A clerk raises a help request in their own unit.
pub async fn create(hd: &Helpdesk, actor: &Actor, req: NewRequest) -> AppResult<TicketView> {
    if actor.role != Role::Clerk {
        return Err(AppError::Forbidden);
    }
    let item = catalogue::find(&req.item_code)
        .ok_or_else(|| AppError::invalid("item_code", "unknown service item"))?;
    let kind = match req.kind.as_deref() {
        None => TicketKind::Business,
        Some(k) => TicketKind::parse(k).ok_or_else(|| AppError::invalid("kind", "unknown kind"))?,
    };
    let difficulty = Difficulty::parse(&req.difficulty)
        .ok_or_else(|| AppError::invalid("difficulty", "small, big or hard"))?;
    let title = req.title.trim();
    if title.is_empty() {
        return Err(AppError::invalid("title", "must not be empty"));
    }
    text::check_line("title", title, TITLE_MAX_CHARS)?;
    let body = req.body.trim();
    text::check("body", body, hd.limits.max_text_chars)?;
    paced(hd, actor).await?;
    let ticket = NewTicket {
        unit_id: actor.unit_id,
        unit_path: actor.unit_path.clone(),
        creator_id: actor.id,
        item_code: item.code.to_string(),
        kind,
        specialty: kind.specialty(item.family),
        difficulty,
        title: title.to_string(),
        body: body.to_string(),
    };
    let created = ticket_of(
        actor,
        hd.journal.submit(Change::Create(Create {
            ticket,
            by: Author::of(actor),
        })),
    )
    .await?;
    hd.metrics.tickets_created.inc();
    Ok(created)
}

/// A clerk raises requests at a bounded pace and has a bounded number open: a flood of them
/// would bury everyone else's in the experts' queues.
async fn paced(hd: &Helpdesk, actor: &Actor) -> AppResult<()> {
    let open = hd
        .db
        .timed(repo::open_count(hd.db.read(), actor.id))
        .await?;
    let max = hd.limits.max_open_requests;
    let refused = if open >= i64::from(max) {
        AppError::TooManyOpen(max)
    } else {
        let now = hd.clock.now();
        let rate = hd.limits.requests;
        let taken = {
            let mut paces = hd.paces.lock().unwrap_or_else(|p| p.into_inner());
            let bucket = paces.entry(actor.id).or_insert_with(|| rate.full(now));
            rate.take(bucket, now)
        };
        match taken {
            Ok(()) => return Ok(()),
            Err(retry_after_secs) => AppError::RateLimited { retry_after_secs },
        }
    };
    record::rate_limited(hd, actor, "help requests").await;
    Err(refused)
}

async fn ticket_of(
    actor: &Actor,
    done: impl std::future::Future<Output = AppResult<Done>>,
) -> AppResult<TicketView> {
    match done.await? {
        Done::Ticket(t) => Ok(TicketView::full(&t, actor)),
        _ => Err(AppError::Internal(anyhow::anyhow!("expected a ticket"))),
    }
}

/// The ticket, if the actor may see it; otherwise "not found", so existence does not leak.
pub async fn visible(hd: &Helpdesk, actor: &Actor, id: i64) -> AppResult<Ticket> {
    let found = hd
        .db
        .timed(async {
            let mut conn = hd.db.read().acquire().await?;
            repo::get(&mut conn, id).await
        })
        .await?;
    match found {
        Some(t) if jurisdiction::may_see(actor, &t.scope()) => Ok(t),
        _ => {
            record::refused(hd, actor, format!("ticket {id}"), "not in sight").await;
            Err(AppError::NotFound("ticket"))
        }
    }
}

/// The ticket as the actor may see it.
pub async fn ticket(hd: &Helpdesk, actor: &Actor, id: i64) -> AppResult<TicketView> {
    let t = visible(hd, actor, id).await?;
    record::first_view(hd, actor, id).await;
    Ok(TicketView::full(&t, actor))
}

/// What someone looks for in the tickets they may see (all optional).
#[derive(Debug, Default, Deserialize)]
pub struct Search {
    /// A ticket number (`123` or `#123`), or words in the title or description.
    #[serde(default)]
    pub q: Option<String>,
    /// The code of a unit: tickets raised in its subtree.
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub item: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    /// Part of the name of the person handling it.
    #[serde(default)]
    pub handler: Option<String>,
    #[serde(default)]
    pub from: Option<i64>,
    #[serde(default)]
    pub until: Option<i64>,
}

impl Search {
    pub fn is_empty(&self) -> bool {
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        blank(&self.q)
            && blank(&self.unit)
            && blank(&self.item)
            && blank(&self.state)
            && blank(&self.handler)
            && self.from.is_none()
            && self.until.is_none()
    }
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The filter for `search` by `actor`: always inside their own subtree, whatever was asked.
async fn filter_for(hd: &Helpdesk, actor: &Actor, search: &Search) -> AppResult<repo::Filter> {
    let mut filter = repo::Filter {
        under: actor.unit_path.clone(),
        item_code: given(&search.item),
        text: given(&search.q),
        handler: given(&search.handler),
        from: search.from,
        until: search.until,
        ..repo::Filter::default()
    };
    if let Some(text) = &filter.text {
        text::check_line("q", text, TITLE_MAX_CHARS)?;
    }
    if let Some(name) = &filter.handler {
        text::check_line("handler", name, 50)?;
    }
    if let Some(state) = given(&search.state) {
        let parsed = TicketState::parse(&state);
        filter.state = Some(parsed.ok_or_else(|| AppError::invalid("state", "unknown state"))?);
    }
    if let Some(code) = given(&search.unit) {
        let unit = hd
            .db
            .timed(async {
                let mut conn = hd.db.read().acquire().await?;
                crate::org::repo::unit_by_code(&mut conn, &code).await
            })
            .await?;
        match unit {
            Some(u) if path_covers(&actor.unit_path, &u.path) => filter.under = u.path,
            _ => {
                return Err(AppError::invalid(
                    "unit",
                    format!("no unit {code} in your area"),
                ))
            }
        }
    }
    Ok(filter)
}

/// Searches come at a bounded pace per person: a search for words found nowhere reads every
/// ticket of the area (a fifth of a second per million), so one person's flood of them must
/// not take the store from everyone else. Knowledge-base searches share the same pace.
pub(super) async fn search_paced(hd: &Helpdesk, actor: &Actor) -> AppResult<()> {
    let now = hd.clock.now();
    let rate = hd.limits.searches;
    let taken = {
        let mut paces = hd.searches.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = paces.entry(actor.id).or_insert_with(|| rate.full(now));
        rate.take(bucket, now)
    };
    match taken {
        Ok(()) => Ok(()),
        Err(retry_after_secs) => {
            record::rate_limited(hd, actor, "searches").await;
            Err(AppError::RateLimited { retry_after_secs })
        }
    }
}

/// A ticket number typed into the search box: `123` or `#123`.
fn ticket_number(search: &Search) -> Option<i64> {
    let q = given(&search.q)?;
    q.strip_prefix('#').unwrap_or(&q).parse().ok()
}

/// One page of the tickets the actor may see, as summaries. With nothing searched for and not
/// `include_done`: the open ones, oldest first (longest waiting on top). Otherwise every state,
/// newest first, narrowed by `search`; a ticket number finds that ticket. `after` is the cursor
/// a previous page returned; the next cursor is `None` when the list is complete.
pub async fn list_page(
    hd: &Helpdesk,
    actor: &Actor,
    include_done: bool,
    search: &Search,
    after: Option<i64>,
    limit: usize,
) -> AppResult<(Vec<TicketView>, Option<i64>)> {
    if !search.is_empty() {
        search_paced(hd, actor).await?;
    }
    if let Some(id) = ticket_number(search) {
        let found = match visible(hd, actor, id).await {
            Ok(t) => vec![TicketView::summary(&t, actor)],
            Err(AppError::NotFound(_)) => Vec::new(),
            Err(e) => return Err(e),
        };
        return Ok((found, None));
    }
    let mut filter = filter_for(hd, actor, search).await?;
    filter.open_only = !include_done && search.is_empty();
    let limit = limit.clamp(1, PAGE_MAX);
    // The unit path narrows the query; the jurisdiction check decides. Candidates are read
    // until the page is full, so tickets the person may not see do not crowd out those they may.
    let mut page = Vec::new();
    let mut cursor = after;
    for _ in 0..SCAN_PAGES {
        let read = repo::list(hd.db.read(), &filter, cursor, SCAN);
        let candidates = hd.db.timed(read).await?;
        let exhausted = (candidates.len() as i64) < SCAN;
        for t in &candidates {
            cursor = Some(t.id);
            if jurisdiction::may_see(actor, &t.scope()) {
                page.push(TicketView::summary(t, actor));
                if page.len() == limit {
                    return Ok((page, cursor));
                }
            }
        }
        if exhausted {
            return Ok((page, None));
        }
    }
    Ok((page, cursor))
}

/// The ticket and its log after `after_seq`, at most `limit` entries.
pub async fn history(
    hd: &Helpdesk,
    actor: &Actor,
    id: i64,
    after_seq: i64,
    limit: i64,
) -> AppResult<(TicketView, Vec<EntryView>)> {
    let ticket = visible(hd, actor, id).await?;
    record::first_view(hd, actor, id).await;
    let (after, limit) = (after_seq.max(0), limit.clamp(1, 1000));
    let events = hd
        .db
        .timed(async {
            let mut conn = hd.db.read().acquire().await?;
            repo::events_after(&mut conn, id, after, limit, reads_notes(actor)).await
        })
        .await?;
    let events = events.iter().map(EntryView::from).collect();
    Ok((TicketView::full(&ticket, actor), events))
}

/// Whom a transfer goes to, and why (optional, one line).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// A person (user id)…
    #[serde(default)]
    pub to: Option<i64>,
    /// …or an expert group (code), whose queue it goes back to.
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub reason: String,
}

/// Claim, transfer, wait for the clerk, resolve, close or reopen.
pub async fn apply(
    hd: &Helpdesk,
    actor: &Actor,
    id: i64,
    mv: Move,
    transfer: Transfer,
) -> AppResult<TicketView> {
    let ticket = visible(hd, actor, id).await?;
    if !Part::of(actor, &ticket.scope()).may(mv) {
        let detail = format!("{mv:?} not allowed").to_lowercase();
        record::refused(hd, actor, format!("ticket {id}"), &detail).await;
        return Err(AppError::Forbidden);
    }
    let mut next = ticket.state.after(mv)?;
    if next == TicketState::Claimed && ticket.assignee_id.is_none() && mv == Move::Reopen {
        // A request withdrawn before anyone claimed it goes back to the queue.
        next = TicketState::New;
    }
    let mut group = None;
    let (assignee, body) = match mv {
        Move::Claim => (Some(actor.id), String::new()),
        Move::Transfer => {
            let reason = transfer.reason.trim();
            text::check_line("reason", reason, REASON_MAX_CHARS)?;
            let (assignee, target) = match (transfer.to, transfer.group.as_deref()) {
                (Some(to), None) => (Some(to), transfer_target(hd, &ticket, to).await?),
                (None, Some(code)) => {
                    // The group's queue: nobody holds it until one of them claims it.
                    let (id, name) = group_target(hd, &ticket, code).await?;
                    (next, group) = (TicketState::New, Some(Some(id)));
                    (None, name)
                }
                _ => return Err(AppError::invalid("to", "a person (to) or a group (group)")),
            };
            match reason.is_empty() {
                true => (assignee, target),
                false => (assignee, format!("{target}：{reason}")),
            }
        }
        _ => (ticket.assignee_id, String::new()),
    };
    let change = Transition {
        ticket: id,
        by: Author::of(actor),
        from: (ticket.state, ticket.assignee_id),
        to: (next, assignee),
        group,
        kind: mv.event(),
        body,
    };
    ticket_of(actor, hd.journal.submit(Change::Transition(change))).await
}

/// The clerk's rating of the help: good, neutral or bad, with an optional comment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rating {
    pub score: String,
    #[serde(default)]
    pub comment: String,
}

/// The clerk's side rates a resolved ticket, once; a bad rating opens a review for the
/// supervisors over it.
pub async fn rate(hd: &Helpdesk, actor: &Actor, id: i64, rating: Rating) -> AppResult<TicketView> {
    let score = Score::parse(&rating.score)
        .ok_or_else(|| AppError::invalid("score", "good, neutral or bad"))?;
    let comment = rating.comment.trim();
    text::check_line("comment", comment, REASON_MAX_CHARS)?;
    let ticket = visible(hd, actor, id).await?;
    let part = Part::of(actor, &ticket.scope());
    if !part.requester {
        record::refused(hd, actor, format!("ticket {id}"), "rate not allowed").await;
        return Err(AppError::Forbidden);
    }
    let change = Rate {
        ticket: id,
        by: Author::of(actor),
        score,
        comment: comment.to_string(),
    };
    ticket_of(actor, hd.journal.submit(Change::Rate(change))).await
}

/// The experts the ticket could be transferred to, nearest unit first; for those who may
/// transfer it.
pub async fn candidates(
    hd: &Helpdesk,
    actor: &Actor,
    id: i64,
) -> AppResult<(Vec<repo::Candidate>, Vec<repo::GroupCandidate>)> {
    let ticket = visible(hd, actor, id).await?;
    if !Part::of(actor, &ticket.scope()).may(Move::Transfer) {
        return Err(AppError::Forbidden);
    }
    let found = hd
        .db
        .timed(async {
            let mut conn = hd.db.read().acquire().await?;
            repo::experts_above(&mut conn, &ticket.unit_path).await
        })
        .await?;
    // The group it was transferred to answers it alone; otherwise its specialty decides.
    let fits = |c: &repo::Candidate| match ticket.group_id {
        Some(group) => c.group_id == Some(group),
        None => c.specialties.contains(&ticket.specialty),
    };
    let people = found
        .into_iter()
        .filter(fits)
        .filter(|c| Some(c.id) != ticket.assignee_id)
        .collect();
    Ok((people, groups_for(hd, &ticket).await?))
}

/// A group a ticket may be transferred to: its unit covers the ticket's, it is not the group
/// answering it already, and someone in it can take it. Returns its id and name.
async fn group_target(hd: &Helpdesk, ticket: &Ticket, code: &str) -> AppResult<(i64, String)> {
    let groups = groups_for(hd, ticket).await?;
    groups
        .into_iter()
        .find(|g| g.code == code)
        .map(|g| (g.id, g.name))
        .ok_or_else(|| AppError::invalid("group", "that group cannot take this ticket"))
}

async fn groups_for(hd: &Helpdesk, ticket: &Ticket) -> AppResult<Vec<repo::GroupCandidate>> {
    let found = hd
        .db
        .timed(async {
            let mut conn = hd.db.read().acquire().await?;
            repo::groups_above(&mut conn, &ticket.unit_path).await
        })
        .await?;
    Ok(found
        .into_iter()
        .filter(|g| Some(g.id) != ticket.group_id)
        .collect())
}

/// A transfer goes to an expert who could claim the ticket themselves: their unit covers the
/// ticket's and their group answers its specialty. Returns the log text: the new assignee's
/// name. Whether the id exists at all is not told apart from "cannot take it".
async fn transfer_target(hd: &Helpdesk, ticket: &Ticket, to: i64) -> AppResult<String> {
    let cannot = || AppError::invalid("to", "that expert cannot take this ticket");
    let target = hd
        .db
        .timed(async {
            let mut conn = hd.db.read().acquire().await?;
            repo::user_brief(&mut conn, to).await
        })
        .await?
        .ok_or_else(cannot)?;
    let answers = match ticket.group_id {
        Some(group) => target.group_id == Some(group),
        None => target.specialties.contains(&ticket.specialty),
    };
    let fits = target.role == Role::Expert.as_str()
        && path_covers(&target.unit_path, &ticket.unit_path)
        && answers;
    if !fits {
        return Err(cannot());
    }
    if ticket.assignee_id == Some(to) {
        return Err(AppError::invalid("to", "already assigned to that expert"));
    }
    Ok(target.display_name)
}

/// What a person writes into a ticket: text, an attached file of theirs, or both; to the other
/// side, or as an internal note.
pub struct Outgoing<'a> {
    pub text: &'a str,
    pub client_id: Option<&'a str>,
    pub file: Option<&'a str>,
    /// An internal note for the staff, not a message to the other side.
    pub internal: bool,
}

/// A chat message into the ticket's log, committed by the journal. A re-sent `client_id` gets
/// its first seq back.
pub async fn post_message(
    hd: &Helpdesk,
    actor: &Actor,
    id: i64,
    msg: Outgoing<'_>,
) -> AppResult<Posted> {
    let text = msg.text.trim();
    if text.is_empty() && msg.file.is_none() {
        return Err(AppError::invalid("text", "must not be empty"));
    }
    text::check("text", text, hd.limits.max_text_chars)?;
    if let Some(c) = msg.client_id {
        if c.is_empty() || c.len() > 64 {
            return Err(AppError::invalid("client_id", "1–64 characters"));
        }
        text::check_line("client_id", c, 64)?;
    }
    let ticket = visible(hd, actor, id).await?;
    let part = Part::of(actor, &ticket.scope());
    if !part.may_write(msg.internal) {
        record::refused(hd, actor, format!("ticket {id}"), "writing not allowed").await;
        return Err(AppError::Forbidden);
    }
    if let Some(hash) = msg.file {
        files::check_own(hd, actor, hash).await?;
    }
    let message = Message {
        ticket: id,
        by: Author::of(actor),
        requester: part.requester,
        internal: msg.internal,
        text: text.to_string(),
        client_id: msg.client_id.map(str::to_string),
        file: msg.file.map(str::to_string),
    };
    match hd.journal.submit(Change::Message(message)).await? {
        Done::Posted(p) => Ok(p),
        _ => Err(AppError::Internal(anyhow::anyhow!("expected a seq"))),
    }
}
