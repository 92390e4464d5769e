//! Configuration: `predeploy.toml` (or `.predeploy.toml`) at the project root, or
//! `[workspace.metadata.predeploy]` / `[package.metadata.predeploy]` in Cargo.toml.
//!
//! ```toml
//! fail_on = "medium"                # findings at or above this fail the run (default "low")
//! exclude = ["vendor/**", "*.min.js"]
//! max_file_size = 4_000_000         # bytes; larger files are skipped with a note
//! [rules]
//! sql-string-concat = "critical"    # override severity
//! weak-hash = "off"                 # disable
//! [rules.unchecked-handler]         # table form: level plus rule options
//! level = "high"
//! public_routes = ["/health"]
//! ```

use crate::meta::{RuleMeta, Severity};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Default size limit for one file.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 4 * 1024 * 1024;

#[derive(Clone, Debug, Default, PartialEq)]
pub enum RuleLevel {
    /// The rule's own severity.
    #[default]
    Default,
    Off,
    Severity(Severity),
}

#[derive(Clone, Debug, Default)]
pub struct RuleSetting {
    pub level: RuleLevel,
    /// Rule-specific options (everything in the rule's table except `level`).
    pub options: toml::Table,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Where the configuration came from, if a file.
    pub source: Option<PathBuf>,
    pub fail_on: Severity,
    pub exclude: Vec<String>,
    /// Paths (globs) whose findings are dropped for every rule, e.g. fixtures.
    pub max_file_size: u64,
    pub rules: BTreeMap<String, RuleSetting>,
    /// Sections owned by individual features, kept as raw tables.
    pub advisories: toml::Table,
    pub secrets: toml::Table,
    pub report: toml::Table,
    pub probe: toml::Table,
    /// Include test files (tests/, *_test.py, *.spec.ts ...) in rules that skip them by default.
    pub include_tests: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            source: None,
            fail_on: Severity::Low,
            exclude: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            rules: BTreeMap::new(),
            advisories: toml::Table::new(),
            secrets: toml::Table::new(),
            report: toml::Table::new(),
            probe: toml::Table::new(),
            include_tests: false,
        }
    }
}

/// A configuration error a person can act on: file, line, key, what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: Option<PathBuf>,
    pub line: Option<u32>,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.line) {
            (Some(p), Some(l)) => write!(f, "{}:{}: ", p.display(), l)?,
            (Some(p), None) => write!(f, "{}: ", p.display())?,
            _ => {}
        }
        if let Some(k) = &self.key {
            write!(f, "key `{k}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Severity a rule reports at, or `None` when disabled.
    pub fn level_for(&self, rule: &RuleMeta) -> Option<Severity> {
        match self.rules.get(rule.id).map(|s| &s.level) {
            Some(RuleLevel::Off) => None,
            Some(RuleLevel::Severity(s)) => Some(*s),
            _ => Some(rule.severity),
        }
    }

    pub fn is_enabled(&self, rule: &RuleMeta) -> bool {
        self.level_for(rule).is_some()
    }

    /// Options table of a rule (`[rules.<id>]` minus `level`).
    pub fn rule_options(&self, id: &str) -> Option<&toml::Table> {
        self.rules.get(id).map(|s| &s.options)
    }

    /// A string-list option of a rule, e.g. `guards = ["require_admin"]`.
    pub fn rule_list(&self, id: &str, key: &str) -> Vec<String> {
        self.rule_options(id)
            .and_then(|t| t.get(key))
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Finds and loads the configuration for a project rooted at `root` (a directory).
    /// Looks for `predeploy.toml`, `.predeploy.toml`, then Cargo.toml metadata. No file: defaults.
    pub fn discover(root: &Path) -> Result<Config, ConfigError> {
        for name in ["predeploy.toml", ".predeploy.toml"] {
            let p = root.join(name);
            if p.is_file() {
                return Config::load_file(&p);
            }
        }
        let cargo = root.join("Cargo.toml");
        if cargo.is_file() {
            let text = std::fs::read_to_string(&cargo).map_err(|e| ConfigError {
                path: Some(cargo.clone()),
                line: None,
                key: None,
                message: format!("cannot read: {e}"),
            })?;
            // A broken Cargo.toml is not our config error: cargo will say so. Only look at metadata.
            if let Ok(doc) = text.parse::<toml::Table>() {
                for section in ["workspace", "package"] {
                    if let Some(meta) = doc
                        .get(section)
                        .and_then(|w| w.get("metadata"))
                        .and_then(|m| m.get("predeploy"))
                        .and_then(|p| p.as_table())
                    {
                        let mut cfg = Config::from_table(meta.clone(), &text, Some(&cargo))?;
                        cfg.source = Some(cargo.clone());
                        return Ok(cfg);
                    }
                }
            }
        }
        Ok(Config::default())
    }

    pub fn load_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: Some(path.to_owned()),
            line: None,
            key: None,
            message: format!("cannot read configuration: {e}"),
        })?;
        let mut cfg = Config::from_str_at(&text, Some(path))?;
        cfg.source = Some(path.to_owned());
        Ok(cfg)
    }

    /// Parses a `predeploy.toml` text.
    pub fn from_str_at(text: &str, path: Option<&Path>) -> Result<Config, ConfigError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let line = e.span().map(|s| line_of(text, s.start));
            ConfigError {
                path: path.map(Path::to_owned),
                line,
                key: None,
                message: format!("invalid TOML: {}", e.message()),
            }
        })?;
        Config::from_table(table, text, path)
    }

    fn from_table(
        table: toml::Table,
        text: &str,
        path: Option<&Path>,
    ) -> Result<Config, ConfigError> {
        let err = |key: &str, message: String| ConfigError {
            path: path.map(Path::to_owned),
            line: find_key_line(text, key),
            key: Some(key.to_owned()),
            message,
        };
        let mut cfg = Config::default();
        for (key, value) in table {
            match key.as_str() {
                "fail_on" | "fail-on" => {
                    let s = value
                        .as_str()
                        .ok_or_else(|| err(&key, "expected a string".into()))?;
                    cfg.fail_on = Severity::parse(s).ok_or_else(|| {
                        err(
                            &key,
                            format!(
                                "unknown severity `{s}`; use info, low, medium, high or critical"
                            ),
                        )
                    })?;
                }
                "exclude" => {
                    cfg.exclude = string_list(&value)
                        .ok_or_else(|| err(&key, "expected a list of glob strings".into()))?;
                    for g in &cfg.exclude {
                        globset::Glob::new(g)
                            .map_err(|e| err(&key, format!("bad glob `{g}`: {e}")))?;
                    }
                }
                "max_file_size" | "max-file-size" => {
                    let n = value
                        .as_integer()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| err(&key, "expected a positive number of bytes".into()))?;
                    cfg.max_file_size = n as u64;
                }
                "include_tests" | "include-tests" => {
                    cfg.include_tests = value
                        .as_bool()
                        .ok_or_else(|| err(&key, "expected true or false".into()))?;
                }
                "rules" => {
                    let t = value
                        .as_table()
                        .ok_or_else(|| err(&key, "expected a table of rule ids".into()))?;
                    for (id, v) in t {
                        if crate::registry::by_id(id).is_none() {
                            let hint = crate::registry::closest_id(id)
                                .map(|c| format!(" (did you mean `{c}`?)"))
                                .unwrap_or_default();
                            return Err(err(
                                id,
                                format!("unknown rule id `{id}`{hint}; `cargo predeploy rules` lists them"),
                            ));
                        }
                        let setting =
                            match v {
                                toml::Value::String(s) => RuleSetting {
                                    level: parse_level(s).ok_or_else(|| err(id, bad_level(s)))?,
                                    options: toml::Table::new(),
                                },
                                toml::Value::Boolean(b) => RuleSetting {
                                    level: if *b {
                                        RuleLevel::Default
                                    } else {
                                        RuleLevel::Off
                                    },
                                    options: toml::Table::new(),
                                },
                                toml::Value::Table(t) => {
                                    let mut options = t.clone();
                                    let level = match options.remove("level") {
                                        None => RuleLevel::Default,
                                        Some(toml::Value::String(s)) => {
                                            parse_level(&s).ok_or_else(|| err(id, bad_level(&s)))?
                                        }
                                        Some(_) => {
                                            return Err(err(id, "`level` must be a string".into()))
                                        }
                                    };
                                    RuleSetting { level, options }
                                }
                                _ => return Err(err(
                                    id,
                                    "expected a level string (\"off\", \"low\", ...) or a table"
                                        .into(),
                                )),
                            };
                        cfg.rules.insert(id.clone(), setting);
                    }
                }
                "advisories" | "secrets" | "report" | "probe" => {
                    let t = match value {
                        toml::Value::Table(t) => t,
                        _ => return Err(err(&key, "expected a table".into())),
                    };
                    match key.as_str() {
                        "advisories" => cfg.advisories = t,
                        "secrets" => cfg.secrets = t,
                        "report" => cfg.report = t,
                        _ => cfg.probe = t,
                    }
                }
                other => return Err(err(
                    other,
                    "unknown key; expected fail_on, exclude, max_file_size, include_tests, rules, \
                         advisories, secrets, report or probe"
                        .into(),
                )),
            }
        }
        Ok(cfg)
    }
}

fn bad_level(s: &str) -> String {
    format!("unknown level `{s}`; use off, on, info, low, medium, high or critical")
}

fn parse_level(s: &str) -> Option<RuleLevel> {
    match s.to_ascii_lowercase().as_str() {
        "off" | "allow" | "disabled" | "false" => Some(RuleLevel::Off),
        "on" | "default" | "enabled" | "true" => Some(RuleLevel::Default),
        other => Severity::parse(other).map(RuleLevel::Severity),
    }
}

fn string_list(v: &toml::Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|x| x.as_str().map(str::to_owned))
        .collect()
}

fn line_of(text: &str, offset: usize) -> u32 {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count() as u32
        + 1
}

/// The 1-based line where `key` is first written as a key (`key =`, `[..key]`, `"key" =`).
fn find_key_line(text: &str, key: &str) -> Option<u32> {
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let t = t.trim_start_matches('[').trim_start_matches('"');
        if let Some(rest) = t.strip_prefix(key) {
            let rest = rest.trim_start_matches('"').trim_start();
            if rest.starts_with('=') || rest.starts_with(']') || rest.starts_with('.') {
                return Some(i as u32 + 1);
            }
        }
        if line.contains(&format!("rules.{key}")) {
            return Some(i as u32 + 1);
        }
    }
    None
}
