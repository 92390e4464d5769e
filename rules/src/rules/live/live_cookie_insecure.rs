use super::doc::HttpDoc;
use crate::engine::FileCx;
use crate::meta::Severity;

crate::declare_rule! {
    /// ## What it does
    /// Flags cookies set by the deployed site's responses without `Secure` (over HTTPS),
    /// `HttpOnly` (for session-like cookies) or `SameSite`. One finding per cookie names every
    /// missing flag. Cookie values are never recorded.
    ///
    /// ## Why is this bad?
    /// A cookie without `Secure` is sent over plain HTTP where it can be read (CWE-614); without
    /// `HttpOnly` any injected script can steal the session (CWE-1004); without `SameSite` it
    /// rides along on cross-site requests (CSRF, CWE-1275).
    ///
    /// ## Example
    /// ```text
    /// Set-Cookie: sessionid=<redacted>; Path=/
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Set-Cookie: sessionid=<redacted>; Path=/; Secure; HttpOnly; SameSite=Lax
    /// ```
    ///
    /// ## How to fix
    /// Express `res.cookie(name, v, { secure: true, httpOnly: true, sameSite: "lax" })` and
    /// express-session `cookie: {...}`; Django `SESSION_COOKIE_SECURE = True`,
    /// `CSRF_COOKIE_SECURE = True`; Flask `SESSION_COOKIE_SECURE = True`; Rust `cookie` crate
    /// `.secure(true).http_only(true).same_site(SameSite::Lax)`.
    ///
    /// ## References
    /// - CWE-614, CWE-1004, CWE-1275; OWASP Session Management Cheat Sheet
    pub LIVE_COOKIE_INSECURE {
        id: "live-cookie-insecure",
        title: "Cookies set by the deployed site lack Secure, HttpOnly or SameSite",
        severity: Medium,
        confidence: High,
        cwe: [614, 1004, 1275],
        checklist: 12,
        languages: [Live],
        fix: None,
    }
}

/// Names that hold sessions or credentials.
pub fn session_like(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "session", "sess", "sid", "token", "auth", "jwt", "login", "remember", "csrf", "xsrf",
    ]
    .iter()
    .any(|k| n.contains(k))
}

pub(super) fn check(cx: &mut FileCx<'_>, d: &HttpDoc<'_>) {
    for h in d.headers_named("set-cookie") {
        let mut parts = h.value.split(';');
        let name = parts
            .next()
            .and_then(|nv| nv.split_once('='))
            .map(|(n, _)| n.trim())
            .unwrap_or("")
            .to_owned();
        if name.is_empty() {
            continue;
        }
        let attrs: Vec<String> = parts.map(|p| p.trim().to_ascii_lowercase()).collect();
        let has = |a: &str| {
            attrs
                .iter()
                .any(|x| x == a || x.starts_with(&format!("{a}=")))
        };
        let session = session_like(&name);
        // CSRF cookies are read by scripts on purpose: HttpOnly is not expected there.
        let csrf = name.to_ascii_lowercase().contains("csrf")
            || name.to_ascii_lowercase().contains("xsrf");
        let mut missing = Vec::new();
        if d.is_https() && !has("secure") {
            missing.push("Secure");
        }
        if session && !csrf && !has("httponly") {
            missing.push("HttpOnly");
        }
        if !has("samesite") {
            missing.push("SameSite");
        }
        let deleting = attrs
            .iter()
            .any(|a| a == "max-age=0" || a.starts_with("expires=thu, 01 jan 1970"));
        if missing.is_empty() || deleting {
            continue;
        }
        let sev = if session && (missing.contains(&"Secure") || missing.contains(&"HttpOnly")) {
            Severity::High
        } else {
            Severity::Medium
        };
        cx.report(
            &LIVE_COOKIE_INSECURE,
            h.line.clone(),
            format!("cookie `{name}` is set without {}", missing.join(", ")),
        )
        .severity(sev)
        .help(format!(
            "add {} to the cookie where the app sets it",
            missing
                .iter()
                .map(|m| if *m == "SameSite" { "SameSite=Lax" } else { m })
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
}
