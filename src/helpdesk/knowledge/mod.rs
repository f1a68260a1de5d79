//! The knowledge base (知识库): answers experts write down — most from a ticket they resolved —
//! that every signed-in person can read, and that a clerk is offered while typing a new
//! request. This file keeps the articles; `from_ticket` drafts one from a resolved ticket;
//! `terms` cuts text into searchable terms and ranks what they find (and says why bigrams);
//! `index` stores the terms; `search` finds articles and resolved tickets; `counts` counts
//! articles opened and requests given up; `routes` is the HTTP API.

pub mod counts;
mod from_ticket;
mod index;
pub mod routes;
pub mod search;
pub mod terms;

use super::Helpdesk;
use crate::auth::{jurisdiction, Actor};
use crate::clock::Millis;
use crate::error::{AppError, AppResult};
use crate::org::{catalogue, Role};
use crate::text;
use crate::trail::{self, Record};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

pub use counts::KnowledgeMetrics;
pub use from_ticket::{draft_for, from_ticket, Draft, TicketArticle};
use index::index_article;
pub use index::index_ticket;

pub const QUESTION_MAX_CHARS: usize = 1000;
pub const ANSWER_MAX_CHARS: usize = 4000;

/// An article as stored, with its author's name and unit.
#[derive(Clone, Debug)]
pub struct Stored {
    pub id: i64,
    pub question: String,
    pub answer: String,
    pub item_code: Option<String>,
    pub ticket_id: Option<i64>,
    pub author_id: i64,
    pub author_name: String,
    pub author_unit: String,
    pub author_path: String,
    pub opened: i64,
    pub solved: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// An article as a person receives it: whole, or in a list with a snippet of its answer.
#[derive(Debug, Serialize)]
pub struct ArticleView {
    pub id: i64,
    pub question: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    pub item_code: Option<String>,
    pub ticket_id: Option<i64>,
    pub author_name: String,
    pub author_unit: String,
    pub opened: i64,
    pub solved: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Whether this person may change or remove it.
    pub may_change: bool,
}

impl Stored {
    /// The whole article.
    pub fn whole(self, actor: &Actor) -> ArticleView {
        self.view(actor, None)
    }

    /// The article in a list: a snippet of its answer instead of the whole.
    pub fn listed(self, actor: &Actor, snippet: String) -> ArticleView {
        self.view(actor, Some(snippet))
    }

    fn view(self, actor: &Actor, snippet: Option<String>) -> ArticleView {
        let may_change = may_change(actor, &self);
        let answer = snippet.is_none().then_some(self.answer);
        ArticleView {
            id: self.id,
            question: self.question,
            answer,
            snippet,
            item_code: self.item_code,
            ticket_id: self.ticket_id,
            author_name: self.author_name,
            author_unit: self.author_unit,
            opened: self.opened,
            solved: self.solved,
            created_at: self.created_at,
            updated_at: self.updated_at,
            may_change,
        }
    }
}

/// Experts write articles.
pub fn may_write(actor: &Actor) -> bool {
    actor.role == Role::Expert
}

/// Its author changes or removes an article, and so does a unit head or administrator whose
/// subtree holds the author's unit.
pub fn may_change(actor: &Actor, article: &Stored) -> bool {
    actor.id == article.author_id
        || (matches!(actor.role, Role::Supervisor | Role::Admin)
            && jurisdiction::covers(actor, &article.author_path))
}

pub(super) const ARTICLE_SELECT: &str = "SELECT k.id, k.question, k.answer, k.item_code, \
     k.ticket_id, k.author_id, u.display_name AS author_name, n.name AS author_unit, \
     n.path AS author_path, k.opened, k.solved, k.created_at, k.updated_at \
     FROM knowledge k JOIN users u ON u.id = k.author_id JOIN units n ON n.id = u.unit_id";

pub(super) fn stored_from(r: &AnyRow) -> sqlx::Result<Stored> {
    Ok(Stored {
        id: r.try_get("id")?,
        question: r.try_get("question")?,
        answer: r.try_get("answer")?,
        item_code: r.try_get("item_code")?,
        ticket_id: r.try_get("ticket_id")?,
        author_id: r.try_get("author_id")?,
        author_name: r.try_get("author_name")?,
        author_unit: r.try_get("author_unit")?,
        author_path: r.try_get("author_path")?,
        opened: r.try_get("opened")?,
        solved: r.try_get("solved")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

async fn load(conn: &mut AnyConnection, id: i64) -> sqlx::Result<Option<Stored>> {
    let sql = format!("{ARTICLE_SELECT} WHERE k.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(stored_from).transpose()
}

/// The article, or "not found".
pub async fn find(hd: &Helpdesk, id: i64) -> AppResult<Stored> {
    let found = hd
        .db
        .timed(async {
            let mut conn = hd.db.read().acquire().await?;
            load(&mut conn, id).await
        })
        .await?;
    found.ok_or(AppError::NotFound("article"))
}

/// What is written: a question, its answer and the service item it is about. In a change,
/// what is left out stays as it is; an `item_code` of "" means none.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    #[serde(default)]
    pub question: Option<String>,
    #[serde(default)]
    pub answer: Option<String>,
    #[serde(default)]
    pub item_code: Option<String>,
}

/// Checked text of an article.
struct Checked {
    question: String,
    answer: String,
    item_code: Option<&'static str>,
}

fn checked(question: &str, answer: &str, item_code: Option<&str>) -> AppResult<Checked> {
    let (question, answer) = (question.trim(), answer.trim());
    if question.is_empty() {
        return Err(AppError::invalid("question", "must not be empty"));
    }
    text::check("question", question, QUESTION_MAX_CHARS)?;
    if answer.is_empty() {
        return Err(AppError::invalid("answer", "must not be empty"));
    }
    text::check("answer", answer, ANSWER_MAX_CHARS)?;
    let item_code = match item_code.map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(code) => Some(
            catalogue::find(code)
                .ok_or_else(|| AppError::invalid("item_code", "unknown service item"))?
                .code,
        ),
    };
    Ok(Checked {
        question: question.to_string(),
        answer: answer.to_string(),
        item_code,
    })
}

/// An expert writes an article from scratch.
pub async fn create(hd: &Helpdesk, actor: &Actor, fields: Fields) -> AppResult<ArticleView> {
    if !may_write(actor) {
        return Err(AppError::Forbidden);
    }
    let new = checked(
        fields.question.as_deref().unwrap_or(""),
        fields.answer.as_deref().unwrap_or(""),
        fields.item_code.as_deref(),
    )?;
    insert(hd, actor, new, None).await
}

/// At most `max` characters of `text`, trimmed.
fn cut(text: &str, max: usize) -> String {
    text.trim()
        .chars()
        .take(max)
        .collect::<String>()
        .trim()
        .to_string()
}

fn trail_record(actor: &Actor, kind: &'static str, id: i64, detail: String) -> Record {
    Record {
        kind,
        actor_id: Some(actor.id),
        actor: actor.username.clone(),
        unit_path: actor.unit_path.clone(),
        subject: format!("article {id}"),
        detail,
        ..Record::default()
    }
}

async fn insert(
    hd: &Helpdesk,
    actor: &Actor,
    new: Checked,
    ticket_id: Option<i64>,
) -> AppResult<ArticleView> {
    let (db, now) = (&hd.db, hd.clock.now());
    let id = db
        .write(async {
            let mut tx = db.begin().await?;
            let row = sqlx::query(
                "INSERT INTO knowledge (question, answer, item_code, ticket_id, author_id, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
            )
            .bind(&new.question)
            .bind(&new.answer)
            .bind(new.item_code)
            .bind(ticket_id)
            .bind(actor.id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let id: i64 = row.try_get("id")?;
            index_article(&mut tx, id, &new.question, &new.answer).await?;
            let from = ticket_id.map_or(String::new(), |t| format!("from ticket {t}"));
            let record = trail_record(actor, "article_written", id, from);
            trail::append(&mut tx, db.backend, &record, now).await?;
            tx.commit().await?;
            Ok(id)
        })
        .await?;
    Ok(find(hd, id).await?.whole(actor))
}

/// Its author, or a unit head over them, changes an article; what is left out stays.
pub async fn change(
    hd: &Helpdesk,
    actor: &Actor,
    id: i64,
    fields: Fields,
) -> AppResult<ArticleView> {
    let old = find(hd, id).await?;
    if !may_change(actor, &old) {
        return Err(AppError::Forbidden);
    }
    let item = match &fields.item_code {
        Some(code) => Some(code.as_str()),
        None => old.item_code.as_deref(),
    };
    let new = checked(
        fields.question.as_deref().unwrap_or(&old.question),
        fields.answer.as_deref().unwrap_or(&old.answer),
        item,
    )?;
    let (db, now) = (&hd.db, hd.clock.now());
    db.write(async {
        let mut tx = db.begin().await?;
        sqlx::query(
            "UPDATE knowledge SET question = $1, answer = $2, item_code = $3, updated_at = $4 \
             WHERE id = $5",
        )
        .bind(&new.question)
        .bind(&new.answer)
        .bind(new.item_code)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        index_article(&mut tx, id, &new.question, &new.answer).await?;
        let record = trail_record(actor, "article_changed", id, String::new());
        trail::append(&mut tx, db.backend, &record, now).await?;
        tx.commit().await
    })
    .await?;
    Ok(find(hd, id).await?.whole(actor))
}

/// Its author, or a unit head over them, removes an article.
pub async fn remove(hd: &Helpdesk, actor: &Actor, id: i64) -> AppResult<()> {
    let old = find(hd, id).await?;
    if !may_change(actor, &old) {
        return Err(AppError::Forbidden);
    }
    let (db, now) = (&hd.db, hd.clock.now());
    db.write(async {
        let mut tx = db.begin().await?;
        for sql in [
            "DELETE FROM knowledge_terms WHERE article_id = $1",
            "DELETE FROM knowledge_marks WHERE subject_id = $1 AND kind IN ('opened', 'solved')",
            "DELETE FROM knowledge WHERE id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        let detail = cut(&old.question, 100);
        let record = trail_record(actor, "article_removed", id, detail);
        trail::append(&mut tx, db.backend, &record, now).await?;
        tx.commit().await
    })
    .await?;
    Ok(())
}
