//! Parse-only baseline for the benchmark: discovers files like a scan, reads each, and parses
//! Rust (syn, doc comments made plain comments first, as the scan does), JS/TS/TSX
//! (tree-sitter) and Python (tree-sitter) files in parallel, running no rule. The difference to a full scan is the cost of the rules.
//!
//! `cargo run --release -p predeploy-rules --example parse_only -- DIR...`

use predeploy_rules::source::FileKind;
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let roots: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if roots.is_empty() {
        eprintln!("usage: parse_only DIR...");
        std::process::exit(2);
    }
    let cfg = predeploy_rules::Config::default();
    let started = Instant::now();
    let files = predeploy_rules::discover::discover(&roots, &cfg, &Default::default()).files;
    let (bytes, parsed): (usize, usize) = files
        .par_iter()
        .map(|p| {
            let Ok(read) = predeploy_rules::engine::read_text(p, cfg.max_file_size) else {
                return (0, 0);
            };
            let text = read.text;
            let kind = FileKind::detect(p);
            let ok = match kind {
                k if k.is_js_like() => predeploy_rules::lang::js::parse(&text, k, None).is_some(),
                FileKind::Python => predeploy_rules::lang::python::parse(&text, None).is_some(),
                FileKind::Rust => {
                    let ok = predeploy_rules::lang::rust::bracket_depth(&text)
                        <= predeploy_rules::lang::rust::MAX_NESTING
                        && syn::parse_file(&predeploy_rules::lang::rust::plain_doc_comments(&text))
                            .is_ok();
                    proc_macro2::extra::invalidate_current_thread_spans();
                    ok
                }
                _ => false,
            };
            (text.len(), usize::from(ok))
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let secs = started.elapsed().as_secs_f64();
    println!(
        "parse-only: {} files ({} parsed as code), {:.1} MB in {:.3} s: {:.0} files/s, {:.1} MB/s",
        files.len(),
        parsed,
        bytes as f64 / 1e6,
        secs,
        files.len() as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
}
