//! The RustSec advisory database: where it is, how old it is, the `[advisories]` configuration,
//! and an explicit `fetch_db` for `cargo predeploy db fetch`. Scans never touch the network.
//!
//! ```toml
//! [advisories]
//! db = "path/to/advisory-db"   # else $PREDEPLOY_ADVISORY_DB, else ~/.cargo/advisory-db (cargo-audit's)
//! max_age_days = 7              # older databases produce a warning
//! enabled = true                # false: point 8 advisories are not checked
//! ignore = [{ id = "RUSTSEC-2024-0003", reason = "not reachable: no HTTP/2 server", until = "2027-01-31" }]
//! ```
//!
//! The database date is taken, in order, from the git commit date of a git checkout (read-only
//! `git log -1`), from the `(YYYY-MM-DD)` date in a `SNAPSHOT.txt` at its root, or from the newest
//! advisory date in it (a lower bound of its freshness). Directory modification times are not
//! used: copying or unpacking a database resets them.

use crate::config::Config;
use crate::finding::Note;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

/// The database cargo-audit uses by default, relative to `$CARGO_HOME` (`~/.cargo`).
const DEFAULT_DIR: &str = "advisory-db";
/// Upstream repository for `fetch_db`.
pub const ADVISORY_DB_URL: &str = "https://github.com/rustsec/advisory-db.git";
/// Default maximum age in days before a warning.
pub const DEFAULT_MAX_AGE_DAYS: i64 = 7;

/// What point 8's advisory check could do in this configuration, for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdvisoryStatus {
    /// A database was loaded.
    Checked {
        db_path: PathBuf,
        /// `YYYY-MM-DD`, when known.
        db_date: Option<String>,
        /// Where the date comes from: `git commit`, `SNAPSHOT.txt`, `newest advisory`.
        date_source: &'static str,
        /// Days between the database date and today.
        age_days: Option<i64>,
        /// Number of advisories in the database.
        advisories: usize,
    },
    /// No database found in any of these places: advisories were NOT checked.
    Missing { searched: Vec<PathBuf> },
    /// A database directory exists but could not be loaded.
    Invalid { db_path: PathBuf, error: String },
    /// `[advisories] enabled = false`.
    Disabled,
}

impl AdvisoryStatus {
    pub fn is_checked(&self) -> bool {
        matches!(self, AdvisoryStatus::Checked { .. })
    }
}

/// One `[[advisories.ignore]]` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreEntry {
    pub id: String,
    pub reason: String,
    /// `YYYY-MM-DD`: the ignore stops applying after this day.
    pub until: Option<String>,
    /// 1-based line in the configuration file, when found.
    pub line: Option<u32>,
}

/// The parsed `[advisories]` table. Problems in it become notes (the rest still applies).
#[derive(Clone, Debug)]
pub struct AdvisoryConfig {
    pub enabled: bool,
    pub db: Option<PathBuf>,
    pub max_age_days: i64,
    pub ignore: Vec<IgnoreEntry>,
    pub notes: Vec<Note>,
}

impl AdvisoryConfig {
    pub fn from_config(config: &Config) -> AdvisoryConfig {
        let t = &config.advisories;
        let src = config.source.clone();
        let src_text = src
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default();
        let line_of = |needle: &str| -> Option<u32> {
            src_text
                .lines()
                .position(|l| l.contains(needle))
                .map(|i| i as u32 + 1)
        };
        let mut notes = Vec::new();
        let mut warn = |needle: &str, msg: String| {
            let mut n = Note::warning(src.clone(), msg);
            if let Some(l) = line_of(needle) {
                n = n.at_line(l);
            }
            notes.push(n);
        };
        let mut out = AdvisoryConfig {
            enabled: true,
            db: None,
            max_age_days: DEFAULT_MAX_AGE_DAYS,
            ignore: Vec::new(),
            notes: Vec::new(),
        };
        for (key, value) in t {
            match key.as_str() {
                "enabled" => match value.as_bool() {
                    Some(b) => out.enabled = b,
                    None => warn("enabled", "[advisories] enabled: expected true or false".into()),
                },
                "db" => match value.as_str() {
                    Some(s) => {
                        let p = expand_home(s);
                        // Relative paths are relative to the configuration file.
                        let p = match (&src, p.is_relative()) {
                            (Some(cfg), true) => cfg.parent().unwrap_or(Path::new(".")).join(p),
                            _ => p,
                        };
                        out.db = Some(p);
                    }
                    None => warn("db", "[advisories] db: expected a path string".into()),
                },
                "max_age_days" | "max-age-days" => match value.as_integer() {
                    Some(n) if n >= 0 => out.max_age_days = n,
                    _ => warn(
                        "max_age_days",
                        "[advisories] max_age_days: expected a number of days (0 or more)".into(),
                    ),
                },
                "ignore" => {
                    let Some(items) = value.as_array() else {
                        warn(
                            "ignore",
                            "[advisories] ignore: expected a list of { id, reason, until } tables"
                                .into(),
                        );
                        continue;
                    };
                    for item in items {
                        let Some(tab) = item.as_table() else {
                            warn(
                                "ignore",
                                "[advisories] ignore: each entry must be a table { id = \"RUSTSEC-...\", reason = \"...\" }"
                                    .into(),
                            );
                            continue;
                        };
                        let Some(id) = tab.get("id").and_then(|v| v.as_str()) else {
                            warn("ignore", "[advisories] ignore entry without `id`".into());
                            continue;
                        };
                        let reason = tab
                            .get("reason")
                            .and_then(|v| v.as_str())
                            .map(str::trim)
                            .unwrap_or_default();
                        if reason.is_empty() {
                            warn(
                                id,
                                format!("[advisories] ignore of {id} has no `reason`; it is not applied (say why the advisory does not affect you)"),
                            );
                            continue;
                        }
                        let until = match tab.get("until") {
                            None => None,
                            Some(v) => match v
                                .as_str()
                                .map(str::to_owned)
                                .or_else(|| v.as_datetime().map(|d| d.to_string()))
                            {
                                Some(s) if parse_date(&s).is_some() => Some(s[..10].to_owned()),
                                _ => {
                                    warn(
                                        id,
                                        format!("[advisories] ignore of {id}: `until` must be a date like \"2027-01-31\"; it is not applied"),
                                    );
                                    continue;
                                }
                            },
                        };
                        out.ignore.push(IgnoreEntry {
                            id: id.to_owned(),
                            reason: reason.to_owned(),
                            until,
                            line: line_of(id),
                        });
                    }
                }
                other => warn(
                    other,
                    format!("[advisories] unknown key `{other}`; expected db, max_age_days, ignore or enabled"),
                ),
            }
        }
        out.notes = notes;
        out
    }

    /// Candidate database locations, in order.
    pub fn candidates(&self) -> Vec<PathBuf> {
        if let Some(db) = &self.db {
            return vec![db.clone()];
        }
        let mut v = Vec::new();
        if let Some(p) = std::env::var_os("PREDEPLOY_ADVISORY_DB").filter(|p| !p.is_empty()) {
            v.push(PathBuf::from(p));
            return v;
        }
        v.push(default_db_path());
        v
    }
}

/// cargo-audit's default location: `$CARGO_HOME/advisory-db`, else `~/.cargo/advisory-db`.
pub fn default_db_path() -> PathBuf {
    if let Some(h) = std::env::var_os("CARGO_HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(h).join(DEFAULT_DIR);
    }
    home_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".cargo")
        .join(DEFAULT_DIR)
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

fn expand_home(s: &str) -> PathBuf {
    if let Some(rest) = s.strip_prefix("~/") {
        if let Some(h) = home_dir() {
            return h.join(rest);
        }
    }
    PathBuf::from(s)
}

/// A loaded database with its date.
pub struct LoadedDb {
    pub path: PathBuf,
    pub db: rustsec::Database,
    pub date: Option<String>,
    pub date_source: &'static str,
    pub count: usize,
}

type Stamp = Vec<Option<std::time::SystemTime>>;
type Cache = Mutex<Option<(PathBuf, Stamp, Arc<LoadedDb>)>>;
static CACHE: Cache = Mutex::new(None);

/// Loads (or reuses) the database the configuration points at.
pub fn load(cfg: &AdvisoryConfig) -> Result<Arc<LoadedDb>, AdvisoryStatus> {
    if !cfg.enabled {
        return Err(AdvisoryStatus::Disabled);
    }
    let candidates = cfg.candidates();
    let Some(path) = candidates
        .iter()
        .find(|p| p.join("crates").is_dir())
        .cloned()
    else {
        return Err(AdvisoryStatus::Missing {
            searched: candidates,
        });
    };
    // Reused while unchanged: `crates/` (new crate directories), the git index (a fetch), the
    // snapshot marker.
    let stamp: Stamp = ["crates", ".git/index", "SNAPSHOT.txt"]
        .iter()
        .map(|f| {
            std::fs::metadata(path.join(f))
                .and_then(|m| m.modified())
                .ok()
        })
        .collect();
    if let Ok(guard) = CACHE.lock() {
        if let Some((p, s, db)) = guard.as_ref() {
            if *p == path && *s == stamp {
                return Ok(db.clone());
            }
        }
    }
    let db = rustsec::Database::open(&path).map_err(|e| AdvisoryStatus::Invalid {
        db_path: path.clone(),
        error: e.to_string(),
    })?;
    let count = db.iter().count();
    let (date, date_source) = db_date(&path, &db);
    let loaded = Arc::new(LoadedDb {
        path: path.clone(),
        db,
        date,
        date_source,
        count,
    });
    if let Ok(mut guard) = CACHE.lock() {
        *guard = Some((path, stamp, loaded.clone()));
    }
    Ok(loaded)
}

/// The status of the advisory check for this configuration (loads the database if needed).
pub fn advisory_status(config: &Config) -> AdvisoryStatus {
    let cfg = AdvisoryConfig::from_config(config);
    match load(&cfg) {
        Ok(db) => AdvisoryStatus::Checked {
            db_path: db.path.clone(),
            db_date: db.date.clone(),
            date_source: db.date_source,
            age_days: db.date.as_deref().and_then(age_in_days),
            advisories: db.count,
        },
        Err(s) => s,
    }
}

fn db_date(path: &Path, db: &rustsec::Database) -> (Option<String>, &'static str) {
    if path.join(".git").exists() {
        let out = Command::new("git")
            .arg("--no-optional-locks")
            .arg("-C")
            .arg(path)
            .args(["log", "-1", "--format=%cs"])
            .output();
        if let Ok(o) = out {
            let s = String::from_utf8_lossy(&o.stdout).trim().to_owned();
            if o.status.success() && parse_date(&s).is_some() {
                return (Some(s), "git commit");
            }
        }
    }
    if let Ok(text) = std::fs::read_to_string(path.join("SNAPSHOT.txt")) {
        if let Some(d) = find_date(&text) {
            return (Some(d), "SNAPSHOT.txt");
        }
    }
    let newest = db
        .iter()
        .map(|a| a.metadata.date.as_str().to_owned())
        .filter(|d| parse_date(d).is_some())
        .max();
    (newest, "newest advisory")
}

/// The first `YYYY-MM-DD` in a text.
fn find_date(text: &str) -> Option<String> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(9)).find_map(|i| {
        let s = text.get(i..i + 10)?;
        let before_ok = i == 0 || !b[i - 1].is_ascii_digit();
        let after_ok = b.get(i + 10).is_none_or(|c| !c.is_ascii_digit());
        (before_ok && after_ok && parse_date(s).is_some()).then(|| s.to_owned())
    })
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (a longer string may follow, e.g. a time).
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Howard Hinnant's days-from-civil.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// Today, in days since 1970-01-01 (UTC).
pub(crate) fn today() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| (d.as_secs() / 86400) as i64)
        .unwrap_or(0)
}

fn age_in_days(date: &str) -> Option<i64> {
    parse_date(date).map(|d| today() - d)
}

/// Notes for a database that is missing, unusable or old. Used by the advisory check.
pub(crate) fn status_notes(status: &AdvisoryStatus, max_age_days: i64) -> Vec<Note> {
    match status {
        AdvisoryStatus::Missing { searched } => vec![Note::warning(
            None,
            format!(
                "RustSec advisory database not found ({}): Cargo.lock dependencies were NOT checked for known vulnerabilities (checklist point 8). Run `cargo predeploy db fetch` to download it, or point `[advisories] db = \"path\"` in predeploy.toml or PREDEPLOY_ADVISORY_DB at a copy of https://github.com/rustsec/advisory-db",
                searched
                    .iter()
                    .map(|p| format!("looked in {}", p.display()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )],
        AdvisoryStatus::Invalid { db_path, error } => vec![Note::warning(
            Some(db_path.clone()),
            format!("RustSec advisory database cannot be loaded ({error}): Cargo.lock dependencies were NOT checked (checklist point 8). Run `cargo predeploy db fetch` to replace it"),
        )],
        AdvisoryStatus::Checked {
            db_path,
            db_date: Some(date),
            date_source,
            age_days: Some(age),
            ..
        } if *age > max_age_days => vec![Note::warning(
            Some(db_path.clone()),
            format!("RustSec advisory database is {age} days old (dated {date}, from its {date_source}; limit {max_age_days} days): newer advisories are missed. Run `cargo predeploy db fetch` to update it"),
        )],
        _ => Vec::new(),
    }
}

/// Downloads or updates the advisory database at `dest` with the `git` command line
/// (`git clone --depth 1`, or in an existing clone `git fetch --depth 1` + `git reset --hard
/// FETCH_HEAD`, which also works on shallow clones). Only for an explicit
/// `cargo predeploy db fetch`: scans never call it.
pub fn fetch_db(dest: &Path) -> Result<(), String> {
    fetch_db_from(ADVISORY_DB_URL, dest)
}

/// [`fetch_db`] from another repository URL (a mirror, or a local path in tests).
pub fn fetch_db_from(url: &str, dest: &Path) -> Result<(), String> {
    let run = |cmd: &mut Command| -> Result<(), String> {
        let out = cmd
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("cannot run git ({e}); install git or download {url} by hand"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "git failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    if dest.join(".git").exists() {
        run(Command::new("git")
            .arg("-C")
            .arg(dest)
            .args(["fetch", "--quiet", "--depth", "1", url, "HEAD"]))?;
        run(Command::new("git").arg("-C").arg(dest).args([
            "reset",
            "--quiet",
            "--hard",
            "FETCH_HEAD",
        ]))
    } else if dest.exists() && std::fs::read_dir(dest).is_ok_and(|mut d| d.next().is_some()) {
        Err(format!(
            "{} exists and is not a git checkout of the advisory database; remove it or choose another path",
            dest.display()
        ))
    } else {
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        run(Command::new("git")
            .args(["clone", "--quiet", "--depth", "1", url])
            .arg(dest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-03-01"), Some(11017));
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("20x6-01-01"), None);
        assert_eq!(
            find_date("snapshot at commit bf5c (2026-08-21); CC0").as_deref(),
            Some("2026-08-21")
        );
        assert_eq!(find_date("no date 12026-08-211"), None);
    }

    #[test]
    fn config_parsing_and_notes() {
        let cfg = Config::from_str_at(
            r#"
[advisories]
db = "/nonexistent/advisory-db"
max_age_days = 30
ignore = [
  { id = "RUSTSEC-2024-0003", reason = "no HTTP/2 server", until = "2027-01-31" },
  { id = "RUSTSEC-2020-0071" },
  { id = "RUSTSEC-2021-0003", reason = "x", until = "someday" },
]
"#,
            None,
        )
        .unwrap();
        let a = AdvisoryConfig::from_config(&cfg);
        assert_eq!(a.max_age_days, 30);
        assert_eq!(a.ignore.len(), 1);
        assert_eq!(a.ignore[0].until.as_deref(), Some("2027-01-31"));
        assert_eq!(a.notes.len(), 2, "{:?}", a.notes);
        assert!(a.notes[0].message.contains("no `reason`"));
        match load(&a) {
            Err(AdvisoryStatus::Missing { searched }) => {
                assert_eq!(searched, vec![PathBuf::from("/nonexistent/advisory-db")])
            }
            _ => panic!("expected a missing database"),
        }
        let notes = status_notes(
            &AdvisoryStatus::Missing {
                searched: a.candidates(),
            },
            7,
        );
        assert!(notes[0].message.contains("cargo predeploy db fetch"));
    }

    #[test]
    fn disabled() {
        let cfg = Config::from_str_at("[advisories]\nenabled = false\n", None).unwrap();
        assert_eq!(advisory_status(&cfg), AdvisoryStatus::Disabled);
    }
}
