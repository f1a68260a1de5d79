//! The scenarios, one command each; every one starts its own server and writes its figures to
//! `target/load/<scenario>-<backend>.json` unless told otherwise.

mod big_data;
mod chat;
mod connections;
mod idle;
mod monitors;
mod peak;
mod reconnect;
pub mod talk;

use crate::server::{Backend, Launch, Server};
use crate::setup::{self, Api, Pair};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "backstop-load",
    about = "Load generator and measurements for Backstop"
)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub scenario: Scenario,
}

#[derive(Args, Clone)]
pub struct Common {
    /// The database the server runs on.
    #[arg(long, global = true, value_enum, default_value = "sqlite")]
    pub backend: Backend,
    /// The server binary.
    #[arg(long, global = true, default_value = "target/release/backstop")]
    pub server: PathBuf,
    /// A PostgreSQL server's admin URL; each run creates its own database there.
    #[arg(
        long,
        global = true,
        env = "BACKSTOP_TEST_POSTGRES",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    pub postgres: String,
    /// Small sizes, a few seconds: checks that the instrument works (run in CI).
    #[arg(long, global = true)]
    pub smoke: bool,
    /// Where the JSON goes (default target/load/<scenario>-<backend>.json).
    #[arg(long, global = true)]
    pub json: Option<PathBuf>,
    /// Source addresses 127.0.0.1 … to spread connections over.
    #[arg(long, global = true, default_value_t = 4)]
    pub sources: usize,
    /// Tickets (so sockets) per clerk and per expert.
    #[arg(long, global = true, default_value_t = 50)]
    pub per_person: usize,
}

#[derive(Subcommand)]
pub enum Scenario {
    /// Hold idle, signed-in, subscribed sockets; report resident memory per socket.
    Connections {
        #[arg(long)]
        connections: Option<usize>,
    },
    /// Pairs chatting at a fixed total rate; every message acked after its commit.
    Chat {
        #[arg(long)]
        connections: Option<usize>,
        /// Messages per second, over all sockets.
        #[arg(long)]
        rate: Option<f64>,
        #[arg(long)]
        seconds: Option<f64>,
    },
    /// Raise the rate step by step until the ack p99 passes the limit.
    Peak {
        #[arg(long)]
        connections: Option<usize>,
        /// The first step's rate, messages per second.
        #[arg(long)]
        start: Option<f64>,
        /// Each step's rate over the one before.
        #[arg(long, default_value_t = 1.25)]
        factor: f64,
        /// Seconds per step.
        #[arg(long)]
        seconds: Option<f64>,
        #[arg(long, default_value_t = 50.0)]
        limit_ms: f64,
    },
    /// Every socket dropped at once, messages written meanwhile, all reconnecting at once and
    /// resuming from the last sequence number they saw.
    ReconnectStorm {
        #[arg(long)]
        connections: Option<usize>,
    },
    /// HTTP monitors against a target in this process: the server's CPU, how late checks
    /// start, and how soon all check again after a restart.
    Monitors {
        #[arg(long)]
        monitors: Option<usize>,
        /// Each monitor's interval, seconds (10 at least).
        #[arg(long)]
        interval: Option<u64>,
        /// The measured window, seconds.
        #[arg(long)]
        seconds: Option<u64>,
    },
    /// A large store (a year of tickets with their logs, monitors with their roll-ups): the
    /// reads people make of it, timed.
    BigData {
        #[arg(long)]
        tickets: Option<i64>,
        #[arg(long)]
        monitors: Option<i64>,
        #[arg(long)]
        rounds: Option<usize>,
    },
    /// The server with the demo (its monitors too) and nothing else: memory, and the time from
    /// start to the first request served.
    Idle,
}

/// A size: the one asked for, else the full or the smoke default.
pub fn size<T>(asked: Option<T>, full: T, smoke: T, common: &Common) -> T {
    asked.unwrap_or(if common.smoke { smoke } else { full })
}

impl Common {
    pub fn launch(&self, extra: &str) -> Launch {
        Launch {
            binary: self.server.clone(),
            backend: self.backend,
            postgres: self.postgres.clone(),
            extra: extra.to_string(),
        }
    }

    pub fn json_path(&self, scenario: &str) -> PathBuf {
        let backend = match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        self.json
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("target/load/{scenario}-{backend}.json")))
    }

    /// A server, and `pairs` tickets with their clerks and experts.
    pub async fn server_with_pairs(&self, pairs: usize) -> anyhow::Result<(Server, Vec<Pair>)> {
        let server = Server::start(&self.launch("")).await?;
        let api = Api::new(server.base());
        let made = setup::pairs(&api, pairs, self.per_person).await?;
        Ok((server, made))
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let c = &cli.common;
    match cli.scenario {
        Scenario::Connections { connections } => {
            connections::run(c, size(connections, 19_000, 200, c)).await
        }
        Scenario::Chat {
            connections,
            rate,
            seconds,
        } => {
            let n = size(connections, 10_000, 100, c);
            chat::run(
                c,
                n,
                size(rate, 5_000.0, 200.0, c),
                size(seconds, 60.0, 2.0, c),
            )
            .await
        }
        Scenario::Peak {
            connections,
            start,
            factor,
            seconds,
            limit_ms,
        } => {
            let steps = peak::Steps {
                start: size(start, 1_000.0, 100.0, c),
                factor,
                seconds: size(seconds, 10.0, 1.0, c),
                limit_ms,
                most: if c.smoke { 2 } else { 40 },
            };
            peak::run(c, size(connections, 1_000, 40, c), steps).await
        }
        Scenario::ReconnectStorm { connections } => {
            reconnect::run(c, size(connections, 10_000, 100, c)).await
        }
        Scenario::Monitors {
            monitors,
            interval,
            seconds,
        } => {
            let interval_secs = size(interval, 30, 10, c);
            let sizes = monitors::Sizes {
                monitors: size(monitors, 10_000, 40, c),
                interval_secs,
                window_secs: size(seconds, 60, 10, c),
                // Every monitor meets its first check within one interval of being read.
                warm_up_secs: size(None, interval_secs + 2, 0, c),
            };
            monitors::run(c, sizes).await
        }
        Scenario::BigData {
            tickets,
            monitors,
            rounds,
        } => {
            let sizes = big_data::Sizes {
                tickets: size(tickets, 1_000_000, 5_000, c),
                monitors: size(monitors, 10_000, 50, c),
                rounds: size(rounds, 200, 10, c),
            };
            big_data::run(c, sizes).await
        }
        Scenario::Idle => idle::run(c).await,
    }
}
