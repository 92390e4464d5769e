//! `cargo predeploy check [PATH]...`: scan, apply the baseline, render, decide the exit status.

use crate::args::{CheckArgs, Format};
use crate::baseline::Baseline;
use crate::paths::{self, ScanRoot};
use crate::render::{self, Report};
use crate::style::{self, Palette};
use crate::{Status, UserError};
use anyhow::Context;
use predeploy_rules::discover::DiscoverOptions;
use predeploy_rules::{Config, ConfigError, NoteLevel, ScanOptions};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Stack size of scan threads: deep (but legal) nesting in sources must not overflow them.
const WORKER_STACK: usize = 16 * 1024 * 1024;

/// A user-given path made absolute (the process changes into the scan root), and how to show it.
struct UserPath {
    abs: PathBuf,
    shown: String,
}

fn user_path(cwd: &Path, p: &Option<PathBuf>) -> Option<UserPath> {
    p.as_ref().map(|p| UserPath {
        abs: paths::against(cwd, p),
        shown: paths::slash(p),
    })
}

/// A finished scan with everything needed to render it or build a report from it.
pub struct Scanned {
    pub root: ScanRoot,
    pub config: Config,
    pub scan: predeploy_rules::ScanResult,
    pub fail_on: predeploy_rules::Severity,
    pub config_file: Option<String>,
    pub baseline_file: Option<String>,
}

pub fn run(args: CheckArgs) -> anyhow::Result<Status> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let output = user_path(&cwd, &args.output);
    let Scanned {
        root,
        scan,
        fail_on,
        config_file,
        baseline_file,
        ..
    } = scan(&args, &cwd)?;
    let failed = render::fails(&scan, fail_on);
    let status = status(failed, &scan.notes);

    let report = Report {
        root: &root,
        scan: &scan,
        fail_on,
        failed,
        config_file,
        baseline_file,
    };
    let format = args.format.unwrap_or(Format::Human);
    let to_stdout = output.is_none();
    let text = match format {
        Format::Human => {
            let pal = Palette {
                enabled: style::decide(args.color, to_stdout),
            };
            render::human::render(&report, pal, args.quiet)
        }
        Format::Json => render::json::render(&report),
        Format::Sarif => render::sarif::render(&report),
    };
    match &output {
        Some(o) => {
            std::fs::write(&o.abs, text.as_bytes())
                .map_err(|e| UserError(format!("cannot write the report to `{}`: {e}", o.shown)))?;
            if !args.quiet {
                let active = report.active().count();
                eprintln!(
                    "wrote {} report to `{}`: {} finding{}, {} suppressed, {} file{} scanned{}",
                    match format {
                        Format::Human => "text",
                        Format::Json => "JSON",
                        Format::Sarif => "SARIF",
                    },
                    o.shown,
                    active,
                    if active == 1 { "" } else { "s" },
                    report.suppressed(),
                    scan.files_scanned,
                    if scan.files_scanned == 1 { "" } else { "s" },
                    if failed {
                        format!("; failing at `{fail_on}`")
                    } else {
                        String::new()
                    }
                );
            }
        }
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
        }
    }
    Ok(status)
}

/// Loads the configuration, scans, and applies baselines: the part `check` and `report` share.
/// Changes the process into the scan root.
pub fn scan(args: &CheckArgs, cwd: &Path) -> anyhow::Result<Scanned> {
    let cwd = cwd.to_owned();
    let config_arg = user_path(&cwd, &args.config);
    let baseline_arg = user_path(&cwd, &args.baseline);
    let write_baseline = user_path(&cwd, &args.write_baseline);
    if let Some(j) = args.jobs {
        if j == 0 {
            return Err(UserError("--jobs must be at least 1".into()).into());
        }
    }

    for g in &args.exclude {
        globset::Glob::new(g)
            .map_err(|e| UserError(format!("--exclude `{g}` is not a valid glob: {e}")))?;
    }

    let root = paths::enter_root(&args.paths, &cwd)?;

    let mut config = match &config_arg {
        Some(c) => Config::load_file(&c.abs).map_err(|e| config_error(&e, &root, Some(c))),
        None => Config::discover(&root.abs).map_err(|e| config_error(&e, &root, None)),
    }?;
    if args.include_tests {
        config.include_tests = true;
    }
    if let Some(db) = &args.advisory_db {
        let abs = paths::against(&cwd, db);
        config.advisories.insert(
            "db".into(),
            toml::Value::String(abs.to_string_lossy().into_owned()),
        );
    }
    if args.no_advisories {
        config
            .advisories
            .insert("enabled".into(), toml::Value::Boolean(false));
    }
    let config_file = config_arg
        .as_ref()
        .map(|c| c.shown.clone())
        .or_else(|| config.source.as_ref().map(|s| shown_under_root(s, &root)));
    let fail_on = args.fail_on.map(|l| l.severity()).unwrap_or(config.fail_on);
    let baseline = match &baseline_arg {
        Some(b) => Some(Baseline::load(&b.abs, &b.shown)?),
        None => None,
    };

    // One global pool for the engine's parallel iterators, with big stacks.
    let mut pool = rayon::ThreadPoolBuilder::new()
        .stack_size(WORKER_STACK)
        .thread_name(|i| format!("predeploy-scan-{i}"));
    if let Some(j) = args.jobs {
        pool = pool.num_threads(j);
    }
    pool.build_global()
        .context("cannot start the worker threads")?;

    let cache = if args.no_cache {
        None
    } else {
        args.cache_dir
            .as_ref()
            .map(|d| paths::against(&cwd, d))
            .or_else(predeploy_rules::cache::Cache::default_dir)
            .map(|d| std::sync::Arc::new(predeploy_rules::cache::Cache::new(d, &config)))
    };
    let only = match &args.changed_since {
        Some(rev) => Some(
            predeploy_rules::git::changed_since(&root.abs, rev)
                .map_err(|e| UserError(format!("--changed-since {rev}: {e}")))?,
        ),
        None => None,
    };
    let opts = ScanOptions {
        discover: DiscoverOptions {
            exclude: args.exclude.clone(),
            no_ignore: args.no_ignore,
        },
        only,
        shard: args.shard,
        cache,
        skip_project_checks: args.changed_since.is_some(),
    };
    let mut scan = if args.staged {
        scan_staged(&root, &config)?
    } else {
        let progress = Progress::new(args.quiet);
        let progress_fn = |done: usize, total: usize| progress.update(done, total);
        let scan =
            predeploy_rules::check_paths(&root.engine_paths, &config, &opts, Some(&progress_fn));
        progress.finish();
        scan
    };
    if let Some(range) = &args.history {
        let range = (!range.is_empty()).then_some(range.as_str());
        let top = predeploy_rules::git::toplevel(&root.abs).ok_or_else(|| {
            UserError(format!(
                "--history: {} is not inside a git repository",
                paths::slash(&root.abs)
            ))
        })?;
        let found = predeploy_rules::rules::secrets::history::scan_history(&top, range, &config)
            .map_err(|e| UserError(format!("--history: {e}")))?;
        scan.findings.extend(found);
    }
    if let (true, Some(rev)) = (args.new_only, &args.changed_since) {
        keep_new_only(&mut scan, &root, rev, &config);
    }

    if let (Some(b), Some(arg)) = (&baseline, &baseline_arg) {
        b.apply(&mut scan.findings, &arg.shown);
    }
    if let Some(w) = &write_baseline {
        let b = Baseline::from_findings(&scan.findings, &root);
        b.write(&w.abs, &w.shown)?;
        let n = b.apply(&mut scan.findings, &w.shown);
        if !args.quiet {
            eprintln!(
                "wrote baseline `{}` with {} finding{}; pass --baseline {} to report only new findings",
                w.shown,
                n,
                if n == 1 { "" } else { "s" },
                w.shown
            );
        }
    }
    Ok(Scanned {
        root,
        config,
        scan,
        fail_on,
        config_file,
        baseline_file: baseline_arg.as_ref().map(|b| b.shown.clone()),
    })
}

/// Scans the staged version of every staged file (what `git commit` would record), so a secret
/// is stopped before it is ever committed. Project checks do not run.
fn scan_staged(root: &ScanRoot, config: &Config) -> anyhow::Result<predeploy_rules::ScanResult> {
    let started = Instant::now();
    let staged =
        predeploy_rules::git::staged(&root.abs).map_err(|e| UserError(format!("--staged: {e}")))?;
    let mut result = predeploy_rules::ScanResult::default();
    for (abs, text) in staged {
        let Ok(rel) = abs.strip_prefix(&root.abs) else {
            continue;
        };
        let engine_path = Path::new(".").join(rel);
        let kind = predeploy_rules::FileKind::detect(&engine_path);
        let r = predeploy_rules::engine::check_source_under(&engine_path, rel, &text, kind, config);
        result.files_scanned += 1;
        result.bytes_scanned += text.len() as u64;
        result.findings.extend(r.findings);
        result.notes.extend(r.notes);
    }
    result.duration = started.elapsed();
    Ok(result)
}

/// Drops findings that already existed at `rev`: the file's content there is checked in memory
/// and findings with the same rule and content fingerprint are not new.
fn keep_new_only(
    scan: &mut predeploy_rules::ScanResult,
    root: &ScanRoot,
    rev: &str,
    config: &Config,
) {
    use std::collections::{HashMap, HashSet};
    let mut old: HashMap<PathBuf, HashSet<(&'static str, String)>> = HashMap::new();
    for f in &scan.findings {
        if old.contains_key(&f.path) {
            continue;
        }
        let abs = root.abs.join(&f.path);
        let prints = match predeploy_rules::git::show(&root.abs, rev, &abs) {
            Some(text) => {
                let rel = f.path.strip_prefix(".").unwrap_or(&f.path);
                let kind = predeploy_rules::FileKind::detect(&f.path);
                predeploy_rules::engine::check_source_under(&f.path, rel, &text, kind, config)
                    .findings
                    .into_iter()
                    .map(|x| (x.rule.id, x.fingerprint))
                    .collect()
            }
            None => HashSet::new(),
        };
        old.insert(f.path.clone(), prints);
    }
    scan.findings.retain(|f| {
        !old.get(&f.path)
            .is_some_and(|s| s.contains(&(f.rule.id, f.fingerprint.clone())))
    });
}

/// Findings at or above the threshold give 1 (they are the actionable part, and an error note is
/// still printed); otherwise an error note (the scan could not complete) gives 2; else 0.
fn status(failed: bool, notes: &[predeploy_rules::Note]) -> Status {
    if failed {
        Status::Findings
    } else if notes.iter().any(|n| n.level == NoteLevel::Error) {
        Status::Error
    } else {
        Status::Ok
    }
}

fn shown_under_root(p: &Path, root: &ScanRoot) -> String {
    match p.strip_prefix(&root.abs) {
        Ok(rel) => format!("{}{}", root.prefix, paths::slash(rel)),
        Err(_) => paths::slash(p),
    }
}

/// `predeploy.toml:3: fail_on: unknown severity ...` with the path as the user knows it.
fn config_error(e: &ConfigError, root: &ScanRoot, arg: Option<&UserPath>) -> anyhow::Error {
    let file = match (arg, &e.path) {
        (Some(a), _) => a.shown.clone(),
        (None, Some(p)) => shown_under_root(p, root),
        (None, None) => "configuration".into(),
    };
    let mut msg = format!("invalid configuration: {file}");
    if let Some(l) = e.line {
        msg.push_str(&format!(":{l}"));
    }
    msg.push_str(": ");
    if let Some(k) = &e.key {
        msg.push_str(&format!("{k}: "));
    }
    msg.push_str(&e.message);
    UserError(msg).into()
}

/// A progress bar on standard error, shown only on a terminal and only once a scan has taken more
/// than a second (short scans print nothing).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    shown: AtomicBool,
}

impl Progress {
    fn new(quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::hidden();
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} scanning {pos}/{len} files [{elapsed}]",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
        }
    }

    fn update(&self, done: usize, total: usize) {
        let Some(bar) = &self.bar else { return };
        if !self.shown.load(Ordering::Relaxed) {
            if self.started.elapsed() < Duration::from_secs(1) {
                return;
            }
            if !self.shown.swap(true, Ordering::Relaxed) {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
        }
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use predeploy_rules::Note;

    #[test]
    fn exit_status_rules() {
        let warn = Note::warning(None, "w");
        let err = Note::error(Some("a.rs".into()), "internal error");
        assert_eq!(status(false, &[]), Status::Ok);
        assert_eq!(status(false, std::slice::from_ref(&warn)), Status::Ok);
        assert_eq!(status(false, &[warn.clone(), err.clone()]), Status::Error);
        assert_eq!(status(true, &[err]), Status::Findings);
        assert_eq!(status(true, &[]), Status::Findings);
    }
}
