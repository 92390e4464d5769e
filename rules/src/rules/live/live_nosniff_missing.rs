use super::doc::{header_fix, HttpDoc};
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Flags responses from the deployed site without `X-Content-Type-Options: nosniff`.
    ///
    /// ## Why is this bad?
    /// Browsers that sniff content types can run an uploaded "image" or a JSON response as
    /// script or HTML, turning file uploads and API responses into XSS vectors (CWE-693).
    ///
    /// ## Example
    /// ```text
    /// HTTP/1.1 200 OK
    /// Content-Type: text/html
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// X-Content-Type-Options: nosniff
    /// ```
    ///
    /// ## How to fix
    /// helmet sets it by default; Django: `SECURE_CONTENT_TYPE_NOSNIFF = True` (default) with
    /// SecurityMiddleware; flask-talisman sets it; tower-http `SetResponseHeaderLayer`.
    ///
    /// ## References
    /// - CWE-693; OWASP Secure Headers Project
    pub LIVE_NOSNIFF_MISSING {
        id: "live-nosniff-missing",
        title: "X-Content-Type-Options: nosniff missing on the deployed site",
        severity: Low,
        confidence: High,
        cwe: [693],
        checklist: 10,
        languages: [Live],
        fix: None,
    }
}

pub(super) fn check(cx: &mut FileCx<'_>, d: &HttpDoc<'_>) {
    if !d.is_page() {
        return;
    }
    let ok = d
        .header("x-content-type-options")
        .is_some_and(|h| h.value.trim().eq_ignore_ascii_case("nosniff"));
    if !ok {
        let range = d
            .header("x-content-type-options")
            .map(|h| h.line.clone())
            .unwrap_or(d.status_line.clone());
        cx.report(
            &LIVE_NOSNIFF_MISSING,
            range,
            format!(
                "{} is served without X-Content-Type-Options: nosniff",
                d.url
            ),
        )
        .help(header_fix(
            d.framework,
            "send `X-Content-Type-Options: nosniff`",
        ));
    }
}
