//! The cargo-predeploy engine and every rule.
//!
//! Architecture invariants: this crate knows nothing about argv, terminals, exit codes or LSP
//! types. The CLI and the language server both call [`check_source`] (one text, e.g. an editor
//! buffer) or [`check_paths`] (a tree on disk), and differ only in how findings are delivered.

pub mod cache;
pub mod checklist;
pub mod config;
pub mod discover;
pub mod engine;
pub mod finding;
pub mod git;
pub mod lang;
pub mod meta;
pub mod registry;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;

pub use config::{Config, ConfigError};
pub use engine::{
    check_file, check_paths, check_project, check_source, check_source_as, FileResult, ScanOptions,
    ScanResult,
};
pub use finding::{Finding, Note, NoteLevel};
pub use meta::{Confidence, Lang, RuleMeta, Severity};
pub use source::FileKind;

/// Where the project's docs live (used for rule help links).
pub const REPOSITORY_URL: &str = "https://github.com/cargo-predeploy/cargo-predeploy";

/// Version of the rule set: bump when rules change what they report (part of cache keys and
/// reports).
pub const RULESET_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "+rules.1");
