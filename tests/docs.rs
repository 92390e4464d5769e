//! Generated documentation stays fresh: docs/rules/<id>.md (the `explain` output of every rule),
//! the checklist table in README.md, and docs/json-output.md (every JSON field documented).
//!
//! After adding or changing a rule, regenerate with:
//!
//! ```text
//! PREDEPLOY_BLESS=1 cargo test -p cargo-predeploy --test docs
//! ```

mod common;

use common::*;
use predeploy_rules::checklist::{Automation, POINTS};
use predeploy_rules::registry;
use std::collections::BTreeSet;

const BLESS: &str = "PREDEPLOY_BLESS=1 cargo test -p cargo-predeploy --test docs";

fn bless() -> bool {
    std::env::var_os("PREDEPLOY_BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Compares `path` with `expected`, or writes it when blessing.
fn check_file(path: &std::path::Path, expected: &str) {
    let actual = std::fs::read_to_string(path).unwrap_or_default();
    if actual == expected {
        return;
    }
    if bless() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, expected).unwrap();
        return;
    }
    panic!(
        "{} is out of date; regenerate it with `{BLESS}`\n--- expected ---\n{expected}",
        path.display()
    );
}

fn rule_page(id: &str) -> String {
    let r = run(&["explain", id]);
    assert_eq!(r.code, 0, "{r:?}");
    format!(
        "<!-- Generated from the rule's source by `{BLESS}`; edit the rule's doc comment instead. -->\n\n{}",
        r.stdout
    )
}

#[test]
fn rule_pages_are_fresh() {
    let dir = repo_root().join("docs/rules");
    let ids: BTreeSet<&str> = registry::all().iter().map(|r| r.id).collect();
    for id in &ids {
        check_file(&dir.join(format!("{id}.md")), &rule_page(id));
    }
    // No page for a rule that no longer exists.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".md") else {
                continue;
            };
            if !ids.contains(id) {
                if bless() {
                    std::fs::remove_file(e.path()).unwrap();
                } else {
                    panic!("docs/rules/{name} documents no registered rule; remove it or run `{BLESS}`");
                }
            }
        }
    }
}

/// The README's "what it checks" table: the 25 points and the rules that exist for each.
fn checklist_table() -> String {
    let mut s =
        String::from("| # | domain | point | automation | rules | a person attests |\n|---|---|---|---|---|---|\n");
    for p in &POINTS {
        let rules: Vec<String> = registry::all()
            .iter()
            .filter(|r| r.checklist == p.number)
            .map(|r| format!("[`{0}`](docs/rules/{0}.md)", r.id))
            .collect();
        let automation = match p.automation {
            Automation::Automated => "automated",
            Automation::Partial => "partly automated",
            Automation::Manual => "manual (attested)",
        };
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            p.number,
            p.domain,
            p.title,
            automation,
            if rules.is_empty() {
                "—".to_string()
            } else {
                rules.join(", ")
            },
            if p.attest.is_empty() { "—" } else { p.attest }
        ));
    }
    s
}

fn replace_between(text: &str, start: &str, end: &str, body: &str) -> String {
    let a = text
        .find(start)
        .unwrap_or_else(|| panic!("README.md lacks the marker {start}"));
    let b = text
        .find(end)
        .unwrap_or_else(|| panic!("README.md lacks the marker {end}"));
    format!("{}{start}\n{body}{}", &text[..a], &text[b..])
}

#[test]
fn readme_checklist_table_is_fresh() {
    let path = repo_root().join("README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let expected = replace_between(
        &text,
        "<!-- checklist:start -->",
        "<!-- checklist:end -->",
        &checklist_table(),
    );
    check_file(&path, &expected);
}

#[test]
fn readme_quick_start_has_two_commands_that_ci_runs() {
    let text = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let qs = &text[text.find("## Quick start").expect("a Quick start section")..];
    let block = qs.split("```").nth(1).expect("a code block");
    let cmds: Vec<&str> = block
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(cmds.len(), 2, "exactly two set-up commands: {cmds:?}");
    assert!(
        cmds[0].contains("tests/projects/vulnerable-app"),
        "{cmds:?}"
    );
    let ci = std::fs::read_to_string(repo_root().join(".ci/run")).unwrap();
    assert!(ci.contains("set -euo pipefail"));
    assert!(
        ci.contains(cmds[1]),
        ".ci/run must run the README's test command `{}`",
        cmds[1]
    );
}

/// Every key that appears in JSON output is documented (as `key`) in docs/json-output.md.
#[test]
fn json_output_is_documented() {
    let doc = std::fs::read_to_string(repo_root().join("docs/json-output.md")).unwrap();
    let app = copy_project("vulnerable-app");
    std::fs::write(app.path().join("logo.png"), b"\x89PNG\0\0").unwrap();
    let r = run(&["check", s(app.path()), "--format", "json"]);
    let v = r.json();
    let mut keys = BTreeSet::new();
    collect_keys(&v, &mut keys);
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !doc.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/json-output.md does not document {missing:?}"
    );
    assert!(
        doc.contains("\"version\": 1"),
        "the doc shows the schema version"
    );
}

fn collect_keys(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                // by_severity is keyed by severity names, documented as a group.
                if k == "by_severity" {
                    out.insert(k.clone());
                    continue;
                }
                out.insert(k.clone());
                collect_keys(v, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_keys(x, out)),
        _ => {}
    }
}

/// Every `toml` example in the README is a valid configuration.
#[test]
fn readme_toml_examples_are_valid_configuration() {
    let text = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let blocks: Vec<&str> = text
        .split("```toml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert!(!blocks.is_empty(), "README has a toml example");
    for b in blocks {
        predeploy_rules::Config::from_str_at(b, None)
            .unwrap_or_else(|e| panic!("README toml example is invalid: {e}\n{b}"));
    }
}

/// JSON output validates against the machine-readable schema in docs/json-output.schema.json,
/// for a report with findings, suppressions (inline and baseline), related locations and notes.
#[test]
fn json_output_matches_its_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("docs/json-output.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let app = copy_project("vulnerable-app");
    std::fs::write(app.path().join("logo.png"), b"\x89PNG\0\0").unwrap();
    std::fs::write(app.path().join("broken.rs"), "fn main( {\n").unwrap();
    let out = tempfile::tempdir().unwrap();
    let bl = out.path().join("b.json");
    let root = s(app.path());
    // Baseline one file's findings only, so both kinds of suppression appear.
    let r = run(&[
        "check",
        root,
        "--exclude",
        "web/**",
        "--write-baseline",
        s(&bl),
    ]);
    assert_ne!(r.code, 2, "{r:?}");
    let r = run(&["check", root, "--baseline", s(&bl), "--format", "json"]);
    let v = r.json();
    let kinds: BTreeSet<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["suppression"]["kind"].as_str())
        .collect();
    assert_eq!(kinds, BTreeSet::from(["baseline", "inline"]), "{r:?}");
    assert!(!active(&v).is_empty());
    assert!(!v["notes"].as_array().unwrap().is_empty());
    let errors: Vec<String> = validator
        .iter_errors(&v)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "JSON output does not match its schema:\n{}",
        errors.join("\n")
    );
    // The schema is not vacuous.
    let mut bad = v.clone();
    bad["findings"][0]["severity"] = "severe".into();
    assert!(!validator.is_valid(&bad));
}
