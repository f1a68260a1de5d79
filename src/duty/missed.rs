//! Missed daily checks and their escalation. At each day's deadline a unit of the four levels
//! without its check is flagged (step 0 tells its own officer on duty) and the officer on duty
//! one level up is told (step 1); each `check_escalation_minutes` later the next level up, to
//! the region. Every step is a row keyed (unit, day, step), written before anyone is told, so
//! it happens once — also when the job runs again, after a restart, or on another node.

use super::roster::on_duty;
use super::store::{self, Snapshot, Unit};
use super::Duty;
use crate::auth::{user_topic, Event, Viewer};
use crate::clock::{Clock, Millis};
use crate::db::Db;
use crate::events::{Audience, Payload};
use crate::jobs::Handler;
use std::sync::Arc;

pub const KIND: &str = "duty.checks";

/// One step to take: the unit whose check is missing, the step, and whom it tells.
struct Step {
    /// Its place in the snapshot's units.
    unit: usize,
    unit_id: i64,
    step: i64,
    told_unit: i64,
    told: Option<i64>,
}

pub fn job(duty: Duty) -> Handler {
    Arc::new(move |_job| {
        let duty = duty.clone();
        Box::pin(async move {
            let next = run(&duty, duty.clock.now()).await?;
            schedule(&duty.db, next).await?;
            Ok(())
        })
    })
}

/// Takes the steps due at `now`; returns when to look again.
pub async fn run(duty: &Duty, now: Millis) -> anyhow::Result<Millis> {
    let rules = &duty.rules;
    let day = rules.day_of(now);
    let deadline = rules.deadline(day);
    let tomorrow = rules.deadline(day.tomorrow()?);
    if now < deadline {
        return Ok(deadline);
    }
    let day = day.to_string();
    let snap = store::load(&duty.db, "/", now, &day).await?;
    let due = 1 + (now - deadline) / rules.step_ms;
    let mut steps = Vec::new();
    let mut more = false;
    for (i, unit) in snap.units.iter().enumerate() {
        if snap.done.contains_key(&unit.id) {
            continue;
        }
        let above = ancestors(&snap, unit);
        more |= usize::try_from(due).unwrap_or(usize::MAX) < above.len();
        let reached = above.len().min(usize::try_from(due).unwrap_or(0));
        let told = std::iter::once(unit).chain(above.into_iter().take(reached));
        for (step, at) in told.enumerate() {
            let enabled = |p: i64| snap.enabled(p);
            let answer = on_duty(&snap.chain(at), now, &rules.zone, &enabled);
            steps.push(Step {
                unit: i,
                unit_id: unit.id,
                step: step as i64,
                told_unit: at.id,
                told: answer.map(|a| a.person),
            });
        }
    }
    let taken = write(&duty.db, &day, &steps, now).await?;
    if !taken.is_empty() {
        duty.changed(None);
    }
    for s in taken {
        duty.metrics.check_escalations.inc();
        if let Some(person) = s.told {
            notify(duty, person, &snap.units[s.unit], &day, s.step);
        }
    }
    let next = deadline + due * rules.step_ms;
    Ok(if more { next.min(tomorrow) } else { tomorrow })
}

/// The units above `unit`, nearest first.
fn ancestors<'a>(snap: &'a Snapshot, unit: &Unit) -> Vec<&'a Unit> {
    let mut out = Vec::new();
    let mut at = unit.parent_id.and_then(|p| snap.unit(p));
    while let Some(u) = at {
        out.push(u);
        at = u.parent_id.and_then(|p| snap.unit(p));
    }
    out
}

/// Writes the steps not written before, in one transaction; returns those.
async fn write<'a>(
    db: &Db,
    day: &str,
    steps: &'a [Step],
    now: Millis,
) -> sqlx::Result<Vec<&'a Step>> {
    if steps.is_empty() {
        return Ok(Vec::new());
    }
    db.write(async {
        let mut tx = db.begin().await?;
        let mut taken = Vec::new();
        for s in steps {
            let done = sqlx::query(
                "INSERT INTO duty_check_escalations (unit_id, day, step, told_unit_id, \
                 told_person_id, at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (unit_id, day, step) DO NOTHING",
            )
            .bind(s.unit_id)
            .bind(day)
            .bind(s.step)
            .bind(s.told_unit)
            .bind(s.told)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() > 0 {
                taken.push(s);
            }
        }
        tx.commit().await?;
        Ok(taken)
    })
    .await
}

fn notify(duty: &Duty, person: i64, unit: &Unit, day: &str, step: i64) {
    let frame = serde_json::json!({
        "type": "duty_notice", "unit": unit.code, "unit_name": unit.name, "day": day, "step": step,
    });
    let to: Audience<Viewer> = Arc::new(move |v: &Viewer| v.actor.id == person);
    let payload = Payload::Frame(frame.to_string().into());
    duty.bus
        .publish(vec![Event::new(user_topic(person), to, payload)]);
}

pub async fn schedule(db: &Db, at: Millis) -> sqlx::Result<()> {
    crate::jobs::schedule_alone(db, KIND, "all", at).await
}

/// Starts the daily look at `clock`'s now.
pub async fn start(db: &Db, clock: &dyn Clock) -> sqlx::Result<()> {
    schedule(db, clock.now()).await
}
