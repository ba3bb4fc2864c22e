//! Entry point: logging, the command line, then `commands::run`.

use std::io::IsTerminal;

use clap::Parser;
use newsdesk::cli::{Cli, Command};
use newsdesk::config::Config;

/// Runs the command; a failure is one line on stderr (`newsdesk: what: cause`) and
/// exit status 1.
fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
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

/// At most two glibc malloc arenas. By default each thread that allocates (the HTTP
/// workers, the writer, the purger, actix's blocking pool) may get an arena of its own,
/// and memory freed in one (evicted kept responses) is not reused by the others: under
/// the R2 benchmark peak RSS was 162 MB with them, 129 MB with two, at the same speed.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tuning parameter, before any thread is started.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
