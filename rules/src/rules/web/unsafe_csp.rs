use super::{common, headers};
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use std::ops::Range;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags Content Security Policies whose script sources defeat the policy: `'unsafe-inline'`
    /// (without a nonce or hash), `'unsafe-eval'`, `*`, `http:`, `https:` or `data:` in
    /// `script-src` (or in `default-src` when there is no `script-src`). Policies are read from
    /// helmet/fastify-helmet `directives: { scriptSrc: [...] }`, flask-talisman
    /// `content_security_policy=`, django-csp (`CSP_SCRIPT_SRC`, `CSP_DEFAULT_SRC`,
    /// `CONTENT_SECURITY_POLICY = {"DIRECTIVES": ...}`), Django's `SECURE_CSP` (with `CSP.*`
    /// constants), and literal `Content-Security-Policy` header values in JS, Python and Rust
    /// (axum/actix `header::CONTENT_SECURITY_POLICY`). The policy string is parsed into directives.
    ///
    /// ## Why is this bad?
    /// CSP's main job is to stop injected script from running. `'unsafe-inline'` lets any injected
    /// `<script>` or `onerror=` run, `'unsafe-eval'` re-enables `eval` sinks, and host wildcards let
    /// an attacker load script from any site (or any HTTPS site, or `data:` URLs). The policy then
    /// gives a false sense of protection against XSS.
    ///
    /// ## Example
    /// ```ts
    /// helmet({ contentSecurityPolicy: { directives: { scriptSrc: ["'self'", "'unsafe-inline'"] } } })
    /// ```
    /// ```python
    /// CSP_SCRIPT_SRC = ("'self'", "'unsafe-inline'", "'unsafe-eval'")
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// helmet({ contentSecurityPolicy: { directives: { scriptSrc: ["'self'", (req, res) => `'nonce-${res.locals.nonce}'`] } } })
    /// ```
    /// ```python
    /// CSP_SCRIPT_SRC = ("'self'",)
    /// CSP_INCLUDE_NONCE_IN = ("script-src",)
    /// ```
    ///
    /// ## How to fix
    /// Move inline scripts to files, or mark the ones you need with a per-request nonce or a hash;
    /// replace `eval`/`new Function` code; list the exact script hosts you use.
    /// `'strict-dynamic'` with nonces is the most robust modern policy.
    ///
    /// ## Not flagged
    /// `'unsafe-inline'` next to a nonce, hash or `'strict-dynamic'` (browsers ignore it then),
    /// wildcards in non-script directives (`img-src *`), `Content-Security-Policy-Report-Only`,
    /// policies built at run time, and test code.
    ///
    /// ## References
    /// - CWE-693: Protection Mechanism Failure; CWE-79
    /// - OWASP Content Security Policy Cheat Sheet; W3C CSP Level 3
    pub UNSAFE_CSP {
        id: "unsafe-csp",
        title: "Content Security Policy allows unsafe script sources",
        severity: Medium,
        confidence: High,
        cwe: [693, 79],
        checklist: 10,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

fn report(file: &mut crate::engine::FileCx<'_>, r: Range<usize>, bad: &[String]) {
    file.report(
        &UNSAFE_CSP,
        r,
        format!("the CSP allows scripts from {}", bad.join(", ")),
    )
    .help("remove these sources from script-src; use nonces or hashes for the inline scripts you need");
}

fn check_policy_string(file: &mut crate::engine::FileCx<'_>, policy: &str, r: Range<usize>) {
    let bad = headers::unsafe_script_sources(&headers::parse_csp(policy));
    if !bad.is_empty() {
        report(file, r, &bad);
    }
}

/// Directive name from a config key: `scriptSrc`, `"script-src"`, `script_src`.
fn directive_name(key: &str) -> String {
    common::words(key).join("-")
}

// ------------------------------------------------------------------ JavaScript / TypeScript

fn js_sources(src: &str, v: Node<'_>) -> Vec<String> {
    match v.k() {
        "array" => {
            let mut c = v.walk();
            v.named_children(&mut c)
                .map(|e| {
                    js::string_value(src, e)
                        .map(str::to_owned)
                        // A function or expression element is how helmet adds nonces.
                        .unwrap_or_else(|| "'nonce-dynamic'".to_owned())
                })
                .collect()
        }
        _ => js::string_value(src, v)
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default(),
    }
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On =
    crate::lang::On::Kinds(&["call_expression", "pair", "object"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    if let Some(h) = headers::js_header(src, node) {
        if h.name == "content-security-policy" {
            check_policy_string(cx.file, &h.value, h.range);
        }
        return;
    }
    if node.k() != "object" {
        return;
    }
    let mut directives = Vec::new();
    let mut ranges = Vec::new();
    let mut c = node.walk();
    for p in node.named_children(&mut c) {
        if p.k() != "pair" {
            continue;
        }
        let (Some(k), Some(v)) = (p.field("key"), p.field("value")) else {
            continue;
        };
        let name = directive_name(js::node_text(src, k).trim_matches(['"', '\'']));
        if name == "script-src" || name == "default-src" {
            directives.push((name.clone(), js_sources(src, v)));
            ranges.push((name, v.byte_range()));
        }
    }
    if directives.is_empty() {
        return;
    }
    let bad = headers::unsafe_script_sources(&directives);
    if bad.is_empty() {
        return;
    }
    let which = if directives.iter().any(|(d, _)| d == "script-src") {
        "script-src"
    } else {
        "default-src"
    };
    if let Some((_, r)) = ranges.into_iter().find(|(n, _)| n == which) {
        report(cx.file, r, &bad);
    }
}

// ------------------------------------------------------------------ Python

/// Sources in a Python value: a list/tuple of strings or `CSP.*` constants, or a policy string.
fn py_sources(src: &str, v: Node<'_>) -> Vec<String> {
    match v.k() {
        "list" | "tuple" | "set" => {
            let mut c = v.walk();
            v.named_children(&mut c)
                .filter_map(|e| {
                    if let Some(s) = py::string_value(src, e) {
                        return Some(s.to_owned());
                    }
                    let d = py::dotted(src, e)?;
                    let last = d.rsplit('.').next().unwrap_or("");
                    Some(match last {
                        "SELF" => "'self'".to_owned(),
                        "UNSAFE_INLINE" => "'unsafe-inline'".to_owned(),
                        "UNSAFE_EVAL" => "'unsafe-eval'".to_owned(),
                        "STRICT_DYNAMIC" => "'strict-dynamic'".to_owned(),
                        "NONCE" => "'nonce-dynamic'".to_owned(),
                        "NONE" => "'none'".to_owned(),
                        _ => return None,
                    })
                })
                .collect()
        }
        _ => py::string_value(src, v)
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default(),
    }
}

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On =
    crate::lang::On::Kinds(&["assignment", "call", "pair", "dictionary", "module"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    if let Some(h) = headers::py_header(src, node) {
        if h.name == "content-security-policy" {
            check_policy_string(cx.file, &h.value, h.range);
        }
        return;
    }
    match node.k() {
        "dictionary" => {
            let mut directives = Vec::new();
            let mut ranges = Vec::new();
            let mut c = node.walk();
            for p in node.named_children(&mut c) {
                if p.k() != "pair" {
                    continue;
                }
                let (Some(k), Some(v)) = (p.field("key"), p.field("value")) else {
                    continue;
                };
                let Some(key) = py::string_value(src, k) else {
                    continue;
                };
                let name = directive_name(key);
                if name == "script-src" || name == "default-src" {
                    directives.push((name.clone(), py_sources(src, v)));
                    ranges.push((name, v.byte_range()));
                }
            }
            if directives.is_empty() {
                return;
            }
            let bad = headers::unsafe_script_sources(&directives);
            if bad.is_empty() {
                return;
            }
            let which = if directives.iter().any(|(d, _)| d == "script-src") {
                "script-src"
            } else {
                "default-src"
            };
            if let Some((_, r)) = ranges.into_iter().find(|(n, _)| n == which) {
                report(cx.file, r, &bad);
            }
        }
        "call" => {
            // Talisman(app, content_security_policy="default-src 'self' 'unsafe-inline'")
            let r = cx.resolved_callee(node).unwrap_or_default();
            if !r.ends_with("Talisman") {
                return;
            }
            if let Some(v) = py::keyword_arg(src, node, "content_security_policy") {
                if let Some(s) = py::string_value(src, v) {
                    check_policy_string(cx.file, s, v.byte_range());
                }
            }
        }
        "module" => check_django_csp(cx, node),
        _ => {}
    }
}

/// django-csp 3.x: module-level `CSP_SCRIPT_SRC` / `CSP_DEFAULT_SRC`.
fn check_django_csp(cx: &mut PyCx<'_, '_>, module: Node<'_>) {
    let src = cx.src;
    let mut found: Vec<(String, Vec<String>, Range<usize>)> = Vec::new();
    let mut c = module.walk();
    for st in module.named_children(&mut c) {
        if st.k() != "expression_statement" {
            continue;
        }
        let Some(a) = st.named_child(0).filter(|a| a.k() == "assignment") else {
            continue;
        };
        let (Some(l), Some(r)) = (a.field("left"), a.field("right")) else {
            continue;
        };
        let name = match py::node_text(src, l) {
            "CSP_SCRIPT_SRC" => "script-src",
            "CSP_DEFAULT_SRC" => "default-src",
            _ => continue,
        };
        found.retain(|(n, _, _)| n != name);
        found.push((name.to_owned(), py_sources(src, r), r.byte_range()));
    }
    if found.is_empty() {
        return;
    }
    let directives: Vec<(String, Vec<String>)> = found
        .iter()
        .map(|(n, s, _)| (n.clone(), s.clone()))
        .collect();
    let bad = headers::unsafe_script_sources(&directives);
    if bad.is_empty() {
        return;
    }
    let which = if directives.iter().any(|(d, _)| d == "script-src") {
        "script-src"
    } else {
        "default-src"
    };
    if let Some((_, _, r)) = found.into_iter().find(|(n, _, _)| n == which) {
        report(cx.file, r, &bad);
    }
}

// ------------------------------------------------------------------ Rust

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let RustNode::Expr(e) = node else { return };
    let Some(h) = headers::rust_header(cx, e) else {
        return;
    };
    if h.name == "content-security-policy" {
        check_policy_string(cx.file, &h.value, h.range);
    }
}
