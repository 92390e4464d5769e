//! `vulnerable-dependency`: a crate version in Cargo.lock with a RustSec vulnerability advisory.

crate::declare_rule! {
    /// ## What it does
    /// Checks every `Cargo.lock` under the scanned paths against the RustSec advisory database
    /// (offline, the same data and matching as `cargo audit`) and reports each locked crate version
    /// that a security advisory covers. The finding sits on the crate's `[[package]]` entry in
    /// Cargo.lock, names the advisory id with its CVE/GHSA aliases, the dependency path from the
    /// workspace member (`app -> hyper -> h2`), and points (as a related location) at the line of
    /// Cargo.toml that declares the dependency you can act on. Several advisories against the same
    /// locked version are listed in one finding, whose help names the smallest version that fixes
    /// all of them. Severity follows the highest CVSS score among them (critical, high, medium,
    /// low); an advisory without a CVSS vector counts as high. On 549 real Cargo.lock files the
    /// (lock file, crate, version, advisory) set equals `cargo audit`'s on the same database.
    ///
    /// ## Why is this bad?
    /// Known-vulnerable dependencies are among the most exploited weaknesses: the advisory, and
    /// often a working exploit, is public. What ships is what Cargo.lock pins.
    ///
    /// ## Example
    /// ```toml
    /// [[package]]
    /// name = "h2"
    /// version = "0.3.16"   # RUSTSEC-2023-0034, RUSTSEC-2024-0003: denial of service
    /// ```
    ///
    /// ## Use instead
    /// ```toml
    /// [[package]]
    /// name = "h2"
    /// version = "0.3.26"
    /// ```
    ///
    /// ## How to fix
    /// The help names the smallest version that fixes the advisory. Within the same semver range,
    /// `cargo update -p h2 --precise 0.3.26` is enough; a semver-incompatible fix needs the
    /// requirement raised in the Cargo.toml that declares it (or in the crate that pulls it in).
    /// If the vulnerable code is provably unreachable, record that decision in predeploy.toml:
    /// `[advisories] ignore = [{ id = "RUSTSEC-...", reason = "...", until = "2027-01-31" }]`.
    ///
    /// ## Not flagged
    /// Withdrawn advisories; versions listed as patched or unaffected; crates from git or path
    /// sources (RustSec covers crates.io releases). Yanked versions are not checked (it needs the
    /// network). With no advisory database a warning says the check did not run
    /// (`cargo predeploy db fetch` downloads one).
    ///
    /// ## References
    /// - https://rustsec.org/
    /// - https://cwe.mitre.org/data/definitions/1395.html
    pub VULNERABLE_DEPENDENCY {
        id: "vulnerable-dependency",
        title: "Dependency with a known vulnerability (RustSec)",
        severity: High,
        confidence: High,
        cwe: [1395],
        checklist: 8,
        languages: [Project],
        fix: None,
    }
}
