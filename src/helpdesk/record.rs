//! What the help desk writes into the audit trail of its own acts: views, refusals, files.
//! Transfers are recorded by the journal, in the transaction that makes them.

use super::Helpdesk;
use crate::auth::Actor;
use crate::throttle::Rate;
use crate::trail::{self, Record};

/// Records an act of `actor` in the audit trail, in a transaction of its own. A trail that
/// cannot be written is logged; the person's request still gets its answer.
pub async fn audit(
    hd: &Helpdesk,
    actor: &Actor,
    kind: &'static str,
    subject: String,
    detail: &str,
) {
    let record = Record {
        kind,
        actor_id: Some(actor.id),
        actor: actor.username.clone(),
        unit_path: actor.unit_path.clone(),
        subject,
        detail: detail.to_string(),
        ..Record::default()
    };
    if let Err(e) = trail::append_alone(&hd.db, &record, hd.clock.now()).await {
        tracing::error!(error = %e, kind, "cannot write the audit trail");
    }
}

/// Records the first time in a session that the person opens a ticket.
pub async fn first_view(hd: &Helpdesk, actor: &Actor, id: i64) {
    let first = {
        let mut seen = hd.viewed.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > 100_000 {
            seen.clear();
        }
        seen.insert((actor.session.clone(), id))
    };
    if first {
        audit(hd, actor, "ticket_viewed", format!("ticket {id}"), "").await;
    }
}

/// Refused rows one person may cause in a burst, and one more every two seconds after: someone
/// probing ticket after ticket must not turn each probe into a write everyone waits behind.
const REFUSALS: Rate = Rate {
    burst: 30,
    refill_ms: 2_000,
};

/// Records a refusal (a ticket or file out of sight, an action not allowed); past the
/// person's budget, only that they were held back, once a minute.
pub async fn refused(hd: &Helpdesk, actor: &Actor, subject: String, detail: &str) {
    let now = hd.clock.now();
    let within = {
        let mut budgets = hd.refusals.lock().unwrap_or_else(|p| p.into_inner());
        if budgets.len() > 100_000 {
            budgets.clear();
        }
        let bucket = budgets
            .entry(actor.id)
            .or_insert_with(|| REFUSALS.full(now));
        REFUSALS.take(bucket, now).is_ok()
    };
    if within {
        audit(hd, actor, "refused", subject, detail).await;
    } else {
        rate_limited(hd, actor, "refusals").await;
    }
}

/// Records that a person was held back by a limit — once a minute at most, so that a flood
/// cannot turn into as many writes.
pub async fn rate_limited(hd: &Helpdesk, actor: &Actor, what: &str) {
    let now = hd.clock.now();
    let due = {
        let mut last = hd.limited_at.lock().unwrap_or_else(|p| p.into_inner());
        match last.get(&actor.id) {
            Some(at) if now - at < 60_000 => false,
            _ => {
                if last.len() > 100_000 {
                    last.clear();
                }
                last.insert(actor.id, now);
                true
            }
        }
    };
    if due {
        audit(hd, actor, "rate_limited", what.to_string(), "").await;
    }
}
