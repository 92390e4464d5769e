//! Engine behaviour: cache, shards, git-aware file selection, and bad input.

use predeploy_rules::cache::Cache;
use predeploy_rules::engine::{check_paths, check_source, ScanOptions};
use predeploy_rules::{Config, NoteLevel};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const VULN_PY: &str =
    "def f(cur, name):\n    cur.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n";
const VULN_TS: &str =
    "export const g = (db: any, id: string) => db.query(`SELECT * FROM t WHERE id = ${id}`);\n";

fn tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for i in 0..12 {
        std::fs::write(d.path().join(format!("m{i}.py")), VULN_PY).unwrap();
    }
    std::fs::write(d.path().join("app.ts"), VULN_TS).unwrap();
    std::fs::write(d.path().join("clean.py"), "print('hello')\n").unwrap();
    d
}

fn summary(r: &predeploy_rules::ScanResult) -> Vec<(PathBuf, u32, String, String)> {
    r.findings
        .iter()
        .map(|f| {
            (
                f.path.clone(),
                f.start.line,
                f.rule.id.to_owned(),
                f.fingerprint.clone(),
            )
        })
        .collect()
}

#[test]
fn cache_gives_identical_results_and_survives_corruption() {
    let t = tree();
    let cache_dir = tempfile::tempdir().unwrap();
    let cfg = Config::default();
    let roots = vec![t.path().to_owned()];
    // Per-file results are what the cache holds; project checks are not cached.
    let base = ScanOptions {
        skip_project_checks: true,
        ..Default::default()
    };
    let plain = check_paths(&roots, &cfg, &base, None);
    assert_eq!(plain.findings.len(), 13);
    let cache = Arc::new(Cache::new(cache_dir.path().to_owned(), &cfg));
    let opts = ScanOptions {
        cache: Some(cache.clone()),
        ..base.clone()
    };
    let cold = check_paths(&roots, &cfg, &opts, None);
    let warm = check_paths(&roots, &cfg, &opts, None);
    assert_eq!(summary(&plain), summary(&cold));
    assert_eq!(summary(&plain), summary(&warm));
    // Corrupt every cache entry: results stay right.
    let mut corrupted = 0;
    for e in walk(cache_dir.path()) {
        std::fs::write(&e, b"{not json").unwrap();
        corrupted += 1;
    }
    assert!(corrupted >= 13, "cache entries were written ({corrupted})");
    let after = check_paths(&roots, &cfg, &opts, None);
    assert_eq!(summary(&plain), summary(&after));
    // A changed file is re-checked, not served stale.
    std::fs::write(t.path().join("m0.py"), "print('fixed')\n").unwrap();
    let changed = check_paths(&roots, &cfg, &opts, None);
    assert_eq!(changed.findings.len(), 12);
    // A different configuration does not reuse entries made under another.
    let mut off = Config::default();
    off.rules.insert(
        "sql-string-concat".into(),
        predeploy_rules::config::RuleSetting {
            level: predeploy_rules::config::RuleLevel::Off,
            options: Default::default(),
        },
    );
    let cache_off = Arc::new(Cache::new(cache_dir.path().to_owned(), &off));
    let r = check_paths(
        &roots,
        &off,
        &ScanOptions {
            cache: Some(cache_off),
            ..base
        },
        None,
    );
    assert!(r.findings.is_empty());
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn shards_partition_the_files() {
    let t = tree();
    let cfg = Config::default();
    let roots = vec![t.path().to_owned()];
    let full = check_paths(&roots, &cfg, &ScanOptions::default(), None);
    let mut union = Vec::new();
    let mut files = 0;
    for k in 1..=3 {
        let r = check_paths(
            &roots,
            &cfg,
            &ScanOptions {
                shard: Some((k, 3)),
                ..Default::default()
            },
            None,
        );
        files += r.files_scanned;
        union.extend(summary(&r));
    }
    union.sort();
    let mut want = summary(&full);
    want.sort();
    assert_eq!(union, want);
    assert_eq!(files, full.files_scanned);
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.org",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok, "git {args:?}");
}

#[test]
fn changed_and_staged_files() {
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("skipped: git is not installed");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q"]);
    std::fs::write(d.join("a.py"), "print(1)\n").unwrap();
    std::fs::write(d.join("b.py"), "print(2)\n").unwrap();
    git(d, &["add", "."]);
    git(d, &["commit", "-qm", "base"]);
    std::fs::write(d.join("b.py"), VULN_PY).unwrap();
    std::fs::write(d.join("c.py"), "print(3)\n").unwrap();
    let changed = predeploy_rules::git::changed_since(d, "HEAD").unwrap();
    let names: Vec<String> = changed
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["b.py", "c.py"]);
    // Staged content is what gets committed, not the work tree.
    git(d, &["add", "b.py"]);
    std::fs::write(d.join("b.py"), "print('fixed in the work tree only')\n").unwrap();
    let staged = predeploy_rules::git::staged(d).unwrap();
    assert_eq!(staged.len(), 1);
    assert!(staged[0].1.contains("SELECT"));
    let r = check_source(&staged[0].0, &staged[0].1, &Config::default());
    assert_eq!(r.findings.len(), 1);
    assert_eq!(
        predeploy_rules::git::show(d, "HEAD", &d.join("b.py")).as_deref(),
        Some("print(2)\n")
    );
    let (commit, dirty) = predeploy_rules::git::head(d).unwrap();
    assert_eq!(commit.len(), 40);
    assert!(dirty);
    assert!(predeploy_rules::git::changed_since(
        &std::env::temp_dir().join("no-such-dir-xyz"),
        "HEAD"
    )
    .is_err());
}

#[test]
fn deep_nesting_never_overflows() {
    let cfg = Config::default();
    let n = 10_000;
    let deep = format!("{}1{}", "(".repeat(n), ")".repeat(n));
    for (name, text) in [
        ("deep.rs", format!("fn f() {{ let x = {deep}; }}\n")),
        ("deep.ts", format!("const x = {deep};\n")),
        (
            "deep.js",
            format!("const x = {};\n", "[".repeat(n) + &"]".repeat(n)),
        ),
        ("deep.py", format!("x = {deep}\n")),
    ] {
        let r = check_source(Path::new(name), &text, &cfg);
        assert!(r.findings.is_empty(), "{name}");
        if name.ends_with(".rs") {
            assert!(
                r.notes.iter().any(|n| n.message.contains("nesting")),
                "{name}: {:?}",
                r.notes
            );
        }
    }
    // Long flat chains are not nesting in the source but are deep syntax trees.
    let chain = format!(
        "fn f(a: &str) -> String {{ let q = String::new(){}; q }}\n",
        " + a".repeat(20_000)
    );
    let r = check_source(Path::new("chain.rs"), &chain, &cfg);
    assert!(
        r.notes.iter().all(|n| n.level != NoteLevel::Error),
        "{:?}",
        r.notes
    );
    let js_chain = format!(
        "const q = \"SELECT * FROM t WHERE a = \"{};\ndb.query(q);\n",
        " + a".repeat(20_000)
    );
    let r = check_source(Path::new("chain.js"), &js_chain, &cfg);
    assert!(
        r.notes.iter().any(|n| n.message.contains("levels deep")),
        "{:?}",
        r.notes
    );
    // Deep nesting in JS/TS and Python is reported, not silently dropped.
    let r = check_source(Path::new("deep.py"), &format!("x = {deep}\n"), &cfg);
    assert!(
        r.notes.iter().any(|n| n.message.contains("levels deep")),
        "{:?}",
        r.notes
    );
}

#[test]
fn syntax_errors_are_notes_and_scanning_goes_on() {
    let cfg = Config::default();
    let r = check_source(Path::new("broken.rs"), "fn main( {", &cfg);
    assert!(r
        .notes
        .iter()
        .any(|n| n.message.contains("Rust syntax error") && n.line.is_some()));
    // tree-sitter recovers: the valid part is still checked.
    let py = "def broken(:\n    pass\n\ndef f(cur, name):\n    cur.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n";
    let r = check_source(Path::new("broken.py"), py, &cfg);
    assert_eq!(r.findings.len(), 1);
    let r = check_source(Path::new("empty.ts"), "", &cfg);
    assert!(r.findings.is_empty());
}

#[test]
fn test_code_is_judged_relative_to_the_scan_root() {
    // A project that itself lives under a `tests/` directory: its files are not test code.
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("tests").join("app");
    std::fs::create_dir_all(root.join("tests")).unwrap();
    std::fs::write(root.join("views.py"), VULN_PY).unwrap();
    std::fs::write(root.join("tests").join("test_views.py"), VULN_PY).unwrap();
    let opts = ScanOptions {
        skip_project_checks: true,
        ..Default::default()
    };
    let r = check_paths(&[root.clone()], &Config::default(), &opts, None);
    let flagged: Vec<_> = r
        .findings
        .iter()
        .map(|f| f.path.strip_prefix(&root).unwrap().to_owned())
        .collect();
    assert_eq!(flagged, vec![PathBuf::from("views.py")]);
}

/// Incremental parsing (the language server's path) gives exactly the findings of a fresh parse,
/// edit after edit, including edits that break and repair the syntax and multi-byte text.
#[test]
fn incremental_checks_match_full_checks() {
    use predeploy_rules::engine::check_source_incremental;
    use predeploy_rules::FileKind;
    let cfg = Config::default();
    let py_versions = [
        "def f(cur, name):\n    cur.execute(\"SELECT 1\")\n",
        "def f(cur, name):\n    cur.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n",
        "def f(cur, name):\n    cur.execute(f\"SELECT * FROM users WHERE name = '{name}'\"\n",
        "# é😀 comment\ndef f(cur, name):\n    q = \"SELECT * FROM t WHERE a = '\" + name + \"'\"\n    cur.execute(q)\n",
        "# é😀 comment\ndef f(cur, name):\n    cur.execute(\"SELECT * FROM t WHERE a = %s\", (name,))\n",
        "",
        "def g(c, x):\n    c.executescript(\"DROP TABLE \" + x)\n",
    ];
    let ts_versions = [
        "export const g = (db: any, id: string) => db.query(\"SELECT 1\");\n",
        "export const g = (db: any, id: string) => db.query(`SELECT * FROM t WHERE id = ${id}`);\n",
        "export const g = (db: any, id: string) => db.query(`SELECT * FROM t WHERE id = ${id`);\n",
        "// ünïcode\nexport const g = (db: any, id: string) => db.query(`SELECT * FROM t WHERE id = ${id}`);\n",
    ];
    for (name, kind, versions) in [
        ("app.py", FileKind::Python, &py_versions[..]),
        ("app.ts", FileKind::TypeScript, &ts_versions[..]),
    ] {
        let mut cache = None;
        // Forward and then backward through the versions: every pair of neighbours is an edit.
        let order: Vec<&str> = versions
            .iter()
            .chain(versions.iter().rev())
            .copied()
            .collect();
        for text in order {
            let inc = check_source_incremental(Path::new(name), text, kind, &cfg, &mut cache);
            let full = check_source(Path::new(name), text, &cfg);
            let key = |r: &predeploy_rules::FileResult| -> Vec<(String, std::ops::Range<usize>)> {
                r.findings
                    .iter()
                    .map(|f| (f.rule.id.to_owned(), f.range.clone()))
                    .collect()
            };
            assert_eq!(key(&inc), key(&full), "{name} after editing to:\n{text}");
        }
    }
}

/// The route-protection pass takes its facts from the file pass for the files it parsed, and
/// parses the others itself (files the cache answered): cold, warm and partly warm scans of an
/// app whose routes are protected (or not) from other modules report the same.
#[test]
fn project_facts_from_the_file_pass_or_the_cache_agree() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/unchecked-handler");
    let ws = tempfile::tempdir().unwrap();
    for app in [
        "flask-factory",
        "express-fnmount",
        "fastify-plugins",
        "flask-guarded",
    ] {
        copy_dir(&src.join(app), &ws.path().join(app));
    }
    let cfg = Config::default();
    let roots = vec![ws.path().to_owned()];
    let scan = |cache: Option<Arc<Cache>>| scan_findings(&roots, &cfg, cache, |_| true);
    let plain = scan(None);
    let cross_file = plain
        .iter()
        .filter(|f| f.2 == "unchecked-handler" && f.0.to_string_lossy().contains("views.py"))
        .count();
    assert!(
        cross_file >= 3,
        "blueprint routes judged across files: {plain:#?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let cache = Arc::new(Cache::new(dir.path().to_owned(), &cfg));
    assert_eq!(scan(Some(cache.clone())), plain, "cold cache");
    assert_eq!(scan(Some(cache.clone())), plain, "warm cache");
    // One module changes (a comment at its end): it is parsed, the others come from the cache.
    let views = ws.path().join("flask-factory/shop/orders/views.py");
    let mut text = std::fs::read_to_string(&views).unwrap();
    text.push_str("# edited\n");
    std::fs::write(&views, text).unwrap();
    assert_eq!(scan(Some(cache)), plain, "partly warm cache");
}

/// The logging and error-tracking checks read what the file pass gathered from the files it
/// parsed, and walk the files the cache answered: both give the same findings.
#[test]
fn monitoring_facts_from_the_file_pass_or_the_cache_agree() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let ws = tempfile::tempdir().unwrap();
    let mut roots = Vec::new();
    for app in [
        "logging-not-configured",
        "error-tracking-missing",
        "unchecked-handler/flask-factory",
        "unchecked-handler/express-fnmount",
    ] {
        let to = ws.path().join(app.replace('/', "-"));
        copy_dir(&fixtures.join(app), &to);
        roots.push(to);
    }
    let cfg = Config::default();
    let scan = |cache: Option<Arc<Cache>>| {
        scan_findings(&roots, &cfg, cache, |id| {
            matches!(id, "logging-not-configured" | "error-tracking-missing")
        })
    };
    let plain = scan(None);
    for rule in ["logging-not-configured", "error-tracking-missing"] {
        assert!(
            plain.iter().any(|f| f.2 == rule),
            "{rule} reported: {plain:#?}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let cache = Arc::new(Cache::new(dir.path().to_owned(), &cfg));
    assert_eq!(scan(Some(cache.clone())), plain, "cold cache");
    assert_eq!(scan(Some(cache.clone())), plain, "warm cache");
    let app = roots[0].join("app.py");
    let mut text = std::fs::read_to_string(&app).unwrap();
    text.push_str("# edited\n");
    std::fs::write(&app, text).unwrap();
    assert_eq!(scan(Some(cache)), plain, "partly warm cache");
}

/// The findings of a scan of `roots` (of the rules `keep` accepts) as (path, line, rule,
/// message), sorted.
fn scan_findings(
    roots: &[PathBuf],
    cfg: &Config,
    cache: Option<Arc<Cache>>,
    keep: impl Fn(&str) -> bool,
) -> Vec<(PathBuf, u32, String, String)> {
    let r = check_paths(
        roots,
        cfg,
        &ScanOptions {
            cache,
            ..Default::default()
        },
        None,
    );
    let mut v: Vec<(PathBuf, u32, String, String)> = r
        .findings
        .iter()
        .filter(|f| keep(f.rule.id))
        .map(|f| {
            (
                f.path.clone(),
                f.start.line,
                f.rule.id.to_owned(),
                f.message.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// Baselines store fingerprints: a finding must keep its fingerprint across versions. The
/// expected value is SHA-256 of `rule \0 path \0 text-with-whitespace-runs-as-one-space`, as the
/// first version computed it.
#[test]
fn fingerprints_are_stable_across_versions() {
    let fp = predeploy_rules::engine::fingerprint(
        "sql-string-concat",
        std::path::Path::new("src/db.py"),
        "cursor.execute(f\"SELECT {x}\"\n\t  \u{e9})",
    );
    assert_eq!(fp, "89e713d7bb9526b7");
    // Whitespace runs of any kind hash alike; other text does not.
    let same = predeploy_rules::engine::fingerprint(
        "sql-string-concat",
        std::path::Path::new("src/db.py"),
        "cursor.execute(f\"SELECT {x}\" \u{e9})",
    );
    assert_eq!(fp, same);
    let other = predeploy_rules::engine::fingerprint(
        "sql-string-concat",
        std::path::Path::new("src/db.py"),
        "cursor.execute(f\"SELECT {y}\" \u{e9})",
    );
    assert_ne!(fp, other);
}

/// Directory names that mark test code, migrations, seeds or translations are judged below
/// the scan root only: a project checked out under `.../migrations/locales/` is scanned like any
/// other, while the same files inside the project are recognized.
#[test]
fn path_judgements_ignore_the_directories_above_the_scan_root() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("migrations").join("locales").join("app");
    std::fs::create_dir_all(root.join("locales")).unwrap();
    std::fs::create_dir_all(root.join("migrations")).unwrap();
    let secret = format!("{}{}", "q8Zt3LmW0x9", "RkPv2sYb7N");
    let config = format!("{{\n  \"client_secret\": \"{secret}\"\n}}\n");
    std::fs::write(root.join("config.json"), &config).unwrap();
    std::fs::write(root.join("locales").join("config.json"), &config).unwrap();
    std::fs::write(root.join("db.py"), VULN_PY).unwrap();
    std::fs::write(root.join("migrations").join("db.py"), VULN_PY).unwrap();
    let r = check_paths(
        &[root.clone()],
        &Config::default(),
        &ScanOptions::default(),
        None,
    );
    let mut got: Vec<(String, &str)> = r
        .findings
        .iter()
        .filter(|f| matches!(f.rule.id, "hardcoded-credential" | "sql-string-concat"))
        .map(|f| {
            let p = f.path.strip_prefix(&root).unwrap_or(&f.path);
            (p.to_string_lossy().replace('\\', "/"), f.rule.id)
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("config.json".to_owned(), "hardcoded-credential"),
            ("db.py".to_owned(), "sql-string-concat"),
        ]
    );
}

/// Development-settings judgements read the path below the scan root: a project kept under a
/// directory named like `dev` or `local` is judged like any other.
#[test]
fn development_settings_are_judged_below_the_scan_root() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("dev").join("local").join("shop");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(
        root.join("settings.py"),
        "INSTALLED_APPS = [\"django.contrib.sessions\"]\nPASSWORD_HASHERS = [\"django.contrib.auth.hashers.MD5PasswordHasher\"]\nSESSION_COOKIE_SECURE = False\n",
    )
    .unwrap();
    let r = check_paths(&[root], &Config::default(), &ScanOptions::default(), None);
    let mut ids: Vec<&str> = r.findings.iter().map(|f| f.rule.id).collect();
    ids.sort();
    ids.dedup();
    assert!(ids.contains(&"cookie-missing-secure"), "{ids:?}");
    assert!(
        ids.contains(&"weak-hash-algorithm") || ids.contains(&"fast-hash-on-password"),
        "{ids:?}"
    );
}
