use super::doc::HttpDoc;
use crate::engine::FileCx;
use crate::meta::Severity;

crate::declare_rule! {
    /// ## What it does
    /// Requests the deployed host over plain `http://` and flags it when it answers with content
    /// instead of a redirect to `https://`, or redirects to another plain-HTTP URL.
    ///
    /// ## Why is this bad?
    /// Content served over HTTP can be read and altered by anyone on the network path, and
    /// cookies or tokens sent with it are exposed (CWE-319).
    ///
    /// ## Example
    /// ```text
    /// GET http://staging.example.com/
    /// HTTP/1.1 200 OK
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// GET http://staging.example.com/
    /// HTTP/1.1 301 Moved Permanently
    /// Location: https://staging.example.com/
    /// ```
    ///
    /// ## How to fix
    /// Redirect every HTTP request to HTTPS at the edge (nginx `return 301 https://$host$request_uri;`,
    /// Django `SECURE_SSL_REDIRECT = True`, flask-talisman `force_https`), then add HSTS.
    ///
    /// ## References
    /// - CWE-319; OWASP Transport Layer Security Cheat Sheet
    pub LIVE_HTTP_SERVED {
        id: "live-http-served",
        title: "Deployed host serves content over plain HTTP",
        severity: High,
        confidence: High,
        cwe: [319],
        checklist: 1,
        languages: [Live],
        fix: None,
    }
}

pub(super) fn check(cx: &mut FileCx<'_>, d: &HttpDoc<'_>) {
    if d.purpose != "http-redirect" || d.is_https() {
        return;
    }
    if (300..400).contains(&d.status) {
        if let Some(loc) = d.header("location") {
            if !loc
                .value
                .trim()
                .to_ascii_lowercase()
                .starts_with("https://")
            {
                cx.report(
                    &LIVE_HTTP_SERVED,
                    loc.line.clone(),
                    "plain-HTTP request is redirected to another non-HTTPS location",
                )
                .severity(Severity::Medium)
                .help("redirect http:// requests straight to the https:// URL");
            }
        }
    } else if (200..300).contains(&d.status) {
        cx.report(&LIVE_HTTP_SERVED, d.status_line.clone(), format!("{} answers over plain HTTP with content instead of redirecting to HTTPS", d.url))
            .help("redirect every http:// request to https:// (nginx: return 301 https://$host$request_uri;)");
    }
}
