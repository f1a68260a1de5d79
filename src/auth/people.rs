//! What an administrator does to a person's access: disable and enable, unlock after failed
//! sign-ins, end every session. Each change that takes access away ends the person's sessions
//! in the database and closes their open sockets at once (4003); the command line does the
//! same, and sockets of another process find out at their next session check.

use super::{user_topic, Actor, Auth, SIGNED_OUT};
use crate::clock::Millis;
use crate::db::{Db, Statement};
use crate::error::{AppError, AppResult};
use crate::events::{everyone, Event, Payload};
use crate::org::Role;
use crate::trail::{self, Record};
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use sqlx::Row;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Auth: FromRef<S>,
{
    Router::new().route("/api/people/{id}/{action}", post(act))
}

/// The person's id and unit path, by username.
pub async fn find(db: &Db, username: &str) -> sqlx::Result<Option<(i64, String)>> {
    let q = sqlx::query(
        "SELECT u.id, n.path FROM users u JOIN units n ON n.id = u.unit_id WHERE u.username = $1",
    )
    .bind(username)
    .fetch_optional(db.read());
    let row = db.timed(q).await?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("path")?)))
        .transpose()
}

async fn unit_path_of(db: &Db, id: i64) -> sqlx::Result<Option<String>> {
    let q =
        sqlx::query("SELECT n.path FROM users u JOIN units n ON n.id = u.unit_id WHERE u.id = $1")
            .bind(id)
            .fetch_optional(db.read());
    let row = db.timed(q).await?;
    row.map(|r| r.try_get("path")).transpose()
}

/// What is recorded of an act on a person: by whom, on whom.
pub fn record(
    kind: &'static str,
    by: &str,
    by_id: Option<i64>,
    id: i64,
    unit_path: &str,
) -> Record {
    Record {
        kind,
        actor_id: by_id,
        actor: by.to_string(),
        unit_path: unit_path.to_string(),
        subject: format!("person {id}"),
        ..Record::default()
    }
}

/// Runs `statements` and appends `trail` in one transaction.
async fn with_trail(
    db: &Db,
    statements: Vec<Statement<'_>>,
    trail: &Record,
    now: Millis,
) -> sqlx::Result<()> {
    db.write(async {
        let mut tx = db.begin().await?;
        for statement in statements {
            statement.execute(&mut *tx).await?;
        }
        trail::append(&mut tx, db.backend, trail, now).await?;
        tx.commit().await
    })
    .await
}

fn end_all_sessions(id: i64) -> Statement<'static> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id)
}

/// Disables or enables; disabling ends every session of the person.
pub async fn set_disabled(
    db: &Db,
    id: i64,
    disabled: bool,
    trail: &Record,
    now: Millis,
) -> sqlx::Result<()> {
    let mut statements = vec![sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
        .bind(i64::from(disabled))
        .bind(id)];
    if disabled {
        statements.push(end_all_sessions(id));
    }
    with_trail(db, statements, trail, now).await
}

/// A new password hash; every session of the person ends.
pub async fn set_password(
    db: &Db,
    id: i64,
    hash: &str,
    trail: &Record,
    now: Millis,
) -> sqlx::Result<()> {
    let update = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash.to_string())
        .bind(id);
    with_trail(db, vec![update, end_all_sessions(id)], trail, now).await
}

/// Ends every session of the person, or lifts their sign-in lock (`unlock`).
pub async fn end_sessions_or_unlock(
    db: &Db,
    id: i64,
    unlock: bool,
    trail: &Record,
    now: Millis,
) -> sqlx::Result<()> {
    let statement = if unlock {
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(id)
    } else {
        end_all_sessions(id)
    };
    with_trail(db, vec![statement], trail, now).await
}

/// `POST /api/people/{id}/disable|enable|unlock|sign-out`, by an administrator over the
/// person's unit.
async fn act(
    State(auth): State<Auth>,
    actor: Actor,
    path: Result<Path<(i64, String)>, PathRejection>,
) -> AppResult<StatusCode> {
    let Path((id, action)) = path.map_err(|_| AppError::NotFound("person"))?;
    if actor.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    let path = match unit_path_of(&auth.db, id).await? {
        Some(p) if super::jurisdiction::path_covers(&actor.unit_path, &p) => p,
        _ => return Err(AppError::NotFound("person")),
    };
    let (db, now) = (&auth.db, auth.clock.now());
    let by = |kind| record(kind, &actor.username, Some(actor.id), id, &path);
    let ends_access = match action.as_str() {
        "disable" => {
            set_disabled(db, id, true, &by("person_disabled"), now).await?;
            true
        }
        "enable" => {
            set_disabled(db, id, false, &by("person_enabled"), now).await?;
            false
        }
        "unlock" => {
            end_sessions_or_unlock(db, id, true, &by("person_unlocked"), now).await?;
            false
        }
        "sign-out" => {
            end_sessions_or_unlock(db, id, false, &by("sessions_ended"), now).await?;
            true
        }
        _ => return Err(AppError::NotFound("action")),
    };
    if ends_access {
        let closed = Payload::Close {
            code: SIGNED_OUT,
            reason: "signed out by an administrator",
        };
        auth.bus
            .publish(vec![Event::new(user_topic(id), everyone(), closed)]);
    }
    Ok(StatusCode::NO_CONTENT)
}
