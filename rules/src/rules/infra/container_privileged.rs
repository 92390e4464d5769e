use super::workload::{self, Doc, Platform};
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Flags containers run in privileged mode: `privileged: true` on a compose service, or
    /// `securityContext.privileged: true` on a Kubernetes container.
    ///
    /// ## Why is this bad?
    /// A privileged container gets every Linux capability and access to all host devices; the
    /// kernel isolation between it and the host is essentially gone. Anyone who gets code
    /// execution in it (a vulnerable dependency, an injection) can mount the host disk, load
    /// kernel modules and take over the host and every other container on it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:1.4.2
    ///     privileged: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:1.4.2
    ///     cap_add: [NET_BIND_SERVICE]   # only the capability actually needed
    ///     security_opt: ["no-new-privileges:true"]
    /// ```
    ///
    /// ## How to fix
    /// Remove `privileged`. Grant the one capability the workload needs (`cap_add` /
    /// `capabilities.add`), pass a single device (`devices:`), or move the privileged task
    /// (e.g. building images) to a dedicated, isolated runner.
    ///
    /// ## Not flagged
    /// `privileged: false`; policy objects (PodSecurityPolicy, Gatekeeper/Kyverno constraints)
    /// that merely allow or forbid privileged pods; files under test directories.
    ///
    /// ## References
    /// - CWE-250: Execution with Unnecessary Privileges
    /// - CIS Docker Benchmark 5.4; Kubernetes Pod Security Standards (baseline)
    pub CONTAINER_PRIVILEGED {
        id: "container-privileged",
        title: "Container runs in privileged mode",
        severity: High,
        confidence: High,
        cwe: [250],
        checklist: 4,
        languages: [Yaml],
        fix: None,
    }
}

const HELP_COMPOSE: &str = "remove `privileged: true`; add only the capability needed with `cap_add` (or a single device with `devices:`)";
const HELP_K8S: &str = "set `securityContext.privileged: false`; add only the capability needed under `capabilities.add`";

pub(crate) fn check(cx: &mut FileCx<'_>, docs: &[Doc<'_>]) {
    for doc in docs {
        match doc.platform {
            Platform::Compose => {
                for (name, svc) in doc.compose_services() {
                    if let Some((k, v)) = svc.entry("privileged") {
                        if v.is_true() {
                            workload::report_at(
                                cx,
                                &CONTAINER_PRIVILEGED,
                                k,
                                format!("service `{name}` runs as a privileged container"),
                            )
                            .help(HELP_COMPOSE);
                        }
                    }
                }
            }
            Platform::Kubernetes => {
                for (parent, map) in doc.k8s_maps() {
                    if parent != Some("securityContext") {
                        continue;
                    }
                    if let Some((k, v)) = map.entry("privileged") {
                        if v.is_true() {
                            workload::report_at(
                                cx,
                                &CONTAINER_PRIVILEGED,
                                k,
                                "container runs in privileged mode",
                            )
                            .help(HELP_K8S);
                        }
                    }
                }
            }
        }
    }
}
