//! Terminal summary of the report.

use super::{display_path, severity_counts, status_phrase};
use predeploy_rules::report::Report;
use std::fmt::Write;

pub fn render(report: &Report, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    };
    let mut out = String::new();
    let m = &report.meta;
    let _ = writeln!(out, "{}", paint("1", "Pre-deployment report"));
    let _ = writeln!(
        out,
        "  repository {}  commit {}{}  date {}",
        m.repository,
        m.commit.as_deref().unwrap_or("(not a git repository)"),
        if m.dirty == Some(true) {
            " (dirty tree)"
        } else {
            ""
        },
        m.date
    );
    let _ = writeln!(
        out,
        "  cargo-predeploy {} (rules {})  files scanned {}",
        m.tool_version, m.ruleset_version, m.files_scanned
    );
    if let Some(db) = &m.advisory_db {
        let _ = writeln!(out, "  advisory database {db}");
    }
    if let Some(p) = &m.probe {
        let _ = writeln!(out, "  live probe {p}");
    }
    let _ = writeln!(out);
    for row in &report.rows {
        let verdict = row.verdict();
        let mark = match verdict {
            "pass" | "attested" => paint("32", "PASS"),
            "fail" | "missing" | "expired" | "not-checked" => paint("31", "FAIL"),
            "not-applicable" => paint("2", " n/a"),
            _ => paint("33", "  ? "),
        };
        let _ = writeln!(
            out,
            "{mark} {:>2}. {:<45} {}",
            row.point.number,
            row.point.title,
            status_phrase(row)
        );
        if verdict == "fail" {
            for &i in row.findings.iter().take(5) {
                let f = &report.findings[i];
                let _ = writeln!(
                    out,
                    "         {}:{}:{} {}[{}] {}",
                    display_path(&f.path),
                    f.start.line,
                    f.start.column,
                    f.severity,
                    f.rule.id,
                    f.message
                );
            }
            if row.findings.len() > 5 {
                let _ = writeln!(out, "         ... and {} more", row.findings.len() - 5);
            }
        }
    }
    let _ = writeln!(out);
    let counts: Vec<String> = severity_counts(report)
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let _ = writeln!(
        out,
        "findings: {}; suppressed: {}",
        if counts.is_empty() {
            "none".to_owned()
        } else {
            counts.join(", ")
        },
        report.suppressed.len()
    );
    let failures = report.gate_failures();
    if failures.is_empty() {
        let _ = writeln!(out, "{}", paint("32", "gate: pass"));
    } else {
        let pts: Vec<String> = failures
            .iter()
            .map(|r| r.point.number.to_string())
            .collect();
        let _ = writeln!(
            out,
            "{}",
            paint("31", &format!("gate: fail (points {})", pts.join(", ")))
        );
    }
    out
}
