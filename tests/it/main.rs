//! The integration tests, as one test binary (one link instead of one per file): each module is
//! a user's story against the real server on port 0 with a fresh database, on SQLite, or on
//! PostgreSQL when BACKSTOP_TEST_POSTGRES names a server.

#[path = "../common/mod.rs"]
mod common;

mod alerting;
mod allowed_actions;
mod architecture;
mod audit;
mod auth;
mod bad_input;
mod cli;
mod connection_discipline;
mod crash;
mod csrf;
mod disk_full;
mod duty;
mod files;
mod frame_flood;
mod help_request_story;
mod jobs;
mod jurisdiction;
mod knowledge;
mod one_sender_fails_alone;
mod people;
mod people_import;
mod postgres_outage;
mod ratings_and_board;
mod replies;
mod request_flood;
mod revocation;
mod search;
mod service_levels;
mod sign_in_flood;
mod sigterm;
mod slow_consumer;
mod statistics;
mod transfer;
mod uptime;
