//! Finding response headers set in code, for the header rules (HSTS, CSP): `(name, value)` pairs
//! from `res.setHeader("Name", "v")`, `{ "Name": "v" }`, `response.headers["Name"] = "v"`,
//! `(header::NAME, HeaderValue::from_static("v"))`, plus a CSP parser.

use crate::lang::js;
use crate::lang::python as py;
use crate::lang::rust::{lit_str, RustCx};
use crate::lang::NodeExt;
use std::ops::Range;
use tree_sitter::Node;

/// A header value set in code: lower-case name, literal value, and where the value is.
pub struct HeaderSet {
    pub name: String,
    pub value: String,
    pub range: Range<usize>,
}

fn is_header_name(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    matches!(
        l.as_str(),
        "strict-transport-security" | "content-security-policy" | "x-frame-options"
    )
}

/// JS: `x.setHeader/set/header/append("Name", "v")` calls and `{ "Name": "v" }` pairs.
pub fn js_header(src: &str, n: Node<'_>) -> Option<HeaderSet> {
    match n.k() {
        "call_expression" => {
            let name = js::callee_name(src, n)?;
            if !matches!(
                name,
                "setHeader" | "set" | "header" | "append" | "writeHead" | "setHeaders"
            ) {
                return None;
            }
            let args = js::call_args(n);
            let h = js::string_value(src, *args.first()?)?;
            if !is_header_name(h) {
                return None;
            }
            let v = *args.get(1)?;
            Some(HeaderSet {
                name: h.to_ascii_lowercase(),
                value: js::string_value(src, v)?.to_owned(),
                range: v.byte_range(),
            })
        }
        "pair" => {
            let k = n.field("key")?;
            let key = js::node_text(src, k).trim_matches(['"', '\'']);
            if !is_header_name(key) {
                return None;
            }
            let v = n.field("value")?;
            Some(HeaderSet {
                name: key.to_ascii_lowercase(),
                value: js::string_value(src, v)?.to_owned(),
                range: v.byte_range(),
            })
        }
        _ => None,
    }
}

/// Python: `resp.headers["Name"] = "v"`, `response["Name"] = "v"`, `headers.set("Name", "v")`,
/// `{"Name": "v"}`.
pub fn py_header(src: &str, n: Node<'_>) -> Option<HeaderSet> {
    match n.k() {
        "assignment" => {
            let l = n.field("left")?;
            if l.k() != "subscript" {
                return None;
            }
            let key = py::string_value(src, l.field("subscript")?)?;
            if !is_header_name(key) {
                return None;
            }
            let v = n.field("right")?;
            Some(HeaderSet {
                name: key.to_ascii_lowercase(),
                value: py::string_value(src, v)?.to_owned(),
                range: v.byte_range(),
            })
        }
        "call" => {
            let name = py::callee_name(src, n)?;
            if !matches!(
                name,
                "set" | "add" | "setdefault" | "add_header" | "__setitem__"
            ) {
                return None;
            }
            let args = py::positional_args(n);
            let key = py::string_value(src, *args.first()?)?;
            if !is_header_name(key) {
                return None;
            }
            let v = *args.get(1)?;
            Some(HeaderSet {
                name: key.to_ascii_lowercase(),
                value: py::string_value(src, v)?.to_owned(),
                range: v.byte_range(),
            })
        }
        "pair" => {
            let key = py::string_value(src, n.field("key")?)?;
            if !is_header_name(key) {
                return None;
            }
            let v = n.field("value")?;
            Some(HeaderSet {
                name: key.to_ascii_lowercase(),
                value: py::string_value(src, v)?.to_owned(),
                range: v.byte_range(),
            })
        }
        _ => None,
    }
}

/// The header name an expression denotes: `header::STRICT_TRANSPORT_SECURITY`,
/// `HeaderName::from_static("strict-transport-security")`, `"Strict-Transport-Security"`.
fn rust_header_name(e: &syn::Expr) -> Option<String> {
    rust_header_name_at(e, 0)
}

fn rust_header_name_at(e: &syn::Expr, depth: usize) -> Option<String> {
    if depth > 8 {
        return None;
    }
    match e {
        syn::Expr::Path(p) => {
            let last = p.path.segments.last()?.ident.to_string();
            let name = last.to_ascii_lowercase().replace('_', "-");
            is_header_name(&name).then_some(name)
        }
        syn::Expr::Call(c) => c
            .args
            .first()
            .and_then(|a| rust_header_name_at(a, depth + 1)),
        syn::Expr::Reference(r) => rust_header_name_at(&r.expr, depth + 1),
        _ => {
            let s = lit_str(e)?;
            is_header_name(&s).then(|| s.to_ascii_lowercase())
        }
    }
}

/// A literal header value: `"v"`, `HeaderValue::from_static("v")`, `"v".parse().unwrap()`.
fn rust_header_value(e: &syn::Expr) -> Option<String> {
    rust_header_value_at(e, 0)
}

fn rust_header_value_at(e: &syn::Expr, depth: usize) -> Option<String> {
    if depth > 8 {
        return None;
    }
    if let Some(s) = lit_str(e) {
        return Some(s);
    }
    match e {
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else {
                return None;
            };
            let last = p.path.segments.last()?.ident.to_string();
            if matches!(
                last.as_str(),
                "from_static" | "from_str" | "try_from" | "from"
            ) {
                return c.args.first().and_then(lit_str);
            }
            None
        }
        syn::Expr::MethodCall(m) => rust_header_value_at(&m.receiver, depth + 1),
        syn::Expr::Try(t) => rust_header_value_at(&t.expr, depth + 1),
        _ => None,
    }
}

/// Rust: a call, method call or tuple whose arguments hold a header name and a literal value.
pub fn rust_header(cx: &RustCx<'_, '_, '_>, e: &syn::Expr) -> Option<HeaderSet> {
    let args: Vec<&syn::Expr> = match e {
        syn::Expr::Call(c) => c.args.iter().collect(),
        syn::Expr::MethodCall(m) => m.args.iter().collect(),
        syn::Expr::Tuple(t) => t.elems.iter().collect(),
        _ => return None,
    };
    if args.len() < 2 {
        return None;
    }
    let i = args.iter().position(|a| rust_header_name(a).is_some())?;
    let name = rust_header_name(args[i])?;
    let v = args.get(i + 1)?;
    let value = rust_header_value(v)?;
    Some(HeaderSet {
        name,
        value,
        range: cx.range_of(*v),
    })
}

// ------------------------------------------------------------------ HSTS

/// `max-age` seconds of an HSTS header value.
pub fn hsts_max_age(value: &str) -> Option<u64> {
    value.split(';').find_map(|part| {
        let (k, v) = part.split_once('=')?;
        if k.trim().eq_ignore_ascii_case("max-age") {
            v.trim().trim_matches('"').parse().ok()
        } else {
            None
        }
    })
}

// ------------------------------------------------------------------ CSP

/// Parses a policy string into `(directive, sources)`, lower-cased directive names.
pub fn parse_csp(policy: &str) -> Vec<(String, Vec<String>)> {
    policy
        .split(';')
        .filter_map(|d| {
            let mut it = d.split_whitespace();
            let name = it.next()?.to_ascii_lowercase();
            Some((name, it.map(str::to_owned).collect()))
        })
        .collect()
}

/// Unsafe script sources of a policy: the `script-src` sources (else `default-src`) that allow
/// inline script, eval or any host. `'unsafe-inline'` is ignored by browsers when a nonce or
/// hash is present, so it is not reported then.
pub fn unsafe_script_sources(directives: &[(String, Vec<String>)]) -> Vec<String> {
    let pick = |n: &str| directives.iter().find(|(d, _)| d == n).map(|(_, s)| s);
    let Some(sources) = pick("script-src").or_else(|| pick("default-src")) else {
        return Vec::new();
    };
    let has_nonce_or_hash = sources.iter().any(|s| {
        let l = s.to_ascii_lowercase();
        l.starts_with("'nonce-")
            || l.starts_with("'sha256-")
            || l.starts_with("'sha384-")
            || l.starts_with("'sha512-")
            || l == "'strict-dynamic'"
    });
    let mut out = Vec::new();
    for s in sources {
        let l = s.to_ascii_lowercase();
        let bad = match l.as_str() {
            "'unsafe-inline'" => !has_nonce_or_hash,
            "'unsafe-eval'" | "*" | "http:" | "https:" | "data:" => true,
            _ => false,
        };
        if bad && !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_and_hsts() {
        let d = parse_csp("default-src 'self'; script-src 'self' 'unsafe-inline' https:");
        assert_eq!(unsafe_script_sources(&d), vec!["'unsafe-inline'", "https:"]);
        let d = parse_csp("default-src 'self' 'unsafe-eval'");
        assert_eq!(unsafe_script_sources(&d), vec!["'unsafe-eval'"]);
        let d = parse_csp("script-src 'nonce-abc' 'unsafe-inline' 'strict-dynamic'");
        assert!(unsafe_script_sources(&d).is_empty());
        let d = parse_csp("img-src *; script-src 'self'");
        assert!(unsafe_script_sources(&d).is_empty());
        assert_eq!(hsts_max_age("max-age=3600; includeSubDomains"), Some(3600));
        assert_eq!(hsts_max_age("includeSubDomains"), None);
    }
}
