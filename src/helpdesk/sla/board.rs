//! The supervisors' board (督办): for a unit in their area, per unit one level down, how many
//! tickets are open and how many are not handled, late, dragging or stuck; those tickets,
//! oldest first; the satisfaction of the clerks (好评/中评/差评) per unit and per expert; and
//! the reviews bad ratings opened. Drill-down is asking again for a unit one level down.

use crate::auth::jurisdiction::path_covers;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::helpdesk::allowed::oversees;
use crate::helpdesk::repo;
use crate::helpdesk::sla::{Flag, Flags};
use crate::helpdesk::view::TicketView;
use crate::helpdesk::Helpdesk;
use crate::org::repo::{unit_by_code, units_under, Unit};
use serde::Serialize;
use sqlx::{AnyPool, Row};
use std::collections::BTreeMap;

/// Flagged tickets listed on a board, at most.
pub const LISTED: i64 = 200;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    pub open: i64,
    pub unhandled: i64,
    pub late: i64,
    pub dragging: i64,
    pub stuck: i64,
    pub good: i64,
    pub neutral: i64,
    pub bad: i64,
}

impl Counts {
    fn flag(&mut self, flag: Flag) {
        match flag {
            Flag::Unhandled => self.unhandled += 1,
            Flag::Late => self.late += 1,
            Flag::Dragging => self.dragging += 1,
            Flag::Stuck => self.stuck += 1,
        }
    }

    fn score(&mut self, score: &str, n: i64) {
        match score {
            "good" => self.good += n,
            "neutral" => self.neutral += n,
            _ => self.bad += n,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Place {
    pub code: String,
    pub name: String,
    pub level: String,
}

impl From<&Unit> for Place {
    fn from(u: &Unit) -> Self {
        Self {
            code: u.code.clone(),
            name: u.name.clone(),
            level: u.level.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Line {
    #[serde(flatten)]
    pub place: Place,
    /// False for the unit's own row (tickets raised at the unit itself): nothing to drill into.
    pub below: bool,
    #[serde(flatten)]
    pub counts: Counts,
}

#[derive(Debug, Serialize)]
pub struct ExpertLine {
    pub id: i64,
    pub name: String,
    pub unit: String,
    #[serde(flatten)]
    pub counts: Counts,
}

#[derive(Debug, Serialize)]
pub struct ReviewView {
    pub id: i64,
    pub ticket_id: i64,
    pub title: String,
    pub clerk: String,
    pub expert: Option<String>,
    pub comment: String,
    pub opened_at: i64,
}

#[derive(Debug, Serialize)]
pub struct Board {
    pub unit: Place,
    /// From the person's own unit down to this one.
    pub trail: Vec<Place>,
    pub lines: Vec<Line>,
    pub totals: Counts,
    /// Flagged tickets, oldest first.
    pub tickets: Vec<TicketView>,
    pub experts: Vec<ExpertLine>,
    pub reviews: Vec<ReviewView>,
}

/// The unit a supervisor asked for (their own by default), if it is in their area.
pub async fn unit_for(hd: &Helpdesk, actor: &Actor, code: Option<&str>) -> AppResult<Unit> {
    if !oversees(actor) {
        return Err(AppError::Forbidden);
    }
    let code = match code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => code.to_string(),
        None => own_code(actor).to_string(),
    };
    let found = hd
        .db
        .timed(async {
            let mut conn = hd.db.read().acquire().await?;
            unit_by_code(&mut conn, &code).await
        })
        .await?;
    match found {
        Some(u) if path_covers(&actor.unit_path, &u.path) => Ok(u),
        _ => Err(AppError::invalid(
            "unit",
            format!("no unit {code} in your area"),
        )),
    }
}

fn own_code(actor: &Actor) -> &str {
    actor
        .unit_path
        .rsplit('/')
        .find(|c| !c.is_empty())
        .unwrap_or_default()
}

pub async fn board(hd: &Helpdesk, actor: &Actor, unit: Unit) -> AppResult<Board> {
    let pool = hd.db.read();
    let under = hd.db.timed(units_under(pool, &unit.path)).await?;
    let children: Vec<&Unit> = under
        .iter()
        .filter(|u| is_child(&unit.path, &u.path))
        .collect();
    let mut lines: Vec<Line> = children
        .iter()
        .map(|u| Line {
            place: Place::from(*u),
            below: true,
            counts: Counts::default(),
        })
        .collect();
    lines.push(Line {
        place: Place::from(&unit),
        below: false,
        counts: Counts::default(),
    });
    let paths: Vec<String> = children.iter().map(|u| u.path.clone()).collect();
    let line_of = |path: &str| paths.iter().position(|p| path.starts_with(p.as_str()));
    let own = lines.len() - 1;
    let mut totals = Counts::default();
    for (path, n) in hd.db.timed(open_counts(pool, &unit.path)).await? {
        lines[line_of(&path).unwrap_or(own)].counts.open += n;
        totals.open += n;
    }
    for (path, flags) in hd.db.timed(flag_rows(pool, &unit.path)).await? {
        for flag in Flags::decode(&flags).0.keys() {
            lines[line_of(&path).unwrap_or(own)].counts.flag(*flag);
            totals.flag(*flag);
        }
    }
    for (path, score, n) in hd.db.timed(score_rows(pool, &unit.path)).await? {
        lines[line_of(&path).unwrap_or(own)].counts.score(&score, n);
        totals.score(&score, n);
    }
    let flagged = hd.db.timed(repo::flagged(pool, &unit.path, LISTED)).await?;
    let tickets = flagged
        .iter()
        .map(|t| TicketView::summary(t, actor))
        .collect();
    let trail = trail(hd, actor, &unit).await?;
    Ok(Board {
        unit: Place::from(&unit),
        trail,
        lines,
        totals,
        tickets,
        experts: hd.db.timed(experts(pool, &unit.path)).await?,
        reviews: hd.db.timed(reviews(pool, &unit.path)).await?,
    })
}

/// `inner` is one level below `outer`: '/64/6404/' under '/64/'.
fn is_child(outer: &str, inner: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.len() > 1 && rest.matches('/').count() == 1)
}

async fn trail(hd: &Helpdesk, actor: &Actor, unit: &Unit) -> AppResult<Vec<Place>> {
    let below = unit.path.strip_prefix(&actor.unit_path).unwrap_or_default();
    let mut codes = vec![own_code(actor).to_string()];
    codes.extend(
        below
            .split('/')
            .filter(|c| !c.is_empty())
            .map(str::to_string),
    );
    let mut out = Vec::new();
    let mut conn = hd.db.timed(hd.db.read().acquire()).await?;
    for code in codes {
        if let Some(u) = hd.db.timed(unit_by_code(&mut conn, &code)).await? {
            out.push(Place::from(&u));
        }
    }
    Ok(out)
}

async fn open_counts(pool: &AnyPool, under: &str) -> sqlx::Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT unit_path, COUNT(*) AS n FROM tickets \
         WHERE state IN ('new', 'claimed', 'waiting') AND unit_path LIKE $1 GROUP BY unit_path",
    )
    .bind(format!("{under}%"))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("unit_path")?, r.try_get("n")?)))
        .collect()
}

async fn flag_rows(pool: &AnyPool, under: &str) -> sqlx::Result<Vec<(String, String)>> {
    let rows =
        sqlx::query("SELECT unit_path, flags FROM tickets WHERE flags <> '' AND unit_path LIKE $1")
            .bind(format!("{under}%"))
            .fetch_all(pool)
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("unit_path")?, r.try_get("flags")?)))
        .collect()
}

async fn score_rows(pool: &AnyPool, under: &str) -> sqlx::Result<Vec<(String, String, i64)>> {
    let rows = sqlx::query(
        "SELECT unit_path, score, CAST(SUM(n) AS BIGINT) AS n FROM rating_counts \
         WHERE unit_path LIKE $1 GROUP BY unit_path, score",
    )
    .bind(format!("{under}%"))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("unit_path")?,
                r.try_get("score")?,
                r.try_get("n")?,
            ))
        })
        .collect()
}

/// Satisfaction per expert, for the tickets raised under `under`; most bad ratings first.
async fn experts(pool: &AnyPool, under: &str) -> sqlx::Result<Vec<ExpertLine>> {
    let rows = sqlx::query(
        "SELECT g.expert_id, u.display_name, n.name AS unit_name, g.score, g.c \
         FROM (SELECT expert_id, score, CAST(SUM(n) AS BIGINT) AS c FROM rating_counts \
               WHERE unit_path LIKE $1 AND expert_id <> 0 GROUP BY expert_id, score) g \
         JOIN users u ON u.id = g.expert_id JOIN units n ON n.id = u.unit_id",
    )
    .bind(format!("{under}%"))
    .fetch_all(pool)
    .await?;
    let mut by: BTreeMap<i64, ExpertLine> = BTreeMap::new();
    for r in &rows {
        let id: i64 = r.try_get("expert_id")?;
        let line = match by.entry(id) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => e.insert(ExpertLine {
                id,
                name: r.try_get("display_name")?,
                unit: r.try_get("unit_name")?,
                counts: Counts::default(),
            }),
        };
        line.counts
            .score(&r.try_get::<String, _>("score")?, r.try_get("c")?);
    }
    let mut out: Vec<ExpertLine> = by.into_values().collect();
    out.sort_by_key(|e| (-e.counts.bad, -e.counts.neutral, e.id));
    Ok(out)
}

/// The reviews bad ratings opened under `under` that nobody has closed, oldest first.
async fn reviews(pool: &AnyPool, under: &str) -> sqlx::Result<Vec<ReviewView>> {
    let rows = sqlx::query(
        "SELECT r.id, r.ticket_id, r.opened_at, t.title, g.comment, c.display_name AS clerk, \
         a.display_name AS expert \
         FROM reviews r JOIN tickets t ON t.id = r.ticket_id \
         JOIN ratings g ON g.ticket_id = r.ticket_id JOIN users c ON c.id = g.rater_id \
         LEFT JOIN users a ON a.id = g.expert_id \
         WHERE r.closed_at IS NULL AND r.unit_path LIKE $1 ORDER BY r.opened_at, r.id LIMIT 100",
    )
    .bind(format!("{under}%"))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ReviewView {
                id: r.try_get("id")?,
                ticket_id: r.try_get("ticket_id")?,
                title: r.try_get("title")?,
                clerk: r.try_get("clerk")?,
                expert: r.try_get("expert")?,
                comment: r.try_get("comment")?,
                opened_at: r.try_get("opened_at")?,
            })
        })
        .collect()
}

/// The board's flagged tickets as CSV (UTF-8 with a BOM, for spreadsheets).
pub fn csv(board: &Board) -> String {
    let mut out =
        String::from("\u{feff}编号,单位,事项,难度,状态,经办人,标记,提出时间,办结期限\r\n");
    for t in &board.tickets {
        let flags: Vec<&str> = t.service.flags.iter().map(|f| f.flag.as_str()).collect();
        let fields = [
            t.id.to_string(),
            t.unit_name.clone(),
            t.item_code.clone(),
            t.difficulty.as_str().to_string(),
            t.state.as_str().to_string(),
            t.assignee_name.clone().unwrap_or_default(),
            flags.join(" "),
            t.created_at.to_string(),
            t.service.due_at.map(|d| d.to_string()).unwrap_or_default(),
        ];
        let cells: Vec<String> = fields.iter().map(|f| crate::text::csv_cell(f)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A supervisor over the review's unit closes it with what was found and done.
pub async fn close_review(hd: &Helpdesk, actor: &Actor, id: i64, outcome: &str) -> AppResult<()> {
    if !oversees(actor) {
        return Err(AppError::Forbidden);
    }
    let outcome = outcome.trim();
    crate::text::check_line("outcome", outcome, 200)?;
    let path = hd
        .db
        .timed(async {
            let q =
                sqlx::query("SELECT unit_path FROM reviews WHERE id = $1 AND closed_at IS NULL");
            let row = q.bind(id).fetch_optional(hd.db.read()).await?;
            row.map(|r| r.try_get::<String, _>("unit_path")).transpose()
        })
        .await?;
    match path {
        Some(p) if path_covers(&actor.unit_path, &p) => {}
        _ => return Err(AppError::NotFound("review")),
    }
    let q = sqlx::query(
        "UPDATE reviews SET closed_at = $1, closed_by = $2, outcome = $3 \
         WHERE id = $4 AND closed_at IS NULL",
    )
    .bind(hd.clock.now())
    .bind(actor.id)
    .bind(outcome)
    .bind(id);
    hd.db.timed(hd.db.execute(q)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_child;

    #[test]
    fn children_are_one_level_down() {
        assert!(is_child("/64/", "/64/6404/"));
        assert!(!is_child("/64/", "/64/"));
        assert!(!is_child("/64/", "/64/6404/640424/"));
        assert!(!is_child("/64/", "/65/6501/"));
    }
}
