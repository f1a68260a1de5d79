//! `backstop`: parse the command line and hand over to the library.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = backstop::cli::Cli::parse();
    match backstop::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("backstop: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
