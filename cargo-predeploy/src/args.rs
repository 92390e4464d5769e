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
    /// The pre-deployment report: all 25 checklist points, as a release gate.
    Report(ReportArgs),
    /// Record an attestation for a manual checklist point in .predeploy/attestations.toml.
    Attest(AttestArgs),
    /// Check a sealed report's digest (and signature with --key).
    Verify(VerifyArgs),
    /// Generate an Ed25519 key pair for signing reports.
    Keygen(KeygenArgs),
    /// Live checks of a deployed URL: headers, TLS, security.txt, debug endpoints.
    Probe(ProbeArgs),
    /// Combine JSON or SARIF outputs of sharded runs into one.
    Merge(MergeArgs),
    /// Run the language server on standard input/output (for editors).
    Lsp,
    /// The RustSec advisory database: fetch or update it (explicit network use), or show its status.
    #[command(subcommand)]
    Db(DbCommand),
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Clone or update the RustSec advisory database with git (needs the network).
    Fetch {
        /// Where to put it [default: ~/.cargo/advisory-db, shared with cargo-audit].
        #[arg(long, value_name = "DIR")]
        path: Option<PathBuf>,
    },
    /// Show which database a scan would use, its date and age.
    Status {
        /// Database directory to inspect.
        #[arg(long, value_name = "DIR")]
        path: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Markdown,
    Html,
    Json,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Write the report to FILE.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when an automated point fails at or above the threshold, a check could not run,
    /// or a required attestation is missing or expired.
    #[arg(long)]
    pub gate: bool,
    /// Sign the report with this Ed25519 secret key file (hex; see `keygen`).
    #[arg(long, value_name = "KEY")]
    pub sign: Option<PathBuf>,
    /// Also probe this deployed URL and include the live results (points 1, 9, 10, 12, 25).
    #[arg(long, value_name = "URL")]
    pub probe: Option<String>,
    /// PEM file of the CA that issued the probed site's certificate (an internal staging CA).
    #[arg(long, value_name = "PEM", requires = "probe")]
    pub ca_cert: Option<PathBuf>,
    /// Files or directories to scan [default: .]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Lowest severity that fails an automated point [default: `fail_on` from the config, else low].
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<Level>,
    /// Skip paths matching GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Use this configuration file instead of discovering predeploy.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Carry findings recorded in this baseline file as suppressed.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Do not read or write the result cache.
    #[arg(long)]
    pub no_cache: bool,
    /// When to colour the text report.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
    /// RustSec advisory database directory (see `check --advisory-db`).
    #[arg(long, value_name = "DIR")]
    pub advisory_db: Option<PathBuf>,
}

impl ReportArgs {
    /// The scan a report runs, as `check` options.
    pub fn check_args(&self) -> CheckArgs {
        CheckArgs {
            paths: self.paths.clone(),
            format: None,
            output: None,
            fail_on: self.fail_on,
            exclude: self.exclude.clone(),
            no_ignore: false,
            config: self.config.clone(),
            jobs: None,
            include_tests: false,
            baseline: self.baseline.clone(),
            write_baseline: None,
            quiet: true,
            color: self.color,
            no_cache: self.no_cache,
            cache_dir: None,
            changed_since: None,
            new_only: false,
            staged: false,
            shard: None,
            advisory_db: self.advisory_db.clone(),
            no_advisories: false,
            history: None,
        }
    }
}

#[derive(Debug, Args)]
pub struct AttestArgs {
    /// Checklist point (1-25).
    #[arg(value_parser = clap::value_parser!(u8).range(1..=25))]
    pub point: u8,
    /// Who attests, e.g. "Ana Ruiz <ana@example.org>".
    #[arg(long)]
    pub by: String,
    /// What was checked.
    #[arg(long, default_value = "")]
    pub note: String,
    /// How many days the attestation holds [default: the point's validity].
    #[arg(long)]
    pub valid_days: Option<u32>,
    /// Date of the attestation, YYYY-MM-DD [default: today].
    #[arg(long)]
    pub date: Option<String>,
    /// Project root holding .predeploy/.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A report written by `cargo predeploy report`.
    pub report: PathBuf,
    /// Ed25519 public key file (hex) that must have signed it.
    #[arg(long, value_name = "PUB")]
    pub key: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Writes PREFIX.key (secret) and PREFIX.pub.
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The deployed site, e.g. https://staging.example.com
    pub url: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Write the output to FILE.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Extra paths whose headers are checked like the landing page (repeatable).
    #[arg(long = "path", value_name = "PATH")]
    pub paths: Vec<String>,
    /// PEM file of the CA that issued the site's certificate (replaces the public roots).
    #[arg(long, value_name = "PEM")]
    pub ca_cert: Option<PathBuf>,
    /// Time-out per request, in seconds.
    #[arg(long, default_value = "10")]
    pub timeout: u64,
    /// Do not request the plain-HTTP URL.
    #[arg(long)]
    pub no_http: bool,
    /// The plain-HTTP URL that should redirect to HTTPS [default: http://HOST/].
    #[arg(long, value_name = "URL")]
    pub http_url: Option<String>,
    /// Lowest severity that makes the run fail (exit 1).
    #[arg(long, value_enum, default_value = "low")]
    pub fail_on: Level,
    /// When to colour human output.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON or SARIF files written by `check --shard K/N` (all of one format).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Write the merged output to FILE.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
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
    /// Do not read or write the result cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Result cache directory [default: $XDG_CACHE_HOME/cargo-predeploy or ~/.cache/cargo-predeploy].
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Scan only files changed since the git revision REV (plus untracked files).
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,
    /// With --changed-since: report only findings the change introduces (absent at REV).
    #[arg(long, requires = "changed_since")]
    pub new_only: bool,
    /// Scan what is staged for commit (the git index), not the work tree.
    #[arg(long, conflicts_with = "changed_since")]
    pub staged: bool,
    /// Scan only shard K of N (e.g. 2/4), a deterministic split of the files; combine the
    /// shards' JSON or SARIF outputs with `cargo predeploy merge`. Project checks run in shard 1.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u32, u32)>,
    /// RustSec advisory database directory [default: `[advisories] db`, $PREDEPLOY_ADVISORY_DB,
    /// or ~/.cargo/advisory-db as cargo-audit uses]. Never fetched implicitly.
    #[arg(long, value_name = "DIR")]
    pub advisory_db: Option<PathBuf>,
    /// Do not check dependencies against the advisory database (reported as not checked).
    #[arg(long)]
    pub no_advisories: bool,
    /// Also scan git history for secrets that were committed, even if later deleted: every ref,
    /// or a RANGE such as `main..HEAD`. Reports commit, author date and path.
    #[arg(long, value_name = "RANGE", num_args = 0..=1, default_missing_value = "")]
    pub history: Option<String>,
}

/// `2/4` -> (2, 4), with 1 <= K <= N.
pub fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let (k, n) = s.split_once('/').ok_or("expected K/N, e.g. 2/4")?;
    let k: u32 = k.trim().parse().map_err(|_| "K must be a number")?;
    let n: u32 = n.trim().parse().map_err(|_| "N must be a number")?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("shard {k}/{n} is out of range: use 1 <= K <= N"));
    }
    Ok((k, n))
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
