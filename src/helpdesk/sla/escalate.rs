//! Escalation along the unit tree. A flag set on a ticket starts a chain of steps: step 0 tells
//! its handler (or, unclaimed, its queue); step 1 the supervisors of the handler's unit (the
//! ticket's own unit while nobody holds it); each step after that the supervisors one level up
//! — township → county → city → region — after the configured delays. Each step runs as a job
//! and is written by the journal together with the next step's job, so it fires once, also
//! across a restart; a step finding its flag cleared ends the chain.

use crate::error::AppError;
use crate::helpdesk::journal::{Change, Escalate};
use crate::helpdesk::repo::{self, Ticket};
use crate::helpdesk::sla::chain::{payload, Step};
use crate::helpdesk::sla::Flag;
use crate::helpdesk::Helpdesk;
use crate::jobs::{Handler, Job};
use serde::Serialize;
use std::sync::Arc;

/// What a step's log entry says (JSON): the flag, the step, the unit and who was told.
#[derive(Serialize)]
struct Told<'a> {
    flag: Flag,
    step: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<&'a str>,
    people: Vec<&'a str>,
}

pub fn job(hd: Helpdesk) -> Handler {
    Arc::new(move |job: Job| {
        let hd = hd.clone();
        Box::pin(async move { run(&hd, &job).await })
    })
}

async fn run(hd: &Helpdesk, job: &Job) -> anyhow::Result<()> {
    let (ticket, flag) = job
        .key
        .split_once('/')
        .and_then(|(t, f)| Some((t.parse::<i64>().ok()?, Flag::parse(f)?)))
        .ok_or_else(|| anyhow::anyhow!("not an escalation key: {}", job.key))?;
    let step: Step = serde_json::from_str(&job.payload)?;
    let mut conn = hd.db.read().acquire().await?;
    let Some(t) = repo::get(&mut conn, ticket).await? else {
        return Ok(());
    };
    if t.clocks.flags.since(flag) != Some(step.since) {
        return Ok(()); // cleared: the chain ends here
    }
    let Some(target) = target(&mut conn, &t, step.step).await? else {
        return Ok(()); // above the region: nobody left to tell
    };
    drop(conn);
    let people: Vec<&str> = target.people.iter().map(|(_, n)| n.as_str()).collect();
    let told = Told {
        flag,
        step: step.step,
        unit: target.unit.as_ref().map(|(_, name)| name.as_str()),
        people,
    };
    let due = job.due_at + hd.policy.escalation_delay(step.step + 1);
    let change = Escalate {
        ticket,
        flag,
        since: step.since,
        step: step.step,
        unit_id: target.unit.as_ref().map(|(id, _)| *id),
        notified: target.people.iter().map(|(id, _)| *id).collect(),
        body: serde_json::to_string(&told)?,
        next: Some((due, payload(step.since, step.step + 1))),
    };
    match hd.journal.submit(Change::Escalate(change)).await {
        Ok(_) | Err(AppError::Stale) | Err(AppError::NotFound(_)) => Ok(()),
        Err(e) => Err(anyhow::anyhow!("escalation step not written: {e}")),
    }
}

/// Whom a step tells: a unit (none for the handler's step) and its people.
struct Target {
    unit: Option<(i64, String)>,
    people: Vec<(i64, String)>,
}

async fn target(
    conn: &mut sqlx::AnyConnection,
    t: &Ticket,
    step: i64,
) -> sqlx::Result<Option<Target>> {
    if step == 0 {
        let people = match (t.assignee_id, &t.assignee_name) {
            (Some(id), Some(name)) => vec![(id, name.clone())],
            _ => Vec::new(),
        };
        return Ok(Some(Target { unit: None, people }));
    }
    let start = match t.assignee_id {
        Some(id) => repo::user_brief(conn, id).await?.map(|u| u.unit_path),
        None => None,
    };
    let path = start.unwrap_or_else(|| t.unit_path.clone());
    // '/640000/640400/640424/' → 640424, 640400, 640000: the unit, then each level up.
    let chain: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).rev().collect();
    let Some(code) = usize::try_from(step - 1).ok().and_then(|i| chain.get(i)) else {
        return Ok(None);
    };
    let Some(unit) = crate::org::repo::unit_by_code(conn, code).await? else {
        return Ok(None);
    };
    let people = crate::org::repo::supervisors_of(conn, unit.id).await?;
    Ok(Some(Target {
        unit: Some((unit.id, unit.name)),
        people,
    }))
}
