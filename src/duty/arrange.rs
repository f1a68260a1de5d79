//! A unit's duty arrangement one at a time, beside the spreadsheet: its rotations and overrides
//! to read, and an override (替班: leave taken over, a swap) added or withdrawn by those who
//! arrange the unit's duty.

use super::roster::Rotation;
use super::store;
use super::{allowed, Duty};
use crate::auth::Actor;
use crate::clock::Millis;
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// The longest override: a month.
pub const MAX_OVERRIDE_MS: Millis = 31 * 24 * 3_600_000;

#[derive(Debug, Serialize)]
pub struct Arrangement {
    pub rotations: Vec<RotationView>,
    pub overrides: Vec<OverrideView>,
    pub may_arrange: bool,
}

#[derive(Debug, Serialize)]
pub struct RotationView {
    pub starts_on: String,
    pub period_days: i64,
    pub people: Vec<String>,
    pub shifts: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct OverrideView {
    pub id: i64,
    pub person: String,
    pub from: Millis,
    pub until: Millis,
    pub reason: String,
}

/// What an override asks: who (a username), from when until when in the region's local time
/// (`2026-12-07 08:00`), and why.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOverride {
    pub username: String,
    pub from: String,
    pub until: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn show(duty: &Duty, actor: &Actor, code: &str) -> AppResult<Arrangement> {
    let (id, path) = duty.unit_in_area(actor, code).await?;
    let now = duty.clock.now();
    let day = duty.rules.day_of(now).to_string();
    let snap = store::load_chain(&duty.db, &path, now, &day).await?;
    let plan = snap.plans.get(&id).cloned().unwrap_or_default();
    let name = |p: &i64| snap.people.get(p).map_or(String::new(), |p| p.name.clone());
    let rotation = |r: &Rotation| RotationView {
        starts_on: r.starts_on.to_string(),
        period_days: r.period_days,
        people: r.people.iter().map(name).collect(),
        shifts: r.shifts.iter().map(|s| s.to_string()).collect(),
    };
    Ok(Arrangement {
        rotations: plan.rotations.iter().map(rotation).collect(),
        overrides: overrides(duty, id, now).await?,
        may_arrange: allowed::may_arrange(actor),
    })
}

/// The unit's overrides not yet over, soonest first.
async fn overrides(duty: &Duty, unit: i64, now: Millis) -> AppResult<Vec<OverrideView>> {
    let q = sqlx::query(
        "SELECT o.id, o.starts_at, o.ends_at, o.reason, u.display_name FROM duty_overrides o \
         JOIN users u ON u.id = o.person_id WHERE o.unit_id = $1 AND o.ends_at > $2 \
         ORDER BY o.starts_at",
    )
    .bind(unit)
    .bind(now);
    let rows = duty.db.timed(q.fetch_all(duty.db.read())).await?;
    let views = rows.iter().map(|r| {
        Ok(OverrideView {
            id: r.try_get("id")?,
            person: r.try_get("display_name")?,
            from: r.try_get("starts_at")?,
            until: r.try_get("ends_at")?,
            reason: r.try_get("reason")?,
        })
    });
    Ok(views.collect::<Result<_, sqlx::Error>>()?)
}

/// Adds an override to unit `code`; returns its id.
pub async fn add_override(
    duty: &Duty,
    actor: &Actor,
    code: &str,
    o: NewOverride,
) -> AppResult<i64> {
    let (unit, path) = duty.unit_in_area(actor, code).await?;
    if !allowed::may_arrange(actor) {
        return Err(AppError::Forbidden);
    }
    let now = duty.clock.now();
    let local = |field: &'static str, text: &str| {
        duty.rules
            .parse_local(text)
            .ok_or_else(|| AppError::invalid(field, "a local time such as 2026-12-07 08:00"))
    };
    let (from, until) = (local("from", &o.from)?, local("until", &o.until)?);
    if until <= from || until <= now {
        return Err(AppError::invalid(
            "until",
            "must come after the start, and after now",
        ));
    }
    if until - from > MAX_OVERRIDE_MS {
        return Err(AppError::invalid(
            "until",
            "an override lasts at most 31 days",
        ));
    }
    crate::text::check_line("reason", &o.reason, 200)?;
    let found = super::sheets::people_by_username(&duty.db, &[o.username.trim()]).await?;
    let person = match found.get(o.username.trim()) {
        Some((id, role)) if allowed::may_stand(*role) => *id,
        Some(_) => {
            return Err(AppError::invalid(
                "username",
                "only security officers stand in",
            ))
        }
        None => return Err(AppError::invalid("username", "nobody has that username")),
    };
    let insert = sqlx::query(
        "INSERT INTO duty_overrides (unit_id, person_id, starts_at, ends_at, reason) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(unit)
    .bind(person)
    .bind(from)
    .bind(until)
    .bind(&o.reason);
    let db = &duty.db;
    let id: i64 = db
        .write(async {
            let mut tx = db.begin().await?;
            let row = insert.fetch_one(&mut *tx).await?;
            tx.commit().await?;
            row.try_get("id")
        })
        .await?;
    duty.changed(Some((code, &path)));
    Ok(id)
}

/// Withdraws override `id`, if it is of a unit in `actor`'s area: one still to come goes, one
/// running ends now; one over is history and stays.
pub async fn remove_override(duty: &Duty, actor: &Actor, id: i64) -> AppResult<()> {
    let q = sqlx::query(
        "SELECT n.code, o.starts_at, o.ends_at FROM duty_overrides o \
         JOIN units n ON n.id = o.unit_id WHERE o.id = $1",
    )
    .bind(id);
    let (code, starts, ends): (String, Millis, Millis) =
        match duty.db.timed(q.fetch_optional(duty.db.read())).await? {
            Some(r) => (
                r.try_get("code")?,
                r.try_get("starts_at")?,
                r.try_get("ends_at")?,
            ),
            None => return Err(AppError::NotFound("override")),
        };
    let (_, path) = duty
        .unit_in_area(actor, &code)
        .await
        .map_err(|_| AppError::NotFound("override"))?;
    if !allowed::may_arrange(actor) {
        return Err(AppError::Forbidden);
    }
    let now = duty.clock.now();
    if ends <= now {
        return Err(AppError::InvalidState(
            "this override is over; it stays in the record".into(),
        ));
    }
    let change = if starts >= now {
        sqlx::query("DELETE FROM duty_overrides WHERE id = $1 AND starts_at > $2")
            .bind(id)
            .bind(now)
    } else {
        sqlx::query("UPDATE duty_overrides SET ends_at = $2 WHERE id = $1 AND ends_at > $2")
            .bind(id)
            .bind(now)
    };
    if duty.db.execute(change).await? == 0 {
        return Err(AppError::NotFound("override"));
    }
    duty.changed(Some((&code, &path)));
    Ok(())
}
