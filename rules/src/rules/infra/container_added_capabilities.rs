use super::workload::{self, Doc, Platform};
use super::yaml::Node;
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Flags dangerous Linux capabilities added to a container: `cap_add` in a compose service or
    /// `securityContext.capabilities.add` in a Kubernetes container, when the list holds `ALL`,
    /// `SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE`, `SYS_MODULE`, `SYS_RAWIO`, `DAC_READ_SEARCH`,
    /// `DAC_OVERRIDE`, `SYS_BOOT`, `SYS_TIME`, `MAC_ADMIN`, `MAC_OVERRIDE`, `BPF`, `PERFMON`
    /// or `NET_RAW`.
    ///
    /// ## Why is this bad?
    /// These capabilities break container isolation: `SYS_ADMIN` allows mounting file systems
    /// (a classic escape), `SYS_PTRACE` reads other processes' memory, `SYS_MODULE` loads kernel
    /// code, `NET_ADMIN` rewrites the host's firewall when combined with host networking, and
    /// `ALL` is privileged mode under another name.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   vpn:
    ///     image: example/vpn:2.1
    ///     cap_add: [ALL]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   web:
    ///     image: example/web:2.1
    ///     cap_drop: [ALL]
    ///     cap_add: [NET_BIND_SERVICE]
    /// ```
    ///
    /// ## How to fix
    /// Drop all capabilities and add back only harmless ones the process needs (often none, or
    /// `NET_BIND_SERVICE` to bind ports below 1024). Run tools that need `NET_ADMIN` or
    /// `SYS_ADMIN` on a dedicated host, not next to the application.
    ///
    /// ## Not flagged
    /// `cap_drop`, and added capabilities outside the list above (`NET_BIND_SERVICE`, `CHOWN`,
    /// `SETUID`, ...).
    ///
    /// ## References
    /// - CWE-250: Execution with Unnecessary Privileges; CWE-269: Improper Privilege Management
    /// - CIS Docker Benchmark 5.3; Kubernetes Pod Security Standards (baseline)
    pub CONTAINER_ADDED_CAPABILITIES {
        id: "container-added-capabilities",
        title: "Container is granted dangerous Linux capabilities",
        severity: Medium,
        confidence: High,
        cwe: [250, 269],
        checklist: 4,
        languages: [Yaml],
        fix: None,
    }
}

const DANGEROUS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "SYS_RAWIO",
    "DAC_READ_SEARCH",
    "DAC_OVERRIDE",
    "SYS_BOOT",
    "SYS_TIME",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "BPF",
    "PERFMON",
    "NET_RAW",
];

fn dangerous(list: &Node) -> Vec<String> {
    list.as_seq()
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.as_str())
        .map(|c| {
            let u = c.trim().to_ascii_uppercase();
            u.strip_prefix("CAP_").map(str::to_owned).unwrap_or(u)
        })
        .filter(|c| DANGEROUS.contains(&c.as_str()))
        .collect()
}

pub(crate) fn check(cx: &mut FileCx<'_>, docs: &[Doc<'_>]) {
    for doc in docs {
        match doc.platform {
            Platform::Compose => {
                for (name, svc) in doc.compose_services() {
                    if let Some((k, v)) = svc.entry("cap_add") {
                        let caps = dangerous(v);
                        if !caps.is_empty() {
                            workload::report_at(
                                cx,
                                &CONTAINER_ADDED_CAPABILITIES,
                                k,
                                format!("service `{name}` is granted {}", caps.join(", ")),
                            )
                            .help("remove these from `cap_add`; start from `cap_drop: [ALL]` and add back only what the process needs");
                        }
                    }
                }
            }
            Platform::Kubernetes => {
                for (parent, map) in doc.k8s_maps() {
                    if parent != Some("capabilities") {
                        continue;
                    }
                    if let Some((k, v)) = map.entry("add") {
                        let caps = dangerous(v);
                        if !caps.is_empty() {
                            workload::report_at(
                                cx,
                                &CONTAINER_ADDED_CAPABILITIES,
                                k,
                                format!("container is granted {}", caps.join(", ")),
                            )
                            .help("remove these from `capabilities.add`; use `drop: [ALL]` and add back only what the process needs");
                        }
                    }
                }
            }
        }
    }
}
