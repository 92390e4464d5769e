//! `cargo predeploy db fetch|status`: the RustSec advisory database. Fetching is the only command
//! that uses the network, and only when asked.

use crate::args::DbCommand;
use crate::{paths, Status, UserError};
use predeploy_rules::rules::deps::{self, AdvisoryStatus};
use predeploy_rules::Config;

pub fn run(cmd: DbCommand) -> anyhow::Result<Status> {
    match cmd {
        DbCommand::Fetch { path } => {
            let dest = path.unwrap_or_else(deps::advisory_db::default_db_path);
            eprintln!(
                "fetching the RustSec advisory database into {} ...",
                paths::slash(&dest)
            );
            deps::fetch_db(&dest)
                .map_err(|e| UserError(format!("cannot fetch the advisory database: {e}")))?;
            eprintln!("done; scans use it automatically from that path");
            Ok(Status::Ok)
        }
        DbCommand::Status { path } => {
            let cwd = std::env::current_dir()?;
            let mut config = Config::discover(&cwd)
                .map_err(|e| UserError(format!("invalid configuration: {e}")))?;
            if let Some(p) = path {
                config.advisories.insert(
                    "db".into(),
                    toml::Value::String(paths::against(&cwd, &p).to_string_lossy().into_owned()),
                );
            }
            Ok(print_status(&deps::advisory_status(&config)))
        }
    }
}

fn print_status(s: &AdvisoryStatus) -> Status {
    match s {
        AdvisoryStatus::Checked {
            db_path,
            db_date,
            date_source,
            age_days,
            advisories,
        } => {
            println!(
                "advisory database: {} ({advisories} advisories, dated {} from {date_source}{})",
                paths::slash(db_path),
                db_date.as_deref().unwrap_or("unknown"),
                age_days
                    .map(|d| format!(", {d} days old"))
                    .unwrap_or_default()
            );
            Status::Ok
        }
        other => {
            println!("advisory database: {}", describe(other));
            Status::Findings
        }
    }
}

/// One line for reports: which database, or why dependencies were not checked.
pub fn describe(s: &AdvisoryStatus) -> String {
    match s {
        AdvisoryStatus::Checked {
            db_path,
            db_date,
            advisories,
            ..
        } => format!(
            "{} ({advisories} advisories, dated {})",
            paths::slash(db_path),
            db_date.as_deref().unwrap_or("unknown")
        ),
        AdvisoryStatus::Missing { .. } => {
            "not found: dependencies NOT checked; run `cargo predeploy db fetch`".into()
        }
        AdvisoryStatus::Invalid { db_path, error } => {
            format!(
                "{} is not a usable advisory database ({error}): dependencies NOT checked",
                paths::slash(db_path)
            )
        }
        AdvisoryStatus::Disabled => {
            "disabled by configuration (--no-advisories or [advisories] enabled = false)".into()
        }
    }
}
