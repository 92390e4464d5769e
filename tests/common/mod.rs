//! Helpers shared by the end-to-end tests: run the real binary, read its output.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_cargo-predeploy");

/// The repository root (this file is `tests/common/mod.rs`; the package is `cargo-predeploy/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("package has a parent")
        .to_owned()
}

pub fn project(name: &str) -> PathBuf {
    repo_root().join("tests/projects").join(name)
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs the binary in `cwd` with `args` (NO_COLOR unset so colour tests are in control).
pub fn run_in(cwd: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        // Keep the result cache out of the user's home directory.
        .env(
            "XDG_CACHE_HOME",
            std::env::temp_dir().join("cargo-predeploy-test-cache"),
        )
        .output()
        .expect("the binary runs");
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !r.stderr.contains("panicked") && !r.stderr.contains("overflow"),
        "the binary crashed: {r:?}"
    );
    r
}

/// Runs the binary from the repository root.
pub fn run(args: &[&str]) -> Run {
    run_in(&repo_root(), args)
}

/// A temporary directory with the given files (path relative to it, content).
pub fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (p, content) in files {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
        std::fs::write(&path, content).expect("write");
    }
    dir
}

/// Copies a sample project into a fresh temporary directory (tests never write into the repo).
pub fn copy_project(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&project(name), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("file type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Findings (not suppressed) of a JSON report.
pub fn active(report: &serde_json::Value) -> Vec<&serde_json::Value> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| f["suppression"].is_null())
        .collect()
}

/// Notes of a JSON report whose message contains `needle`.
pub fn notes_with<'a>(report: &'a serde_json::Value, needle: &str) -> Vec<&'a serde_json::Value> {
    report["notes"]
        .as_array()
        .expect("notes array")
        .iter()
        .filter(|n| n["message"].as_str().unwrap_or_default().contains(needle))
        .collect()
}

/// Findings of one rule (suppressed or not). Tests assert on the rule they exercise, so rules
/// added later (which may also fire on the sample trees) do not break them.
pub fn of_rule<'a>(report: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// Unsuppressed findings of one rule.
pub fn active_of<'a>(report: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    of_rule(report, rule)
        .into_iter()
        .filter(|f| f["suppression"].is_null())
        .collect()
}

/// The summary agrees with the findings listed.
pub fn assert_summary_consistent(report: &serde_json::Value) {
    let all = report["findings"].as_array().expect("findings");
    let active = all.iter().filter(|f| f["suppression"].is_null()).count();
    let sum = &report["summary"];
    assert_eq!(sum["findings"], active);
    assert_eq!(sum["suppressed"], all.len() - active);
    let by: u64 = sum["by_severity"]
        .as_object()
        .expect("by_severity")
        .values()
        .map(|v| v.as_u64().expect("count"))
        .sum();
    assert_eq!(by as usize, active);
    assert_eq!(
        sum["notes"],
        report["notes"].as_array().expect("notes").len()
    );
}
