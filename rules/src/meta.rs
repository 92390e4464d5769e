//! Rule metadata: identity, severity, confidence, CWE, checklist point and docs.

use serde::Serialize;
use std::fmt;

/// Impact if the finding is true. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s.to_ascii_lowercase().as_str() {
            "info" | "note" => Severity::Info,
            "low" => Severity::Low,
            "medium" | "moderate" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }
    /// The CVSS-like score GitHub code scanning uses to rank results (`security-severity`).
    pub fn security_severity(self) -> &'static str {
        match self {
            Severity::Info => "0.0",
            Severity::Low => "3.0",
            Severity::Medium => "5.5",
            Severity::High => "8.0",
            Severity::Critical => "9.5",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How likely a match is a real problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a rule looks at. Used for docs (`rules` listing) and to decide which passes run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Rust,
    JavaScript,
    TypeScript,
    Python,
    /// Dockerfiles.
    Docker,
    /// YAML (compose, Kubernetes, CI).
    Yaml,
    Toml,
    Json,
    /// HTML/Jinja/Django/Tera/Askama templates.
    Template,
    /// Any text file (secrets).
    Text,
    /// Project-level checks (lock files, repository layout).
    Project,
    /// A live deployment, checked by `cargo predeploy probe`.
    Live,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::JavaScript => "javascript",
            Lang::TypeScript => "typescript",
            Lang::Python => "python",
            Lang::Docker => "docker",
            Lang::Yaml => "yaml",
            Lang::Toml => "toml",
            Lang::Json => "json",
            Lang::Template => "template",
            Lang::Text => "text",
            Lang::Project => "project",
            Lang::Live => "live",
        }
    }
}

/// Whether the rule can offer a machine-applicable fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FixAvailability {
    None,
    Sometimes,
    Always,
}

/// Everything known about a rule, written once in the rule's own file with [`declare_rule!`].
#[derive(Debug, Serialize)]
pub struct RuleMeta {
    /// Stable kebab-case id, used in config, suppressions, SARIF `ruleId`.
    pub id: &'static str,
    /// One-line title.
    pub title: &'static str,
    pub severity: Severity,
    pub confidence: Confidence,
    /// CWE numbers, e.g. `&[89]`.
    pub cwe: &'static [u16],
    /// Point 1..=25 of the pre-production checklist.
    pub checklist: u8,
    pub languages: &'static [Lang],
    pub fix: FixAvailability,
    /// Markdown docs: `## What it does`, `## Why is this bad?`, `## Example`, `## Use instead`, ...
    #[serde(skip)]
    pub docs: &'static str,
    #[serde(skip)]
    pub source_file: &'static str,
    #[serde(skip)]
    pub source_line: u32,
}

impl RuleMeta {
    pub fn cwe_ids(&self) -> impl Iterator<Item = String> + '_ {
        self.cwe.iter().map(|c| format!("CWE-{c}"))
    }
    /// The first paragraph of "What it does", for short descriptions.
    pub fn summary(&self) -> &'static str {
        let docs = self.docs;
        let start = docs
            .find("## What it does")
            .map(|i| i + "## What it does".len())
            .unwrap_or(0);
        let rest = docs[start..].trim_start();
        let end = rest
            .find("\n\n")
            .or_else(|| rest.find("\n#"))
            .unwrap_or(rest.len());
        rest[..end].trim()
    }
    /// A docs URL for the rule (rendered docs live in the repository under docs/rules).
    pub fn help_uri(&self) -> String {
        format!(
            "{}/blob/main/docs/rules/{}.md",
            crate::REPOSITORY_URL,
            self.id
        )
    }
}

/// Declares a rule's metadata, capturing its `///` docs (clippy's `declare_clippy_lint!` idea).
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     pub SQL_STRING_CONCAT {
///         id: "sql-string-concat",
///         title: "SQL query built from strings",
///         severity: High, confidence: Medium,
///         cwe: [89], checklist: 6,
///         languages: [Rust, JavaScript, TypeScript, Python],
///         fix: None,
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis $name:ident {
            id: $id:literal,
            title: $title:literal,
            severity: $sev:ident,
            confidence: $conf:ident,
            cwe: [$($cwe:literal),* $(,)?],
            checklist: $point:literal,
            languages: [$($lang:ident),* $(,)?],
            fix: $fix:ident $(,)?
        }
    ) => {
        $vis static $name: $crate::meta::RuleMeta = $crate::meta::RuleMeta {
            id: $id,
            title: $title,
            severity: $crate::meta::Severity::$sev,
            confidence: $crate::meta::Confidence::$conf,
            cwe: &[$($cwe),*],
            checklist: $point,
            languages: &[$($crate::meta::Lang::$lang),*],
            fix: $crate::meta::FixAvailability::$fix,
            docs: concat!($($doc, "\n"),*),
            source_file: file!(),
            source_line: line!(),
        };
    };
}
