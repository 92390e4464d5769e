//! Bad input never crashes the scan: binary files, invalid UTF-8, oversized files, syntax errors,
//! pathological nesting, symlink loops and dangling links each become a note (or nothing), and the
//! rest of the tree is still scanned. Every tree is written to a temporary directory.

mod common;

use common::*;

const SQL: &str = "sql-string-concat";

const SQL_PY: &str =
    "def f(cur, name):\n    cur.execute(\"SELECT * FROM t WHERE name = '\" + name + \"'\")\n";

/// Runs `check --format json` in `dir`; the process must exit normally with 0 or 1.
fn scan(dir: &std::path::Path, extra: &[&str]) -> (Run, serde_json::Value) {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    let r = run_in(dir, &args);
    assert!(r.code == 0 || r.code == 1, "{r:?}");
    let v = r.json();
    (r, v)
}

#[test]
fn binary_invalid_utf8_and_oversized_files() {
    let mut invalid = b"x = 1\n# caf\xe9\n".to_vec();
    invalid.extend_from_slice(SQL_PY.as_bytes());
    let big = format!("{SQL_PY}# {}\n", "x".repeat(2_000));
    let dir = tree(&[
        ("predeploy.toml", b"max_file_size = 1000\n"),
        ("logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0"),
        ("data.bin", &[0u8, 159, 146, 150, 0, 1, 2, 3]),
        ("latin1.py", &invalid),
        ("big.py", big.as_bytes()),
    ]);
    let (r, v) = scan(dir.path(), &[]);
    assert_eq!(r.code, 1, "the invalid UTF-8 file is still scanned: {r:?}");
    let found = active_of(&v, SQL);
    assert_eq!(found.len(), 1, "{r:?}");
    assert_eq!(found[0]["path"], "latin1.py");
    assert_eq!(found[0]["start"]["line"], 4);

    let binary = notes_with(&v, "binary file");
    let paths: Vec<&str> = binary.iter().map(|n| n["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["data.bin", "logo.png"], "{r:?}");
    assert_eq!(binary[0]["level"], "info");

    let utf8 = notes_with(&v, "invalid UTF-8");
    assert_eq!(utf8.len(), 1, "{r:?}");
    assert_eq!(utf8[0]["path"], "latin1.py");
    assert_eq!(utf8[0]["line"], 2);
    assert_eq!(utf8[0]["level"], "warning");

    let big = notes_with(&v, "byte limit");
    assert_eq!(big.len(), 1, "{r:?}");
    assert_eq!(big[0]["path"], "big.py");

    // Human output shows the notes with path and line.
    let r = run_in(dir.path(), &["check"]);
    assert!(
        r.stdout.contains("note: data.bin: skipped: binary file"),
        "{r:?}"
    );
    assert!(
        r.stdout.contains("warning: latin1.py:2: invalid UTF-8"),
        "{r:?}"
    );
}

#[test]
fn syntax_errors_do_not_stop_the_scan() {
    let dir = tree(&[
        ("broken.rs", b"fn main( {\n    let x = ;\n"),
        (
            "broken.ts",
            b"function f(db: any, id: string {\n  return db.query(\"SELECT * FROM t WHERE id = \" + id);\n}\nexport const = ;\n",
        ),
        (
            "broken.py",
            b"def f(cur, id:\n    pass\n\ndef g(cur, id):\n    cur.execute(\"SELECT * FROM t WHERE id = \" + id)\n",
        ),
        ("broken.tsx", b"export const A = () => <div><span></div>;\n"),
        ("ok.py", SQL_PY.as_bytes()),
    ]);
    let (r, v) = scan(dir.path(), &[]);
    assert_eq!(r.code, 1, "{r:?}");
    let rust = notes_with(&v, "Rust syntax error");
    assert_eq!(rust.len(), 1, "{r:?}");
    assert_eq!(rust[0]["path"], "broken.rs");
    assert!(rust[0]["line"].as_u64().unwrap() >= 1);
    // tree-sitter recovers from errors: intact code in broken files is still checked.
    let paths: Vec<&str> = active_of(&v, SQL)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"ok.py"), "{paths:?}");
    assert!(paths.contains(&"broken.py"), "{paths:?}");
    assert!(paths.contains(&"broken.ts"), "{paths:?}");
}

#[test]
fn ten_thousand_deep_nesting_in_rust_js_and_python() {
    let n = 10_000;
    let deep = |open: &str, close: &str| format!("{}1{}", open.repeat(n), close.repeat(n));
    let rs = format!("fn main() {{ let x = {}; }}\n", deep("(", ")"));
    let js = format!(
        "const x = {};\nconst y = {}1;\nfunction f(db, id) {{ return db.query(\"SELECT * FROM t WHERE id = \" + id); }}\n",
        deep("(", ")"),
        "1 + ".repeat(n)
    );
    let ts = format!("const x: number = {};\n", deep("[", "]"));
    let py = format!(
        "x = {}\ny = {}\n{SQL_PY}",
        deep("(", ")"),
        deep("[", "]").replace('1', "")
    );
    let dir = tree(&[
        ("deep.rs", rs.as_bytes()),
        ("deep.js", js.as_bytes()),
        ("deep.ts", ts.as_bytes()),
        ("deep.py", py.as_bytes()),
    ]);
    let (r, v) = scan(dir.path(), &[]);
    assert_eq!(r.code, 1, "{r:?}");
    // Rust: syn recurses, so the engine skips over-deep files with a note.
    let rust = notes_with(&v, "nesting");
    assert_eq!(rust.len(), 1, "{r:?}");
    assert_eq!(rust[0]["path"], "deep.rs");
    assert_eq!(rust[0]["level"], "warning");
    // JS/TS and Python: tree-sitter parses them, but rules look at parents and recurse into
    // expressions, so trees over 1,000 levels deep are skipped with a note naming the depth (the
    // secrets pass still runs).
    let mut deep: Vec<&str> = notes_with(&v, "syntax tree nests")
        .iter()
        .map(|n| n["path"].as_str().unwrap())
        .collect();
    deep.sort();
    assert_eq!(deep, ["deep.js", "deep.py", "deep.ts"], "{r:?}");
    for n in notes_with(&v, "syntax tree nests") {
        assert_eq!(n["level"], "warning");
        assert!(n["message"]
            .as_str()
            .unwrap()
            .contains("secrets pass still ran"));
    }
    // The exit code 1 comes from the findings the project pass still makes; the skipped files
    // got no code findings.
    assert!(active_of(&v, SQL).is_empty(), "{r:?}");
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_dangling_links() {
    use std::os::unix::fs::symlink;
    let dir = tree(&[("app.py", SQL_PY.as_bytes())]);
    let d = dir.path();
    symlink(d.join("loop-b"), d.join("loop-a")).unwrap();
    symlink(d.join("loop-a"), d.join("loop-b")).unwrap();
    symlink(d.join("missing.py"), d.join("dangling.py")).unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    symlink(d, d.join("sub/parent")).unwrap(); // a directory loop
    let (r, v) = scan(d, &[]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        active_of(&v, SQL).len(),
        1,
        "the real file is scanned once: {r:?}"
    );
    let links = notes_with(&v, "symbolic link not followed");
    let mut paths: Vec<&str> = links.iter().map(|n| n["path"].as_str().unwrap()).collect();
    paths.sort();
    assert_eq!(
        paths,
        ["dangling.py", "loop-a", "loop-b", "sub/parent"],
        "{r:?}"
    );

    // A dangling link named on the command line is a path that cannot be scanned: exit 2.
    let r = run_in(d, &["check", "dangling.py"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("dangling.py"), "{r:?}");
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_a_note() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tree(&[
        ("secret.py", SQL_PY.as_bytes()),
        ("ok.py", SQL_PY.as_bytes()),
    ]);
    let p = dir.path().join("secret.py");
    // Root reads any file whatever its mode (CI runs the tests as root), so this test cannot
    // produce an unreadable file there: skip it, saying so.
    if std::fs::metadata(&p).unwrap().uid() == 0 {
        println!("SKIPPED: unreadable_file_is_a_note: running as root, permissions do not apply");
        return;
    }
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    let (r, v) = scan(dir.path(), &[]);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(active_of(&v, SQL).len(), 1, "{r:?}");
    let notes = notes_with(&v, "cannot read");
    assert_eq!(notes.len(), 1, "{r:?}");
    assert_eq!(notes[0]["path"], "secret.py");
}

#[test]
fn empty_files_and_directories() {
    let dir = tree(&[("empty.py", b""), ("empty.rs", b""), ("empty.ts", b"")]);
    std::fs::create_dir(dir.path().join("nothing")).unwrap();
    let (r, v) = scan(dir.path(), &[]);
    assert_ne!(r.code, 2, "{r:?}");
    assert_eq!(v["summary"]["files_scanned"], 3);
    let empty = tempfile::tempdir().unwrap();
    let (r, v) = scan(empty.path(), &[]);
    assert_ne!(r.code, 2, "{r:?}");
    assert_eq!(v["summary"]["files_scanned"], 0);
}

#[test]
fn many_skipped_files_are_grouped_in_human_output() {
    let files: Vec<(String, &[u8])> = (0..5)
        .map(|i| (format!("img/{i}.bin"), &b"\0\x01\x02"[..]))
        .collect();
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(p, c)| (p.as_str(), *c)).collect();
    let dir = tree(&refs);
    let r = run_in(dir.path(), &["check"]);
    assert_ne!(r.code, 2, "{r:?}");
    let lines: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains("binary file"))
        .collect();
    assert_eq!(
        lines,
        ["note: skipped: binary file (5 files, e.g. img/0.bin; --format json lists each)"],
        "{r:?}"
    );
    // JSON still lists each one.
    let (_, v) = scan(dir.path(), &[]);
    assert_eq!(notes_with(&v, "binary file").len(), 5);
}
