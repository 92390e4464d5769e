//! Project-level rules on throw-away repositories: both sides of each decision.

use crate::config::Config;
use std::path::Path;

fn scan(files: &[(&str, &str)]) -> Vec<(String, String, u32)> {
    let dir = tempfile::tempdir().expect("tempdir");
    for (rel, text) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
    let r = crate::check_paths(
        &[dir.path().to_owned()],
        &Config::default(),
        &Default::default(),
        None,
    );
    r.findings
        .iter()
        .map(|f| {
            (
                f.rule.id.to_owned(),
                f.path
                    .strip_prefix(dir.path())
                    .unwrap_or(Path::new("?"))
                    .display()
                    .to_string(),
                f.start.line,
            )
        })
        .collect()
}

fn ids(f: &[(String, String, u32)], id: &str) -> Vec<(String, u32)> {
    f.iter()
        .filter(|x| x.0 == id)
        .map(|x| (x.1.clone(), x.2))
        .collect()
}

#[test]
fn security_policy_presence() {
    let f = scan(&[("README.md", "# x\n"), ("src/a.txt", "a\n")]);
    assert_eq!(ids(&f, "security-txt-missing"), [("README.md".into(), 1)]);
    let f = scan(&[("README.md", "# x\n"), (".github/SECURITY.md", "mail us\n")]);
    assert!(ids(&f, "security-txt-missing").is_empty());
    let f = scan(&[
        ("README.md", "# x\n"),
        (
            "static/.well-known/security.txt",
            "Contact: mailto:a@b.c\nExpires: 2999-01-01T00:00:00Z\n",
        ),
    ]);
    assert!(ids(&f, "security-txt-missing").is_empty());
    // No README: anchored on the first root-level file.
    let f = scan(&[("Makefile", "all:\n")]);
    assert_eq!(ids(&f, "security-txt-missing"), [("Makefile".into(), 1)]);
}

#[test]
fn dependency_update_config() {
    let cargo = "[package]\nname = \"a\"\nversion = \"0.1.0\"\n";
    let f = scan(&[("Cargo.toml", cargo)]);
    assert_eq!(
        ids(&f, "dependency-updates-unconfigured"),
        [("Cargo.toml".into(), 1)]
    );
    let f = scan(&[("Cargo.toml", cargo), ("renovate.json", "{}")]);
    assert!(ids(&f, "dependency-updates-unconfigured").is_empty());
    let f = scan(&[(
        "package.json",
        "{\"name\": \"a\", \"renovate\": {\"extends\": [\"config:base\"]}}",
    )]);
    assert!(ids(&f, "dependency-updates-unconfigured").is_empty());
    let dependabot = "version: 2\nupdates:\n  - package-ecosystem: cargo\n    directory: /\n    schedule:\n      interval: weekly\n";
    let f = scan(&[
        ("Cargo.toml", cargo),
        (".github/dependabot.yml", dependabot),
    ]);
    assert!(ids(&f, "dependency-updates-unconfigured").is_empty());
    let actions_only = "version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    schedule:\n      interval: weekly\n";
    let f = scan(&[
        ("Cargo.toml", cargo),
        (".github/dependabot.yml", actions_only),
    ]);
    assert_eq!(
        ids(&f, "dependency-updates-unconfigured"),
        [(".github/dependabot.yml".into(), 2)]
    );
    // No manifest, nothing to update.
    let f = scan(&[("README.md", "# x\n")]);
    assert!(ids(&f, "dependency-updates-unconfigured").is_empty());
}

const AXUM_MAIN: &str = "use axum::{routing::get, Router};\n\n#[tokio::main]\nasync fn main() {\n    let app = Router::new().route(\"/\", get(|| async { \"hi\" }));\n    let listener = tokio::net::TcpListener::bind(\"0.0.0.0:3000\").await.unwrap();\n    axum::serve(listener, app).await.unwrap();\n}\n";

#[test]
fn monitoring_rust() {
    let bare = "[package]\nname = \"svc\"\nversion = \"0.1.0\"\n[dependencies]\naxum = \"0.7\"\ntokio = \"1\"\n";
    let f = scan(&[("Cargo.toml", bare), ("src/main.rs", AXUM_MAIN)]);
    assert_eq!(
        ids(&f, "logging-not-configured"),
        [("src/main.rs".into(), 7)]
    );
    assert_eq!(
        ids(&f, "error-tracking-missing"),
        [("src/main.rs".into(), 7)]
    );
    let full = format!("{bare}tracing-subscriber = \"0.3\"\nsentry = \"0.34\"\n");
    let f = scan(&[("Cargo.toml", &full), ("src/main.rs", AXUM_MAIN)]);
    assert!(ids(&f, "logging-not-configured").is_empty());
    assert!(ids(&f, "error-tracking-missing").is_empty());
    // A library (no server started) and an example server: nothing.
    let f = scan(&[
        ("Cargo.toml", bare),
        (
            "src/lib.rs",
            "pub fn router() -> axum::Router { axum::Router::new() }\n",
        ),
        ("examples/hello.rs", AXUM_MAIN),
    ]);
    assert!(ids(&f, "logging-not-configured").is_empty());
    assert!(ids(&f, "error-tracking-missing").is_empty());
}

#[test]
fn monitoring_python_and_js() {
    let flask = "from flask import Flask\n\napp = Flask(__name__)\n";
    let f = scan(&[("app.py", flask)]);
    assert_eq!(ids(&f, "logging-not-configured"), [("app.py".into(), 3)]);
    let f = scan(&[
        ("app.py", flask),
        (
            "log.py",
            "import logging\nlogging.basicConfig(level=logging.INFO)\n",
        ),
        ("requirements.txt", "flask\nrollbar==1.0\n"),
    ]);
    assert!(ids(&f, "logging-not-configured").is_empty());
    assert!(ids(&f, "error-tracking-missing").is_empty());
    let f = scan(&[
        ("Procfile", "web: ddtrace-run gunicorn app:app\n"),
        ("app.py", flask),
    ]);
    assert!(ids(&f, "error-tracking-missing").is_empty());
    let manage = "import sys\nfrom django.core.management import execute_from_command_line\n\nif __name__ == \"__main__\":\n    execute_from_command_line(sys.argv)\n";
    let f = scan(&[
        ("manage.py", manage),
        ("site/settings.py", "DEBUG = False\n"),
    ]);
    assert_eq!(ids(&f, "logging-not-configured"), [("manage.py".into(), 5)]);
    let settings = "DEBUG = False\nLOGGING = {\"version\": 1, \"handlers\": {}}\n";
    let f = scan(&[("manage.py", manage), ("site/settings.py", settings)]);
    assert!(ids(&f, "logging-not-configured").is_empty());
    let flask_logger = format!("{flask}\n@app.errorhandler(500)\ndef err(e):\n    app.logger.exception(e)\n    return \"error\", 500\n");
    let f = scan(&[("app.py", &flask_logger)]);
    assert!(ids(&f, "logging-not-configured").is_empty());
    let fastify =
        "const fastify = require('fastify')({ logger: true });\nfastify.listen({ port: 3000 });\n";
    let f = scan(&[("server.js", fastify)]);
    assert!(ids(&f, "logging-not-configured").is_empty());
    assert_eq!(ids(&f, "error-tracking-missing"), [("server.js".into(), 1)]);
    let koa = "import Koa from 'koa';\nimport * as Sentry from '@sentry/node';\nSentry.init({ dsn: process.env.SENTRY_DSN });\nconst app = new Koa();\napp.listen(3000);\n";
    let f = scan(&[("src/index.ts", koa)]);
    assert_eq!(
        ids(&f, "logging-not-configured"),
        [("src/index.ts".into(), 4)]
    );
    assert!(ids(&f, "error-tracking-missing").is_empty());
}

#[test]
fn malformed_inputs_never_panic_and_parse_errors_are_notes() {
    let inputs = [
        "",
        "\\",
        "FROM",
        "FROM \\",
        "RUN \\\n",
        "RUN <<",
        "RUN <<EOF\ncurl x | sh",
        "ADD",
        "ADD [\"http://x\"",
        "USER",
        "# escape=\nFROM a\nRUN b\\\n",
        "FROM a AS\nFROM AS AS AS\nUSER 0:",
        "RUN sh -c \"$(curl",
        "RUN echo '$(((((' | sh",
        "services:\n  a: [",
        "services: {a: {ports: [\"::::\", \"[::1\", \":\", \"-5432\"], volumes: [{}], cap_add: 3}}",
        "apiVersion: v1\nkind: Pod\nspec: {containers: [{securityContext: [1, 2]}]}",
        "{{ .Values.image }}\nservices:\n",
        "PermitRootLogin\n=\nMatch\n",
        "Contact:\nExpires: 9999-99-99T99:99:99Z\n",
        "Expires: 2020-02-30T00:00:00+99:99\n",
        "\u{feff}FROM é\u{0}:latest\nUSER \u{2028}\n",
    ];
    let names = [
        "Dockerfile",
        "docker-compose.yml",
        "k8s.yaml",
        "sshd_config",
        "public/.well-known/security.txt",
    ];
    let cfg = Config::default();
    for name in names {
        for text in inputs {
            let r = crate::check_source(Path::new(name), text, &cfg);
            assert!(
                !r.notes.iter().any(|n| n.message.contains("internal error")),
                "{name}: {text:?}: {:?}",
                r.notes
            );
        }
    }
    let r = crate::check_source(Path::new("docker-compose.yml"), "services:\n  a: [\n", &cfg);
    assert!(r
        .notes
        .iter()
        .any(|n| n.message.contains("could not parse")));
    let r = crate::check_source(
        Path::new("Dockerfile"),
        "FROM debian:12\n{{ if .x }}\nUSER 1\n",
        &cfg,
    );
    assert!(r
        .notes
        .iter()
        .any(|n| n.line == Some(2) && n.message.contains("not a Dockerfile instruction")));
    // Deep nesting in a compose file is skipped, not a crash.
    let deep = format!(
        "services:\n  a:\n    x: {}{}\n",
        "[".repeat(3000),
        "]".repeat(3000)
    );
    let _ = crate::check_source(Path::new("docker-compose.yml"), &deep, &cfg);
}

#[test]
fn development_files_are_judged_by_name_and_directory_only() {
    let cfg = Config::default();
    let df = "FROM debian:12\nCMD [\"app\"]\n";
    let root_findings = |p: &str| {
        crate::check_source(Path::new(p), df, &cfg)
            .findings
            .iter()
            .filter(|f| f.rule.id == "container-runs-as-root")
            .count()
    };
    // Where the checkout lives does not matter.
    assert_eq!(root_findings("/home/me/dev/shop/Dockerfile"), 1);
    assert_eq!(root_findings("/srv/local/shop/deploy/Dockerfile"), 1);
    // The file's own name or directory does.
    assert_eq!(root_findings("/srv/shop/ci/Dockerfile"), 0);
    assert_eq!(root_findings("/srv/shop/Dockerfile.dev"), 0);
    assert_eq!(root_findings("/srv/shop/.devcontainer/Dockerfile"), 0);
}
