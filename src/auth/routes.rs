//! Log in (browser cookie or API token), log out, and "who am I".

use super::session::{self, Account, Kind};
use super::{password, session_topic, Actor, Auth, SESSION_COOKIE, SIGNED_OUT};
use crate::error::{ApiJson, AppError, AppResult};
use crate::events::{everyone, Event, Payload};
use crate::trail::{self, Record};
use axum::extract::{ConnectInfo, FromRef, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::net::{IpAddr, SocketAddr};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Auth: FromRef<S>,
{
    Router::new()
        .route("/api/session", post(login).delete(logout))
        .route("/api/tokens", post(issue_token))
        .route("/api/me", get(me))
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

/// Where a request came from, as the audit trail records it.
struct Client {
    address: IpAddr,
    agent: String,
}

impl Client {
    fn of(peer: SocketAddr, headers: &HeaderMap) -> Self {
        let agent = headers
            .get(header::USER_AGENT)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        Self {
            address: peer.ip(),
            agent,
        }
    }

    /// A trail record of `kind` by `actor`, from this client.
    fn record(
        &self,
        kind: &'static str,
        actor: &str,
        actor_id: Option<i64>,
        unit_path: &str,
    ) -> Record {
        Record {
            kind,
            actor_id,
            actor: actor.chars().filter(|c| !c.is_control()).take(64).collect(),
            unit_path: unit_path.to_string(),
            subject: actor_id
                .map(|id| format!("person {id}"))
                .unwrap_or_default(),
            detail: String::new(),
            address: self.address.to_string(),
            agent: self.agent.clone(),
        }
    }
}

/// Checks the credentials and returns the account, through the sign-in gate. Failures are
/// recorded in the trail.
async fn authenticate(auth: &Auth, creds: Credentials, client: &Client) -> AppResult<Account> {
    let now = auth.clock.now();
    let from = client.address;
    if let Err(refused) = auth.gate.admit(from, now) {
        if auth.gate.record_refusal(from, now) {
            let record = client.record("rate_limited", &creds.username, None, "/");
            trail::append_alone(&auth.db, &record, now).await?;
        }
        return Err(refused);
    }
    // No stored username has control characters; refusing them here keeps PostgreSQL
    // (which cannot compare a NUL) and SQLite answering alike.
    let name = creds.username.trim().to_string();
    let unusable = crate::text::check_line("username", &name, 64).is_err();
    if unusable || creds.password.len() > 1024 {
        auth.gate.failed_from(from, now);
        return Err(AppError::BadCredentials);
    }
    let account = session::account(&auth.db, &name).await?;
    let locked = match &account {
        Some(a) => a.locked_until.filter(|until| *until > now),
        None => auth.gate.unknown_locked(&name, now),
    };
    if let Some(until) = locked {
        let retry_after_secs = u64::try_from((until - now + 999) / 1000).unwrap_or(1);
        return Err(AppError::Locked { retry_after_secs });
    }
    let permit = auth.gate.hash_permit().await?;
    let stored = account.as_ref().map(|a| a.password_hash.clone());
    let ok = password::verify(creds.password, stored).await?;
    drop(permit);
    match account {
        Some(a) if ok && a.disabled => Err(AppError::Disabled),
        Some(a) if ok => {
            if a.failed_logins > 0 || a.locked_until.is_some() {
                session::clear_failures(&auth.db, a.id).await?;
            }
            Ok(a)
        }
        Some(a) => {
            auth.gate.failed_from(from, now);
            let (limit, lock) = auth.gate.lock_policy();
            let record = client.record("sign_in_failed", &name, Some(a.id), &a.unit_path);
            session::failed(&auth.db, &a, (limit, now + lock), record, now).await?;
            Err(AppError::BadCredentials)
        }
        None => {
            auth.gate.failed_from(from, now);
            auth.gate.unknown_failed(&name, now);
            let record = client.record("sign_in_failed", &name, None, "/");
            trail::append_alone(&auth.db, &record, now).await?;
            Err(AppError::BadCredentials)
        }
    }
}

async fn login(
    State(auth): State<Auth>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(creds): ApiJson<Credentials>,
) -> AppResult<Response> {
    let client = Client::of(peer, &headers);
    let name = creds.username.trim().to_string();
    let account = authenticate(&auth, creds, &client).await?;
    let now = auth.clock.now();
    let ttl_secs = auth.settings.session_hours * 3600;
    let expires_at = now + i64::try_from(ttl_secs * 1000).unwrap_or(i64::MAX / 2);
    let record = client.record("sign_in", &name, Some(account.id), &account.unit_path);
    let when = (now, expires_at);
    let token = session::create(&auth.db, account.id, Kind::Browser, when, &record).await?;
    let actor = Actor::from_token(&auth, &token).await?;
    let cookie = session_cookie(&auth, &token, ttl_secs);
    Ok((
        [(header::SET_COOKIE, cookie), no_store()],
        Json(json!({ "user": actor, "expires_at": expires_at })),
    )
        .into_response())
}

async fn issue_token(
    State(auth): State<Auth>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(creds): ApiJson<Credentials>,
) -> AppResult<Response> {
    let client = Client::of(peer, &headers);
    let name = creds.username.trim().to_string();
    let account = authenticate(&auth, creds, &client).await?;
    let now = auth.clock.now();
    let ttl_ms = auth.settings.token_days * 24 * 3600 * 1000;
    let expires_at = now + i64::try_from(ttl_ms).unwrap_or(i64::MAX / 2);
    let record = client.record("token_issued", &name, Some(account.id), &account.unit_path);
    let when = (now, expires_at);
    let token = session::create(&auth.db, account.id, Kind::Api, when, &record).await?;
    let actor = Actor::from_token(&auth, &token).await?;
    let body = json!({ "token": token, "expires_at": expires_at, "user": actor });
    Ok(([no_store()], Json(body)).into_response())
}

/// Secrets in an answer must not be kept by any cache.
fn no_store() -> (header::HeaderName, String) {
    (header::CACHE_CONTROL, "no-store".to_string())
}

async fn logout(
    State(auth): State<Auth>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> AppResult<Response> {
    if let Some(token) = super::actor::token_from_headers(&headers) {
        let client = Client::of(peer, &headers);
        let leaving = Actor::from_token(&auth, &token).await.ok();
        let record = leaving
            .as_ref()
            .map(|a| client.record("sign_out", &a.username, Some(a.id), &a.unit_path));
        session::delete(&auth.db, &token, record.as_ref(), auth.clock.now()).await?;
        let closed = Payload::Close {
            code: SIGNED_OUT,
            reason: "signed out",
        };
        let topic = session_topic(&session::token_hash(&token));
        auth.bus
            .publish(vec![Event::new(topic, everyone(), closed)]);
    }
    let clear = session_cookie(&auth, "", 0);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

/// The session cookie: never readable by scripts, never sent cross-site.
fn session_cookie(auth: &Auth, token: &str, max_age_secs: u64) -> String {
    let secure = if auth.settings.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}")
}

async fn me(actor: Actor) -> Json<serde_json::Value> {
    Json(json!({ "user": actor }))
}
