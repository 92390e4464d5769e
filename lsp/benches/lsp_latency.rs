//! Latency and memory of the language server, measured over stdio like an editor sees it.
//!
//! ```sh
//! cargo bench -p predeploy-lsp --bench lsp_latency                 # predeploy-lsp (this build)
//! cargo bench -p predeploy-lsp --bench lsp_latency -- --server "ruff server" --edits 200
//! ```
//!
//! For each of `--edits` full-text `didChange` notifications on a generated 5,000-line Python file
//! it measures the time from sending the change to receiving `publishDiagnostics` for that
//! version (p50/p95/max), then the same for one-character edits typed in one function
//! (`--typing-gap-ms` apart, default 100), the same edits sent as full-text changes, then runs a long edit loop (`--loop`, default 2,000 changes, on the Python
//! file and on a Rust file) and reports the server's RSS before and after. Not a test: it asserts
//! nothing and prints numbers.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            len = v.trim().parse::<usize>().ok();
        }
    }
    let mut buf = vec![0; len?];
    r.read_exact(&mut buf).ok()?;
    serde_json::from_slice(&buf).ok()
}

impl Server {
    fn spawn(cmd: &[String]) -> Server {
        let mut child = Command::new(&cmd[0])
            .args(&cmd[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(m) = read_message(&mut r) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        Server {
            child,
            stdin,
            rx,
            next_id: 1,
        }
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Waits for a message matching `pred`, answering server requests with `null`.
    fn wait(&mut self, timeout: Duration, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let m = self
                .rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .ok()?;
            if m.get("method").is_some() && m.get("id").is_some() {
                let id = m["id"].clone();
                self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}));
            }
            if pred(&m) {
                return Some(m);
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait(Duration::from_secs(60), |m| {
            m["id"] == id && m.get("method").is_none()
        })
        .expect("response")
    }

    fn rss_kib(&self) -> u64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        s.lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// Sends a full-text change and returns the time until diagnostics for it arrive, and how
    /// many there were.
    fn change_and_wait(
        &mut self,
        uri: &str,
        version: i64,
        text: &str,
    ) -> Option<(Duration, usize)> {
        let t0 = Instant::now();
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
        self.wait_diagnostics(uri, version, t0)
    }

    /// Waits for the diagnostics of `version` of `uri`: the time since `t0`, and their number.
    fn wait_diagnostics(
        &mut self,
        uri: &str,
        version: i64,
        t0: Instant,
    ) -> Option<(Duration, usize)> {
        let m = self.wait(Duration::from_secs(30), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && (m["params"]["version"].is_null() || m["params"]["version"] == version)
        })?;
        let n = m["params"]["diagnostics"].as_array().map_or(0, Vec::len);
        Some((t0.elapsed(), n))
    }
}

/// A 5,000-line Python module: routes, helpers, a few SQL queries (some flagged).
fn python_file(seed: usize) -> String {
    let mut s = String::from(
        "import os\nimport sqlite3\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n",
    );
    let mut i = 0;
    while s.lines().count() < 5_000 {
        i += 1;
        s.push_str(&format!(
            "\n@app.route(\"/items/{i}\")\ndef handler_{i}(item_id):\n    conn = sqlite3.connect(os.environ.get(\"DB\", \"app.db\"))\n    cursor = conn.cursor()\n    value = request.args.get(\"q{i}\", \"\")\n"
        ));
        if i % 25 == 0 {
            s.push_str(&format!(
                "    cursor.execute(f\"SELECT * FROM t{i} WHERE a = '{{value}}'\")\n"
            ));
        } else {
            s.push_str(&format!(
                "    cursor.execute(\"SELECT * FROM t{i} WHERE a = ?\", (value,))\n"
            ));
        }
        s.push_str(&format!(
            "    rows = cursor.fetchall()\n    total = sum(len(r) for r in rows) + {seed}\n    return {{\"count\": len(rows), \"total\": total}}\n"
        ));
    }
    s
}

fn rust_file(seed: usize) -> String {
    let mut s = String::from("use sqlx::PgPool;\n\n");
    for i in 0..300 {
        s.push_str(&format!(
            "pub async fn q{i}(pool: &PgPool, name: &str) -> sqlx::Result<u64> {{\n    let n = {seed} + {i};\n    let r = sqlx::query(\"SELECT * FROM t WHERE a = $1\").bind(name).execute(pool).await?;\n    Ok(r.rows_affected() + n)\n}}\n\n"
        ));
    }
    s.push_str("pub async fn bad(pool: &PgPool, name: &str) {\n    let _ = sqlx::query(&format!(\"SELECT * FROM t WHERE a = '{name}'\")).execute(pool).await;\n}\n");
    s
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// `p50 .. ms, p95 .. ms, max .. ms` of latencies (sorted in place).
/// How many diagnostics the measured publishes carried: the cost of a publish grows with them.
fn counts(n: &[usize]) -> String {
    match (n.iter().min(), n.iter().max()) {
        (Some(a), Some(b)) if a == b => format!("{a} diagnostics per publish"),
        (Some(a), Some(b)) => format!("{a}-{b} diagnostics per publish"),
        _ => "no publish".into(),
    }
}

fn spread(lat: &mut [Duration]) -> String {
    lat.sort();
    format!(
        "p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        percentile(lat, 0.5).as_secs_f64() * 1e3,
        percentile(lat, 0.95).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let cmd: Vec<String> = match arg("--server") {
        Some(s) => s.split_whitespace().map(str::to_owned).collect(),
        None => vec![env!("CARGO_BIN_EXE_predeploy-lsp").to_owned()],
    };
    let edits: usize = arg("--edits").and_then(|v| v.parse().ok()).unwrap_or(300);
    let loop_n: usize = arg("--loop").and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let is_ruff = cmd[0].contains("ruff");

    // The engine alone, in this process, on the same text: the floor for the round trip.
    {
        let text = python_file(0);
        let cfg = predeploy_rules::Config::default();
        let mut t = Vec::new();
        for _ in 0..20 {
            let t0 = Instant::now();
            let r = predeploy_rules::check_source(std::path::Path::new("big.py"), &text, &cfg);
            t.push(t0.elapsed());
            std::hint::black_box(r);
        }
        t.sort();
        let mut parse = Vec::new();
        for _ in 0..20 {
            let t0 = Instant::now();
            std::hint::black_box(predeploy_rules::lang::python::parse(&text, None));
            parse.push(t0.elapsed());
        }
        parse.sort();
        println!(
            "engine alone (check_source, in process): p50 {:.1} ms, p95 {:.1} ms; of which tree-sitter parse p50 {:.1} ms",
            percentile(&t, 0.5).as_secs_f64() * 1e3,
            percentile(&t, 0.95).as_secs_f64() * 1e3,
            percentile(&parse, 0.5).as_secs_f64() * 1e3,
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let py_path = dir.path().join("big.py");
    let rs_path = dir.path().join("lib.rs");
    std::fs::write(&py_path, python_file(0)).unwrap();
    let py_uri = format!("file://{}", py_path.display());
    let rs_uri = format!("file://{}", rs_path.display());
    let root_uri = format!("file://{}", dir.path().display());

    let mut s = Server::spawn(&cmd);
    s.request(
        "initialize",
        json!({"processId": std::process::id(), "rootUri": root_uri,
               "workspaceFolders": [{"uri": root_uri, "name": "bench"}],
               "capabilities": {"textDocument": {"publishDiagnostics": {}}}}),
    );
    s.notify("initialized", json!({}));
    let text0 = python_file(0);
    println!(
        "server: {}\nfile: {} lines, {} bytes",
        cmd.join(" "),
        text0.lines().count(),
        text0.len()
    );
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": py_uri, "languageId": "python", "version": 0, "text": text0}}),
    );
    let first = s.wait(Duration::from_secs(60), |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == py_uri.as_str()
    });
    let ndiag = first
        .as_ref()
        .and_then(|m| m["params"]["diagnostics"].as_array().map(|a| a.len()))
        .unwrap_or(0);
    println!("diagnostics on open: {ndiag}");

    let texts: Vec<String> = (1..=8).map(python_file).collect();
    let mut lat = Vec::with_capacity(edits);
    let mut ns = Vec::with_capacity(edits);
    let mut missing = 0;
    for v in 1..=edits {
        match s.change_and_wait(&py_uri, v as i64, &texts[v % texts.len()]) {
            Some((d, n)) => {
                lat.push(d);
                ns.push(n);
            }
            None => missing += 1,
        }
    }
    println!(
        "change -> publishDiagnostics over {} full-text changes (every function changed; {}): {}{}",
        lat.len(),
        counts(&ns),
        spread(&mut lat),
        if missing > 0 {
            format!(" ({missing} changes got no diagnostics)")
        } else {
            String::new()
        }
    );

    // Typing in one function of the same file: one-character range edits, as an editor sends
    // them, spaced like fast typing; each is measured from the change to the first publish of its
    // version (the quick check; the full check follows after a pause in typing).
    let gap = Duration::from_millis(
        arg("--typing-gap-ms")
            .and_then(|v| v.parse().ok())
            .unwrap_or(100),
    );
    let (mut text, at) = {
        let mut text = texts[edits % texts.len()].clone();
        let mid = text.matches("@app.route").count() / 2;
        let needle = format!("request.args.get(\"q{mid}");
        let at = text
            .find(&needle)
            .map(|i| i + needle.len())
            .unwrap_or(text.len() / 2);
        let line = text[..at].matches('\n').count();
        let col0 = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
        let mut typed = Vec::with_capacity(edits);
        let mut ns = Vec::with_capacity(edits);
        for k in 0..edits {
            std::thread::sleep(gap);
            let v = (edits + 1 + k) as i64;
            let col = col0 + k;
            text.insert(at + k, 'x');
            let t0 = Instant::now();
            s.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": py_uri, "version": v}, "contentChanges": [
                    {"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}}, "text": "x"}
                ]}),
            );
            if let Some((d, n)) = s.wait_diagnostics(&py_uri, v, t0) {
                typed.push(d);
                ns.push(n);
            }
        }
        println!(
            "typing in one function ({} one-character edits, {} ms apart; {}): change -> publishDiagnostics {}",
            typed.len(),
            gap.as_millis(),
            counts(&ns),
            spread(&mut typed),
        );
        (text, at + edits)
    };

    // The same typing sent as full-text changes, as a client without incremental sync sends
    // it (the whole 5,000-line document each time, one character different): the server has
    // to find what changed itself.
    {
        let mut full = Vec::with_capacity(edits);
        let mut ns = Vec::with_capacity(edits);
        for k in 0..edits {
            std::thread::sleep(gap);
            let v = (2 * edits + 1 + k) as i64;
            text.insert(at + k, 'y');
            if let Some((d, n)) = s.change_and_wait(&py_uri, v, &text) {
                full.push(d);
                ns.push(n);
            }
        }
        println!(
            "typing sent as full-text changes ({} one-character edits, {} ms apart; {}): change -> publishDiagnostics {}",
            full.len(),
            gap.as_millis(),
            counts(&ns),
            spread(&mut full),
        );
    }
    // Versions go on after the typed edits' (`edits + 1 ..= 3 * edits`).
    let edits = edits * 3;

    // Long edit loop: memory must not grow.
    let rss0 = s.rss_kib();
    let t0 = Instant::now();
    let mut samples = Vec::new();
    for i in 0..loop_n {
        let v = (edits + 1 + i) as i64;
        s.change_and_wait(&py_uri, v, &texts[i % texts.len()]);
        if (i + 1) % (loop_n / 8).max(1) == 0 {
            samples.push(format!("{}:{}", i + 1, s.rss_kib() / 1024));
        }
    }
    println!("python RSS (MiB) by changes: {}", samples.join(" "));
    let rss1 = s.rss_kib();
    println!(
        "python edit loop: {loop_n} changes in {:.1} s; RSS {} MiB -> {} MiB",
        t0.elapsed().as_secs_f64(),
        rss0 / 1024,
        rss1 / 1024
    );
    if !is_ruff {
        let rtexts: Vec<String> = (0..8).map(rust_file).collect();
        s.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": rs_uri, "languageId": "rust", "version": 0, "text": rtexts[0]}}),
        );
        s.wait(Duration::from_secs(60), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == rs_uri.as_str()
        });
        let r0 = s.rss_kib();
        let mut rl = Vec::new();
        samples.clear();
        for i in 0..loop_n {
            if let Some((d, _)) =
                s.change_and_wait(&rs_uri, 1 + i as i64, &rtexts[(i + 1) % rtexts.len()])
            {
                rl.push(d);
            }
            if (i + 1) % (loop_n / 8).max(1) == 0 {
                samples.push(format!("{}:{}", i + 1, s.rss_kib() / 1024));
            }
        }
        rl.sort();
        println!("rust RSS (MiB) by changes: {}", samples.join(" "));
        let r1 = s.rss_kib();
        println!(
            "rust edit loop ({} lines): {loop_n} changes, p50 {:.1} ms, p95 {:.1} ms; RSS {} MiB -> {} MiB",
            rtexts[0].lines().count(),
            percentile(&rl, 0.5).as_secs_f64() * 1e3,
            percentile(&rl, 0.95).as_secs_f64() * 1e3,
            r0 / 1024,
            r1 / 1024
        );
    }
    let _ = s.request("shutdown", Value::Null);
    s.notify("exit", Value::Null);
    let _ = s.child.wait();
}
