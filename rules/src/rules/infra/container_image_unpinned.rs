use super::dockerfile::Dockerfile;
use super::workload::{self, Doc, Platform};
use super::yaml::Node;
use crate::engine::FileCx;
use crate::meta::Severity;

crate::declare_rule! {
    /// ## What it does
    /// Flags container images referenced without a version tag or with the `latest` tag, and
    /// without an `@sha256:` digest: Dockerfile `FROM` lines, compose `image:` of services that
    /// are pulled (not built), Kubernetes container `image:` fields.
    ///
    /// ## Why is this bad?
    /// `latest` (which is what a missing tag means) moves whenever the publisher pushes: two
    /// builds or deploys of the same commit get different operating systems, runtimes and
    /// libraries. A breaking or compromised upstream image flows into production unnoticed,
    /// rollbacks do not restore what ran before, and vulnerability scans describe an image that
    /// no longer exists.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node
    /// FROM python:latest
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM node:20.11-bookworm-slim
    /// FROM python:3.12-slim@sha256:2be8daddbb82756f7d1f2c7ece706aadcb284bf6ab6d769ea695cc3ed6016743
    /// ```
    ///
    /// ## How to fix
    /// Pin a version tag, ideally with its digest (`docker buildx imagetools inspect IMAGE:TAG`
    /// prints it), and let an update bot (Dependabot, Renovate) propose upgrades.
    ///
    /// ## Not flagged
    /// `FROM scratch`, `FROM <earlier stage name>`, images with any version tag or a digest,
    /// references built from variables or template placeholders (`FROM $BASE`,
    /// `image: ${REGISTRY}/app`, `FROM {{ base_image }}` in a Dockerfile template), compose
    /// services with a `build:` section (their `image:` names the local build), files under
    /// test directories. Compose findings in development/test/example files are low severity.
    ///
    /// ## References
    /// - CWE-1104: Use of Unmaintained Third Party Components; CWE-829
    /// - CIS Docker Benchmark 4.x; Kubernetes docs, "Images: avoid the :latest tag"
    pub CONTAINER_IMAGE_UNPINNED {
        id: "container-image-unpinned",
        title: "Container image without a version tag or digest",
        severity: Medium,
        confidence: High,
        cwe: [1104, 829],
        checklist: 4,
        languages: [Docker, Yaml],
        fix: None,
    }
}

/// `None` when pinned; `Some(true)` for an explicit `latest`, `Some(false)` for no tag.
pub fn unpinned(image: &str) -> Option<bool> {
    if image.contains('@') {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        None => Some(false),
        Some((_, tag)) if tag.eq_ignore_ascii_case("latest") => Some(true),
        Some(_) => None,
    }
}

pub(crate) fn check(cx: &mut FileCx<'_>, df: &Dockerfile) {
    let mut stage_names: Vec<String> = Vec::new();
    for st in df.stages() {
        let image = st.image.as_str();
        let lower = image.to_ascii_lowercase();
        // A variable or a template placeholder (`FROM {{ base_image }}` in a Dockerfile.j2) is
        // pinned, or not, where it is filled in.
        let skip = image.is_empty()
            || image.contains('$')
            || image.contains("{{")
            || image.contains("{%")
            || lower == "scratch"
            || stage_names.contains(&lower);
        if let Some(name) = &st.name {
            stage_names.push(name.clone());
        }
        if skip {
            continue;
        }
        let Some(latest) = unpinned(image) else {
            continue;
        };
        let msg = if latest {
            format!("base image `{image}` uses the mutable `latest` tag")
        } else {
            format!("base image `{image}` has no tag or digest, so it means `latest`")
        };
        cx.report(&CONTAINER_IMAGE_UNPINNED, st.image_range.clone(), msg)
            .help("pin a version tag and its digest, e.g. `FROM node:20.11-slim@sha256:<digest>`, and let Dependabot or Renovate bump it");
    }
}

const HELP_YAML: &str =
    "pin a version tag and its digest, e.g. `image: postgres:16.3@sha256:<digest>`, and let Dependabot or Renovate bump it";

fn yaml_image(cx: &mut FileCx<'_>, image: &Node, low: bool) {
    let Some(name) = image.as_str().map(str::trim) else {
        return;
    };
    if name.is_empty() || name.contains('$') || name.contains("{{") {
        return;
    }
    let Some(latest) = unpinned(name) else {
        return;
    };
    let msg = if latest {
        format!("image `{name}` uses the mutable `latest` tag")
    } else {
        format!("image `{name}` has no tag or digest, so it means `latest`")
    };
    let f = workload::report_at(cx, &CONTAINER_IMAGE_UNPINNED, image, msg).help(HELP_YAML);
    if low {
        f.severity(Severity::Low);
    }
}

pub(crate) fn check_yaml(cx: &mut FileCx<'_>, docs: &[Doc<'_>]) {
    let low = workload::dev_like(cx);
    for doc in docs {
        match doc.platform {
            Platform::Compose => {
                for (name, svc) in doc.compose_services() {
                    if name.starts_with("x-") || svc.get("build").is_some() {
                        continue;
                    }
                    if let Some(image) = svc.get("image") {
                        yaml_image(cx, image, low);
                    }
                }
            }
            Platform::Kubernetes => {
                for (parent, map) in doc.k8s_maps() {
                    if !matches!(
                        parent,
                        Some("containers") | Some("initContainers") | Some("ephemeralContainers")
                    ) {
                        continue;
                    }
                    if let Some(image) = map.get("image") {
                        yaml_image(cx, image, false);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unpinned;

    #[test]
    fn tags() {
        assert_eq!(unpinned("node"), Some(false));
        assert_eq!(unpinned("node:latest"), Some(true));
        assert_eq!(unpinned("localhost:5000/team/app"), Some(false));
        assert_eq!(unpinned("localhost:5000/team/app:1.2"), None);
        assert_eq!(unpinned("node@sha256:abc"), None);
        assert_eq!(unpinned("node:latest@sha256:abc"), None);
        assert_eq!(unpinned("ghcr.io/o/x:v1"), None);
    }
}
