//! The `putonly` command: parse arguments, set up logging, run, and map the
//! outcome to an exit code (0 passed, 1 findings, 2 could not run, 3 some
//! accounts could not be scanned).

use std::process::ExitCode;

use clap::Parser;
use putonly::app::{self, Outcome};
use putonly::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("putonly: cannot start the async runtime: {err}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(app::run(cli.into_command())) {
        Ok(Outcome::Passed) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Ok(Outcome::Partial) => ExitCode::from(3),
        Err(err) => {
            eprintln!("putonly: {}", app::error_text(&err));
            ExitCode::from(2)
        }
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PUTONLY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("putonly={level}")));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
