//! rustc-style text output:
//!
//! ```text
//! high[sql-string-concat]: SQL text built from non-constant values is passed to `execute`
//!   --> app/db.py:12:20
//!    |
//! 12 |     cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")
//!    |                    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
//!    |
//!    = help: keep the SQL constant and pass values as parameters
//!    = note: CWE-89 · checklist 6 (Input validation and sanitization)
//! ```
//!
//! The source lines are the finding's own snippet (secrets already masked); files are never re-read.

use super::{checklist_label, Report};
use crate::style::Palette;
use predeploy_rules::{Finding, Note, NoteLevel};
use std::fmt::Write;

const TAB: &str = "    ";

pub fn render(report: &Report<'_>, pal: Palette, quiet: bool) -> String {
    let mut out = String::new();
    for f in report.active() {
        finding(&mut out, report, f, pal);
        out.push('\n');
    }
    if quiet {
        return out;
    }
    notes(&mut out, report, pal);
    if !report.scan.notes.is_empty() {
        out.push('\n');
    }
    summary(&mut out, report, pal);
    out
}

fn finding(out: &mut String, report: &Report<'_>, f: &Finding, pal: Palette) {
    let sev = f.severity.as_str();
    let _ = writeln!(
        out,
        "{}{}",
        pal.severity(f.severity, &format!("{sev}[{}]", f.rule.id)),
        pal.bold(&format!(": {}", f.message))
    );
    let path = report.root.display(&f.path);
    let lines = snippet_lines(f);
    let last_no = lines.last().map(|l| l.0).unwrap_or(f.start.line);
    let width = last_no.max(f.start.line).to_string().len();
    let pad = " ".repeat(width);
    let _ = writeln!(
        out,
        "{pad}{} {path}:{}:{}",
        pal.gutter("-->"),
        f.start.line,
        f.start.column
    );
    if !lines.is_empty() {
        let _ = writeln!(out, "{pad} {}", pal.gutter("|"));
        for (no, text) in &lines {
            let shown = text.replace('\t', TAB);
            let _ = writeln!(
                out,
                "{} {} {}",
                pal.gutter(&format!("{no:>width$}")),
                pal.gutter("|"),
                shown.trim_end()
            );
            if let Some((from, to)) = underline(f, *no, text) {
                let _ = writeln!(
                    out,
                    "{pad} {} {}{}",
                    pal.gutter("|"),
                    " ".repeat(from),
                    pal.severity(f.severity, &"^".repeat(to.saturating_sub(from).max(1)))
                );
            }
        }
        let _ = writeln!(out, "{pad} {}", pal.gutter("|"));
    }
    let eq = format!("{pad} {}", pal.gutter("="));
    if let Some(h) = &f.help {
        let _ = writeln!(out, "{eq} {} {h}", pal.bold("help:"));
    }
    let mut facts: Vec<String> = f.rule.cwe_ids().collect();
    facts.push(format!("checklist {}", checklist_label(f.rule.checklist)));
    if f.confidence != f.rule.confidence || f.confidence == predeploy_rules::Confidence::Low {
        facts.push(format!("confidence {}", f.confidence));
    }
    let _ = writeln!(out, "{eq} {} {}", pal.bold("note:"), facts.join(" · "));
    for r in &f.related {
        let _ = writeln!(
            out,
            "{eq} {} {}:{}:{}: {}",
            pal.bold("related:"),
            report.root.display(&r.path),
            r.start.line,
            r.start.column,
            r.message
        );
    }
    if let Some(fix) = &f.fix {
        let _ = writeln!(out, "{eq} {} {}", pal.bold("fix available:"), fix.title);
    }
}

/// The snippet's lines that the finding covers: (1-based line number, text).
fn snippet_lines(f: &Finding) -> Vec<(u32, String)> {
    let Some(s) = &f.snippet else {
        return Vec::new();
    };
    let mut v = Vec::new();
    for (i, line) in s.text.split('\n').enumerate() {
        let no = s.first_line + i as u32;
        if no < f.start.line {
            continue;
        }
        // An end at column 1 of a later line covers nothing on that line.
        if no > f.end.line || (no == f.end.line && no > f.start.line && f.end.column <= 1) {
            break;
        }
        v.push((no, line.trim_end_matches('\r').to_owned()));
    }
    v
}

/// Display columns (0-based, tabs expanded) to underline on line `no`.
fn underline(f: &Finding, no: u32, text: &str) -> Option<(usize, usize)> {
    let chars: Vec<char> = text.trim_end_matches('\r').chars().collect();
    let disp = |col_chars: usize| -> usize {
        chars
            .iter()
            .take(col_chars)
            .map(|c| if *c == '\t' { TAB.len() } else { 1 })
            .sum()
    };
    let len = chars.len();
    let first_non_space = chars.iter().position(|c| !c.is_whitespace()).unwrap_or(len);
    let start = if no == f.start.line {
        (f.start.column as usize).saturating_sub(1).min(len)
    } else {
        first_non_space
    };
    let end = if no == f.end.line {
        (f.end.column as usize).saturating_sub(1).min(len)
    } else {
        len
    };
    if start >= len && end <= start && len > 0 && no != f.start.line {
        return None;
    }
    Some((disp(start), disp(end.max(start))))
}

/// At most this many info notes with the same message are listed one by one; more are grouped
/// into one line (a tree with 1,400 binary files would otherwise bury everything else).
const INFO_GROUP: usize = 3;

/// Warnings and errors one per line; info notes (skipped files) grouped by message when many.
fn notes(out: &mut String, report: &Report<'_>, pal: Palette) {
    let mut count = std::collections::HashMap::<&str, usize>::new();
    for n in &report.scan.notes {
        if n.level == NoteLevel::Info {
            *count.entry(n.message.as_str()).or_default() += 1;
        }
    }
    let mut grouped = std::collections::HashSet::<&str>::new();
    for n in &report.scan.notes {
        let c = count.get(n.message.as_str()).copied().unwrap_or(0);
        if n.level != NoteLevel::Info || c <= INFO_GROUP {
            note(out, report, n, pal);
        } else if grouped.insert(n.message.as_str()) {
            let first = n
                .path
                .as_ref()
                .map(|p| format!(", e.g. {}", report.root.display(p)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{} {} ({c} files{first}; --format json lists each)",
                pal.note("note:"),
                n.message
            );
        }
    }
}

fn note(out: &mut String, report: &Report<'_>, n: &Note, pal: Palette) {
    let label = match n.level {
        NoteLevel::Info => pal.note("note:"),
        NoteLevel::Warning => pal.warning("warning:"),
        NoteLevel::Error => pal.error("error:"),
    };
    let _ = match (&n.path, n.line) {
        (Some(p), Some(l)) => {
            writeln!(out, "{label} {}:{l}: {}", report.root.display(p), n.message)
        }
        (Some(p), None) => writeln!(out, "{label} {}: {}", report.root.display(p), n.message),
        _ => writeln!(out, "{label} {}", n.message),
    };
}

fn summary(out: &mut String, report: &Report<'_>, pal: Palette) {
    let scan = report.scan;
    let active = report.active().count();
    let by: Vec<String> = report
        .by_severity()
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let mut line = format!(
        "scanned {} file{} ({}) in {:.2}s: {} finding{}",
        scan.files_scanned,
        plural(scan.files_scanned),
        human_bytes(scan.bytes_scanned),
        scan.duration.as_secs_f64(),
        active,
        plural(active),
    );
    if !by.is_empty() {
        let _ = write!(line, " ({})", by.join(", "));
    }
    let suppressed = report.suppressed();
    if suppressed > 0 {
        let _ = write!(line, ", {suppressed} suppressed");
    }
    if !scan.notes.is_empty() {
        let _ = write!(
            line,
            ", {} note{}",
            scan.notes.len(),
            plural(scan.notes.len())
        );
    }
    let _ = writeln!(out, "{}", pal.bold(&line));
    let at_or_above = report
        .active()
        .filter(|f| f.severity >= report.fail_on)
        .count();
    if report.failed {
        let _ = writeln!(
            out,
            "{} {at_or_above} finding{} at or above `{}` (--fail-on); see `cargo predeploy explain <rule-id>`",
            pal.error("failed:"),
            plural(at_or_above),
            report.fail_on
        );
    } else if scan.notes.iter().any(|n| n.level == NoteLevel::Error) {
        let _ = writeln!(
            out,
            "{} the scan did not complete; see the errors above",
            pal.error("error:")
        );
    } else {
        let _ = writeln!(
            out,
            "{} no findings at or above `{}`",
            pal.note("ok:"),
            report.fail_on
        );
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

pub fn human_bytes(n: u64) -> String {
    const K: f64 = 1024.0;
    let f = n as f64;
    if f < K {
        format!("{n} B")
    } else if f < K * K {
        format!("{:.1} KiB", f / K)
    } else if f < K * K * K {
        format!("{:.1} MiB", f / K / K)
    } else {
        format!("{:.2} GiB", f / K / K / K)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use predeploy_rules::finding::{LineCol, Snippet};

    fn finding(start: (u32, u32), end: (u32, u32), first_line: u32, text: &str) -> Finding {
        Finding {
            rule: predeploy_rules::registry::by_id("sql-string-concat").expect("rule"),
            path: "./app.py".into(),
            range: 0..1,
            start: LineCol {
                line: start.0,
                column: start.1,
            },
            end: LineCol {
                line: end.0,
                column: end.1,
            },
            message: "m".into(),
            help: None,
            severity: predeploy_rules::Severity::High,
            confidence: predeploy_rules::Confidence::Medium,
            fix: None,
            related: Vec::new(),
            snippet: Some(Snippet {
                first_line,
                text: text.into(),
            }),
            fingerprint: String::new(),
            suppression: None,
            redact: Vec::new(),
        }
    }

    #[test]
    fn single_line_underline_expands_tabs() {
        let f = finding((3, 5), (3, 8), 3, "\tab(xyz)");
        let lines = snippet_lines(&f);
        assert_eq!(lines, vec![(3, "\tab(xyz)".to_string())]);
        // Column 5 is `x`, after the tab (4 columns) and "ab(": display column 4 + 3 = 7.
        assert_eq!(underline(&f, 3, &lines[0].1), Some((7, 10)));
    }

    #[test]
    fn multi_line_ranges_underline_each_line() {
        let text = "cur.execute(\n    \"SELECT \" +\n    name)\nnext()";
        let f = finding((1, 13), (3, 9), 1, text);
        let lines = snippet_lines(&f);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(underline(&f, 1, &lines[0].1), Some((12, 12)));
        assert_eq!(underline(&f, 2, &lines[1].1), Some((4, 15)));
        assert_eq!(underline(&f, 3, &lines[2].1), Some((4, 8)));
        // An end at column 1 of the next line does not show that line.
        let f = finding((1, 1), (2, 1), 1, "abc\ndef");
        assert_eq!(snippet_lines(&f).len(), 1);
    }
}
