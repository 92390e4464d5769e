use crate::lang::js::JsCx;
use crate::lang::python::PyCx;
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::strings::{self, Built};
use crate::lang::NodeExt;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags URLs assembled with a credential in the query string: a literal URL part ending in
    /// `?access_token=`, `&token=`, `?api_key=`, `&apikey=`, `?password=`, `&client_secret=`,
    /// `&id_token=`, `&refresh_token=` or `&session_id=` followed by an interpolated value, in
    /// JS/TS template literals and concatenation, Python f-strings/`%`/`.format()`/concatenation,
    /// and Rust `format!`.
    ///
    /// ## Why is this bad?
    /// Query strings are written to web server, proxy and CDN access logs, kept in browser history,
    /// and sent to other sites in the `Referer` header. A token in a URL leaks to everyone who can
    /// read any of these. OAuth 2.0 Security BCP forbids access tokens in query strings.
    ///
    /// ## Example
    /// ```ts
    /// await fetch(`https://api.partner.io/v1/orders?access_token=${token}`);
    /// ```
    /// ```python
    /// requests.get(f"{BASE}/orders?api_key={api_key}")
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// await fetch("https://api.partner.io/v1/orders", { headers: { Authorization: `Bearer ${token}` } });
    /// ```
    /// ```python
    /// requests.get(f"{BASE}/orders", headers={"Authorization": f"Bearer {api_key}"})
    /// ```
    ///
    /// ## How to fix
    /// Send credentials in the `Authorization` header (or a request body for token exchange).
    /// When a third-party API only accepts a query-string key, keep the URL out of logs and
    /// suppress the finding with that reason. Reported with Low severity: some APIs leave no
    /// choice.
    ///
    /// ## Not flagged
    /// Constant query strings, parameters that are not credentials (`?page=`, `?token_type=`),
    /// `otpauth://` provisioning URIs, a `token=` in links mailed to a user whose one-time token is
    /// their purpose (`/reset-password?token=`, `/verify-email?token=`, invitations and
    /// registration links, magic sign-in links, unsubscribe, signed download links: keep such
    /// tokens short-lived and single-use),
    /// URLs built with `URLSearchParams`/`urlencode` objects (not analysed), and test code.
    ///
    /// ## References
    /// - CWE-598: Use of GET Request Method With Sensitive Query Strings
    /// - RFC 9700 (OAuth 2.0 Security BCP) 4.3.2; OWASP REST Security Cheat Sheet
    pub TOKEN_IN_URL {
        id: "token-in-url",
        title: "Credential placed in a URL query string",
        severity: Low,
        confidence: Medium,
        cwe: [598],
        checklist: 15,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

const PARAMS: &[&str] = &[
    "access_token",
    "token",
    "auth_token",
    "api_key",
    "apikey",
    "api-key",
    "password",
    "passwd",
    "client_secret",
    "id_token",
    "refresh_token",
    "session_id",
    "sessionid",
    "secret",
    "key",
];

/// A link mailed to a user whose one-time token is the point of it (`/reset-password?token=`,
/// `/verify-email?token=`, invitations, magic sign-in links, unsubscribe): judged on the URL's
/// path before the parameter (not its host: `https://verify.partner.io/api?token=` is an API).
fn single_use_link(url_before: &str) -> bool {
    let path = match url_before.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => url_before,
    };
    [
        "reset",
        "verify",
        "verification",
        "confirm",
        "activate",
        "activation",
        "invite",
        "invitation",
        "register",
        "signup",
        "sign-up",
        // Signed download links: a browser download cannot send an Authorization header.
        "download",
        "magic",
        "unsubscribe",
        "login-link",
        "login_link",
        "signin-link",
        "email-login",
    ]
    .iter()
    .any(|w| path.contains(w))
}

/// The credential parameter whose value is interpolated, judged on the raw source text of the
/// string: `...?access_token=${x}` / `{x}` / `" + x`.
fn credential_param(raw: &str) -> Option<&'static str> {
    if !may_hold_param(raw) {
        return None;
    }
    let lower = raw.to_ascii_lowercase();
    // TOTP provisioning URIs (`otpauth://totp/..?secret=`) are QR-code payloads, not requests.
    if lower.contains("otpauth://") {
        return None;
    }
    for p in PARAMS {
        for sep in ['?', '&'] {
            let pat = format!("{sep}{p}=");
            let mut from = 0;
            while let Some(i) = lower[from..].find(&pat) {
                let after = &lower[from + i + pat.len()..];
                let next = after.chars().next();
                // Interpolation right after `=`: JS `${`, Python/Rust `{`, or the literal ends
                // and concatenation follows (`"` / `'` / backtick then `+` or `%`).
                let interpolated = after.starts_with("${")
                    || (after.starts_with('{') && !after.starts_with("{{"))
                    || matches!(next, Some('"') | Some('\'') | Some('`'))
                        && after[1..].trim_start().starts_with(['+', '%']);
                // `key=` only as an API key when the URL looks like one (`?key=` is common for
                // Google APIs, but also for cache keys): require a URL in the literal.
                if interpolated
                    && (*p != "key" || lower.contains("://"))
                    && !(*p == "token" && single_use_link(&lower[..from + i]))
                {
                    return Some(p);
                }
                from += i + pat.len();
            }
        }
    }
    None
}

/// Every pattern looked for is `?name=` or `&name=`: text without `=` and `?`/`&` holds none
/// (most strings and concatenations; the searches below allocate).
fn may_hold_param(raw: &str) -> bool {
    raw.contains('=') && raw.contains(['?', '&'])
}

fn report(file: &mut crate::engine::FileCx<'_>, r: std::ops::Range<usize>, p: &str) {
    file.report(
        &TOKEN_IN_URL,
        r,
        format!("a credential (`{p}`) is put in the URL query string"),
    )
    .help("send it in the Authorization header (Bearer) instead of the URL");
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On =
    crate::lang::On::Kinds(&["template_string", "binary_expression"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || !matches!(node.k(), "template_string" | "binary_expression") {
        return;
    }
    // Only the outermost concatenation, and only the outermost template: a template inside
    // another one's `${..}` is part of the outer one's text, which is judged (and reported) whole.
    if node.up().is_some_and(|p| p.k() == "binary_expression") {
        return;
    }
    let mut up = node.up();
    for _ in 0..12 {
        match up {
            Some(p) if p.k() == "template_string" => return,
            Some(p) => up = p.up(),
            None => break,
        }
    }
    // The text test first: building the value follows locals (the costly half, and most
    // concatenations hold no `?name=`).
    let raw = cx.text(node);
    let Some(p) = credential_param(raw) else {
        return;
    };
    if matches!(strings::js(cx.src, node), Built::Dynamic { .. }) {
        report(cx.file, node.byte_range(), p);
    }
}

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On =
    crate::lang::On::Kinds(&["string", "binary_operator", "call"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || !matches!(node.k(), "string" | "binary_operator" | "call") {
        return;
    }
    let src = cx.src;
    let target = match node.k() {
        "string" => {
            if !crate::lang::python::has_interpolation(node) {
                return;
            }
            node
        }
        "binary_operator" => {
            if node.up().is_some_and(|p| p.k() == "binary_operator") {
                return;
            }
            node
        }
        _ => {
            // "...?token={}".format(x)
            if crate::lang::python::callee_name(src, node) != Some("format") {
                return;
            }
            node
        }
    };
    if node.k() == "string" && node.up().is_some_and(|p| p.k() == "binary_operator") {
        return;
    }
    let raw = cx.text(target);
    if !may_hold_param(raw) {
        return;
    }
    let mut hit = credential_param(raw);
    if hit.is_none() && node.k() == "binary_operator" {
        // "...?token=%s" % x
        let l = raw.to_ascii_lowercase();
        hit = PARAMS.iter().copied().find(|p| {
            (l.contains(&format!("?{p}=%s")) || l.contains(&format!("&{p}=%s")))
                && (*p != "key" || l.contains("://"))
        });
    }
    if let Some(p) = hit {
        report(cx.file, target.byte_range(), p);
    }
}

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let RustNode::Macro(m) = node else { return };
    if crate::lang::rust::macro_name(m) != "format" {
        return;
    }
    let Some(args) = cx.macro_args(m) else { return };
    let Some(fmt) = args.first().and_then(crate::lang::rust::lit_str) else {
        return;
    };
    if args.len() < 2 && !fmt.contains('{') {
        return;
    }
    if let Some(p) = credential_param(&fmt) {
        let r = cx.range_of(m);
        report(cx.file, r, p);
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::engine::check_source;
    use std::path::Path;

    fn reported(text: &str) -> Vec<u32> {
        check_source(Path::new("src/links.ts"), text, &Config::default())
            .findings
            .iter()
            .filter(|f| f.rule.id == "token-in-url")
            .map(|f| f.start.line)
            .collect()
    }

    /// A template inside another one's `${..}` is reported once, by the outer template.
    #[test]
    fn nested_templates_are_reported_once() {
        let text = "export const file = (base: string, id: string, t?: string) =>\n  `${base}/api/files/${id}${t ? `?token=${t}` : \"\"}`;\n";
        assert_eq!(reported(text), [2]);
    }

    /// Registration (invitation) and signed download links carry their token by design.
    #[test]
    fn registration_and_download_links() {
        for text in [
            "export const a = (b: string, t: string) => `${b}/register?token=${t}`;\n",
            "export const a = (b: string, t: string) => `${b}/utils/download?token=${t}`;\n",
        ] {
            assert_eq!(reported(text), Vec::<u32>::new(), "{text}");
        }
        // The same token to an API is reported.
        let api =
            "export const a = (b: string, t: string) => fetch(`${b}/api/items?token=${t}`);\n";
        assert_eq!(reported(api), [1]);
    }
}
