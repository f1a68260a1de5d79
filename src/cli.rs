//! The command line: `backstop serve`, `backstop migrate`, `backstop user add`.
//! Flags override environment variables, which override the config file.

use crate::clock::{Clock, SystemClock};
use crate::config::{LogFormat, Settings};
use crate::db::Db;
use crate::org::{geography, repo, Role, UnitLevel, Username};
use clap::{Args, Parser, Subcommand};
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

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
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a person; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// clerk, expert, officer, supervisor, ops or admin.
        #[arg(long)]
        role: String,
        /// Code of the home unit (default: the region, 640000).
        #[arg(long, default_value = "640000")]
        unit: String,
        /// Code of the expert group, for experts.
        #[arg(long)]
        group: Option<String>,
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
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    name,
                    role,
                    unit,
                    group,
                },
        } => add_user(&settings, &username, &name, &role, &unit, group.as_deref()).await,
    }
}

async fn connect(settings: &Settings) -> anyhow::Result<Db> {
    let timeout = std::time::Duration::from_millis(settings.database_timeout_ms);
    let db = Db::connect(&settings.database_url, timeout).await?;
    db.migrate().await?;
    Ok(db)
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let demo = settings.demo;
    tracing::info!(?settings, "starting");
    let app = crate::Application::build(settings, Arc::new(SystemClock)).await?;
    let addr = app.local_addr()?;
    if demo {
        print_demo_logins();
    }
    println!("Backstop is listening on http://{addr}");
    app.run_until(shutdown_signal()).await
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

async fn add_user(
    settings: &Settings,
    username: &str,
    name: &str,
    role: &str,
    unit: &str,
    group: Option<&str>,
) -> anyhow::Result<()> {
    let username = Username::parse(username)?;
    crate::text::check_line("name", name.trim(), 50)?;
    let name = name.trim();
    let role = Role::parse_field(role)?;
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    crate::auth::password::check_policy(username.as_str(), &password)?;
    let db = connect(settings).await?;
    let hash = crate::auth::password::hash(password).await?;
    let mut tx = db.begin().await?;
    let unit = match repo::unit_by_code(&mut tx, unit).await? {
        Some(found) => found,
        // The first administrator of an empty database brings the region with them.
        None if unit == geography::REGION_CODE && repo::unit_count(&mut tx).await? == 0 => {
            let (code, name) = (geography::REGION_CODE, geography::REGION_NAME);
            repo::insert_unit(&mut tx, code, name, UnitLevel::Region, None).await?
        }
        None => anyhow::bail!("no unit with code {unit}; load the demo or add units first"),
    };
    let group_id = match group {
        Some(code) => Some(
            repo::group_id_by_code(&mut tx, code)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no expert group with code {code}"))?,
        ),
        None => None,
    };
    let user = repo::NewUser {
        username: username.as_str(),
        display_name: name,
        role,
        unit_id: unit.id,
        group_id,
        password_hash: &hash,
    };
    match repo::insert_user(&mut tx, user, SystemClock.now()).await {
        Err(e) if crate::db::is_unique_violation(&e) => {
            anyhow::bail!("username {} is taken", username.as_str())
        }
        other => other?,
    };
    tx.commit().await?;
    println!("added {} ({role}) at {}", username.as_str(), unit.name);
    Ok(())
}
