//! Canned replies: answers an expert group gives again and again, kept per group and put into
//! the message box by typing `/` and a shortcut. Experts read and keep their own group's.

use crate::auth::Actor;
use crate::clock::Millis;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::text;
use serde::{Deserialize, Serialize};
use sqlx::Row;

pub const SHORTCUT_MAX_CHARS: usize = 20;
pub const TITLE_MAX_CHARS: usize = 50;
pub const BODY_MAX_CHARS: usize = 2000;
/// Replies one group may keep.
pub const PER_GROUP: i64 = 200;

#[derive(Debug, Serialize)]
pub struct Reply {
    pub id: i64,
    pub shortcut: String,
    pub title: String,
    pub body: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewReply {
    pub shortcut: String,
    pub title: String,
    pub body: String,
}

/// The actor's group's replies by shortcut; none for someone in no group.
pub async fn list(db: &Db, actor: &Actor) -> AppResult<Vec<Reply>> {
    let Some(group) = actor.group_id else {
        return Ok(Vec::new());
    };
    let q = sqlx::query(
        "SELECT id, shortcut, title, body FROM replies WHERE group_id = $1 ORDER BY shortcut",
    )
    .bind(group)
    .fetch_all(db.read());
    let rows = db.timed(q).await?;
    let replies = rows.iter().map(|r| {
        Ok(Reply {
            id: r.try_get("id")?,
            shortcut: r.try_get("shortcut")?,
            title: r.try_get("title")?,
            body: r.try_get("body")?,
        })
    });
    Ok(replies.collect::<sqlx::Result<_>>()?)
}

/// Adds a reply to the actor's group: a shortcut of letters, digits or Chinese characters
/// without spaces or `/`, unique in the group.
pub async fn add(db: &Db, actor: &Actor, new: NewReply, now: Millis) -> AppResult<Reply> {
    let group = actor.group_id.ok_or(AppError::Forbidden)?;
    let shortcut = new.shortcut.trim().trim_start_matches('/');
    let fits = !shortcut.is_empty()
        && shortcut.chars().count() <= SHORTCUT_MAX_CHARS
        && shortcut
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if !fits {
        return Err(AppError::invalid(
            "shortcut",
            "1–20 letters, digits, '-' or '_', no spaces",
        ));
    }
    let title = new.title.trim();
    if title.is_empty() {
        return Err(AppError::invalid("title", "must not be empty"));
    }
    text::check_line("title", title, TITLE_MAX_CHARS)?;
    let body = new.body.trim();
    if body.is_empty() {
        return Err(AppError::invalid("body", "must not be empty"));
    }
    text::check("body", body, BODY_MAX_CHARS)?;
    let count = sqlx::query("SELECT COUNT(*) AS n FROM replies WHERE group_id = $1")
        .bind(group)
        .fetch_one(db.read());
    if db.timed(count).await?.try_get::<i64, _>("n")? >= PER_GROUP {
        return Err(AppError::Conflict(format!(
            "a group keeps at most {PER_GROUP} replies"
        )));
    }
    let insert = db.write(async {
        let mut tx = db.begin().await?;
        let row = sqlx::query(
            "INSERT INTO replies (group_id, shortcut, title, body, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(group)
        .bind(shortcut)
        .bind(title)
        .bind(body)
        .bind(actor.id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row)
    });
    let id: i64 = match insert.await {
        Ok(row) => row.try_get("id")?,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(AppError::Conflict(format!(
                "the group already has a reply /{shortcut}"
            )))
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Reply {
        id,
        shortcut: shortcut.to_string(),
        title: title.to_string(),
        body: body.to_string(),
    })
}

/// Removes one of the actor's group's replies; anyone else's is "not found".
pub async fn remove(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    let group = actor.group_id.ok_or(AppError::NotFound("reply"))?;
    let delete = sqlx::query("DELETE FROM replies WHERE id = $1 AND group_id = $2")
        .bind(id)
        .bind(group);
    match db.execute(delete).await? {
        0 => Err(AppError::NotFound("reply")),
        _ => Ok(()),
    }
}

/// Replies every demo group starts with.
const DEMO: &[(&str, &str, &str)] = &[
    (
        "证件",
        "请群众带证件",
        "请群众携带本人身份证原件和社保卡到窗口办理，委托他人办理的还需携带委托书和代办人身份证。",
    ),
    (
        "密码",
        "社保卡密码重置",
        "社保卡密码重置：请群众本人持身份证和社保卡到窗口，在密码器上重新设置 6 位数字密码；输错 3 次被锁的，先在系统“社保卡服务-密码解锁”中解锁。",
    ),
    (
        "截图",
        "请发系统截图",
        "请把系统报错的完整截图发过来（包括页面顶部的地址栏和报错提示），我帮您看一下。",
    ),
    (
        "稍等",
        "正在核实",
        "收到，我正在核实，请稍等几分钟，不要让群众离开。",
    ),
];

/// Gives every expert group the demo replies, once.
pub async fn load_demo(db: &Db, now: Millis) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    let groups = sqlx::query(
        "SELECT g.id, MIN(u.id) AS author FROM expert_groups g JOIN users u ON u.group_id = g.id \
         WHERE NOT EXISTS (SELECT 1 FROM replies r WHERE r.group_id = g.id) GROUP BY g.id",
    )
    .fetch_all(&mut *tx)
    .await?;
    for g in &groups {
        let (group, author): (i64, i64) = (g.try_get("id")?, g.try_get("author")?);
        for (shortcut, title, body) in DEMO {
            sqlx::query(
                "INSERT INTO replies (group_id, shortcut, title, body, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(group)
            .bind(*shortcut)
            .bind(*title)
            .bind(*body)
            .bind(author)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await
}
