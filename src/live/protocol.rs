//! The WebSocket protocol: every frame a client may send and the server answers, the error
//! codes and the close codes. The frames that carry a change of a ticket (`ticket`,
//! `ticket_removed`, `event`) are the help desk's own (`helpdesk::view::ChangeFrame`), published
//! as events. docs/protocol.md describes the same vocabulary.

use crate::auth::Actor;
use crate::error::AppError;
use crate::helpdesk::view::{EntryView, TicketView};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Close codes the server uses, beside the standard ones.
pub mod close {
    /// Normal close, e.g. after logout.
    pub const NORMAL: u16 = 1000;
    /// The server is shutting down; reconnect after a pause.
    pub const GOING_AWAY: u16 = 1001;
    /// A text frame that is not valid UTF-8.
    pub const INVALID_UTF8: u16 = 1007;
    /// A message over the size limit.
    pub const TOO_BIG: u16 = 1009;
    /// No successful `auth` within the allowed attempts.
    pub const AUTH_FAILED: u16 = 4001;
    /// The session was signed out.
    pub const SIGNED_OUT: u16 = crate::auth::SIGNED_OUT;
    /// The client did not read its frames fast enough; reconnect and resume.
    pub const TOO_SLOW: u16 = 4008;
    /// No frame or pong within two heartbeat intervals.
    pub const TIMEOUT: u16 = 4009;
    /// The client kept sending frames over its rate after many `rate_limited` answers.
    pub const TOO_MANY_FRAMES: u16 = 4029;
    /// The person already has as many sockets open as they may (`max_sockets_per_person`).
    pub const TOO_MANY_SOCKETS: u16 = 4030;
}

/// How many failed `auth` frames close the socket.
pub const MAX_AUTH_ATTEMPTS: u32 = 3;

/// How long a socket may stay open without signing in.
pub const AUTH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Frames a client sends (serialised too, by the load generator).
#[derive(Debug, Deserialize, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    Auth {
        token: String,
    },
    SubscribeQueue,
    /// Follow the duty matrix of one's area: `duty` frames say which unit's row changed.
    SubscribeDuty,
    /// Follow monitors and incidents of one's area: `probe` and `incident` frames.
    SubscribeOps,
    Subscribe {
        ticket: i64,
        #[serde(default)]
        after_seq: i64,
    },
    Unsubscribe {
        ticket: i64,
    },
    Send {
        ticket: i64,
        client_id: String,
        #[serde(default)]
        text: String,
        /// Content hash of a file the sender uploaded with `POST /api/files`.
        #[serde(default)]
        file: Option<String>,
        /// An internal note for the staff who see the ticket, never shown to the clerk.
        #[serde(default)]
        internal: bool,
    },
    Typing {
        ticket: i64,
    },
    Presence {
        status: PresenceStatus,
    },
    Ping,
}

const CLIENT_TYPES: &[&str] = &[
    "auth",
    "subscribe_queue",
    "subscribe_duty",
    "subscribe_ops",
    "subscribe",
    "unsubscribe",
    "send",
    "typing",
    "presence",
    "ping",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceStatus {
    /// On duty: new tickets in the expert's jurisdiction appear in their queue.
    OnDuty,
    /// Connected but not taking new tickets.
    Online,
    Away,
    Offline,
}

/// A parsed client frame with the client's optional `ref`, echoed in the reply.
#[derive(Debug)]
pub struct Request {
    pub frame: ClientFrame,
    pub reference: Option<Value>,
}

/// Parses one text frame, or says which documented error it earns.
pub fn parse(text: &str) -> Result<Request, (AppError, Option<Value>)> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| (AppError::BadJson(e.to_string()), None))?;
    let reference = value
        .get("ref")
        .filter(|r| r.is_string() || r.is_number())
        .cloned();
    let fail = |e: AppError| (e, reference.clone());
    let Some(kind) = value.get("type") else {
        return Err(fail(AppError::BadFrame("missing field `type`".into())));
    };
    let Some(kind) = kind.as_str() else {
        return Err(fail(AppError::BadFrame("`type` must be a string".into())));
    };
    if !CLIENT_TYPES.contains(&kind) {
        return Err(fail(AppError::UnknownType(kind.chars().take(40).collect())));
    }
    let frame = serde_json::from_value(value.clone())
        .map_err(|e| fail(AppError::BadFrame(e.to_string())))?;
    Ok(Request { frame, reference })
}

/// Frames the server sends.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    Hello {
        user: Actor,
        heartbeat_ms: u64,
        max_frame_bytes: usize,
        max_text_chars: usize,
    },
    /// One page of the queue: the first (`page` 0) replaces the list, later ones add to it.
    Queue {
        tickets: Vec<TicketView>,
        page: usize,
        has_more: bool,
    },
    Snapshot {
        ticket: TicketView,
        events: Vec<EntryView>,
        has_more: bool,
        presence: Vec<Presence>,
    },
    Ack {
        ticket: i64,
        client_id: String,
        seq: i64,
        duplicate: bool,
    },
    Typing {
        ticket: i64,
        user_id: i64,
        name: String,
    },
    Presence(Presence),
    Error {
        code: &'static str,
        message: String,
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<Value>,
        #[serde(skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    Pong {
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<Value>,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct Presence {
    pub user_id: i64,
    pub name: String,
    pub status: PresenceStatus,
}

impl ServerFrame {
    pub fn error(err: &AppError, reference: Option<Value>, client_id: Option<String>) -> Self {
        let body = err.body();
        ServerFrame::Error {
            code: body.code,
            message: body.message,
            reference,
            client_id,
        }
    }

    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("server frames always serialise")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> &'static str {
        parse(text).unwrap_err().0.code()
    }

    #[test]
    fn frames_parse_by_type() {
        let r = parse(r#"{"type":"subscribe","ticket":4,"ref":"a1"}"#).unwrap();
        assert_eq!(
            r.frame,
            ClientFrame::Subscribe {
                ticket: 4,
                after_seq: 0
            }
        );
        assert_eq!(r.reference, Some(Value::from("a1")));
        assert_eq!(
            parse(r#"{"type":"ping"}"#).unwrap().frame,
            ClientFrame::Ping
        );
    }

    #[test]
    fn each_kind_of_bad_frame_has_its_code() {
        assert_eq!(code("{not json"), "bad_json");
        assert_eq!(code(r#"{"ticket":1}"#), "bad_frame");
        assert_eq!(code(r#"{"type":7}"#), "bad_frame");
        assert_eq!(code(r#"{"type":"explode"}"#), "unknown_type");
        assert_eq!(code(r#"{"type":"send","ticket":1}"#), "bad_frame");
        assert_eq!(code(r#"{"type":"subscribe","ticket":"x"}"#), "bad_frame");
    }

    #[test]
    fn the_ref_of_a_bad_frame_is_kept() {
        let (_, r) = parse(r#"{"type":"send","ref":9}"#).unwrap_err();
        assert_eq!(r, Some(Value::from(9)));
    }
}
