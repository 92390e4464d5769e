//! Inline suppressions:
//!
//! ```text
//! // predeploy:allow(sql-string-concat) reason="table name comes from an enum" until=2027-03-31
//! # predeploy:allow(hardcoded-secret, weak-hash) reason: test vector
//! ```
//!
//! The comment applies to findings that start on the same line (trailing comment) or, when the
//! comment is alone on its line, on the next non-blank line. The directive must directly follow a
//! comment marker (`//`, `/*`, `#`, `<!--`, `{#`, `--`, `;`), so prose or a string that merely
//! mentions a rule never silences it. A reason is required; `until=YYYY-MM-DD` makes it expire.
//! Unknown ids, missing reasons, expired and unused suppressions are reported as warnings.

use crate::finding::{Finding, Note, Suppression};
use crate::source::{FileKind, LineIndex};
use std::path::Path;

const DIRECTIVE: &str = "predeploy:allow(";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// 0-based line of the comment.
    pub line: usize,
    /// 0-based line the directive applies to.
    pub target_line: usize,
    pub ids: Vec<String>,
    pub reason: Option<String>,
    pub until: Option<String>,
    pub errors: Vec<String>,
}

fn comment_markers(kind: FileKind) -> &'static [&'static str] {
    match kind {
        FileKind::Rust
        | FileKind::JavaScript
        | FileKind::Jsx
        | FileKind::TypeScript
        | FileKind::Tsx => &["//", "/*", "{/*"],
        FileKind::Python
        | FileKind::Yaml
        | FileKind::Toml
        | FileKind::Dockerfile
        | FileKind::Env
        | FileKind::Probe => &["#"],
        FileKind::Template => &["{#", "<!--", "{{!--", "{{/*", "#"],
        FileKind::Json => &["//"],
        FileKind::Text => &["#", "//", "/*", "<!--", "--", ";"],
    }
}

/// Today's date as `YYYY-MM-DD` (UTC), without a date crate.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Howard Hinnant's days-from-civil inverse.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u64;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i64 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s[..4].parse::<u32>().is_ok()
        && s[5..7].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
        && s[8..].parse::<u32>().is_ok_and(|d| (1..=31).contains(&d))
}

/// Documentation formats, where a directive is usually an example of the syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocFormat {
    /// Markdown: only `<!-- predeploy:allow(..) -->` outside fenced code blocks counts.
    Markdown,
    /// reStructuredText, AsciiDoc, plain text: directives are never read.
    Prose,
}

/// The documentation format of a path, judged by its extension.
pub fn doc_format(path: &Path) -> Option<DocFormat> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "md" | "markdown" | "mdx" => Some(DocFormat::Markdown),
        "rst" | "txt" | "adoc" | "asciidoc" => Some(DocFormat::Prose),
        _ => None,
    }
}

/// Whether a line of code is part of a doc comment (`///`, `//!`, `/**`, or a ` * ` line of a
/// block comment), where a directive documents the syntax rather than applying to code.
fn in_doc_comment(line: &str, kind: FileKind) -> bool {
    if !matches!(
        kind,
        FileKind::Rust
            | FileKind::JavaScript
            | FileKind::Jsx
            | FileKind::TypeScript
            | FileKind::Tsx
    ) {
        return false;
    }
    let t = line.trim_start();
    t.starts_with("///")
        || t.starts_with("//!")
        || t.starts_with("/**")
        || t.starts_with("/*!")
        || (t.starts_with('*') && !t.starts_with("*/"))
}

/// Finds every directive in a text.
pub fn parse_directives(text: &str, index: &LineIndex, kind: FileKind) -> Vec<Directive> {
    parse_directives_in(text, index, kind, None)
}

/// Finds every directive in a text; `doc` restricts them in documentation files.
pub fn parse_directives_in(
    text: &str,
    index: &LineIndex,
    kind: FileKind,
    doc: Option<DocFormat>,
) -> Vec<Directive> {
    let mut out = Vec::new();
    if !text.contains(DIRECTIVE) || doc == Some(DocFormat::Prose) {
        return out;
    }
    let markers: &[&str] = match doc {
        Some(_) => &["<!--"],
        None => comment_markers(kind),
    };
    let mut fence: Option<&str> = None;
    for line_no in 0..index.line_count() {
        let range = index.line_range(text, line_no);
        let line = &text[range];
        if doc.is_some() {
            // Fenced code blocks (``` or ~~~) in Markdown hold examples.
            let t = line.trim_start();
            let opener = ["```", "~~~"].into_iter().find(|f| t.starts_with(f));
            match (fence, opener) {
                (None, Some(f)) => {
                    fence = Some(f);
                    continue;
                }
                (Some(open), Some(f)) if open == f => {
                    fence = None;
                    continue;
                }
                (Some(_), _) => continue,
                _ => {}
            }
        }
        let Some(pos) = line.find(DIRECTIVE) else {
            continue;
        };
        if in_doc_comment(line, kind) {
            continue;
        }
        // The directive must directly follow a comment marker (whitespace allowed between).
        let before = line[..pos].trim_end();
        let Some(marker) = markers.iter().find(|m| before.ends_with(*m)) else {
            continue;
        };
        let code_before = before[..before.len() - marker.len()].trim();
        let rest = &line[pos + DIRECTIVE.len()..];
        let Some(close) = rest.find(')') else {
            continue;
        };
        let ids: Vec<String> = rest[..close]
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        let mut d = Directive {
            line: line_no,
            target_line: line_no,
            ids,
            reason: None,
            until: None,
            errors: Vec::new(),
        };
        parse_args(rest[close + 1..].trim(), &mut d);
        if code_before.is_empty() {
            // A comment alone on its line: applies to the next non-blank, non-directive line.
            let mut t = line_no + 1;
            while t < index.line_count() {
                let l = text[index.line_range(text, t)].trim();
                if !l.is_empty() && !l.contains(DIRECTIVE) {
                    break;
                }
                t += 1;
            }
            d.target_line = t;
        }
        out.push(d);
    }
    out
}

fn parse_args(mut s: &str, d: &mut Directive) {
    // Strip a closing comment marker.
    for end in ["*/}", "*/", "-->", "#}", "--}}", "*/}}"] {
        if let Some(x) = s.strip_suffix(end) {
            s = x.trim_end();
        }
    }
    while !s.is_empty() {
        if let Some(r) = s.strip_prefix("until=") {
            let (v, rest) = take_value(r);
            if !valid_date(&v) {
                d.errors
                    .push(format!("`until={v}` is not a date; write until=YYYY-MM-DD"));
            }
            d.until = Some(v);
            s = rest.trim_start();
        } else if let Some(r) = s
            .strip_prefix("reason=")
            .or_else(|| s.strip_prefix("reason:"))
        {
            let r = r.trim_start();
            if r.starts_with('"') {
                let (v, rest) = take_value(r);
                d.reason = Some(v);
                s = rest.trim_start();
            } else {
                // `reason: free text until the end (or until=)`
                let end = r.find(" until=").unwrap_or(r.len());
                d.reason = Some(r[..end].trim().to_owned());
                s = r[end..].trim_start();
            }
        } else {
            // Anything else: treat the remainder as the reason if none given (e.g. `-- because ...`).
            let t = s.trim_start_matches(['-', ':', ' ']);
            if d.reason.is_none() && !t.is_empty() {
                d.reason = Some(t.to_owned());
            }
            break;
        }
    }
    if d.reason.as_deref().is_some_and(|r| r.trim().is_empty()) {
        d.reason = None;
    }
}

fn take_value(s: &str) -> (String, &str) {
    if let Some(q) = s.strip_prefix('"') {
        match q.find('"') {
            Some(e) => (q[..e].to_owned(), &q[e + 1..]),
            None => (q.to_owned(), ""),
        }
    } else {
        let e = s.find(char::is_whitespace).unwrap_or(s.len());
        (s[..e].to_owned(), &s[e..])
    }
}

/// Marks findings suppressed by directives in `text`, and reports directive problems as notes.
pub fn apply(
    path: &Path,
    text: &str,
    index: &LineIndex,
    kind: FileKind,
    findings: &mut [Finding],
    notes: &mut Vec<Note>,
) {
    apply_mode(path, text, index, kind, findings, notes, Pass::File);
}

/// Which pass applies suppressions: the per-file pass reports directive problems (unknown ids,
/// missing reasons, unused directives); the project pass only marks project findings, since the
/// per-file pass already judged the same comments.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Pass {
    File,
    Project,
}

fn is_project_rule(id: &str) -> bool {
    crate::registry::by_id(id).is_some_and(|r| r.languages.contains(&crate::meta::Lang::Project))
        // Rules a project check also reports (cross-file findings of per-language rules).
        || crate::registry::registry()
            .project
            .iter()
            .any(|c| c.rules.iter().any(|r| r.id == id))
}

pub fn apply_mode(
    path: &Path,
    text: &str,
    index: &LineIndex,
    kind: FileKind,
    findings: &mut [Finding],
    notes: &mut Vec<Note>,
    pass: Pass,
) {
    let directives = parse_directives_in(text, index, kind, doc_format(path));
    if directives.is_empty() {
        return;
    }
    // The project pass marks findings but leaves every note to the per-file pass.
    let mut scratch = Vec::new();
    let notes = if pass == Pass::Project {
        &mut scratch
    } else {
        notes
    };
    let today = today();
    for d in &directives {
        let line1 = d.line as u32 + 1;
        for e in &d.errors {
            notes.push(
                Note::warning(Some(path.to_owned()), format!("suppression: {e}")).at_line(line1),
            );
        }
        let mut valid_ids = Vec::new();
        for id in &d.ids {
            if crate::registry::by_id(id).is_some() || id == "all" {
                valid_ids.push(id.as_str());
            } else {
                let hint = crate::registry::closest_id(id)
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                notes.push(
                    Note::warning(
                        Some(path.to_owned()),
                        format!("suppression names unknown rule `{id}`{hint}"),
                    )
                    .at_line(line1),
                );
            }
        }
        if d.ids.is_empty() {
            notes.push(
                Note::warning(
                    Some(path.to_owned()),
                    "suppression names no rule; write predeploy:allow(<rule-id>) reason=\"...\"",
                )
                .at_line(line1),
            );
            continue;
        }
        let Some(reason) = &d.reason else {
            notes.push(
                Note::warning(
                    Some(path.to_owned()),
                    "suppression has no reason, so it is ignored; add reason=\"why this is safe\"",
                )
                .at_line(line1),
            );
            continue;
        };
        let expired = d
            .until
            .as_deref()
            .is_some_and(|u| valid_date(u) && u < today.as_str());
        let mut used = false;
        for f in findings.iter_mut() {
            let fl = index.line_of(f.range.start);
            if fl != d.target_line && fl != d.line {
                continue;
            }
            if !valid_ids.iter().any(|id| *id == f.rule.id || *id == "all") {
                continue;
            }
            used = true;
            if !expired && f.suppression.is_none() {
                f.suppression = Some(Suppression {
                    kind: "inline",
                    reason: reason.clone(),
                    line: Some(line1),
                    until: d.until.clone(),
                });
            }
        }
        if expired {
            notes.push(
                Note::warning(
                    Some(path.to_owned()),
                    format!(
                        "suppression expired on {}; its findings are reported again. Fix them or renew the date",
                        d.until.as_deref().unwrap_or_default()
                    ),
                )
                .at_line(line1),
            );
        } else if !used
            && !valid_ids.is_empty()
            // Project findings are matched in the project pass, which reports nothing: the
            // per-file pass cannot tell whether those directives are used.
            && !valid_ids.iter().any(|id| is_project_rule(id))
        {
            notes.push(
                Note::warning(
                    Some(path.to_owned()),
                    format!(
                        "unused suppression for {}: nothing here is reported; remove it",
                        valid_ids.join(", ")
                    ),
                )
                .at_line(line1),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(text: &str, kind: FileKind) -> Vec<Directive> {
        parse_directives(text, &LineIndex::new(text), kind)
    }

    #[test]
    fn parses_forms() {
        let d = dirs("x = 1\n# predeploy:allow(weak-hash, sql-string-concat) reason=\"ok\" until=2027-03-31\n\ny()", FileKind::Python);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].ids, vec!["weak-hash", "sql-string-concat"]);
        assert_eq!(d[0].reason.as_deref(), Some("ok"));
        assert_eq!(d[0].until.as_deref(), Some("2027-03-31"));
        assert_eq!(d[0].target_line, 3);
        let d = dirs(
            "let a = b; // predeploy:allow(x) reason: because it is\n",
            FileKind::Rust,
        );
        assert_eq!(d[0].target_line, 0);
        assert_eq!(d[0].reason.as_deref(), Some("because it is"));
    }

    #[test]
    fn strings_and_prose_do_not_suppress() {
        assert!(dirs(
            "s = \"predeploy:allow(weak-hash) reason=x\"\n",
            FileKind::Python
        )
        .is_empty());
        assert!(dirs(
            "// we could write predeploy:allow(weak-hash) here\n",
            FileKind::Rust
        )
        .is_empty());
    }

    #[test]
    fn doc_comments_do_not_suppress() {
        for text in [
            "/// // predeploy:allow(weak-hash) reason=\"example\"\nfn f() {}\n",
            "//! // predeploy:allow(weak-hash) reason=\"example\"\n",
            "/** // predeploy:allow(weak-hash) reason=\"example\" */\n",
            "/**\n * // predeploy:allow(weak-hash) reason=\"example\"\n */\nfunction f() {}\n",
        ] {
            assert!(dirs(text, FileKind::Rust).is_empty(), "{text}");
            assert!(dirs(text, FileKind::TypeScript).is_empty(), "{text}");
        }
        // An ordinary comment still works, and so does a trailing one after code.
        assert_eq!(
            dirs(
                "// predeploy:allow(weak-hash) reason=\"ok\"\nlet h = md5();\n",
                FileKind::Rust
            )
            .len(),
            1
        );
        assert_eq!(
            dirs(
                "let h = md5(); // predeploy:allow(weak-hash) reason=\"ok\"\n",
                FileKind::Rust
            )
            .len(),
            1
        );
    }

    #[test]
    fn docs_only_read_markdown_html_comments_outside_fences() {
        let md = "# Suppressions\n\nWrite `// predeploy:allow(weak-hash) reason=\"x\"`:\n\n```rust\n// predeploy:allow(weak-hash) reason=\"example\"\nlet h = md5();\n```\n\n~~~\n# predeploy:allow(weak-hash) reason=x\n~~~\n<!-- predeploy:allow(hardcoded-secret) reason=\"sample key\" -->\nkey: AKIA...\n";
        let index = LineIndex::new(md);
        let d = parse_directives_in(md, &index, FileKind::Text, Some(DocFormat::Markdown));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].ids, vec!["hardcoded-secret"]);
        assert_eq!(d[0].target_line, 13);
        for ext in ["rst", "txt", "adoc"] {
            let p = std::path::PathBuf::from(format!("docs/guide.{ext}"));
            assert_eq!(doc_format(&p), Some(DocFormat::Prose));
            let text = "// predeploy:allow(weak-hash) reason=\"example\"\n";
            let index = LineIndex::new(text);
            assert!(parse_directives_in(text, &index, FileKind::Text, doc_format(&p)).is_empty());
        }
        assert_eq!(
            doc_format(Path::new("README.md")),
            Some(DocFormat::Markdown)
        );
        assert_eq!(doc_format(Path::new("src/main.rs")), None);
    }

    #[test]
    fn unused_in_docs_is_not_reported() {
        let text = "Example:\n\n    # predeploy:allow(weak-hash) reason=\"x\"\n```py\n# predeploy:allow(weak-hash) reason=\"x\"\n```\n";
        let index = LineIndex::new(text);
        let mut notes = Vec::new();
        apply(
            Path::new("README.md"),
            text,
            &index,
            FileKind::Text,
            &mut [],
            &mut notes,
        );
        assert!(notes.is_empty(), "{notes:?}");
        let rs = "//! // predeploy:allow(weak-hash) reason=\"x\"\n";
        apply(
            Path::new("src/lib.rs"),
            rs,
            &LineIndex::new(rs),
            FileKind::Rust,
            &mut [],
            &mut notes,
        );
        assert!(notes.is_empty(), "{notes:?}");
        let rs = "// predeploy:allow(weak-hash) reason=\"x\"\nfn f() {}\n";
        apply(
            Path::new("src/lib.rs"),
            rs,
            &LineIndex::new(rs),
            FileKind::Rust,
            &mut [],
            &mut notes,
        );
        assert_eq!(
            notes.len(),
            1,
            "an ordinary unused directive is still reported"
        );
    }

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_000), (2024, 10, 4));
        assert!(valid_date("2027-03-31"));
        assert!(!valid_date("2027-13-01"));
    }
}
