//! The one error type a user can meet. Each variant has a stable machine code, an HTTP status
//! and a readable message; the same code travels in WebSocket `error` frames. Database and
//! internal details are logged, never sent.

pub mod json;

pub use json::ApiJson;

use crate::db::Fault;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("please log in first")]
    Unauthenticated,
    #[error("your session has expired; please log in again")]
    SessionExpired,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("you may not do this")]
    Forbidden,
    #[error("this request did not come from the console's own page")]
    CrossSite,
    #[error("this account is disabled; ask an administrator")]
    Disabled,
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("malformed JSON: {0}")]
    BadJson(String),
    #[error("request body is too large")]
    TooLarge,
    #[error("only PNG, JPEG, WebP and PDF files are accepted")]
    UnsupportedType,
    #[error("unknown frame type {0:?}")]
    UnknownType(String),
    #[error("frame does not fit its type: {0}")]
    BadFrame(String),
    #[error("binary frames are not used; send JSON text frames")]
    BinaryUnsupported,
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{0}")]
    InvalidState(String),
    #[error("the ticket changed meanwhile; reload and try again")]
    Stale,
    #[error("{0}")]
    Conflict(String),
    #[error("{} line(s) cannot be taken; nothing was changed", .0.len())]
    InvalidRows(Vec<RowProblem>),
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("you have {0} open requests; wait until some are resolved")]
    TooManyOpen(u32),
    #[error("too many failed sign-ins: this account is locked for {retry_after_secs} s")]
    Locked { retry_after_secs: u64 },
    #[error("nothing was saved: {0}; try again shortly")]
    Unavailable(Fault),
    #[error("the database did not confirm the save; send it again (a message is stored once)")]
    Unconfirmed,
    #[error("the server is restarting; try again shortly")]
    ShuttingDown,
    #[error("database error")]
    Db(sqlx::Error),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }

    /// The stable machine code, listed in docs/api.md and docs/protocol.md.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::SessionExpired => "session_expired",
            Self::BadCredentials => "bad_credentials",
            Self::Forbidden => "forbidden",
            Self::CrossSite => "cross_site",
            Self::Disabled => "account_disabled",
            Self::NotFound(_) => "not_found",
            Self::BadJson(_) => "bad_json",
            Self::TooLarge => "too_large",
            Self::UnsupportedType => "unsupported_type",
            Self::UnknownType(_) => "unknown_type",
            Self::BadFrame(_) => "bad_frame",
            Self::BinaryUnsupported => "binary_unsupported",
            Self::Invalid { .. } => "invalid_input",
            Self::TooLong { .. } => "too_long",
            Self::InvalidState(_) => "invalid_state",
            Self::Stale => "stale",
            Self::Conflict(_) => "conflict",
            Self::InvalidRows(_) => "invalid_rows",
            Self::RateLimited { .. } | Self::TooManyOpen(_) => "rate_limited",
            Self::Locked { .. } => "account_locked",
            Self::Unavailable(_) | Self::Unconfirmed => "storage_unavailable",
            Self::ShuttingDown => "shutting_down",
            Self::Db(_) | Self::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated | Self::SessionExpired | Self::BadCredentials => {
                StatusCode::UNAUTHORIZED
            }
            Self::Forbidden | Self::CrossSite | Self::Disabled => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadJson(_) | Self::UnknownType(_) | Self::BadFrame(_) => StatusCode::BAD_REQUEST,
            Self::BinaryUnsupported => StatusCode::BAD_REQUEST,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Invalid { .. } | Self::TooLong { .. } | Self::InvalidRows(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::InvalidState(_) | Self::Stale | Self::Conflict(_) => StatusCode::CONFLICT,
            Self::RateLimited { .. } | Self::Locked { .. } | Self::TooManyOpen(_) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::Unavailable(_) | Self::Unconfirmed | Self::ShuttingDown => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Db(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Seconds the client should wait before trying again, for the `Retry-After` header.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after_secs } | Self::Locked { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            Self::TooManyOpen(_) => Some(60),
            _ => None,
        }
    }

    /// What the user is told; server faults are logged here and told as "internal error".
    pub fn body(&self) -> ErrorBody {
        if matches!(self, Self::Db(_) | Self::Internal(_)) {
            tracing::error!(error = ?self, "request failed");
        }
        ErrorBody {
            code: self.code(),
            message: self.to_string(),
            rows: match self {
                Self::InvalidRows(rows) => Some(rows.clone()),
                _ => None,
            },
        }
    }
}

/// A store-wide fault (full disk, lost server) is `storage_unavailable`; anything else the
/// database says is a fault of this request, logged and answered `internal`.
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        match crate::db::fault::of(&err) {
            Some(fault) => AppError::Unavailable(fault),
            None => AppError::Db(err),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub code: &'static str,
    pub message: String,
    /// For an uploaded file refused whole: what is wrong on which line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<RowProblem>>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::json!({ "error": self.body() });
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after() {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_details_never_reach_the_user() {
        let err = AppError::Db(sqlx::Error::Protocol("secret table layout".into()));
        let body = err.body();
        assert_eq!(body.code, "internal");
        assert!(!body.message.contains("secret"));
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn a_lost_database_is_unavailable_not_internal() {
        let err = AppError::from(sqlx::Error::PoolTimedOut);
        assert_eq!(err.code(), "storage_unavailable");
        assert_eq!(err.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(err.body().message.contains("nothing was saved"));
    }
}

/// One line of an uploaded file that cannot be taken (lines count from 1, the header included).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub line: usize,
    pub field: String,
    /// A stable word for what is wrong, for a console to say in its own language.
    pub reason: &'static str,
    pub message: String,
}
