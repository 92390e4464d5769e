//! `external-path-dependency`: a path dependency outside the repository in a publishable crate.

crate::declare_rule! {
    /// ## What it does
    /// Reports `[dependencies]`/`[build-dependencies]` entries with `path = "..."` and no
    /// `version` whose path leaves the repository (the nearest directory holding `.git`, else the
    /// scanned directory), in crates that can be published (no `publish = false`).
    ///
    /// ## Why is this bad?
    /// The release then depends on whatever happens to be checked out next to the repository on
    /// the build machine: nothing versions it, nothing audits it, and another machine builds
    /// different code (or fails).
    ///
    /// ## Example
    /// ```toml
    /// [dependencies]
    /// auth = { path = "../../shared-libs/auth" }
    /// ```
    ///
    /// ## Use instead
    /// ```toml
    /// [dependencies]
    /// auth = { version = "0.3", registry = "internal" }   # or vendor it into the workspace
    /// ```
    ///
    /// ## Not flagged
    /// Path dependencies inside the repository (workspace members), those that also give a
    /// `version` (publishing uses the registry release), `[dev-dependencies]`, and crates with
    /// `publish = false`.
    ///
    /// ## References
    /// - https://doc.rust-lang.org/cargo/reference/specifying-dependencies.html#specifying-path-dependencies
    pub EXTERNAL_PATH_DEPENDENCY {
        id: "external-path-dependency",
        title: "Path dependency outside the repository",
        severity: Low,
        confidence: Medium,
        cwe: [1357],
        checklist: 8,
        languages: [Toml],
        fix: None,
    }
}
