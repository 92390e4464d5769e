use super::doc::{header_fix, HttpDoc};
use super::live_csp_weak::parse_policy;
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Flags HTML pages of the deployed site that any other site may frame: no
    /// `X-Frame-Options: DENY|SAMEORIGIN` and no CSP `frame-ancestors` directive.
    ///
    /// ## Why is this bad?
    /// A page that can be framed can be overlaid by an attacker's page that tricks users into
    /// clicking buttons they cannot see: changing settings, confirming payments (clickjacking,
    /// CWE-1021).
    ///
    /// ## Example
    /// ```text
    /// HTTP/1.1 200 OK
    /// Content-Type: text/html
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Content-Security-Policy: frame-ancestors 'none'
    /// X-Frame-Options: DENY
    /// ```
    ///
    /// ## How to fix
    /// helmet `frameguard`; Django `XFrameOptionsMiddleware` with `X_FRAME_OPTIONS = "DENY"`;
    /// flask-talisman `frame_options`; or a CSP `frame-ancestors` directive.
    ///
    /// ## References
    /// - CWE-1021; OWASP Clickjacking Defense Cheat Sheet
    pub LIVE_CLICKJACKING {
        id: "live-clickjacking",
        title: "Pages can be framed by any site (no X-Frame-Options or frame-ancestors)",
        severity: Medium,
        confidence: High,
        cwe: [1021],
        checklist: 10,
        languages: [Live],
        fix: None,
    }
}

pub(super) fn check(cx: &mut FileCx<'_>, d: &HttpDoc<'_>) {
    if !d.is_page() || !d.is_html() {
        return;
    }
    let xfo = d.header("x-frame-options").is_some_and(|h| {
        let v = h.value.trim().to_ascii_uppercase();
        v == "DENY" || v == "SAMEORIGIN"
    });
    let fa = d.header("content-security-policy").is_some_and(|h| {
        parse_policy(h.value)
            .iter()
            .any(|(n, _)| n == "frame-ancestors")
    });
    if !xfo && !fa {
        cx.report(
            &LIVE_CLICKJACKING,
            d.status_line.clone(),
            format!("{} can be framed by any site", d.url),
        )
        .help(header_fix(
            d.framework,
            "send `Content-Security-Policy: frame-ancestors 'none'` (or X-Frame-Options: DENY)",
        ));
    }
}
