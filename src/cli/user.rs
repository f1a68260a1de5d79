//! `backstop user add|disable|enable|passwd|unlock|change`: people's access from the command line.
//! Changes that take access away end the person's sessions; open sockets find out at their
//! next session check.

use super::connect;
use crate::auth::{password, people};
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::db::Db;
use crate::org::{geography, repo, Role, UnitLevel, Username};
use clap::Subcommand;
use std::io::BufRead;

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
    /// Disable a person: they cannot sign in, and their sessions end.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled person again.
    Enable {
        #[arg(long)]
        username: String,
    },
    /// Set a person's password, read from standard input; their sessions end.
    Passwd {
        #[arg(long)]
        username: String,
    },
    /// Lift the lock that failed sign-ins put on a person.
    Unlock {
        #[arg(long)]
        username: String,
    },
    /// Change a person's role, home unit or expert group; their sessions end.
    Change {
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: Option<String>,
        /// Code of the new home unit.
        #[arg(long)]
        unit: Option<String>,
        /// Code of the new expert group.
        #[arg(long, conflicts_with = "no_group")]
        group: Option<String>,
        /// Leave the expert group (for someone who is no longer an expert).
        #[arg(long)]
        no_group: bool,
    },
}

pub async fn run(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            username,
            name,
            role,
            unit,
            group,
        } => add_user(settings, &username, &name, &role, &unit, group.as_deref()).await,
        UserCommand::Disable { username } => {
            let (db, id, trail) = person(settings, &username, "person_disabled").await?;
            people::set_disabled(&db, id, true, &trail, SystemClock.now()).await?;
            println!("disabled {username}; their sessions have ended");
            Ok(())
        }
        UserCommand::Enable { username } => {
            let (db, id, trail) = person(settings, &username, "person_enabled").await?;
            people::set_disabled(&db, id, false, &trail, SystemClock.now()).await?;
            println!("enabled {username}");
            Ok(())
        }
        UserCommand::Passwd { username } => {
            let new = read_password(&username)?;
            let (db, id, trail) = person(settings, &username, "password_changed").await?;
            let hash = password::hash(new).await?;
            people::set_password(&db, id, &hash, &trail, SystemClock.now()).await?;
            println!("password of {username} changed; their sessions have ended");
            Ok(())
        }
        UserCommand::Unlock { username } => {
            let (db, id, trail) = person(settings, &username, "person_unlocked").await?;
            people::end_sessions_or_unlock(&db, id, true, &trail, SystemClock.now()).await?;
            println!("unlocked {username}");
            Ok(())
        }
        UserCommand::Change {
            username,
            role,
            unit,
            group,
            no_group,
        } => {
            let change = people::Change {
                role: role.as_deref().map(Role::parse_field).transpose()?,
                unit,
                group: if no_group {
                    Some(None)
                } else {
                    group.map(Some)
                },
            };
            change_user(settings, &username, change).await
        }
    }
}

async fn change_user(
    settings: &Settings,
    username: &str,
    change: people::Change,
) -> anyhow::Result<()> {
    let (db, id, mut trail) = person(settings, username, "person_changed").await?;
    let (_, from) = people::standing(&db, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no person called {username}"))?;
    let to = change.apply(&db, &from, "/").await?;
    if to == from {
        println!("{username} is already {}", to.describe());
        return Ok(());
    }
    trail.unit_path.clone_from(&to.unit_path);
    trail.detail = format!("{} → {}", from.describe(), to.describe());
    people::change(&db, id, &to, &trail, SystemClock.now()).await?;
    println!(
        "{username} is now {}; their sessions have ended",
        to.describe()
    );
    Ok(())
}

/// The person called `username`, and the trail record of `kind` done to them from here.
async fn person(
    settings: &Settings,
    username: &str,
    kind: &'static str,
) -> anyhow::Result<(Db, i64, crate::trail::Record)> {
    let db = connect(settings).await?;
    let (id, path) = people::find(&db, username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no person called {username}"))?;
    Ok((
        db,
        id,
        people::record(kind, "command line", None, id, &path),
    ))
}

/// One line from standard input, checked against the password rule.
fn read_password(username: &str) -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    password::check_policy(username, &password)?;
    Ok(password)
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
    let password = read_password(username.as_str())?;
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
    let now = SystemClock.now();
    let id = match repo::insert_user(&mut tx, user, now).await {
        Err(e) if crate::db::is_unique_violation(&e) => {
            anyhow::bail!("username {} is taken", username.as_str())
        }
        other => other?,
    };
    let mut created = people::record("person_created", "command line", None, id, &unit.path);
    created.detail = format!("{} ({role})", username.as_str());
    crate::trail::append(&mut tx, db.backend, &created, now).await?;
    tx.commit().await?;
    println!("added {} ({role}) at {}", username.as_str(), unit.name);
    Ok(())
}
