//! Times the engine on one file, in process: `cargo run --release -p predeploy-rules --example
//! time_file -- FILE [RUNS]`. Prints the median of RUNS checks and of RUNS parses, to separate the
//! cost of the rules from the cost of parsing. Not a test: it prints numbers.

use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e3
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: time_file FILE [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args
        .next()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20)
        .max(1);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2);
    });
    let path = std::path::Path::new(&path);
    let cfg = predeploy_rules::Config::default();
    let kind = predeploy_rules::FileKind::detect(path);
    let mut check = Vec::new();
    let mut findings = 0;
    for _ in 0..runs {
        let t0 = Instant::now();
        let r = predeploy_rules::check_source(path, &text, &cfg);
        check.push(t0.elapsed());
        findings = r.findings.len();
    }
    let mut parse = Vec::new();
    for _ in 0..runs {
        let t0 = Instant::now();
        match kind {
            predeploy_rules::FileKind::Python => {
                std::hint::black_box(predeploy_rules::lang::python::parse(&text, None));
            }
            k if k.is_js_like() => {
                std::hint::black_box(predeploy_rules::lang::js::parse(&text, k, None));
            }
            _ => {}
        }
        parse.push(t0.elapsed());
    }
    println!(
        "{}: {} bytes, {findings} findings; check p50 {:.1} ms, parse p50 {:.1} ms",
        path.display(),
        text.len(),
        median(check),
        median(parse)
    );
    // The editor's quick re-check: a character typed in the middle of the file, after a full
    // check of the text before it.
    let mid = text.len() / 2;
    let at = text[mid..].find('\n').map_or(mid, |i| mid + i);
    let edited = format!("{} {}", &text[..at], &text[at..]);
    let mut quick = Vec::new();
    let mut complete = false;
    let mut full = None;
    predeploy_rules::engine::check_source_incremental(path, &text, kind, &cfg, &mut full);
    for _ in 0..runs * 10 {
        let mut cache = full.clone();
        let t0 = Instant::now();
        let (r, c) =
            predeploy_rules::engine::check_source_quick(path, &edited, kind, &cfg, &mut cache);
        quick.push(t0.elapsed());
        std::hint::black_box(r);
        complete = c;
    }
    println!(
        "  a space typed at byte {at}: quick re-check p50 {:.1} ms ({})",
        median(quick),
        if complete {
            "the edit needed a full check"
        } else {
            "the edited statement re-checked"
        }
    );
    // Typing a word there, each character checked from the previous check's cache as the
    // editor does.
    let mut cache = full.clone();
    let mut cur = text.clone();
    let (mut typed, mut full_path) = (Vec::new(), 0);
    for k in 0..runs {
        cur.insert(at + k, 'x');
        let t0 = Instant::now();
        let (r, c) =
            predeploy_rules::engine::check_source_quick(path, &cur, kind, &cfg, &mut cache);
        typed.push(t0.elapsed());
        std::hint::black_box(r);
        full_path += usize::from(c);
    }
    println!(
        "  {runs} characters typed there, one check each: p50 {:.1} ms ({full_path} needed a full check)",
        median(typed)
    );
    // A change in many places at once (what a formatter sends): a space added at the end of
    // every 50th line, checked from the full check's cache.
    let mut spread = String::with_capacity(text.len() + text.len() / 1000);
    for (i, line) in text.split_inclusive('\n').enumerate() {
        match line.strip_suffix('\n') {
            Some(l) if i % 50 == 25 => {
                spread.push_str(l);
                spread.push_str(" \n");
            }
            _ => spread.push_str(line),
        }
    }
    let mut many = Vec::new();
    for _ in 0..runs {
        let mut cache = full.clone();
        let t0 = Instant::now();
        let (r, c) =
            predeploy_rules::engine::check_source_quick(path, &spread, kind, &cfg, &mut cache);
        many.push(t0.elapsed());
        std::hint::black_box(r);
        complete = c;
    }
    println!(
        "  a space at the end of every 50th line: quick re-check p50 {:.1} ms ({})",
        median(many),
        if complete {
            "needed a full check"
        } else {
            "the edited statements re-checked"
        }
    );
}
