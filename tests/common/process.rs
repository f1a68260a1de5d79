//! The server binary as a process of its own, for tests that kill or signal it.

use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Starts `backstop serve --demo` on a free port with `url` and `env`; returns the child and
/// the address it listens on, once it says so.
pub async fn start(url: &str, env: &[(&str, &str)]) -> (Child, String) {
    start_with_files(url, env, None).await
}

/// As `start`, with the process allowed at most `files` open descriptors (soft and hard).
pub async fn start_with_files(
    url: &str,
    env: &[(&str, &str)],
    files: Option<u64>,
) -> (Child, String) {
    let mut command = match files {
        None => Command::new(env!("CARGO_BIN_EXE_backstop")),
        Some(n) => {
            let mut sh = Command::new("sh");
            sh.args(["-c", &format!("ulimit -n {n} && exec \"$0\" \"$@\"")])
                .arg(env!("CARGO_BIN_EXE_backstop"));
            sh
        }
    };
    let mut child = command
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .args(["--database-url", url])
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("backstop starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let addr = loop {
        let line = lines
            .next_line()
            .await
            .expect("stdout")
            .expect("listening line");
        if let Some(addr) = line.strip_prefix("Backstop is listening on http://") {
            break addr.to_string();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}
