//! Engine findings and notes -> LSP diagnostics, hovers and code-action data.
//!
//! Every finding's code actions (the rule's fix and the "allow here" comment) are computed
//! against the text that was linted, so a code action never re-runs the engine. For an open
//! document the server keeps them beside its diagnostics ([`FindingInfo`]), so the diagnostics
//! published on every keystroke stay small; diagnostics of closed files (the workspace scan,
//! project findings) carry them in `data`.

use crate::text::Indexed;
use predeploy_rules::finding::{Applicability, Finding, Note, NoteLevel};
use predeploy_rules::{FileKind, RuleMeta, Severity};
use serde::{Deserialize, Serialize};
use std::path::Path;
use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, Range, TextEdit, Uri,
};

pub const SOURCE: &str = "cargo-predeploy";

/// What a diagnostic's `data` holds.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DiagData {
    pub rule: String,
    #[serde(default)]
    pub fixes: Vec<FixData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppress: Option<FixData>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FixData {
    pub title: String,
    pub edits: Vec<TextEdit>,
    /// Machine-applicable: safe to apply without review.
    #[serde(default)]
    pub preferred: bool,
}

/// What the server keeps of a published finding: what hover shows for its range, and its
/// code actions.
#[derive(Clone, Debug)]
pub struct FindingInfo {
    pub range: Range,
    pub rule: &'static RuleMeta,
    pub message: String,
    pub help: Option<String>,
    pub severity: Severity,
    pub actions: DiagData,
}

impl FindingInfo {
    /// Whether `d` is the diagnostic published for this finding.
    pub fn is_for(&self, d: &Diagnostic) -> bool {
        d.range == self.range && self.same_rule(d)
    }

    /// Whether `d` is of this finding's rule and starts on its line.
    pub fn is_on_line_of(&self, d: &Diagnostic) -> bool {
        d.range.start.line == self.range.start.line && self.same_rule(d)
    }

    fn same_rule(&self, d: &Diagnostic) -> bool {
        matches!(&d.code, Some(NumberOrString::String(c)) if c == self.rule.id)
    }
}

/// The rule's documentation link, parsed once per rule.
fn code_description(rule: &'static RuleMeta) -> Option<CodeDescription> {
    static LINKS: std::sync::OnceLock<std::collections::HashMap<&'static str, Uri>> =
        std::sync::OnceLock::new();
    let links = LINKS.get_or_init(|| {
        predeploy_rules::registry::all()
            .iter()
            .filter_map(|r| Some((r.id, r.help_uri().parse().ok()?)))
            .collect()
    });
    let href = match links.get(rule.id) {
        Some(u) => u.clone(),
        None => rule.help_uri().parse().ok()?,
    };
    Some(CodeDescription { href })
}

pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Critical | Severity::High => DiagnosticSeverity::ERROR,
        Severity::Medium => DiagnosticSeverity::WARNING,
        Severity::Low => DiagnosticSeverity::INFORMATION,
        Severity::Info => DiagnosticSeverity::HINT,
    }
}

/// The comment that opens and closes a suppression in a file of this kind.
pub fn comment_syntax(kind: FileKind, path: &Path) -> (&'static str, &'static str) {
    match kind {
        FileKind::Rust
        | FileKind::JavaScript
        | FileKind::Jsx
        | FileKind::TypeScript
        | FileKind::Tsx
        | FileKind::Json => ("//", ""),
        FileKind::Template => {
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default()
                .to_ascii_lowercase();
            match ext.as_str() {
                "html" | "htm" => ("<!--", " -->"),
                "hbs" | "handlebars" => ("{{!--", " --}}"),
                _ => ("{#", " #}"),
            }
        }
        FileKind::Python
        | FileKind::Yaml
        | FileKind::Toml
        | FileKind::Dockerfile
        | FileKind::Env
        | FileKind::Text
        | FileKind::Probe => ("#", ""),
    }
}

/// The edit inserting `<comment> predeploy:allow(<id>) reason="..."` on its own line above the
/// line at `offset`, with that line's indentation.
pub fn suppress_edit(
    ix: &Indexed<'_>,
    kind: FileKind,
    path: &Path,
    id: &str,
    offset: usize,
) -> FixData {
    let line = ix.index.line_of(offset.min(ix.text.len()));
    let lr = ix.index.line_range(ix.text, line);
    let line_text = &ix.text[lr.clone()];
    let indent_len = line_text.len() - line_text.trim_start_matches([' ', '\t']).len();
    let indent = &line_text[..indent_len];
    let (open, close) = comment_syntax(kind, path);
    let at = Position {
        line: line as u32,
        character: 0,
    };
    FixData {
        title: format!("Allow {id} here"),
        edits: vec![TextEdit {
            range: Range { start: at, end: at },
            new_text: format!(
                "{indent}{open} predeploy:allow({id}) reason=\"TODO: explain why this is safe\"{close}\n"
            ),
        }],
        preferred: false,
    }
}

/// Context for converting one file's results.
pub struct FileConv<'a> {
    pub uri: &'a Uri,
    /// The path given to the engine (relative to the workspace folder when inside one).
    pub engine_path: &'a Path,
    /// Workspace folder root, to resolve related locations in other files.
    pub root: Option<&'a Path>,
    pub kind: FileKind,
    pub ix: &'a Indexed<'a>,
    /// Findings below this severity are not shown (`failOn` setting).
    pub min_severity: Severity,
}

impl FileConv<'_> {
    /// The diagnostic for a finding (its code actions not in `data`: see [`with_data`]) and
    /// what the server keeps of it. None when it is suppressed or below the threshold shown.
    pub fn finding(&self, f: &Finding) -> Option<(Diagnostic, FindingInfo)> {
        if f.is_suppressed() || f.severity < self.min_severity {
            return None;
        }
        let range = self.ix.range(&f.range);
        let mut message = f.message.clone();
        if let Some(h) = &f.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        let related: Vec<DiagnosticRelatedInformation> = f
            .related
            .iter()
            .filter_map(|r| {
                let (uri, range) = if r.path == f.path {
                    (self.uri.clone(), self.ix.range(&r.range))
                } else {
                    let abs = match self.root {
                        Some(root) if r.path.is_relative() => root.join(&r.path),
                        _ => r.path.clone(),
                    };
                    let p = Position {
                        line: r.start.line.saturating_sub(1),
                        character: r.start.column.saturating_sub(1),
                    };
                    (Uri::from_file_path(abs)?, Range { start: p, end: p })
                };
                Some(DiagnosticRelatedInformation {
                    location: Location { uri, range },
                    message: r.message.clone(),
                })
            })
            .collect();
        let fixes = f
            .fix
            .iter()
            .map(|fix| FixData {
                title: fix.title.clone(),
                edits: fix
                    .edits
                    .iter()
                    .map(|e| TextEdit {
                        range: self.ix.range(&e.range),
                        new_text: e.replacement.clone(),
                    })
                    .collect(),
                preferred: fix.applicability == Applicability::MachineApplicable,
            })
            .collect();
        let data = DiagData {
            rule: f.rule.id.to_owned(),
            fixes,
            suppress: Some(suppress_edit(
                self.ix,
                self.kind,
                self.engine_path,
                f.rule.id,
                f.range.start,
            )),
        };
        let diag = Diagnostic {
            range,
            severity: Some(severity(f.severity)),
            code: Some(NumberOrString::String(f.rule.id.to_owned())),
            code_description: code_description(f.rule),
            source: Some(SOURCE.to_owned()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags: None,
            data: None,
        };
        let info = FindingInfo {
            range,
            rule: f.rule,
            message: f.message.clone(),
            help: f.help.clone(),
            severity: f.severity,
            actions: data,
        };
        Some((diag, info))
    }

    /// A note with a line (a suppression without reason, an unknown rule id...) as an
    /// Information diagnostic over that line.
    pub fn note(&self, n: &Note) -> Option<Diagnostic> {
        let line = n.line?;
        if is_rust_syntax_error(n) {
            return None;
        }
        Some(Diagnostic {
            range: self.ix.line_range(line.saturating_sub(1) as usize),
            severity: Some(match n.level {
                NoteLevel::Error => DiagnosticSeverity::WARNING,
                _ => DiagnosticSeverity::INFORMATION,
            }),
            source: Some(SOURCE.to_owned()),
            message: n.message.clone(),
            ..Default::default()
        })
    }
}

/// The diagnostic with its code actions in `data`, for diagnostics the server keeps nothing
/// else of (closed files).
pub fn with_data(mut d: Diagnostic, info: &FindingInfo) -> Diagnostic {
    d.data = serde_json::to_value(&info.actions).ok();
    d
}

/// The engine's note for a Rust file that does not parse (so Rust rules did not run).
pub fn is_rust_syntax_error(n: &Note) -> bool {
    n.message.starts_with("Rust syntax error")
}

/// Markdown for a hover over a flagged range.
pub fn hover_markdown(h: &FindingInfo) -> String {
    let r = h.rule;
    let mut s = format!(
        "**{}** `{}` ({} severity)\n\n{}\n\n",
        r.title, r.id, h.severity, h.message
    );
    if let Some(help) = &h.help {
        s.push_str(&format!("**Fix:** {help}\n\n"));
    }
    let cwe: Vec<String> = r.cwe_ids().collect();
    let point = predeploy_rules::checklist::point(r.checklist)
        .map(|p| format!("checklist point {}: {}", p.number, p.title))
        .unwrap_or_else(|| format!("checklist point {}", r.checklist));
    if cwe.is_empty() {
        s.push_str(&format!("{point}\n\n"));
    } else {
        s.push_str(&format!("{} · {point}\n\n", cwe.join(", ")));
    }
    s.push_str("---\n\n");
    s.push_str(r.docs.trim());
    s.push_str(&format!(
        "\n\n[Rule documentation]({}) · suppress with `predeploy:allow({}) reason=\"...\"`",
        r.help_uri(),
        r.id
    ));
    s
}
