//! Help requests: tickets, their state machine and ordered log, routing to experts, and the
//! HTTP API over them. The live side is in `live`.

pub mod files;
pub mod journal;
pub mod repo;
pub mod routes;
pub mod service;
pub mod ticket;
