use super::workload::{self, Doc, Platform};
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Flags containers allowed to gain privileges: `allowPrivilegeEscalation: true` in a
    /// Kubernetes `securityContext`, and `no-new-privileges:false` in a compose service's
    /// `security_opt`.
    ///
    /// ## Why is this bad?
    /// With privilege escalation allowed, a process can gain more privileges than its parent
    /// through setuid binaries (`sudo`, `su`, `passwd`) or file capabilities. An attacker with
    /// code execution as the unprivileged app user can then become root inside the container.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   allowPrivilegeEscalation: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// securityContext:
    ///   allowPrivilegeEscalation: false
    ///   runAsNonRoot: true
    ///   capabilities:
    ///     drop: [ALL]
    /// ```
    ///
    /// ## How to fix
    /// Set `allowPrivilegeEscalation: false` (Kubernetes) or
    /// `security_opt: ["no-new-privileges:true"]` (compose).
    ///
    /// ## Not flagged
    /// The setting left out (Kubernetes defaults it to true unless the pod is restricted; this
    /// rule only reports explicit opt-ins), policy objects.
    ///
    /// ## References
    /// - CWE-269: Improper Privilege Management
    /// - Kubernetes Pod Security Standards (restricted); CIS Docker Benchmark 5.25
    pub CONTAINER_PRIVILEGE_ESCALATION {
        id: "container-privilege-escalation",
        title: "Container allows privilege escalation",
        severity: Medium,
        confidence: High,
        cwe: [269],
        checklist: 4,
        languages: [Yaml],
        fix: None,
    }
}

pub(crate) fn check(cx: &mut FileCx<'_>, docs: &[Doc<'_>]) {
    for doc in docs {
        match doc.platform {
            Platform::Compose => {
                for (name, svc) in doc.compose_services() {
                    for opt in svc
                        .get("security_opt")
                        .and_then(|v| v.as_seq())
                        .unwrap_or_default()
                    {
                        let Some(s) = opt.as_str() else { continue };
                        let s = s.replace([' ', '='], ":").to_ascii_lowercase();
                        if s == "no-new-privileges:false" {
                            workload::report_at(
                                cx,
                                &CONTAINER_PRIVILEGE_ESCALATION,
                                opt,
                                format!("service `{name}` allows gaining new privileges"),
                            )
                            .help("use `no-new-privileges:true`");
                        }
                    }
                }
            }
            Platform::Kubernetes => {
                for (parent, map) in doc.k8s_maps() {
                    if parent != Some("securityContext") {
                        continue;
                    }
                    if let Some((k, v)) = map.entry("allowPrivilegeEscalation") {
                        if v.is_true() {
                            workload::report_at(
                                cx,
                                &CONTAINER_PRIVILEGE_ESCALATION,
                                k,
                                "container allows privilege escalation",
                            )
                            .help("set `allowPrivilegeEscalation: false`");
                        }
                    }
                }
            }
        }
    }
}
