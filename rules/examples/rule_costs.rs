//! What each rule costs on one file, in process: `cargo run --release -p predeploy-rules
//! --example rule_costs -- FILE [RUNS]`. Times a check with every rule off (the parse and walk),
//! then with one rule on at a time, and prints the rules by median extra time. Rules of one
//! family share a check, so a family's cost shows on each of its rules. `rule_costs FILE RUNS
//! RULE` times one rule alone (to profile it). Not a test: it prints numbers.

use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e3
}

fn time(path: &std::path::Path, text: &str, cfg: &predeploy_rules::Config, runs: usize) -> f64 {
    let mut t = Vec::new();
    for _ in 0..runs {
        let t0 = Instant::now();
        std::hint::black_box(predeploy_rules::check_source(path, text, cfg));
        t.push(t0.elapsed());
    }
    median(t)
}

fn config_with(only: Option<&str>) -> predeploy_rules::Config {
    let mut toml = String::from("[rules]\n");
    for r in predeploy_rules::registry::all() {
        if Some(r.id) != only {
            toml.push_str(&format!("\"{}\" = \"off\"\n", r.id));
        }
    }
    predeploy_rules::Config::from_str_at(&toml, None).expect("generated config parses")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: rule_costs FILE [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5).max(1);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2);
    });
    let path = std::path::Path::new(&path);
    // `rule_costs FILE RUNS RULE`: time that rule alone (to profile it).
    if let Some(only) = args.next() {
        let ms = time(path, &text, &config_with(Some(&only)), runs);
        println!("{}: {only} alone {ms:.1} ms", path.display());
        return;
    }
    let all = time(path, &text, &predeploy_rules::Config::default(), runs);
    let base = time(path, &text, &config_with(Some("")), runs);
    let mut costs: Vec<(f64, &str)> = predeploy_rules::registry::all()
        .iter()
        .map(|r| {
            (
                time(path, &text, &config_with(Some(r.id)), runs) - base,
                r.id,
            )
        })
        .collect();
    costs.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!(
        "{}: all rules {all:.1} ms, no rule {base:.1} ms",
        path.display()
    );
    for (ms, id) in costs.iter().take(25) {
        println!("{ms:8.1} ms  {id}");
    }
}
