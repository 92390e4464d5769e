//! Dependency audit: RustSec advisories, lock files, dependency sources (checklist point 8).
//!
//! One project check reads every Cargo.toml / Cargo.lock / package.json / pyproject.toml found by
//! discovery (offline: no cargo invocation, no network; `git ls-files` read-only for lock files).
//! [`advisory_db::advisory_status`] tells the report whether advisories were checked.

pub mod advisory_db;
pub mod external_path_dependency;
pub mod git_branch_dependency;
mod manifest;
pub mod missing_lockfile;
mod project;
pub mod unmaintained_dependency;
pub mod unsound_dependency;
pub mod vulnerable_dependency;
pub mod wildcard_dependency_version;

pub use advisory_db::{advisory_status, fetch_db, AdvisoryStatus};

use crate::lang::ProjectCheck;
use crate::meta::RuleMeta;
use crate::registry::Registry;

static RULES: &[&RuleMeta] = &[
    &vulnerable_dependency::VULNERABLE_DEPENDENCY,
    &unsound_dependency::UNSOUND_DEPENDENCY,
    &unmaintained_dependency::UNMAINTAINED_DEPENDENCY,
    &missing_lockfile::MISSING_LOCKFILE,
    &wildcard_dependency_version::WILDCARD_DEPENDENCY_VERSION,
    &git_branch_dependency::GIT_BRANCH_DEPENDENCY,
    &external_path_dependency::EXTERNAL_PATH_DEPENDENCY,
];

pub(crate) fn register(r: &mut Registry) {
    r.rules(RULES);
    r.project.push(ProjectCheck {
        rules: RULES,
        run: project::run,
        after_file_pass: false,
    });
}
