//! `cargo predeploy init [DIR]`: writes a commented predeploy.toml template. Never overwrites.

use crate::args::InitArgs;
use crate::{Status, UserError};

/// The template. Every setting is commented out, so the file changes nothing until edited;
/// a test checks it parses.
pub const TEMPLATE: &str = r#"# cargo-predeploy configuration. Docs: `cargo predeploy explain <rule-id>`, README.md.
# Every line below is commented out, so this file changes nothing until you edit it.

# Findings at or above this severity fail the run (exit 1): info, low, medium, high, critical.
# fail_on = "low"

# Paths (globs, relative to this directory) that are never scanned. .gitignore is honoured too,
# and target/, node_modules/, dist/, .venv/ ... are skipped by default.
# exclude = ["vendor/**", "*.min.js", "tests/fixtures/**"]

# Files larger than this many bytes are skipped with a note.
# max_file_size = 4194304

# Run every rule on test code too (tests/, *_test.py, *.spec.ts, ...). Off by default.
# include_tests = false

# Per-rule settings: "off", or a severity that replaces the rule's own
# (`cargo predeploy rules` lists every rule id).
# [rules]
# sql-string-concat = "critical"

# Table form, for a level plus rule-specific options (instead of the line above):
#   [rules.sql-string-concat]
#   level = "high"

# Suppress one finding in the code, with a reason (required) and an optional expiry date:
#   cursor.execute(query)  # predeploy:allow(sql-string-concat) reason="table name from an enum" until=2027-03-31
# Accept every current finding and fail only on new ones:
#   cargo predeploy check --write-baseline predeploy-baseline.json
#   cargo predeploy check --baseline predeploy-baseline.json
"#;

pub fn run(args: InitArgs) -> anyhow::Result<Status> {
    if !args.dir.is_dir() {
        return Err(UserError(format!(
            "`{}` is not a directory; create it first or pass an existing one",
            args.dir.display()
        ))
        .into());
    }
    let path = args.dir.join("predeploy.toml");
    for existing in ["predeploy.toml", ".predeploy.toml"] {
        let p = args.dir.join(existing);
        if p.exists() {
            return Err(UserError(format!(
                "`{}` already exists; not overwriting it (edit it, or delete it and run init again)",
                p.display()
            ))
            .into());
        }
    }
    // create_new: never clobber a file created between the check and the write.
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| UserError(format!("cannot create `{}`: {e}", path.display())))?;
    f.write_all(TEMPLATE.as_bytes())
        .map_err(|e| UserError(format!("cannot write `{}`: {e}", path.display())))?;
    eprintln!(
        "wrote `{}`; run `cargo predeploy` to scan with it",
        path.display()
    );
    Ok(Status::Ok)
}

#[cfg(test)]
mod tests {
    #[test]
    fn template_parses_and_changes_nothing() {
        let cfg = predeploy_rules::Config::from_str_at(super::TEMPLATE, None)
            .expect("template is valid configuration");
        let default = predeploy_rules::Config::default();
        assert_eq!(cfg.fail_on, default.fail_on);
        assert!(cfg.exclude.is_empty() && cfg.rules.is_empty());
        // Uncommenting the example lines yields a valid configuration too.
        let uncommented: String = super::TEMPLATE
            .lines()
            .filter_map(|l| l.strip_prefix("# "))
            .filter(|l| {
                l.starts_with('[')
                    || l.split_once(" = ")
                        .is_some_and(|(k, _)| !k.contains(' ') && !k.is_empty())
            })
            .collect::<Vec<_>>()
            .join("\n");
        let cfg = predeploy_rules::Config::from_str_at(&uncommented, None)
            .unwrap_or_else(|e| panic!("uncommented template invalid: {e}\n{uncommented}"));
        assert_eq!(cfg.exclude.len(), 3);
        assert!(cfg.rules.contains_key("sql-string-concat"));
    }
}
