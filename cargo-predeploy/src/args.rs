//! Command-line arguments (clap derive). `check` is the default subcommand.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "cargo-predeploy",
    bin_name = "cargo predeploy",
    version,
    args_conflicts_with_subcommands = true,
    about = "Pre-deployment security checks: finds the omissions behind most breaches, mapped to a 25-point checklist",
    after_help = "With no subcommand, `check` runs on the current directory.\n\
                  Exit codes: 0 = nothing at or above --fail-on, 1 = findings at or above --fail-on, \
                  2 = usage, configuration or I/O error (or the scan could not complete)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options for the default `check` subcommand.
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories (the default).
    Check(CheckArgs),
    /// List every rule: id, severity, confidence, CWE, checklist point, languages.
    Rules(RulesArgs),
    /// Show a rule's documentation.
    Explain(ExplainArgs),
    /// Write a commented predeploy.toml template (never overwrites).
    Init(InitArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Level {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub fn severity(self) -> predeploy_rules::Severity {
        use predeploy_rules::Severity as S;
        match self {
            Level::Info => S::Info,
            Level::Low => S::Low,
            Level::Medium => S::Medium,
            Level::High => S::High,
            Level::Critical => S::Critical,
        }
    }
}

#[derive(Clone, Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to scan [default: .]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Lowest severity that makes the run fail (exit 1) [default: `fail_on` from the config, else low].
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<Level>,
    /// Skip paths matching GLOB (relative to the scan root; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Also scan files ignored by .gitignore and the default excludes (target/, node_modules/, ...).
    #[arg(long)]
    pub no_ignore: bool,
    /// Use this configuration file instead of discovering predeploy.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Number of worker threads [default: number of CPUs].
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Run every rule on test code too (tests/, *_test.py, *.spec.ts, ...).
    #[arg(long)]
    pub include_tests: bool,
    /// Carry findings recorded in this baseline file as suppressed (kind "baseline").
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record every current unsuppressed finding in FILE (then they count as baselined).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Print only findings (human format): no notes, no summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// When to colour human output (NO_COLOR is honoured by `auto`).
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule id, e.g. sql-string-concat.
    pub rule: String,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to write predeploy.toml into.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}
