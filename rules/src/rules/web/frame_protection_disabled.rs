use super::{common, headers};
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags clickjacking protection switched off where security headers are configured: helmet
    /// `frameguard: false` / `xFrameOptions: false` without a CSP `frameAncestors` directive in
    /// the same options; Django `X_FRAME_OPTIONS` set to anything but `"DENY"`/`"SAMEORIGIN"`,
    /// and a `MIDDLEWARE` list without `XFrameOptionsMiddleware`; flask-talisman
    /// `frame_options=None`; literal `X-Frame-Options` header values other than `DENY`/`SAMEORIGIN`
    /// (`ALLOWALL`, `ALLOW-FROM ...`, which modern browsers ignore) in JS, Python and Rust.
    ///
    /// ## Why is this bad?
    /// A page that any site may frame can be overlaid with a decoy so that users click buttons
    /// they cannot see (transfer, delete, grant access): clickjacking. `X-Frame-Options` or CSP
    /// `frame-ancestors` is the only defence, and it is a one-line setting.
    ///
    /// ## Example
    /// ```ts
    /// app.use(helmet({ frameguard: false }));
    /// ```
    /// ```python
    /// X_FRAME_OPTIONS = "ALLOWALL"
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// app.use(helmet({ contentSecurityPolicy: { directives: { frameAncestors: ["'self'", "https://partner.example"] } } }));
    /// ```
    /// ```python
    /// X_FRAME_OPTIONS = "DENY"
    /// ```
    ///
    /// ## How to fix
    /// Send `X-Frame-Options: DENY` (or `SAMEORIGIN`), and when some sites must frame the page,
    /// list them in CSP `frame-ancestors` instead of turning protection off. In Django, exempt
    /// only the views that must be framed with `@xframe_options_exempt`.
    ///
    /// ## Not flagged
    /// `frameguard: false` when CSP `frameAncestors` is set in the same helmet options, Django
    /// settings for development or tests, and test code.
    ///
    /// ## References
    /// - CWE-1021: Improper Restriction of Rendered UI Layers or Frames
    /// - OWASP Clickjacking Defense Cheat Sheet
    pub FRAME_PROTECTION_DISABLED {
        id: "frame-protection-disabled",
        title: "Clickjacking protection disabled",
        severity: Medium,
        confidence: High,
        cwe: [1021],
        checklist: 10,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

fn weak_xfo(v: &str) -> bool {
    let u = v.trim().to_ascii_uppercase();
    !(u == "DENY" || u == "SAMEORIGIN")
}

const XFO_HELP: &str =
    "send X-Frame-Options: DENY (or SAMEORIGIN); allow specific framers with CSP frame-ancestors";

// ------------------------------------------------------------------ JavaScript / TypeScript

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["call_expression", "pair"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    if let Some(h) = headers::js_header(src, node) {
        if h.name == "x-frame-options" && weak_xfo(&h.value) {
            cx.report(
                &FRAME_PROTECTION_DISABLED,
                h.range,
                "X-Frame-Options allows framing",
            )
            .help(XFO_HELP);
        }
        return;
    }
    if node.k() != "pair" {
        return;
    }
    let (Some(k), Some(v)) = (node.field("key"), node.field("value")) else {
        return;
    };
    let key = js::node_text(src, k).trim_matches(['"', '\'']);
    if !matches!(key, "frameguard" | "xFrameOptions") || v.k() != "false" {
        return;
    }
    let Some(obj) = node.up() else { return };
    // CSP frame-ancestors in the same options replaces X-Frame-Options.
    let t = js::node_text(src, obj);
    if t.contains("frameAncestors") || t.contains("frame-ancestors") {
        return;
    }
    if common::js_env_guarded(src, node) {
        return;
    }
    cx.report(
        &FRAME_PROTECTION_DISABLED,
        node.byte_range(),
        "X-Frame-Options is turned off and no CSP frame-ancestors is set",
    )
    .help("remove frameguard: false, or set contentSecurityPolicy.directives.frameAncestors to the sites allowed to frame the page");
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
        if h.name == "x-frame-options" && weak_xfo(&h.value) {
            cx.report(
                &FRAME_PROTECTION_DISABLED,
                h.range,
                "X-Frame-Options allows framing",
            )
            .help(XFO_HELP);
        }
        return;
    }
    match node.k() {
        "assignment" => {
            let (Some(l), Some(r)) = (node.field("left"), node.field("right")) else {
                return;
            };
            let lt = py::node_text(src, l);
            if !common::py_module_level(node) || common::is_dev_settings(cx.file.path) {
                return;
            }
            match lt {
                "X_FRAME_OPTIONS" => {
                    if py::string_value(src, r).is_some_and(weak_xfo) {
                        cx.report(
                            &FRAME_PROTECTION_DISABLED,
                            r.byte_range(),
                            "X_FRAME_OPTIONS allows framing",
                        )
                        .help("use X_FRAME_OPTIONS = \"DENY\" (the default) and exempt single views with @xframe_options_exempt");
                    }
                }
                "MIDDLEWARE" | "MIDDLEWARE_CLASSES" => {
                    if !matches!(r.k(), "list" | "tuple") {
                        return;
                    }
                    let mut c = r.walk();
                    let items: Vec<String> = r
                        .named_children(&mut c)
                        .filter_map(|e| py::string_value(src, e).map(str::to_owned))
                        .collect();
                    // Only Django middleware lists (some django.* entry), not other frameworks'.
                    if !items.iter().any(|m| m.starts_with("django.")) {
                        return;
                    }
                    if items.iter().any(|m| m.ends_with("XFrameOptionsMiddleware")) {
                        return;
                    }
                    cx.report(
                        &FRAME_PROTECTION_DISABLED,
                        l.byte_range(),
                        "MIDDLEWARE does not include XFrameOptionsMiddleware",
                    )
                    .help("add \"django.middleware.clickjacking.XFrameOptionsMiddleware\" to MIDDLEWARE");
                }
                _ => {}
            }
        }
        "call" => {
            let r = cx.resolved_callee(node).unwrap_or_default();
            if !r.ends_with("Talisman") {
                return;
            }
            if let Some(v) = py::keyword_arg(src, node, "frame_options") {
                let off = v.k() == "none" || py::string_value(src, v).is_some_and(weak_xfo);
                let csp = py::keyword_arg(src, node, "content_security_policy")
                    .is_some_and(|c| py::node_text(src, c).contains("frame-ancestors"));
                if off && !csp {
                    cx.report(
                        &FRAME_PROTECTION_DISABLED,
                        v.byte_range(),
                        "Talisman's X-Frame-Options is turned off",
                    )
                    .help("keep frame_options=\"DENY\" or \"SAMEORIGIN\", or set frame-ancestors in content_security_policy");
                }
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
    if h.name == "x-frame-options" && weak_xfo(&h.value) {
        cx.report(
            &FRAME_PROTECTION_DISABLED,
            h.range,
            "X-Frame-Options allows framing",
        )
        .help(XFO_HELP);
    }
}
