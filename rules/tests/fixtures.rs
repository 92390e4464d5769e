//! The fixture harness. Every file under `rules/fixtures/<rule-id>/` is ordinary source with
//! expectations in comments:
//!
//! ```text
//! // predeploy-expect: sql-string-concat        (a finding of this rule on the target line)
//! // predeploy-ok: sql-string-concat            (no finding of this rule on the target line)
//! // predeploy-todo-expect: sql-string-concat   (known false negative: printed, not failing)
//! // predeploy-todo-ok: sql-string-concat       (known false positive: printed, not failing)
//! ```
//!
//! An annotation applies to its own line when code precedes it, else to the next line that is
//! neither blank nor only an annotation. Any comment syntax works (`//`, `#`, `<!-- -->`, `{# #}`).
//! Strict: an unexpected finding (of any rule), a missing one, or an unknown id fails.
//!
//! A fixture directory holding `predeploy-fixture.toml` is scanned as a project (with
//! `check_paths` and that file as configuration), for project-level rules.

use predeploy_rules::{registry, Config, Finding};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Expect,
    Ok,
    TodoExpect,
    TodoOk,
}

#[derive(Debug)]
struct Annotation {
    kind: Kind,
    id: String,
    /// 1-based target line.
    line: u32,
    /// 1-based line of the annotation itself.
    at: u32,
}

const MARKERS: &[(&str, Kind)] = &[
    ("predeploy-todo-expect:", Kind::TodoExpect),
    ("predeploy-todo-ok:", Kind::TodoOk),
    ("predeploy-expect:", Kind::Expect),
    ("predeploy-ok:", Kind::Ok),
];

fn strip_comment_start(s: &str) -> &str {
    let t = s.trim_end();
    for end in ["-->", "#}", "*/}", "*/"] {
        if let Some(x) = t.strip_suffix(end) {
            return x.trim_end();
        }
    }
    t
}

fn code_before(line: &str, pos: usize) -> bool {
    let before = line[..pos].trim_end();
    let before = ["//", "#", "<!--", "{#", "/*", "{/*", "--"]
        .iter()
        .find_map(|m| before.strip_suffix(m))
        .unwrap_or(before);
    !before.trim().is_empty()
}

fn parse_annotations(text: &str) -> Vec<Annotation> {
    let lines: Vec<&str> = text.lines().collect();
    let is_annotation_only = |l: &str| {
        MARKERS
            .iter()
            .any(|(m, _)| l.find(m).is_some_and(|p| !code_before(l, p)))
    };
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        for (marker, kind) in MARKERS {
            let mut search = 0;
            while let Some(p) = line[search..].find(marker) {
                let pos = search + p;
                // Avoid "predeploy-todo-expect:" also matching "predeploy-expect:" inside it.
                let overlaps = MARKERS.iter().any(|(m2, _)| {
                    m2.len() > marker.len()
                        && m2.ends_with(marker)
                        && pos >= m2.len() - marker.len()
                        && line[pos - (m2.len() - marker.len())..].starts_with(m2)
                });
                search = pos + marker.len();
                if overlaps {
                    continue;
                }
                let rest = strip_comment_start(&line[pos + marker.len()..]);
                let ids = rest
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|s| !s.is_empty());
                let target = if code_before(line, pos) {
                    i
                } else {
                    let mut t = i + 1;
                    while t < lines.len()
                        && (lines[t].trim().is_empty() || is_annotation_only(lines[t]))
                    {
                        t += 1;
                    }
                    t
                };
                for id in ids {
                    // Stop at the first word that is not an id (allows trailing prose after ` -- `).
                    if id == "--" {
                        break;
                    }
                    out.push(Annotation {
                        kind: *kind,
                        id: id.to_owned(),
                        line: target as u32 + 1,
                        at: i as u32 + 1,
                    });
                }
            }
        }
    }
    out
}

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Checks one file's findings against its annotations; returns failures and todo notes.
fn compare(
    display: &str,
    text: &str,
    findings: &[&Finding],
    failures: &mut Vec<String>,
    todos: &mut Vec<String>,
) -> (usize, usize) {
    let anns = parse_annotations(text);
    let mut expected: BTreeMap<(u32, String), bool> = BTreeMap::new();
    let (mut n_expect, mut n_ok) = (0, 0);
    for a in &anns {
        if registry::by_id(&a.id).is_none() {
            failures.push(format!(
                "{display}:{}: annotation names unknown rule `{}`",
                a.at, a.id
            ));
            continue;
        }
        let found = findings
            .iter()
            .any(|f| f.rule.id == a.id && f.start.line == a.line);
        match a.kind {
            Kind::Expect => {
                n_expect += 1;
                expected.insert((a.line, a.id.clone()), true);
                if !found {
                    failures.push(format!(
                        "{display}:{}: expected `{}` here, not reported",
                        a.line, a.id
                    ));
                }
            }
            Kind::Ok => {
                n_ok += 1;
                if found {
                    failures.push(format!(
                        "{display}:{}: `{}` reported on a line marked ok",
                        a.line, a.id
                    ));
                }
            }
            Kind::TodoExpect => {
                n_expect += 0;
                expected.insert((a.line, a.id.clone()), true);
                if !found {
                    todos.push(format!(
                        "{display}:{}: known false negative `{}`",
                        a.line, a.id
                    ));
                }
            }
            Kind::TodoOk => {
                expected.insert((a.line, a.id.clone()), true);
                if found {
                    todos.push(format!(
                        "{display}:{}: known false positive `{}`",
                        a.line, a.id
                    ));
                }
            }
        }
    }
    for f in findings {
        if f.suppression.is_some() {
            continue;
        }
        if !expected.contains_key(&(f.start.line, f.rule.id.to_owned())) {
            failures.push(format!(
                "{display}:{}:{}: unexpected `{}`: {}",
                f.start.line, f.start.column, f.rule.id, f.message
            ));
        }
    }
    (n_expect, n_ok)
}

#[test]
fn fixtures_match_annotations() {
    let root = fixtures_root();
    let mut failures = Vec::new();
    let mut todos = Vec::new();
    let mut per_rule: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("rules/fixtures exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let rule_dir = dir.file_name().unwrap().to_string_lossy().into_owned();
        let project_cfg = dir.join("predeploy-fixture.toml");
        let mut counts = (0, 0);
        if project_cfg.is_file() {
            let cfg = Config::load_file(&project_cfg).expect("fixture config parses");
            let result = predeploy_rules::check_paths(
                std::slice::from_ref(&dir),
                &cfg,
                &Default::default(),
                None,
            );
            for file in files_under(&dir) {
                let Ok(text) = std::fs::read_to_string(&file) else {
                    continue;
                };
                let rel = file.strip_prefix(&root).unwrap().display().to_string();
                let mine: Vec<&Finding> =
                    result.findings.iter().filter(|f| f.path == file).collect();
                let c = compare(&rel, &text, &mine, &mut failures, &mut todos);
                counts.0 += c.0;
                counts.1 += c.1;
            }
        } else {
            for file in files_under(&dir) {
                let Ok(text) = std::fs::read_to_string(&file) else {
                    continue;
                };
                // Scan under the path relative to the rule's fixture dir, so `fixtures/` itself
                // does not make every file look like test code.
                let rel_in_rule = file.strip_prefix(&dir).unwrap().to_owned();
                let cfg = Config::default();
                let r = predeploy_rules::check_source(&rel_in_rule, &text, &cfg);
                let rel = file.strip_prefix(&root).unwrap().display().to_string();
                let refs: Vec<&Finding> = r.findings.iter().collect();
                let c = compare(&rel, &text, &refs, &mut failures, &mut todos);
                counts.0 += c.0;
                counts.1 += c.1;
            }
        }
        let e = per_rule.entry(rule_dir).or_default();
        e.0 += counts.0;
        e.1 += counts.1;
    }
    for t in &todos {
        eprintln!("todo: {t}");
    }
    // Every rule has fixtures proving both sides.
    for rule in registry::all() {
        match per_rule.get(rule.id) {
            None => failures.push(format!(
                "rule `{}` has no fixtures directory rules/fixtures/{}/",
                rule.id, rule.id
            )),
            Some((e, o)) => {
                if *e == 0 {
                    failures.push(format!(
                        "rule `{}`: fixtures have no `predeploy-expect` (true positive)",
                        rule.id
                    ));
                }
                if *o == 0 {
                    failures.push(format!(
                        "rule `{}`: fixtures have no `predeploy-ok` (true negative)",
                        rule.id
                    ));
                }
            }
        }
    }
    let known: BTreeSet<&str> = registry::all().iter().map(|r| r.id).collect();
    for dir in per_rule.keys() {
        if !known.contains(dir.as_str()) {
            failures.push(format!("rules/fixtures/{dir}/ does not match any rule id"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn annotation_parser() {
    let a = parse_annotations("x = 1  # predeploy-expect: a-b\n# predeploy-ok: c, d\n\ny = 2\n// predeploy-todo-expect: e\nz\n");
    let got: Vec<(Kind, &str, u32)> = a.iter().map(|a| (a.kind, a.id.as_str(), a.line)).collect();
    assert_eq!(
        got,
        vec![
            (Kind::Expect, "a-b", 1),
            (Kind::Ok, "c", 4),
            (Kind::Ok, "d", 4),
            (Kind::TodoExpect, "e", 6)
        ]
    );
}
