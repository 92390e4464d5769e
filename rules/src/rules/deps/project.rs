//! The dependency family's project check: reads every Cargo.toml / Cargo.lock / package.json /
//! pyproject.toml the scan found (never runs cargo, never writes, never uses the network; the
//! only subprocess is a read-only `git ls-files`/`check-ignore` for lock files) and reports
//! advisories, missing lock files and risky dependency declarations.

use super::advisory_db::{self, AdvisoryConfig, AdvisoryStatus, IgnoreEntry};
use super::manifest::{self, DepDecl, DepKind, Manifest};
use super::{
    external_path_dependency::EXTERNAL_PATH_DEPENDENCY,
    git_branch_dependency::GIT_BRANCH_DEPENDENCY, missing_lockfile::MISSING_LOCKFILE,
    unmaintained_dependency::UNMAINTAINED_DEPENDENCY, unsound_dependency::UNSOUND_DEPENDENCY,
    vulnerable_dependency::VULNERABLE_DEPENDENCY,
    wildcard_dependency_version::WILDCARD_DEPENDENCY_VERSION,
};
use crate::finding::{Applicability, Edit, Fix, Note, Related, Suppression};
use crate::lang::ProjectCx;
use crate::meta::{RuleMeta, Severity};
use crate::source::LineIndex;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// How far up from a manifest we look for a workspace root or a lock file.
const MAX_UP: usize = 12;

fn file_name(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap_or_default()
}

fn in_vendor_dir(p: &Path) -> bool {
    p.components().any(|c| {
        matches!(c, Component::Normal(n) if n == "node_modules" || n == "target" || n == ".venv")
    })
}

/// Test data (a project under `tests/`, `fixtures/`, `testdata/`...), judged on the path relative to
/// the scan root: not shipped, so not reported unless `include_tests = true`.
fn is_test_data(cx: &ProjectCx<'_>, p: &Path) -> bool {
    if cx.config.include_tests {
        return false;
    }
    let rel = cx
        .roots
        .iter()
        .filter_map(|r| p.strip_prefix(r).ok())
        .min_by_key(|r| r.components().count())
        .unwrap_or(p);
    let dir = rel.parent().unwrap_or(Path::new(""));
    crate::source::is_test_path(dir)
}

/// Examples, benchmarks and fuzz targets: built by developers, not deployed.
fn in_non_shipped_dir(p: &Path) -> bool {
    p.components().any(|c| {
        matches!(c, Component::Normal(n) if matches!(n.to_str(), Some("examples" | "example" | "benches" | "fuzz")))
    })
}

/// Lexical normalisation (`a/b/../c` -> `a/c`), for paths that may not exist.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| normalize(&d.join(p)))
            .unwrap_or_else(|_| p.to_owned())
    })
}

/// The nearest directory at or above `abs` holding `.git`.
fn repo_root(abs: &Path) -> Option<PathBuf> {
    abs.ancestors()
        .take(MAX_UP + 8)
        .find(|a| a.join(".git").exists())
        .map(Path::to_owned)
}

/// `dir` moved up `k` levels, lexically if possible, else the absolute `fallback`.
fn up_lexical(dir: &Path, k: usize, fallback: &Path) -> PathBuf {
    let mut p = dir.to_owned();
    for _ in 0..k {
        if !p.pop() || p.as_os_str().is_empty() {
            return fallback.to_owned();
        }
    }
    p
}

struct Ctx {
    parsed: HashMap<PathBuf, Option<Manifest>>,
}

impl Ctx {
    fn manifest_at(&mut self, abs: &Path) -> Option<&Manifest> {
        if !self.parsed.contains_key(abs) {
            let m = std::fs::read_to_string(abs)
                .ok()
                .and_then(|t| manifest::parse_manifest(abs, &t).ok());
            self.parsed.insert(abs.to_owned(), m);
        }
        self.parsed.get(abs).and_then(|m| m.as_ref())
    }
}

fn glob_match(pattern: &str, rel: &str) -> bool {
    let pattern = pattern.trim_end_matches('/');
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map(|g| g.compile_matcher().is_match(rel))
        .unwrap_or(false)
}

/// The workspace root directory of a package manifest (where its Cargo.lock lives), following
/// Cargo's rule: `package.workspace`, else the first ancestor whose `[workspace]` lists it.
fn workspace_root(ctx: &mut Ctx, m: &Manifest) -> PathBuf {
    let dir = m.path.parent().unwrap_or(Path::new("")).to_owned();
    if m.workspace.is_some() {
        return dir;
    }
    let abs_dir = absolute(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        &dir
    });
    if let Some(ws) = m.package.as_ref().and_then(|p| p.workspace.as_ref()) {
        return normalize(&dir.join(ws));
    }
    if abs_dir.join(".git").exists() {
        return dir;
    }
    for (k, anc) in abs_dir.ancestors().enumerate().skip(1).take(MAX_UP) {
        let cargo = anc.join("Cargo.toml");
        if cargo.is_file() {
            if let Some(root) = ctx.manifest_at(&cargo) {
                if let Some(ws) = &root.workspace {
                    let rel = abs_dir
                        .strip_prefix(anc)
                        .map(|r| r.to_string_lossy().replace('\\', "/"))
                        .unwrap_or_default();
                    let excluded = ws.exclude.iter().any(|e| {
                        rel == *e || rel.starts_with(&format!("{}/", e.trim_end_matches('/')))
                    });
                    let member = ws.members.iter().any(|g| glob_match(g, &rel))
                        || root.deps.iter().any(|d| {
                            d.path
                                .as_ref()
                                .is_some_and(|(p, _)| normalize(&anc.join(p)) == abs_dir)
                        });
                    if member && !excluded {
                        return up_lexical(&dir, k, anc);
                    }
                    return dir;
                }
            }
        }
        if anc.join(".git").exists() {
            break;
        }
    }
    dir
}

fn has_binary(m: &Manifest) -> bool {
    let dir = m.path.parent().unwrap_or(Path::new(""));
    m.package.as_ref().is_some_and(|p| p.bins)
        || dir.join("src").join("main.rs").is_file()
        || dir.join("src").join("bin").is_dir()
}

/// `Some(None)`: tracked. `Some(Some(why))`: in a git work tree but not tracked. `None`: not in
/// a git work tree (or git unavailable).
fn git_untracked(lock: &Path) -> Option<Option<String>> {
    let dir = lock
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = file_name(lock);
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("--no-optional-locks")
            .arg("-C")
            .arg(dir)
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .ok()
    };
    let inside = git(&["rev-parse", "--is-inside-work-tree"])?;
    if !inside.status.success() || String::from_utf8_lossy(&inside.stdout).trim() != "true" {
        return None;
    }
    let ls = git(&["ls-files", "--error-unmatch", "--", name])?;
    if ls.status.success() {
        return Some(None);
    }
    let ignored = git(&["check-ignore", "-v", "--", name]);
    let why = match ignored {
        Some(o) if o.status.success() => {
            let line = String::from_utf8_lossy(&o.stdout);
            let rule = line.split('\t').next().unwrap_or_default().trim();
            // `source:line:pattern`
            let mut parts = rule.splitn(3, ':');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(src), Some(l), Some(pat)) => {
                    format!("{name} is ignored by git ({src}:{l} `{pat}`)")
                }
                _ => format!("{name} is ignored by git"),
            }
        }
        _ => format!("{name} is not committed to git"),
    };
    Some(Some(why))
}

/// Entry point registered by the family.
pub(crate) fn run(cx: &mut ProjectCx<'_>) {
    let mut ctx = Ctx {
        parsed: HashMap::new(),
    };
    // 1. Manifests the scan found.
    let mut manifests: Vec<Manifest> = Vec::new();
    let cargo_tomls: Vec<PathBuf> = cx
        .files
        .iter()
        .filter(|f| file_name(f) == "Cargo.toml" && !in_vendor_dir(f) && !is_test_data(cx, f))
        .cloned()
        .collect();
    for f in &cargo_tomls {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        match manifest::parse_manifest(f, &text) {
            Ok(m) => manifests.push(m),
            Err(e) => {
                let mut n = Note::warning(
                    Some(f.to_owned()),
                    format!(
                        "malformed Cargo.toml ({}); its dependencies were not checked",
                        e.message
                    ),
                );
                if let Some(l) = e.line {
                    n = n.at_line(l);
                }
                cx.notes.push(n);
            }
        }
    }
    let roots: Vec<PathBuf> = manifests
        .iter()
        .map(|m| workspace_root(&mut ctx, m))
        .collect();

    for (m, root) in manifests.iter().zip(&roots) {
        manifest_rules(cx, &mut ctx, m, root);
    }
    rust_lockfiles_present(cx, &manifests, &roots);
    node_lockfiles(cx);
    python_lockfiles(cx);
    audit(cx, &manifests, &roots);
}

/// Wildcard versions, git branches and external paths in one Cargo.toml.
fn manifest_rules(cx: &mut ProjectCx<'_>, ctx: &mut Ctx, m: &Manifest, ws_root: &Path) {
    let publishable = match &m.package {
        None => false,
        Some(p) if p.publish_inherited => {
            // `publish.workspace = true`: the workspace root decides (publishable by default).
            let root = absolute(&ws_root.join("Cargo.toml"));
            ctx.manifest_at(&root)
                .and_then(|r| r.workspace.as_ref())
                .and_then(|w| w.package_publish)
                .unwrap_or(true)
        }
        Some(p) => p.publish,
    };
    let abs_dir = absolute(
        m.path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    );
    let boundary = repo_root(&abs_dir).or_else(|| {
        cx.roots
            .iter()
            .map(|r| absolute(r))
            .filter(|r| abs_dir.starts_with(r))
            .max_by_key(|r| r.components().count())
    });
    // Locked versions for the wildcard fix, from the workspace's Cargo.lock if any.
    let locked = locked_versions(&ws_root.join("Cargo.lock"));
    // Sources inherited with `workspace = true`, resolved in the workspace root manifest.
    let root_manifest = if m.deps.iter().any(|d| d.inherits) && publishable {
        let root = absolute(&ws_root.join("Cargo.toml"));
        (root != absolute(&m.path))
            .then(|| ctx.manifest_at(&root).cloned())
            .flatten()
    } else {
        None
    };
    let root_abs_dir = root_manifest
        .as_ref()
        .and_then(|r| r.path.parent().map(Path::to_owned));
    let path = m.path.clone();
    let text = m.text.clone();
    cx.with_file(&path, &text, |f| {
        for own in &m.deps {
            // For `x.workspace = true`, judge the workspace's declaration, report here.
            let (d, base_dir, from_ws) = match (&root_manifest, own.inherits) {
                (Some(root), true) => match root
                    .deps
                    .iter()
                    .find(|w| w.kind == DepKind::Workspace && w.key == own.key)
                {
                    Some(w) => (w, root_abs_dir.clone().unwrap_or(abs_dir.clone()), true),
                    None => continue,
                },
                _ => (own, abs_dir.clone(), false),
            };
            let kind = own.kind;
            let at = own.key_range.clone();
            let from = if from_ws {
                " (from [workspace.dependencies])"
            } else {
                ""
            };
            let shipped = matches!(kind, DepKind::Normal | DepKind::Build | DepKind::Workspace);
            if let (Some((v, r)), false) = (&d.version, from_ws) {
                if shipped && v.trim() == "*" {
                    let fix = locked.get(&d.package).map(|ver| Fix {
                        title: format!("require {} {ver} (the locked version)", d.package),
                        edits: vec![Edit {
                            range: r.clone(),
                            replacement: format!("\"{ver}\""),
                        }],
                        applicability: Applicability::MaybeIncorrect,
                    });
                    let finding = f
                        .report(
                            &WILDCARD_DEPENDENCY_VERSION,
                            d.key_range.start..r.end,
                            format!("dependency `{}` accepts any version (`*`)", d.key),
                        )
                        .help(match locked.get(&d.package) {
                            Some(ver) => format!("require a real version, e.g. `{} = \"{ver}\"` (the version Cargo.lock uses)", d.key),
                            None => format!("require a real version, e.g. `{} = \"1\"`, the major version you tested", d.key),
                        });
                    if let Some(fix) = fix {
                        finding.fix(fix);
                    }
                }
            }
            if !publishable || !matches!(kind, DepKind::Normal | DepKind::Build) {
                continue;
            }
            let end = |r: &Range<usize>| if from_ws { at.end } else { r.end };
            if let Some((url, r)) = &d.git {
                if d.rev.is_none() && d.tag.is_none() {
                    let what = match &d.branch {
                        Some(b) => format!("branch `{b}`"),
                        None => "the default branch".to_owned(),
                    };
                    f.report(
                        &GIT_BRANCH_DEPENDENCY,
                        at.start..end(r),
                        format!("dependency `{}` follows {what} of {url}{from}", d.key),
                    )
                    .help(format!(
                        "use a crates.io release of `{}`, or pin the commit with `rev = \"<sha>\"`; if this crate is never published, add `publish = false` to [package]",
                        d.package
                    ));
                }
            }
            if let (Some((p, r)), None) = (&d.path, &d.version) {
                let target = normalize(&base_dir.join(p));
                if let Some(b) = &boundary {
                    if !target.starts_with(b) {
                        f.report(
                            &EXTERNAL_PATH_DEPENDENCY,
                            at.start..end(r),
                            format!("dependency `{}` is taken from `{p}`, outside the repository{from}", d.key),
                        )
                        .help(format!(
                            "publish `{}` to a registry and require a version, or move it into this workspace; if this crate is never published, add `publish = false` to [package]",
                            d.package
                        ));
                    }
                }
            }
        }
    });
}

/// name -> version from the workspace's Cargo.lock, when the name is locked once.
fn locked_versions(lock: &Path) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Ok(text) = std::fs::read_to_string(lock) else {
        return out;
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for e in manifest::lock_entries(&text) {
        *seen.entry(e.name.clone()).or_default() += 1;
        out.insert(e.name, e.version);
    }
    out.retain(|k, _| seen.get(k) == Some(&1));
    out
}

fn report_missing(
    cx: &mut ProjectCx<'_>,
    file: &Path,
    text: &str,
    range: Range<usize>,
    message: String,
    help: String,
) {
    cx.with_file(file, text, |f| {
        f.report(&MISSING_LOCKFILE, range, message).help(help);
    });
}

fn rust_lockfiles_present(cx: &mut ProjectCx<'_>, manifests: &[Manifest], roots: &[PathBuf]) {
    if !cx.enabled(&MISSING_LOCKFILE) {
        return;
    }
    let mut checked_git: HashMap<PathBuf, Option<Option<String>>> = HashMap::new();
    for (m, root) in manifests.iter().zip(roots) {
        let Some(pkg) = &m.package else { continue };
        // Nothing to lock without dependencies; examples, benches and fuzz targets are not shipped.
        let has_deps = m
            .deps
            .iter()
            .any(|d| matches!(d.kind, DepKind::Normal | DepKind::Build));
        if !has_binary(m) || !has_deps || in_non_shipped_dir(&m.path) {
            continue;
        }
        let lock = root.join("Cargo.lock");
        if !lock.is_file() {
            report_missing(
                cx,
                &m.path,
                &m.text,
                pkg.header.clone(),
                format!("binary crate `{}` has no Cargo.lock", pkg.name),
                format!(
                    "run `cargo generate-lockfile` in {} and commit Cargo.lock, so releases build the dependency versions you tested",
                    display_dir(root)
                ),
            );
            continue;
        }
        let state = checked_git
            .entry(absolute(&lock))
            .or_insert_with(|| git_untracked(&lock))
            .clone();
        if let Some(Some(why)) = state {
            report_missing(
                cx,
                &m.path,
                &m.text,
                pkg.header.clone(),
                format!("binary crate `{}`: {why}", pkg.name),
                "commit Cargo.lock (`git add -f Cargo.lock`, and drop it from .gitignore) so releases build the dependency versions you tested".into(),
            );
        }
    }
}

fn display_dir(p: &Path) -> String {
    if p.as_os_str().is_empty() {
        ".".into()
    } else {
        p.display().to_string()
    }
}

/// Looks for any of `names` in `dir` and its parents up to the repository root.
fn find_up(dir: &Path, names: &[&str]) -> Option<PathBuf> {
    let abs = absolute(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    });
    for a in abs.ancestors().take(MAX_UP) {
        for n in names {
            let p = a.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
        if a.join(".git").exists() {
            break;
        }
    }
    None
}

/// The first occurrence of the JSON key `"key":` (a position for a finding; the document was
/// already parsed by serde_json).
fn json_key_range(text: &str, key: &str) -> Range<usize> {
    let quoted = format!("\"{key}\"");
    let mut from = 0;
    while let Some(i) = text[from..].find(&quoted) {
        let at = from + i;
        let rest = text[at + quoted.len()..].trim_start();
        if rest.starts_with(':') {
            return at..at + quoted.len();
        }
        from = at + quoted.len();
    }
    0..0
}

const NODE_LOCKS: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lockb",
    "bun.lock",
];

fn node_lockfiles(cx: &mut ProjectCx<'_>) {
    if !cx.enabled(&MISSING_LOCKFILE) {
        return;
    }
    let files: Vec<PathBuf> = cx
        .files
        .iter()
        .filter(|f| file_name(f) == "package.json" && !in_vendor_dir(f) && !is_test_data(cx, f))
        .cloned()
        .collect();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let has_deps = ["dependencies", "devDependencies"].iter().any(|k| {
            json.get(k)
                .and_then(|d| d.as_object())
                .is_some_and(|o| !o.is_empty())
        });
        let private = json.get("private").and_then(|p| p.as_bool()) == Some(true);
        let start = json.get("scripts").and_then(|s| s.get("start")).is_some();
        if !has_deps || !(private || start) {
            continue;
        }
        let dir = f.parent().unwrap_or(Path::new("")).to_owned();
        let key = if json.get("dependencies").is_some() {
            "dependencies"
        } else {
            "devDependencies"
        };
        let name = json
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or("this package")
            .to_owned();
        match find_up(&dir, NODE_LOCKS) {
            None => report_missing(
                cx,
                &f,
                &text,
                json_key_range(&text, key),
                format!("node application `{name}` has no lock file"),
                "run `npm install` (or yarn/pnpm/bun) and commit the lock file it writes; install with `npm ci` in CI and Docker builds".into(),
            ),
            Some(lock) => {
                if let Some(Some(why)) = git_untracked(&lock) {
                    report_missing(
                        cx,
                        &f,
                        &text,
                        json_key_range(&text, key),
                        format!("node application `{name}`: {why}"),
                        format!("commit {} so installs are reproducible (`npm ci`)", file_name(&lock)),
                    );
                }
            }
        }
    }
}

fn python_lockfiles(cx: &mut ProjectCx<'_>) {
    if !cx.enabled(&MISSING_LOCKFILE) {
        return;
    }
    let files: Vec<PathBuf> = cx
        .files
        .iter()
        .filter(|f| file_name(f) == "pyproject.toml" && !in_vendor_dir(f) && !is_test_data(cx, f))
        .cloned()
        .collect();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let Ok(doc) = toml::de::DeTable::parse(&text) else {
            continue;
        };
        let Some(tool) = doc
            .get_ref()
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == "tool")
            .and_then(|(_, v)| match v.get_ref() {
                toml::de::DeValue::Table(t) => Some(t),
                _ => None,
            })
        else {
            continue;
        };
        let dir = f.parent().unwrap_or(Path::new("")).to_owned();
        for (tool_name, lock_name, cmd) in [
            ("poetry", "poetry.lock", "poetry lock"),
            ("uv", "uv.lock", "uv lock"),
            ("pdm", "pdm.lock", "pdm lock"),
        ] {
            let Some((k, _)) = tool.iter().find(|(k, _)| k.get_ref().as_ref() == tool_name) else {
                continue;
            };
            let range = k.span();
            match find_up(&dir, &[lock_name]) {
                None => report_missing(
                    cx,
                    &f,
                    &text,
                    range,
                    format!("project managed with {tool_name} has no {lock_name}"),
                    format!("run `{cmd}` and commit {lock_name}"),
                ),
                Some(lock) => {
                    if let Some(Some(why)) = git_untracked(&lock) {
                        report_missing(
                            cx,
                            &f,
                            &text,
                            range,
                            format!("project managed with {tool_name}: {why}"),
                            format!("commit {lock_name} so installs are reproducible"),
                        );
                    }
                }
            }
            break;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Advisories

fn cvss_severity(adv: &rustsec::advisory::Metadata) -> (Severity, String) {
    match &adv.cvss {
        None => (Severity::High, "no CVSS score".into()),
        Some(c) => {
            use rustsec::advisory::Severity as S;
            let s = match c.severity() {
                S::Critical => Severity::Critical,
                S::High => Severity::High,
                S::Medium => Severity::Medium,
                S::Low | S::None => Severity::Low,
            };
            (s, format!("CVSS {:.1}", c.score()))
        }
    }
}

/// The smallest version that satisfies one of the `patched` requirements and is above `current`.
#[cfg(test)]
pub(crate) fn smallest_fix(
    current: &rustsec::Version,
    patched: &[rustsec::VersionReq],
) -> Option<rustsec::Version> {
    smallest_fix_where(current, patched, |_| true)
}

/// The smallest lower bound of the `patched` requirements above `current` that satisfies its
/// requirement and `ok` (e.g. "fixes every advisory").
pub(crate) fn smallest_fix_where(
    current: &rustsec::Version,
    patched: &[rustsec::VersionReq],
    ok: impl Fn(&rustsec::Version) -> bool,
) -> Option<rustsec::Version> {
    use rustsec::semver::{Op, Version};
    let mut best: Option<Version> = None;
    for req in patched {
        for c in &req.comparators {
            let base = Version::new(c.major, c.minor.unwrap_or(0), c.patch.unwrap_or(0));
            let cand = match c.op {
                Op::Greater => match (c.minor, c.patch) {
                    (Some(mi), Some(pa)) => Version::new(c.major, mi, pa + 1),
                    (Some(mi), None) => Version::new(c.major, mi + 1, 0),
                    _ => Version::new(c.major + 1, 0, 0),
                },
                _ => base,
            };
            if cand > *current
                && req.matches(&cand)
                && ok(&cand)
                && best.as_ref().is_none_or(|b| cand < *b)
            {
                best = Some(cand);
            }
        }
    }
    best
}

fn semver_compatible(a: &rustsec::Version, b: &rustsec::Version) -> bool {
    if a.major != b.major {
        return false;
    }
    if a.major > 0 {
        return true;
    }
    if a.minor != b.minor {
        return false;
    }
    a.minor > 0 || a.patch == b.patch
}

struct LockGraph {
    /// index -> (name, version)
    nodes: Vec<(String, String)>,
    parent: Vec<Option<usize>>,
    idx: HashMap<(String, String), usize>,
}

impl LockGraph {
    fn new(lock: &rustsec::Lockfile, members: &HashSet<String>) -> LockGraph {
        let nodes: Vec<(String, String)> = lock
            .packages
            .iter()
            .map(|p| (p.name.as_str().to_owned(), p.version.to_string()))
            .collect();
        let idx: HashMap<(String, String), usize> = nodes
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, k)| (k, i))
            .collect();
        let mut roots: Vec<usize> = lock
            .packages
            .iter()
            .enumerate()
            .filter(|(_, p)| p.source.is_none() && members.contains(p.name.as_str()))
            .map(|(i, _)| i)
            .collect();
        if roots.is_empty() {
            roots = lock
                .packages
                .iter()
                .enumerate()
                .filter(|(_, p)| p.source.is_none())
                .map(|(i, _)| i)
                .collect();
        }
        let mut parent = vec![None; nodes.len()];
        let mut seen = vec![false; nodes.len()];
        let mut q = VecDeque::new();
        for r in roots {
            seen[r] = true;
            q.push_back(r);
        }
        while let Some(i) = q.pop_front() {
            for d in &lock.packages[i].dependencies {
                if let Some(&j) = idx.get(&(d.name.as_str().to_owned(), d.version.to_string())) {
                    if !seen[j] {
                        seen[j] = true;
                        parent[j] = Some(i);
                        q.push_back(j);
                    }
                }
            }
        }
        LockGraph { nodes, parent, idx }
    }

    /// Names from a root to the package, or just the package when unreachable.
    fn path_to(&self, name: &str, version: &str) -> Vec<String> {
        let Some(&mut_i) = self.idx.get(&(name.to_owned(), version.to_owned())) else {
            return vec![name.to_owned()];
        };
        let mut out = Vec::new();
        let mut cur = Some(mut_i);
        let mut guard = 0;
        while let Some(i) = cur {
            out.push(self.nodes[i].0.clone());
            cur = self.parent[i];
            guard += 1;
            if guard > self.nodes.len() {
                break;
            }
        }
        out.reverse();
        out
    }
}

fn related_at(m: &Manifest, d: &DepDecl, message: String) -> Related {
    let index = LineIndex::new(&m.text);
    Related {
        path: m.path.clone(),
        start: index.line_col(&m.text, d.key_range.start),
        range: d.key_range.clone(),
        message,
    }
}

struct IgnoreState {
    entries: Vec<IgnoreEntry>,
    used: Vec<bool>,
    today: String,
}

impl IgnoreState {
    /// The ignore entry matching an advisory (by id or alias) and still in force.
    fn matching(&mut self, adv: &rustsec::advisory::Metadata) -> Option<&IgnoreEntry> {
        let ids: Vec<&str> = std::iter::once(adv.id.as_str())
            .chain(adv.aliases.iter().map(|a| a.as_str()))
            .collect();
        let i = self.entries.iter().position(|e| {
            ids.iter().any(|id| id.eq_ignore_ascii_case(&e.id))
                && e.until.as_ref().is_none_or(|u| *u >= self.today)
        })?;
        self.used[i] = true;
        Some(&self.entries[i])
    }
}

fn lockfiles(cx: &ProjectCx<'_>, roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    let mut seen = HashSet::new();
    let found = cx
        .files
        .iter()
        .filter(|f| file_name(f) == "Cargo.lock" && !in_vendor_dir(f) && !is_test_data(cx, f))
        .cloned();
    let beside = roots
        .iter()
        .map(|r| r.join("Cargo.lock"))
        .filter(|p| p.is_file());
    for p in found.chain(beside) {
        if seen.insert(absolute(&p)) {
            out.push(p);
        }
    }
    out
}

fn audit(cx: &mut ProjectCx<'_>, manifests: &[Manifest], roots: &[PathBuf]) {
    let rules: [&RuleMeta; 3] = [
        &VULNERABLE_DEPENDENCY,
        &UNSOUND_DEPENDENCY,
        &UNMAINTAINED_DEPENDENCY,
    ];
    if !rules.iter().any(|r| cx.enabled(r)) {
        return;
    }
    let locks = lockfiles(cx, roots);
    let acfg = AdvisoryConfig::from_config(cx.config);
    cx.notes.extend(acfg.notes.iter().cloned());
    if locks.is_empty() {
        return;
    }
    let db = match advisory_db::load(&acfg) {
        Ok(db) => db,
        Err(status) => {
            cx.notes
                .extend(advisory_db::status_notes(&status, acfg.max_age_days));
            return;
        }
    };
    let status = AdvisoryStatus::Checked {
        db_path: db.path.clone(),
        db_date: db.date.clone(),
        date_source: db.date_source,
        age_days: db
            .date
            .as_deref()
            .and_then(advisory_db::parse_date)
            .map(|d| advisory_db::today() - d),
        advisories: db.count,
    };
    cx.notes
        .extend(advisory_db::status_notes(&status, acfg.max_age_days));
    let today = crate::suppress::today();
    for e in &acfg.ignore {
        if let Some(u) = &e.until {
            if *u < today {
                let mut n = Note::info(
                    cx.config.source.clone(),
                    format!("[advisories] ignore of {} expired on {u}; the advisory is reported again. Fix it or renew the date", e.id),
                );
                if let Some(l) = e.line {
                    n = n.at_line(l);
                }
                cx.notes.push(n);
            }
        }
    }
    let mut ignores = IgnoreState {
        used: vec![false; acfg.ignore.len()],
        entries: acfg.ignore.clone(),
        today: today.clone(),
    };
    let settings = rustsec::report::Settings {
        informational_warnings: vec![
            rustsec::advisory::Informational::Unmaintained,
            rustsec::advisory::Informational::Unsound,
        ],
        ..Default::default()
    };
    for lock_path in locks {
        let text = match crate::engine::read_text(&lock_path, cx.config.max_file_size.max(64 << 20))
        {
            Ok(r) => r.text,
            Err(n) => {
                cx.notes.push(n);
                continue;
            }
        };
        if let Err(e) = toml::de::DeTable::parse(&text) {
            let pe = manifest::parse_error(&text, &e);
            let mut n = Note::warning(
                Some(lock_path.clone()),
                format!(
                    "malformed Cargo.lock ({}); its dependencies were not checked for advisories",
                    pe.message
                ),
            );
            if let Some(l) = pe.line {
                n = n.at_line(l);
            }
            cx.notes.push(n);
            continue;
        }
        let lock: rustsec::Lockfile = match text.parse() {
            Ok(l) => l,
            Err(e) => {
                cx.notes.push(Note::warning(
                    Some(lock_path.clone()),
                    format!("Cargo.lock cannot be read ({e}); its dependencies were not checked for advisories"),
                ));
                continue;
            }
        };
        let abs_lock_dir = absolute(
            lock_path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        );
        let members: Vec<&Manifest> = manifests
            .iter()
            .zip(roots)
            .filter(|(_, r)| {
                absolute(if r.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    r
                }) == abs_lock_dir
            })
            .map(|(m, _)| m)
            .collect();
        let member_names: HashSet<String> = members
            .iter()
            .filter_map(|m| m.package.as_ref().map(|p| p.name.clone()))
            .collect();
        let graph = LockGraph::new(&lock, &member_names);
        let entries = manifest::lock_entries(&text);
        let entry_range = |name: &str, version: &str| {
            entries
                .iter()
                .find(|e| e.name == name && e.version == version)
                .map(|e| e.range.clone())
                .unwrap_or(0..0)
        };
        let report = rustsec::report::Report::generate(&db.db, &lock, &settings);
        // (rule, advisory, package name, version, versions)
        let mut hits: Vec<(
            &'static RuleMeta,
            rustsec::advisory::Metadata,
            String,
            rustsec::Version,
            rustsec::advisory::Versions,
        )> = Vec::new();
        for v in &report.vulnerabilities.list {
            hits.push((
                &VULNERABLE_DEPENDENCY,
                v.advisory.clone(),
                v.package.name.as_str().to_owned(),
                v.package.version.clone(),
                v.versions.clone(),
            ));
        }
        let mut warnings: BTreeMap<String, ()> = BTreeMap::new();
        for (kind, list) in &report.warnings {
            let rule: &'static RuleMeta = match kind {
                rustsec::WarningKind::Unsound => &UNSOUND_DEPENDENCY,
                rustsec::WarningKind::Unmaintained => &UNMAINTAINED_DEPENDENCY,
                _ => continue,
            };
            for w in list {
                let (Some(adv), Some(vers)) = (&w.advisory, &w.versions) else {
                    continue;
                };
                let key = format!("{}:{}:{}", adv.id, w.package.name, w.package.version);
                if warnings.insert(key, ()).is_some() {
                    continue;
                }
                hits.push((
                    rule,
                    adv.clone(),
                    w.package.name.as_str().to_owned(),
                    w.package.version.clone(),
                    vers.clone(),
                ));
            }
        }
        if hits.is_empty() {
            continue;
        }
        // One finding per (rule, package version): several advisories on one `[[package]]`
        // entry would otherwise collapse into one (same rule, same range).
        type Hit = (
            &'static RuleMeta,
            rustsec::advisory::Metadata,
            String,
            rustsec::Version,
            rustsec::advisory::Versions,
        );
        let mut groups: Vec<(&'static RuleMeta, String, rustsec::Version, Vec<Hit>)> = Vec::new();
        for h in hits {
            match groups
                .iter_mut()
                .find(|g| std::ptr::eq(g.0, h.0) && g.1 == h.2 && g.2 == h.3)
            {
                Some(g) => g.3.push(h),
                None => groups.push((h.0, h.2.clone(), h.3.clone(), vec![h])),
            }
        }
        let mut pending = Vec::new();
        for (rule, name, version, mut group) in groups {
            group.sort_by(|a, b| a.1.id.as_str().cmp(b.1.id.as_str()));
            let ver = version.to_string();
            let path = graph.path_to(&name, &ver);
            let mut active = Vec::new();
            let mut ignored = Vec::new();
            for h in &group {
                match ignores.matching(&h.1) {
                    Some(e) => ignored.push((h, e.clone())),
                    None => active.push(h),
                }
            }
            // All ignored: one suppressed finding carrying the reasons.
            let all_ignored = active.is_empty();
            let shown: Vec<&Hit> = if all_ignored {
                ignored.iter().map(|(h, _)| *h).collect()
            } else {
                active.clone()
            };
            let via = if path.len() > 1 {
                format!("; dependency path {}", path.join(" -> "))
            } else {
                String::new()
            };
            let vulnerable = std::ptr::eq(rule, &VULNERABLE_DEPENDENCY);
            let mut severity = if vulnerable {
                Severity::Low
            } else {
                rule.severity
            };
            let mut parts = Vec::new();
            for h in &shown {
                let adv = &h.1;
                let mut ids = vec![adv.id.as_str().to_owned()];
                ids.extend(adv.aliases.iter().map(|a| a.as_str().to_owned()));
                let score = if vulnerable {
                    let (s, score) = cvss_severity(adv);
                    severity = severity.max(s);
                    format!(", {score}")
                } else {
                    String::new()
                };
                let title = adv.title.trim().trim_end_matches('.');
                parts.push(format!("{title} ({}{score})", ids.join(", ")));
            }
            let kind = if vulnerable {
                if shown.len() == 1 {
                    "has a known vulnerability".to_owned()
                } else {
                    format!("has {} known vulnerabilities", shown.len())
                }
            } else if std::ptr::eq(rule, &UNSOUND_DEPENDENCY) {
                "is unsound".to_owned()
            } else {
                "is unmaintained".to_owned()
            };
            let message = format!("{name} {ver} {kind}: {}{via}", parts.join("; "));
            // Upgrade advice: the smallest version fixing every advisory shown.
            let all_patched: Vec<rustsec::VersionReq> = shown
                .iter()
                .flat_map(|h| h.4.patched().iter().cloned())
                .collect();
            let fixes_all = |v: &rustsec::Version| {
                shown.iter().all(|h| {
                    h.4.patched().iter().any(|r| r.matches(v))
                        || h.4.unaffected().iter().any(|r| r.matches(v))
                })
            };
            let fix = smallest_fix_where(&version, &all_patched, fixes_all);
            let upgrade = match &fix {
                Some(fix) if semver_compatible(&version, fix) => format!(
                    "upgrade {name} to {fix} or later: `cargo update -p {name}@{ver} --precise {fix}`"
                ),
                Some(fix) => {
                    let owner = if path.len() > 2 {
                        format!(" (or upgrade `{}`, which pulls it in)", path[1])
                    } else {
                        String::new()
                    };
                    format!("upgrade {name} to {fix} or later: a semver-incompatible upgrade, so raise the requirement in Cargo.toml{owner}")
                }
                None if shown.iter().all(|h| h.4.patched().is_empty()) => format!(
                    "no fixed release of {name}: replace it (the advisory may name alternatives)"
                ),
                None => format!(
                    "patched versions: {}",
                    all_patched
                        .iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            };
            let first = shown[0].1.id.as_str();
            let mut patched_list: Vec<String> = Vec::new();
            for r in &all_patched {
                let r = r.to_string();
                if !patched_list.contains(&r) {
                    patched_list.push(r);
                }
            }
            let upgrade = if fix.is_some() && !patched_list.is_empty() {
                format!("{upgrade} (patched: {})", patched_list.join("; "))
            } else {
                upgrade
            };
            let mut help = format!(
                "{upgrade}. Details: https://rustsec.org/advisories/{first}.html. If it cannot affect you, record why in predeploy.toml: [advisories] ignore = [{{ id = \"{first}\", reason = \"...\" }}]"
            );
            if !all_ignored && !ignored.is_empty() {
                help.push_str(&format!(
                    ". Ignored in the configuration: {}",
                    ignored
                        .iter()
                        .map(|(h, _)| h.1.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            // Related: the Cargo.toml lines that declare it, else the direct dependency that pulls it in.
            let mut related = Vec::new();
            for m in &members {
                for d in m
                    .deps
                    .iter()
                    .filter(|d| d.package == name && d.kind != DepKind::Workspace)
                {
                    let who = m
                        .package
                        .as_ref()
                        .map(|p| p.name.as_str())
                        .unwrap_or("workspace");
                    related.push(related_at(
                        m,
                        d,
                        format!("{name} is a direct dependency of `{who}` here"),
                    ));
                }
            }
            if related.is_empty() && path.len() > 2 {
                let (root, direct) = (&path[0], &path[1]);
                for m in &members {
                    if m.package.as_ref().is_some_and(|p| &p.name == root) {
                        for d in m.deps.iter().filter(|d| &d.package == direct) {
                            related.push(related_at(
                                m,
                                d,
                                format!("`{direct}`, declared here, pulls in {name} {ver}"),
                            ));
                        }
                    }
                }
            }
            let suppression = all_ignored.then(|| Suppression {
                kind: "config",
                reason: ignored
                    .iter()
                    .map(|(h, e)| format!("{}: {}", h.1.id, e.reason))
                    .collect::<Vec<_>>()
                    .join("; "),
                line: ignored[0].1.line,
                until: ignored.iter().filter_map(|(_, e)| e.until.clone()).min(),
            });
            pending.push((
                rule,
                entry_range(&name, &ver),
                message,
                help,
                severity,
                related,
                suppression,
            ));
        }
        cx.with_file(&lock_path, &text, |f| {
            for (rule, range, message, help, severity, related, suppression) in pending {
                let finding = f.report(rule, range, message).help(help).severity(severity);
                for r in related {
                    finding.with_related(r);
                }
                finding.suppression = suppression;
            }
        });
    }
    for (e, used) in ignores.entries.iter().zip(&ignores.used) {
        let expired = e.until.as_ref().is_some_and(|u| *u < today);
        if !used && !expired {
            let mut n = Note::info(
                cx.config.source.clone(),
                format!("[advisories] ignore of {} matches no dependency in the checked Cargo.lock files; remove it", e.id),
            );
            if let Some(l) = e.line {
                n = n.at_line(l);
            }
            cx.notes.push(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> rustsec::Version {
        s.parse().unwrap()
    }
    fn reqs(r: &[&str]) -> Vec<rustsec::VersionReq> {
        r.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn smallest_fix_picks_the_nearest_patched_release() {
        let p = reqs(&["^0.3.24", ">= 0.4.2"]);
        assert_eq!(smallest_fix(&v("0.3.16"), &p), Some(v("0.3.24")));
        assert_eq!(smallest_fix(&v("0.4.0"), &p), Some(v("0.4.2")));
        let p = reqs(&[">= 0.6.14, < 1.0.0", ">= 1.6.1"]);
        assert_eq!(smallest_fix(&v("0.6.10"), &p), Some(v("0.6.14")));
        assert_eq!(smallest_fix(&v("1.4.0"), &p), Some(v("1.6.1")));
        assert_eq!(
            smallest_fix(&v("1.0.0"), &reqs(&["> 1.2.3"])),
            Some(v("1.2.4"))
        );
        assert_eq!(smallest_fix(&v("1.0.0"), &[]), None);
        assert!(semver_compatible(&v("0.3.16"), &v("0.3.24")));
        assert!(!semver_compatible(&v("0.3.16"), &v("0.4.2")));
        assert!(semver_compatible(&v("1.4.0"), &v("1.6.1")));
    }

    #[test]
    fn normalize_paths() {
        assert_eq!(
            normalize(Path::new("/a/b/../../c/./d")),
            PathBuf::from("/c/d")
        );
        assert!(glob_match("crates/*", "crates/x"));
        assert!(!glob_match("crates/*", "crates/x/y"));
        assert!(glob_match("rules", "rules"));
    }
}
