use super::project::{self, Project};
use super::security_txt_invalid::is_served_security_txt;
use crate::lang::ProjectCx;

crate::declare_rule! {
    /// ## What it does
    /// Reports a repository with no vulnerability disclosure information at all: no
    /// `SECURITY.md` (at the root, in `.github/` or `docs/`, where GitHub and GitLab look) and no
    /// served `security.txt` (`.well-known/security.txt` or one in a `static`/`public`/`www`
    /// directory). The finding is anchored on the root README (else the first root-level
    /// manifest or file), since what is wrong is an absence.
    ///
    /// ## Why is this bad?
    /// A researcher who finds a vulnerability needs to know where to report it privately. With
    /// no policy they give up, post it in a public issue, or sell it; you learn about the flaw
    /// from an attacker. A policy also sets expectations (response time, safe harbour).
    ///
    /// ## Example
    /// ```text
    /// repo/
    ///   README.md
    ///   src/
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// repo/
    ///   README.md
    ///   SECURITY.md                       # how to report, what to expect
    ///   static/.well-known/security.txt   # Contact: + Expires: for the deployed site
    /// ```
    ///
    /// ## How to fix
    /// Add a `SECURITY.md` saying how to report a vulnerability (an address or GitHub private
    /// vulnerability reporting) and how fast you respond; for a website or API, also serve
    /// `/.well-known/security.txt` (RFC 9116) with `Contact:` and `Expires:`.
    ///
    /// ## Not flagged
    /// Repositories with either file. The check looks in the scanned directory and, when a
    /// subdirectory is scanned, in its parents up to the git repository root. A policy
    /// inherited from the GitHub organization's `.github` repository cannot be seen from here:
    /// suppress the finding with that reason.
    ///
    /// ## References
    /// - CWE-1059: Insufficient Technical Documentation
    /// - RFC 9116; ISO/IEC 29147 (vulnerability disclosure); GitHub docs, "Adding a security policy"
    pub SECURITY_TXT_MISSING {
        id: "security-txt-missing",
        title: "No vulnerability disclosure policy (SECURITY.md or security.txt)",
        severity: Low,
        confidence: High,
        cwe: [1059],
        checklist: 25,
        languages: [Project],
        fix: None,
    }
}

fn has_policy(p: &Project) -> bool {
    [
        "SECURITY.md",
        ".github/SECURITY.md",
        "docs/SECURITY.md",
        "SECURITY.rst",
        "SECURITY.txt",
        ".gitlab/SECURITY.md",
    ]
    .iter()
    .any(|f| p.has(f))
        || p.files.iter().any(|(_, rel)| is_served_security_txt(rel))
        || p.dirs
            .iter()
            .any(|d| d.join(".well-known/security.txt").is_file())
}

pub(crate) fn check(pcx: &mut ProjectCx<'_>) {
    for p in project::projects(pcx) {
        if has_policy(&p) {
            continue;
        }
        let Some(at) = project::anchor(&p).map(|a| a.to_owned()) else {
            continue;
        };
        project::report_missing(
            pcx,
            &at,
            &SECURITY_TXT_MISSING,
            "the repository has no SECURITY.md and serves no security.txt",
            "add a SECURITY.md saying how to report a vulnerability privately; for a website or API also serve /.well-known/security.txt with Contact: and Expires:",
        );
    }
}
