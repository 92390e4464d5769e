use super::doc::HttpDoc;
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Flags `Server`, `X-Powered-By`, `X-AspNet-Version` and similar response headers that name
    /// the software, and especially its version, behind the deployed site.
    ///
    /// ## Why is this bad?
    /// Version banners tell an attacker which known vulnerabilities to try first, and make
    /// automated exploitation of an unpatched version trivial (CWE-200).
    ///
    /// ## Example
    /// ```text
    /// Server: nginx/1.18.0
    /// X-Powered-By: Express
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Server: nginx
    /// ```
    ///
    /// ## How to fix
    /// Express: `app.disable("x-powered-by")` (helmet does it); nginx: `server_tokens off;`;
    /// Apache: `ServerTokens Prod`; PHP: `expose_php = Off`.
    ///
    /// ## References
    /// - CWE-200; OWASP Testing Guide: Fingerprint Web Server
    pub LIVE_VERSION_BANNER {
        id: "live-version-banner",
        title: "Response headers disclose server software or versions",
        severity: Low,
        confidence: High,
        cwe: [200],
        checklist: 9,
        languages: [Live],
        fix: None,
    }
}

fn has_version(v: &str) -> bool {
    let b = v.as_bytes();
    b.windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b'.' && w[2].is_ascii_digit())
}

pub(super) fn check(cx: &mut FileCx<'_>, d: &HttpDoc<'_>) {
    if d.purpose != "landing" {
        return;
    }
    for h in &d.headers {
        let (hit, what) = match h.name.as_str() {
            "server" if has_version(h.value) => (true, "names the server software and version"),
            "x-powered-by" => (true, "names the framework"),
            "x-aspnet-version" | "x-aspnetmvc-version" | "x-generator" | "x-runtime-version" => {
                (true, "names the platform version")
            }
            _ => (false, ""),
        };
        if hit {
            let name = h.name.clone();
            cx.report(&LIVE_VERSION_BANNER, h.line.clone(), format!("`{name}` header {what}"))
                .help(match name.as_str() {
                    "x-powered-by" => "remove it: Express app.disable(\"x-powered-by\") or helmet; PHP expose_php = Off",
                    _ => "remove the version: nginx server_tokens off; Apache ServerTokens Prod",
                });
        }
    }
}
