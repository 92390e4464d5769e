//! Renderers: one file per output format. Each takes a finished [`Report`] and returns text; none
//! reads source files (snippets come with the findings, secrets already masked).

pub mod human;
pub mod json;
pub mod sarif;

use crate::paths::ScanRoot;
use predeploy_rules::{Finding, ScanResult, Severity};

/// A finished scan, ready to render.
pub struct Report<'a> {
    pub root: &'a ScanRoot,
    pub scan: &'a ScanResult,
    pub fail_on: Severity,
    /// Whether the exit status is 1 (findings at or above `fail_on`).
    pub failed: bool,
    /// The configuration file used, as shown to the user.
    pub config_file: Option<String>,
    /// The baseline file used, as shown to the user.
    pub baseline_file: Option<String>,
}

impl Report<'_> {
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.scan.findings.iter().filter(|f| !f.is_suppressed())
    }

    pub fn suppressed(&self) -> usize {
        self.scan
            .findings
            .iter()
            .filter(|f| f.is_suppressed())
            .count()
    }

    /// Unsuppressed findings per severity, highest first.
    pub fn by_severity(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .rev()
            .map(|s| (*s, self.active().filter(|f| f.severity == *s).count()))
            .collect()
    }
}

/// "6 (Input validation and sanitization)".
pub fn checklist_label(point: u8) -> String {
    match predeploy_rules::checklist::point(point) {
        Some(p) => format!("{} ({})", p.number, p.title),
        None => point.to_string(),
    }
}

/// The status of a scan: 1 when any unsuppressed finding reaches `fail_on`.
pub fn fails(scan: &ScanResult, fail_on: Severity) -> bool {
    scan.findings
        .iter()
        .any(|f| !f.is_suppressed() && f.severity >= fail_on)
}

/// A rule's docs as Markdown: the `///` lines without their leading space.
pub fn rule_docs(r: &predeploy_rules::RuleMeta) -> String {
    let mut s = String::new();
    for line in r.docs.lines() {
        s.push_str(line.strip_prefix(' ').unwrap_or(line));
        s.push('\n');
    }
    s.trim_end().to_owned() + "\n"
}

/// A rule's summary on one line (the docs wrap it).
pub fn summary_line(r: &predeploy_rules::RuleMeta) -> String {
    r.summary().split_whitespace().collect::<Vec<_>>().join(" ")
}
