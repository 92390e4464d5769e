//! `unsound-dependency`: a crate version in Cargo.lock with a RustSec "unsound" advisory.

crate::declare_rule! {
    /// ## What it does
    /// Reports locked crate versions covered by an informational RustSec advisory of kind
    /// `unsound`: safe APIs of the crate can cause undefined behaviour (memory corruption, data
    /// races). Same location, dependency path and upgrade advice as `vulnerable-dependency`.
    ///
    /// ## Why is this bad?
    /// Unsoundness is not yet a demonstrated exploit, but it is memory unsafety reachable from
    /// safe code: behaviour can change with a compiler or optimisation level, and it is often
    /// turned into a vulnerability later.
    ///
    /// ## Example
    /// ```toml
    /// [[package]]
    /// name = "atty"
    /// version = "0.2.14"   # RUSTSEC-2021-0145: potential unaligned read
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// use std::io::IsTerminal;
    /// let tty = std::io::stdout().is_terminal();
    /// ```
    ///
    /// ## How to fix
    /// Upgrade to a patched version when the advisory lists one, else replace the crate with the
    /// alternative the advisory recommends. An accepted risk goes in `[advisories] ignore` with a
    /// reason.
    ///
    /// ## Not flagged
    /// Withdrawn advisories, patched versions, git and path crates.
    ///
    /// ## References
    /// - https://rustsec.org/
    pub UNSOUND_DEPENDENCY {
        id: "unsound-dependency",
        title: "Dependency with an unsoundness advisory (RustSec)",
        severity: Medium,
        confidence: High,
        cwe: [1395],
        checklist: 8,
        languages: [Project],
        fix: None,
    }
}
