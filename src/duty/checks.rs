//! Daily checks (日常巡检): a unit's checklist (its own, else the configured one) and its
//! completion by an officer over it or on duty for it, once per local day, kept with who and
//! when and whether it came after the day's deadline.

use super::roster::on_duty;
use super::store::{self, Unit};
use super::{allowed, Duty};
use crate::auth::jurisdiction::covers;
use crate::auth::Actor;
use crate::clock::Millis;
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use sqlx::Row;

const NOTE_MAX_CHARS: usize = 500;

#[derive(Debug, Serialize)]
pub struct Checklist {
    pub unit: UnitBrief,
    pub day: String,
    pub items: Vec<String>,
    pub done: Option<DoneView>,
}

#[derive(Debug, Serialize)]
pub struct UnitBrief {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct DoneView {
    pub by: String,
    pub at: Millis,
    pub late: bool,
    pub results: Vec<ItemResult>,
    pub note: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ItemResult {
    pub item: String,
    pub ok: bool,
    #[serde(default)]
    pub note: String,
}

/// What an officer submits: every item of the checklist once.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Completion {
    pub results: Vec<ItemResult>,
    #[serde(default)]
    pub note: String,
}

/// The unit `code` of the four levels, if `actor` may see it; with whether they may check it.
async fn unit_for(duty: &Duty, actor: &Actor, code: &str, now: Millis) -> AppResult<(Unit, bool)> {
    let (id, path) = match store::unit_by_code(&duty.db, code).await? {
        Some(found) => found,
        None => return Err(AppError::NotFound("unit")),
    };
    // Outside one's area only an officer named in the unit's arrangement may go on.
    let area = allowed::may_view(actor) && covers(actor, &path);
    let named = || store::named_at(&duty.db, id, actor.id, now);
    let outsider_named = actor.role == crate::org::Role::Officer && !area && named().await?;
    if !(area || outsider_named) {
        return Err(AppError::NotFound("unit"));
    }
    let day = duty.rules.day_of(now).to_string();
    let snap = store::load_chain(&duty.db, &path, now, &day).await?;
    let unit = snap
        .units
        .iter()
        .find(|u| u.path == path)
        .cloned()
        .ok_or(AppError::NotFound("unit"))?;
    let enabled = |p: i64| snap.enabled(p);
    let answer = on_duty(&snap.chain(&unit), now, &duty.rules.zone, &enabled);
    let held = answer.filter(|a| a.unit_id == unit.id).map(|a| a.person);
    let plan = snap.plans.get(&unit.id);
    let officers = [plan.and_then(|p| p.primary), plan.and_then(|p| p.deputy)];
    let may = allowed::may_check(actor, officers, held);
    if !(may || area) {
        return Err(AppError::NotFound("unit"));
    }
    Ok((unit, may))
}

pub async fn items(duty: &Duty, unit_id: i64) -> AppResult<Vec<String>> {
    let q = sqlx::query("SELECT items FROM duty_checklists WHERE unit_id = $1").bind(unit_id);
    let own = duty.db.timed(q.fetch_optional(duty.db.read())).await?;
    let own: Option<String> = own.map(|r| r.try_get("items")).transpose()?;
    let listed: Vec<String> = own
        .iter()
        .flat_map(|t| t.lines())
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    Ok(if listed.is_empty() {
        duty.rules.items.clone()
    } else {
        listed
    })
}

/// A unit's own checklist, set by those who arrange its duty.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnItems {
    pub items: Vec<String>,
}

/// At most this many items, each one line of at most 30 characters.
const MAX_ITEMS: usize = 20;

/// Sets unit `code`'s own checklist; an empty list goes back to the configured one.
pub async fn set_items(
    duty: &Duty,
    actor: &Actor,
    code: &str,
    body: OwnItems,
) -> AppResult<Vec<String>> {
    let now = duty.clock.now();
    let (unit, _) = unit_for(duty, actor, code, now).await?;
    if !(allowed::may_arrange(actor) && covers(actor, &unit.path)) {
        return Err(AppError::Forbidden);
    }
    let items: Vec<String> = body
        .items
        .iter()
        .map(|i| i.trim().to_string())
        .filter(|i| !i.is_empty())
        .collect();
    if items.len() > MAX_ITEMS {
        return Err(AppError::invalid(
            "items",
            format!("at most {MAX_ITEMS} items"),
        ));
    }
    for (i, item) in items.iter().enumerate() {
        crate::text::check_line("items", item, 30)?;
        if items[..i].contains(item) {
            return Err(AppError::invalid(
                "items",
                format!("{item:?} is listed twice"),
            ));
        }
    }
    let db = &duty.db;
    db.write(async {
        let mut tx = db.begin().await?;
        sqlx::query("DELETE FROM duty_checklists WHERE unit_id = $1")
            .bind(unit.id)
            .execute(&mut *tx)
            .await?;
        if !items.is_empty() {
            sqlx::query("INSERT INTO duty_checklists (unit_id, items) VALUES ($1, $2)")
                .bind(unit.id)
                .bind(items.join("\n"))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    })
    .await?;
    self::items(duty, unit.id).await
}

pub async fn show(duty: &Duty, actor: &Actor, code: &str) -> AppResult<Checklist> {
    let now = duty.clock.now();
    let (unit, _) = unit_for(duty, actor, code, now).await?;
    let day = duty.rules.day_of(now).to_string();
    Ok(Checklist {
        items: items(duty, unit.id).await?,
        done: done(duty, unit.id, &day).await?,
        unit: UnitBrief {
            code: unit.code,
            name: unit.name,
        },
        day,
    })
}

async fn done(duty: &Duty, unit_id: i64, day: &str) -> AppResult<Option<DoneView>> {
    let q = sqlx::query(
        "SELECT c.results, c.note, c.done_at, c.late, u.display_name FROM duty_checks c \
         JOIN users u ON u.id = c.done_by WHERE c.unit_id = $1 AND c.day = $2",
    )
    .bind(unit_id)
    .bind(day);
    let Some(r) = duty.db.timed(q.fetch_optional(duty.db.read())).await? else {
        return Ok(None);
    };
    let results: String = r.try_get("results")?;
    Ok(Some(DoneView {
        by: r.try_get("display_name")?,
        at: r.try_get("done_at")?,
        late: r.try_get::<i64, _>("late")? != 0,
        results: serde_json::from_str(&results).unwrap_or_default(),
        note: r.try_get("note")?,
    }))
}

/// Records today's check of unit `code` by `actor`; refused if it is done already.
pub async fn complete(
    duty: &Duty,
    actor: &Actor,
    code: &str,
    body: Completion,
) -> AppResult<DoneView> {
    let now = duty.clock.now();
    let (unit, may) = unit_for(duty, actor, code, now).await?;
    if !may {
        return Err(AppError::Forbidden);
    }
    let items = items(duty, unit.id).await?;
    let results = in_order(&items, body.results)?;
    crate::text::check("note", &body.note, NOTE_MAX_CHARS)?;
    let day = duty.rules.day_of(now);
    let late = now >= duty.rules.deadline(day);
    let json = serde_json::to_string(&results).map_err(anyhow::Error::from)?;
    let insert = sqlx::query(
        "INSERT INTO duty_checks (unit_id, day, results, note, done_by, done_at, late) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(unit.id)
    .bind(day.to_string())
    .bind(&json)
    .bind(&body.note)
    .bind(actor.id)
    .bind(now)
    .bind(i64::from(late));
    match duty.db.execute(insert).await {
        Ok(_) => {}
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(AppError::Conflict(
                "today's check of this unit is done already".into(),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    duty.metrics.checks_done.inc();
    duty.changed(Some((&unit.code, &unit.path)));
    Ok(DoneView {
        by: actor.display_name.clone(),
        at: now,
        late,
        results,
        note: body.note,
    })
}

/// The results in the checklist's order, each item once; a note on each at most 200 characters.
fn in_order(items: &[String], mut given: Vec<ItemResult>) -> AppResult<Vec<ItemResult>> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let at = given
            .iter()
            .position(|r| r.item.trim() == item)
            .ok_or_else(|| AppError::invalid("results", format!("no result for {item:?}")))?;
        let mut r = given.swap_remove(at);
        crate::text::check_line("results.note", &r.note, 200)?;
        r.item = item.clone();
        out.push(r);
    }
    if let Some(extra) = given.first() {
        let item: String = extra.item.chars().take(40).collect();
        return Err(AppError::invalid(
            "results",
            format!("{item:?} is not on the checklist"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(item: &str) -> ItemResult {
        ItemResult {
            item: item.into(),
            ok: true,
            note: String::new(),
        }
    }

    #[test]
    fn every_item_once_and_nothing_else() {
        let items = vec!["网络连通".to_string(), "打印机".to_string()];
        let ordered = in_order(&items, vec![r("打印机"), r("网络连通")]).unwrap();
        assert_eq!(ordered[0].item, "网络连通");
        assert!(in_order(&items, vec![r("打印机")]).is_err());
        assert!(in_order(&items, vec![r("打印机"), r("网络连通"), r("咖啡机")]).is_err());
        assert!(in_order(&items, vec![r("打印机"), r("打印机")]).is_err());
    }
}
