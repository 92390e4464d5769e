//! Cargo.toml and Cargo.lock read with the `toml` crate's spanned parser, so findings point at
//! the exact key. Shared by the dependency rules (not a rule itself).

use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DepKind {
    Normal,
    Dev,
    Build,
    /// `[workspace.dependencies]`
    Workspace,
}

/// One dependency declaration in a Cargo.toml.
#[derive(Clone, Debug)]
pub(crate) struct DepDecl {
    /// The key as written (may be a rename).
    pub key: String,
    /// The crate's real name (`package = "..."` or the key).
    pub package: String,
    pub key_range: Range<usize>,
    pub kind: DepKind,
    pub version: Option<(String, Range<usize>)>,
    pub git: Option<(String, Range<usize>)>,
    pub branch: Option<String>,
    pub tag: Option<String>,
    pub rev: Option<String>,
    pub path: Option<(String, Range<usize>)>,
    /// `workspace = true`: the source comes from `[workspace.dependencies]`.
    pub inherits: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct PackageInfo {
    pub name: String,
    /// The `[package]` header key.
    pub header: Range<usize>,
    /// False with `publish = false` or `publish = []`.
    pub publish: bool,
    /// `publish.workspace = true`: the value comes from `[workspace.package]`.
    pub publish_inherited: bool,
    /// `package.workspace = "path"`.
    pub workspace: Option<String>,
    /// `[[bin]]` entries declared.
    pub bins: bool,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct WorkspaceInfo {
    pub members: Vec<String>,
    pub exclude: Vec<String>,
    /// `[workspace.package] publish`, when written as a boolean or list.
    pub package_publish: Option<bool>,
}

#[derive(Clone, Debug)]
pub(crate) struct Manifest {
    pub path: PathBuf,
    pub text: String,
    pub package: Option<PackageInfo>,
    pub workspace: Option<WorkspaceInfo>,
    pub deps: Vec<DepDecl>,
}

/// A parse error with its 1-based line.
#[derive(Clone, Debug)]
pub(crate) struct ParseError {
    pub line: Option<u32>,
    pub message: String,
}

pub(crate) fn line_of(text: &str, offset: usize) -> u32 {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u32
        + 1
}

pub(crate) fn parse_error(text: &str, e: &toml::de::Error) -> ParseError {
    ParseError {
        line: e.span().map(|s| line_of(text, s.start)),
        message: e.message().trim().to_owned(),
    }
}

fn get<'a, 'i>(t: &'a DeTable<'i>, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    t.iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v)
}

fn get_key<'a, 'i>(
    t: &'a DeTable<'i>,
    key: &str,
) -> Option<(
    &'a Spanned<toml::de::DeString<'i>>,
    &'a Spanned<DeValue<'i>>,
)> {
    t.iter().find(|(k, _)| k.get_ref().as_ref() == key)
}

fn as_table<'a, 'i>(v: &'a Spanned<DeValue<'i>>) -> Option<&'a DeTable<'i>> {
    match v.get_ref() {
        DeValue::Table(t) => Some(t),
        _ => None,
    }
}

fn as_str<'a>(v: &'a Spanned<DeValue<'_>>) -> Option<&'a str> {
    match v.get_ref() {
        DeValue::String(s) => Some(s.as_ref()),
        _ => None,
    }
}

fn str_list(v: Option<&Spanned<DeValue<'_>>>) -> Vec<String> {
    match v.map(|v| v.get_ref()) {
        Some(DeValue::Array(a)) => a.iter().filter_map(as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn parse_manifest(path: &Path, text: &str) -> Result<Manifest, ParseError> {
    let root = DeTable::parse(text).map_err(|e| parse_error(text, &e))?;
    let root = root.get_ref();
    let package = get_key(root, "package").and_then(|(k, v)| {
        let t = as_table(v)?;
        let name = get(t, "name").and_then(as_str)?.to_owned();
        let publish = match get(t, "publish").map(|v| v.get_ref()) {
            Some(DeValue::Boolean(false)) => false,
            Some(DeValue::Array(a)) if a.is_empty() => false,
            _ => true,
        };
        let publish_inherited = matches!(
            get(t, "publish").and_then(as_table).and_then(|p| get(p, "workspace")).map(|v| v.get_ref()),
            Some(DeValue::Boolean(true))
        );
        Some(PackageInfo {
            name,
            header: k.span(),
            publish,
            publish_inherited,
            workspace: get(t, "workspace").and_then(as_str).map(str::to_owned),
            bins: matches!(get(root, "bin").map(|v| v.get_ref()), Some(DeValue::Array(a)) if !a.is_empty()),
        })
    });
    let workspace = get(root, "workspace")
        .and_then(as_table)
        .map(|w| WorkspaceInfo {
            members: str_list(get(w, "members")),
            exclude: str_list(get(w, "exclude")),
            package_publish: get(w, "package")
                .and_then(as_table)
                .and_then(|p| get(p, "publish"))
                .and_then(|v| match v.get_ref() {
                    DeValue::Boolean(b) => Some(*b),
                    DeValue::Array(a) => Some(!a.is_empty()),
                    _ => None,
                }),
        });
    let mut deps = Vec::new();
    collect_deps(root, &mut deps, false);
    if let Some(targets) = get(root, "target").and_then(as_table) {
        for (_, t) in targets.iter() {
            if let Some(t) = as_table(t) {
                collect_deps(t, &mut deps, false);
            }
        }
    }
    if let Some(w) = get(root, "workspace").and_then(as_table) {
        collect_deps(w, &mut deps, true);
    }
    deps.sort_by_key(|d| d.key_range.start);
    Ok(Manifest {
        path: path.to_owned(),
        text: text.to_owned(),
        package,
        workspace,
        deps,
    })
}

fn collect_deps(t: &DeTable<'_>, out: &mut Vec<DepDecl>, workspace: bool) {
    let sections: &[(&str, DepKind)] = if workspace {
        &[("dependencies", DepKind::Workspace)]
    } else {
        &[
            ("dependencies", DepKind::Normal),
            ("dev-dependencies", DepKind::Dev),
            ("dev_dependencies", DepKind::Dev),
            ("build-dependencies", DepKind::Build),
            ("build_dependencies", DepKind::Build),
        ]
    };
    for (section, kind) in sections {
        let Some(deps) = get(t, section).and_then(as_table) else {
            continue;
        };
        for (k, v) in deps.iter() {
            let key = k.get_ref().as_ref().to_owned();
            let mut d = DepDecl {
                package: key.clone(),
                key,
                key_range: k.span(),
                kind: *kind,
                version: None,
                git: None,
                branch: None,
                tag: None,
                rev: None,
                path: None,
                inherits: false,
            };
            match v.get_ref() {
                DeValue::String(s) => d.version = Some((s.as_ref().to_owned(), v.span())),
                DeValue::Table(dt) => {
                    let s = |name: &str| {
                        get(dt, name).and_then(|v| Some((as_str(v)?.to_owned(), v.span())))
                    };
                    d.version = s("version");
                    d.git = s("git");
                    d.path = s("path");
                    d.branch = s("branch").map(|x| x.0);
                    d.tag = s("tag").map(|x| x.0);
                    d.rev = s("rev").map(|x| x.0);
                    d.inherits = matches!(
                        get(dt, "workspace").map(|v| v.get_ref()),
                        Some(DeValue::Boolean(true))
                    );
                    if let Some((p, _)) = s("package") {
                        d.package = p;
                    }
                }
                _ => {}
            }
            out.push(d);
        }
    }
}

/// One `[[package]]` entry of a Cargo.lock, with the byte range of its header through `version`.
#[derive(Clone, Debug)]
pub(crate) struct LockEntry {
    pub name: String,
    pub version: String,
    pub range: Range<usize>,
}

/// Where each package sits in a Cargo.lock text (already known to parse).
pub(crate) fn lock_entries(text: &str) -> Vec<LockEntry> {
    let Ok(root) = DeTable::parse(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let Some(v) = get(root.get_ref(), "package") else {
        return out;
    };
    let DeValue::Array(items) = v.get_ref() else {
        return out;
    };
    for item in items.iter() {
        let Some(t) = as_table(item) else { continue };
        let (Some(name), Some(version)) = (get(t, "name"), get(t, "version")) else {
            continue;
        };
        let (Some(n), Some(ver)) = (as_str(name), as_str(version)) else {
            continue;
        };
        // The header `[[package]]` precedes the first key: start at its line.
        let first = item.span().start.min(name.span().start);
        let start = header_start(text, first);
        let end = version.span().end.max(name.span().end);
        out.push(LockEntry {
            name: n.to_owned(),
            version: ver.to_owned(),
            range: start..end,
        });
    }
    out
}

/// The start of the `[[package]]` header line at or before `offset` (the offset itself when the
/// previous non-blank line is not a header).
fn header_start(text: &str, offset: usize) -> usize {
    let before = &text[..offset.min(text.len())];
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    if before[line_start..].trim_start().starts_with("[[") {
        return line_start + (before[line_start..].len() - before[line_start..].trim_start().len());
    }
    // Look at the previous line.
    if line_start == 0 {
        return offset;
    }
    let prev_end = line_start - 1;
    let prev_start = text[..prev_end].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let prev = &text[prev_start..prev_end];
    if prev.trim_start().starts_with("[[package]]") {
        prev_start + (prev.len() - prev.trim_start().len())
    } else {
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_spans() {
        let text = r#"[package]
name = "app"
publish = false

[dependencies]
serde = "1"
h = { package = "hyper", version = "0.14", features = ["full"] }
g = { git = "https://github.com/x/g", branch = "main" }

[dependencies.local]
path = "../local"

[target.'cfg(unix)'.dev-dependencies]
nix = "*"

[workspace.dependencies]
tokio = "1"
"#;
        let m = parse_manifest(Path::new("Cargo.toml"), text).unwrap();
        let p = m.package.as_ref().unwrap();
        assert_eq!(p.name, "app");
        assert!(!p.publish);
        assert!(!p.publish_inherited);
        let m2 = parse_manifest(
            Path::new("Cargo.toml"),
            "[package]\nname = \"a\"\npublish.workspace = true\n[workspace.package]\npublish = false\n",
        )
        .unwrap();
        assert!(m2.package.unwrap().publish_inherited);
        assert_eq!(m2.workspace.unwrap().package_publish, Some(false));
        assert_eq!(&text[p.header.clone()], "package");
        let names: Vec<_> = m.deps.iter().map(|d| d.package.as_str()).collect();
        assert_eq!(names, ["serde", "hyper", "g", "local", "nix", "tokio"]);
        let local = &m.deps[3];
        assert_eq!(&text[local.key_range.clone()], "local");
        assert_eq!(line_of(text, local.key_range.start), 10);
        assert_eq!(local.path.as_ref().unwrap().0, "../local");
        assert_eq!(m.deps[2].branch.as_deref(), Some("main"));
        assert_eq!(m.deps[4].kind, DepKind::Dev);
        assert_eq!(m.deps[5].kind, DepKind::Workspace);
        assert_eq!(
            &text[m.deps[4].version.as_ref().unwrap().1.clone()],
            "\"*\""
        );
    }

    #[test]
    fn lock_spans() {
        let text = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"0.1.0\"\ndependencies = [\n \"b\",\n]\n\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
        let e = lock_entries(text);
        assert_eq!(e.len(), 2);
        assert_eq!(e[1].name, "b");
        assert!(text[e[1].range.clone()].starts_with("[[package]]\nname = \"b\""));
        assert!(text[e[1].range.clone()].ends_with("\"1.0.0\""));
        assert_eq!(line_of(text, e[1].range.start), 10);
    }

    #[test]
    fn malformed() {
        let e = parse_manifest(
            Path::new("Cargo.toml"),
            "[package]\nname = \"x\"\nversion = \n",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(3));
    }
}
