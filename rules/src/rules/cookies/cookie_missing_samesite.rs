crate::declare_rule! {
    /// ## What it does
    /// Flags cookies set without a `SameSite` attribute, and `SameSite=None` cookies that are not
    /// `Secure`: Python `set_cookie(...)` without `samesite=`, Django/Flask
    /// `SESSION_COOKIE_SAMESITE = None`; Express `res.cookie(..)`, Fastify `reply.setCookie(..)`,
    /// Next.js `cookies().set(..)` without `sameSite`; Rust `Cookie::build(..)` without
    /// `.same_site(..)`, or with `SameSite::None` and no `.secure(true)`.
    ///
    /// ## Why is this bad?
    /// `SameSite` is the browser's defence against cross-site request forgery: without it the
    /// behaviour depends on the browser (older ones send the cookie on every cross-site request).
    /// `SameSite=None` without `Secure` is rejected by current browsers, so the cookie silently
    /// disappears.
    ///
    /// ## Example
    /// ```python
    /// resp.set_cookie("session", token, secure=True, httponly=True)
    /// ```
    /// ```ts
    /// res.cookie("sid", token, { secure: true, httpOnly: true });
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// resp.set_cookie("session", token, secure=True, httponly=True, samesite="Lax")
    /// ```
    /// ```ts
    /// res.cookie("sid", token, { secure: true, httpOnly: true, sameSite: "lax" });
    /// ```
    ///
    /// ## How to fix
    /// Add `samesite="Lax"` (or `"Strict"`), `sameSite: "lax"`, or `.same_site(SameSite::Lax)`.
    /// Use `None` only for cookies that must be sent cross-site, and always with `Secure`.
    ///
    /// ## Not flagged
    /// Python `set_cookie` with a constant value under a name that is not a session/CSRF name
    /// (`set_cookie(key, "done")`: the same for every visitor, nothing to steal),
    /// frameworks whose default is `Lax` (Starlette/FastAPI `set_cookie`, Rocket), flags set from
    /// variables or configuration, `**kwargs`/spread options, and test code.
    ///
    /// ## References
    /// - CWE-1275: Sensitive Cookie with Improper SameSite Attribute
    /// - OWASP Cross-Site Request Forgery Prevention Cheat Sheet
    pub COOKIE_MISSING_SAMESITE {
        id: "cookie-missing-samesite",
        title: "Cookie set without a SameSite attribute",
        severity: Low,
        confidence: Medium,
        cwe: [1275],
        checklist: 12,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: Sometimes,
    }
}
