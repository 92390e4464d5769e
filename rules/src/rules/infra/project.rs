//! Shared helpers for the repository-level checks: which directories make up "the project",
//! its files relative to the root, and where to anchor a finding about something missing.

use crate::lang::ProjectCx;
use crate::source::is_test_path;
use std::path::{Path, PathBuf};

/// One scanned directory root and its files.
pub struct Project {
    pub root: PathBuf,
    /// Files under the root, with their path relative to it.
    pub files: Vec<(PathBuf, PathBuf)>,
    /// Directories whose repository-level files count: the root, then its ancestors up to the
    /// git repository root, stopping at the directory of the loaded configuration file.
    pub dirs: Vec<PathBuf>,
}

impl Project {
    /// A file at `rel` exists in the project (scanned, or at that place in a parent directory
    /// up to the repository root).
    pub fn has(&self, rel: &str) -> bool {
        let rel_l = rel.to_ascii_lowercase();
        self.files
            .iter()
            .any(|(_, r)| r.to_string_lossy().replace('\\', "/").to_ascii_lowercase() == rel_l)
            || self.dirs.iter().any(|d| d.join(rel).is_file())
    }

    /// Non-test files whose name satisfies `pred`.
    pub fn named(&self, pred: impl Fn(&str) -> bool) -> Vec<&(PathBuf, PathBuf)> {
        self.files
            .iter()
            .filter(|(_, rel)| !is_test_path(rel) && !in_sample_dir(rel))
            .filter(|(_, rel)| rel.file_name().and_then(|n| n.to_str()).is_some_and(&pred))
            .collect()
    }
}

/// Examples, docs, test harnesses, benchmarks and demos: code there is not the service being
/// shipped.
pub fn in_sample_dir(rel: &Path) -> bool {
    rel.components().any(|c| {
        let s = c.as_os_str().to_string_lossy().to_ascii_lowercase();
        s.starts_with("doc")
            || s.starts_with("example")
            || s.starts_with("test")
            || s.starts_with("bench")
            || s.starts_with("fuzz")
            || s.starts_with("tutorial")
            || matches!(
                s.as_str(),
                "examples"
                    | "example"
                    | "samples"
                    | "sample"
                    | "demo"
                    | "demos"
                    | "docs"
                    | "doc"
                    | "benches"
                    | "bench"
                    | "benchmarks"
                    | "scripts"
                    | "tools"
                    | "xtask"
            )
    })
}

fn search_dirs(root: &Path, config_dir: Option<&Path>) -> Vec<PathBuf> {
    let mut dirs = vec![root.to_owned()];
    if root.join(".git").exists() || config_dir == Some(root) {
        return dirs;
    }
    let Ok(abs) = root.canonicalize() else {
        return dirs;
    };
    let git_root = abs.ancestors().skip(1).find(|a| a.join(".git").exists());
    let Some(git_root) = git_root else {
        return dirs;
    };
    let config_dir = config_dir.and_then(|c| c.canonicalize().ok());
    for a in abs.ancestors().skip(1) {
        dirs.push(a.to_owned());
        if a == git_root || config_dir.as_deref() == Some(a) {
            break;
        }
    }
    dirs
}

/// The directory roots of this scan, with their files.
pub fn projects(pcx: &ProjectCx<'_>) -> Vec<Project> {
    let config_dir = pcx.config.source.as_deref().and_then(Path::parent);
    let mut out = Vec::new();
    for root in pcx.roots {
        if !root.is_dir() {
            continue;
        }
        let files = pcx
            .files
            .iter()
            .filter_map(|f| {
                f.strip_prefix(root)
                    .ok()
                    .map(|rel| (f.clone(), rel.to_owned()))
            })
            .collect();
        out.push(Project {
            root: root.clone(),
            files,
            dirs: search_dirs(root, config_dir),
        });
    }
    out
}

/// Where to anchor a finding about something the repository lacks: the root README, else
/// the first root-level manifest, else the first root-level file.
pub fn anchor(p: &Project) -> Option<&Path> {
    let top: Vec<&(PathBuf, PathBuf)> = p
        .files
        .iter()
        .filter(|(_, rel)| rel.components().count() == 1)
        .collect();
    let by = |pred: &dyn Fn(&str) -> bool| {
        top.iter()
            .find(|(_, rel)| rel.to_str().is_some_and(|n| pred(&n.to_ascii_lowercase())))
            .map(|(abs, _)| abs.as_path())
    };
    by(&|n| n == "readme.md" || n == "readme" || n == "readme.rst" || n == "readme.txt")
        .or_else(|| by(&|n| MANIFESTS.contains(&n)))
        .or_else(|| top.first().map(|(abs, _)| abs.as_path()))
}

/// Dependency manifests (lower-case file names).
pub const MANIFESTS: &[&str] = &[
    "cargo.toml",
    "package.json",
    "pyproject.toml",
    "requirements.txt",
    "pipfile",
    "setup.py",
    "setup.cfg",
    "go.mod",
    "gemfile",
    "composer.json",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
];

/// Reports `rule` on the first line of `path` (read from disk), with `help`.
pub fn report_missing(
    pcx: &mut ProjectCx<'_>,
    path: &Path,
    rule: &'static crate::meta::RuleMeta,
    msg: &str,
    help: &str,
) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    pcx.with_file(path, &text, |cx| {
        let end = cx.text.find('\n').unwrap_or(cx.text.len());
        cx.report(rule, 0..end, msg).help(help);
    });
}
