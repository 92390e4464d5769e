use super::doc::{header_fix, HttpDoc};
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Flags HTML pages of the deployed site with no `Permissions-Policy` header.
    ///
    /// ## Why is this bad?
    /// Without it, any script running in the page (including an injected or compromised
    /// third-party one) may ask for the camera, microphone, geolocation or payment APIs
    /// (CWE-693). Denying what the app never uses shrinks what an attacker can reach.
    ///
    /// ## Example
    /// ```text
    /// HTTP/1.1 200 OK
    /// Content-Type: text/html
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Permissions-Policy: camera=(), microphone=(), geolocation=(), payment=()
    /// ```
    ///
    /// ## How to fix
    /// Add the header in the app's header middleware or the reverse proxy (helmet does not set it:
    /// add it with `res.setHeader`; Django: django-permissions-policy; flask-talisman `permissions_policy`).
    ///
    /// ## References
    /// - CWE-693; W3C Permissions Policy
    pub LIVE_PERMISSIONS_POLICY_MISSING {
        id: "live-permissions-policy-missing",
        title: "Permissions-Policy header missing",
        severity: Info,
        confidence: High,
        cwe: [693],
        checklist: 10,
        languages: [Live],
        fix: None,
    }
}

pub(super) fn check(cx: &mut FileCx<'_>, d: &HttpDoc<'_>) {
    if !d.is_page()
        || !d.is_html()
        || d.header("permissions-policy").is_some()
        || d.header("feature-policy").is_some()
    {
        return;
    }
    cx.report(
        &LIVE_PERMISSIONS_POLICY_MISSING,
        d.status_line.clone(),
        format!("{} is served without a Permissions-Policy", d.url),
    )
    .help(header_fix(
        d.framework,
        "send `Permissions-Policy: camera=(), microphone=(), geolocation=()`",
    ));
}
