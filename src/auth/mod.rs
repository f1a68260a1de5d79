//! Who is asking, and what they may touch: passwords (argon2id, hashed off the async runtime),
//! browser sessions and API tokens, and the one jurisdiction check.

pub mod actor;
pub mod jurisdiction;
pub mod password;
pub mod routes;
pub mod session;

pub use actor::{Actor, SESSION_COOKIE};
pub use jurisdiction::Scope;
