//! The signed-in person behind a request or a WebSocket, found from a bearer token or the
//! session cookie, with what the jurisdiction check needs: role, unit path, specialties.

use super::Auth;
use crate::clock::Millis;
use crate::error::AppError;
use crate::org::{parse_specialties, Role, Specialty};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use serde::Serialize;
use sqlx::Row;

pub const SESSION_COOKIE: &str = "backstop_session";

#[derive(Clone, Debug, Serialize)]
pub struct Actor {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_level: String,
    #[serde(skip)]
    pub unit_path: String,
    /// The expert group, for experts.
    #[serde(skip)]
    pub group_id: Option<i64>,
    pub group_name: Option<String>,
    pub specialties: Vec<Specialty>,
    /// The SHA-256 of the session or token this request came with.
    #[serde(skip)]
    pub session: String,
    /// When that session ends.
    #[serde(skip)]
    pub expires_at: Millis,
}

impl Actor {
    /// Loads the person whose session token is `token`, if the session is live.
    pub async fn from_token(auth: &Auth, token: &str) -> Result<Actor, AppError> {
        Self::from_session(auth, super::session::token_hash(token)).await
    }

    /// Loads the person of the session whose hash is `session`, if it is live and the person
    /// is not disabled. Live connections ask this again while they are open.
    pub async fn from_session(auth: &Auth, session: String) -> Result<Actor, AppError> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.display_name, u.role, u.unit_id, n.name AS unit_name, \
             n.level AS unit_level, n.path AS unit_path, u.group_id, g.name AS group_name, \
             g.specialties, s.expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN units n ON n.id = u.unit_id \
             LEFT JOIN expert_groups g ON g.id = u.group_id \
             WHERE s.token_hash = $1 AND u.disabled = 0",
        )
        .bind(&session)
        .fetch_optional(auth.db.read());
        let row = auth.db.timed(row).await?.ok_or(AppError::Unauthenticated)?;
        let expires_at: i64 = row.try_get("expires_at")?;
        if expires_at <= auth.clock.now() {
            return Err(AppError::SessionExpired);
        }
        let role: String = row.try_get("role")?;
        let specialties: Option<String> = row.try_get("specialties")?;
        Ok(Actor {
            id: row.try_get("id")?,
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            role: Role::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("user has unknown role {role:?}"))?,
            unit_id: row.try_get("unit_id")?,
            unit_name: row.try_get("unit_name")?,
            unit_level: row.try_get("unit_level")?,
            unit_path: row.try_get("unit_path")?,
            group_id: row.try_get("group_id")?,
            group_name: row.try_get("group_name")?,
            specialties: parse_specialties(specialties.as_deref().unwrap_or("")),
            session,
            expires_at,
        })
    }

    /// True when `other` is the same person with the same powers: role, unit and group.
    pub fn same_standing(&self, other: &Actor) -> bool {
        self.id == other.id
            && self.role == other.role
            && self.unit_id == other.unit_id
            && self.unit_path == other.unit_path
            && self.group_id == other.group_id
            && self.specialties == other.specialties
    }
}

/// Where a request's credentials come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenSource {
    Bearer,
    Cookie,
}

/// The bearer token, else the session cookie.
pub fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    found(headers).map(|(token, _)| token)
}

/// Whether the request signs in with a bearer token or rides on the session cookie.
pub fn token_source(headers: &HeaderMap) -> Option<TokenSource> {
    found(headers).map(|(_, source)| source)
}

fn found(headers: &HeaderMap) -> Option<(String, TokenSource)> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let Some(token) = bearer {
        return Some((token.trim().to_string(), TokenSource::Bearer));
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| (value.to_string(), TokenSource::Cookie))
}

impl<S> FromRequestParts<S> for Actor
where
    S: Send + Sync,
    Auth: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let token = token_from_headers(&parts.headers).ok_or(AppError::Unauthenticated)?;
        Actor::from_token(&Auth::from_ref(state), &token).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_wins_over_cookie_and_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; backstop_session=abc; b=2"),
        );
        assert_eq!(token_from_headers(&h).as_deref(), Some("abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer xyz"),
        );
        assert_eq!(token_from_headers(&h).as_deref(), Some("xyz"));
        assert_eq!(token_from_headers(&HeaderMap::new()), None);
    }
}
