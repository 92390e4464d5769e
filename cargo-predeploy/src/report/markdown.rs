//! Markdown report, for a pull-request comment or release notes.

use super::{display_path, severity_counts, status_phrase};
use predeploy_rules::report::Report;
use std::fmt::Write;

/// Escapes text for a Markdown table cell or paragraph.
fn md(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '\\' => {
                o.push('\\');
                o.push(c);
            }
            '\n' | '\r' => o.push(' '),
            _ => o.push(c),
        }
    }
    o
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let m = &report.meta;
    let _ = writeln!(out, "# Pre-deployment report: {}\n", md(&m.repository));
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(
        out,
        "| commit | {}{} |",
        md(m.commit.as_deref().unwrap_or("not a git repository")),
        if m.dirty == Some(true) {
            " (dirty tree)"
        } else {
            ""
        }
    );
    let _ = writeln!(out, "| date | {} |", md(&m.date));
    let _ = writeln!(
        out,
        "| tool | cargo-predeploy {} (rules {}) |",
        md(&m.tool_version),
        md(&m.ruleset_version)
    );
    let _ = writeln!(out, "| files scanned | {} |", m.files_scanned);
    if let Some(db) = &m.advisory_db {
        let _ = writeln!(out, "| advisory database | {} |", md(db));
    }
    if let Some(c) = &m.config_source {
        let _ = writeln!(out, "| configuration | {} |", md(c));
    }
    if let Some(p) = &m.probe {
        let _ = writeln!(out, "| live probe | {} |", md(p));
    }
    let failures = report.gate_failures();
    let _ = writeln!(
        out,
        "| gate | **{}** |\n",
        if failures.is_empty() {
            "pass".to_owned()
        } else {
            format!(
                "fail (points {})",
                failures
                    .iter()
                    .map(|r| r.point.number.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    let counts: Vec<String> = severity_counts(report)
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let _ = writeln!(
        out,
        "Findings: {}. Suppressed: {}.\n",
        if counts.is_empty() {
            "none".to_owned()
        } else {
            counts.join(", ")
        },
        report.suppressed.len()
    );
    let _ = writeln!(
        out,
        "## Checklist\n\n| # | point | status | rules |\n|---|---|---|---|"
    );
    for row in &report.rows {
        let icon = match row.verdict() {
            "pass" | "attested" => "✅",
            "fail" | "missing" | "expired" | "not-checked" => "❌",
            "not-applicable" => "➖",
            _ => "📝",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} {} | {} |",
            row.point.number,
            md(row.point.title),
            icon,
            md(&status_phrase(row)),
            md(&row.rules.join(", "))
        );
    }
    if !report.findings.is_empty() {
        let _ = writeln!(out, "\n## Findings by point\n");
        for row in report.rows.iter().filter(|r| !r.findings.is_empty()) {
            let _ = writeln!(out, "### {}. {}\n", row.point.number, md(row.point.title));
            for &i in &row.findings {
                let f = &report.findings[i];
                let _ = writeln!(
                    out,
                    "- **{}** `{}` {}:{}: {}{}",
                    f.severity,
                    f.rule.id,
                    md(&display_path(&f.path)),
                    f.start.line,
                    md(&f.message),
                    f.help
                        .as_deref()
                        .map(|h| format!(" (fix: {})", md(h)))
                        .unwrap_or_default()
                );
            }
            let _ = writeln!(out);
        }
    }
    if !report.suppressed.is_empty() {
        let _ = writeln!(
            out,
            "\n## Suppressions\n\n| rule | location | reason | until |\n|---|---|---|---|"
        );
        for f in &report.suppressed {
            let s = f.suppression.as_ref().expect("suppressed");
            let _ = writeln!(
                out,
                "| `{}` | {}:{} | {} | {} |",
                f.rule.id,
                md(&display_path(&f.path)),
                f.start.line,
                md(&s.reason),
                md(s.until.as_deref().unwrap_or(""))
            );
        }
    }
    if !report.exceptions.is_empty() {
        let _ = writeln!(out, "\n## Exceptions\n");
        for e in &report.exceptions {
            let _ = writeln!(out, "- {}", md(e));
        }
    }
    out
}
