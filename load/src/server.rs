//! The server under load: a `backstop serve` process on a fresh SQLite file or PostgreSQL
//! database, configured through a TOML file so that one clerk may raise thousands of requests
//! and one person hold many sockets; its resident memory and CPU time read from /proc.

use anyhow::{anyhow, bail, Context};
use serde::Serialize;
use sqlx::Connection;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How to start the server.
#[derive(Clone, Debug)]
pub struct Launch {
    pub binary: PathBuf,
    pub backend: Backend,
    /// An admin URL of a PostgreSQL server, where a database is created for the run.
    pub postgres: String,
    /// Extra TOML appended to the configuration (a scenario's own settings).
    pub extra: String,
}

pub struct Server {
    child: Child,
    /// When the process was started.
    pub spawned: std::time::Instant,
    pub addr: SocketAddr,
    pub pid: u32,
    dir: PathBuf,
    database_url: String,
    postgres: Option<(String, String)>,
    launch: Launch,
}

/// Resident memory and CPU time of a process, as /proc says.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Usage {
    pub rss_bytes: u64,
    pub cpu_seconds: f64,
}

impl Usage {
    pub fn of(pid: u32) -> anyhow::Result<Usage> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let rss_kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| anyhow!("no VmRSS for {pid}"))?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        // The fields after the command name (which may hold spaces) in parentheses.
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
        // SAFETY: sysconf only reads a constant of the system.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        Ok(Usage {
            rss_bytes: rss_kib * 1024,
            cpu_seconds: (ticks(11) + ticks(12)) as f64 / hz,
        })
    }
}

impl Server {
    pub async fn start(launch: &Launch) -> anyhow::Result<Server> {
        let dir =
            std::env::temp_dir().join(format!("backstop-load-{}-{}", std::process::id(), nanos()));
        std::fs::create_dir_all(&dir)?;
        let (database_url, postgres) = match launch.backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.join("backstop.db").display()),
                None,
            ),
            Backend::Postgres => {
                let name = format!(
                    "backstop_test_load_{}_{}",
                    std::process::id(),
                    nanos() % 1_000_000
                );
                let mut admin = sqlx::PgConnection::connect(&launch.postgres)
                    .await
                    .with_context(|| format!("connecting to {}", launch.postgres))?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .await?;
                let base = launch
                    .postgres
                    .rsplit_once('/')
                    .map(|(b, _)| b)
                    .unwrap_or("");
                (
                    format!("{base}/{name}"),
                    Some((launch.postgres.clone(), name)),
                )
            }
        };
        let mut server = Self::spawn(launch, dir, database_url).await?;
        server.postgres = postgres;
        Ok(server)
    }

    async fn spawn(launch: &Launch, dir: PathBuf, database_url: String) -> anyhow::Result<Server> {
        let config = dir.join("backstop.toml");
        std::fs::write(&config, config_text(&database_url, &launch.extra))?;
        let log = std::fs::File::create(dir.join("server.log"))?;
        let spawned = std::time::Instant::now();
        let mut child = Command::new(&launch.binary)
            .arg("serve")
            .arg("--config")
            .arg(&config)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", launch.binary.display()))?;
        let pid = child.id().ok_or_else(|| anyhow!("server exited at once"))?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
        let mut lines = BufReader::new(stdout).lines();
        let addr = tokio::time::timeout(Duration::from_secs(120), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(url) = line.strip_prefix("Backstop is listening on http://") {
                    return Ok::<_, anyhow::Error>(url.trim().parse::<SocketAddr>()?);
                }
            }
            bail!(
                "the server stopped before listening; see {}",
                dir.join("server.log").display()
            )
        })
        .await
        .context("waiting for the server to listen")??;
        // Keep reading what it prints (the demo logins), so its pipe never fills.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Server {
            child,
            spawned,
            addr,
            pid,
            dir,
            database_url,
            postgres: None,
            launch: launch.clone(),
        })
    }

    pub fn usage(&self) -> anyhow::Result<Usage> {
        Usage::of(self.pid)
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server as SIGTERM does and starts it again on the same database.
    pub async fn restart(mut self) -> anyhow::Result<Server> {
        self.terminate().await;
        // The next server's now: this one's drop leaves them be.
        let (launch, dir, url) = (
            self.launch.clone(),
            std::mem::take(&mut self.dir),
            self.database_url.clone(),
        );
        let postgres = self.postgres.take();
        let mut next = Self::spawn(&launch, dir, url).await?;
        next.postgres = postgres;
        Ok(next)
    }

    async fn terminate(&mut self) {
        if let Ok(pid) = i32::try_from(self.pid) {
            // SAFETY: kill only sends a signal to our own child.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let _ = tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await;
        let _ = self.child.kill().await;
    }

    /// Stops the server and removes its files and database.
    pub async fn stop(mut self) {
        self.terminate().await;
        if let Some((admin, name)) = self.postgres.take() {
            if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                let _ = sqlx::query(&drop).execute(&mut c).await;
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Server {
    /// A run that failed half-way leaves no database file behind (the process is killed).
    fn drop(&mut self) {
        if !self.dir.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// The demo organisation, without its monitors unless a scenario says otherwise in its own
/// `[uptime]`; room for the load.
fn config_text(database_url: &str, extra: &str) -> String {
    let uptime = match extra.contains("[uptime]") {
        true => "",
        false => "[uptime]\ndemo_monitors = false\n",
    };
    format!(
        r#"listen = "127.0.0.1:0"
database_url = "{database_url}"
demo = true
metrics_token = "{token}"

[live]
max_sockets_per_person = 1000000

[helpdesk]
max_open_requests = 1000000
request_burst = 1000000
search_burst = 1000000

{uptime}
{extra}
"#,
        token = crate::setup::METRICS_TOKEN,
    )
}
