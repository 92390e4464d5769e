//! `missing-lockfile`: an application without a committed lock file.

crate::declare_rule! {
    /// ## What it does
    /// Reports applications whose dependency lock file is missing or not tracked by git:
    /// - a Rust package with a binary target (`src/main.rs`, `src/bin/`, `[[bin]]`) and no
    ///   `Cargo.lock` at its workspace root;
    /// - a Node application (`package.json` with dependencies that is `"private": true` or has a
    ///   `start` script) with no `package-lock.json`, `npm-shrinkwrap.json`, `yarn.lock`,
    ///   `pnpm-lock.yaml` or `bun.lock(b)` in its directory or a parent up to the repository root;
    /// - a Python project whose `pyproject.toml` configures Poetry, uv or PDM and has no
    ///   `poetry.lock`, `uv.lock` or `pdm.lock`.
    ///
    /// When the lock file exists inside a git work tree but `git ls-files` does not list it
    /// (untracked or git-ignored), the finding says so and names the ignoring `.gitignore` line.
    ///
    /// ## Why is this bad?
    /// Without a committed lock file, every build resolves dependencies afresh: the release can
    /// pick up a just-published compromised or vulnerable version that nobody reviewed, builds are
    /// not reproducible, and advisory audits (point 8) have nothing to check.
    ///
    /// ## Example
    /// ```toml
    /// # Cargo.toml of a binary crate, with `Cargo.lock` in .gitignore
    /// [package]
    /// name = "server"
    /// ```
    ///
    /// ## Use instead
    /// ```sh
    /// cargo generate-lockfile && git add Cargo.lock   # npm install / poetry lock / uv lock
    /// ```
    ///
    /// ## Not flagged
    /// Libraries (Rust packages without a binary target, Node packages that are not private and
    /// have no start script, Python projects without Poetry/uv/PDM): their consumers resolve
    /// versions. Binaries without any `[dependencies]`/`[build-dependencies]` (nothing to lock);
    /// packages under `examples/`, `benches/`, `fuzz/` and test directories (`tests/`,
    /// `fixtures/`, ...). Outside a git work tree only a missing file is reported.
    ///
    /// ## References
    /// - https://doc.rust-lang.org/cargo/faq.html#why-have-cargolock-in-version-control
    /// - https://docs.npmjs.com/cli/configuring-npm/package-lock-json
    pub MISSING_LOCKFILE {
        id: "missing-lockfile",
        title: "Application without a committed lock file",
        severity: Medium,
        confidence: Medium,
        cwe: [1357],
        checklist: 8,
        languages: [Project],
        fix: None,
    }
}
