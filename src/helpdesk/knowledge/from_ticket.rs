//! An article from a resolved or closed ticket: the draft the console offers the expert, and
//! writing it. Only an expert who may handle the ticket writes one.

use super::super::allowed::Part;
use super::super::repo;
use super::super::ticket::{EventKind, TicketState};
use super::super::{record, service, Helpdesk};
use super::{checked, cut, insert, may_write, stored_from, ArticleView, Fields, ARTICLE_SELECT};
use super::{ANSWER_MAX_CHARS, QUESTION_MAX_CHARS};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::org::Role;
use serde::Serialize;

/// A resolved or closed ticket as an article, by an expert who may handle it. Left out, the
/// question is the ticket's title and description, the answer what its experts wrote to the
/// clerk last, the item the ticket's.
pub async fn from_ticket(
    hd: &Helpdesk,
    actor: &Actor,
    ticket_id: i64,
    fields: Fields,
) -> AppResult<ArticleView> {
    let found = draft_for(hd, actor, ticket_id).await?;
    let Some(draft) = found.draft else {
        if found.handles && may_write(actor) {
            let why = "only a resolved or closed ticket can become an article";
            return Err(AppError::InvalidState(why.into()));
        }
        record::refused(
            hd,
            actor,
            format!("ticket {ticket_id}"),
            "article not allowed",
        )
        .await;
        return Err(AppError::Forbidden);
    };
    let new = checked(
        fields.question.as_deref().unwrap_or(&draft.question),
        fields.answer.as_deref().unwrap_or(&draft.answer),
        Some(fields.item_code.as_deref().unwrap_or(&draft.item_code)),
    )?;
    insert(hd, actor, new, Some(ticket_id)).await
}

/// What the console offers an expert about a ticket: whether they may write it into the
/// knowledge base now, the article it would make, and the articles already made from it.
#[derive(Debug, Serialize)]
pub struct TicketArticle {
    pub may_write: bool,
    pub draft: Option<Draft>,
    pub articles: Vec<ArticleView>,
    /// Whether the actor is an expert who may handle the ticket, resolved or not.
    #[serde(skip)]
    handles: bool,
}

#[derive(Debug, Serialize)]
pub struct Draft {
    pub question: String,
    pub answer: String,
    pub item_code: String,
}

/// The draft of an article from a ticket the actor may see ("not found" otherwise). Only an
/// expert who may handle the ticket, once it is resolved or closed, gets one.
pub async fn draft_for(hd: &Helpdesk, actor: &Actor, ticket_id: i64) -> AppResult<TicketArticle> {
    let ticket = service::visible(hd, actor, ticket_id).await?;
    let finished = matches!(ticket.state, TicketState::Resolved | TicketState::Closed);
    let handles = Part::of(actor, &ticket.scope()).handles;
    let may_write = finished && handles && may_write(actor);
    let (events, made) = hd
        .db
        .timed(async {
            let mut conn = hd.db.read().acquire().await?;
            let events = match may_write {
                true => repo::events_after(&mut conn, ticket_id, 0, 1000, false).await?,
                false => Vec::new(),
            };
            let sql = format!("{ARTICLE_SELECT} WHERE k.ticket_id = $1 ORDER BY k.id");
            let made = sqlx::query(&sql).bind(ticket_id).fetch_all(&mut *conn);
            Ok((events, made.await?))
        })
        .await?;
    let articles = made
        .iter()
        .map(|r| Ok(stored_from(r)?.whole(actor)))
        .collect::<sqlx::Result<_>>()?;
    let draft = may_write.then(|| {
        // What the experts wrote to the clerk last: the answer, as a start.
        let answers: Vec<&str> = events
            .iter()
            .filter(|e| {
                e.kind == EventKind::Message && e.actor_role.is_some_and(|r| r != Role::Clerk)
            })
            .map(|e| e.body.trim())
            .filter(|b| !b.is_empty())
            .collect();
        let last = &answers[answers.len().saturating_sub(3)..];
        let question = format!("{}\n{}", ticket.title, ticket.body.trim());
        Draft {
            question: cut(&question, QUESTION_MAX_CHARS),
            answer: cut(&last.join("\n\n"), ANSWER_MAX_CHARS),
            item_code: ticket.item_code.clone(),
        }
    });
    Ok(TicketArticle {
        may_write,
        draft,
        articles,
        handles,
    })
}
