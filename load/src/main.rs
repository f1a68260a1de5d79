//! `backstop-load`: starts a Backstop server (the release build by default) on a fresh SQLite
//! file or PostgreSQL database, sets up clerks, experts and tickets through the API as an
//! administrator and the clerks would, then speaks the live protocol as they do and measures.
//! Each scenario prints a table and writes the same figures as JSON.

use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = backstop_load::scenario::Cli::parse();
    if let Err(e) = backstop_load::scenario::run(cli).await {
        eprintln!("backstop-load: {e:#}");
        std::process::exit(1);
    }
}
