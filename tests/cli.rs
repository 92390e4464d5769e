//! End-to-end tests of the `cargo-predeploy` binary on the sample projects in tests/projects and on
//! small trees written to temporary directories (never into the scanned repository).

mod common;

use common::*;

const SQL: &str = "sql-string-concat";

#[test]
fn vulnerable_app_reports_each_language_and_exits_1() {
    let r = run(&["check", "tests/projects/vulnerable-app"]);
    assert_eq!(r.code, 1, "{r:?}");
    for (path, line) in [
        ("tests/projects/vulnerable-app/api/app.py", 17),
        ("tests/projects/vulnerable-app/web/src/orders.ts", 8),
        ("tests/projects/vulnerable-app/reports/src/main.rs", 5),
    ] {
        assert!(
            r.stdout.contains(&format!("--> {path}:{line}:")),
            "missing {path}:{line}: {r:?}"
        );
    }
    assert_eq!(
        r.stdout.matches("high[sql-string-concat]: ").count(),
        3,
        "{r:?}"
    );
    // rustc-style snippet: the source line, a caret line, help and the CWE/checklist note.
    assert!(r
        .stdout
        .contains("17 |     cur.execute(f\"SELECT id, name FROM users WHERE name = '{name}'\")"));
    assert!(r.stdout.contains("   |                 ^^^^^"), "{r:?}");
    assert!(r.stdout.contains("= help: keep the SQL constant"));
    assert!(r
        .stdout
        .contains("= note: CWE-89 · checklist 6 (Input validation and sanitization)"));
    // The Rust finding points back to where the SQL text was built.
    assert!(r.stdout.contains(
        "= related: tests/projects/vulnerable-app/reports/src/main.rs:4:15: the SQL text is built here"
    ));
    // The parameterized queries and the allowlisted ORDER BY (suppressed with a reason) are not shown.
    assert!(!r.stdout.contains("app.py:24"), "{r:?}");
    assert!(!r.stdout.contains("app.py:33"), "{r:?}");
    // Summary and verdict. (Totals are checked through JSON on this rule's findings: rules added
    // later may find more in this app.)
    let summary = r.stdout.lines().rev().nth(1).unwrap();
    assert!(summary.starts_with("scanned 4 files ("), "{summary}");
    assert!(summary.contains(" high"), "{summary}");
    assert!(summary.ends_with("1 suppressed"), "{summary}");
    let verdict = r.stdout.lines().last().unwrap();
    assert!(verdict.starts_with("failed: "), "{verdict}");
    assert!(
        verdict.contains(" at or above `low` (--fail-on)"),
        "{verdict}"
    );
}

#[test]
fn clean_app_exits_0() {
    let r = run(&["check", "tests/projects/clean-app"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("0 findings"), "{r:?}");
    assert!(r.stdout.contains("ok: no findings at or above `low`"));
}

#[test]
fn cargo_subcommand_argv_form_and_default_check() {
    // `cargo predeploy ARGS` runs `cargo-predeploy predeploy ARGS`.
    let r = run(&["predeploy", "check", "tests/projects/vulnerable-app"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(r.stdout.matches("high[sql-string-concat]").count(), 3);
    // No subcommand: `check` on the current directory.
    let r = run_in(&project("vulnerable-app"), &["predeploy"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("--> api/app.py:17:17"), "{r:?}");
    let r = run_in(&project("clean-app"), &["predeploy", "--format", "json"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.json()["version"], 1);
    // Paths without a subcommand are scanned too.
    let r = run(&["predeploy", "tests/projects/clean-app"]);
    assert_eq!(r.code, 0, "{r:?}");
}

#[test]
fn fail_on_threshold_from_flag_and_config() {
    let r = run(&[
        "check",
        "tests/projects/vulnerable-app",
        "--fail-on",
        "critical",
    ]);
    assert_eq!(r.code, 0, "high findings are below `critical`: {r:?}");
    assert!(
        r.stdout.contains("high[sql-string-concat]"),
        "findings are still shown"
    );
    let r = run(&[
        "check",
        "tests/projects/vulnerable-app",
        "--fail-on",
        "high",
    ]);
    assert_eq!(r.code, 1, "{r:?}");

    let dir = copy_project("vulnerable-app");
    std::fs::write(
        dir.path().join("predeploy.toml"),
        "fail_on = \"critical\"\n",
    )
    .unwrap();
    let r = run_in(dir.path(), &["check"]);
    assert_eq!(r.code, 0, "config fail_on = critical: {r:?}");
    let r = run_in(dir.path(), &["check", "--fail-on", "medium"]);
    assert_eq!(r.code, 1, "the flag overrides the config: {r:?}");
    // A configured severity changes what the threshold sees.
    std::fs::write(
        dir.path().join("predeploy.toml"),
        "fail_on = \"critical\"\n[rules]\nsql-string-concat = \"critical\"\n",
    )
    .unwrap();
    let r = run_in(dir.path(), &["check"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("critical[sql-string-concat]"));
    std::fs::write(
        dir.path().join("predeploy.toml"),
        "[rules]\nsql-string-concat = \"off\"\n",
    )
    .unwrap();
    let r = run_in(dir.path(), &["check"]);
    // Other rule families still report on this app; the disabled rule reports nothing.
    assert!(
        !r.stdout.contains("[sql-string-concat]"),
        "a disabled rule reports nothing: {r:?}"
    );
}

#[test]
fn missing_path_is_a_usage_error() {
    let r = run(&["check", "tests/projects/no-such-app"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .contains("error: path `tests/projects/no-such-app` does not exist"),
        "{r:?}"
    );
    // One good path and one missing: still an error, nothing scanned.
    let r = run(&["check", "tests/projects/clean-app", "missing.py"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stdout.is_empty());
    // Bad flags are usage errors too.
    let r = run(&["check", "--format", "xml"]);
    assert_eq!(r.code, 2, "{r:?}");
    let r = run(&["check", "--exclude", "a/[b", "tests/projects/clean-app"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("--exclude `a/[b` is not a valid glob"),
        "{r:?}"
    );
    let r = run(&["check", "--jobs", "0", "tests/projects/clean-app"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("--jobs must be at least 1"));
}

#[test]
fn json_output_shape() {
    let r = run(&["check", "tests/projects/vulnerable-app", "--format", "json"]);
    assert_eq!(r.code, 1, "{r:?}");
    let v = r.json();
    // Top-level keys, in documented order.
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["version", "tool", "root", "config", "baseline", "findings", "notes", "summary"]
    );
    assert_eq!(v["version"], 1);
    assert_eq!(v["tool"]["name"], "cargo-predeploy");
    assert_eq!(v["root"], "tests/projects/vulnerable-app");
    assert_summary_consistent(&v);
    let findings = of_rule(&v, SQL);
    assert_eq!(findings.len(), 4, "3 reported + 1 suppressed");
    let f = &findings[0];
    assert_eq!(f["rule"], SQL);
    assert_eq!(f["severity"], "high");
    assert_eq!(f["confidence"], "medium");
    assert_eq!(f["cwe"][0], "CWE-89");
    assert_eq!(f["checklist"]["point"], 6);
    assert_eq!(f["path"], "tests/projects/vulnerable-app/api/app.py");
    assert_eq!(f["root_path"], "api/app.py");
    assert_eq!(f["start"]["line"], 17);
    assert_eq!(f["start"]["column"], 17);
    assert!(f["fingerprint"].as_str().unwrap().len() >= 16);
    assert!(f["snippet"]["text"]
        .as_str()
        .unwrap()
        .contains("cur.execute"));
    assert!(f["suppression"].is_null());
    // Sorted by path then position.
    let paths: Vec<(&str, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["root_path"].as_str().unwrap(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    let sup: Vec<_> = findings
        .iter()
        .filter(|f| !f["suppression"].is_null())
        .collect();
    assert_eq!(sup.len(), 1);
    assert_eq!(sup[0]["suppression"]["kind"], "inline");
    assert_eq!(
        sup[0]["suppression"]["reason"],
        "column comes from the ALLOWED_SORT allowlist"
    );
    assert_eq!(sup[0]["suppression"]["line"], 32);
    let sum = &v["summary"];
    assert!(sum["by_severity"]["high"].as_u64().unwrap() >= 3);
    assert_eq!(
        sum["by_severity"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["critical", "high", "medium", "low", "info"]
    );
    assert_eq!(sum["files_scanned"], 4);
    assert_eq!(sum["fail_on"], "low");
    assert_eq!(sum["failed"], true);
    assert!(v["notes"].as_array().unwrap().is_empty(), "{r:?}");

    // Deterministic: a second run is identical but for the duration.
    let mut a = v.clone();
    let mut b = run(&[
        "check",
        "tests/projects/vulnerable-app",
        "--format",
        "json",
        "-j",
        "1",
    ])
    .json();
    a["summary"]["duration_ms"] = 0.into();
    b["summary"]["duration_ms"] = 0.into();
    assert_eq!(a, b);
}

#[test]
fn output_file_and_quiet() {
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("report.json");
    let r = run(&[
        "check",
        "tests/projects/vulnerable-app",
        "--format",
        "json",
        "--output",
        s(&file),
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("wrote JSON report to"), "{r:?}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(active_of(&v, SQL).len(), 3);
    assert_summary_consistent(&v);

    let r = run(&["check", "tests/projects/vulnerable-app", "--quiet"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("high[sql-string-concat]"));
    assert!(
        !r.stdout.contains("scanned"),
        "--quiet drops the summary: {r:?}"
    );

    let r = run(&["check", "tests/projects/clean-app", "-q"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.is_empty(), "{r:?}");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let r = run(&["check", "tests/projects/vulnerable-app"]);
    assert!(!r.stdout.contains('\x1b'), "not a terminal: no colour");
    let r = run(&[
        "check",
        "tests/projects/vulnerable-app",
        "--color",
        "always",
    ]);
    assert!(
        r.stdout
            .contains("\x1b[1;31mhigh[sql-string-concat]\x1b[0m"),
        "{r:?}"
    );
    let out = std::process::Command::new(BIN)
        .args(["check", "tests/projects/vulnerable-app", "--color", "auto"])
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\x1b'));
}

#[test]
fn exclude_and_scan_single_files() {
    let r = run(&[
        "check",
        "tests/projects/vulnerable-app",
        "--exclude",
        "api/**",
        "--exclude",
        "*.rs",
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stdout.matches("high[sql-string-concat]").count(),
        1,
        "{r:?}"
    );
    assert!(r.stdout.contains("web/src/orders.ts"));

    // Files named on the command line: paths shown as given. (Files under a `tests/` directory
    // count as test code, so scan a copy outside the repository's tests/.)
    let a = copy_project("vulnerable-app");
    let b = copy_project("clean-app");
    let r = run_in(
        a.path().parent().unwrap(),
        &[
            "check",
            &format!(
                "{}/api/app.py",
                a.path().file_name().unwrap().to_str().unwrap()
            ),
            s(&b.path().join("api/app.py")),
        ],
    );
    assert_eq!(r.code, 1, "{r:?}");
    let shown = format!(
        "--> {}/api/app.py:17:17",
        a.path().file_name().unwrap().to_str().unwrap()
    );
    assert!(r.stdout.contains(&shown), "{r:?}");
    assert!(r.stdout.contains("scanned 2 files"), "{r:?}");
}

#[test]
fn test_code_is_skipped_unless_included() {
    let dir = tree(&[(
        "tests/test_db.py",
        b"def test_lookup(cur, name):\n    cur.execute(\"SELECT * FROM t WHERE name = '\" + name + \"'\")\n",
    )]);
    let r = run_in(dir.path(), &["check", "--format", "json"]);
    assert!(of_rule(&r.json(), SQL).is_empty(), "{r:?}");
    let r = run_in(dir.path(), &["check", "--include-tests"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("--> tests/test_db.py:2:"), "{r:?}");
}

#[test]
fn baseline_round_trip() {
    let app = copy_project("vulnerable-app");
    let out = tempfile::tempdir().unwrap();
    let baseline = out.path().join("baseline.json");
    let bl = s(&baseline);
    let root = s(app.path());

    let r = run(&["check", root, "--write-baseline", bl]);
    assert_eq!(r.code, 0, "everything current is accepted: {r:?}");
    assert!(r.stderr.contains("wrote baseline"), "{r:?}");
    let text = std::fs::read_to_string(&baseline).unwrap();
    let b: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(b["version"], 1);
    let entries = b["findings"].as_array().unwrap();
    let sql_entries = entries.iter().filter(|e| e["rule"] == SQL).count();
    assert_eq!(
        sql_entries, 3,
        "the inline-suppressed finding is not baselined"
    );
    for e in entries {
        assert_eq!(
            e.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["rule", "path", "fingerprint"],
            "no line numbers or timestamps"
        );
    }
    let mut sorted = entries.clone();
    sorted.sort_by_key(|e| {
        (
            e["rule"].to_string(),
            e["path"].to_string(),
            e["fingerprint"].to_string(),
        )
    });
    assert_eq!(&sorted, entries, "entries are sorted");
    let first_sql = entries.iter().find(|e| e["rule"] == SQL).unwrap();
    assert_eq!(
        first_sql["path"], "api/app.py",
        "paths are relative to the scan root"
    );

    // Writing again gives the same bytes.
    run(&["check", root, "--write-baseline", bl]);
    assert_eq!(std::fs::read_to_string(&baseline).unwrap(), text);

    // Nothing new: exit 0; the findings are carried as suppressed (kind baseline).
    let r = run(&["check", root, "--baseline", bl, "--format", "json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let v = r.json();
    assert_eq!(v["summary"]["findings"], 0);
    assert_summary_consistent(&v);
    let kinds: Vec<&str> = of_rule(&v, SQL)
        .iter()
        .map(|f| f["suppression"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["baseline", "inline", "baseline", "baseline"]);

    // Run from inside the project with no path: same scan root, same fingerprints.
    let r = run_in(app.path(), &["check", "--baseline", bl]);
    assert_eq!(r.code, 0, "{r:?}");

    // Moving code (lines added above it) keeps it baselined.
    let py = app.path().join("api/app.py");
    let original = std::fs::read_to_string(&py).unwrap();
    std::fs::write(&py, format!("# moved down\n\n\n{original}")).unwrap();
    let r = run(&["check", root, "--baseline", bl]);
    assert_eq!(r.code, 0, "moved code stays baselined: {r:?}");

    // Changing the flagged code reports it again.
    std::fs::write(
        &py,
        original.replace("WHERE name = '{name}'\")", "WHERE name LIKE '%{name}%'\")"),
    )
    .unwrap();
    let r = run(&["check", root, "--baseline", bl]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stdout.matches("high[").count(),
        1,
        "only the changed code: {r:?}"
    );
    assert!(r.stdout.contains("high[sql-string-concat]"), "{r:?}");
    assert!(r.stdout.contains("api/app.py:17:17"), "{r:?}");
    assert!(r.stdout.contains("1 finding (1 high), "), "{r:?}");

    // A broken baseline is an error a person can act on.
    std::fs::write(&baseline, "not json").unwrap();
    let r = run(&["check", root, "--baseline", bl]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("is not a cargo-predeploy baseline"),
        "{r:?}"
    );
}

#[test]
fn suppression_comments_need_a_reason_and_expire() {
    let q = "cur.execute(\"SELECT * FROM t WHERE name = '\" + name + \"'\")";
    let dir = tree(&[
        (
            "ok.py",
            format!("def f(cur, name):\n    # predeploy:allow(sql-string-concat) reason=\"name is validated by the caller\" until=2999-01-01\n    {q}\n").as_bytes(),
        ),
        (
            "trailing.py",
            format!("def f(cur, name):\n    {q}  # predeploy:allow(sql-string-concat) reason: admin-only tool\n").as_bytes(),
        ),
    ]);
    let r = run_in(dir.path(), &["check", "--format", "json"]);
    let v = r.json();
    let sql = of_rule(&v, SQL);
    assert_eq!(sql.len(), 2, "{r:?}");
    assert!(active_of(&v, SQL).is_empty(), "both are suppressed: {r:?}");
    let f = &sql[0];
    assert_eq!(
        f["suppression"]["reason"],
        "name is validated by the caller"
    );
    assert_eq!(f["suppression"]["until"], "2999-01-01");
    assert_eq!(sql[1]["suppression"]["reason"], "admin-only tool");

    let dir = tree(&[
        (
            "expired.py",
            format!("def f(cur, name):\n    # predeploy:allow(sql-string-concat) reason=\"temporary\" until=2000-01-01\n    {q}\n").as_bytes(),
        ),
        (
            "noreason.py",
            format!("def f(cur, name):\n    {q}  # predeploy:allow(sql-string-concat)\n").as_bytes(),
        ),
    ]);
    let r = run_in(dir.path(), &["check"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stdout.matches("high[sql-string-concat]").count(),
        2,
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains("warning: expired.py:2: suppression expired on 2000-01-01"),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains("warning: noreason.py:2: suppression has no reason"),
        "{r:?}"
    );
}

#[test]
fn config_errors_name_file_line_and_key() {
    let dir = tree(&[
        ("predeploy.toml", b"# settings\nfail_on = \"severe\"\n"),
        ("app.py", b"x = 1\n"),
    ]);
    let r = run_in(dir.path(), &["check"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains(
            "error: invalid configuration: predeploy.toml:2: fail_on: unknown severity `severe`"
        ),
        "{r:?}"
    );
    assert!(r.stdout.is_empty());

    // Scanned from elsewhere: the path is shown relative to where the command ran.
    let parent = dir.path().parent().unwrap();
    let name = dir.path().file_name().unwrap().to_str().unwrap();
    let r = run_in(parent, &["check", name]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains(&format!("{name}/predeploy.toml:2: fail_on:")),
        "{r:?}"
    );

    // Unknown rule id with a hint; invalid TOML with a line.
    let cfg = tree(&[
        ("bad-rule.toml", b"[rules]\nsql-string-concatt = \"off\"\n"),
        ("bad-toml.toml", b"exclude = [\"a\",\n\nfail_on = 3\n"),
    ]);
    let r = run(&[
        "check",
        "tests/projects/clean-app",
        "--config",
        s(&cfg.path().join("bad-rule.toml")),
    ]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .contains("bad-rule.toml:2: sql-string-concatt: unknown rule id"),
        "{r:?}"
    );
    assert!(
        r.stderr.contains("did you mean `sql-string-concat`?"),
        "{r:?}"
    );
    let r = run(&[
        "check",
        "tests/projects/clean-app",
        "--config",
        s(&cfg.path().join("bad-toml.toml")),
    ]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("bad-toml.toml:"), "{r:?}");
    assert!(r.stderr.contains("invalid TOML"), "{r:?}");
    let r = run(&[
        "check",
        "tests/projects/clean-app",
        "--config",
        "no-such.toml",
    ]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("no-such.toml"), "{r:?}");
}

#[test]
fn rules_lists_every_rule() {
    let r = run(&["rules"]);
    assert_eq!(r.code, 0, "{r:?}");
    let header = r.stdout.lines().next().unwrap();
    for col in [
        "RULE",
        "SEVERITY",
        "CONFIDENCE",
        "CWE",
        "CHECKLIST",
        "LANGUAGES",
    ] {
        assert!(header.contains(col), "{header}");
    }
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with(SQL))
        .expect("sql rule listed");
    for cell in [
        "high",
        "medium",
        "CWE-89",
        "6 (Input validation and sanitization)",
        "python",
    ] {
        assert!(line.contains(cell), "{line}");
    }
    let v = run(&["rules", "--format", "json"]).json();
    let rules = v.as_array().unwrap();
    assert_eq!(rules.len(), predeploy_rules::registry::all().len());
    let sql = rules.iter().find(|r| r["id"] == SQL).unwrap();
    assert_eq!(sql["checklist"], 6);
    assert_eq!(sql["cwe"][0], "CWE-89");
    assert_eq!(sql["severity"], "high");
    assert!(sql["languages"]
        .as_array()
        .unwrap()
        .contains(&"typescript".into()));
    assert!(!sql["summary"].as_str().unwrap().contains('\n'));
}

#[test]
fn explain_shows_the_rule_docs() {
    let r = run(&["explain", SQL]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r
        .stdout
        .starts_with("# sql-string-concat: SQL query built from non-constant strings"));
    for part in [
        "- severity: high",
        "- CWE: CWE-89",
        "- checklist: 6 (Input validation and sanitization)",
        "## What it does",
        "## Why is this bad?",
        "## Use instead",
        "```python",
    ] {
        assert!(r.stdout.contains(part), "missing {part}: {r:?}");
    }
    let r = run(&["explain", "sql-string-concatt"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("unknown rule `sql-string-concatt` (did you mean `sql-string-concat`?)"),
        "{r:?}"
    );
}

#[test]
fn init_writes_a_template_once() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_in(dir.path(), &["init"]);
    assert_eq!(r.code, 0, "{r:?}");
    let path = dir.path().join("predeploy.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("# fail_on = \"low\""));
    // The template is a valid configuration that the scan accepts.
    std::fs::write(dir.path().join("app.py"), "x = 1\n").unwrap();
    let r = run_in(dir.path(), &["check", "--format", "json"]);
    assert_ne!(r.code, 2, "the template is accepted: {r:?}");
    assert_eq!(r.json()["config"], "predeploy.toml");
    // Never overwrites.
    std::fs::write(&path, "fail_on = \"high\"\n").unwrap();
    let r = run_in(dir.path(), &["init"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("already exists"), "{r:?}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "fail_on = \"high\"\n"
    );
}

#[test]
fn help_and_version() {
    let r = run(&["--help"]);
    assert_eq!(r.code, 0);
    for sub in ["check", "rules", "explain", "init"] {
        assert!(r.stdout.contains(sub), "{r:?}");
    }
    assert!(r.stdout.contains("Exit codes"));
    let r = run(&["predeploy", "--version"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn gitignore_default_excludes_and_no_ignore() {
    let q =
        b"def f(cur, name):\n    cur.execute(\"SELECT * FROM t WHERE name = '\" + name + \"'\")\n";
    let dir = tree(&[
        (".gitignore", b"generated/\n"),
        ("app.py", q),
        ("generated/gen.py", q),
        ("node_modules/pkg/index.py", q),
    ]);
    let paths = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["check", "--format", "json"];
        args.extend_from_slice(extra);
        let v = run_in(dir.path(), &args).json();
        active_of(&v, SQL)
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(paths(&[]), ["app.py"]);
    assert_eq!(
        paths(&["--no-ignore"]),
        ["app.py", "generated/gen.py", "node_modules/pkg/index.py"]
    );
}

#[test]
fn config_from_cargo_metadata() {
    let dir = tree(&[
        (
            "Cargo.toml",
            b"[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[package.metadata.predeploy]\nfail_on = \"critical\"\nexclude = [\"scripts/**\"]\n",
        ),
        (
            "scripts/db.py",
            b"def f(cur, name):\n    cur.execute(\"SELECT * FROM t WHERE name = '\" + name + \"'\")\n",
        ),
        (
            "app.py",
            b"def f(cur, name):\n    cur.execute(\"SELECT * FROM t WHERE name = '\" + name + \"'\")\n",
        ),
    ]);
    let r = run_in(dir.path(), &["check", "--format", "json"]);
    let v = r.json();
    assert_eq!(v["config"], "Cargo.toml");
    assert_eq!(v["summary"]["fail_on"], "critical");
    let sql = active_of(&v, SQL);
    assert_eq!(sql.len(), 1, "scripts/ is excluded: {r:?}");
    assert_eq!(sql[0]["path"], "app.py");
}

/// The repository scans itself clean: predeploy.toml excludes the deliberately vulnerable rule
/// fixtures and sample projects. A new rule that fires here has found a bug in this repository
/// or a false positive.
#[test]
fn own_repository_scan_is_clean() {
    let r = run(&["check", ".", "--format", "json"]);
    let v = r.json();
    let found: Vec<String> = active(&v)
        .iter()
        .map(|f| format!("{}:{} {}", f["path"], f["start"]["line"], f["rule"]))
        .collect();
    assert!(found.is_empty(), "findings in this repository: {found:#?}");
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(v["config"], "predeploy.toml");
}
