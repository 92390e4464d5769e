//! The pre-deployment report model: all 25 checklist points with their status, decided from a
//! scan's findings and from attestations that people commit to the repository for the manual
//! gates. Rendering (terminal, Markdown, HTML, JSON) happens in the CLI.

use crate::checklist::{self, Automation, Point};
use crate::config::{Config, ConfigError};
use crate::engine::ScanResult;
use crate::finding::{Finding, Note};
use crate::meta::{Lang, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where attestations live, relative to the project root.
pub const ATTESTATIONS_FILE: &str = ".predeploy/attestations.toml";

/// A person's statement that a manual gate holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    pub point: u8,
    /// Who attests, e.g. `Ana Ruiz <ana@example.org>`.
    pub by: String,
    /// `YYYY-MM-DD` the attestation was made.
    pub date: String,
    #[serde(default)]
    pub note: String,
    /// Days the attestation holds; defaults to the point's validity.
    pub valid_days: u32,
}

impl Attestation {
    /// `YYYY-MM-DD` on which it stops holding.
    pub fn expires(&self) -> String {
        add_days(&self.date, self.valid_days as i64).unwrap_or_else(|| self.date.clone())
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct AttestationFile {
    #[serde(default, rename = "attestation")]
    attestations: Vec<Attestation>,
}

/// Loads `.predeploy/attestations.toml` under `root` (none: empty).
pub fn load_attestations(root: &Path) -> Result<Vec<Attestation>, ConfigError> {
    let path = root.join(ATTESTATIONS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(ConfigError {
                path: Some(path),
                line: None,
                key: None,
                message: format!("cannot read: {e}"),
            })
        }
    };
    let file: AttestationFile = toml::from_str(&text).map_err(|e| ConfigError {
        path: Some(path.clone()),
        line: e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() as u32 + 1),
        key: None,
        message: e.message().to_owned(),
    })?;
    for a in &file.attestations {
        if checklist::point(a.point).is_none() {
            return Err(ConfigError {
                path: Some(path.clone()),
                line: None,
                key: Some("point".into()),
                message: format!("checklist point {} does not exist (1..=25)", a.point),
            });
        }
        if parse_date(&a.date).is_none() {
            return Err(ConfigError {
                path: Some(path.clone()),
                line: None,
                key: Some("date".into()),
                message: format!("`{}` is not a YYYY-MM-DD date", a.date),
            });
        }
    }
    Ok(file.attestations)
}

/// Appends an attestation to `.predeploy/attestations.toml` (creating it), keeping earlier ones
/// as history. This is the one place the tool writes into a project, and only when asked.
pub fn append_attestation(root: &Path, a: &Attestation) -> std::io::Result<PathBuf> {
    let path = root.join(ATTESTATIONS_FILE);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        "# Attestations for the manual gates of the pre-deployment checklist.\n\
         # Written by `cargo predeploy attest`; review changes like code.\n"
            .to_owned()
    });
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let entry = toml::to_string(&AttestationFile {
        attestations: vec![a.clone()],
    })
    .map_err(|e| std::io::Error::other(e.to_string()))?;
    text.push('\n');
    text.push_str(&entry);
    std::fs::write(&path, text)?;
    Ok(path)
}

/// Status of the automated part of a point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum AutoStatus {
    /// Rules ran and found nothing at or above the threshold.
    Pass { below_threshold: usize },
    /// Findings at or above the threshold, by severity.
    Fail {
        by_severity: BTreeMap<Severity, usize>,
    },
    /// Nothing in the repository concerns this point (no files the rules look at).
    NotApplicable,
    /// The check could not run (e.g. no advisory database): never a pass.
    NotChecked { reason: String },
    /// No rule decides this point.
    Manual,
}

/// Status of the person-attested part of a point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum AttestStatus {
    NotNeeded,
    Attested {
        by: String,
        date: String,
        expires: String,
        note: String,
    },
    Expired {
        by: String,
        date: String,
        expired_on: String,
        note: String,
    },
    Missing,
}

#[derive(Clone, Debug, Serialize)]
pub struct PointRow {
    pub point: &'static Point,
    /// Rule ids mapped to this point.
    pub rules: Vec<&'static str>,
    pub auto: AutoStatus,
    pub attest: AttestStatus,
    /// Attestation required by the gate for this point.
    pub required: bool,
    /// Indices into `Report::findings` (unsuppressed findings of this point).
    pub findings: Vec<usize>,
    /// Documents found in the repository that support this point (SECURITY.md, an incident
    /// response plan named in the configuration...), for the person who attests.
    pub evidence: Vec<String>,
}

impl PointRow {
    /// Whether the release gate fails on this row.
    pub fn fails_gate(&self) -> bool {
        matches!(
            self.auto,
            AutoStatus::Fail { .. } | AutoStatus::NotChecked { .. }
        ) || (self.required
            && matches!(
                self.attest,
                AttestStatus::Missing | AttestStatus::Expired { .. }
            ))
    }
    /// One word for the row: pass, fail, not-applicable, not-checked, manual, attested, missing, expired.
    pub fn verdict(&self) -> &'static str {
        match (&self.auto, &self.attest) {
            (AutoStatus::Fail { .. }, _) => "fail",
            (AutoStatus::NotChecked { .. }, _) => "not-checked",
            (_, AttestStatus::Expired { .. }) if self.required => "expired",
            (_, AttestStatus::Missing) if self.required => "missing",
            (AutoStatus::Manual, AttestStatus::Attested { .. }) => "attested",
            (AutoStatus::Manual, _) => "manual",
            (AutoStatus::NotApplicable, _) => "not-applicable",
            (AutoStatus::Pass { .. }, _) => "pass",
        }
    }
}

/// Facts that make the report evidence: what was scanned, when, with what.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ReportMeta {
    pub repository: String,
    pub commit: Option<String>,
    pub dirty: Option<bool>,
    pub date: String,
    pub tool_version: String,
    pub ruleset_version: String,
    pub advisory_db: Option<String>,
    pub config_source: Option<String>,
    pub fail_on: Option<Severity>,
    pub files_scanned: usize,
    /// Live probe target and time, when the report includes a probe.
    pub probe: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub meta: ReportMeta,
    pub rows: Vec<PointRow>,
    pub findings: Vec<Finding>,
    /// Suppressed findings with their reasons (evidence of decisions taken).
    pub suppressed: Vec<Finding>,
    pub notes: Vec<Note>,
    /// Ignored advisories with reasons, and other configured exceptions.
    pub exceptions: Vec<String>,
}

impl Report {
    pub fn gate_failures(&self) -> Vec<&PointRow> {
        self.rows.iter().filter(|r| r.fails_gate()).collect()
    }
    pub fn passes_gate(&self) -> bool {
        self.gate_failures().is_empty()
    }
}

/// Options for building a report.
#[derive(Clone, Debug, Default)]
pub struct ReportOptions {
    /// Points whose automated check could not run, with the reason (e.g. point 8 without an
    /// advisory database).
    pub not_checked: Vec<(u8, String)>,
    /// Today's date `YYYY-MM-DD` (for expiry); defaults to the system date.
    pub today: Option<String>,
    /// (point, description) of supporting documents found in the repository.
    pub evidence: Vec<(u8, String)>,
}

/// Supporting documents for the manual gates: SECURITY.md (point 25) and the documents the
/// configuration names under `[report] documents = { 24 = "docs/incident-response.md", ... }`.
/// Missing named documents are reported too, so a stale path is noticed.
pub fn find_evidence(root: &Path, config: &Config) -> Vec<(u8, String)> {
    let mut out = Vec::new();
    for rel in ["SECURITY.md", ".github/SECURITY.md", "docs/SECURITY.md"] {
        if root.join(rel).is_file() {
            out.push((25, format!("security policy: {rel}")));
            break;
        }
    }
    if let Some(docs) = config.report.get("documents").and_then(|v| v.as_table()) {
        for (k, v) in docs {
            let (Ok(n), Some(path)) = (k.parse::<u8>(), v.as_str()) else {
                continue;
            };
            if checklist::point(n).is_none() {
                continue;
            }
            if root.join(path).is_file() {
                out.push((n, format!("document: {path}")));
            } else {
                out.push((
                    n,
                    format!("document named in the configuration is missing: {path}"),
                ));
            }
        }
    }
    out
}

/// Points that need an attestation by default: the manual ones. Config:
/// `[report] required_attestations = [13, 18, 20, 22, 24]`.
pub fn required_points(config: &Config) -> Vec<u8> {
    match config
        .report
        .get("required_attestations")
        .and_then(|v| v.as_array())
    {
        Some(a) => a
            .iter()
            .filter_map(|v| v.as_integer())
            .map(|n| n as u8)
            .collect(),
        None => checklist::POINTS
            .iter()
            .filter(|p| p.automation == Automation::Manual)
            .map(|p| p.number)
            .collect(),
    }
}

/// Builds the 25 rows from a scan.
pub fn build(
    scan: &ScanResult,
    config: &Config,
    attestations: &[Attestation],
    meta: ReportMeta,
    opts: &ReportOptions,
) -> Report {
    let today = opts.today.clone().unwrap_or_else(crate::suppress::today);
    let required = required_points(config);
    let scanned_langs: Vec<Lang> = scan
        .files_by_kind
        .keys()
        .filter_map(|k| kind_lang(k))
        .collect();
    let any_files = scan.files_scanned > 0;
    let (findings, suppressed): (Vec<Finding>, Vec<Finding>) = scan
        .findings
        .iter()
        .cloned()
        .partition(|f| !f.is_suppressed());
    let fail_on = config.fail_on;
    let mut rows = Vec::new();
    for point in checklist::POINTS.iter() {
        let rules: Vec<&'static crate::meta::RuleMeta> = crate::registry::all()
            .iter()
            .copied()
            .filter(|r| r.checklist == point.number && config.is_enabled(r))
            .collect();
        let idx: Vec<usize> = findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.rule.checklist == point.number)
            .map(|(i, _)| i)
            .collect();
        let probed = meta.probe.is_some();
        let applicable = rules.iter().any(|r| {
            r.languages.iter().any(|l| match l {
                Lang::Text | Lang::Project => any_files,
                Lang::Live => probed,
                other => scanned_langs.contains(other),
            })
        });
        let auto =
            if let Some((_, reason)) = opts.not_checked.iter().find(|(n, _)| *n == point.number) {
                AutoStatus::NotChecked {
                    reason: reason.clone(),
                }
            } else if rules.is_empty() {
                AutoStatus::Manual
            } else if !idx.is_empty() {
                let mut by: BTreeMap<Severity, usize> = BTreeMap::new();
                for &i in &idx {
                    *by.entry(findings[i].severity).or_default() += 1;
                }
                if by.keys().any(|s| *s >= fail_on) {
                    AutoStatus::Fail { by_severity: by }
                } else {
                    AutoStatus::Pass {
                        below_threshold: idx.len(),
                    }
                }
            } else if applicable {
                AutoStatus::Pass { below_threshold: 0 }
            } else {
                AutoStatus::NotApplicable
            };
        let is_required = required.contains(&point.number);
        let latest = attestations
            .iter()
            .filter(|a| a.point == point.number)
            .max_by(|a, b| a.date.cmp(&b.date));
        let attest = match latest {
            Some(a) => {
                let expires = a.expires();
                if expires.as_str() <= today.as_str() {
                    AttestStatus::Expired {
                        by: a.by.clone(),
                        date: a.date.clone(),
                        expired_on: expires,
                        note: a.note.clone(),
                    }
                } else {
                    AttestStatus::Attested {
                        by: a.by.clone(),
                        date: a.date.clone(),
                        expires,
                        note: a.note.clone(),
                    }
                }
            }
            None if is_required => AttestStatus::Missing,
            None => AttestStatus::NotNeeded,
        };
        rows.push(PointRow {
            point,
            rules: rules.iter().map(|r| r.id).collect(),
            auto,
            attest,
            required: is_required,
            findings: idx,
            evidence: opts
                .evidence
                .iter()
                .filter(|(n, _)| *n == point.number)
                .map(|(_, e)| e.clone())
                .collect(),
        });
    }
    Report {
        meta,
        rows,
        findings,
        suppressed,
        notes: scan.notes.clone(),
        exceptions: Vec::new(),
    }
}

fn kind_lang(kind: &str) -> Option<Lang> {
    Some(match kind {
        "rust" => Lang::Rust,
        "javascript" | "jsx" => Lang::JavaScript,
        "typescript" | "tsx" => Lang::TypeScript,
        "python" => Lang::Python,
        "dockerfile" => Lang::Docker,
        "yaml" => Lang::Yaml,
        "toml" => Lang::Toml,
        "json" => Lang::Json,
        "template" => Lang::Template,
        "env" | "text" => Lang::Text,
        "probe" => Lang::Live,
        _ => return None,
    })
}

/// `YYYY-MM-DD` -> days since 1970-01-01.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i64 = s[..4].parse().ok()?;
    let m: i64 = s[5..7].parse().ok()?;
    let d: i64 = s[8..].parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = if y2 >= 0 { y2 } else { y2 - 399 } / 400;
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

pub fn add_days(date: &str, days: i64) -> Option<String> {
    let (y, m, d) = crate::suppress::civil_from_days(parse_date(date)? + days);
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(add_days("2026-11-20", 30).as_deref(), Some("2026-12-20"));
        assert_eq!(add_days("2024-02-28", 1).as_deref(), Some("2024-02-29"));
        assert_eq!(parse_date("2026-13-01"), None);
    }

    #[test]
    fn attestations_expire() {
        let scan = ScanResult::default();
        let cfg = Config::default();
        let a = Attestation {
            point: 18,
            by: "Ana".into(),
            date: "2026-10-01".into(),
            note: "drill".into(),
            valid_days: 30,
        };
        let opts = ReportOptions {
            today: Some("2026-11-29".into()),
            ..Default::default()
        };
        let r = build(
            &scan,
            &cfg,
            std::slice::from_ref(&a),
            ReportMeta::default(),
            &opts,
        );
        let row = &r.rows[17];
        assert!(
            matches!(row.attest, AttestStatus::Expired { .. }),
            "{:?}",
            row.attest
        );
        assert!(row.fails_gate());
        let fresh = Attestation {
            date: "2026-11-20".into(),
            ..a
        };
        let r = build(&scan, &cfg, &[fresh], ReportMeta::default(), &opts);
        assert!(matches!(r.rows[17].attest, AttestStatus::Attested { .. }));
        assert!(!r.rows[17].fails_gate());
        // Point 13 (MFA) is manual and required by default: missing fails the gate.
        assert!(matches!(r.rows[12].attest, AttestStatus::Missing));
        assert!(r.rows[12].fails_gate());
    }

    #[test]
    fn attestation_file_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let a = Attestation {
            point: 24,
            by: "Bo <bo@example.org>".into(),
            date: "2026-11-01".into(),
            note: "tabletop".into(),
            valid_days: 365,
        };
        append_attestation(dir.path(), &a).unwrap();
        append_attestation(
            dir.path(),
            &Attestation {
                point: 18,
                ..a.clone()
            },
        )
        .unwrap();
        let got = load_attestations(dir.path()).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], a);
    }
}
