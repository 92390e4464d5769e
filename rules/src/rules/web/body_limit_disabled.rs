use super::common;
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use std::ops::Range;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags request body size limits that are switched off or very large:
    /// - axum `DefaultBodyLimit::disable()`, `DefaultBodyLimit::max(n)` and tower-http
    ///   `RequestBodyLimitLayer::new(n)` above 100 MiB; actix-web `PayloadConfig::new(n)`,
    ///   `JsonConfig::default().limit(n)`, `FormConfig::default().limit(n)` above the thresholds;
    /// - Express/body-parser `express.json({ limit })`, `urlencoded`, `text` above 10 MB
    ///   (`"50mb"`, `Infinity`), `raw` above 100 MB; Fastify `bodyLimit`;
    /// - Flask `MAX_CONTENT_LENGTH = None` (explicitly unlimited) or above 100 MB; Django
    ///   `DATA_UPLOAD_MAX_MEMORY_SIZE = None` / `DATA_UPLOAD_MAX_NUMBER_FIELDS = None`.
    ///
    /// ## Why is this bad?
    /// Parsing an unbounded body lets one client exhaust memory and CPU with a single request
    /// (JSON parsing is super-linear for deeply nested input), taking the service down for
    /// everyone. Limits are the first line of input validation.
    ///
    /// ## Example
    /// ```rust
    /// let app = Router::new().route("/upload", post(upload)).layer(DefaultBodyLimit::disable());
    /// ```
    /// ```ts
    /// app.use(express.json({ limit: "1gb" }));
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// let app = Router::new().route("/upload", post(upload)).layer(DefaultBodyLimit::max(20 * 1024 * 1024));
    /// ```
    /// ```ts
    /// app.use(express.json({ limit: "100kb" }));
    /// ```
    ///
    /// ## How to fix
    /// Keep the framework default (axum 2 MB, body-parser 100 kB, Django 2.5 MB) for JSON and
    /// forms, and raise it only on the routes that accept uploads, to the largest file you
    /// accept. Stream large uploads to storage instead of buffering them.
    ///
    /// ## Not flagged
    /// Limits from configuration, limits up to the thresholds, and test code.
    ///
    /// ## References
    /// - CWE-770: Allocation of Resources Without Limits or Throttling; CWE-400
    /// - OWASP API Security Top 10 2023: API4 Unrestricted Resource Consumption
    pub BODY_LIMIT_DISABLED {
        id: "body-limit-disabled",
        title: "Request body size limit disabled or too large",
        severity: Medium,
        confidence: High,
        cwe: [770, 400],
        checklist: 6,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

const MB: f64 = 1024.0 * 1024.0;
const PARSED_MAX: f64 = 10.0 * MB;
const RAW_MAX: f64 = 100.0 * MB;

fn too_big(file: &mut crate::engine::FileCx<'_>, r: Range<usize>, bytes: f64, help: &str) {
    let msg = if bytes.is_infinite() {
        "the request body size limit is unlimited".to_owned()
    } else {
        format!("the request body size limit is {:.0} MB", bytes / MB)
    };
    file.report(&BODY_LIMIT_DISABLED, r, msg)
        .help(help.to_owned());
}

fn disabled(file: &mut crate::engine::FileCx<'_>, r: Range<usize>, help: &str) {
    file.report(
        &BODY_LIMIT_DISABLED,
        r,
        "the request body size limit is disabled",
    )
    .help(help.to_owned());
}

// ------------------------------------------------------------------ Rust

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let RustNode::Expr(e) = node else { return };
    const HELP: &str = "keep the default (2 MB) or set DefaultBodyLimit::max(..) to the largest upload you accept, on the upload routes only";
    match e {
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else { return };
            let segs: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let n = segs.len();
            if n < 2 {
                return;
            }
            let (ty, f) = (segs[n - 2].as_str(), segs[n - 1].as_str());
            match (ty, f) {
                ("DefaultBodyLimit", "disable") => disabled(cx.file, cx.range_of(c), HELP),
                ("DefaultBodyLimit", "max")
                | ("RequestBodyLimitLayer", "new")
                | ("PayloadConfig", "new") => {
                    let Some(v) = c.args.first().and_then(|a| common::eval_rust_num(a, 0)) else {
                        return;
                    };
                    if v > RAW_MAX {
                        let r = cx.range_of(c);
                        too_big(cx.file, r, v, HELP);
                    }
                }
                _ => {}
            }
        }
        syn::Expr::MethodCall(m) if m.method == "limit" => {
            // actix JsonConfig::default().limit(n) / FormConfig
            let recv = cx.text_of(&*m.receiver);
            if !(recv.contains("JsonConfig") || recv.contains("FormConfig")) {
                return;
            }
            let Some(v) = m.args.first().and_then(|a| common::eval_rust_num(a, 0)) else {
                return;
            };
            if v > PARSED_MAX {
                let r = cx.range_of(m);
                too_big(
                    cx.file,
                    r,
                    v,
                    "keep JSON/form limits small (the default is 32 kB JSON / 16 kB form); accept large uploads as streams",
                );
            }
        }
        _ => {}
    }
}

// ------------------------------------------------------------------ JavaScript / TypeScript

fn js_bytes(src: &str, v: Node<'_>) -> Option<f64> {
    if let Some(s) = js::string_value(src, v) {
        return common::parse_size(s);
    }
    if js::node_text(src, v) == "Infinity" {
        return Some(f64::INFINITY);
    }
    common::eval_num(src, v, 0)
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["call_expression"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || node.k() != "call_expression" {
        return;
    }
    let src = cx.src;
    let r = cx.resolved_callee(node).unwrap_or_default();
    let args = js::call_args(node);
    let (kind, max, opt) = match r.as_str() {
        "express.json"
        | "express.urlencoded"
        | "express.text"
        | "body-parser.json"
        | "body-parser.urlencoded"
        | "body-parser.text" => ("parsed", PARSED_MAX, "limit"),
        "express.raw" | "body-parser.raw" => ("raw", RAW_MAX, "limit"),
        "fastify" | "fastify.fastify" | "fastify.default" => ("fastify", PARSED_MAX, "bodyLimit"),
        "koa-bodyparser" => ("koa", PARSED_MAX, "jsonLimit"),
        _ => return,
    };
    let Some(opts) = args.first() else { return };
    let Some(v) = js::object_property(src, *opts, opt) else {
        return;
    };
    let Some(bytes) = js_bytes(src, v) else {
        return;
    };
    if bytes > max {
        let help = match kind {
            "fastify" => "keep bodyLimit at the default (1 MiB) and raise it per route for uploads",
            "raw" => "limit raw bodies to the largest upload you accept, on the upload route only",
            _ => "keep JSON/form limits small (default 100kb); accept uploads on a dedicated route with a streaming parser",
        };
        too_big(cx.file, v.byte_range(), bytes, help);
    }
}

// ------------------------------------------------------------------ Python

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On =
    crate::lang::On::Kinds(&["assignment", "keyword_argument"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || common::is_dev_settings(cx.file.path) {
        return;
    }
    let src = cx.src;
    let (name, value) = match node.k() {
        "assignment" => {
            let (Some(l), Some(r)) = (node.field("left"), node.field("right")) else {
                return;
            };
            let key = if l.k() == "subscript" {
                l.field("subscript")
                    .and_then(|s| py::string_value(src, s))
                    .unwrap_or("")
            } else {
                py::node_text(src, l)
            };
            (key.to_owned(), r)
        }
        "keyword_argument" => {
            let (Some(k), Some(v)) = (node.field("name"), node.field("value")) else {
                return;
            };
            (py::node_text(src, k).to_owned(), v)
        }
        _ => return,
    };
    let help = match name.as_str() {
        "MAX_CONTENT_LENGTH" => "set MAX_CONTENT_LENGTH to the largest request you accept, e.g. 16 * 1024 * 1024",
        "DATA_UPLOAD_MAX_MEMORY_SIZE" => "keep the default (2.5 MB) or set a bound; stream large files through FILE_UPLOAD_HANDLERS",
        "DATA_UPLOAD_MAX_NUMBER_FIELDS" => "keep the default (1000) or set a bound",
        _ => return,
    };
    if common::py_env_guarded(src, node) {
        return;
    }
    if value.k() == "none" {
        // Flask's default is None too, but setting it explicitly documents the choice.
        disabled(cx.file, value.byte_range(), help);
        return;
    }
    if name == "MAX_CONTENT_LENGTH" || name == "DATA_UPLOAD_MAX_MEMORY_SIZE" {
        if let Some(v) = common::eval_num(src, value, 0) {
            if v > RAW_MAX {
                too_big(cx.file, value.byte_range(), v, help);
            }
        }
    }
}
