//! Entry point: logging, the command line, then `commands::run`.

use std::io::IsTerminal;

use clap::Parser;
use newsdesk::cli::{Cli, Command};
use newsdesk::config::Config;

/// Runs the command; a failure is one line on stderr (`newsdesk: what: cause`) and
/// exit status 1.
fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("newsdesk: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    dotenvy::dotenv().ok();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let config = Config::from_env()?;
    newsdesk::commands::run(cli.command.unwrap_or(Command::Serve), config)
}
