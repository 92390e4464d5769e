//! `cargo predeploy merge`: combines the JSON or SARIF outputs of sharded runs
//! (`check --shard K/N`) into one, deduplicated by fingerprint and sorted.

use crate::args::MergeArgs;
use crate::{paths, Status, UserError};
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn load(p: &std::path::Path) -> Result<Value, UserError> {
    let text = std::fs::read_to_string(p)
        .map_err(|e| UserError(format!("cannot read `{}`: {e}", paths::slash(p))))?;
    serde_json::from_str(&text)
        .map_err(|e| UserError(format!("`{}` is not JSON: {e}", paths::slash(p))))
}

pub fn run(args: MergeArgs) -> anyhow::Result<Status> {
    let docs: Vec<Value> = args
        .inputs
        .iter()
        .map(|p| load(p))
        .collect::<Result<_, _>>()?;
    let is_sarif = |d: &Value| d.get("runs").is_some();
    let merged = if docs.iter().all(is_sarif) {
        merge_sarif(docs)
    } else if docs.iter().all(|d| d.get("findings").is_some()) {
        merge_json(docs)
    } else {
        return Err(
            UserError("inputs must all be cargo-predeploy JSON or all SARIF".into()).into(),
        );
    };
    let failed = merged.1;
    let mut text = serde_json::to_string_pretty(&merged.0)?;
    text.push('\n');
    match &args.output {
        Some(o) => std::fs::write(o, text)
            .map_err(|e| UserError(format!("cannot write `{}`: {e}", paths::slash(o))))?,
        None => print!("{text}"),
    }
    Ok(if failed { Status::Findings } else { Status::Ok })
}

fn key(f: &Value, fp: &str) -> (String, String, String) {
    (
        f["path"]
            .as_str()
            .or(f["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
            .unwrap_or("")
            .to_owned(),
        f["rule"]
            .as_str()
            .or(f["ruleId"].as_str())
            .unwrap_or("")
            .to_owned(),
        fp.to_owned(),
    )
}

/// Our JSON format: findings and notes concatenated, deduplicated, summary recomputed.
fn merge_json(docs: Vec<Value>) -> (Value, bool) {
    let mut findings: BTreeMap<(String, String, String), Value> = BTreeMap::new();
    let mut notes = Vec::new();
    let mut files = 0u64;
    let mut bytes = 0u64;
    let mut fail_on = "low".to_owned();
    let mut failed = false;
    for d in &docs {
        for f in d["findings"].as_array().into_iter().flatten() {
            let fp = f["fingerprint"].as_str().unwrap_or("").to_owned();
            findings.entry(key(f, &fp)).or_insert_with(|| f.clone());
        }
        notes.extend(d["notes"].as_array().into_iter().flatten().cloned());
        files += d["summary"]["files_scanned"].as_u64().unwrap_or(0);
        bytes += d["summary"]["bytes_scanned"].as_u64().unwrap_or(0);
        if let Some(f) = d["summary"]["fail_on"].as_str() {
            fail_on = f.to_owned();
        }
        failed |= d["summary"]["failed"].as_bool().unwrap_or(false);
    }
    notes.sort_by_key(|n| n.to_string());
    notes.dedup();
    let findings: Vec<Value> = findings.into_values().collect();
    let active: Vec<&Value> = findings
        .iter()
        .filter(|f| f["suppression"].is_null())
        .collect();
    let mut by = serde_json::Map::new();
    for s in ["critical", "high", "medium", "low", "info"] {
        by.insert(
            s.into(),
            json!(active.iter().filter(|f| f["severity"] == s).count()),
        );
    }
    let mut out = docs[0].clone();
    out["findings"] = json!(findings);
    out["notes"] = json!(notes);
    out["summary"]["files_scanned"] = json!(files);
    out["summary"]["bytes_scanned"] = json!(bytes);
    out["summary"]["findings"] = json!(active.len());
    out["summary"]["by_severity"] = Value::Object(by);
    out["summary"]["suppressed"] = json!(findings.len() - active.len());
    out["summary"]["notes"] = json!(out["notes"].as_array().map(Vec::len).unwrap_or(0));
    out["summary"]["fail_on"] = json!(fail_on);
    out["summary"]["failed"] = json!(failed);
    out["merged_from"] = json!(docs.len());
    (out, failed)
}

/// SARIF: one run; results deduplicated by partial fingerprint, notifications concatenated.
fn merge_sarif(docs: Vec<Value>) -> (Value, bool) {
    let mut results: BTreeMap<(String, String, String), Value> = BTreeMap::new();
    let mut notifications = Vec::new();
    let mut success = true;
    for d in &docs {
        let run = &d["runs"][0];
        for r in run["results"].as_array().into_iter().flatten() {
            let fp = r["partialFingerprints"]
                .as_object()
                .and_then(|o| o.values().next())
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned();
            results.entry(key(r, &fp)).or_insert_with(|| r.clone());
        }
        let inv = &run["invocations"][0];
        notifications.extend(
            inv["toolExecutionNotifications"]
                .as_array()
                .into_iter()
                .flatten()
                .cloned(),
        );
        success &= inv["executionSuccessful"].as_bool().unwrap_or(true);
    }
    let results: Vec<Value> = results.into_values().collect();
    let failed = results
        .iter()
        .any(|r| r["suppressions"].is_null() && r["level"] == "error");
    let mut out = docs[0].clone();
    out["runs"][0]["results"] = json!(results);
    if out["runs"][0]["invocations"].is_array() {
        out["runs"][0]["invocations"][0]["toolExecutionNotifications"] = json!(notifications);
        out["runs"][0]["invocations"][0]["executionSuccessful"] = json!(success);
    }
    (out, failed)
}
