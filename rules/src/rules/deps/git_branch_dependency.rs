//! `git-branch-dependency`: a dependency that follows a git branch in a publishable crate.

crate::declare_rule! {
    /// ## What it does
    /// Reports `[dependencies]`/`[build-dependencies]` entries taken from a git repository that
    /// follow a branch (`branch = "main"`, or no `rev`/`tag` at all, i.e. the default branch),
    /// in crates that can be published (no `publish = false`).
    ///
    /// ## Why is this bad?
    /// A branch is a moving target: the next `cargo update` builds whatever was pushed last, with
    /// no crates.io checksum, no review of the change, and no RustSec coverage (advisories
    /// describe crates.io releases). It also cannot be published as is.
    ///
    /// ## Example
    /// ```toml
    /// [dependencies]
    /// tower = { git = "https://github.com/tower-rs/tower", branch = "master" }
    /// ```
    ///
    /// ## Use instead
    /// ```toml
    /// [dependencies]
    /// tower = "0.5"   # or pin: { git = "...", rev = "8b9f4c1" }
    /// ```
    ///
    /// ## Not flagged
    /// `rev = "..."` (a fixed commit) and `tag = "..."`; `[dev-dependencies]`; crates with
    /// `publish = false` (private services often patch forks deliberately).
    ///
    /// ## References
    /// - https://doc.rust-lang.org/cargo/reference/specifying-dependencies.html#specifying-dependencies-from-git-repositories
    pub GIT_BRANCH_DEPENDENCY {
        id: "git-branch-dependency",
        title: "Dependency follows a git branch",
        severity: Low,
        confidence: High,
        cwe: [1357],
        checklist: 8,
        languages: [Toml],
        fix: None,
    }
}
