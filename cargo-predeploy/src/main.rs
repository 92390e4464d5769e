//! `cargo predeploy`: the command-line front end. This is the only crate that knows argv and exit
//! codes; the engine (`predeploy-rules`) knows nothing about terminals.
//!
//! Exit codes: 0 = no unsuppressed finding at or above the `--fail-on` threshold; 1 = at least one;
//! 2 = usage, configuration or I/O error, or the scan could not complete (an engine error note)
//! while no finding reached the threshold.

mod args;
mod baseline;
mod commands;
mod paths;
mod render;
mod report;
mod style;

use clap::Parser;
use std::process::ExitCode;

/// Exit status of a subcommand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    Findings,
    Error,
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        match s {
            Status::Ok => ExitCode::SUCCESS,
            Status::Findings => ExitCode::from(1),
            Status::Error => ExitCode::from(2),
        }
    }
}

/// An error a person can act on; printed as `error: ...` and exits 2.
#[derive(Debug)]
pub struct UserError(pub String);

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UserError {}

fn main() -> ExitCode {
    // `cargo predeploy ...` runs `cargo-predeploy predeploy ...`: drop that argument.
    let mut argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|a| a == "predeploy") {
        argv.remove(1);
    }
    let cli = match args::Cli::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        None => commands::check::run(cli.check),
        Some(args::Command::Check(a)) => commands::check::run(a),
        Some(args::Command::Rules(a)) => commands::rules::run(a),
        Some(args::Command::Explain(a)) => commands::explain::run(a),
        Some(args::Command::Init(a)) => commands::init::run(a),
        Some(args::Command::Report(a)) => commands::report::run(a),
        Some(args::Command::Attest(a)) => commands::report::attest(a),
        Some(args::Command::Verify(a)) => commands::report::verify(a),
        Some(args::Command::Keygen(a)) => commands::report::keygen(a),
        Some(args::Command::Probe(a)) => commands::probe::run(a),
        Some(args::Command::Merge(a)) => commands::merge::run(a),
        Some(args::Command::Db(a)) => commands::db::run(a),
        // Exit 1 when the client exits without `shutdown`, as the protocol asks.
        Some(args::Command::Lsp) => match predeploy_lsp::run() {
            Ok(()) => Ok(Status::Ok),
            Err(e) => {
                eprintln!("cargo-predeploy lsp: {e:#}");
                Ok(Status::Findings)
            }
        },
    };
    match result {
        Ok(status) => status.into(),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
