use super::workload::{self, Doc, Platform};
use super::yaml::Node;
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Flags the Docker daemon socket (`/var/run/docker.sock`, `/run/docker.sock`) mounted into
    /// a container: compose `volumes:` (short `"/var/run/docker.sock:/var/run/docker.sock"` or
    /// long syntax `source:`), Kubernetes `hostPath` volumes.
    ///
    /// ## Why is this bad?
    /// Whoever can talk to the Docker socket controls the daemon, which runs as root: one API
    /// call starts a privileged container with the host's file system mounted. Mounting the
    /// socket (even read-only: `:ro` does not restrict API calls) gives the container, and anyone
    /// who compromises it, root on the host.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   dashboard:
    ///     image: example/dashboard:1.0
    ///     volumes:
    ///       - /var/run/docker.sock:/var/run/docker.sock:ro
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   dashboard:
    ///     image: example/dashboard:1.0
    ///     environment:
    ///       DOCKER_HOST: tcp://docker-proxy:2375   # a socket proxy allowing read-only endpoints
    /// ```
    ///
    /// ## How to fix
    /// Do not give application containers the socket. Tools that need it (reverse proxies,
    /// CI runners, monitoring) should go through a filtering proxy such as
    /// `tecnativa/docker-socket-proxy` with only the endpoints they need, or use rootless Docker.
    /// Keep a suppression with the reason when a trusted tool must have it.
    ///
    /// ## Not flagged
    /// Other host paths, named volumes.
    ///
    /// ## References
    /// - CWE-250: Execution with Unnecessary Privileges; CWE-668
    /// - CIS Docker Benchmark 5.31; OWASP Docker Security Cheat Sheet, rule #1
    pub DOCKER_SOCKET_MOUNTED {
        id: "docker-socket-mounted",
        title: "Docker socket mounted into a container",
        severity: High,
        confidence: High,
        cwe: [250, 668],
        checklist: 4,
        languages: [Yaml],
        fix: None,
    }
}

fn is_socket(path: &str) -> bool {
    let p = path.trim().trim_end_matches('/');
    p == "/var/run/docker.sock" || p == "/run/docker.sock"
}

/// Host side of a compose short-syntax volume `HOST:CONTAINER[:MODE]`.
fn short_source(v: &str) -> &str {
    v.split(':').next().unwrap_or(v)
}

const HELP: &str = "do not mount the Docker socket; if a trusted tool needs the API, give it a filtering socket proxy (e.g. tecnativa/docker-socket-proxy) with only the endpoints it uses";

pub(crate) fn check(cx: &mut FileCx<'_>, docs: &[Doc<'_>]) {
    for doc in docs {
        match doc.platform {
            Platform::Compose => {
                for (name, svc) in doc.compose_services() {
                    for vol in svc
                        .get("volumes")
                        .and_then(Node::as_seq)
                        .unwrap_or_default()
                    {
                        let src = match vol.as_str() {
                            Some(s) => Some(short_source(s)),
                            None => vol.get("source").and_then(Node::as_str),
                        };
                        if src.is_some_and(is_socket) {
                            workload::report_at(
                                cx,
                                &DOCKER_SOCKET_MOUNTED,
                                vol,
                                format!("service `{name}` gets the Docker socket, which is root on the host"),
                            )
                            .help(HELP);
                        }
                    }
                }
            }
            Platform::Kubernetes => {
                for (parent, map) in doc.k8s_maps() {
                    if parent != Some("hostPath") {
                        continue;
                    }
                    if let Some((k, v)) = map.entry("path") {
                        if v.as_str().is_some_and(is_socket) {
                            workload::report_at(
                                cx,
                                &DOCKER_SOCKET_MOUNTED,
                                k,
                                "the Docker socket is mounted from the host, which is root on the node",
                            )
                            .help(HELP);
                        }
                    }
                }
            }
        }
    }
}
