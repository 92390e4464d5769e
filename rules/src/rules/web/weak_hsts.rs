use super::{common, headers};
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use std::ops::Range;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags HTTP Strict Transport Security configured with a `max-age` below one year
    /// (31536000 seconds) or switched off: helmet `hsts`/`strictTransportSecurity` `{ maxAge }` and
    /// `hsts: false`, flask-talisman `strict_transport_security_max_age=` and
    /// `strict_transport_security=False`, Django `SECURE_HSTS_SECONDS` in settings, and literal
    /// `Strict-Transport-Security` header values set in code (Express `res.setHeader`, Flask/Django
    /// response headers, axum/actix `header::STRICT_TRANSPORT_SECURITY` with
    /// `HeaderValue::from_static`).
    ///
    /// ## Why is this bad?
    /// HSTS tells browsers to use HTTPS only. A short max-age lapses between visits, so the next
    /// first request goes out over HTTP where an attacker on the network can strip TLS
    /// (sslstrip) and capture cookies and credentials. Browsers' HSTS preload lists require at
    /// least one year.
    ///
    /// ## Example
    /// ```ts
    /// app.use(helmet({ hsts: { maxAge: 86400 } }));
    /// ```
    /// ```python
    /// SECURE_HSTS_SECONDS = 3600
    /// ```
    /// ```rust
    /// SetResponseHeaderLayer::overriding(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=600"))
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// app.use(helmet({ hsts: { maxAge: 63072000, includeSubDomains: true, preload: true } }));
    /// ```
    /// ```python
    /// SECURE_HSTS_SECONDS = 31536000
    /// SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    /// ```
    ///
    /// ## How to fix
    /// Use `max-age=31536000` (one year) or more, with `includeSubDomains` once every subdomain
    /// serves HTTPS. Roll out with a short max-age first if you must, then raise it before going
    /// to production.
    ///
    /// ## Not flagged
    /// Values from configuration or the environment, settings modules for development or tests,
    /// and test code. A missing HSTS header altogether is reported by `security-headers-missing`
    /// (header middleware absent); HSTS set by a reverse proxy is not visible here.
    ///
    /// ## References
    /// - CWE-319: Cleartext Transmission of Sensitive Information; CWE-523
    /// - OWASP HTTP Strict Transport Security Cheat Sheet; RFC 6797
    pub WEAK_HSTS {
        id: "weak-hsts",
        title: "HSTS max-age too short or disabled",
        severity: Medium,
        confidence: High,
        cwe: [319, 523],
        checklist: 10,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

const ONE_YEAR: f64 = 31_536_000.0;
const HELP: &str = "set max-age to at least 31536000 (one year), with includeSubDomains";

fn short(cx_file: &mut crate::engine::FileCx<'_>, r: Range<usize>, secs: f64) {
    cx_file
        .report(
            &WEAK_HSTS,
            r,
            format!("HSTS max-age is {secs:.0} seconds, below one year"),
        )
        .help(HELP);
}

fn disabled(cx_file: &mut crate::engine::FileCx<'_>, r: Range<usize>) {
    cx_file
        .report(&WEAK_HSTS, r, "HSTS is disabled")
        .help("keep HSTS on with max-age of at least 31536000 (one year)");
}

// ------------------------------------------------------------------ JavaScript / TypeScript

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["call_expression", "pair"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    if let Some(h) = headers::js_header(src, node) {
        if h.name == "strict-transport-security" {
            if let Some(age) = headers::hsts_max_age(&h.value) {
                if (age as f64) < ONE_YEAR {
                    short(cx.file, h.range, age as f64);
                }
            }
        }
        return;
    }
    // helmet({ hsts: {...} }) / helmet({ strictTransportSecurity: false })
    let opts = match node.k() {
        "pair" => {
            let (Some(k), Some(v)) = (node.field("key"), node.field("value")) else {
                return;
            };
            let key = js::node_text(src, k).trim_matches(['"', '\'']);
            if !matches!(key, "hsts" | "strictTransportSecurity") {
                return;
            }
            // Only inside a helmet(...) call's options.
            let in_helmet = node
                .up()
                .and_then(|o| o.up())
                .and_then(|a| a.up())
                .is_some_and(|c| {
                    c.k() == "call_expression"
                        && cx.resolved_callee(c).is_some_and(|r| r.contains("helmet"))
                });
            if !in_helmet {
                return;
            }
            if v.k() == "false" {
                if !common::js_env_guarded(src, node) {
                    disabled(cx.file, node.byte_range());
                }
                return;
            }
            v
        }
        "call_expression" => {
            let r = cx.resolved_callee(node).unwrap_or_default();
            if !(r.ends_with("helmet.hsts")
                || r.ends_with("helmet.strictTransportSecurity")
                || r == "hsts")
            {
                return;
            }
            let Some(a) = js::call_args(node).into_iter().next() else {
                return;
            };
            a
        }
        _ => return,
    };
    let Some(age) = js::object_property(src, opts, "maxAge") else {
        return;
    };
    if let Some(secs) = common::eval_num(src, age, 0) {
        if secs < ONE_YEAR {
            short(cx.file, age.byte_range(), secs);
        }
    }
}

// ------------------------------------------------------------------ Python

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["assignment", "call", "pair"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    if let Some(h) = headers::py_header(src, node) {
        if h.name == "strict-transport-security" {
            if let Some(age) = headers::hsts_max_age(&h.value) {
                if (age as f64) < ONE_YEAR {
                    short(cx.file, h.range, age as f64);
                }
            }
        }
        return;
    }
    match node.k() {
        "call" => {
            let r = cx.resolved_callee(node).unwrap_or_default();
            if !r.ends_with("Talisman") && !r.ends_with("Talisman.init_app") {
                return;
            }
            if let Some(v) = py::keyword_arg(src, node, "strict_transport_security_max_age") {
                if let Some(secs) = common::eval_num(src, v, 0) {
                    if secs < ONE_YEAR {
                        short(cx.file, v.byte_range(), secs);
                    }
                }
            }
            if let Some(v) = py::keyword_arg(src, node, "strict_transport_security") {
                if py::is_false(src, v) {
                    disabled(cx.file, v.byte_range());
                }
            }
        }
        "assignment" => {
            let (Some(l), Some(r)) = (node.field("left"), node.field("right")) else {
                return;
            };
            if py::node_text(src, l) != "SECURE_HSTS_SECONDS" || !common::py_module_level(node) {
                return;
            }
            if common::is_dev_settings(cx.file.path) || common::py_env_guarded(src, node) {
                return;
            }
            let Some(secs) = common::eval_num(src, r, 0) else {
                return;
            };
            if secs == 0.0 {
                disabled(cx.file, node.byte_range());
            } else if secs < ONE_YEAR {
                short(cx.file, r.byte_range(), secs);
            }
        }
        _ => {}
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
    if h.name != "strict-transport-security" {
        return;
    }
    if let Some(age) = headers::hsts_max_age(&h.value) {
        if (age as f64) < ONE_YEAR {
            short(cx.file, h.range, age as f64);
        }
    }
}
