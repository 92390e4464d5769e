//! `cargo predeploy probe URL`: live checks of a deployed site, rendered like any scan.

use crate::args::{Format, ProbeArgs};
use crate::paths::{self, ScanRoot};
use crate::render::{self, Report};
use crate::style::{self, Palette};
use crate::{Status, UserError};
use anyhow::Context;
use predeploy_rules::{Config, ScanResult};
use std::io::Write;
use std::time::{Duration, Instant};

pub fn run(args: ProbeArgs) -> anyhow::Result<Status> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let config =
        Config::discover(&cwd).map_err(|e| UserError(format!("invalid configuration: {e}")))?;
    let mut opts = predeploy_probe::ProbeOptions::new(args.url.clone());
    opts.paths = args.paths.clone();
    opts.timeout = Duration::from_secs(args.timeout.max(1));
    opts.skip_http = args.no_http;
    opts.http_url = args.http_url.clone();
    if let Some(c) = &args.ca_cert {
        let pem = std::fs::read(paths::against(&cwd, c))
            .map_err(|e| UserError(format!("cannot read --ca-cert `{}`: {e}", paths::slash(c))))?;
        opts.ca_certs_pem = vec![pem];
    }
    let started = Instant::now();
    let out = predeploy_probe::probe(&opts, &config).map_err(|e| UserError(e.to_string()))?;
    eprintln!(
        "probed {} at {} with {} requests",
        out.target, out.taken_at, out.requests
    );
    let scan = ScanResult {
        findings: out.findings,
        notes: out.notes,
        files_scanned: out.documents.len(),
        bytes_scanned: out.documents.iter().map(|(_, d)| d.len() as u64).sum(),
        duration: started.elapsed(),
        files_by_kind: Default::default(),
    };
    let root = ScanRoot {
        abs: cwd.clone(),
        prefix: String::new(),
        engine_paths: Vec::new(),
    };
    let fail_on = args.fail_on.severity();
    let failed = render::fails(&scan, fail_on);
    let report = Report {
        root: &root,
        scan: &scan,
        fail_on,
        failed,
        config_file: None,
        baseline_file: None,
    };
    let to_stdout = args.output.is_none();
    let text = match args.format {
        Format::Human => render::human::render(
            &report,
            Palette {
                enabled: style::decide(args.color, to_stdout),
            },
            false,
        ),
        Format::Json => render::json::render(&report),
        Format::Sarif => render::sarif::render(&report),
    };
    match &args.output {
        Some(o) => std::fs::write(paths::against(&cwd, o), text.as_bytes())
            .map_err(|e| UserError(format!("cannot write `{}`: {e}", paths::slash(o))))?,
        None => {
            let mut so = std::io::stdout().lock();
            let _ = so.write_all(text.as_bytes()).and_then(|_| so.flush());
        }
    }
    Ok(if failed { Status::Findings } else { Status::Ok })
}
