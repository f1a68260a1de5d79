//! Backstop: remote support and operations for a provincial HR&SS service network.
//!
//! `main.rs` only parses the command line; everything it runs lives here so that tests drive
//! the same entry point ([`app::Application`]) on port 0 with a fresh database.

pub mod alerting;
pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod duty;
pub mod error;
pub mod events;
pub mod helpdesk;
pub mod http;
pub mod jobs;
pub mod live;
pub mod metrics;
pub mod org;
pub mod outbound;
pub mod telemetry;
pub mod text;
pub mod throttle;
pub mod trail;
pub mod uptime;

pub use app::{AppState, Application};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Settings;
pub use error::AppError;
