//! End-to-end tests of the pre-deployment report, attestations, integrity and the release gate.

mod common;

use common::*;

/// A small project: one SQL injection whose flagged line holds markup, plus a SECURITY.md.
fn app() -> tempfile::TempDir {
    tree(&[
        (
            "app.py",
            b"def f(cur, x):\n    cur.execute(f\"SELECT '<script>alert(1)</script>' FROM t WHERE a = '{x}'\")\n",
        ),
        ("SECURITY.md", b"Report vulnerabilities to security@example.org\n"),
    ])
}

/// A project with nothing to find.
fn clean() -> tempfile::TempDir {
    tree(&[
        (
            "app.py",
            b"def f(cur, x):\n    cur.execute(\"SELECT 1 FROM t WHERE a = %s\", (x,))\n",
        ),
        (
            "SECURITY.md",
            b"Report vulnerabilities to security@example.org\n",
        ),
    ])
}

#[test]
fn text_report_lists_all_25_points() {
    let t = app();
    let r = run_in(t.path(), &["report", "--no-cache"]);
    assert_eq!(
        r.code, 0,
        "without --gate the report itself succeeds: {r:?}"
    );
    for n in 1..=25 {
        assert!(
            r.stdout.contains(&format!("{n:>2}. ")),
            "point {n} missing: {r:?}"
        );
    }
    assert!(r.stdout.contains("fail (1 high)"), "{r:?}");
    assert!(r.stdout.contains("app.py:2:"), "{r:?}");
    assert!(r.stdout.contains("gate: fail"), "{r:?}");
}

#[test]
fn html_report_is_self_contained_and_escapes_snippets() {
    let t = app();
    let out = t.path().join("r.html");
    let r = run_in(
        t.path(),
        &[
            "report",
            "--no-cache",
            "--format",
            "html",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "snippet shown escaped"
    );
    assert!(
        !html.contains("<script>"),
        "no script element may appear in the report"
    );
    for external in ["src=\"http", "href=\"http", "@import", "url("] {
        assert!(
            !html.contains(external),
            "external asset `{external}` in a self-contained report"
        );
    }
    assert!(html.contains("<svg"), "summary chart");
    assert!(html.contains("name=\"viewport\""), "readable on a phone");
    assert!(
        html.trim_end().ends_with("-->"),
        "sealed with an integrity trailer"
    );
}

#[test]
fn markdown_and_json_reports() {
    let t = app();
    let md = run_in(t.path(), &["report", "--no-cache", "--format", "markdown"]);
    assert!(
        md.stdout
            .contains("| 6 | Input validation and sanitization | ❌ fail (1 high)"),
        "{md:?}"
    );
    let js = run_in(t.path(), &["report", "--no-cache", "--format", "json"]);
    let v = js.json();
    assert_eq!(v["rows"].as_array().unwrap().len(), 25);
    assert_eq!(v["rows"][5]["auto"]["status"], "fail");
    assert!(v["integrity"]["sha256"].as_str().unwrap().len() == 64);
}

#[test]
fn signed_report_verifies_and_tampering_is_detected() {
    let t = app();
    let d = t.path();
    assert_eq!(run_in(d, &["keygen", "--out", "signer"]).code, 0);
    for (fmt, file) in [("html", "r.html"), ("json", "r.json"), ("markdown", "r.md")] {
        let r = run_in(
            d,
            &[
                "report",
                "--no-cache",
                "--format",
                fmt,
                "-o",
                file,
                "--sign",
                "signer.key",
            ],
        );
        assert_eq!(r.code, 0, "{r:?}");
        let ok = run_in(d, &["verify", file, "--key", "signer.pub"]);
        assert_eq!(ok.code, 0, "{ok:?}");
        assert!(ok.stdout.contains("signed by the given key"));
        let text = std::fs::read_to_string(d.join(file)).unwrap();
        std::fs::write(d.join(file), text.replacen("high", "low", 1)).unwrap();
        let bad = run_in(d, &["verify", file, "--key", "signer.pub"]);
        assert_eq!(bad.code, 1, "{bad:?}");
        assert!(bad.stdout.contains("modified"), "{bad:?}");
    }
    // A different key does not verify an untampered report.
    assert_eq!(run_in(d, &["keygen", "--out", "other"]).code, 0);
    run_in(
        d,
        &[
            "report",
            "--no-cache",
            "--format",
            "html",
            "-o",
            "s.html",
            "--sign",
            "signer.key",
        ],
    );
    assert_eq!(
        run_in(d, &["verify", "s.html", "--key", "other.pub"]).code,
        1
    );
    // keygen never overwrites a key.
    assert_eq!(run_in(d, &["keygen", "--out", "signer"]).code, 2);
}

#[test]
fn gate_fails_on_findings_and_missing_attestations_then_passes() {
    let t = clean();
    let d = t.path();
    // Clean code, but the manual gates (13, 18, 20, 22, 24) are not attested.
    let r = run_in(d, &["report", "--no-cache", "--gate"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("13, 18, 20, 22, 24"), "{r:?}");
    for p in ["13", "18", "20", "22", "24"] {
        let a = run_in(
            d,
            &[
                "attest",
                p,
                "--by",
                "Ana Ruiz <ana@example.org>",
                "--note",
                "checked",
            ],
        );
        assert_eq!(a.code, 0, "{a:?}");
    }
    assert!(d.join(".predeploy/attestations.toml").is_file());
    let r = run_in(d, &["report", "--no-cache", "--gate"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("attested by Ana Ruiz"), "{r:?}");
    // An attestation older than its validity expires and fails the gate again.
    let a = run_in(
        d,
        &[
            "attest",
            "18",
            "--by",
            "Bo",
            "--date",
            "2020-01-01",
            "--valid-days",
            "30",
        ],
    );
    assert_eq!(a.code, 0);
    // The newest attestation counts: a fresh one from today still holds.
    assert_eq!(run_in(d, &["report", "--no-cache", "--gate"]).code, 0);
    std::fs::write(
        d.join(".predeploy/attestations.toml"),
        "[[attestation]]\npoint = 18\nby = \"Bo\"\ndate = \"2020-01-01\"\nvalid_days = 30\n",
    )
    .unwrap();
    let r = run_in(d, &["report", "--no-cache", "--gate"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("expired on 2020-01-31"), "{r:?}");
    // Which attestations are required is configurable.
    std::fs::write(
        d.join("predeploy.toml"),
        "[report]\nrequired_attestations = []\n",
    )
    .unwrap();
    assert_eq!(run_in(d, &["report", "--no-cache", "--gate"]).code, 0);
    // A finding at or above the threshold fails the gate.
    let t2 = app();
    std::fs::write(
        t2.path().join("predeploy.toml"),
        "[report]\nrequired_attestations = []\n",
    )
    .unwrap();
    assert_eq!(
        run_in(t2.path(), &["report", "--no-cache", "--gate"]).code,
        1
    );
    assert_eq!(
        run_in(
            t2.path(),
            &["report", "--no-cache", "--gate", "--fail-on", "critical"]
        )
        .code,
        0
    );
}

#[test]
fn attest_rejects_bad_input() {
    let t = clean();
    assert_eq!(run_in(t.path(), &["attest", "26", "--by", "x"]).code, 2);
    assert_eq!(
        run_in(
            t.path(),
            &["attest", "18", "--by", "x", "--date", "yesterday"]
        )
        .code,
        2
    );
    let broken = tree(&[(
        ".predeploy/attestations.toml",
        b"[[attestation]]\npoint = \"x\"\n",
    )]);
    let r = run_in(broken.path(), &["report", "--no-cache"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("attestations.toml"), "{r:?}");
}

#[test]
fn dependency_audit_is_not_checked_without_a_database() {
    let t = tree(&[
        ("Cargo.toml", b"[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n"),
        ("src/main.rs", b"fn main() {}\n"),
        ("Cargo.lock", b"version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n"),
        ("SECURITY.md", b"security@example.org\n"),
        ("predeploy.toml", b"[report]\nrequired_attestations = []\n"),
    ]);
    let empty = tempfile::tempdir().unwrap();
    let missing = empty.path().join("no-db-here");
    let r = run_in(
        t.path(),
        &[
            "report",
            "--no-cache",
            "--gate",
            "--advisory-db",
            missing.to_str().unwrap(),
        ],
    );
    assert_eq!(
        r.code, 1,
        "no database: point 8 is not checked and the gate fails: {r:?}"
    );
    assert!(r.stdout.contains("not checked"), "{r:?}");
    assert!(r.stdout.contains("db fetch"), "{r:?}");
    // With the in-repository test database the point is checked.
    let db = repo_root().join("rules/tests/advisory-db");
    let r = run_in(
        t.path(),
        &[
            "report",
            "--no-cache",
            "--gate",
            "--advisory-db",
            db.to_str().unwrap(),
        ],
    );
    assert!(!r.stdout.contains("not checked"), "{r:?}");
    let s = run_in(t.path(), &["db", "status", "--path", db.to_str().unwrap()]);
    assert_eq!(s.code, 0, "{s:?}");
    assert!(s.stdout.contains("advisories"), "{s:?}");
}

#[test]
fn supporting_documents_appear_under_their_points() {
    let t = clean();
    std::fs::create_dir_all(t.path().join("docs")).unwrap();
    std::fs::write(t.path().join("docs/incident-response.md"), "# Plan\n").unwrap();
    std::fs::write(
        t.path().join("predeploy.toml"),
        "[report.documents]\n24 = \"docs/incident-response.md\"\n18 = \"docs/restore-drill.md\"\n",
    )
    .unwrap();
    let r = run_in(t.path(), &["report", "--no-cache"]);
    let row = |n: &str| {
        r.stdout
            .lines()
            .find(|l| l.contains(&format!(" {n}. ")))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        row("24").contains("document: docs/incident-response.md"),
        "{r:?}"
    );
    assert!(
        row("18").contains("missing: docs/restore-drill.md"),
        "{r:?}"
    );
    assert!(row("25").contains("security policy: SECURITY.md"), "{r:?}");
}
