use super::workload::{self, Doc, Platform};
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Flags containers sharing the host's network namespace: `network_mode: host` in a compose
    /// service, `hostNetwork: true` in a Kubernetes pod spec.
    ///
    /// ## Why is this bad?
    /// With the host's network stack the container can reach every service bound to the host's
    /// loopback (databases, admin consoles, cloud metadata proxies), every port it opens is
    /// exposed on the host's interfaces, and network policies and port mappings no longer apply.
    /// A compromise of the container becomes a foothold on the host's network.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.0.1
    ///     network_mode: host
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.0.1
    ///     ports: ["127.0.0.1:8080:8080"]
    /// ```
    ///
    /// ## How to fix
    /// Use the default bridge network (compose) or pod networking (Kubernetes) and publish only
    /// the ports needed, bound to the interface that should reach them.
    ///
    /// ## Not flagged
    /// `network_mode: bridge`/`none`/`service:...`, `hostNetwork: false`.
    ///
    /// ## References
    /// - CWE-668: Exposure of Resource to Wrong Sphere
    /// - CIS Docker Benchmark 5.9; Kubernetes Pod Security Standards (baseline: host namespaces)
    pub CONTAINER_HOST_NETWORK {
        id: "container-host-network",
        title: "Container shares the host network namespace",
        severity: Medium,
        confidence: High,
        cwe: [668],
        checklist: 2,
        languages: [Yaml],
        fix: None,
    }
}

pub(crate) fn check(cx: &mut FileCx<'_>, docs: &[Doc<'_>]) {
    for doc in docs {
        match doc.platform {
            Platform::Compose => {
                for (name, svc) in doc.compose_services() {
                    if let Some((k, v)) = svc.entry("network_mode") {
                        if v.as_str().is_some_and(|s| s.trim() == "host") {
                            workload::report_at(
                                cx,
                                &CONTAINER_HOST_NETWORK,
                                k,
                                format!("service `{name}` uses the host network"),
                            )
                            .help("remove `network_mode: host`; publish only the needed ports under `ports:`, bound to 127.0.0.1 when only the host needs them");
                        }
                    }
                }
            }
            Platform::Kubernetes => {
                for (_, map) in doc.k8s_maps() {
                    if let Some((k, v)) = map.entry("hostNetwork") {
                        if v.is_true() {
                            workload::report_at(
                                cx,
                                &CONTAINER_HOST_NETWORK,
                                k,
                                "pod uses the host network",
                            )
                            .help("remove `hostNetwork: true`; expose the pod through a Service instead");
                        }
                    }
                }
            }
        }
    }
}
