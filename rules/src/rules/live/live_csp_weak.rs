use super::doc::{header_fix, HttpDoc};
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// On HTML pages of the deployed site, flags a missing `Content-Security-Policy`, and a
    /// policy whose script sources (`script-src`, else `default-src`) allow `'unsafe-inline'`
    /// (without a nonce or hash), `'unsafe-eval'`, `*`, `http:`, `https:` or `data:`. The policy is
    /// parsed into directives, not searched as text.
    ///
    /// ## Why is this bad?
    /// A CSP is the second line of defence against XSS (CWE-79): when an injection slips
    /// through, a strict policy stops the injected script from running. A policy allowing inline
    /// script or any host gives no such protection.
    ///
    /// ## Example
    /// ```text
    /// Content-Security-Policy: default-src 'self'; script-src 'self' 'unsafe-inline'
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Content-Security-Policy: default-src 'self'; script-src 'self' 'nonce-r4nd0m'; object-src 'none'; frame-ancestors 'none'
    /// ```
    ///
    /// ## How to fix
    /// Move inline scripts to files or give them nonces; set the policy with helmet
    /// `contentSecurityPolicy`, django-csp, flask-talisman `content_security_policy`, or tower-http.
    ///
    /// ## References
    /// - CWE-693, CWE-79; CSP Level 3; OWASP Content Security Policy Cheat Sheet
    pub LIVE_CSP_WEAK {
        id: "live-csp-weak",
        title: "Content-Security-Policy missing or allowing unsafe script sources",
        severity: Medium,
        confidence: High,
        cwe: [693, 79],
        checklist: 10,
        languages: [Live],
        fix: None,
    }
}

/// Directives of a policy: name (lower-case) -> source list.
pub fn parse_policy(policy: &str) -> Vec<(String, Vec<String>)> {
    policy
        .split(';')
        .filter_map(|d| {
            let mut parts = d.split_whitespace();
            let name = parts.next()?.to_ascii_lowercase();
            Some((name, parts.map(str::to_owned).collect()))
        })
        .collect()
}

/// Unsafe script sources in a parsed policy (empty when safe).
pub fn unsafe_script_sources(directives: &[(String, Vec<String>)]) -> Vec<String> {
    let sources = directives
        .iter()
        .find(|(n, _)| n == "script-src")
        .or_else(|| directives.iter().find(|(n, _)| n == "default-src"));
    let Some((_, srcs)) = sources else {
        return vec!["no script-src or default-src".to_owned()];
    };
    let lower: Vec<String> = srcs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let has_nonce_or_hash = lower.iter().any(|s| {
        s.starts_with("'nonce-")
            || s.starts_with("'sha256-")
            || s.starts_with("'sha384-")
            || s.starts_with("'sha512-")
    });
    let strict_dynamic = lower.iter().any(|s| s == "'strict-dynamic'");
    let mut bad = Vec::new();
    for s in &lower {
        match s.as_str() {
            "'unsafe-inline'" if !has_nonce_or_hash => bad.push(s.clone()),
            "'unsafe-eval'" => bad.push(s.clone()),
            "*" | "http:" | "https:" | "data:" if !strict_dynamic => bad.push(s.clone()),
            _ => {}
        }
    }
    bad
}

pub(super) fn check(cx: &mut FileCx<'_>, d: &HttpDoc<'_>) {
    if !d.is_page() || !d.is_html() {
        return;
    }
    match d.header("content-security-policy") {
        None => {
            let only_report = d.header("content-security-policy-report-only").is_some();
            let msg = if only_report {
                "only a report-only Content-Security-Policy is sent: nothing is enforced"
            } else {
                "HTML page served without a Content-Security-Policy"
            };
            cx.report(&LIVE_CSP_WEAK, d.status_line.clone(), msg)
                .help(header_fix(d.framework, "send a Content-Security-Policy such as `default-src 'self'; object-src 'none'; frame-ancestors 'none'`"));
        }
        Some(h) => {
            let bad = unsafe_script_sources(&parse_policy(h.value));
            if !bad.is_empty() {
                cx.report(
                    &LIVE_CSP_WEAK,
                    h.line.clone(),
                    format!(
                        "Content-Security-Policy allows unsafe script sources: {}",
                        bad.join(", ")
                    ),
                )
                .help("remove these sources; use nonces or hashes for the inline scripts you need");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert_eq!(
            unsafe_script_sources(&parse_policy("default-src 'self'")),
            Vec::<String>::new()
        );
        assert_eq!(
            unsafe_script_sources(&parse_policy("script-src 'self' 'unsafe-inline'")),
            vec!["'unsafe-inline'"]
        );
        assert!(
            unsafe_script_sources(&parse_policy("script-src 'nonce-abc' 'unsafe-inline'"))
                .is_empty()
        );
        assert_eq!(
            unsafe_script_sources(&parse_policy("default-src *; img-src 'self'")),
            vec!["*"]
        );
        assert_eq!(
            unsafe_script_sources(&parse_policy("img-src 'self'")).len(),
            1
        );
    }
}
