//! End-to-end tests: the real `predeploy-lsp` binary driven over stdio with JSON-RPC.

mod common;

use common::{file_uri, frame, Client};
use serde_json::{json, Value};
use std::time::Duration;

const VULN_PY: &str =
    "def find(cursor, x):\n    cursor.execute(f\"SELECT * FROM t WHERE a = '{x}'\")\n";
const SAFE_PY: &str =
    "def find(cursor, x):\n    cursor.execute(\"SELECT * FROM t WHERE a = %s\", (x,))\n";

fn workspace() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn sql_diags(p: &Value) -> Vec<Value> {
    p["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "sql-string-concat")
        .cloned()
        .collect()
}

#[test]
fn open_hover_code_action_change_shutdown() {
    let ws = workspace();
    let path = ws.path().join("app.py");
    std::fs::write(&path, VULN_PY).unwrap();
    let uri = file_uri(&path);
    let mut c = Client::spawn();
    let init = c.initialize(Some(ws.path()), json!({}));
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental sync");
    assert_eq!(caps["hoverProvider"], true);
    assert_eq!(caps["positionEncoding"], "utf-16");

    c.open(&uri, "python", 1, VULN_PY);
    let p = c.diagnostics(&uri, Some(1));
    let ds = sql_diags(&p);
    assert_eq!(ds.len(), 1, "{p}");
    let d = &ds[0];
    assert_eq!(d["source"], "cargo-predeploy");
    assert_eq!(d["severity"], 1, "high -> Error");
    assert_eq!(d["range"]["start"]["line"], 1);
    assert!(d["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("/sql-string-concat.md"));
    assert!(d["message"].as_str().unwrap().contains("help:"), "{d}");
    // An open document's code actions stay in the server (small diagnostics on every
    // keystroke); the actions below find them from the diagnostic the client sends back.
    assert!(d["data"].is_null(), "{d}");

    // Hover inside the flagged range: title, CWE, checklist point, docs.
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": d["range"]["start"]}),
    );
    let md = h["result"]["contents"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(md.contains("`sql-string-concat`"), "{md}");
    assert!(md.contains("CWE-89"), "{md}");
    assert!(md.contains("checklist point 6"), "{md}");
    assert!(md.contains("## What it does"), "{md}");
    // Hover elsewhere: nothing.
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
    );
    assert!(h["result"].is_null(), "{h}");

    // Code action: the allow comment, on the line above with the line's indentation.
    let a = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d["range"],
               "context": {"diagnostics": [d]}}),
    );
    let actions = a["result"].as_array().unwrap();
    let allow = actions
        .iter()
        .find(|x| x["title"] == "Allow sql-string-concat here")
        .expect("allow action");
    assert_eq!(allow["kind"], "quickfix");
    let edit = &allow["edit"]["changes"][&uri][0];
    assert_eq!(edit["range"]["start"], json!({"line": 1, "character": 0}));
    let new_text = edit["newText"].as_str().unwrap();
    assert!(
        new_text.starts_with("    # predeploy:allow(sql-string-concat) reason=\""),
        "{new_text}"
    );
    // The same action without the client echoing diagnostics (fallback to published ones).
    let a = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": []}}),
    );
    assert!(a["result"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["title"] == "Allow sql-string-concat here"));

    // Applying the suppression (incremental insert) silences the finding.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2},
               "contentChanges": [{"range": edit["range"], "text": new_text}]}),
    );
    let p = c.diagnostics(&uri, Some(2));
    assert!(sql_diags(&p).is_empty(), "{p}");

    // Back to the vulnerable text, then to safe code: the file becomes clean, empty list.
    c.change_full(&uri, 3, VULN_PY);
    let p = c.diagnostics(&uri, Some(3));
    assert_eq!(sql_diags(&p).len(), 1);
    c.change_full(&uri, 4, SAFE_PY);
    let p = c.diagnostics(&uri, Some(4));
    assert_eq!(p["diagnostics"], json!([]), "{p}");

    // Close clears.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    let p = c.diagnostics(&uri, None);
    assert_eq!(p["diagnostics"], json!([]));

    let status = c.shutdown_and_exit();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn incremental_edits_in_utf16_and_clamping() {
    let ws = workspace();
    let uri = file_uri(&ws.path().join("q.py"));
    let mut c = Client::spawn();
    c.initialize(Some(ws.path()), json!({}));
    // A line with a non-BMP character before the call: columns are UTF-16 units.
    let text =
        "def f(cursor, x):\n    s = '😀'; cursor.execute(\"SELECT * FROM t WHERE a = \" + x)\n";
    c.open(&uri, "python", 1, text);
    let p = c.diagnostics(&uri, Some(1));
    let ds = sql_diags(&p);
    assert_eq!(ds.len(), 1, "{p}");
    // `    s = '😀'; cursor.execute(` : the argument starts at UTF-16 column 29.
    let start = &ds[0]["range"]["start"];
    let line = text.lines().nth(1).unwrap();
    let byte = line.find("\"SELECT").unwrap();
    let utf16: usize = line[..byte].chars().map(char::len_utf16).sum();
    let chars = line[..byte].chars().count();
    assert_ne!(utf16, chars);
    assert_eq!(start["character"], utf16 as u64, "{p}");
    // A client that sends the diagnostic back with byte columns still gets its actions (the
    // cursor at the start of the line, before the published range).
    let mut d = ds[0].clone();
    d["range"]["start"]["character"] = json!(byte);
    d["range"]["end"]["character"] = json!(line.len());
    let cursor = json!({"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}});
    let a = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": cursor, "context": {"diagnostics": [d]}}),
    );
    let titles: Vec<&str> = a["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["title"].as_str())
        .collect();
    assert!(titles.contains(&"Allow sql-string-concat here"), "{a}");

    // An edit replacing `x)` (after the emoji) with a constant, by UTF-16 range.
    let xcol = line.rfind("x)").unwrap();
    let xcol16: usize = line[..xcol].chars().map(char::len_utf16).sum();
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 1, "character": xcol16}, "end": {"line": 1, "character": xcol16 + 1}},
             "text": "'x'"}
        ]}),
    );
    let p = c.diagnostics(&uri, Some(2));
    assert!(
        sql_diags(&p).is_empty(),
        "constant concat is not flagged: {p}"
    );

    // Out-of-range positions (line 999, character 10^6) are clamped: appended at the end.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [
            {"range": {"start": {"line": 999, "character": 1000000}, "end": {"line": 5000, "character": 4}},
             "text": "def g(cursor, y):\n    cursor.execute(f\"DELETE FROM t WHERE a = {y}\")\n"},
            {"range": {"start": {"line": 0, "character": 4000}, "end": {"line": 0, "character": 1}},
             "text": ""}
        ]}),
    );
    let p = c.diagnostics(&uri, Some(3));
    let ds = sql_diags(&p);
    assert_eq!(ds.len(), 1, "{p}");
    assert_eq!(ds[0]["range"]["start"]["line"], 3);
    assert_eq!(c.shutdown_and_exit().code(), Some(0));
}

#[test]
fn rapid_edits_publish_only_the_newest_version() {
    let ws = workspace();
    let uri = file_uri(&ws.path().join("r.py"));
    let mut c = Client::spawn();
    c.initialize(Some(ws.path()), json!({}));
    c.open(&uri, "python", 1, SAFE_PY);
    c.diagnostics(&uri, Some(1));
    for v in 2..=40 {
        let t = if v % 2 == 0 { VULN_PY } else { SAFE_PY };
        c.change_full(&uri, v, t);
    }
    let p = c.diagnostics(&uri, Some(40));
    assert_eq!(sql_diags(&p).len(), 1);
    // Publishes that arrived before version 40's (the first edit is linted at once) are fine;
    // nothing older than 40 may come after it.
    c.clear_backlog();
    let late = c.wait_for_timeout(Duration::from_millis(400), |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str()
    });
    if let Some(m) = late {
        assert_eq!(m["params"]["version"], 40, "stale publish: {m}");
    }
    assert_eq!(c.shutdown_and_exit().code(), Some(0));
}

#[test]
fn protocol_robustness() {
    let mut c = Client::spawn();
    // A request before initialize: ServerNotInitialized (-32002), not a crash.
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///x.py"}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(r["error"]["code"], -32002, "{r}");
    // Malformed JSON body: a parse error response (or ignored), and the server keeps serving.
    c.send_raw(&frame("{\"jsonrpc\": \"2.0\", \"id\": 99, \"method\": "));
    c.send_raw(&frame("[1, 2, 3]"));
    c.send_raw(&frame(
        "{\"jsonrpc\": \"2.0\", \"id\": 98, \"method\": \"initialize\", \"params\": 5}",
    ));
    // tower-lsp-server alone exits after the first undecodable frame; the guard answers it.
    let e = c
        .wait_for_timeout(Duration::from_secs(5), |m| m["error"]["code"] == -32700)
        .expect("parse error response");
    assert!(e["id"].is_null(), "{e}");
    c.wait_for_timeout(Duration::from_secs(5), |m| m["error"]["code"] == -32600)
        .expect("invalid request response");
    // A header block without Content-Length: answered, and the stream resynchronizes.
    c.send_raw(b"X-Nonsense: 1\r\n\r\n");
    c.wait_for_timeout(Duration::from_secs(5), |m| {
        m["error"]["message"] == "missing or invalid Content-Length header"
    })
    .expect("bad header response");
    let bad = c
        .wait_for_timeout(Duration::from_secs(5), |m| m["id"] == 98)
        .expect("an error for invalid initialize params");
    assert!(bad["error"]["code"].is_i64(), "{bad}");

    c.initialize(
        None,
        json!({"enable": true, "extraArgs": ["--whatever"], "unknownKey": 1}),
    );
    // Unknown request: MethodNotFound. Unknown notification: ignored.
    let r = c.request("predeploy/doesNotExist", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    c.notify("$/unknownNotification", json!({"x": 1}));
    c.notify("workspace/unknown", json!(null));
    // A second initialize is refused.
    let r = c.request("initialize", json!({"capabilities": {}}));
    assert!(r.get("error").is_some(), "{r}");

    // A change for a document never opened, and hover/codeAction on it: ignored / null.
    c.change_full("file:///nowhere/never.py", 3, VULN_PY);
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///nowhere/never.py"}, "position": {"line": 0, "character": 0}}),
    );
    assert!(r["result"].is_null(), "{r}");
    // Bad params for a known method: InvalidParams, server alive.
    let r = c.request("textDocument/hover", json!({"nope": true}));
    assert_eq!(r["error"]["code"], -32602, "{r}");

    // A file in no workspace folder (no folders at all) and an untitled buffer are linted.
    let uri = "file:///definitely/not/in/a/workspace/v.py";
    c.open(uri, "python", 1, VULN_PY);
    assert_eq!(sql_diags(&c.diagnostics(uri, Some(1))).len(), 1);
    let untitled = "untitled:Untitled-1";
    c.open(untitled, "python", 1, VULN_PY);
    assert_eq!(sql_diags(&c.diagnostics(untitled, Some(1))).len(), 1);

    // A huge document (over the 4 MiB default limit) is not linted, and says so.
    let huge = format!("{}\n{VULN_PY}", "x = 1\n".repeat(800_000));
    c.open("file:///big/huge.py", "python", 1, &huge);
    let p = c.diagnostics("file:///big/huge.py", Some(1));
    let ds = p["diagnostics"].as_array().unwrap();
    assert_eq!(ds.len(), 1, "{p}");
    assert!(ds[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("not checked"));

    // Still alive: shutdown, then a request after shutdown is refused, then exit -> code 0.
    let r = c.request("shutdown", Value::Null);
    assert!(r["result"].is_null(), "{r}");
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(r["error"]["code"], -32600, "after shutdown: {r}");
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit().code(), Some(0));
}

#[test]
fn exit_without_shutdown_and_closed_stdin() {
    let mut c = Client::spawn();
    c.initialize(None, json!({}));
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit().code(), Some(1), "exit before shutdown -> 1");

    // shutdown before initialize is refused; after initialize a second shutdown is refused too;
    // a notification after shutdown is ignored; exit then ends with 0.
    let mut c = Client::spawn();
    let r = c.request("shutdown", Value::Null);
    assert_eq!(r["error"]["code"], -32002, "{r}");
    c.initialize(None, json!({}));
    assert!(c.request("shutdown", Value::Null)["result"].is_null());
    let r = c.request("shutdown", Value::Null);
    assert_eq!(r["error"]["code"], -32600, "{r}");
    c.open("file:///late.py", "python", 1, VULN_PY);
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit().code(), Some(0));

    // exit before initialize.
    let mut c = Client::spawn();
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit().code(), Some(1));

    // The editor dies: stdin closes, the server ends by itself.
    let mut c = Client::spawn();
    c.initialize(None, json!({}));
    c.close_stdin();
    assert!(c.wait_exit().code().is_some());

    // Garbage framing (no Content-Length) then EOF: no hang, no panic.
    let mut c = Client::spawn();
    c.send_raw(b"this is not a header\r\n\r\n{}\r\nContent-Length: abc\r\n\r\n");
    c.close_stdin();
    assert!(c.wait_exit().code().is_some());
}

#[test]
fn configuration_errors_reload_and_settings() {
    let ws = workspace();
    let cfg = ws.path().join("predeploy.toml");
    std::fs::write(
        &cfg,
        "fail_on = \"low\"\n[rules]\nsql-string-concatt = \"off\"\n",
    )
    .unwrap();
    let py = ws.path().join("a.py");
    std::fs::write(&py, VULN_PY).unwrap();
    let (cfg_uri, uri) = (file_uri(&cfg), file_uri(&py));
    let mut c = Client::spawn();
    c.initialize(Some(ws.path()), json!({}));
    // The broken config is reported on its file and line; linting continues with defaults.
    let p = c.diagnostics(&cfg_uri, None);
    let d = &p["diagnostics"][0];
    assert_eq!(d["range"]["start"]["line"], 2, "{p}");
    assert!(d["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `sql-string-concat`"));
    c.open(&uri, "python", 1, VULN_PY);
    assert_eq!(sql_diags(&c.diagnostics(&uri, Some(1))).len(), 1);

    // Fix the config on disk and tell the server (watched files): the error clears and the
    // rule is off.
    std::fs::write(&cfg, "[rules]\nsql-string-concat = \"off\"\n").unwrap();
    c.drain();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": cfg_uri, "type": 2}]}),
    );
    let p = c.diagnostics(&cfg_uri, None);
    assert_eq!(p["diagnostics"], json!([]));
    let p = c.diagnostics(&uri, Some(1));
    assert!(sql_diags(&p).is_empty(), "{p}");

    // Back on, via a save of the config file.
    std::fs::write(&cfg, "[rules]\nsql-string-concat = \"medium\"\n").unwrap();
    c.open(
        &cfg_uri,
        "toml",
        1,
        "[rules]\nsql-string-concat = \"medium\"\n",
    );
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": cfg_uri}}),
    );
    let p = c.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri.as_str()
            && !m["params"]["diagnostics"].as_array().unwrap().is_empty()
    });
    let p = p.expect("re-lint after config save")["params"].clone();
    assert_eq!(sql_diags(&p)[0]["severity"], 2, "medium -> Warning: {p}");

    // Client settings: failOn hides findings below the threshold; enable=false clears.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"cargoPredeploy": {"failOn": "high"}}}),
    );
    // (Re-lints from the config save above may still be in flight: wait for the expected state.)
    let count_is = |n: usize| {
        let uri = uri.clone();
        move |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri.as_str()
                && sql_diags(&m["params"]).len() == n
        }
    };
    c.wait_for(count_is(0))
        .expect("failOn=high hides the medium finding");
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"failOn": "info"}}),
    );
    c.wait_for(count_is(1)).expect("failOn=info shows it again");
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"enable": false}}),
    );
    let p = c
        .wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri.as_str()
                && m["params"]["diagnostics"] == json!([])
        })
        .expect("enable=false clears");
    // Nothing is published for the file afterwards (publishes sent before it do not count).
    assert!(p["params"]["diagnostics"].as_array().unwrap().is_empty());
    c.clear_backlog();
    let late = c.wait_for_timeout(Duration::from_millis(300), |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri.as_str()
            && !m["params"]["diagnostics"].as_array().unwrap().is_empty()
    });
    assert!(late.is_none(), "published while disabled: {late:?}");
    assert_eq!(c.shutdown_and_exit().code(), Some(0));
}

#[test]
fn fail_on_from_initialization_options() {
    let ws = workspace();
    let uri = file_uri(&ws.path().join("a.py"));
    let mut c = Client::spawn();
    c.initialize(Some(ws.path()), json!({"failOn": "critical"}));
    c.open(&uri, "python", 1, VULN_PY);
    assert_eq!(c.diagnostics(&uri, Some(1))["diagnostics"], json!([]));
    assert_eq!(c.shutdown_and_exit().code(), Some(0));
}

#[test]
fn suppression_notes_and_rust_syntax_errors() {
    let ws = workspace();
    let mut c = Client::spawn();
    c.initialize(Some(ws.path()), json!({}));
    // A suppression without a reason is ignored by the engine and shown as Information.
    let uri = file_uri(&ws.path().join("s.py"));
    let text = "def f(cursor, x):\n    # predeploy:allow(sql-string-concat)\n    cursor.execute(\"SELECT * FROM t WHERE a = \" + x)\n";
    c.open(&uri, "python", 1, text);
    let p = c.diagnostics(&uri, Some(1));
    let ds = p["diagnostics"].as_array().unwrap();
    assert_eq!(sql_diags(&p).len(), 1, "{p}");
    let note = ds
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("no reason"))
        .expect("note");
    assert_eq!(note["severity"], 3);
    assert_eq!(note["range"]["start"]["line"], 1);

    // Rust: the last good diagnostics stay while the buffer does not parse.
    let rs = file_uri(&ws.path().join("src/db.rs"));
    let good = "async fn f(pool: &Pool, name: &str) {\n    sqlx::query(&format!(\"SELECT * FROM users WHERE name = '{name}'\")).execute(pool).await;\n}\n";
    c.open(&rs, "rust", 1, good);
    let p = c.diagnostics(&rs, Some(1));
    assert_eq!(sql_diags(&p).len(), 1, "{p}");
    let broken = good.replace("execute(pool)", "execute(pool");
    c.change_full(&rs, 2, &broken);
    let none = c.wait_for_timeout(Duration::from_millis(800), |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == rs.as_str()
    });
    assert!(
        none.is_none(),
        "nothing published while it does not parse: {none:?}"
    );
    // Parses again, now safe: an empty list for version 3.
    let fixed = "async fn f(pool: &Pool, name: &str) {\n    sqlx::query(\"SELECT * FROM users WHERE name = $1\").bind(name).execute(pool).await;\n}\n";
    c.change_full(&rs, 3, fixed);
    assert_eq!(c.diagnostics(&rs, Some(3))["diagnostics"], json!([]));
    // A Rust buffer that never parsed still gets its (non-Rust) diagnostics: an empty list.
    let rs2 = file_uri(&ws.path().join("src/half.rs"));
    c.open(&rs2, "rust", 1, "fn main( {");
    assert_eq!(c.diagnostics(&rs2, Some(1))["diagnostics"], json!([]));
    assert_eq!(c.shutdown_and_exit().code(), Some(0));
}

#[test]
fn workspace_scan_with_progress_and_project_files() {
    let ws = workspace();
    std::fs::create_dir_all(ws.path().join("src")).unwrap();
    std::fs::write(ws.path().join("src/closed.py"), VULN_PY).unwrap();
    std::fs::write(ws.path().join("src/clean.py"), SAFE_PY).unwrap();
    std::fs::write(
        ws.path().join("Cargo.toml"),
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(ws.path().join("Cargo.lock"), "version = 4\n").unwrap();
    let closed = file_uri(&ws.path().join("src/closed.py"));
    let mut c = Client::spawn();
    c.initialize(Some(ws.path()), json!({"scanWorkspace": true}));
    // A file nobody opened gets its findings from the scan.
    let p = c.diagnostics(&closed, None);
    assert_eq!(sql_diags(&p).len(), 1, "{p}");
    // Progress: begin ... end.
    let begin = c
        .wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "begin")
        .expect("progress begin");
    assert_eq!(
        begin["params"]["value"]["title"],
        "cargo-predeploy: scanning"
    );
    c.wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end")
        .expect("progress end");
    // Opening Cargo.lock runs the project checks for the folder without disturbing anything.
    let lock = file_uri(&ws.path().join("Cargo.lock"));
    c.open(&lock, "toml", 1, "version = 4\n");
    let p = c.diagnostics(&lock, Some(1));
    assert!(p["diagnostics"].is_array());
    // A new workspace folder is picked up.
    let ws2 = workspace();
    std::fs::write(ws2.path().join("predeploy.toml"), "fail_on = 3\n").unwrap();
    c.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [{"uri": file_uri(ws2.path()), "name": "two"}], "removed": []}}),
    );
    let p = c.diagnostics(&file_uri(&ws2.path().join("predeploy.toml")), None);
    assert!(p["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("fail_on"));
    assert_eq!(c.shutdown_and_exit().code(), Some(0));
}

/// An edit inside one function of a Python file gets the quick check (the rules re-run on that
/// function; the rest keeps its findings), then, after a pause, the full check that brings
/// whole-file analyses such as route protection up to date.
#[test]
fn edits_in_a_function_get_a_quick_check_then_a_full_one() {
    let ws = workspace();
    let uri = file_uri(&ws.path().join("app.py"));
    let v1 = "from flask import Flask, request\nfrom flask_login import login_required\n\napp = Flask(__name__)\n\n\n@app.route(\"/items/<int:item_id>\", methods=[\"DELETE\"])\ndef delete_item(item_id):\n    db.session.delete(Item.query.get(item_id))\n    return \"\", 204\n\n\n@app.route(\"/search\")\ndef search():\n    q = request.args.get(\"q\", \"\")\n    db.session.execute(\"SELECT * FROM t WHERE a = :q\", {\"q\": q})\n    return \"ok\"\n";
    let unchecked_delete = |p: &Value| {
        p["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "unchecked-handler" && d["range"]["start"]["line"] == 6)
    };
    let mut c = Client::spawn();
    c.initialize(Some(ws.path()), json!({}));
    c.open(&uri, "python", 1, v1);
    let p = c.diagnostics(&uri, Some(1));
    assert!(unchecked_delete(&p), "{p}");
    assert!(sql_diags(&p).is_empty(), "{p}");

    // Typing in `search`: its new finding comes with the first publish of the version.
    let v2 = v1.replace(
        "\"SELECT * FROM t WHERE a = :q\", {\"q\": q}",
        "f\"SELECT * FROM t WHERE a = {q}\"",
    );
    c.change_full(&uri, 2, &v2);
    let p = c.diagnostics(&uri, Some(2));
    let ds = sql_diags(&p);
    assert_eq!(ds.len(), 1, "{p}");
    assert_eq!(ds[0]["range"]["start"]["line"], 15, "{p}");
    assert!(unchecked_delete(&p), "other findings are kept: {p}");

    // Guarding the DELETE route: the quick check keeps the route finding of the last full
    // check; the full check that follows drops it.
    let v3 = v2.replace(
        "methods=[\"DELETE\"])\n",
        "methods=[\"DELETE\"])\n@login_required\n",
    );
    c.change_full(&uri, 3, &v3);
    let quick = c.diagnostics(&uri, Some(3));
    assert!(unchecked_delete(&quick), "{quick}");
    let full = c.diagnostics(&uri, Some(3));
    assert!(!unchecked_delete(&full), "{full}");
    assert_eq!(sql_diags(&full).len(), 1, "{full}");
    assert_eq!(sql_diags(&full)[0]["range"]["start"]["line"], 16, "{full}");
    assert_eq!(c.shutdown_and_exit().code(), Some(0));
}
