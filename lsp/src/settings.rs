//! Client settings, from `initializationOptions` and `workspace/didChangeConfiguration`.
//!
//! ```json
//! { "enable": true, "failOn": "medium", "scanWorkspace": false, "extraArgs": [] }
//! ```
//! The same object may be nested under `cargoPredeploy`, `cargo-predeploy` or `predeploy`
//! (how VS Code and Neovim send a settings section). Unknown keys, and values of the wrong type,
//! are ignored.

use predeploy_rules::Severity;
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// When false, nothing is linted and every diagnostic is cleared.
    pub enable: bool,
    /// Findings below this severity are not shown.
    pub min_severity: Severity,
    /// Scan every file of each workspace folder once after initialization.
    pub scan_workspace: bool,
    /// Debounce of `didChange` before linting, in milliseconds.
    pub debounce_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            enable: true,
            min_severity: Severity::Info,
            scan_workspace: false,
            debounce_ms: 30,
        }
    }
}

impl Settings {
    /// Applies the keys present in `v` on top of `self`. Returns messages about bad values.
    pub fn update(&mut self, v: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        let mut obj = v;
        for section in ["cargoPredeploy", "cargo-predeploy", "predeploy"] {
            if let Some(inner) = v.get(section).filter(|x| x.is_object()) {
                obj = inner;
                break;
            }
        }
        let Some(map) = obj.as_object() else {
            return problems;
        };
        if let Some(b) = map.get("enable").and_then(Value::as_bool) {
            self.enable = b;
        }
        if let Some(b) = map.get("scanWorkspace").and_then(Value::as_bool) {
            self.scan_workspace = b;
        }
        if let Some(n) = map.get("debounceMs").and_then(Value::as_u64) {
            self.debounce_ms = n.min(5_000);
        }
        match map.get("failOn") {
            Some(Value::String(s)) => match Severity::parse(s) {
                Some(sev) => self.min_severity = sev,
                None => problems.push(format!(
                    "cargo-predeploy: unknown failOn `{s}`; use info, low, medium, high or critical"
                )),
            },
            Some(Value::Null) | None => {}
            Some(other) => problems.push(format!(
                "cargo-predeploy: failOn must be a string, got {other}"
            )),
        }
        // `extraArgs` is accepted for compatibility with the CLI settings and ignored.
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_flat_and_nested() {
        let mut s = Settings::default();
        assert!(s
            .update(&json!({"failOn": "high", "enable": false, "extraArgs": ["-x"], "other": 1}))
            .is_empty());
        assert_eq!(s.min_severity, Severity::High);
        assert!(!s.enable);
        s.update(&json!({"cargoPredeploy": {"enable": true, "scanWorkspace": true}}));
        assert!(s.enable && s.scan_workspace);
        assert_eq!(s.update(&json!({"failOn": "bogus"})).len(), 1);
        assert_eq!(s.min_severity, Severity::High);
        s.update(&json!(null));
        s.update(&json!({"enable": "yes"}));
        assert!(s.enable);
    }
}
