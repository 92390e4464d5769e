use super::dockerfile::Dockerfile;
use super::workload::{self, Doc, Platform};
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Flags containers that run as root:
    /// - a Dockerfile whose final stage sets no `USER` (directly or through the stage it builds
    ///   on), or whose last `USER` is `root`/`0`;
    /// - a compose service with `user: root` or `user: "0"`;
    /// - a Kubernetes `securityContext` with `runAsUser: 0` or `runAsNonRoot: false`.
    ///
    /// ## Why is this bad?
    /// Root in a container is root on the host's kernel, limited only by the remaining
    /// isolation. A code-execution bug then lets the attacker write anywhere in the container,
    /// read mounted secrets, and exploit any kernel or runtime escape with full privileges; the
    /// same bug as an unprivileged user is far less useful.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// COPY . /app
    /// CMD ["gunicorn", "app:app"]
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// RUN useradd --system --uid 10001 app
    /// COPY --chown=app . /app
    /// USER 10001
    /// CMD ["gunicorn", "app:app"]
    /// ```
    ///
    /// ## How to fix
    /// Create an unprivileged user in the image and switch to it with `USER` (a numeric UID
    /// lets Kubernetes verify `runAsNonRoot`), or use a base image that already runs as non-root
    /// (distroless `:nonroot`, Chainguard). In Kubernetes set `runAsNonRoot: true` and a non-zero
    /// `runAsUser`.
    ///
    /// ## Not flagged
    /// `USER` from a variable (`USER $APP_UID`), base images known to run as non-root
    /// (`gcr.io/distroless/*:nonroot`, `cgr.dev/chainguard/*`, `bitnami/*`, `*-unprivileged`,
    /// `*rootless*`, .NET `*-chiseled`, Red Hat UBI language images) or whose entrypoint drops
    /// to a service user (official `postgres`, `redis`, `mysql`, `mongo`, `rabbitmq`,
    /// `elasticsearch`, `grafana`, `jenkins`, ...), development Dockerfiles (`.devcontainer/`, `Dockerfile.dev`, `ci/`,
    /// `local/`), files under test directories. Earlier build stages may run as root: only the
    /// final stage ships (a final stage named like a development target, such as `dev-envs`, is
    /// skipped in favour of the last other stage).
    ///
    /// ## References
    /// - CWE-250: Execution with Unnecessary Privileges
    /// - CIS Docker Benchmark 4.1; Kubernetes Pod Security Standards (restricted)
    pub CONTAINER_RUNS_AS_ROOT {
        id: "container-runs-as-root",
        title: "Container runs as root",
        severity: Medium,
        confidence: Medium,
        cwe: [250],
        checklist: 4,
        languages: [Docker, Yaml],
        fix: None,
    }
}

fn is_root_user(v: &str) -> bool {
    let user = v.trim().trim_matches('"').trim_matches('\'');
    let user = user.split(':').next().unwrap_or(user).trim();
    user == "root" || user == "0"
}

/// Base images documented to run as a non-root user by default.
fn nonroot_image(image: &str) -> bool {
    let l = image.to_ascii_lowercase();
    let (name, tag) = match l
        .rsplit_once('/')
        .map(|(_, last)| last)
        .unwrap_or(&l)
        .split_once(':')
    {
        Some((_, t)) => (l.as_str(), t.split('@').next().unwrap_or(t)),
        None => (l.as_str(), ""),
    };
    // Official images whose entrypoint drops to a service user (gosu/su-exec) or whose image
    // sets one.
    let repo = name.split([':', '@']).next().unwrap_or(name);
    let repo = repo
        .strip_prefix("docker.io/")
        .unwrap_or(repo)
        .strip_prefix("library/")
        .unwrap_or(repo);
    const DROPS_PRIVILEGES: &[&str] = &[
        "postgres",
        "redis",
        "mysql",
        "mariadb",
        "mongo",
        "rabbitmq",
        "memcached",
        "elasticsearch",
        "kibana",
        "logstash",
        "cassandra",
        "couchdb",
        "neo4j",
        "zookeeper",
        "solr",
        "influxdb",
        "sonarqube",
        "grafana/grafana",
        "grafana/grafana-oss",
        "jenkins/jenkins",
        "quay.io/keycloak/keycloak",
        "mcr.microsoft.com/mssql/server",
    ];
    DROPS_PRIVILEGES.contains(&repo)
        || repo.starts_with("prom/")
        || (repo.contains("/ubi")
            && [
                "nodejs",
                "python",
                "openjdk",
                "php",
                "ruby",
                "go-toolset",
                "dotnet",
            ]
            .iter()
            .any(|r| repo.contains(r)))
        || tag.contains("chiseled")
        || (name.contains("distroless") && tag.contains("nonroot"))
        || name.starts_with("cgr.dev/chainguard/")
        || name.starts_with("bitnami/")
        || name.starts_with("docker.io/bitnami/")
        || name.contains("unprivileged")
        || name.contains("rootless")
}

fn dev_word(w: &str) -> bool {
    matches!(
        w,
        "dev" | "develop" | "development" | "devenv" | "devcontainer" | "debug" | "local" | "ci"
    )
}

/// Stage names for development targets: `dev`, `dev-envs`, `development`, `debug`, `local`.
fn dev_stage(name: &str) -> bool {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .any(dev_word)
}

/// Dockerfiles for development or CI (`Dockerfile.dev`, `dev/Dockerfile`, `ci/Dockerfile`).
fn dev_dockerfile(cx: &FileCx<'_>) -> bool {
    super::workload::name_and_dir(cx.path)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .any(dev_word)
}

pub(crate) fn check_docker(cx: &mut FileCx<'_>, df: &Dockerfile) {
    if cx.is_test {
        return;
    }
    if dev_dockerfile(cx) {
        return;
    }
    let stages = df.stages();
    // The image that ships is the last stage, unless that one is a development target
    // (`FROM app AS dev-envs`): then the last non-development stage.
    let Some(last) = stages
        .iter()
        .rposition(|s| !s.name.as_deref().is_some_and(dev_stage))
    else {
        return;
    };
    // Follow `FROM <stage>` chains: the user is inherited from the parent stage.
    let mut idx = last;
    for _ in 0..stages.len() {
        let st = &stages[idx];
        if let Some(user) = st.body.iter().rev().find(|i| i.keyword == "USER") {
            let v = user.args.trim();
            if !v.contains('$') && is_root_user(v) {
                let r = if idx == last {
                    user.range.clone()
                } else {
                    stages[last].from.range.clone()
                };
                cx.report(
                    &CONTAINER_RUNS_AS_ROOT,
                    r,
                    format!("the final image runs as root (`USER {}`)", v.chars().take(40).collect::<String>()),
                )
                .help("switch to an unprivileged user at the end of the final stage, e.g. `RUN useradd -r -u 10001 app` then `USER 10001`");
            }
            return;
        }
        let image = st.image.to_ascii_lowercase();
        match stages[..idx]
            .iter()
            .rposition(|s| s.name.as_deref() == Some(image.as_str()))
        {
            Some(parent) => idx = parent,
            None => {
                if image.contains('$') || nonroot_image(&image) {
                    return;
                }
                break;
            }
        }
    }
    let from = stages[last].from;
    let first_line_end = cx.text[from.range.start..]
        .find('\n')
        .map(|p| from.range.start + p)
        .unwrap_or(from.range.end);
    cx.report(
        &CONTAINER_RUNS_AS_ROOT,
        from.range.start..first_line_end.min(from.range.end),
        "the final image sets no `USER`, so it runs as root",
    )
    .help("create an unprivileged user and add `USER <uid>` at the end of the final stage (or use a non-root base image such as distroless `:nonroot`)");
}

pub(crate) fn check_yaml(cx: &mut FileCx<'_>, docs: &[Doc<'_>]) {
    for doc in docs {
        match doc.platform {
            Platform::Compose => {
                for (name, svc) in doc.compose_services() {
                    if let Some((k, v)) = svc.entry("user") {
                        if v.as_str()
                            .is_some_and(|s| !s.contains('$') && is_root_user(s))
                        {
                            workload::report_at(
                                cx,
                                &CONTAINER_RUNS_AS_ROOT,
                                k,
                                format!("service `{name}` runs as root"),
                            )
                            .help("set `user:` to an unprivileged UID (e.g. \"10001:10001\") and make the files it writes owned by it");
                        }
                    }
                }
            }
            Platform::Kubernetes => {
                for (parent, map) in doc.k8s_maps() {
                    if parent != Some("securityContext") {
                        continue;
                    }
                    if let Some((k, v)) = map.entry("runAsUser") {
                        if v.as_str().map(str::trim) == Some("0") {
                            workload::report_at(
                                cx,
                                &CONTAINER_RUNS_AS_ROOT,
                                k,
                                "container runs as root (`runAsUser: 0`)",
                            )
                            .help("set `runAsUser` to a non-zero UID and `runAsNonRoot: true`");
                        }
                    }
                    if let Some((k, v)) = map.entry("runAsNonRoot") {
                        if v.is_false() {
                            workload::report_at(
                                cx,
                                &CONTAINER_RUNS_AS_ROOT,
                                k,
                                "`runAsNonRoot: false` lets the container run as root",
                            )
                            .help("set `runAsNonRoot: true` and a non-zero `runAsUser`");
                        }
                    }
                }
            }
        }
    }
}
