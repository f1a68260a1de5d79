//! What the knowledge base counts: articles opened, and help requests a clerk gave up raising
//! because an article (or a resolved ticket) offered while typing answered the question. Each
//! counts once per session and subject, however often the console reports it.

use super::super::{service, Helpdesk};
use super::find;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::metrics::Metrics;
use crate::org::Role;
use prometheus::IntCounter;
use std::sync::Arc;

/// Marks are kept a little longer than the longest session (an API token's 30 days).
const MARK_KEEP_MS: i64 = 31 * 24 * 3600 * 1000;

pub struct KnowledgeMetrics {
    pub opened: IntCounter,
    pub abandoned: IntCounter,
}

impl KnowledgeMetrics {
    pub fn register(metrics: &Metrics) -> Arc<Self> {
        Arc::new(Self {
            opened: metrics.counter(
                "backstop_knowledge_articles_opened_total",
                "Knowledge-base articles opened (once per session and article)",
            ),
            abandoned: metrics.counter(
                "backstop_knowledge_requests_abandoned_total",
                "Help requests given up after an offered answer solved the question",
            ),
        })
    }
}

/// What a mark counts.
#[derive(Clone, Copy)]
enum Kind {
    /// An article read whole.
    Opened,
    /// A request given up after reading an article.
    Solved,
    /// A request given up after reading a resolved ticket.
    TicketSolved,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Opened => "opened",
            Kind::Solved => "solved",
            Kind::TicketSolved => "ticket_solved",
        }
    }

    /// The article's column this mark adds one to, if any.
    fn column(self) -> Option<&'static str> {
        match self {
            Kind::Opened => Some("opened"),
            Kind::Solved => Some("solved"),
            Kind::TicketSolved => None,
        }
    }
}

/// Records that the actor opened the article; true when it counted (the first time this session).
pub async fn opened(hd: &Helpdesk, actor: &Actor, id: i64) -> AppResult<bool> {
    let counted = mark_once(hd, actor, Kind::Opened, id).await?;
    if counted {
        hd.knowledge.opened.inc();
    }
    Ok(counted)
}

/// A clerk gave up raising a request: the article answered it. True when it counted.
pub async fn solved(hd: &Helpdesk, actor: &Actor, id: i64) -> AppResult<bool> {
    if actor.role != Role::Clerk {
        return Err(AppError::Forbidden);
    }
    find(hd, id).await?;
    abandoned(hd, mark_once(hd, actor, Kind::Solved, id).await?)
}

/// A clerk gave up raising a request: a resolved ticket they may see answered it.
pub async fn ticket_solved(hd: &Helpdesk, actor: &Actor, ticket_id: i64) -> AppResult<bool> {
    if actor.role != Role::Clerk {
        return Err(AppError::Forbidden);
    }
    service::visible(hd, actor, ticket_id).await?;
    abandoned(
        hd,
        mark_once(hd, actor, Kind::TicketSolved, ticket_id).await?,
    )
}

fn abandoned(hd: &Helpdesk, counted: bool) -> AppResult<bool> {
    if counted {
        hd.knowledge.abandoned.inc();
    }
    Ok(counted)
}

/// Marks `kind` of `subject` for the actor's session, adding one to the article's count, unless
/// the session marked it before. A repeat is found by a read and writes nothing.
async fn mark_once(hd: &Helpdesk, actor: &Actor, kind: Kind, subject: i64) -> AppResult<bool> {
    let (db, now) = (&hd.db, hd.clock.now());
    let seen = sqlx::query(
        "SELECT 1 AS seen FROM knowledge_marks WHERE session = $1 AND kind = $2 \
         AND subject_id = $3",
    )
    .bind(&actor.session)
    .bind(kind.as_str())
    .bind(subject)
    .fetch_optional(db.read());
    if db.timed(seen).await?.is_some() {
        return Ok(false);
    }
    let counted = db
        .write(async {
            let mut tx = db.begin().await?;
            sqlx::query("DELETE FROM knowledge_marks WHERE at < $1")
                .bind(now - MARK_KEEP_MS)
                .execute(&mut *tx)
                .await?;
            let added = sqlx::query(
                "INSERT INTO knowledge_marks (session, kind, subject_id, at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(&actor.session)
            .bind(kind.as_str())
            .bind(subject)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if let (1, Some(column)) = (added, kind.column()) {
                let sql = format!("UPDATE knowledge SET {column} = {column} + 1 WHERE id = $1");
                sqlx::query(&sql).bind(subject).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(added == 1)
        })
        .await?;
    Ok(counted)
}
