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

pub fn run(args: CheckArgs) -> anyhow::Result<Status> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let output = user_path(&cwd, &args.output);
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

    let opts = ScanOptions {
        discover: DiscoverOptions {
            exclude: args.exclude.clone(),
            no_ignore: args.no_ignore,
        },
        ..ScanOptions::default()
    };
    let progress = Progress::new(args.quiet);
    let progress_fn = |done: usize, total: usize| progress.update(done, total);
    let mut scan =
        predeploy_rules::check_paths(&root.engine_paths, &config, &opts, Some(&progress_fn));
    progress.finish();

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

    let failed = render::fails(&scan, fail_on);
    let status = status(failed, &scan.notes);

    let report = Report {
        root: &root,
        scan: &scan,
        fail_on,
        failed,
        config_file,
        baseline_file: baseline_arg.as_ref().map(|b| b.shown.clone()),
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
