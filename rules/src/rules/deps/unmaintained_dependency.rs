//! `unmaintained-dependency`: a crate in Cargo.lock that RustSec lists as unmaintained.

crate::declare_rule! {
    /// ## What it does
    /// Reports locked crates covered by an informational RustSec advisory of kind `unmaintained`,
    /// with the dependency path that pulls them in.
    ///
    /// ## Why is this bad?
    /// Nobody will publish a fix when the next vulnerability in an unmaintained crate is found;
    /// you will have to migrate in a hurry.
    ///
    /// ## Example
    /// ```toml
    /// [[package]]
    /// name = "ansi_term"
    /// version = "0.12.1"   # RUSTSEC-2021-0139: ansi_term is unmaintained
    /// ```
    ///
    /// ## Use instead
    /// ```toml
    /// [dependencies]
    /// nu-ansi-term = "0.50"   # or another alternative the advisory names
    /// ```
    ///
    /// ## How to fix
    /// Move to a maintained alternative (the advisory lists some). When it is only pulled in
    /// transitively, upgrading the crate that depends on it often drops it.
    ///
    /// ## Not flagged
    /// Withdrawn advisories (for example when a new maintainer took the crate over).
    ///
    /// ## References
    /// - https://rustsec.org/categories/
    pub UNMAINTAINED_DEPENDENCY {
        id: "unmaintained-dependency",
        title: "Unmaintained dependency (RustSec)",
        severity: Low,
        confidence: High,
        cwe: [1104],
        checklist: 8,
        languages: [Project],
        fix: None,
    }
}
