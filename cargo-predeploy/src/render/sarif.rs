//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
//!
//! One `rules[]` entry per registered rule; results carry rule index, level, region (columns in
//! Unicode code points, declared with `columnKind`), related locations, a content fingerprint and
//! `security-severity`. Suppressed findings are kept with `suppressions` (inline comments are
//! `inSource`, baseline entries `external`). Engine notes become tool execution notifications.
//! URIs are relative to the scan root, declared as `%SRCROOT%` in `originalUriBaseIds`.

use super::Report;
use crate::paths::{encode_uri_path, file_uri};
use predeploy_rules::{Finding, Note, NoteLevel, RuleMeta, Severity};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::Path;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const BASE: &str = "SRCROOT";

pub fn render(report: &Report<'_>) -> String {
    let mut s = serde_json::to_string_pretty(&value(report)).expect("sarif serializes");
    s.push('\n');
    s
}

pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn precision(r: &RuleMeta) -> &'static str {
    r.confidence.as_str()
}

/// Rule tags: `security`, CWE ids in both spellings GitHub understands, the checklist point.
/// At most 10 (GitHub shows no more).
pub fn tags(r: &RuleMeta) -> Vec<String> {
    let mut t = vec!["security".to_string()];
    for c in r.cwe {
        t.push(format!("CWE-{c}"));
        t.push(format!("external/cwe/cwe-{c}"));
    }
    t.insert(1.min(t.len()), format!("checklist-{}", r.checklist));
    t.truncate(10);
    t
}

fn rule(r: &RuleMeta) -> Value {
    json!({
        "id": r.id,
        "name": r.id,
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": super::summary_line(r)},
        "help": {"text": super::rule_docs(r), "markdown": super::rule_docs(r)},
        "helpUri": r.help_uri(),
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {
            "tags": tags(r),
            "precision": precision(r),
            "security-severity": r.severity.security_severity(),
            "problem.severity": match r.severity {
                Severity::Critical | Severity::High => "error",
                Severity::Medium => "warning",
                _ => "recommendation",
            },
            "checklist": r.checklist,
            "languages": r.languages.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
        }
    })
}

fn artifact(report: &Report<'_>, path: &Path) -> Value {
    let s = crate::paths::slash(path);
    if s.starts_with("https://") || s.starts_with("http://") || s.starts_with("tls://") {
        // Live probe observations are located at the URL that was requested.
        return json!({"uri": s});
    }
    if report.root.is_inside(path) {
        json!({"uri": encode_uri_path(&report.root.rel(path)), "uriBaseId": BASE})
    } else {
        let abs = crate::paths::absolute(path);
        json!({"uri": file_uri(&abs, false)})
    }
}

fn result(report: &Report<'_>, f: &Finding, index: &HashMap<&str, usize>) -> Value {
    let mut region = json!({
        "startLine": f.start.line,
        "startColumn": f.start.column,
        "endLine": f.end.line,
        "endColumn": f.end.column,
    });
    if let Some(s) = &f.snippet {
        // Only the lines of the finding, never a secret (snippets are masked by the engine).
        region["snippet"] = json!({"text": s.text});
    }
    let mut msg = f.message.clone();
    if let Some(h) = &f.help {
        msg.push_str(&format!("\nhelp: {h}"));
    }
    let mut v = json!({
        "ruleId": f.rule.id,
        "level": level(f.severity),
        "message": {"text": msg},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact(report, &f.path),
                "region": region,
            }
        }],
        "partialFingerprints": {"predeployFingerprint/v1": f.fingerprint},
        "properties": {
            "security-severity": f.severity.security_severity(),
            "severity": f.severity.as_str(),
            "confidence": f.confidence.as_str(),
            "checklist": f.rule.checklist,
        }
    });
    if let Some(i) = index.get(f.rule.id) {
        v["ruleIndex"] = json!(i);
    }
    if !f.related.is_empty() {
        v["relatedLocations"] = Value::Array(
            f.related
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    json!({
                        "id": i,
                        "physicalLocation": {
                            "artifactLocation": artifact(report, &r.path),
                            "region": {"startLine": r.start.line, "startColumn": r.start.column},
                        },
                        "message": {"text": r.message},
                    })
                })
                .collect(),
        );
    }
    if let Some(s) = &f.suppression {
        let kind = if s.kind == "baseline" || s.kind == "config" {
            "external"
        } else {
            "inSource"
        };
        let mut sup = json!({"kind": kind, "status": "accepted", "justification": s.reason});
        if let Some(line) = s.line {
            sup["location"] = json!({
                "physicalLocation": {
                    "artifactLocation": artifact(report, &f.path),
                    "region": {"startLine": line},
                }
            });
        }
        if let Some(u) = &s.until {
            sup["properties"] = json!({"until": u});
        }
        v["suppressions"] = json!([sup]);
    }
    v
}

fn notification(report: &Report<'_>, n: &Note) -> Value {
    let mut v = json!({
        "level": match n.level {
            NoteLevel::Info => "note",
            NoteLevel::Warning => "warning",
            NoteLevel::Error => "error",
        },
        "message": {"text": n.message},
    });
    if let Some(p) = &n.path {
        let mut loc = json!({"artifactLocation": artifact(report, p)});
        if let Some(l) = n.line {
            loc["region"] = json!({"startLine": l.max(1)});
        }
        v["locations"] = json!([{"physicalLocation": loc}]);
    }
    v
}

pub fn value(report: &Report<'_>) -> Value {
    let rules = predeploy_rules::registry::all();
    let index: HashMap<&str, usize> = rules.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let results: Vec<Value> = report
        .scan
        .findings
        .iter()
        .map(|f| result(report, f, &index))
        .collect();
    let errors = report
        .scan
        .notes
        .iter()
        .any(|n| n.level == NoteLevel::Error);
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "cargo-predeploy",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "version": predeploy_rules::RULESET_VERSION,
                    "informationUri": predeploy_rules::REPOSITORY_URL,
                    "rules": rules.iter().map(|r| rule(r)).collect::<Vec<_>>(),
                }
            },
            "invocations": [{
                "executionSuccessful": !errors,
                "toolExecutionNotifications": report.scan.notes.iter().map(|n| notification(report, n)).collect::<Vec<_>>(),
            }],
            "originalUriBaseIds": {
                BASE: {"uri": file_uri(&report.root.abs, true)}
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "filesScanned": report.scan.files_scanned,
                "failOn": report.fail_on.as_str(),
            }
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_capped_and_ordered() {
        let r = predeploy_rules::registry::by_id("sql-string-concat").expect("rule exists");
        let t = tags(r);
        assert_eq!(t[0], "security");
        assert!(t.contains(&"CWE-89".to_string()));
        assert!(t.contains(&"external/cwe/cwe-89".to_string()));
        assert!(t.contains(&"checklist-6".to_string()));
        assert!(t.len() <= 10);
    }
}
