use super::doc::{header_fix, HttpDoc};
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Flags pages of the deployed site with no `Referrer-Policy`, or one that sends full URLs
    /// to other origins (`unsafe-url`, `no-referrer-when-downgrade`, `origin-when-cross-origin`
    /// leaks less but still the origin over HTTP).
    ///
    /// ## Why is this bad?
    /// URLs often carry tokens, reset codes or personal data in paths and query strings; a weak
    /// referrer policy sends them to every third-party resource and outbound link (CWE-200).
    ///
    /// ## Example
    /// ```text
    /// Referrer-Policy: unsafe-url
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Referrer-Policy: strict-origin-when-cross-origin
    /// ```
    ///
    /// ## How to fix
    /// helmet `referrerPolicy`; Django `SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"`;
    /// flask-talisman `referrer_policy`.
    ///
    /// ## References
    /// - CWE-200; W3C Referrer Policy
    pub LIVE_REFERRER_POLICY_WEAK {
        id: "live-referrer-policy-weak",
        title: "Referrer-Policy missing or leaking full URLs",
        severity: Low,
        confidence: High,
        cwe: [200],
        checklist: 10,
        languages: [Live],
        fix: None,
    }
}

pub(super) fn check(cx: &mut FileCx<'_>, d: &HttpDoc<'_>) {
    if !d.is_page() || !d.is_html() {
        return;
    }
    match d.header("referrer-policy") {
        None => {
            cx.report(
                &LIVE_REFERRER_POLICY_WEAK,
                d.status_line.clone(),
                format!("{} is served without a Referrer-Policy", d.url),
            )
            .help(header_fix(
                d.framework,
                "send `Referrer-Policy: strict-origin-when-cross-origin`",
            ));
        }
        Some(h) => {
            // The last recognised token wins (fallback lists).
            let last = h
                .value
                .split(',')
                .map(|t| t.trim().to_ascii_lowercase())
                .filter(|t| !t.is_empty())
                .last()
                .unwrap_or_default();
            if matches!(last.as_str(), "unsafe-url" | "no-referrer-when-downgrade") {
                cx.report(
                    &LIVE_REFERRER_POLICY_WEAK,
                    h.line.clone(),
                    format!("Referrer-Policy `{last}` sends full URLs to other origins"),
                )
                .help("use strict-origin-when-cross-origin or no-referrer");
            }
        }
    }
}
