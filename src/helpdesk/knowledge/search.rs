//! Finding articles and resolved tickets by their terms. The index narrows the candidates (the
//! 200 holding most of the query's terms); ranking them is done here, in Rust, the same on
//! both backends (`terms::rank`). Searches are paced per person with the ticket searches.

use super::super::repo::{self, marks};
use super::super::view::TicketView;
use super::super::{service, Helpdesk};
use super::terms::{self, Candidate, Query, Rank};
use super::{stored_from, ArticleView, Stored, ARTICLE_SELECT};
use crate::auth::{jurisdiction, Actor};
use crate::error::{AppError, AppResult};
use crate::text;
use sqlx::Row;
use std::cmp::Reverse;

/// Candidates read from the index for one query.
const CANDIDATES: usize = 200;
/// The longest page of articles.
pub const PAGE_MAX: usize = 50;
/// Articles, and tickets, offered while a clerk types.
pub const SUGGESTIONS: usize = 5;
/// Characters of an answer shown in a list.
const SNIPPET_CHARS: usize = 120;

/// The query `q`, checked: one line of at most 100 characters.
fn query(q: Option<&str>) -> AppResult<Query> {
    let q = q.unwrap_or("").trim();
    text::check_line("q", q, terms::QUERY_MAX_CHARS)?;
    Ok(Query::parse(q))
}

/// Articles for `q`, best first; without terms, the newest. At most `limit`.
pub async fn articles(
    hd: &Helpdesk,
    actor: &Actor,
    q: Option<&str>,
    limit: usize,
) -> AppResult<Vec<ArticleView>> {
    let query = query(q)?;
    let limit = limit.clamp(1, PAGE_MAX);
    if query.is_empty() {
        let sql = format!("{ARTICLE_SELECT} ORDER BY k.id DESC LIMIT $1");
        let read = sqlx::query(&sql).bind(limit as i64).fetch_all(hd.db.read());
        let rows = hd.db.timed(read).await?;
        let newest = rows
            .iter()
            .map(stored_from)
            .collect::<sqlx::Result<Vec<_>>>()?;
        return Ok(listed(actor, &query, newest));
    }
    service::search_paced(hd, actor).await?;
    ranked_articles(hd, actor, &query, None, limit).await
}

fn listed(actor: &Actor, query: &Query, found: Vec<Stored>) -> Vec<ArticleView> {
    found
        .into_iter()
        .map(|a| {
            let snippet = terms::snippet(&a.answer, query, SNIPPET_CHARS);
            a.listed(actor, snippet)
        })
        .collect()
}

/// "term IN ($from, …)" for the query's terms.
fn term_in(column: &str, from: usize, query: &Query) -> String {
    format!("{column} IN ({})", marks(from, query.terms.len()))
}

async fn ranked_articles(
    hd: &Helpdesk,
    actor: &Actor,
    query: &Query,
    item: Option<&str>,
    limit: usize,
) -> AppResult<Vec<ArticleView>> {
    let sql = format!(
        "{ARTICLE_SELECT} JOIN (SELECT article_id, COUNT(DISTINCT term) AS n \
         FROM knowledge_terms WHERE {} GROUP BY article_id \
         ORDER BY n DESC, article_id DESC LIMIT {CANDIDATES}) c ON c.article_id = k.id",
        term_in("term", 1, query)
    );
    let mut read = sqlx::query(&sql);
    for t in &query.terms {
        read = read.bind(t.as_str());
    }
    let rows = hd.db.timed(read.fetch_all(hd.db.read())).await?;
    let found = rows
        .iter()
        .map(stored_from)
        .collect::<sqlx::Result<Vec<_>>>()?;
    let mut ranked: Vec<(Rank, Stored)> = found
        .into_iter()
        .map(|a| (rank_article(query, &a, item), a))
        .collect();
    ranked.sort_by_key(|(rank, _)| Reverse(*rank));
    ranked.truncate(limit);
    Ok(listed(
        actor,
        query,
        ranked.into_iter().map(|(_, a)| a).collect(),
    ))
}

fn rank_article(query: &Query, a: &Stored, item: Option<&str>) -> Rank {
    let candidate = Candidate {
        id: a.id,
        question: &a.question,
        answer: &a.answer,
        item_code: a.item_code.as_deref(),
        created_at: a.created_at,
    };
    terms::rank(query, &candidate, item)
}

/// What a clerk typing a new request is offered: articles (those about `item` first among
/// equals) and resolved tickets they may see, whose words match what they typed so far.
pub async fn suggest(
    hd: &Helpdesk,
    actor: &Actor,
    q: Option<&str>,
    item: Option<&str>,
) -> AppResult<(Vec<ArticleView>, Vec<TicketView>)> {
    let query = query(q)?;
    if query.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let item = item.map(str::trim).filter(|i| !i.is_empty());
    if item.is_some_and(|code| crate::org::catalogue::find(code).is_none()) {
        return Err(AppError::invalid("item", "unknown service item"));
    }
    service::search_paced(hd, actor).await?;
    let articles = ranked_articles(hd, actor, &query, item, SUGGESTIONS).await?;
    let tickets = resolved_tickets(hd, actor, &query, item).await?;
    Ok((articles, tickets))
}

/// Resolved or closed tickets of the actor's area whose titles hold the query's terms, that
/// the actor may see, best first.
async fn resolved_tickets(
    hd: &Helpdesk,
    actor: &Actor,
    query: &Query,
    item: Option<&str>,
) -> AppResult<Vec<TicketView>> {
    // The subtree narrows the candidates; the jurisdiction check decides.
    let sql = format!(
        "SELECT tt.ticket_id, COUNT(DISTINCT tt.term) AS n FROM ticket_terms tt \
         JOIN tickets t ON t.id = tt.ticket_id \
         WHERE {} AND t.unit_path LIKE $1 AND t.state IN ('resolved', 'closed') \
         GROUP BY tt.ticket_id ORDER BY n DESC, tt.ticket_id DESC LIMIT {CANDIDATES}",
        term_in("tt.term", 2, query)
    );
    let found = hd
        .db
        .timed(async {
            let mut read = sqlx::query(&sql).bind(format!("{}%", actor.unit_path));
            for t in &query.terms {
                read = read.bind(t.as_str());
            }
            let mut conn = hd.db.read().acquire().await?;
            let rows = read.fetch_all(&mut *conn).await?;
            let ids = rows
                .iter()
                .map(|r| r.try_get("ticket_id"))
                .collect::<sqlx::Result<Vec<i64>>>()?;
            repo::get_many(&mut conn, &ids).await
        })
        .await?;
    let mut ranked: Vec<(Rank, TicketView)> = found
        .iter()
        .filter(|t| jurisdiction::may_see(actor, &t.scope()))
        .map(|t| {
            let candidate = Candidate {
                id: t.id,
                question: &t.title,
                answer: "",
                item_code: Some(&t.item_code),
                created_at: t.created_at,
            };
            let rank = terms::rank(query, &candidate, item);
            (rank, TicketView::summary(t, actor))
        })
        .collect();
    ranked.sort_by_key(|(rank, _)| Reverse(*rank));
    Ok(ranked
        .into_iter()
        .take(SUGGESTIONS)
        .map(|(_, t)| t)
        .collect())
}
