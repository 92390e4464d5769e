//! `wildcard-dependency-version`: `version = "*"` in Cargo.toml.

crate::declare_rule! {
    /// ## What it does
    /// Reports dependencies declared with a wildcard version requirement (`"*"`, `"1.*"` is not
    /// flagged) in `[dependencies]`, `[build-dependencies]`, target-specific tables and
    /// `[workspace.dependencies]` of Cargo.toml.
    ///
    /// ## Why is this bad?
    /// `*` accepts any future release, including semver-incompatible majors and a hijacked
    /// crate's next version: the first `cargo update` (or a build without a lock file) takes it.
    /// crates.io refuses to publish crates with wildcard requirements for this reason.
    ///
    /// ## Example
    /// ```toml
    /// [dependencies]
    /// serde = "*"
    /// ```
    ///
    /// ## Use instead
    /// ```toml
    /// [dependencies]
    /// serde = "1.0.210"
    /// ```
    ///
    /// ## Not flagged
    /// `[dev-dependencies]` (not shipped), partial wildcards such as `"1.*"`, and dependencies
    /// taken from git or a path without a version.
    ///
    /// ## References
    /// - https://doc.rust-lang.org/cargo/reference/specifying-dependencies.html#wildcard-requirements
    pub WILDCARD_DEPENDENCY_VERSION {
        id: "wildcard-dependency-version",
        title: "Dependency with a wildcard `*` version requirement",
        severity: Low,
        confidence: High,
        cwe: [1357],
        checklist: 8,
        languages: [Toml],
        fix: Sometimes,
    }
}
