use super::workload::{self, Doc, Platform};
use super::yaml::Node;
use crate::engine::FileCx;
use crate::meta::Severity;

crate::declare_rule! {
    /// ## What it does
    /// Flags database ports (PostgreSQL 5432, MySQL/MariaDB 3306, Redis 6379, MongoDB 27017,
    /// Elasticsearch 9200, Memcached 11211, CouchDB 5984, SQL Server 1433, Cassandra 9042,
    /// CockroachDB 26257) published on all network interfaces: compose `ports:` entries such as
    /// `"5432:5432"` or `"0.0.0.0:5432:5432"` (short or long syntax), Kubernetes containers
    /// with a `hostPort` and no `hostIP`, and `LoadBalancer` Services exposing a database port
    /// without `loadBalancerSourceRanges`.
    ///
    /// ## Why is this bad?
    /// A published port without a host address listens on every interface of the host, and
    /// Docker's own iptables rules bypass host firewalls such as ufw. Databases on the public
    /// internet are found by scanners within hours; Redis, Memcached and Elasticsearch often
    /// have no authentication at all, and the rest are then one weak password away from a breach.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16
    ///     ports:
    ///       - "5432:5432"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16
    ///     ports:
    ///       - "127.0.0.1:5432:5432"   # or no ports at all: other services reach db:5432
    /// ```
    ///
    /// ## How to fix
    /// Remove the mapping (containers on the same compose network reach the database by its
    /// service name), or bind it to the loopback address (`127.0.0.1:5432:5432`). In
    /// Kubernetes use a `ClusterIP` Service, or restrict a load balancer with
    /// `loadBalancerSourceRanges`.
    ///
    /// ## Not flagged
    /// Mappings bound to an address (`127.0.0.1:...`, `[::1]:...`, a private IP, a `${VAR}`),
    /// container-only ports (`"5432"`, `expose:`), non-database ports. Findings in
    /// development/test/example compose files (by name or directory) are low severity.
    ///
    /// ## References
    /// - CWE-668: Exposure of Resource to Wrong Sphere
    /// - Docker docs, "Packet filtering and firewalls" (published ports bypass ufw)
    pub DATABASE_PORT_PUBLISHED {
        id: "database-port-published",
        title: "Database port published on all network interfaces",
        severity: Medium,
        confidence: High,
        cwe: [668],
        checklist: 2,
        languages: [Yaml],
        fix: None,
    }
}

/// `(port, database)`.
const DB_PORTS: &[(u32, &str)] = &[
    (5432, "PostgreSQL"),
    (3306, "MySQL"),
    (6379, "Redis"),
    (27017, "MongoDB"),
    (9200, "Elasticsearch"),
    (11211, "Memcached"),
    (5984, "CouchDB"),
    (1433, "SQL Server"),
    (9042, "Cassandra"),
    (26257, "CockroachDB"),
];

/// The database a container port (or `a-b` range) belongs to.
fn db_of(port: &str) -> Option<(u32, &'static str)> {
    let port = port.trim();
    let (lo, hi) = match port.split_once('-') {
        Some((a, b)) => (a.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?),
        None => {
            let p = port.parse::<u32>().ok()?;
            (p, p)
        }
    };
    DB_PORTS
        .iter()
        .find(|(p, _)| *p >= lo && *p <= hi && hi - lo < 1000)
        .copied()
}

fn all_interfaces(ip: Option<&str>) -> bool {
    match ip.map(str::trim) {
        None | Some("") | Some("0.0.0.0") | Some("::") | Some("[::]") => true,
        Some(_) => false,
    }
}

/// Short syntax `[[IP:]HOST:]CONTAINER[/PROTO]`: the database published on all interfaces, if so.
fn short_syntax(spec: &str) -> Option<(u32, &'static str)> {
    let spec = spec.trim();
    let spec = spec.split_once('/').map(|(a, _)| a).unwrap_or(spec);
    let (ip, rest): (Option<&str>, &str) = if let Some(r) = spec.strip_prefix('[') {
        let (ip, rest) = r.split_once(']')?;
        (Some(ip), rest.strip_prefix(':')?)
    } else {
        (None, spec)
    };
    // A `${VAR}` may hold `127.0.0.1:5432` or anything else: do not guess.
    let parts = split_colons(rest);
    let (container, host, ip) = match (ip, parts.as_slice()) {
        (_, [_]) => return None, // container port only: random host port
        (Some(ip), [c, h]) => (*c, *h, Some(ip)),
        (None, [c, h]) => (*c, *h, None),
        (None, [c, h, ip]) => (*c, *h, Some(*ip)),
        _ => return None,
    };
    if host.trim().is_empty() || ip.is_some_and(|i| i.contains('$')) || container.contains('$') {
        return None;
    }
    if !all_interfaces(ip) {
        return None;
    }
    db_of(container)
}

/// Splits on `:` outside `${...}`, from the right, into at most 3 parts (container first).
fn split_colons(s: &str) -> Vec<&str> {
    let mut cuts = Vec::new();
    let mut depth = 0usize;
    for (i, ch) in s.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ':' if depth == 0 => cuts.push(i),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let mut end = s.len();
    for &c in cuts.iter().rev().take(2) {
        out.push(&s[c + 1..end]);
        end = c;
    }
    out.push(&s[..end]);
    out
}

fn compose_ports(cx: &mut FileCx<'_>, name: &str, ports: &Node, low: bool) {
    for entry in ports.as_seq().unwrap_or_default() {
        let db = if let Some(s) = entry.as_str() {
            short_syntax(s)
        } else if entry.as_map().is_some() {
            let target = entry.get("target").and_then(Node::as_str);
            let published = entry.get("published").and_then(Node::as_str);
            let ip = entry.get("host_ip").and_then(Node::as_str);
            match (target, published) {
                (Some(t), Some(_)) if all_interfaces(ip) => db_of(t),
                _ => None,
            }
        } else {
            None
        };
        if let Some((port, db)) = db {
            let f = workload::report_at(
                cx,
                &DATABASE_PORT_PUBLISHED,
                entry,
                format!("{db} port {port} of service `{name}` is published on all interfaces"),
            )
            .help("bind it to the loopback address (\"127.0.0.1:HOST:CONTAINER\") or remove the mapping: other services reach it by service name");
            if low {
                f.severity(Severity::Low);
            }
        }
    }
}

pub(crate) fn check(cx: &mut FileCx<'_>, docs: &[Doc<'_>]) {
    let low = workload::dev_like(cx);
    for doc in docs {
        match doc.platform {
            Platform::Compose => {
                for (name, svc) in doc.compose_services() {
                    if let Some(ports) = svc.get("ports") {
                        compose_ports(cx, name, ports, low);
                    }
                }
            }
            Platform::Kubernetes => {
                let service_lb = doc.root.get("kind").and_then(Node::as_str) == Some("Service")
                    && doc.root.get("spec").is_some_and(|s| {
                        s.get("type").and_then(Node::as_str) == Some("LoadBalancer")
                            && s.get("loadBalancerSourceRanges").is_none()
                    });
                for (parent, map) in doc.k8s_maps() {
                    if parent != Some("ports") {
                        continue;
                    }
                    if service_lb {
                        let port = map
                            .get("targetPort")
                            .and_then(Node::as_str)
                            .and_then(db_of)
                            .or_else(|| map.get("port").and_then(Node::as_str).and_then(db_of));
                        if let Some((port, db)) = port {
                            workload::report_at(
                                cx,
                                &DATABASE_PORT_PUBLISHED,
                                map,
                                format!("{db} port {port} is exposed by a LoadBalancer Service open to any source"),
                            )
                            .help("use a ClusterIP Service, or restrict the load balancer with `loadBalancerSourceRanges`");
                        }
                    } else if let (Some(c), Some(_)) = (
                        map.get("containerPort").and_then(Node::as_str),
                        map.get("hostPort"),
                    ) {
                        let ip = map.get("hostIP").and_then(Node::as_str);
                        if let Some((port, db)) = db_of(c).filter(|_| all_interfaces(ip)) {
                            workload::report_at(
                                cx,
                                &DATABASE_PORT_PUBLISHED,
                                map,
                                format!("{db} port {port} is published on every interface of the node with `hostPort`"),
                            )
                            .help("remove `hostPort` and reach the database through a ClusterIP Service");
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::short_syntax;

    #[test]
    fn short_forms() {
        assert_eq!(short_syntax("5432:5432"), Some((5432, "PostgreSQL")));
        assert_eq!(short_syntax("0.0.0.0:6379:6379/tcp"), Some((6379, "Redis")));
        assert_eq!(short_syntax("15432:5432"), Some((5432, "PostgreSQL")));
        assert_eq!(short_syntax("[::]:3306:3306"), Some((3306, "MySQL")));
        assert_eq!(
            short_syntax("${DB_PORT:-5432}:5432"),
            Some((5432, "PostgreSQL"))
        );
        assert_eq!(short_syntax("127.0.0.1:5432:5432"), None);
        assert_eq!(short_syntax("[::1]:5432:5432"), None);
        assert_eq!(short_syntax("${BIND_IP}:5432:5432"), None);
        assert_eq!(short_syntax("5432"), None);
        assert_eq!(short_syntax("5432:8080"), None);
        assert_eq!(short_syntax("8080:80"), None);
    }
}
