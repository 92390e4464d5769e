use super::project::{self, Project};
use super::yaml;
use crate::lang::ProjectCx;
use crate::source::LineIndex;

crate::declare_rule! {
    /// ## What it does
    /// Reports a repository with dependency manifests (`Cargo.toml`, `package.json`,
    /// `pyproject.toml`, `requirements.txt`, `go.mod`, ...) but no automated dependency updates:
    /// no `.github/dependabot.yml`, no Renovate configuration (`renovate.json`,
    /// `renovate.json5`, `.renovaterc*`, `.github/renovate.json`, `.gitlab/renovate.json`, a
    /// `renovate` key in `package.json`). When `dependabot.yml` exists but updates none of the
    /// ecosystems the repository uses, that is reported on its `updates:` line.
    ///
    /// ## Why is this bad?
    /// Most exploited vulnerabilities have had a fix available for months. Without a bot
    /// proposing upgrades, dependencies are updated when someone remembers, which in practice
    /// means after an incident; the longer the gap, the harder each upgrade becomes.
    ///
    /// ## Example
    /// ```text
    /// repo/
    ///   Cargo.toml
    ///   Cargo.lock
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// # .github/dependabot.yml
    /// version: 2
    /// updates:
    ///   - package-ecosystem: cargo
    ///     directory: /
    ///     schedule:
    ///       interval: weekly
    /// ```
    ///
    /// ## How to fix
    /// Add `.github/dependabot.yml` with one `updates` entry per ecosystem (and
    /// `github-actions`, `docker`), or enable Renovate with a `renovate.json`. Turn on security
    /// updates so advisories open pull requests immediately.
    ///
    /// ## Not flagged
    /// Repositories without manifests; manifests only under test, example or docs directories.
    /// The configuration is looked for in the scanned directory and its parents up to the git
    /// root.
    ///
    /// ## References
    /// - CWE-1104: Use of Unmaintained Third Party Components
    /// - OWASP A06:2021 Vulnerable and Outdated Components
    pub DEPENDENCY_UPDATES_UNCONFIGURED {
        id: "dependency-updates-unconfigured",
        title: "No automated dependency updates (Dependabot or Renovate)",
        severity: Low,
        confidence: High,
        cwe: [1104],
        checklist: 8,
        languages: [Project],
        fix: None,
    }
}

const RENOVATE: &[&str] = &[
    "renovate.json",
    "renovate.json5",
    ".renovaterc",
    ".renovaterc.json",
    ".renovaterc.json5",
    ".github/renovate.json",
    ".github/renovate.json5",
    ".gitlab/renovate.json",
    ".gitlab/renovate.json5",
];

/// Dependabot ecosystems that update a manifest (lower-case file name).
fn ecosystems(manifest: &str) -> &'static [&'static str] {
    match manifest {
        "cargo.toml" => &["cargo"],
        "package.json" => &["npm", "bun"],
        "pyproject.toml" | "requirements.txt" | "pipfile" | "setup.py" | "setup.cfg" => {
            &["pip", "uv"]
        }
        "go.mod" => &["gomod"],
        "gemfile" => &["bundler"],
        "composer.json" => &["composer"],
        "pom.xml" => &["maven"],
        "build.gradle" | "build.gradle.kts" => &["gradle"],
        _ => &[],
    }
}

fn renovate_in_package_json(p: &Project) -> bool {
    p.files.iter().any(|(abs, rel)| {
        rel.components().count() == 1
            && rel.to_str() == Some("package.json")
            && std::fs::read_to_string(abs)
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .is_some_and(|v| v.get("renovate").is_some())
    })
}

pub(crate) fn check(pcx: &mut ProjectCx<'_>) {
    for p in project::projects(pcx) {
        let manifests: Vec<(std::path::PathBuf, String)> = p
            .named(|n| project::MANIFESTS.contains(&n.to_ascii_lowercase().as_str()))
            .into_iter()
            .map(|(abs, rel)| {
                let name = rel
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                (abs.clone(), name)
            })
            .collect();
        if manifests.is_empty() {
            continue;
        }
        if RENOVATE.iter().any(|f| p.has(f)) || renovate_in_package_json(&p) {
            continue;
        }
        let dependabot = [".github/dependabot.yml", ".github/dependabot.yaml"]
            .iter()
            .find_map(|f| p.dirs.iter().map(|d| d.join(f)).find(|x| x.is_file()));
        if let Some(path) = dependabot {
            check_dependabot(pcx, &p, &path, &manifests);
            continue;
        }
        // Anchor on the shallowest manifest.
        let at = manifests
            .iter()
            .min_by_key(|(abs, _)| abs.components().count())
            .map(|(abs, _)| abs.clone());
        if let Some(at) = at {
            project::report_missing(
                pcx,
                &at,
                &DEPENDENCY_UPDATES_UNCONFIGURED,
                "no Dependabot or Renovate configuration keeps these dependencies updated",
                "add .github/dependabot.yml with an `updates` entry for this ecosystem (or a renovate.json) and enable security updates",
            );
        }
    }
}

/// dependabot.yml exists: does it update any ecosystem the repository uses?
fn check_dependabot(
    pcx: &mut ProjectCx<'_>,
    p: &Project,
    path: &std::path::Path,
    manifests: &[(std::path::PathBuf, String)],
) {
    // Only report on a file this scan covers (it can then be suppressed there).
    let Some((abs, _)) = p
        .files
        .iter()
        .find(|(abs, _)| abs.canonicalize().ok() == path.canonicalize().ok())
    else {
        return;
    };
    let Ok(text) = std::fs::read_to_string(abs) else {
        return;
    };
    let index = LineIndex::new(&text);
    let parsed = yaml::parse(&text, &index);
    let Some(doc) = parsed.docs.first() else {
        return;
    };
    let Some((updates_key, updates)) = doc.entry("updates") else {
        return;
    };
    let configured: Vec<String> = updates
        .as_seq()
        .unwrap_or_default()
        .iter()
        .filter_map(|u| u.get("package-ecosystem").and_then(yaml::Node::as_str))
        .map(|s| s.trim().to_ascii_lowercase())
        .collect();
    let mut missing: Vec<&str> = Vec::new();
    let mut any_covered = false;
    for (_, name) in manifests {
        let eco = ecosystems(name);
        if eco.is_empty() {
            continue;
        }
        if eco.iter().any(|e| configured.iter().any(|c| c == e)) {
            any_covered = true;
        } else if !missing.contains(&eco[0]) {
            missing.push(eco[0]);
        }
    }
    if any_covered || missing.is_empty() {
        return;
    }
    let start = updates_key.start;
    let abs = abs.clone();
    pcx.with_file(&abs, &text, |cx| {
        let r = yaml::line_range_from(cx.text, &cx.index, start);
        cx.report(
            &DEPENDENCY_UPDATES_UNCONFIGURED,
            r,
            format!(
                "dependabot.yml updates none of this repository's dependencies ({})",
                missing.join(", ")
            ),
        )
        .help(format!(
            "add an `updates` entry with `package-ecosystem: {}` and a schedule",
            missing[0]
        ));
    });
}
