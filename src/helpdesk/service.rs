//! What people do with tickets. Each operation checks jurisdiction, commits, and only then
//! tells the live hub, so nobody is shown a change that could still roll back.

use super::files;
use super::journal::{Entry, Posted};
use super::repo::{self, NewEvent, NewTicket, Ticket, TicketEvent};
use super::ticket::{Difficulty, EventKind, Move, TicketKind, TicketState};
use crate::app::AppState;
use crate::auth::jurisdiction::{self, path_covers};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::org::{catalogue, Role};
use serde::Deserialize;

pub const TITLE_MAX_CHARS: usize = 100;
const LIST_LIMIT: i64 = 500;
/// Pages of candidates read at most for one list.
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
pub async fn create(state: &AppState, actor: &Actor, req: NewRequest) -> AppResult<Ticket> {
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
    check_length("title", title, TITLE_MAX_CHARS)?;
    check_length("body", &req.body, state.settings.live.max_text_chars)?;
    let new = NewTicket {
        unit_id: actor.unit_id,
        unit_path: &actor.unit_path,
        creator_id: actor.id,
        item_code: item.code,
        kind,
        specialty: kind.specialty(item.family),
        difficulty,
        title,
        body: req.body.trim(),
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let id = repo::insert(&mut tx, &new, now).await?;
    let created = NewEvent {
        kind: EventKind::Created,
        actor_id: actor.id,
        body: title,
        client_id: None,
        file: None,
    };
    repo::append(&mut tx, id, &created, now).await?;
    let ticket = repo::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("ticket"))?;
    let events = repo::events_after(&mut tx, id, 0, 1).await?;
    tx.commit().await?;
    state.metrics.tickets_created.inc();
    state.hub.publish(&ticket, &events, None);
    Ok(ticket)
}

pub fn check_length(field: &'static str, text: &str, max: usize) -> AppResult<()> {
    if text.chars().count() > max {
        return Err(AppError::TooLong { field, max });
    }
    Ok(())
}

/// The ticket, if the actor may see it; otherwise "not found", so existence does not leak.
pub async fn visible(state: &AppState, actor: &Actor, id: i64) -> AppResult<Ticket> {
    let mut conn = state.db.read().acquire().await?;
    match repo::get(&mut conn, id).await? {
        Some(t) if jurisdiction::may_see(actor, &t.scope()) => Ok(t),
        _ => Err(AppError::NotFound("ticket")),
    }
}

/// Tickets the actor may see: open ones oldest first, or with `include_done` all, newest first.
pub async fn list_visible(
    state: &AppState,
    actor: &Actor,
    include_done: bool,
) -> AppResult<Vec<Ticket>> {
    // The unit path narrows the query; the jurisdiction check decides. Pages continue until
    // the list is full, so tickets the person may not see do not crowd out those they may.
    let mut visible = Vec::new();
    let mut cursor = None;
    for _ in 0..SCAN_PAGES {
        let page = repo::list_under(
            state.db.read(),
            &actor.unit_path,
            include_done,
            cursor,
            LIST_LIMIT,
        )
        .await?;
        let full_page = page.len() as i64 == LIST_LIMIT;
        cursor = page.last().map(|t| t.id);
        visible.extend(
            page.into_iter()
                .filter(|t| jurisdiction::may_see(actor, &t.scope())),
        );
        if !full_page || visible.len() as i64 >= LIST_LIMIT {
            break;
        }
    }
    visible.truncate(LIST_LIMIT as usize);
    Ok(visible)
}

/// The ticket and its log after `after_seq`.
pub async fn history(
    state: &AppState,
    actor: &Actor,
    id: i64,
    after_seq: i64,
    limit: i64,
) -> AppResult<(Ticket, Vec<TicketEvent>)> {
    let ticket = visible(state, actor, id).await?;
    let mut conn = state.db.read().acquire().await?;
    let events = repo::events_after(&mut conn, id, after_seq.max(0), limit.clamp(1, 1000)).await?;
    Ok((ticket, events))
}

/// Claim, transfer, wait for the clerk, resolve, close or reopen.
pub async fn apply(
    state: &AppState,
    actor: &Actor,
    id: i64,
    mv: Move,
    transfer_to: Option<i64>,
) -> AppResult<Ticket> {
    let ticket = visible(state, actor, id).await?;
    let scope = ticket.scope();
    let allowed = match mv {
        Move::Claim => jurisdiction::may_handle(actor, &scope),
        Move::Transfer | Move::Wait | Move::Resume | Move::Resolve => {
            jurisdiction::may_direct(actor, &scope)
        }
        Move::Close | Move::Reopen => {
            jurisdiction::is_requester(actor, &scope) || jurisdiction::may_direct(actor, &scope)
        }
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let mut next = ticket.state.after(mv)?;
    if next == TicketState::Claimed && ticket.assignee_id.is_none() && mv == Move::Reopen {
        // A request withdrawn before anyone claimed it goes back to the queue.
        next = TicketState::New;
    }
    let (assignee, body) = match mv {
        Move::Claim => (Some(actor.id), String::new()),
        Move::Transfer => {
            let to = transfer_to.ok_or_else(|| AppError::invalid("to", "whom to transfer to"))?;
            let target = transfer_target(state, &ticket, to).await?;
            (Some(to), target)
        }
        _ => (ticket.assignee_id, String::new()),
    };
    let _order = state.hub.order_lock(id).lock().await;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let from = (ticket.state, ticket.assignee_id);
    if !repo::transition(&mut tx, id, from, (next, assignee)).await? {
        return Err(AppError::Stale);
    }
    let event = NewEvent {
        kind: mv.event(),
        actor_id: actor.id,
        body: &body,
        client_id: None,
        file: None,
    };
    let seq = repo::append(&mut tx, id, &event, now).await?;
    let ticket = repo::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("ticket"))?;
    let events = repo::events_after(&mut tx, id, seq - 1, 1).await?;
    tx.commit().await?;
    state.hub.publish(&ticket, &events, Some(&scope));
    Ok(ticket)
}

/// A transfer goes to an expert whose jurisdiction covers the ticket's unit. Returns the log
/// text: the new assignee's name.
async fn transfer_target(state: &AppState, ticket: &Ticket, to: i64) -> AppResult<String> {
    let mut conn = state.db.read().acquire().await?;
    let target = repo::user_brief(&mut conn, to)
        .await?
        .ok_or_else(|| AppError::invalid("to", "no such expert"))?;
    if target.role != Role::Expert.as_str() || !path_covers(&target.unit_path, &ticket.unit_path) {
        return Err(AppError::invalid(
            "to",
            "that expert cannot take this ticket",
        ));
    }
    if ticket.assignee_id == Some(to) {
        return Err(AppError::invalid("to", "already assigned to that expert"));
    }
    Ok(target.display_name)
}

/// What a person writes into a ticket: text, an attached file of theirs, or both.
pub struct Outgoing<'a> {
    pub text: &'a str,
    pub client_id: Option<&'a str>,
    pub file: Option<&'a str>,
}

/// A chat message into the ticket's log, committed by the journal. A re-sent `client_id` gets
/// its first seq back.
pub async fn post_message(
    state: &AppState,
    actor: &Actor,
    id: i64,
    msg: Outgoing<'_>,
) -> AppResult<Posted> {
    let text = msg.text.trim();
    if text.is_empty() && msg.file.is_none() {
        return Err(AppError::invalid("text", "must not be empty"));
    }
    check_length("text", text, state.settings.live.max_text_chars)?;
    if let Some(c) = msg.client_id {
        if c.is_empty() || c.len() > 64 {
            return Err(AppError::invalid("client_id", "1–64 characters"));
        }
    }
    let ticket = visible(state, actor, id).await?;
    let scope = ticket.scope();
    let requester = jurisdiction::is_requester(actor, &scope);
    if !requester && !jurisdiction::may_direct(actor, &scope) {
        return Err(AppError::Forbidden);
    }
    if let Some(hash) = msg.file {
        files::check_own(state, actor, hash).await?;
    }
    let entry = Entry {
        ticket: id,
        actor_id: actor.id,
        requester,
        text: text.to_string(),
        client_id: msg.client_id.map(str::to_string),
        file: msg.file.map(str::to_string),
    };
    state.journal.append(entry).await
}
