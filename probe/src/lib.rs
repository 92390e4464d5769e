//! Live checks of a deployed staging URL: security headers, TLS, certificates, security.txt,
//! exposed debug endpoints and error pages.
//!
//! The probe only observes: GET requests, a bounded number of them, to the one host the user
//! named (redirects elsewhere are not followed), with time-outs and a clear `User-Agent`. What
//! it observes is recorded as probe documents (see `predeploy_rules::rules::live::doc`) and
//! judged by the live rules of the shared engine, so findings carry rule ids, CWE, checklist
//! points and fixes like every other finding.

mod tls;

use predeploy_rules::engine::check_source_as;
use predeploy_rules::{Config, FileKind, Finding, Note};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use ureq::http::Uri;

pub const USER_AGENT: &str = concat!(
    "cargo-predeploy-probe/",
    env!("CARGO_PKG_VERSION"),
    " (+pre-deployment security check)"
);

/// Paths requested to find debug and documentation endpoints, with the signature kind the live
/// rule checks the body against.
pub const DEBUG_ENDPOINTS: &[(&str, &str)] = &[
    ("/.git/HEAD", "git"),
    ("/.env", "env"),
    ("/swagger-ui/", "openapi"),
    ("/swagger-ui.html", "openapi"),
    ("/swagger.json", "openapi"),
    ("/openapi.json", "openapi"),
    ("/api-docs", "openapi"),
    ("/v3/api-docs", "openapi"),
    ("/graphiql", "graphiql"),
    (
        "/graphql?query=%7B__schema%7Btypes%7Bname%7D%7D%7D",
        "graphql-introspection",
    ),
    ("/actuator", "actuator"),
    ("/server-status", "server-status"),
    ("/debug/pprof/", "debug"),
    ("/console", "debug"),
];

#[derive(Clone, Debug)]
pub struct ProbeOptions {
    /// The deployed site, e.g. `https://staging.example.com`.
    pub url: String,
    /// Extra paths whose headers are checked like the landing page.
    pub paths: Vec<String>,
    /// Time-out for each connection and request.
    pub timeout: Duration,
    /// PEM certificates of extra trusted roots (an internal CA for staging). When given, they
    /// replace the public roots.
    pub ca_certs_pem: Vec<Vec<u8>>,
    /// Upper bound on requests.
    pub max_requests: usize,
    /// The plain-HTTP URL to check for a redirect (default: `http://<host>/`); None to skip.
    pub http_url: Option<String>,
    /// Skip the plain-HTTP check.
    pub skip_http: bool,
}

impl ProbeOptions {
    pub fn new(url: impl Into<String>) -> ProbeOptions {
        ProbeOptions {
            url: url.into(),
            paths: Vec::new(),
            timeout: Duration::from_secs(10),
            ca_certs_pem: Vec::new(),
            max_requests: 40,
            http_url: None,
            skip_http: false,
        }
    }
}

/// Why a probe could not run at all (exit code 2 in the CLI).
#[derive(Debug)]
pub enum ProbeError {
    InvalidUrl(String),
    Unreachable(String),
    BadCaCert(String),
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::InvalidUrl(m) => write!(
                f,
                "invalid URL: {m}; give a URL such as https://staging.example.com"
            ),
            ProbeError::Unreachable(m) => write!(
                f,
                "cannot reach the host: {m}; check the URL, DNS, and that the service is up"
            ),
            ProbeError::BadCaCert(m) => write!(
                f,
                "cannot use --ca-cert: {m}; give a PEM file with the CA certificate"
            ),
        }
    }
}

impl std::error::Error for ProbeError {}

/// What the probe observed and what the rules concluded.
#[derive(Debug)]
pub struct ProbeOutput {
    pub target: String,
    /// UTC time the probe started, `YYYY-MM-DDTHH:MM:SSZ`.
    pub taken_at: String,
    /// (virtual path, document text) of every observation.
    pub documents: Vec<(String, String)>,
    pub findings: Vec<Finding>,
    pub notes: Vec<Note>,
    pub requests: usize,
}

pub(crate) struct Target {
    pub scheme: String,
    pub host: String,
    pub port: u16,
    pub base: String,
}

fn parse_target(url: &str) -> Result<Target, ProbeError> {
    let uri: Uri = url
        .parse()
        .map_err(|e| ProbeError::InvalidUrl(format!("`{url}`: {e}")))?;
    let scheme = uri
        .scheme_str()
        .ok_or_else(|| ProbeError::InvalidUrl(format!("`{url}` has no scheme")))?
        .to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(ProbeError::InvalidUrl(format!(
            "`{url}`: only http:// and https:// are supported"
        )));
    }
    let host = uri
        .host()
        .ok_or_else(|| ProbeError::InvalidUrl(format!("`{url}` has no host")))?
        .to_owned();
    let port = uri
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    let default_port = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
    let base = if default_port {
        format!("{scheme}://{host}")
    } else {
        format!("{scheme}://{host}:{port}")
    };
    Ok(Target {
        scheme,
        host,
        port,
        base,
    })
}

fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (y, m, d) = predeploy_rules::suppress::civil_from_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Guesses the framework from response headers and cookie names (for framework-specific help).
fn detect_framework(headers: &[(String, String)]) -> Option<&'static str> {
    let get = |n: &str| {
        headers
            .iter()
            .filter(|(k, _)| k == n)
            .map(|(_, v)| v.to_ascii_lowercase())
            .collect::<Vec<_>>()
    };
    let powered = get("x-powered-by").join(" ");
    let server = get("server").join(" ");
    let cookies = get("set-cookie").join(" ");
    if powered.contains("express") || cookies.contains("connect.sid") {
        Some("express")
    } else if cookies.contains("csrftoken") || cookies.contains("sessionid=") {
        Some("django")
    } else if server.contains("werkzeug") {
        Some("flask")
    } else if server.contains("uvicorn") || server.contains("hypercorn") {
        Some("fastapi")
    } else if powered.contains("next.js") {
        Some("express")
    } else if server.contains("nginx") {
        Some("nginx")
    } else {
        None
    }
}

/// Headers whose values must not be recorded in full.
fn redact_header(name: &str, value: &str) -> String {
    match name {
        "set-cookie" => match value.split_once('=') {
            Some((n, rest)) => {
                let attrs = rest
                    .split_once(';')
                    .map(|(_, a)| format!(";{a}"))
                    .unwrap_or_default();
                format!("{n}=<redacted>{attrs}")
            }
            None => value.to_owned(),
        },
        "authorization" | "proxy-authorization" | "x-api-key" => "<redacted>".to_owned(),
        _ => value.to_owned(),
    }
}

struct Http {
    agent: ureq::Agent,
    requests: usize,
    max: usize,
}

struct Response {
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Http {
    fn new(opts: &ProbeOptions, insecure: bool) -> Result<Http, ProbeError> {
        use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
        let mut tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .disable_verification(insecure);
        if !opts.ca_certs_pem.is_empty() {
            let mut certs = Vec::new();
            for pem in &opts.ca_certs_pem {
                certs.push(
                    Certificate::from_pem(pem).map_err(|e| ProbeError::BadCaCert(e.to_string()))?,
                );
            }
            tls = tls.root_certs(RootCerts::new_with_certs(&certs));
        }
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(opts.timeout))
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(USER_AGENT)
            .tls_config(tls.build())
            .build();
        Ok(Http {
            agent: ureq::Agent::new_with_config(config),
            requests: 0,
            max: opts.max_requests,
        })
    }

    fn get(&mut self, url: &str) -> Result<Response, String> {
        if self.requests >= self.max {
            return Err(format!("request budget of {} reached", self.max));
        }
        self.requests += 1;
        let mut resp = self.agent.get(url).call().map_err(|e| e.to_string())?;
        let status = resp.status();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_vec()
            .unwrap_or_default();
        let mut body = String::from_utf8_lossy(&bytes[..bytes.len().min(16 * 1024)]).into_owned();
        body.retain(|c| c != '\0');
        Ok(Response {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("").to_owned(),
            headers,
            body,
        })
    }
}

fn http_doc(url: &str, purpose: &str, framework: Option<&str>, r: &Response) -> String {
    let mut d = format!("GET {url}\n# purpose: {purpose}\n");
    if let Some(f) = framework {
        d.push_str(&format!("# framework: {f}\n"));
    }
    d.push_str(&format!("HTTP/1.1 {} {}\n", r.status, r.reason));
    for (k, v) in &r.headers {
        let v = redact_header(k, v).replace(['\r', '\n'], " ");
        d.push_str(&format!("{k}: {v}\n"));
    }
    d.push('\n');
    d.push_str(&r.body);
    if !d.ends_with('\n') {
        d.push('\n');
    }
    d
}

/// Runs the probe. Errors only when the target cannot be used at all; everything else becomes
/// findings or notes.
pub fn probe(opts: &ProbeOptions, config: &Config) -> Result<ProbeOutput, ProbeError> {
    let target = parse_target(&opts.url)?;
    let taken_at = now_utc();
    let mut docs: Vec<(String, String)> = Vec::new();
    let mut notes = Vec::new();

    // 1. TLS handshake facts (https only).
    let mut insecure = false;
    if target.scheme == "https" {
        let facts = tls::inspect(&target.host, target.port, opts)?;
        insecure = facts.verification_failed;
        let handshake_failed = facts.handshake_failed;
        docs.push((
            format!("tls://{}:{}", target.host, target.port),
            facts.document,
        ));
        if handshake_failed {
            // Nothing can be requested over HTTPS; the TLS document says why.
            notes.push(Note::error(
                Some(opts.url.clone().into()),
                "no TLS handshake with the host succeeded, so no HTTPS request was made; see the TLS findings",
            ));
            return Ok(judge(target.base, taken_at, docs, notes, 0, config));
        }
    } else {
        notes.push(Note::warning(
            Some(opts.url.clone().into()),
            "the target is plain http://: TLS and HSTS cannot be checked; probe the https:// URL",
        ));
    }

    // 2. HTTP observations.
    let mut http = Http::new(opts, insecure)?;
    let landing_url = format!(
        "{}{}",
        target.base,
        Uri::try_from(opts.url.as_str())
            .ok()
            .map(|u| u.path().to_owned())
            .unwrap_or_else(|| "/".into())
    );
    let landing = match http.get(&landing_url) {
        Ok(r) => r,
        Err(e) => return Err(ProbeError::Unreachable(format!("GET {landing_url}: {e}"))),
    };
    let framework = detect_framework(&landing.headers);
    docs.push((
        landing_url.clone(),
        http_doc(&landing_url, "landing", framework, &landing),
    ));
    // Follow one same-host redirect from the landing page, so headers are judged on the page.
    if (300..400).contains(&landing.status) {
        if let Some((_, loc)) = landing.headers.iter().find(|(k, _)| k == "location") {
            let next = if loc.starts_with('/') {
                format!("{}{}", target.base, loc)
            } else {
                loc.clone()
            };
            if next.starts_with(&target.base) {
                if let Ok(r) = http.get(&next) {
                    docs.push((next.clone(), http_doc(&next, "page", framework, &r)));
                }
            } else {
                notes.push(Note::info(
                    Some(landing_url.clone().into()),
                    format!("landing page redirects to another host ({next}); not followed"),
                ));
            }
        }
    }
    let get_doc = |http: &mut Http,
                   path: &str,
                   purpose: &str,
                   docs: &mut Vec<(String, String)>,
                   notes: &mut Vec<Note>| {
        let url = format!("{}{}", target.base, path);
        match http.get(&url) {
            Ok(r) => docs.push((url.clone(), http_doc(&url, purpose, framework, &r))),
            Err(e) => notes.push(Note::info(Some(url.into()), format!("request failed: {e}"))),
        }
    };
    for p in &opts.paths {
        let p = if p.starts_with('/') {
            p.clone()
        } else {
            format!("/{p}")
        };
        get_doc(&mut http, &p, "page", &mut docs, &mut notes);
    }
    get_doc(
        &mut http,
        "/.well-known/security.txt",
        "security-txt",
        &mut docs,
        &mut notes,
    );
    for (path, kind) in DEBUG_ENDPOINTS {
        get_doc(
            &mut http,
            path,
            &format!("debug:{kind}"),
            &mut docs,
            &mut notes,
        );
    }
    let nonce = taken_at.replace([':', '-'], "");
    get_doc(
        &mut http,
        &format!("/predeploy-probe-{nonce}-not-found"),
        "not-found",
        &mut docs,
        &mut notes,
    );
    get_doc(
        &mut http,
        "/predeploy-probe/%2e%2e/%00%ff?id[]=%27%22",
        "malformed",
        &mut docs,
        &mut notes,
    );

    // 3. Plain HTTP must redirect to HTTPS.
    if target.scheme == "https" && !opts.skip_http {
        let http_url = opts
            .http_url
            .clone()
            .unwrap_or_else(|| format!("http://{}/", target.host));
        match http.get(&http_url) {
            Ok(r) => docs.push((
                http_url.clone(),
                http_doc(&http_url, "http-redirect", framework, &r),
            )),
            Err(e) => notes.push(Note::info(
                Some(http_url.into()),
                format!("plain HTTP not reachable ({e}); nothing served over HTTP"),
            )),
        }
    }

    let requests = http.requests;
    Ok(judge(target.base, taken_at, docs, notes, requests, config))
}

/// The live rules judge every document.
fn judge(
    target: String,
    taken_at: String,
    docs: Vec<(String, String)>,
    mut notes: Vec<Note>,
    requests: usize,
    config: &Config,
) -> ProbeOutput {
    let mut findings = Vec::new();
    for (path, text) in &docs {
        let r = check_source_as(std::path::Path::new(path), text, FileKind::Probe, config);
        findings.extend(r.findings);
        notes.extend(r.notes);
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    ProbeOutput {
        target,
        taken_at,
        documents: docs,
        findings,
        notes,
        requests,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = parse_target("https://Staging.Example.com/app").unwrap();
        assert_eq!(
            (t.scheme.as_str(), t.port, t.base.as_str()),
            ("https", 443, "https://Staging.Example.com")
        );
        let t = parse_target("http://127.0.0.1:8080").unwrap();
        assert_eq!(t.base, "http://127.0.0.1:8080");
        assert!(parse_target("ftp://x").is_err());
        assert!(parse_target("not a url").is_err());
    }

    #[test]
    fn cookie_values_are_redacted() {
        assert_eq!(
            redact_header("set-cookie", "sid=abc123; Path=/; Secure"),
            "sid=<redacted>; Path=/; Secure"
        );
        assert_eq!(redact_header("authorization", "Bearer x"), "<redacted>");
    }
}
