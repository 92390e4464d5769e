//! Measures the secrets pass on a tree and lists its findings (masked).
//!
//! `cargo run --release -p predeploy-rules --example secrets_scan -- <path>... [--quiet]`
//!
//! Prints: files and bytes scanned, the time of a full `check_paths` (every registered rule)
//! and of the secrets text detectors alone, then every secrets finding.

use predeploy_rules::rules::secrets::{catalog, credentials_in_url};
use predeploy_rules::{check_paths, Config, ScanOptions};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut roots = Vec::new();
    let mut quiet = false;
    for a in std::env::args().skip(1) {
        if a == "--quiet" {
            quiet = true;
        } else {
            roots.push(PathBuf::from(a));
        }
    }
    let config = Config::default();
    let t = Instant::now();
    let result = check_paths(&roots, &config, &ScanOptions::default(), None);
    let full = t.elapsed();

    // The text detectors alone, single-threaded, over the same files.
    let files = predeploy_rules::discover::discover(&roots, &config, &Default::default()).files;
    // Reading alone (and a memchr line count so the text is touched), for the baseline cost.
    let t = Instant::now();
    let mut lines = 0usize;
    for f in &files {
        if let Ok(r) = predeploy_rules::engine::read_text(f, config.max_file_size) {
            lines += memchr::memchr_iter(b'\n', r.text.as_bytes()).count();
        }
    }
    let read_only = t.elapsed();
    if std::env::var_os("SECRETS_STATS").is_some() {
        let _ = catalog::STATS.set(Default::default());
    }
    let t = Instant::now();
    let mut hits = 0usize;
    let mut bytes = 0usize;
    for f in &files {
        if let Ok(r) = predeploy_rules::engine::read_text(f, config.max_file_size) {
            bytes += r.text.len();
            hits += catalog::scan(&r.text).len();
            hits += credentials_in_url::find(&r.text).len();
        }
    }
    let text_only = t.elapsed();

    let mut by_rule = std::collections::BTreeMap::<&str, usize>::new();
    for f in &result.findings {
        *by_rule.entry(f.rule.id).or_default() += 1;
        if !quiet && f.rule.checklist == 5 {
            let snippet = f
                .snippet
                .as_ref()
                .map(|s| {
                    s.text
                        .lines()
                        .next()
                        .unwrap_or("")
                        .trim()
                        .chars()
                        .take(140)
                        .collect::<String>()
                })
                .unwrap_or_default();
            println!(
                "{}:{}: [{}] {}\n    {}",
                f.path.display(),
                f.start.line,
                f.rule.id,
                f.message,
                snippet
            );
        }
    }
    eprintln!(
        "files: {} ({} MB, {} lines); full check_paths (all rules, {} threads): {:.2?}; reading the files (1 thread): {:.2?}; reading + secrets text detectors (1 thread): {:.2?} ({:.0} MB/s), {} raw hits",
        result.files_scanned,
        bytes / 1_000_000,
        lines,
        rayon::current_num_threads(),
        full,
        read_only,
        text_only,
        bytes as f64 / 1e6 / text_only.as_secs_f64(),
        hits
    );
    eprintln!("findings by rule: {by_rule:?}");
    if let Some(st) = catalog::STATS.get() {
        let st = st.lock().unwrap();
        let mut v: Vec<_> = st.iter().collect();
        v.sort_by_key(|(_, (_, b))| std::cmp::Reverse(*b));
        for (id, (n, b)) in v.iter().take(12) {
            eprintln!("  windows {id}: {n} ({} KB)", b / 1000);
        }
    }
}
