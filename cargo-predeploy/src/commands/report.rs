//! `cargo predeploy report|attest|verify|keygen`: the 25-point pre-deployment report, the
//! attestations for its manual gates, and the report's integrity.

use crate::args::{AttestArgs, KeygenArgs, ReportArgs, ReportFormat, VerifyArgs};
use crate::report::{html, integrity, markdown, text};
use crate::{paths, style, Status, UserError};
use anyhow::Context;
use predeploy_rules::report::{self as model, Attestation, ReportMeta, ReportOptions};
use std::io::Write;

pub fn run(args: ReportArgs) -> anyhow::Result<Status> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let output = args
        .output
        .as_ref()
        .map(|o| (paths::against(&cwd, o), paths::slash(o)));
    let sign_key = match &args.sign {
        Some(k) => {
            let path = paths::against(&cwd, k);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                UserError(format!(
                    "cannot read the signing key `{}`: {e}",
                    paths::slash(k)
                ))
            })?;
            Some(
                integrity::read_key(&text)
                    .map_err(|e| UserError(format!("`{}`: {e}", paths::slash(k))))?,
            )
        }
        None => None,
    };
    let ca =
        match &args.ca_cert {
            Some(c) => Some(std::fs::read(paths::against(&cwd, c)).map_err(|e| {
                UserError(format!("cannot read --ca-cert `{}`: {e}", paths::slash(c)))
            })?),
            None => None,
        };
    let check = args.check_args();
    let mut scanned = crate::commands::check::scan(&check, &cwd)?;

    // Live results join the findings when asked for.
    let mut probe_meta = None;
    if let Some(url) = &args.probe {
        let mut opts = predeploy_probe::ProbeOptions::new(url.clone());
        if let Some(pem) = ca {
            opts.ca_certs_pem = vec![pem];
        }
        let out = predeploy_probe::probe(&opts, &scanned.config)
            .map_err(|e| UserError(format!("--probe {url}: {e}")))?;
        probe_meta = Some(format!(
            "{} at {} ({} requests)",
            out.target, out.taken_at, out.requests
        ));
        scanned.scan.findings.extend(out.findings);
        scanned.scan.notes.extend(out.notes);
    }

    let attestations =
        model::load_attestations(&scanned.root.abs).map_err(|e| UserError(format!("{e}")))?;
    let (commit, dirty) = match predeploy_rules::git::head(&scanned.root.abs) {
        Some((c, d)) => (Some(c), Some(d)),
        None => (None, None),
    };
    let repository = scanned
        .root
        .abs
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| paths::slash(&scanned.root.abs));
    let mut config = scanned.config.clone();
    config.fail_on = scanned.fail_on;
    let meta = ReportMeta {
        repository,
        commit,
        dirty,
        date: predeploy_rules::suppress::today(),
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        ruleset_version: predeploy_rules::RULESET_VERSION.to_owned(),
        advisory_db: None,
        config_source: scanned.config_file.clone(),
        fail_on: Some(scanned.fail_on),
        files_scanned: scanned.scan.files_scanned,
        probe: probe_meta,
    };
    // Point 8: a Rust project whose dependencies could not be checked is "not checked", never a pass.
    let advisory = predeploy_rules::rules::deps::advisory_status(&scanned.config);
    let mut meta = meta;
    meta.advisory_db = Some(crate::commands::db::describe(&advisory));
    let rust_project = scanned.root.abs.join("Cargo.lock").is_file()
        || scanned.root.abs.join("Cargo.toml").is_file();
    let mut opts = ReportOptions {
        evidence: model::find_evidence(&scanned.root.abs, &scanned.config),
        ..ReportOptions::default()
    };
    if rust_project {
        match &advisory {
            predeploy_rules::rules::deps::AdvisoryStatus::Missing { .. }
            | predeploy_rules::rules::deps::AdvisoryStatus::Invalid { .. } => {
                opts.not_checked.push((
                    8,
                    "no RustSec advisory database (run `cargo predeploy db fetch`)".into(),
                ));
            }
            predeploy_rules::rules::deps::AdvisoryStatus::Disabled => {
                opts.not_checked
                    .push((8, "advisory check disabled by configuration".into()));
            }
            predeploy_rules::rules::deps::AdvisoryStatus::Checked { .. } => {}
        }
    }
    let report = model::build(&scanned.scan, &config, &attestations, meta, &opts);

    let rendered = match args.format {
        ReportFormat::Text => {
            let color = output.is_none() && style::decide(args.color, true);
            let t = text::render(&report, color);
            if output.is_some() || sign_key.is_some() {
                integrity::seal(t, false, sign_key.as_ref())
            } else {
                t
            }
        }
        ReportFormat::Markdown => {
            integrity::seal(markdown::render(&report), true, sign_key.as_ref())
        }
        ReportFormat::Html => integrity::seal(html::render(&report), true, sign_key.as_ref()),
        ReportFormat::Json => {
            let value = serde_json::to_value(&report).context("report serializes")?;
            integrity::seal_json(value, sign_key.as_ref())
        }
    };
    match &output {
        Some((abs, shown)) => {
            std::fs::write(abs, rendered.as_bytes())
                .map_err(|e| UserError(format!("cannot write the report to `{shown}`: {e}")))?;
            eprintln!("wrote report to `{shown}`");
        }
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(rendered.as_bytes()).and_then(|_| out.flush());
        }
    }
    if args.gate && !report.passes_gate() {
        let pts: Vec<String> = report
            .gate_failures()
            .iter()
            .map(|r| r.point.number.to_string())
            .collect();
        eprintln!("release gate: fail (checklist points {})", pts.join(", "));
        return Ok(Status::Findings);
    }
    Ok(Status::Ok)
}

pub fn attest(args: AttestArgs) -> anyhow::Result<Status> {
    let point = predeploy_rules::checklist::point(args.point).expect("clap checked the range");
    let date = args
        .date
        .clone()
        .unwrap_or_else(predeploy_rules::suppress::today);
    if model::parse_date(&date).is_none() {
        return Err(UserError(format!("--date `{date}` is not a YYYY-MM-DD date")).into());
    }
    if args.by.trim().is_empty() {
        return Err(UserError(
            "--by must name who attests, e.g. \"Ana Ruiz <ana@example.org>\"".into(),
        )
        .into());
    }
    let valid_days = args.valid_days.unwrap_or(if point.attest_valid_days == 0 {
        365
    } else {
        point.attest_valid_days
    });
    let a = Attestation {
        point: args.point,
        by: args.by.clone(),
        date,
        note: args.note.clone(),
        valid_days,
    };
    let path = model::append_attestation(&args.dir, &a)
        .map_err(|e| UserError(format!("cannot write {}: {e}", model::ATTESTATIONS_FILE)))?;
    eprintln!(
        "attested point {} ({}) by {}, valid until {}; recorded in {}",
        point.number,
        point.title,
        a.by,
        a.expires(),
        paths::slash(&path)
    );
    Ok(Status::Ok)
}

pub fn verify(args: VerifyArgs) -> anyhow::Result<Status> {
    let text = std::fs::read_to_string(&args.report)
        .map_err(|e| UserError(format!("cannot read `{}`: {e}", paths::slash(&args.report))))?;
    let key = match &args.key {
        Some(k) => {
            let t = std::fs::read_to_string(k).map_err(|e| {
                UserError(format!(
                    "cannot read the public key `{}`: {e}",
                    paths::slash(k)
                ))
            })?;
            Some(
                integrity::read_key(&t)
                    .map_err(|e| UserError(format!("`{}`: {e}", paths::slash(k))))?,
            )
        }
        None => None,
    };
    match integrity::verify(&text, key.as_ref()) {
        Ok(v) => {
            println!(
                "verified: sha256 {}{}",
                v.digest,
                if v.signed && key.is_some() {
                    ", signed by the given key"
                } else if v.signed {
                    " (signed; pass --key to check the signature)"
                } else {
                    " (unsigned)"
                }
            );
            Ok(Status::Ok)
        }
        Err(e) => {
            println!("verification failed: {e}");
            Ok(Status::Findings)
        }
    }
}

pub fn keygen(args: KeygenArgs) -> anyhow::Result<Status> {
    let (secret, public) = integrity::generate_keypair().map_err(UserError)?;
    let key_path = args.out.with_extension("key");
    let pub_path = args.out.with_extension("pub");
    for p in [&key_path, &pub_path] {
        if p.exists() {
            return Err(UserError(format!(
                "`{}` exists; refusing to overwrite a key",
                paths::slash(p)
            ))
            .into());
        }
    }
    write_private(&key_path, &secret)?;
    std::fs::write(&pub_path, format!("{public}\n"))
        .map_err(|e| UserError(format!("cannot write `{}`: {e}", paths::slash(&pub_path))))?;
    eprintln!(
        "wrote {} (keep it secret) and {} (give it to reviewers)",
        paths::slash(&key_path),
        paths::slash(&pub_path)
    );
    Ok(Status::Ok)
}

fn write_private(path: &std::path::Path, secret: &str) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| UserError(format!("cannot write `{}`: {e}", paths::slash(path))))?;
    f.write_all(format!("{secret}\n").as_bytes())?;
    Ok(())
}
