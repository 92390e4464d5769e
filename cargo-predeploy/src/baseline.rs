//! Baselines: accepted findings recorded by content fingerprint, so a team can adopt the tool on
//! an existing codebase and fail only on new findings.
//!
//! The file is JSON, sorted, without line numbers or timestamps (it changes only when the set of
//! accepted findings changes):
//!
//! ```json
//! {
//!   "version": 1,
//!   "tool": "cargo-predeploy",
//!   "findings": [
//!     { "rule": "sql-string-concat", "path": "app/db.py", "fingerprint": "3f2a9c0d1e4b5a67" }
//!   ]
//! }
//! ```
//!
//! A finding matches an entry when its fingerprint (rule, path relative to the scan root and the
//! flagged code with whitespace normalized) is listed: moving code keeps it baselined, changing the
//! flagged code reports it again.

use crate::paths::ScanRoot;
use crate::UserError;
use predeploy_rules::finding::Suppression;
use predeploy_rules::Finding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

pub const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Clone)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    pub fingerprint: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    #[serde(default)]
    pub tool: String,
    pub findings: Vec<Entry>,
}

impl Baseline {
    pub fn from_findings(findings: &[Finding], root: &ScanRoot) -> Baseline {
        let set: BTreeSet<Entry> = findings
            .iter()
            .filter(|f| !f.is_suppressed())
            .map(|f| Entry {
                rule: f.rule.id.to_owned(),
                path: root.rel(&f.path),
                fingerprint: f.fingerprint.clone(),
            })
            .collect();
        Baseline {
            version: VERSION,
            tool: "cargo-predeploy".into(),
            findings: set.into_iter().collect(),
        }
    }

    pub fn load(path: &Path, shown: &str) -> Result<Baseline, UserError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| UserError(format!("cannot read baseline `{shown}`: {e}")))?;
        let b: Baseline = serde_json::from_str(&text).map_err(|e| {
            UserError(format!(
                "baseline `{shown}` is not a cargo-predeploy baseline: {e} (line {}); write a new one with --write-baseline",
                e.line()
            ))
        })?;
        if b.version != VERSION {
            return Err(UserError(format!(
                "baseline `{shown}` has version {}, this cargo-predeploy reads version {VERSION}; write a new one with --write-baseline",
                b.version
            )));
        }
        Ok(b)
    }

    pub fn write(&self, path: &Path, shown: &str) -> Result<(), UserError> {
        let mut text = serde_json::to_string_pretty(self).expect("baseline serializes");
        text.push('\n');
        std::fs::write(path, text)
            .map_err(|e| UserError(format!("cannot write baseline `{shown}`: {e}")))
    }

    /// Marks matching, not yet suppressed findings as suppressed with kind "baseline".
    /// Returns how many matched.
    pub fn apply(&self, findings: &mut [Finding], shown: &str) -> usize {
        let fps: BTreeSet<&str> = self
            .findings
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        let mut n = 0;
        for f in findings.iter_mut() {
            if f.suppression.is_none() && fps.contains(f.fingerprint.as_str()) {
                f.suppression = Some(Suppression {
                    kind: "baseline",
                    reason: format!("accepted in baseline {shown}"),
                    line: None,
                    until: None,
                });
                n += 1;
            }
        }
        n
    }
}
