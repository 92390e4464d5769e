//! Rendering the pre-deployment report (terminal, Markdown, HTML, JSON) and its integrity
//! trailer (SHA-256 digest, optional Ed25519 signature).

pub mod html;
pub mod integrity;
pub mod markdown;
pub mod text;

use predeploy_rules::report::{AttestStatus, AutoStatus, PointRow, Report};
use predeploy_rules::Severity;

/// A short status phrase for a row, e.g. "fail (2 high, 1 medium)".
pub fn status_phrase(row: &PointRow) -> String {
    let auto = match &row.auto {
        AutoStatus::Pass { below_threshold: 0 } => "pass".to_owned(),
        AutoStatus::Pass { below_threshold: n } => format!("pass ({n} below threshold)"),
        AutoStatus::Fail { by_severity } => {
            let parts: Vec<String> = by_severity
                .iter()
                .rev()
                .map(|(s, n)| format!("{n} {s}"))
                .collect();
            format!("fail ({})", parts.join(", "))
        }
        AutoStatus::NotApplicable => "not applicable".to_owned(),
        AutoStatus::NotChecked { reason } => format!("not checked: {reason}"),
        AutoStatus::Manual => "manual".to_owned(),
    };
    let attest = match &row.attest {
        AttestStatus::NotNeeded => None,
        AttestStatus::Attested {
            by, date, expires, ..
        } => Some(format!("attested by {by} on {date}, valid until {expires}")),
        AttestStatus::Expired { by, expired_on, .. } => {
            Some(format!("attestation by {by} expired on {expired_on}"))
        }
        AttestStatus::Missing => Some("attestation missing".to_owned()),
    };
    let mut out = match attest {
        Some(a) if matches!(row.auto, AutoStatus::Manual) => a,
        Some(a) => format!("{auto}; {a}"),
        None => auto,
    };
    for e in &row.evidence {
        out.push_str("; ");
        out.push_str(e);
    }
    out
}

/// Counts of unsuppressed findings by severity.
pub fn severity_counts(report: &Report) -> Vec<(Severity, usize)> {
    Severity::ALL
        .iter()
        .rev()
        .map(|s| {
            (
                *s,
                report.findings.iter().filter(|f| f.severity == *s).count(),
            )
        })
        .collect()
}

/// Display path with forward slashes.
pub fn display_path(p: &std::path::Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_owned).unwrap_or(s)
}
