//! Compose files and Kubernetes manifests: detection and the shared walk that the container
//! rules (`container-*`, `database-port-published`, `docker-socket-mounted`) use.

use super::yaml::{self, Node};
use crate::engine::FileCx;
use crate::finding::Note;
use crate::source::FileKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    Compose,
    Kubernetes,
}

/// One YAML document known to describe containers.
pub struct Doc<'n> {
    pub platform: Platform,
    pub root: &'n Node,
}

impl<'n> Doc<'n> {
    /// Compose: each service definition (the values of `services:`), plus top-level `x-*`
    /// extension mappings (shared fragments merged with `<<: *anchor`), with their names.
    pub fn compose_services(&self) -> Vec<(&'n str, &'n Node)> {
        let mut out = Vec::new();
        let Some(map) = self.root.as_map() else {
            return out;
        };
        for (k, v) in map {
            let Some(key) = k.as_str() else { continue };
            if key == "services" {
                for (name, svc) in v.as_map().unwrap_or_default() {
                    if svc.as_map().is_some() {
                        out.push((name.as_str().unwrap_or("?"), svc));
                    }
                }
            } else if key.starts_with("x-") && v.as_map().is_some() {
                out.push((key, v));
            }
        }
        out
    }

    /// Kubernetes: every mapping in the document with the key it hangs under.
    pub fn k8s_maps(&self) -> Vec<(Option<&'n str>, &'n Node)> {
        yaml::maps_with_parent_key(self.root)
    }
}

/// The file's name says it is a compose file (`docker-compose*.yml`, `compose*.yaml`,
/// `*.compose.yml`).
pub fn compose_name(cx: &FileCx<'_>) -> bool {
    let name = file_name(cx);
    (name.starts_with("docker-compose")
        || name.starts_with("compose")
        || name.contains(".compose."))
        && (name.ends_with(".yml") || name.ends_with(".yaml"))
}

fn file_name(cx: &FileCx<'_>) -> String {
    cx.path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Development, test, CI or example set-ups (by file name or its directory): findings there are
/// reported at low severity by rules where exposure on a workstation matters less.
/// The file name and its directory's name, lower-cased: what says "this file is for
/// development" without looking at where the whole checkout lives (`/home/me/dev/...`).
pub fn name_and_dir(path: &std::path::Path) -> String {
    let mut parts: Vec<String> = path
        .components()
        .rev()
        .take(2)
        .map(|c| c.as_os_str().to_string_lossy().to_ascii_lowercase())
        .collect();
    parts.reverse();
    parts.join("/")
}

pub fn dev_like(cx: &FileCx<'_>) -> bool {
    let p = name_and_dir(cx.path);
    let words: Vec<&str> = p
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().any(|w| {
        matches!(
            *w,
            "dev"
                | "develop"
                | "development"
                | "local"
                | "test"
                | "tests"
                | "testing"
                | "ci"
                | "example"
                | "examples"
                | "sample"
                | "demo"
                | "override"
        )
    })
}

/// A compose document: `services:` is a mapping of service mappings, each with a key only
/// services have (`image`, `build`, ...). Tolerates anchors/extension fields.
fn looks_like_compose(doc: &Node) -> bool {
    let Some(services) = doc.get("services").and_then(Node::as_map) else {
        return false;
    };
    !services.is_empty()
        && services.iter().any(|(_, s)| {
            [
                "image",
                "build",
                "ports",
                "volumes",
                "command",
                "environment",
                "privileged",
                "cap_add",
                "network_mode",
                "extends",
                "container_name",
            ]
            .iter()
            .any(|k| s.get(k).is_some())
        })
}

/// Policies describe what is allowed, not what runs: their `privileged: true` is not a container.
fn is_policy_kind(kind: &str) -> bool {
    kind.contains("Policy")
        || kind.contains("Constraint")
        || kind == "SecurityContextConstraints"
        || kind.ends_with("Definition")
}

fn looks_like_k8s(doc: &Node) -> bool {
    let api = doc.get("apiVersion").and_then(Node::as_str);
    let kind = doc.get("kind").and_then(Node::as_str);
    matches!((api, kind), (Some(a), Some(k)) if !a.is_empty() && !k.is_empty() && !is_policy_kind(k))
}

/// Cheap pre-filter before parsing: the text mentions what a compose file or manifest has.
fn worth_parsing(cx: &FileCx<'_>) -> bool {
    cx.kind == FileKind::Yaml
        && (compose_name(cx)
            || cx.text.contains("services:")
            || (cx.text.contains("apiVersion") && cx.text.contains("kind")))
}

/// Parses the file if it is a compose file or Kubernetes manifest and calls `f` with its
/// documents. Parse errors are notes for files named like compose files; other YAML that does
/// not parse (Helm templates, ...) is skipped silently.
pub fn with_docs(cx: &mut FileCx<'_>, f: impl FnOnce(&mut FileCx<'_>, &[Doc<'_>])) {
    if !worth_parsing(cx) || cx.is_test {
        return;
    }
    let parsed = yaml::parse_lenient(cx.text, &cx.index);
    let named = compose_name(cx);
    if let Some((msg, line)) = &parsed.error {
        if named {
            cx.note(
                Note::warning(
                    Some(cx.path.to_owned()),
                    format!("could not parse this compose file ({msg}); container checks skipped after this point"),
                )
                .at_line(*line),
            );
        }
    }
    let mut docs = Vec::new();
    for d in &parsed.docs {
        if looks_like_k8s(d) {
            docs.push(Doc {
                platform: Platform::Kubernetes,
                root: d,
            });
        } else if looks_like_compose(d) || (named && d.get("services").is_some()) {
            docs.push(Doc {
                platform: Platform::Compose,
                root: d,
            });
        }
    }
    if !docs.is_empty() {
        f(cx, &docs);
    }
}

/// Reports `rule` on the line of `at` (from `at` to the end of the line).
pub fn report_at<'c>(
    cx: &'c mut FileCx<'_>,
    rule: &'static crate::meta::RuleMeta,
    at: &Node,
    msg: impl Into<String>,
) -> &'c mut crate::finding::Finding {
    let r = yaml::line_range_from(cx.text, &cx.index, at.start);
    cx.report(rule, r, msg)
}
