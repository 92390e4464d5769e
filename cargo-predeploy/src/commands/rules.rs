//! `cargo predeploy rules`: every rule with its id, severity, confidence, CWE, checklist point
//! and languages.

use crate::args::{ListFormat, RulesArgs};
use crate::render::checklist_label;
use crate::Status;
use predeploy_rules::registry;
use serde_json::json;
use std::fmt::Write as _;
use std::io::Write;

pub fn run(args: RulesArgs) -> anyhow::Result<Status> {
    let rules = registry::all();
    let text = match args.format {
        ListFormat::Json => {
            let v: Vec<_> = rules
                .iter()
                .map(|r| {
                    json!({
                        "id": r.id,
                        "title": r.title,
                        "severity": r.severity.as_str(),
                        "confidence": r.confidence.as_str(),
                        "cwe": r.cwe_ids().collect::<Vec<_>>(),
                        "checklist": r.checklist,
                        "checklist_title": predeploy_rules::checklist::point(r.checklist).map(|p| p.title),
                        "languages": r.languages.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
                        "fix": r.fix,
                        "summary": crate::render::summary_line(r),
                        "help_uri": r.help_uri(),
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&v)?;
            s.push('\n');
            s
        }
        ListFormat::Human => table(),
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
    Ok(Status::Ok)
}

fn table() -> String {
    let rows: Vec<[String; 6]> = registry::all()
        .iter()
        .map(|r| {
            [
                r.id.to_owned(),
                r.severity.as_str().to_owned(),
                r.confidence.as_str().to_owned(),
                r.cwe_ids().collect::<Vec<_>>().join(","),
                checklist_label(r.checklist),
                r.languages
                    .iter()
                    .map(|l| l.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ]
        })
        .collect();
    let header = [
        "RULE",
        "SEVERITY",
        "CONFIDENCE",
        "CWE",
        "CHECKLIST",
        "LANGUAGES",
    ];
    let mut width = header.map(str::len);
    for row in &rows {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &[&str]| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                let _ = write!(l, "{:<w$}  ", c, w = width[i]);
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut out, &header);
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        line(&mut out, &cells);
    }
    let _ = writeln!(
        out,
        "\n{} rules. `cargo predeploy explain <rule>` shows a rule's documentation.",
        rows.len()
    );
    out
}
