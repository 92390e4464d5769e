//! What a rule reports.

use crate::meta::{Confidence, RuleMeta, Severity};
use serde::Serialize;
use std::ops::Range;
use std::path::PathBuf;

/// A 1-based line and 1-based column counted in Unicode scalar values (chars).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// A text edit: replace `range` (bytes) with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub range: Range<usize>,
    pub replacement: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Safe to apply automatically.
    MachineApplicable,
    /// Probably right, a person should look.
    MaybeIncorrect,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

/// Another place that matters for a finding (where a value was built, where a router was mounted...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Related {
    pub path: PathBuf,
    pub range: Range<usize>,
    pub start: LineCol,
    pub message: String,
}

/// An inline suppression that matched a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// Where it came from: `inline` (a comment) or `baseline`.
    pub kind: &'static str,
    pub reason: String,
    /// 1-based line of the comment, for inline suppressions.
    pub line: Option<u32>,
    pub until: Option<String>,
}

/// One finding. Ranges are byte offsets into the file's text; `start`/`end` are derived from them.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    #[serde(serialize_with = "ser_rule")]
    pub rule: &'static RuleMeta,
    /// Path as given to / discovered by the engine (relative to the scan root when possible).
    pub path: PathBuf,
    pub range: Range<usize>,
    pub start: LineCol,
    pub end: LineCol,
    /// Names the problem; short, lower-case, no trailing period.
    pub message: String,
    /// Names the fix.
    pub help: Option<String>,
    /// Severity after configuration overrides.
    pub severity: Severity,
    pub confidence: Confidence,
    pub fix: Option<Fix>,
    pub related: Vec<Related>,
    /// The source lines covering the finding (with any secret masked), and the first line's number.
    pub snippet: Option<Snippet>,
    /// Stable content-based fingerprint (rule, path, normalized flagged text): survives line moves.
    pub fingerprint: String,
    /// Set when an inline comment or a baseline entry suppresses the finding. Suppressed findings
    /// are kept so SARIF can carry them; renderers and exit codes ignore them.
    pub suppression: Option<Suppression>,
    /// Byte ranges (in the file) holding secret values: never printed in full.
    #[serde(skip)]
    pub redact: Vec<Range<usize>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Snippet {
    pub first_line: u32,
    pub text: String,
}

fn ser_rule<S: serde::Serializer>(r: &&'static RuleMeta, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(r.id)
}

impl Finding {
    pub fn is_suppressed(&self) -> bool {
        self.suppression.is_some()
    }
    /// Sort key: path, position, severity (high first), rule id.
    pub fn sort_key(
        &self,
    ) -> (
        &PathBuf,
        usize,
        usize,
        std::cmp::Reverse<Severity>,
        &'static str,
    ) {
        (
            &self.path,
            self.range.start,
            self.range.end,
            std::cmp::Reverse(self.severity),
            self.rule.id,
        )
    }
}

/// Something the user should know about the scan that is not a finding: a file skipped, a parse
/// error, a config problem. Notes never change the exit code except `level: Error`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Note {
    pub level: NoteLevel,
    pub path: Option<PathBuf>,
    /// 1-based line, when known.
    pub line: Option<u32>,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoteLevel {
    Info,
    Warning,
    Error,
}

impl Note {
    pub fn info(path: Option<PathBuf>, message: impl Into<String>) -> Note {
        Note {
            level: NoteLevel::Info,
            path,
            line: None,
            message: message.into(),
        }
    }
    pub fn warning(path: Option<PathBuf>, message: impl Into<String>) -> Note {
        Note {
            level: NoteLevel::Warning,
            path,
            line: None,
            message: message.into(),
        }
    }
    pub fn error(path: Option<PathBuf>, message: impl Into<String>) -> Note {
        Note {
            level: NoteLevel::Error,
            path,
            line: None,
            message: message.into(),
        }
    }
    pub fn at_line(mut self, line: u32) -> Note {
        self.line = Some(line);
        self
    }
}
