//! SARIF output: validated against the SARIF 2.1.0 JSON schema, plus the fields GitHub code
//! scanning relies on.

mod common;

use common::*;
use serde_json::Value;

/// The schema lives outside the repository, in `../shared/schemas` (next to the checkout; from a
/// git worktree one level deeper, `../../shared`), or where `PREDEPLOY_SARIF_SCHEMA` points.
/// Without it the validation is skipped with a message, and the content checks still run.
fn schema() -> Option<Value> {
    let mut candidates: Vec<std::path::PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("PREDEPLOY_SARIF_SCHEMA") {
        candidates.push(p.into());
    }
    for up in ["..", "../.."] {
        candidates.push(
            repo_root()
                .join(up)
                .join("shared/schemas/sarif-schema-2.1.0.json"),
        );
    }
    for path in &candidates {
        if let Ok(t) = std::fs::read_to_string(path) {
            return Some(serde_json::from_str(&t).expect("schema is JSON"));
        }
    }
    println!(
        "SKIPPED: SARIF schema validation: sarif-schema-2.1.0.json not found in {candidates:?} \
         (it ships outside the repository; set PREDEPLOY_SARIF_SCHEMA to its path)"
    );
    None
}

/// Results of the rule these tests exercise (rules added later may report more in the same trees).
fn sql_results(run: &Value) -> Vec<&Value> {
    run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "sql-string-concat")
        .collect()
}

fn validate(doc: &Value) {
    let Some(schema) = schema() else { return };
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF is invalid:\n{}",
        errors.join("\n")
    );
}

#[test]
fn vulnerable_app_sarif_is_valid_and_complete() {
    let r = run(&[
        "check",
        "tests/projects/vulnerable-app",
        "--format",
        "sarif",
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    let doc = r.json();
    validate(&doc);
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "cargo-predeploy");
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(
        rules.len(),
        predeploy_rules::registry::all().len(),
        "one entry per rule"
    );
    let (idx, rule) = rules
        .iter()
        .enumerate()
        .find(|(_, r)| r["id"] == "sql-string-concat")
        .unwrap();
    assert_eq!(
        rule["shortDescription"]["text"],
        "SQL query built from non-constant strings"
    );
    assert!(rule["fullDescription"]["text"]
        .as_str()
        .unwrap()
        .starts_with("Flags SQL text"));
    assert!(rule["help"]["markdown"]
        .as_str()
        .unwrap()
        .contains("## Why is this bad?"));
    assert!(rule["helpUri"]
        .as_str()
        .unwrap()
        .ends_with("docs/rules/sql-string-concat.md"));
    let tags: Vec<&str> = rule["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    for t in ["security", "CWE-89", "external/cwe/cwe-89", "checklist-6"] {
        assert!(tags.contains(&t), "{tags:?}");
    }
    for r in rules {
        assert!(r["properties"]["tags"].as_array().unwrap().len() <= 10);
    }
    assert_eq!(rule["properties"]["precision"], "medium");
    assert_eq!(rule["properties"]["security-severity"], "8.0");

    let inv = &run["invocations"][0];
    assert_eq!(inv["executionSuccessful"], true);
    let base = run["originalUriBaseIds"]["SRCROOT"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with("/tests/projects/vulnerable-app/"),
        "{base}"
    );

    let results = sql_results(run);
    assert_eq!(results.len(), 4, "suppressed findings are carried too");
    let first = &results[0];
    assert_eq!(first["ruleId"], "sql-string-concat");
    assert_eq!(first["ruleIndex"], idx);
    assert_eq!(first["level"], "error");
    assert_eq!(first["properties"]["security-severity"], "8.0");
    assert!(first["partialFingerprints"]["predeployFingerprint/v1"].is_string());
    let loc = &first["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "api/app.py");
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "SRCROOT");
    assert_eq!(loc["region"]["startLine"], 17);
    assert_eq!(loc["region"]["startColumn"], 17);
    assert_eq!(loc["region"]["endLine"], 17);
    assert_eq!(loc["region"]["endColumn"], 68);

    let suppressed: Vec<&Value> = results
        .iter()
        .copied()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    let s = &suppressed[0]["suppressions"][0];
    assert_eq!(s["kind"], "inSource");
    assert_eq!(
        s["justification"],
        "column comes from the ALLOWED_SORT allowlist"
    );

    let rust = results
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "reports/src/main.rs"
        })
        .unwrap();
    let rel = &rust["relatedLocations"][0];
    assert_eq!(rel["message"]["text"], "the SQL text is built here");
    assert_eq!(rel["physicalLocation"]["region"]["startLine"], 4);
}

#[test]
fn baseline_and_notes_in_sarif() {
    let app = copy_project("vulnerable-app");
    // Bad input produces notes: a binary file and a Rust syntax error.
    std::fs::write(
        app.path().join("logo.png"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
    )
    .unwrap();
    std::fs::write(app.path().join("reports/src/broken.rs"), "fn main( {\n").unwrap();
    let out = tempfile::tempdir().unwrap();
    let bl = out.path().join("b.json");
    let sarif = out.path().join("out.sarif");
    let r = run(&["check", s(app.path()), "--write-baseline", s(&bl)]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = run(&[
        "check",
        s(app.path()),
        "--baseline",
        s(&bl),
        "--format",
        "sarif",
        "--output",
        s(&sarif),
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    validate(&doc);
    let run = &doc["runs"][0];
    assert!(
        run["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r.get("suppressions").is_some()),
        "everything is baselined or suppressed inline"
    );
    let results = sql_results(run);
    let kinds: Vec<&str> = results
        .iter()
        .map(|r| r["suppressions"][0]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "external").count(),
        3,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "inSource").count(),
        1,
        "{kinds:?}"
    );
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let uris: Vec<&str> = notes
        .iter()
        .map(|n| {
            n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains(&"logo.png"), "{notes:?}");
    assert!(uris.contains(&"reports/src/broken.rs"), "{notes:?}");
    let broken = notes
        .iter()
        .find(|n| {
            n["message"]["text"]
                .as_str()
                .unwrap()
                .contains("Rust syntax error")
        })
        .unwrap();
    assert_eq!(
        broken["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
}

#[test]
fn clean_app_sarif_is_valid_with_no_results() {
    let r = run(&["check", "tests/projects/clean-app", "--format", "sarif"]);
    assert_eq!(r.code, 0, "{r:?}");
    let doc = r.json();
    validate(&doc);
    assert!(doc["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn special_characters_in_paths_are_percent_encoded() {
    let dir = tree(&[(
        "my app/db #1.py",
        b"def f(cur, name):\n    cur.execute(\"SELECT * FROM t WHERE name = '\" + name + \"'\")\n",
    )]);
    let r = run_in(dir.path(), &["check", "--format", "sarif"]);
    assert_eq!(r.code, 1, "{r:?}");
    let doc = r.json();
    validate(&doc);
    assert_eq!(
        sql_results(&doc["runs"][0])[0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"],
        "my%20app/db%20%231.py"
    );
}

/// The validation is not vacuous: a result with an invalid level is rejected.
#[test]
fn schema_rejects_invalid_sarif() {
    let Some(schema) = schema() else { return };
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let mut doc = run(&[
        "check",
        "tests/projects/vulnerable-app",
        "--format",
        "sarif",
    ])
    .json();
    assert!(validator.is_valid(&doc));
    doc["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(
        !validator.is_valid(&doc),
        "an invalid level must fail validation"
    );
}
