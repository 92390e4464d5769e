//! End-to-end tests of the CI-facing modes: result cache, shards and merge, diff-aware scans,
//! staged scans, and the live probe's error handling.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

const VULN: &[u8] =
    b"def f(cur, name):\n    cur.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n";

fn many() -> tempfile::TempDir {
    let files: Vec<(String, &[u8])> = (0..10).map(|i| (format!("pkg/m{i}.py"), VULN)).collect();
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(p, c)| (p.as_str(), *c)).collect();
    tree(&refs)
}

fn sql_fingerprints(v: &serde_json::Value) -> Vec<String> {
    let mut f: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "sql-string-concat")
        .map(|f| format!("{} {}", f["root_path"], f["fingerprint"]))
        .collect();
    f.sort();
    f
}

#[test]
fn cached_rescan_reports_the_same() {
    let t = many();
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path().to_str().unwrap();
    let cold = run_in(t.path(), &["check", "--format", "json", "--cache-dir", c]);
    let warm = run_in(t.path(), &["check", "--format", "json", "--cache-dir", c]);
    let none = run_in(t.path(), &["check", "--format", "json", "--no-cache"]);
    assert_eq!(sql_fingerprints(&cold.json()).len(), 10);
    assert_eq!(
        sql_fingerprints(&cold.json()),
        sql_fingerprints(&warm.json())
    );
    assert_eq!(
        sql_fingerprints(&none.json()),
        sql_fingerprints(&warm.json())
    );
    assert!(
        std::fs::read_dir(cache.path()).unwrap().count() > 0,
        "the cache was written outside the tree"
    );
    // Nothing was written into the scanned tree.
    let names: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn shards_merge_to_the_full_result() {
    let t = many();
    let d = t.path();
    let full = run_in(d, &["check", "--no-cache", "--format", "json"]).json();
    for k in 1..=3 {
        let r = run_in(
            d,
            &[
                "check",
                "--no-cache",
                "--format",
                "json",
                "--shard",
                &format!("{k}/3"),
                "-o",
                &format!("s{k}.json"),
            ],
        );
        assert!(r.code == 0 || r.code == 1, "{r:?}");
    }
    let m = run_in(d, &["merge", "s1.json", "s2.json", "s3.json"]);
    assert_eq!(m.code, 1, "merged findings fail like the full scan: {m:?}");
    let merged = m.json();
    assert_eq!(sql_fingerprints(&merged), sql_fingerprints(&full));
    assert_eq!(
        merged["findings"].as_array().unwrap().len(),
        full["findings"].as_array().unwrap().len()
    );
    assert_eq!(
        merged["summary"]["files_scanned"],
        full["summary"]["files_scanned"]
    );
    // SARIF shards merge too.
    for k in 1..=2 {
        run_in(
            d,
            &[
                "check",
                "--no-cache",
                "--format",
                "sarif",
                "--shard",
                &format!("{k}/2"),
                "-o",
                &format!("s{k}.sarif"),
            ],
        );
    }
    let m = run_in(d, &["merge", "s1.sarif", "s2.sarif"]).json();
    let results = m["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        results
            .iter()
            .filter(|r| r["ruleId"] == "sql-string-concat")
            .count(),
        10
    );
    assert_eq!(run_in(d, &["check", "--shard", "4/3"]).code, 2);
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
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
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn changed_since_new_only_and_staged() {
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("SKIPPED: git is not installed");
        return;
    }
    let t = tree(&[("old.py", VULN), ("other.py", b"print(1)\n")]);
    let d = t.path();
    git(d, &["init", "-q"]);
    git(d, &["add", "."]);
    git(d, &["commit", "-qm", "base"]);
    // A change adds one new injection to an already-vulnerable file and touches nothing else.
    let mut changed = VULN.to_vec();
    changed.extend_from_slice(b"def g(cur, t):\n    cur.execute(\"DELETE FROM \" + t)\n");
    std::fs::write(d.join("old.py"), &changed).unwrap();
    let all = run_in(
        d,
        &[
            "check",
            "--no-cache",
            "--format",
            "json",
            "--changed-since",
            "HEAD",
        ],
    )
    .json();
    assert_eq!(
        sql_fingerprints(&all).len(),
        2,
        "both findings of the changed file"
    );
    let new = run_in(
        d,
        &[
            "check",
            "--no-cache",
            "--format",
            "json",
            "--changed-since",
            "HEAD",
            "--new-only",
        ],
    )
    .json();
    let f = new["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "only the introduced finding: {new:#}");
    assert_eq!(f[0]["start"]["line"], 4);
    // --staged scans the index, not the work tree.
    std::fs::write(d.join("staged.py"), VULN).unwrap();
    git(d, &["add", "staged.py"]);
    std::fs::write(d.join("staged.py"), b"print('fixed, but not staged')\n").unwrap();
    let r = run_in(d, &["check", "--no-cache", "--format", "json", "--staged"]);
    assert_eq!(r.code, 1, "{r:?}");
    let paths: Vec<String> = r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["root_path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(paths, vec!["staged.py"]);
    // Outside a repository these modes are a clear usage error.
    let plain = tree(&[("a.py", b"x = 1\n")]);
    let r = run_in(plain.path(), &["check", "--changed-since", "HEAD"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("not inside a git repository"), "{r:?}");
}

#[test]
fn probe_of_an_unreachable_host_exits_2_with_a_message() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let t = tree(&[("a.txt", b"x")]);
    let r = run_in(
        t.path(),
        &[
            "probe",
            &format!("https://127.0.0.1:{port}/"),
            "--timeout",
            "3",
        ],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("cannot reach the host"), "{r:?}");
    let r = run_in(t.path(), &["probe", "not-a-url"]);
    assert_eq!(r.code, 2, "{r:?}");
}

/// `cargo-predeploy lsp` is the language server editors launch: it answers `initialize`, publishes
/// diagnostics for an opened buffer, and exits 0 after `shutdown` + `exit`.
#[test]
fn lsp_subcommand_speaks_the_protocol() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::Stdio;
    let t = tree(&[("a.txt", b"x")]);
    let mut child = Command::new(BIN)
        .arg("lsp")
        .current_dir(t.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut send = |v: serde_json::Value| {
        let body = v.to_string();
        write!(stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).unwrap();
        stdin.flush().unwrap();
    };
    let recv = |out: &mut BufReader<std::process::ChildStdout>| -> serde_json::Value {
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                len = v.parse().unwrap();
            }
        }
        let mut buf = vec![0u8; len];
        out.read_exact(&mut buf).unwrap();
        serde_json::from_slice(&buf).unwrap()
    };
    let uri = format!("file://{}/app.py", t.path().display());
    send(
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": format!("file://{}", t.path().display())}}),
    );
    let init = recv(&mut out);
    assert_eq!(init["id"], 1);
    assert!(init["result"]["capabilities"].is_object(), "{init}");
    send(serde_json::json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    send(
        serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1,
        "text": "def f(cur, name):\n    cur.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n"}}}),
    );
    // Read until the diagnostics for this document arrive (other notifications may come first).
    let diags = loop {
        let m = recv(&mut out);
        if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str() {
            break m;
        }
    };
    let d = diags["params"]["diagnostics"].as_array().unwrap();
    assert!(
        d.iter()
            .any(|x| x["code"] == "sql-string-concat" && x["source"] == "cargo-predeploy"),
        "{diags}"
    );
    send(serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}));
    loop {
        if recv(&mut out)["id"] == 2 {
            break;
        }
    }
    send(serde_json::json!({"jsonrpc": "2.0", "method": "exit"}));
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

/// A token built at test time (so no secret-shaped literal lives in this repository).
fn fake_github_token() -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let body: String = (0..36)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect();
    format!("ghp_{body}")
}

#[test]
fn history_finds_a_deleted_secret_and_never_prints_it() {
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("SKIPPED: git is not installed");
        return;
    }
    let token = fake_github_token();
    let t = tree(&[
        ("README.md", b"hello\n"),
        ("SECURITY.md", b"security@example.org\n"),
    ]);
    let d = t.path();
    git(d, &["init", "-q"]);
    std::fs::write(
        d.join("deploy.sh"),
        format!("export GITHUB_TOKEN={token}\n"),
    )
    .unwrap();
    git(d, &["add", "."]);
    git(d, &["commit", "-qm", "add deploy script"]);
    std::fs::remove_file(d.join("deploy.sh")).unwrap();
    git(d, &["commit", "-qam", "remove it"]);
    // The work tree is clean now...
    let now = run_in(d, &["check", "--no-cache", "--format", "json"]);
    assert!(
        now.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"] != "hardcoded-secret"),
        "{now:?}"
    );
    // ...but the history still holds the token.
    for fmt in ["human", "json", "sarif"] {
        let r = run_in(d, &["check", "--no-cache", "--history", "--format", fmt]);
        assert_eq!(r.code, 1, "{r:?}");
        assert!(r.stdout.contains("deploy.sh"), "{r:?}");
        assert!(
            !r.stdout.contains(&token) && !r.stderr.contains(&token),
            "the secret leaked in {fmt} output"
        );
        assert!(
            !r.stdout.contains(&token[4..]),
            "the secret's body leaked in {fmt} output"
        );
    }
    let json = run_in(d, &["check", "--no-cache", "--history", "--format", "json"]).json();
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "hardcoded-secret")
        .expect("history finding");
    assert!(f["message"].as_str().unwrap().contains("commit"), "{f}");
}
