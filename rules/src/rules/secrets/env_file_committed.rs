//! `env-file-committed`: a `.env`-style file holding secrets that git tracks, or that
//! `.gitignore` does not cover.

use super::config_values::{pairs, Syntax};
use super::values::{is_generic_placeholder, secret_name};
use crate::lang::ProjectCx;
use std::path::{Path, PathBuf};
use std::process::Command;

crate::declare_rule! {
    /// ## What it does
    /// Finds `.env`-style files (`.env`, `.env.local`, `.env.production`, `*.env`) that hold a
    /// value for a secret-named variable (`*_PASSWORD`, `*_SECRET`, `*_TOKEN`, `*_API_KEY`...)
    /// and that git tracks, or that no `.gitignore` rule covers (so the next `git add .` commits
    /// them). Tracked files are listed with `git ls-files`; ignore rules are checked with
    /// `git check-ignore`, or with `.gitignore` patterns when the project is not a git
    /// repository. Template files (`.env.example`, `.env.sample`, `.env.template`, `.env.dist`)
    /// are expected to be committed and are not reported.
    ///
    /// ## Why is this bad?
    /// `.env` files exist to keep deployment secrets out of the code; once committed, every
    /// clone, fork and CI cache has them, and they stay in history after deletion.
    ///
    /// ## Example
    /// ```text
    /// $ git ls-files
    /// .env            # DATABASE_PASSWORD=..., STRIPE_SECRET_KEY=...
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// # .gitignore
    /// .env
    /// .env.*
    /// !.env.example
    /// ```
    ///
    /// ## How to fix
    /// Add the file to `.gitignore`, stop tracking it with `git rm --cached <file>`, rotate every
    /// secret it held, and commit a `.env.example` with placeholders instead.
    ///
    /// ## Not flagged
    /// Env files that are ignored and untracked, templates (`.env.example`...), and env files
    /// whose secret-named variables are empty or placeholders (`API_KEY=`, `${VAR}`,
    /// `changeme`). Only project scans (not single editor buffers) run this check.
    ///
    /// ## References
    /// - CWE-538: Insertion of Sensitive Information into Externally-Accessible File or Directory
    /// - CWE-798: Use of Hard-coded Credentials
    pub ENV_FILE_COMMITTED {
        id: "env-file-committed",
        title: "Environment file with secrets tracked by git or not ignored",
        severity: High,
        confidence: High,
        cwe: [538, 798],
        checklist: 5,
        languages: [Project],
        fix: None,
    }
}

/// `.env`, `.env.production`, `prod.env`; not templates.
pub fn is_env_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let env_like = name == ".env" || name.starts_with(".env.") || name.ends_with(".env");
    if !env_like {
        return false;
    }
    const TEMPLATES: &[&str] = &[
        "example", "sample", "template", "dist", "defaults", "default", "schema", "tpl", "skel",
    ];
    !name.split('.').any(|part| TEMPLATES.contains(&part))
}

/// The first secret-named variable with a real value: the value's byte range.
fn first_secret(text: &str) -> Option<std::ops::Range<usize>> {
    pairs(Syntax::Env, text).into_iter().find_map(|p| {
        let v = text.get(p.value.clone())?;
        (secret_name(&p.name).is_some() && !v.trim().is_empty() && !is_generic_placeholder(v))
            .then_some(p.value)
    })
}

fn git(dir: &Path, args: &[&str]) -> Option<std::process::Output> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
}

fn git_toplevel(dir: &Path) -> Option<PathBuf> {
    let out = git(dir, &["rev-parse", "--show-toplevel"])?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?;
    Some(PathBuf::from(s.trim_end_matches(['\n', '\r'])))
}

/// Env files tracked by git under `root`.
fn tracked_env_files(root: &Path) -> Vec<PathBuf> {
    let Some(out) = git(root, &["ls-files", "-z", "--full-name"]) else {
        return Vec::new();
    };
    let Some(top) = git_toplevel(root) else {
        return Vec::new();
    };
    out.stdout
        .split(|b| *b == 0)
        .filter_map(|p| std::str::from_utf8(p).ok())
        .filter(|p| !p.is_empty())
        .map(|p| top.join(p))
        .filter(|p| is_env_file(p))
        .collect()
}

fn git_ignored(path: &Path) -> Option<bool> {
    let dir = path.parent()?;
    let name = path.file_name()?;
    let out = Command::new("git")
        .arg("-C")
        .arg(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
        .args(["check-ignore", "-q", "--no-index", "--"])
        .arg(name)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .ok()?;
    match out.code() {
        Some(0) => Some(true),
        Some(1) => Some(false),
        _ => None,
    }
}

/// Without git: do `.gitignore` files between `root` and the file cover it?
fn gitignore_covers(root: &Path, path: &Path) -> bool {
    let mut dirs = Vec::new();
    let mut d = path.parent();
    while let Some(dir) = d {
        dirs.push(dir.to_path_buf());
        if dir == root || dirs.len() > 64 {
            break;
        }
        d = dir.parent();
    }
    for dir in dirs {
        let gi = dir.join(".gitignore");
        if !gi.is_file() {
            continue;
        }
        let mut b = ignore::gitignore::GitignoreBuilder::new(&dir);
        b.add(&gi);
        if let Ok(m) = b.build() {
            if m.matched_path_or_any_parents(path, false).is_ignore() {
                return true;
            }
        }
    }
    false
}

pub(crate) fn check_project(cx: &mut ProjectCx<'_>) {
    let mut reported = std::collections::HashSet::new();
    for root in cx.roots {
        if !root.is_dir() {
            continue;
        }
        let in_git = git_toplevel(root).is_some();
        // 1. Tracked by git (even if .gitignore lists it now).
        if in_git {
            for p in tracked_env_files(root) {
                if under_tests(root, &p) {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&p) else {
                    continue;
                };
                let Some(range) = first_secret(&text) else {
                    continue;
                };
                let shown = shown_path(root, &p, cx.files);
                if reported.insert(shown.clone()) {
                    cx.with_file(&shown, &text, |f| {
                        f.report(&ENV_FILE_COMMITTED, range.clone(), "environment file with secrets is tracked by git")
                            .help("stop tracking it (git rm --cached <file>), add it to .gitignore, rotate its secrets, and commit a .env.example with placeholders")
                            .redact(range);
                    });
                }
            }
        }
        // 2. Discovered env files that no ignore rule covers.
        let candidates: Vec<PathBuf> = cx
            .files
            .iter()
            .filter(|f| f.starts_with(root) && is_env_file(f) && !under_tests(root, f))
            .cloned()
            .collect();
        for p in candidates {
            if reported.contains(&p) {
                continue;
            }
            let ignored = if in_git {
                git_ignored(&p).unwrap_or(true)
            } else {
                gitignore_covers(root, &p)
            };
            if ignored {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            let Some(range) = first_secret(&text) else {
                continue;
            };
            reported.insert(p.clone());
            cx.with_file(&p, &text, |f| {
                f.report(
                    &ENV_FILE_COMMITTED,
                    range.clone(),
                    "environment file with secrets is not covered by .gitignore",
                )
                .help("add it to .gitignore (e.g. `.env` and `.env.*` with `!.env.example`) so it is never committed")
                .redact(range);
            });
        }
    }
}

/// Env files of test suites hold throwaway values.
fn under_tests(root: &Path, p: &Path) -> bool {
    let canon_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let rel = p
        .strip_prefix(root)
        .or_else(|_| p.strip_prefix(&canon_root))
        .unwrap_or(p);
    crate::source::is_test_path(rel)
}

/// The path findings use for `p`: the discovered path when discovery saw it, else `p`.
fn shown_path(root: &Path, p: &Path, files: &[PathBuf]) -> PathBuf {
    let canon = std::fs::canonicalize(p).ok();
    for f in files {
        if f == p || (canon.is_some() && std::fs::canonicalize(f).ok() == canon) {
            return f.clone();
        }
    }
    // Tracked but ignored (not discovered): show it relative to the root as the user gave it.
    match (std::fs::canonicalize(root), canon) {
        (Ok(r), Some(c)) => c
            .strip_prefix(&r)
            .map(|rel| root.join(rel))
            .unwrap_or_else(|_| p.to_path_buf()),
        _ => p.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::is_env_file;
    use std::path::Path;

    #[test]
    fn names() {
        for yes in [".env", ".env.local", ".env.production", "config/prod.env"] {
            assert!(is_env_file(Path::new(yes)), "{yes}");
        }
        for no in [
            ".env.example",
            ".env.sample",
            ".env.template",
            "env.py",
            ".envrc",
            "x.environment",
        ] {
            assert!(!is_env_file(Path::new(no)), "{no}");
        }
    }
}
