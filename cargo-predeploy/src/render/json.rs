//! `--format json`: a versioned, documented schema (docs/json-output.md). Bump [`VERSION`] on any
//! incompatible change (renamed or removed field, changed meaning); adding fields is compatible.

use super::{checklist_label, Report};
use predeploy_rules::{Finding, Note};
use serde_json::{json, Value};

pub const VERSION: u32 = 1;

pub fn render(report: &Report<'_>) -> String {
    let mut s = serde_json::to_string_pretty(&value(report)).expect("json serializes");
    s.push('\n');
    s
}

pub fn value(report: &Report<'_>) -> Value {
    let scan = report.scan;
    let mut by = serde_json::Map::new();
    for (sev, n) in report.by_severity() {
        by.insert(sev.as_str().to_owned(), json!(n));
    }
    json!({
        "version": VERSION,
        "tool": tool(),
        "root": root_display(report),
        "config": report.config_file,
        "baseline": report.baseline_file,
        "findings": scan.findings.iter().map(|f| finding(report, f)).collect::<Vec<_>>(),
        "notes": scan.notes.iter().map(|n| note(report, n)).collect::<Vec<_>>(),
        "summary": {
            "files_scanned": scan.files_scanned,
            "bytes_scanned": scan.bytes_scanned,
            "duration_ms": scan.duration.as_millis() as u64,
            "findings": report.active().count(),
            "by_severity": by,
            "suppressed": report.suppressed(),
            "notes": scan.notes.len(),
            "fail_on": report.fail_on.as_str(),
            "failed": report.failed,
        }
    })
}

pub fn tool() -> Value {
    json!({
        "name": "cargo-predeploy",
        "version": env!("CARGO_PKG_VERSION"),
        "ruleset": predeploy_rules::RULESET_VERSION,
    })
}

fn root_display(report: &Report<'_>) -> String {
    if report.root.prefix.is_empty() {
        ".".into()
    } else {
        report.root.prefix.trim_end_matches('/').to_owned()
    }
}

fn finding(report: &Report<'_>, f: &Finding) -> Value {
    let root = report.root;
    json!({
        "rule": f.rule.id,
        "title": f.rule.title,
        "severity": f.severity.as_str(),
        "confidence": f.confidence.as_str(),
        "cwe": f.rule.cwe_ids().collect::<Vec<_>>(),
        "checklist": {
            "point": f.rule.checklist,
            "title": predeploy_rules::checklist::point(f.rule.checklist).map(|p| p.title),
            "label": checklist_label(f.rule.checklist),
        },
        "path": root.display(&f.path),
        "root_path": root.rel(&f.path),
        "start": {"line": f.start.line, "column": f.start.column},
        "end": {"line": f.end.line, "column": f.end.column},
        "byte_range": [f.range.start, f.range.end],
        "message": f.message,
        "help": f.help,
        "snippet": f.snippet.as_ref().map(|s| json!({"first_line": s.first_line, "text": s.text})),
        "related": f.related.iter().map(|r| json!({
            "path": root.display(&r.path),
            "start": {"line": r.start.line, "column": r.start.column},
            "message": r.message,
        })).collect::<Vec<_>>(),
        "fix": f.fix.as_ref().map(|x| json!({
            "title": x.title,
            "applicability": x.applicability,
            "edits": x.edits.iter().map(|e| json!({
                "byte_range": [e.range.start, e.range.end],
                "replacement": e.replacement,
            })).collect::<Vec<_>>(),
        })),
        "fingerprint": f.fingerprint,
        "suppression": f.suppression.as_ref().map(|s| json!({
            "kind": s.kind,
            "reason": s.reason,
            "line": s.line,
            "until": s.until,
        })),
    })
}

fn note(report: &Report<'_>, n: &Note) -> Value {
    json!({
        "level": n.level,
        "path": n.path.as_ref().map(|p| report.root.display(p)),
        "line": n.line,
        "message": n.message,
    })
}
