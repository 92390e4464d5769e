crate::declare_rule! {
    /// ## What it does
    /// Flags cookies set without the `Secure` attribute, or with it explicitly turned off:
    /// Flask/Werkzeug/Django/FastAPI/Starlette `set_cookie(...)` without `secure=True`, Django and
    /// Flask settings `SESSION_COOKIE_SECURE = False` / `CSRF_COOKIE_SECURE = False` /
    /// `REMEMBER_COOKIE_SECURE = False`, and Django settings modules (assigning `INSTALLED_APPS`
    /// and `MIDDLEWARE`, no star import) that never set `SESSION_COOKIE_SECURE`/`CSRF_COOKIE_SECURE`
    /// (Django's defaults are `False`); Express `res.cookie(..)`, Fastify `reply.setCookie(..)`,
    /// Koa `ctx.cookies.set(..)`, Next.js `cookies().set(..)`, Hono `setCookie(c, ..)`, js-cookie
    /// `Cookies.set(..)` of session-like cookies without `secure: true`,
    /// `express-session` without `cookie.secure`, `cookie-session` with `secure: false`,
    /// `document.cookie` writes of session-like cookies without `; Secure`; Rust
    /// `cookie::Cookie::build(..)`/`Cookie::new(..)` (actix-web, axum-extra, tower-cookies)
    /// without `.secure(true)` / `set_secure(true)`.
    ///
    /// ## Why is this bad?
    /// A cookie without `Secure` is also sent over plain HTTP: one request to an `http://` URL
    /// (a link, a downgrade by an attacker on the network) leaks the session token. Session-like
    /// names (`session`, `sid`, `token`, `auth`, `jwt`) raise the severity; cookies with
    /// obviously non-sensitive names (`theme`, `lang`) lower it.
    ///
    /// ## Example
    /// ```python
    /// resp.set_cookie("session", token, httponly=True, samesite="Lax")
    /// ```
    /// ```ts
    /// res.cookie("sid", token, { httpOnly: true, sameSite: "lax" });
    /// ```
    /// ```rust
    /// let c = Cookie::build(("session", token)).http_only(true).same_site(SameSite::Lax).build();
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// resp.set_cookie("session", token, httponly=True, samesite="Lax", secure=True)
    /// ```
    /// ```ts
    /// res.cookie("sid", token, { httpOnly: true, sameSite: "lax", secure: true });
    /// ```
    /// ```rust
    /// let c = Cookie::build(("session", token)).http_only(true).same_site(SameSite::Lax).secure(true).build();
    /// ```
    ///
    /// ## How to fix
    /// Add `secure=True` (Python), `secure: true` (JS) or `.secure(true)` (Rust); for Django set
    /// `SESSION_COOKIE_SECURE = True` and `CSRF_COOKIE_SECURE = True` in production settings.
    /// The quick fix inserts the flag.
    ///
    /// ## Not flagged
    /// Python `set_cookie` with a constant value under a name that is not a session/CSRF name
    /// (`set_cookie(key, "done")`: the same for every visitor, nothing to steal),
    /// flags set from a variable or configuration (`secure=settings.SECURE_COOKIES`,
    /// `secure: process.env.NODE_ENV === "production"`), options passed through `**kwargs` or an
    /// object spread, settings files for development (`dev`/`local`/`test` in the path or class
    /// name), Rocket's `CookieJar` (which sets the flags itself), Koa's `ctx.cookies.set` without
    /// a `secure` option (Koa sets it on HTTPS requests; `secure: false` is flagged), cookies
    /// built to be removed, and test code.
    ///
    /// ## References
    /// - CWE-614: Sensitive Cookie in HTTPS Session Without 'Secure' Attribute
    /// - OWASP Session Management Cheat Sheet; MDN Set-Cookie
    pub COOKIE_MISSING_SECURE {
        id: "cookie-missing-secure",
        title: "Cookie set without the Secure attribute",
        severity: Medium,
        confidence: High,
        cwe: [614],
        checklist: 12,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: Sometimes,
    }
}
