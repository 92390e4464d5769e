//! Dependency audit (checklist point 8): advisories against the small in-repo database, ignores,
//! database status, malformed input, lock files in git, and an end-to-end run on the real
//! advisory-db snapshot when it is present. Offline: nothing here reaches the network.

use predeploy_rules::rules::deps::{advisory_status, AdvisoryStatus};
use predeploy_rules::{check_paths, Config, Finding, NoteLevel, ScanResult, Severity};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(id: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(id)
}

fn test_db() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/advisory-db")
}

fn scan(dir: &Path, cfg: &Config) -> ScanResult {
    check_paths(&[dir.to_owned()], cfg, &Default::default(), None)
}

fn by_rule<'a>(r: &'a ScanResult, id: &str) -> Vec<&'a Finding> {
    r.findings.iter().filter(|f| f.rule.id == id).collect()
}

fn config_with(text: &str) -> Config {
    Config::from_str_at(text, None).expect("config parses")
}

fn db_config(extra: &str) -> Config {
    config_with(&format!(
        "[advisories]\ndb = {:?}\nmax_age_days = 100000\n{extra}",
        test_db().display().to_string()
    ))
}

#[test]
fn vulnerable_fixture_details() {
    let dir = fixture("vulnerable-dependency");
    let cfg = Config::load_file(&dir.join("predeploy-fixture.toml")).unwrap();
    let r = scan(&dir, &cfg);
    let v = by_rule(&r, "vulnerable-dependency");
    let find = |needle: &str| -> &Finding {
        v.iter()
            .find(|f| f.message.contains(needle))
            .unwrap_or_else(|| panic!("no finding with {needle}: {:#?}", v))
    };
    // Advisory ids, aliases, path, severity from CVSS.
    let smallvec = find("RUSTSEC-2021-0003");
    assert!(smallvec.message.starts_with("smallvec 1.4.0 has a known vulnerability: Buffer overflow in SmallVec::insert_many (RUSTSEC-2021-0003"), "{}", smallvec.message);
    assert!(smallvec.message.contains("CVE-2021-25900"));
    assert!(smallvec.message.contains("GHSA-43w2-9j62-hq99"));
    assert!(smallvec.message.contains("app -> smallvec"));
    assert_eq!(smallvec.severity, Severity::Critical);
    assert!(
        smallvec
            .help
            .as_deref()
            .unwrap()
            .contains("cargo update -p smallvec@1.4.0 --precise 1.6.1"),
        "{:?}",
        smallvec.help
    );
    // Direct dependency: related location at its Cargo.toml line.
    assert_eq!(smallvec.related.len(), 1);
    assert!(smallvec.related[0]
        .path
        .ends_with("vulnerable-dependency/Cargo.toml"));
    assert_eq!(smallvec.related[0].start.line, 9);

    // h2: three advisories without CVSS -> high, in one finding on its entry; transitive through hyper.
    let h2: Vec<_> = v
        .iter()
        .filter(|f| f.message.starts_with("h2 0.3.16"))
        .collect();
    assert_eq!(h2.len(), 1, "{h2:#?}");
    let h2 = h2[0];
    assert!(
        h2.message
            .starts_with("h2 0.3.16 has 3 known vulnerabilities: "),
        "{}",
        h2.message
    );
    for id in [
        "RUSTSEC-2023-0034",
        "RUSTSEC-2024-0003",
        "RUSTSEC-2024-0332",
        "CVE-2023-26964",
    ] {
        assert!(h2.message.contains(id), "{id}: {}", h2.message);
    }
    assert_eq!(h2.severity, Severity::High);
    assert!(
        h2.message.ends_with("; dependency path app -> hyper -> h2"),
        "{}",
        h2.message
    );
    assert!(h2.message.contains("no CVSS score"));
    assert_eq!(h2.related.len(), 1);
    assert_eq!(h2.related[0].start.line, 8, "hyper's declaration");
    assert!(h2.related[0]
        .message
        .contains("`hyper`, declared here, pulls in h2 0.3.16"));
    assert_eq!(h2.start.line, 27, "points at h2's [[package]] entry");
    // The smallest upgrade that fixes all three (0.3.17, ^0.3.24, ^0.3.26).
    assert!(
        h2.help
            .as_deref()
            .unwrap()
            .contains("cargo update -p h2@0.3.16 --precise 0.3.26"),
        "{:?}",
        h2.help
    );

    assert_eq!(find("RUSTSEC-2020-0071").severity, Severity::Medium);
    assert_eq!(find("RUSTSEC-2021-0078").severity, Severity::Medium);
    // Fixed versions and withdrawn advisories are not reported.
    assert!(!v.iter().any(|f| f.message.contains("regex")));
    assert!(!v.iter().any(|f| f.message.contains("smallvec 1.13.2")));
    assert!(!v.iter().any(|f| f.message.contains("tower-http")));

    // The ignored advisory is kept, suppressed, with its reason.
    let chrono = find("RUSTSEC-2020-0159");
    let s = chrono
        .suppression
        .as_ref()
        .expect("suppressed by [advisories] ignore");
    assert_eq!(s.kind, "config");
    assert!(s.reason.contains("localtime_r is not called"));
    assert_eq!(s.until.as_deref(), Some("2099-12-31"));
    assert_eq!(v.iter().filter(|f| f.suppression.is_some()).count(), 1);
    // No database warnings with a present, fresh-enough database.
    assert!(
        !r.notes
            .iter()
            .any(|n| n.message.contains("advisory database")),
        "{:#?}",
        r.notes
    );
}

#[test]
fn status_checked_missing_disabled() {
    let dir = fixture("vulnerable-dependency");
    let cfg = Config::load_file(&dir.join("predeploy-fixture.toml")).unwrap();
    match advisory_status(&cfg) {
        AdvisoryStatus::Checked {
            advisories,
            db_date,
            date_source,
            ..
        } => {
            assert_eq!(advisories, 13);
            // No git checkout and no SNAPSHOT.txt: the newest advisory's date.
            assert_eq!(db_date.as_deref(), Some("2024-04-03"));
            assert_eq!(date_source, "newest advisory");
        }
        other => panic!("{other:?}"),
    }
    let missing = config_with("[advisories]\ndb = \"/nonexistent/advisory-db\"\n");
    assert!(matches!(
        advisory_status(&missing),
        AdvisoryStatus::Missing { .. }
    ));
    let r = scan(&dir, &missing);
    assert!(by_rule(&r, "vulnerable-dependency").is_empty());
    let note = r
        .notes
        .iter()
        .find(|n| n.message.contains("advisory database not found"))
        .expect("a warning when the database is missing");
    assert_eq!(note.level, NoteLevel::Warning);
    assert!(note.message.contains("cargo predeploy db fetch"));
    assert!(note.message.contains("NOT checked"));
    let off = config_with("[advisories]\nenabled = false\n");
    assert_eq!(advisory_status(&off), AdvisoryStatus::Disabled);
}

#[test]
fn old_database_warns_with_its_age() {
    let cfg = config_with(&format!(
        "[advisories]\ndb = {:?}\nmax_age_days = 30\n",
        test_db().display().to_string()
    ));
    let r = scan(&fixture("unsound-dependency"), &cfg);
    let n = r
        .notes
        .iter()
        .find(|n| n.message.contains("days old"))
        .expect("age warning");
    assert_eq!(n.level, NoteLevel::Warning);
    assert!(n.message.contains("dated 2024-04-03"), "{}", n.message);
    assert!(n.message.contains("newest advisory"));
    // Still checked.
    assert_eq!(by_rule(&r, "unsound-dependency").len(), 1);
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const REG: &str = "source = \"registry+https://github.com/rust-lang/crates.io-index\"";

fn small_app(dir: &Path, h2_version: &str) {
    write(
        dir,
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\npublish = false\n\n[dependencies]\nh2 = \"0.3\"\n",
    );
    write(dir, "src/main.rs", "fn main() {}\n");
    write(
        dir,
        "Cargo.lock",
        &format!(
            "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\n \"h2\",\n]\n\n[[package]]\nname = \"h2\"\nversion = \"{h2_version}\"\n{REG}\n"
        ),
    );
}

#[test]
fn fixed_version_is_not_reported_and_direct_dependency_is_related() {
    let tmp = tempfile::tempdir().unwrap();
    small_app(tmp.path(), "0.3.26");
    let r = scan(tmp.path(), &db_config(""));
    assert!(by_rule(&r, "vulnerable-dependency").is_empty());

    let tmp = tempfile::tempdir().unwrap();
    small_app(tmp.path(), "0.3.16");
    let r = scan(tmp.path(), &db_config(""));
    let v = by_rule(&r, "vulnerable-dependency");
    assert_eq!(v.len(), 1);
    assert!(v[0].message.contains("app -> h2"));
    assert!(v[0].related[0]
        .message
        .contains("direct dependency of `app`"));
    assert_eq!(v[0].related[0].start.line, 7);
}

#[test]
fn ignores_by_alias_expired_and_unused() {
    let tmp = tempfile::tempdir().unwrap();
    small_app(tmp.path(), "0.3.16");
    let cfg = db_config(
        "ignore = [\n  { id = \"RUSTSEC-2023-0034\", reason = \"no HTTP/2 server\" },\n  { id = \"RUSTSEC-2024-0003\", reason = \"old\", until = \"2020-01-01\" },\n  { id = \"RUSTSEC-2099-0001\", reason = \"stale\" },\n]\n",
    );
    let r = scan(tmp.path(), &cfg);
    let v = by_rule(&r, "vulnerable-dependency");
    assert_eq!(v.len(), 1);
    // One of three ignored: still reported, without it; the help says it was ignored.
    assert!(v[0].suppression.is_none());
    assert!(
        v[0].message
            .starts_with("h2 0.3.16 has 2 known vulnerabilities"),
        "{}",
        v[0].message
    );
    assert!(!v[0].message.contains("RUSTSEC-2023-0034"));
    assert!(
        v[0].message.contains("RUSTSEC-2024-0003"),
        "an expired ignore no longer applies"
    );
    assert!(v[0]
        .help
        .as_deref()
        .unwrap()
        .contains("Ignored in the configuration: RUSTSEC-2023-0034"));
    assert!(r.notes.iter().any(|n| n
        .message
        .contains("RUSTSEC-2024-0003 expired on 2020-01-01")));
    assert!(r.notes.iter().any(|n| n
        .message
        .contains("RUSTSEC-2099-0001 matches no dependency")));

    // Aliases (GHSA/CVE) match too; all advisories ignored: one suppressed finding with the reasons.
    let cfg = db_config(
        "ignore = [\n  { id = \"GHSA-f8vr-r385-rh5r\", reason = \"a\" },\n  { id = \"RUSTSEC-2024-0003\", reason = \"b\" },\n  { id = \"RUSTSEC-2024-0332\", reason = \"c\", until = \"2099-01-01\" },\n]\n",
    );
    let r = scan(tmp.path(), &cfg);
    let v = by_rule(&r, "vulnerable-dependency");
    assert_eq!(v.len(), 1);
    let s = v[0].suppression.as_ref().expect("all three ignored");
    assert_eq!(
        s.reason,
        "RUSTSEC-2023-0034: a; RUSTSEC-2024-0003: b; RUSTSEC-2024-0332: c"
    );
    assert_eq!(s.until.as_deref(), Some("2099-01-01"));
}

#[test]
fn malformed_lock_and_manifest_are_notes_and_the_scan_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    small_app(tmp.path(), "0.3.16");
    write(
        tmp.path(),
        "Cargo.lock",
        "version = 3\n\n[[package]]\nname = \"app\"\nversion = \n",
    );
    write(tmp.path(), "other/Cargo.toml", "[package\nname = \"x\"\n");
    write(
        tmp.path(),
        "good/Cargo.toml",
        "[package]\nname = \"good\"\nversion = \"0.1.0\"\n\n[dependencies]\nserde = \"*\"\n",
    );
    let r = scan(tmp.path(), &db_config(""));
    let lock_note = r
        .notes
        .iter()
        .find(|n| n.message.starts_with("malformed Cargo.lock"))
        .expect("note for the lock file");
    assert_eq!(lock_note.line, Some(5));
    assert!(lock_note.path.as_ref().unwrap().ends_with("Cargo.lock"));
    let toml_note = r
        .notes
        .iter()
        .find(|n| n.message.starts_with("malformed Cargo.toml"))
        .expect("note for the manifest");
    assert_eq!(toml_note.line, Some(1));
    // The other manifest is still checked.
    assert_eq!(by_rule(&r, "wildcard-dependency-version").len(), 1);
}

fn git(dir: &Path, args: &[&str]) -> bool {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn lockfile_not_tracked_by_git() {
    let tmp = tempfile::tempdir().unwrap();
    if !git(tmp.path(), &["init", "-q"]) {
        eprintln!("SKIPPED: git is not available");
        return;
    }
    small_app(tmp.path(), "0.3.26");
    let cfg = config_with("[advisories]\nenabled = false\n");
    // Untracked.
    let r = scan(tmp.path(), &cfg);
    let m = by_rule(&r, "missing-lockfile");
    assert_eq!(m.len(), 1, "{m:#?}");
    assert!(
        m[0].message.contains("Cargo.lock is not committed to git"),
        "{}",
        m[0].message
    );
    assert_eq!(m[0].start.line, 1);
    // Ignored by .gitignore (the line is named).
    write(tmp.path(), ".gitignore", "/target\nCargo.lock\n");
    let r = scan(tmp.path(), &cfg);
    let m = by_rule(&r, "missing-lockfile");
    assert_eq!(m.len(), 1);
    assert!(
        m[0].message
            .contains("Cargo.lock is ignored by git (.gitignore:2 `Cargo.lock`)"),
        "{}",
        m[0].message
    );
    // Tracked (even though ignored): fine.
    assert!(git(tmp.path(), &["add", "-f", "Cargo.lock"]));
    let r = scan(tmp.path(), &cfg);
    assert!(by_rule(&r, "missing-lockfile").is_empty());
}

#[test]
fn workspace_member_uses_the_root_lockfile() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        d,
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n",
    );
    write(
        d,
        "crates/server/Cargo.toml",
        "[package]\nname = \"server\"\nversion = \"0.1.0\"\npublish = false\n\n[dependencies]\nsmallvec = \"1\"\n",
    );
    write(d, "crates/server/src/main.rs", "fn main() {}\n");
    write(
        d,
        "Cargo.lock",
        &format!("version = 3\n\n[[package]]\nname = \"server\"\nversion = \"0.1.0\"\ndependencies = [\n \"smallvec\",\n]\n\n[[package]]\nname = \"smallvec\"\nversion = \"1.4.0\"\n{REG}\n"),
    );
    let r = scan(d, &db_config(""));
    assert!(
        by_rule(&r, "missing-lockfile").is_empty(),
        "{:#?}",
        r.findings
    );
    let v = by_rule(&r, "vulnerable-dependency");
    assert_eq!(v.len(), 1);
    assert!(v[0].message.contains("server -> smallvec"));
    assert!(v[0].related[0].path.ends_with("crates/server/Cargo.toml"));
    // Without the root lock file, the member binary is reported.
    std::fs::remove_file(d.join("Cargo.lock")).unwrap();
    let r = scan(d, &db_config(""));
    let m = by_rule(&r, "missing-lockfile");
    assert_eq!(m.len(), 1);
    assert!(m[0].path.ends_with("crates/server/Cargo.toml"));
}

/// End to end against the real advisory-db snapshot shipped next to the workspace (skipped when
/// absent).
#[test]
fn real_advisory_db_snapshot() {
    // The snapshot sits next to the main checkout (`../shared/advisory-db` from the workspace
    // root); worktrees one level deeper, or PREDEPLOY_TEST_ADVISORY_DB, also work.
    let candidates: Vec<PathBuf> = std::env::var_os("PREDEPLOY_TEST_ADVISORY_DB")
        .map(PathBuf::from)
        .into_iter()
        .chain([
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../shared/advisory-db"
            )),
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/advisory-db"
            )),
        ])
        .collect();
    let Some(db) = candidates.iter().find(|p| p.join("crates").is_dir()) else {
        eprintln!(
            "SKIPPED: no advisory-db snapshot at {candidates:?} (run `cargo predeploy db fetch` to get one)"
        );
        return;
    };
    let cfg = config_with(&format!(
        "[advisories]\ndb = {:?}\nmax_age_days = 100000\n",
        db.display().to_string()
    ));
    let t = std::time::Instant::now();
    let status = advisory_status(&cfg);
    let AdvisoryStatus::Checked {
        advisories,
        date_source,
        ..
    } = &status
    else {
        panic!("{status:?}");
    };
    eprintln!(
        "real db: {advisories} advisories, dated from {date_source}, loaded in {:?}",
        t.elapsed()
    );
    assert!(*advisories > 500);
    let r = scan(&fixture("vulnerable-dependency"), &cfg);
    let found: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.rule.id.ends_with("-dependency") && f.path.ends_with("Cargo.lock"))
        .collect();
    for f in &found {
        eprintln!(
            "  {} line {}{}: {}",
            f.rule.id,
            f.start.line,
            if f.suppression.is_some() {
                " (suppressed)"
            } else {
                ""
            },
            f.message
        );
    }
    let all: String = found
        .iter()
        .map(|f| f.message.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    // Everything the small database finds, the real one finds too.
    for must in [
        "RUSTSEC-2021-0003",
        "RUSTSEC-2023-0034",
        "RUSTSEC-2024-0003",
        "RUSTSEC-2024-0332",
        "RUSTSEC-2020-0071",
        "RUSTSEC-2021-0078",
        "RUSTSEC-2020-0159",
    ] {
        assert!(all.contains(must), "{must} missing:\n{all}");
    }
    assert!(!all.contains("regex"));
    assert!(!all.contains("smallvec 1.13.2"));
}

/// `fetch_db` mechanics (clone, then update a shallow clone) against a local repository: no
/// network. The database date then comes from the git commit.
#[test]
fn fetch_db_clones_and_updates_a_local_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let upstream = tmp.path().join("upstream");
    std::fs::create_dir_all(&upstream).unwrap();
    if !git(&upstream, &["init", "-q"]) {
        eprintln!("SKIPPED: git is not available");
        return;
    }
    let copy = |from: &Path, to: &Path| {
        for e in walk(from) {
            let rel = e.strip_prefix(from).unwrap();
            let dst = to.join(rel);
            std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
            std::fs::copy(&e, &dst).unwrap();
        }
    };
    copy(&test_db(), &upstream);
    assert!(git(&upstream, &["add", "-A"]));
    assert!(git(&upstream, &["commit", "-q", "-m", "one"]));
    let dest = tmp.path().join("cache/advisory-db");
    let url = format!("file://{}", upstream.display());
    predeploy_rules::rules::deps::advisory_db::fetch_db_from(&url, &dest).unwrap();
    assert!(dest.join("crates/h2/RUSTSEC-2023-0034.md").is_file());
    // A new advisory upstream arrives with the update.
    write(
        &upstream,
        "crates/extra/RUSTSEC-2099-0001.md",
        &std::fs::read_to_string(test_db().join("crates/regex/RUSTSEC-2022-0013.md"))
            .unwrap()
            .replace("RUSTSEC-2022-0013", "RUSTSEC-2099-0001")
            .replace("package = \"regex\"", "package = \"extra\""),
    );
    assert!(git(&upstream, &["add", "-A"]));
    assert!(git(&upstream, &["commit", "-q", "-m", "two"]));
    predeploy_rules::rules::deps::advisory_db::fetch_db_from(&url, &dest).unwrap();
    assert!(dest.join("crates/extra/RUSTSEC-2099-0001.md").is_file());
    let cfg = config_with(&format!(
        "[advisories]\ndb = {:?}\n",
        dest.display().to_string()
    ));
    match advisory_status(&cfg) {
        AdvisoryStatus::Checked {
            date_source,
            age_days,
            advisories,
            ..
        } => {
            assert_eq!(date_source, "git commit");
            assert_eq!(age_days, Some(0));
            assert_eq!(advisories, 14);
        }
        other => panic!("{other:?}"),
    }
    // A non-empty directory that is not a clone is left alone.
    let err =
        predeploy_rules::rules::deps::advisory_db::fetch_db_from(&url, &upstream.join("crates"))
            .unwrap_err();
    assert!(err.contains("not a git checkout"), "{err}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn node_and_python_workspaces_find_the_root_lock_file() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // A non-git directory: only missing files are reported.
    write(
        d,
        "package.json",
        r#"{ "name": "mono", "private": true, "workspaces": ["apps/*"], "devDependencies": { "turbo": "2" } }"#,
    );
    write(d, "pnpm-lock.yaml", "lockfileVersion: '9.0'\n");
    write(
        d,
        "apps/web/package.json",
        r#"{ "name": "web", "private": true, "dependencies": { "next": "14.2.3" } }"#,
    );
    write(
        d,
        "py/pyproject.toml",
        "[project]\nname = \"root\"\n\n[tool.uv.workspace]\nmembers = [\"svc\"]\n",
    );
    write(d, "py/uv.lock", "version = 1\n");
    write(
        d,
        "py/svc/pyproject.toml",
        "[project]\nname = \"svc\"\n\n[tool.uv]\npackage = true\n",
    );
    write(
        d,
        "pdm/pyproject.toml",
        "[project]\nname = \"p\"\n\n[tool.pdm]\ndistribution = false\n",
    );
    let r = scan(d, &config_with("[advisories]\nenabled = false\n"));
    let m = by_rule(&r, "missing-lockfile");
    assert_eq!(m.len(), 1, "{m:#?}");
    assert!(m[0].path.ends_with("pdm/pyproject.toml"));
    assert_eq!(m[0].message, "project managed with pdm has no pdm.lock");
    assert_eq!(m[0].start.line, 4);
}
