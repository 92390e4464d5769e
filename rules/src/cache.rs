//! A result cache: per file, keyed by the SHA-256 of its content, its path, the rule set version,
//! the build of the program and the configuration, so a rescan of an unchanged tree skips
//! parsing and rules. Entries are written atomically (temp file + rename), so concurrent runs
//! are safe; an unreadable or corrupt entry is ignored and rewritten, never trusted.

use crate::config::Config;
use crate::engine::FileResult;
use crate::finding::{Finding, LineCol, Note, NoteLevel, Related, Snippet, Suppression};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::ops::Range;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    version: u32,
    findings: Vec<CFinding>,
    notes: Vec<CNote>,
}

#[derive(Serialize, Deserialize)]
struct CFinding {
    rule: String,
    range: Range<usize>,
    start: (u32, u32),
    end: (u32, u32),
    message: String,
    help: Option<String>,
    severity: crate::meta::Severity,
    confidence: String,
    related: Vec<(Range<usize>, (u32, u32), String)>,
    snippet: Option<(u32, String)>,
    fingerprint: String,
    suppression: Option<(String, Option<u32>, Option<String>)>,
    redact: Vec<Range<usize>>,
}

#[derive(Serialize, Deserialize)]
struct CNote {
    level: String,
    line: Option<u32>,
    message: String,
}

const ENTRY_VERSION: u32 = 1;

/// The running program's size and modification time: two builds of the same version (a
/// development build after a rule changed) must not share results.
fn build_identity() -> String {
    std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| {
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            format!("{}:{mtime}", m.len())
        })
        .unwrap_or_default()
}

impl Cache {
    /// A cache in `dir` for runs with `config`.
    pub fn new(dir: PathBuf, config: &Config) -> Cache {
        let mut h = Sha256::new();
        h.update(crate::RULESET_VERSION.as_bytes());
        h.update(build_identity().as_bytes());
        h.update(format!("{config:?}").as_bytes());
        let salt = h.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Cache { dir, salt }
    }

    /// `$XDG_CACHE_HOME/cargo-predeploy` or `~/.cache/cargo-predeploy` (never the scanned tree).
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
            return Some(PathBuf::from(x).join("cargo-predeploy"));
        }
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("cargo-predeploy"))
    }

    fn key(&self, path: &Path, text: &str) -> PathBuf {
        let mut h = Sha256::new();
        h.update(self.salt.as_bytes());
        h.update(path.to_string_lossy().as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        self.dir
            .join(&hex[..2])
            .join(format!("{}.json", &hex[2..40]))
    }

    pub fn get(&self, path: &Path, text: &str) -> Option<FileResult> {
        let data = std::fs::read(self.key(path, text)).ok()?;
        let e: Entry = serde_json::from_slice(&data).ok()?;
        if e.version != ENTRY_VERSION {
            return None;
        }
        let mut findings = Vec::with_capacity(e.findings.len());
        for f in e.findings {
            let rule = crate::registry::by_id(&f.rule)?;
            findings.push(Finding {
                rule,
                path: path.to_owned(),
                range: f.range,
                start: LineCol {
                    line: f.start.0,
                    column: f.start.1,
                },
                end: LineCol {
                    line: f.end.0,
                    column: f.end.1,
                },
                message: f.message,
                help: f.help,
                severity: f.severity,
                confidence: match f.confidence.as_str() {
                    "low" => crate::meta::Confidence::Low,
                    "medium" => crate::meta::Confidence::Medium,
                    _ => crate::meta::Confidence::High,
                },
                fix: None,
                related: f
                    .related
                    .into_iter()
                    .map(|(range, (line, column), message)| Related {
                        path: path.to_owned(),
                        range,
                        start: LineCol { line, column },
                        message,
                    })
                    .collect(),
                snippet: f
                    .snippet
                    .map(|(first_line, text)| Snippet { first_line, text }),
                fingerprint: f.fingerprint,
                suppression: f.suppression.map(|(reason, line, until)| Suppression {
                    kind: "inline",
                    reason,
                    line,
                    until,
                }),
                redact: f.redact,
            });
        }
        let notes = e
            .notes
            .into_iter()
            .map(|n| Note {
                level: match n.level.as_str() {
                    "error" => NoteLevel::Error,
                    "warning" => NoteLevel::Warning,
                    _ => NoteLevel::Info,
                },
                path: Some(path.to_owned()),
                line: n.line,
                message: n.message,
            })
            .collect();
        Some(FileResult { findings, notes })
    }

    /// Stores a result. Findings with fixes are not cached (fixes are rare; recompute them).
    pub fn put(&self, path: &Path, text: &str, r: &FileResult) {
        if r.findings
            .iter()
            .any(|f| f.fix.is_some() || f.related.iter().any(|x| x.path != f.path))
        {
            return;
        }
        let e = Entry {
            version: ENTRY_VERSION,
            findings: r
                .findings
                .iter()
                .map(|f| CFinding {
                    rule: f.rule.id.to_owned(),
                    range: f.range.clone(),
                    start: (f.start.line, f.start.column),
                    end: (f.end.line, f.end.column),
                    message: f.message.clone(),
                    help: f.help.clone(),
                    severity: f.severity,
                    confidence: f.confidence.as_str().to_owned(),
                    related: f
                        .related
                        .iter()
                        .map(|r| {
                            (
                                r.range.clone(),
                                (r.start.line, r.start.column),
                                r.message.clone(),
                            )
                        })
                        .collect(),
                    snippet: f.snippet.as_ref().map(|s| (s.first_line, s.text.clone())),
                    fingerprint: f.fingerprint.clone(),
                    suppression: f
                        .suppression
                        .as_ref()
                        .map(|s| (s.reason.clone(), s.line, s.until.clone())),
                    redact: f.redact.clone(),
                })
                .collect(),
            notes: r
                .notes
                .iter()
                .map(|n| CNote {
                    level: match n.level {
                        NoteLevel::Error => "error",
                        NoteLevel::Warning => "warning",
                        NoteLevel::Info => "info",
                    }
                    .to_owned(),
                    line: n.line,
                    message: n.message.clone(),
                })
                .collect(),
        };
        let key = self.key(path, text);
        let Some(dir) = key.parent() else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let Ok(data) = serde_json::to_vec(&e) else {
            return;
        };
        let tmp = dir.join(format!(
            ".tmp-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        if std::fs::write(&tmp, data).is_ok() && std::fs::rename(&tmp, &key).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}
