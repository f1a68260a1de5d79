//! The command line: `backstop serve`, `backstop migrate`, `backstop user …`.
//! Flags override environment variables, which override the config file.

mod user;

use crate::clock::SystemClock;
use crate::config::{LogFormat, Settings};
use crate::db::Db;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;
use user::UserCommand;

#[derive(Parser)]
#[command(
    name = "backstop",
    version,
    about = "Remote support and operations console"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args)]
pub struct Global {
    /// TOML configuration file.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// sqlite://FILE or postgres://… (default sqlite://backstop.db).
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// human or json.
    #[arg(long, global = true)]
    pub log_format: Option<LogFormat>,
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain of the whole trail; names the first row that was changed.
    Verify,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the console, API, WebSocket and metrics.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free one).
        #[arg(long)]
        listen: Option<String>,
        /// Load the Ningxia demo organisation and people, and print the demo logins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage people.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

impl Cli {
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let mut s = Settings::load(self.global.config.as_deref())?;
        if let Some(url) = &self.global.database_url {
            s.database_url = url.clone();
        }
        if let Some(f) = self.global.log_format {
            s.log_format = f;
        }
        if let Command::Serve { listen, demo } = &self.command {
            if let Some(l) = listen {
                s.listen = l.clone();
            }
            s.demo |= demo;
        }
        Ok(s)
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings()?;
    crate::telemetry::init(settings.log_format);
    match cli.command {
        Command::Serve { .. } => serve(settings).await,
        Command::Migrate => {
            connect(&settings).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::User { command } => user::run(&settings, command).await,
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let db = connect(&settings).await?;
            match crate::trail::verify(&db).await? {
                Ok(rows) => {
                    println!("the audit trail is intact: {rows} rows");
                    Ok(())
                }
                Err(id) => anyhow::bail!("the audit trail is broken at row {id}"),
            }
        }
    }
}

pub(crate) async fn connect(settings: &Settings) -> anyhow::Result<Db> {
    let timeout = std::time::Duration::from_millis(settings.database_timeout_ms);
    let db = Db::connect(&settings.database_url, timeout).await?;
    db.migrate().await?;
    Ok(db)
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let demo = settings.demo;
    tracing::info!(?settings, "starting");
    let app = build(settings).await?;
    let addr = app.local_addr()?;
    if demo {
        print_demo_logins();
    }
    println!("Backstop is listening on http://{addr}");
    app.run_until(shutdown_signal()).await
}

/// The application on the wall clock; a debug build started with `BACKSTOP_TEST_CLOCK=1`
/// runs on a clock that browser tests move with `POST /api/test/clock`. A release build has
/// neither.
async fn build(settings: Settings) -> anyhow::Result<crate::Application> {
    #[cfg(debug_assertions)]
    if std::env::var_os("BACKSTOP_TEST_CLOCK").is_some() {
        let clock = Arc::new(crate::clock::OffsetClock::default());
        tracing::warn!("the clock may be moved by POST /api/test/clock (test builds only)");
        let app = crate::Application::build(settings, clock.clone()).await?;
        return Ok(app.with_test_clock(clock));
    }
    crate::Application::build(settings, Arc::new(SystemClock)).await
}

fn print_demo_logins() {
    println!(
        "Demo logins (password for all: {}):",
        crate::org::demo::DEMO_PASSWORD
    );
    for (username, name, role, unit, _) in crate::org::demo::PEOPLE {
        println!("  {username:<22} {role:<10} {name} · {unit}");
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
