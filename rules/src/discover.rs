//! File discovery: gitignore-aware, parallel-friendly, with sensible default excludes.

use crate::config::Config;
use crate::finding::Note;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};

/// Directories never worth scanning: build output, dependencies, virtualenvs, VCS data.
pub const DEFAULT_EXCLUDED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "target",
    "node_modules",
    "bower_components",
    "jspm_packages",
    "dist",
    "build",
    "out",
    ".next",
    ".nuxt",
    ".svelte-kit",
    ".output",
    "coverage",
    ".venv",
    "venv",
    "env",
    ".tox",
    ".nox",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "site-packages",
    "vendor",
    "third_party",
    ".cargo",
    ".idea",
    ".vscode-test",
    ".terraform",
    ".yarn",
];

/// Options for one discovery run.
#[derive(Clone, Debug, Default)]
pub struct DiscoverOptions {
    /// Extra exclude globs from the command line.
    pub exclude: Vec<String>,
    /// Scan files ignored by .gitignore and default excludes too.
    pub no_ignore: bool,
}

pub struct Discovered {
    pub files: Vec<PathBuf>,
    pub notes: Vec<Note>,
}

fn build_globs(patterns: &[String]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        // Accept both "vendor/**" style and bare names; a pattern without '/' matches anywhere.
        let variants = if p.contains('/') {
            vec![
                p.trim_start_matches("./").to_owned(),
                format!("**/{}", p.trim_start_matches("./")),
            ]
        } else {
            vec![p.clone(), format!("**/{p}"), format!("**/{p}/**")]
        };
        for v in variants {
            if let Ok(g) = Glob::new(&v) {
                b.add(g);
            }
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

/// A matcher for user excludes (config + command line), relative to the scan root.
pub struct Excludes {
    set: GlobSet,
}

impl Excludes {
    pub fn new(config: &Config, extra: &[String]) -> Excludes {
        let mut all = config.exclude.clone();
        all.extend(extra.iter().cloned());
        Excludes {
            set: build_globs(&all),
        }
    }
    pub fn is_excluded(&self, rel: &Path) -> bool {
        !self.set.is_empty() && self.set.is_match(rel)
    }
}

/// True for minified or generated bundles that only produce noise.
pub fn is_minified_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name.ends_with(".min.js")
        || name.ends_with(".min.css")
        || name.ends_with(".bundle.js")
        || name.ends_with(".map")
        || name.ends_with("-lock.json")
        || name == "pnpm-lock.yaml"
        || name == "yarn.lock"
}

/// Walks `roots`, honouring .gitignore/.ignore (also outside a git repository), hidden files
/// included (so `.env` is seen) but VCS and build directories skipped, plus excludes.
/// Paths that do not exist become error notes. Symlinks are not followed (no loops).
pub fn discover(roots: &[PathBuf], config: &Config, opts: &DiscoverOptions) -> Discovered {
    let mut files = Vec::new();
    let mut notes = Vec::new();
    let excludes = Excludes::new(config, &opts.exclude);
    for root in roots {
        let meta = match std::fs::symlink_metadata(root) {
            Ok(m) => m,
            Err(e) => {
                notes.push(Note::error(
                    Some(root.clone()),
                    format!("cannot scan this path: {e}; check the path exists and is readable"),
                ));
                continue;
            }
        };
        if meta.is_file() || (meta.file_type().is_symlink() && root.is_file()) {
            files.push(root.clone());
            continue;
        }
        let mut wb = ignore::WalkBuilder::new(root);
        wb.hidden(false)
            .follow_links(false)
            .require_git(false)
            .git_ignore(!opts.no_ignore)
            .git_exclude(!opts.no_ignore)
            .git_global(false)
            .ignore(!opts.no_ignore)
            .parents(true);
        let no_ignore = opts.no_ignore;
        wb.filter_entry(move |e| {
            if no_ignore {
                return e.file_name() != ".git";
            }
            if e.file_type().is_some_and(|t| t.is_dir()) && e.depth() > 0 {
                let n = e.file_name().to_string_lossy();
                return !DEFAULT_EXCLUDED_DIRS.contains(&n.as_ref());
            }
            true
        });
        for entry in wb.build() {
            match entry {
                Ok(e) => {
                    let Some(ft) = e.file_type() else { continue };
                    if !ft.is_file() {
                        if ft.is_symlink() {
                            // Not followed: a symlink to a file outside or a loop is reported once.
                            notes.push(Note::info(
                                Some(e.path().to_owned()),
                                "symbolic link not followed",
                            ));
                        }
                        continue;
                    }
                    let rel = e.path().strip_prefix(root).unwrap_or(e.path());
                    if excludes.is_excluded(rel) {
                        continue;
                    }
                    if !opts.no_ignore && is_minified_name(e.path()) {
                        continue;
                    }
                    files.push(e.into_path());
                }
                Err(err) => {
                    let path = match &err {
                        ignore::Error::WithPath { path, .. } => Some(path.clone()),
                        _ => None,
                    };
                    notes.push(Note::warning(path, format!("skipped: {err}")));
                }
            }
        }
    }
    files.sort();
    files.dedup();
    Discovered { files, notes }
}
