//! `/api/people/{id}/…`: an administrator changes the access of a person in their subtree.
//! Every change that ends the person's sessions also closes their open sockets here, at once.

use super::{add, directory, record, Change};
use crate::auth::jurisdiction::path_covers;
use crate::auth::{password, user_topic, Actor, Auth, SIGNED_OUT};
use crate::error::{ApiJson, AppError, AppResult};
use crate::events::{everyone, Event, Payload};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRef, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Auth: FromRef<S>,
{
    Router::new()
        .route("/api/people", get(list).post(add_one))
        .route("/api/people/import", post(import))
        .route("/api/people/groups", get(groups).post(group_add))
        .route("/api/people/groups/{code}", patch(group_change))
        .route("/api/people/{id}", patch(change))
        .route("/api/people/{id}/password", put(set_password))
        .route("/api/people/{id}/{action}", post(act))
}

fn admin(actor: &Actor) -> AppResult<()> {
    match super::administers(actor) {
        true => Ok(()),
        false => Err(AppError::Forbidden),
    }
}

/// `GET /api/people`: a page of the people in the administrator's subtree.
async fn list(
    State(auth): State<Auth>,
    actor: Actor,
    query: Result<Query<directory::Query>, QueryRejection>,
) -> AppResult<Json<Value>> {
    admin(&actor)?;
    let Query(q) = query.map_err(|e| AppError::invalid("query", e.body_text()))?;
    let (people, next) = directory::list(&auth.db, &actor.unit_path, &q, auth.clock.now()).await?;
    Ok(Json(json!({ "people": people, "next": next })))
}

/// `GET /api/people/groups`: the expert groups the administrator may put people in.
async fn groups(State(auth): State<Auth>, actor: Actor) -> AppResult<Json<Value>> {
    admin(&actor)?;
    let groups = directory::groups(&auth.db, &actor.unit_path).await?;
    Ok(Json(json!({ "groups": groups })))
}

/// `POST /api/people/groups`: a new expert group in the actor's subtree.
async fn group_add(
    State(auth): State<Auth>,
    actor: Actor,
    ApiJson(body): ApiJson<super::groups::NewGroup>,
) -> AppResult<StatusCode> {
    admin(&actor)?;
    super::groups::add(&auth.db, &actor, body, auth.clock.now()).await?;
    Ok(StatusCode::CREATED)
}

/// `PATCH /api/people/groups/{code}`: its name or what it answers.
async fn group_change(
    State(auth): State<Auth>,
    actor: Actor,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<super::groups::GroupChange>,
) -> AppResult<StatusCode> {
    admin(&actor)?;
    super::groups::change(&auth.db, &actor, &code, body, auth.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/people`: one person, checked like a line of an imported file.
async fn add_one(
    State(auth): State<Auth>,
    actor: Actor,
    ApiJson(row): ApiJson<add::Row>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let added = add::add(&auth.db, &actor, vec![(1, row)], auth.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "added": added }))))
}

/// `POST /api/people/import`: a CSV file of people, all or none.
async fn import(
    State(auth): State<Auth>,
    actor: Actor,
    body: axum::body::Bytes,
) -> AppResult<(StatusCode, Json<Value>)> {
    admin(&actor)?;
    let rows = add::parse_csv(&body)?;
    let added = add::add(&auth.db, &actor, rows, auth.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "added": added }))))
}

/// The person with `id`, if the actor administers people, their subtree holds the person, and
/// they manage the person's role.
async fn person_in_area(
    auth: &Auth,
    actor: &Actor,
    id: Result<i64, PathRejection>,
) -> AppResult<(i64, String, super::Standing)> {
    let id = id.map_err(|_| AppError::NotFound("person"))?;
    admin(actor)?;
    match super::standing(&auth.db, id).await? {
        Some((name, standing)) if path_covers(&actor.unit_path, &standing.unit_path) => {
            if !super::manages(actor, standing.role) {
                return Err(AppError::Forbidden);
            }
            Ok((id, name, standing))
        }
        _ => Err(AppError::NotFound("person")),
    }
}

/// Closes every open socket of the person with 4003.
fn close_sockets(auth: &Auth, id: i64, reason: &'static str) {
    let closed = Payload::Close {
        code: SIGNED_OUT,
        reason,
    };
    auth.bus
        .publish(vec![Event::new(user_topic(id), everyone(), closed)]);
}

/// `POST /api/people/{id}/disable|enable|unlock|sign-out`.
async fn act(
    State(auth): State<Auth>,
    actor: Actor,
    path: Result<Path<(i64, String)>, PathRejection>,
) -> AppResult<StatusCode> {
    let (id, action) = match path {
        Ok(Path((id, action))) => (Ok(id), action),
        Err(e) => (Err(e), String::new()),
    };
    let (id, _, standing) = person_in_area(&auth, &actor, id).await?;
    if id == actor.id && action == "disable" {
        // An area must not lose its administrator by a slip; another one may do it.
        return Err(AppError::Forbidden);
    }
    let (db, now) = (&auth.db, auth.clock.now());
    let by = |kind| {
        record(
            kind,
            &actor.username,
            Some(actor.id),
            id,
            &standing.unit_path,
        )
    };
    let ends_access = match action.as_str() {
        "disable" => {
            super::set_disabled(db, id, true, &by("person_disabled"), now).await?;
            true
        }
        "enable" => {
            super::set_disabled(db, id, false, &by("person_enabled"), now).await?;
            false
        }
        "unlock" => {
            super::end_sessions_or_unlock(db, id, true, &by("person_unlocked"), now).await?;
            false
        }
        "sign-out" => {
            super::end_sessions_or_unlock(db, id, false, &by("sessions_ended"), now).await?;
            true
        }
        _ => return Err(AppError::NotFound("action")),
    };
    if ends_access {
        close_sockets(&auth, id, "signed out by an administrator");
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `PATCH /api/people/{id}`: a new role, home unit or expert group. The person signs in again
/// and from then on sees what the new standing lets them see. Administrators cannot change
/// their own standing, so an area is never left without one by mistake.
async fn change(
    State(auth): State<Auth>,
    actor: Actor,
    id: Result<Path<i64>, PathRejection>,
    ApiJson(body): ApiJson<Change>,
) -> AppResult<Json<Value>> {
    let (id, username, from) = person_in_area(&auth, &actor, id.map(|Path(id)| id)).await?;
    if id == actor.id {
        return Err(AppError::Forbidden);
    }
    let to = body.apply(&auth.db, &from, &actor.unit_path).await?;
    if !super::manages(&actor, to.role) {
        return Err(AppError::Forbidden);
    }
    if to != from {
        let mut trail = record(
            "person_changed",
            &actor.username,
            Some(actor.id),
            id,
            &to.unit_path,
        );
        trail.detail = format!("{} → {}", from.describe(), to.describe());
        super::change(&auth.db, id, &to, &trail, auth.clock.now()).await?;
        close_sockets(&auth, id, "role, unit or group changed");
    }
    Ok(Json(json!({ "person": {
        "id": id,
        "username": username,
        "role": to.role,
        "unit": to.unit_code,
        "group": to.group.map(|(_, code)| code),
    }})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPassword {
    password: String,
}

/// `PUT /api/people/{id}/password`: sets the person's password (checked against the password
/// rule); every session of the person ends.
async fn set_password(
    State(auth): State<Auth>,
    actor: Actor,
    id: Result<Path<i64>, PathRejection>,
    ApiJson(body): ApiJson<NewPassword>,
) -> AppResult<StatusCode> {
    let (id, username, standing) = person_in_area(&auth, &actor, id.map(|Path(id)| id)).await?;
    password::check_policy(&username, &body.password)?;
    let permit = auth.gate.hash_permit().await?;
    let hash = password::hash(body.password).await?;
    drop(permit);
    let trail = record(
        "password_changed",
        &actor.username,
        Some(actor.id),
        id,
        &standing.unit_path,
    );
    super::set_password(&auth.db, id, &hash, &trail, auth.clock.now()).await?;
    close_sockets(&auth, id, "password changed");
    Ok(StatusCode::NO_CONTENT)
}
