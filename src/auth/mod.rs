//! Who is asking, and what they may touch: passwords (argon2id, hashed off the async runtime),
//! browser sessions and API tokens, the one jurisdiction check, and the viewer that live
//! events are addressed to.

pub mod actor;
pub mod gate;
pub mod jurisdiction;
pub mod password;
pub mod people;
pub mod routes;
pub mod session;

pub use actor::{Actor, SESSION_COOKIE};
pub use jurisdiction::Scope;

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::events::Topic;
use std::sync::Arc;

/// Whoever receives live events: the signed-in person, and whether they are taking new work
/// (an expert on duty). Audiences decide on this and nothing else.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub actor: Arc<Actor>,
    pub on_duty: bool,
}

/// The bus every capability publishes on, addressed to viewers.
pub type Bus = dyn crate::events::Bus<Viewer>;
pub type Event = crate::events::Event<Viewer>;

/// The close code a live connection gets when its session is signed out.
pub const SIGNED_OUT: u16 = 4003;

/// The topic of one session: its sockets hear here that it ended.
pub fn session_topic(session_hash: &str) -> Topic {
    Topic::new(format!("session/{session_hash}"))
}

/// The topic of one person: their sockets hear here that an administrator acted on them.
pub fn user_topic(user_id: i64) -> Topic {
    Topic::new(format!("user/{user_id}"))
}

/// The sign-in slice of the application state.
#[derive(Clone)]
pub struct Auth {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub bus: Arc<Bus>,
    pub settings: Arc<Settings>,
    pub gate: Arc<gate::Gate>,
}
