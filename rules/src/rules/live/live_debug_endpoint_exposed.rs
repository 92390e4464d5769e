use super::doc::HttpDoc;
use crate::engine::FileCx;
use crate::meta::Severity;

crate::declare_rule! {
    /// ## What it does
    /// Requests well-known debug and documentation endpoints on the deployed site
    /// (`/.git/HEAD`, `/.env`, `/swagger-ui`, `/api-docs`, `/graphiql`, `/graphql` introspection,
    /// `/actuator`, `/server-status`, `/debug`...) and flags those that answer with their real
    /// content. The body must match the endpoint's signature (a `ref:` line for `.git/HEAD`,
    /// `KEY=value` lines for `.env`, an OpenAPI document...), so catch-all pages that answer
    /// 200 for every path are not reported.
    ///
    /// ## Why is this bad?
    /// An exposed `.git` directory or `.env` file hands out source code and credentials;
    /// actuator, server-status and debug pages leak configuration, sessions and internals;
    /// API explorers and GraphQL introspection map the whole attack surface (CWE-215, CWE-489,
    /// CWE-538).
    ///
    /// ## Example
    /// ```text
    /// GET https://example.com/.git/HEAD
    /// HTTP/1.1 200 OK
    ///
    /// ref: refs/heads/main
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// GET https://example.com/.git/HEAD
    /// HTTP/1.1 404 Not Found
    /// ```
    ///
    /// ## How to fix
    /// Deploy build artefacts, not the working tree; deny dotfiles at the web server; mount API
    /// explorers and GraphQL introspection only when an environment flag allows it
    /// (`introspection: process.env.NODE_ENV !== "production"`); restrict actuator and
    /// server-status to an internal network.
    ///
    /// ## References
    /// - CWE-215, CWE-489, CWE-538; OWASP WSTG-CONF-04, WSTG-INFO-05
    pub LIVE_DEBUG_ENDPOINT_EXPOSED {
        id: "live-debug-endpoint-exposed",
        title: "Debug or internal endpoint reachable on the deployed site",
        severity: High,
        confidence: High,
        cwe: [215, 489, 538],
        checklist: 9,
        languages: [Live],
        fix: None,
    }
}

/// Whether `body` really is the endpoint `kind` (not a soft-404 page).
pub fn signature_matches(kind: &str, body: &str) -> bool {
    let b = body.trim_start();
    let lower = b.to_ascii_lowercase();
    match kind {
        "git" => {
            b.starts_with("ref: refs/")
                || (b.len() >= 40 && b[..40].bytes().all(|c| c.is_ascii_hexdigit()))
        }
        "env" => {
            let lines: Vec<&str> = b
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .take(10)
                .collect();
            !lines.is_empty()
                && !lower.starts_with("<")
                && lines.iter().all(|l| {
                    l.split_once('=').is_some_and(|(k, _)| {
                        let k = k.trim().trim_start_matches("export ");
                        !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    })
                })
        }
        "openapi" => {
            lower.contains("\"openapi\"")
                || lower.contains("\"swagger\"")
                || lower.contains("swagger-ui")
                || lower.starts_with("openapi:")
                || lower.starts_with("swagger:")
        }
        "graphiql" => {
            lower.contains("graphiql")
                || lower.contains("graphql-playground")
                || lower.contains("apollo sandbox")
        }
        "graphql-introspection" => lower.contains("\"__schema\"") && lower.contains("\"types\""),
        "actuator" => {
            lower.contains("\"_links\"")
                && (lower.contains("actuator") || lower.contains("\"health\""))
        }
        "server-status" => {
            lower.contains("apache server status")
                || lower.contains("server uptime")
                || lower.contains("active connections:")
        }
        "debug" => {
            lower.contains("werkzeug debugger")
                || lower.contains("django debug toolbar")
                || lower.contains("phpinfo()")
                || lower.contains("debug console")
                || lower.contains("pprof")
        }
        _ => false,
    }
}

pub(super) fn check(cx: &mut FileCx<'_>, d: &HttpDoc<'_>) {
    let Some(kind) = d.purpose.strip_prefix("debug:") else {
        return;
    };
    if !(200..300).contains(&d.status) || !signature_matches(kind, d.body) {
        return;
    }
    let (sev, what) = match kind {
        "git" => (
            Severity::Critical,
            "the .git directory is served: source code and history can be downloaded",
        ),
        "env" => (
            Severity::Critical,
            "a .env file is served: configuration and credentials are public",
        ),
        "actuator" | "server-status" | "debug" => {
            (Severity::High, "an internal diagnostics endpoint is public")
        }
        "graphql-introspection" => (Severity::Medium, "GraphQL introspection is enabled"),
        _ => (Severity::Medium, "an API explorer or schema is public"),
    };
    cx.report(
        &LIVE_DEBUG_ENDPOINT_EXPOSED,
        d.request_line.clone(),
        format!("{what} ({})", d.url),
    )
    .severity(sev)
    .help("remove it from the production deployment or restrict it to an internal network");
}

#[cfg(test)]
mod tests {
    use super::signature_matches;

    #[test]
    fn signatures() {
        assert!(signature_matches("git", "ref: refs/heads/main\n"));
        assert!(!signature_matches("git", "<!doctype html><html>"));
        assert!(signature_matches("env", "DB_URL=postgres://x\nDEBUG=1\n"));
        assert!(!signature_matches("env", "<html>Not found</html>"));
        assert!(!signature_matches("env", "Welcome to our site\n"));
    }
}
