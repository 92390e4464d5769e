use super::common;
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags error details sent to clients: Express/Koa handlers that put `err.stack` into a
    /// response (`res.send`, `res.json`, `res.status(..).json`, `ctx.body =`), the `errorhandler`
    /// middleware mounted without an environment check, Apollo Server with `debug: true` or
    /// `includeStacktraceInErrorResponses: true`; Python handlers that return
    /// `traceback.format_exc()` (Flask `jsonify`/`make_response`, Django `HttpResponse`/
    /// `JsonResponse`, FastAPI `JSONResponse`/`HTTPException(detail=...)`); Rust handlers that
    /// put an error's `Debug` output (`format!("{:?}", err)`, `format!("{err:?}")`) into a
    /// response body (`(StatusCode, ..)` tuples, `.body(..)`, `Html(..)`).
    ///
    /// ## Why is this bad?
    /// Stack traces and debug output reveal file paths, library versions, SQL, configuration and
    /// sometimes secrets, which helps an attacker aim the next request. Users need a short message
    /// and an id to quote to support; the details belong in the server log.
    ///
    /// ## Example
    /// ```ts
    /// app.use((err, req, res, next) => res.status(500).json({ error: err.message, stack: err.stack }));
    /// ```
    /// ```python
    /// except Exception:
    ///     return jsonify(error=traceback.format_exc()), 500
    /// ```
    /// ```rust
    /// Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:?}")).into_response(),
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// app.use((err, req, res, next) => { logger.error(err); res.status(500).json({ error: "internal error", id: req.id }); });
    /// ```
    /// ```python
    /// except Exception:
    ///     app.logger.exception("export failed")
    ///     return jsonify(error="internal error"), 500
    /// ```
    /// ```rust
    /// Err(e) => { tracing::error!(error = ?e, "export failed"); StatusCode::INTERNAL_SERVER_ERROR.into_response() }
    /// ```
    ///
    /// ## How to fix
    /// Log the error server-side (with a request id) and send a generic message. Mount
    /// `errorhandler()` only when `process.env.NODE_ENV === "development"`; leave Apollo's
    /// `includeStacktraceInErrorResponses` at its default (off in production).
    ///
    /// ## Not flagged
    /// `err.message` (often intended for the user), stack traces written to logs, code inside an
    /// `if` on `NODE_ENV`/`DEBUG`, `Display` output (`{e}`) in Rust, and test code.
    ///
    /// ## References
    /// - CWE-209: Generation of Error Message Containing Sensitive Information; CWE-497
    /// - OWASP Error Handling Cheat Sheet
    pub ERROR_DETAILS_EXPOSED {
        id: "error-details-exposed",
        title: "Error details sent to the client",
        severity: Medium,
        confidence: Medium,
        cwe: [209, 497],
        checklist: 9,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

// ------------------------------------------------------------------ JavaScript / TypeScript

const RESPONSE_METHODS: &[&str] = &["send", "json", "end", "write", "jsonp", "render"];

fn is_response_call(src: &str, call: Node<'_>) -> bool {
    let Some(f) = call.field("function") else {
        return false;
    };
    if f.k() != "member_expression" {
        return false;
    }
    let Some(name) = js::callee_name(src, call) else {
        return false;
    };
    if !RESPONSE_METHODS.contains(&name) {
        return false;
    }
    // Receiver: `res`, `response`, `reply`, or `res.status(500)`-style chains on them.
    let mut recv = f.field("object");
    for _ in 0..8 {
        let Some(r) = recv else { return false };
        match r.k() {
            "identifier" => {
                return matches!(js::node_text(src, r), "res" | "response" | "reply" | "resp")
            }
            "member_expression" => {
                return js::member_path(src, r).is_some_and(|p| {
                    p.ends_with(".res") || p.ends_with(".response") || p.ends_with(".reply")
                })
            }
            "call_expression" => {
                recv = r.field("function").and_then(|f| f.field("object"));
            }
            _ => return false,
        }
    }
    false
}

/// `x.stack` member expressions inside `n` (not descending into nested functions).
fn stack_accesses<'t>(src: &str, n: Node<'t>) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut stack = vec![n];
    let mut budget = 5000;
    while let Some(cur) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            break;
        }
        if cur.k() == "member_expression"
            && cur
                .field("property")
                .is_some_and(|p| js::node_text(src, p) == "stack")
        {
            out.push(cur);
            continue;
        }
        if matches!(
            cur.k(),
            "arrow_function" | "function_expression" | "function_declaration"
        ) {
            continue;
        }
        let mut c = cur.walk();
        stack.extend(cur.named_children(&mut c));
    }
    out
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On =
    crate::lang::On::Kinds(&["call_expression", "assignment_expression", "pair"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    match node.k() {
        "call_expression" => {
            if is_response_call(src, node) {
                let Some(args) = node.field("arguments") else {
                    return;
                };
                for s in stack_accesses(src, args) {
                    if common::js_env_guarded(src, s) {
                        continue;
                    }
                    cx.report(
                        &ERROR_DETAILS_EXPOSED,
                        s.byte_range(),
                        "a stack trace is sent to the client",
                    )
                    .help("log the error (logger.error(err)) and send a generic message such as { error: \"internal error\" }");
                }
                return;
            }
            // app.use(errorhandler())
            if js::callee_name(src, node) != Some("use") {
                return;
            }
            for a in js::call_args(node) {
                if a.k() != "call_expression" {
                    continue;
                }
                let fname = a
                    .field("function")
                    .map(|f| js::node_text(src, f))
                    .unwrap_or("");
                let is_eh = cx
                    .import_of(fname)
                    .is_some_and(|i| i.module == "errorhandler" && i.member.is_none());
                if is_eh && !common::js_env_guarded(src, node) {
                    cx.report(
                        &ERROR_DETAILS_EXPOSED,
                        a.byte_range(),
                        "errorhandler() sends stack traces to clients and is mounted unconditionally",
                    )
                    .help("mount it only in development: if (process.env.NODE_ENV === \"development\") app.use(errorhandler())");
                }
            }
        }
        "assignment_expression" => {
            let (Some(l), Some(r)) = (node.field("left"), node.field("right")) else {
                return;
            };
            let lp = js::member_path(src, l).unwrap_or_default();
            if !(lp == "ctx.body" || lp == "ctx.response.body" || lp == "this.body") {
                return;
            }
            for s in stack_accesses(src, r) {
                if common::js_env_guarded(src, s) {
                    continue;
                }
                cx.report(
                    &ERROR_DETAILS_EXPOSED,
                    s.byte_range(),
                    "a stack trace is sent to the client",
                )
                .help("log the error and set ctx.body to a generic message");
            }
        }
        "pair" => {
            let (Some(k), Some(v)) = (node.field("key"), node.field("value")) else {
                return;
            };
            let key = js::node_text(src, k).trim_matches(['"', '\'']);
            if !matches!(key, "includeStacktraceInErrorResponses" | "debug") || v.k() != "true" {
                return;
            }
            // Only in an Apollo Server constructor's options.
            let Some(obj) = node.up() else { return };
            let Some(args) = obj.up() else { return };
            let Some(ctor) = args.up() else { return };
            if ctor.k() != "new_expression" {
                return;
            }
            let cname = ctor
                .field("constructor")
                .map(|c| js::node_text(src, c))
                .unwrap_or("");
            if cname != "ApolloServer" || common::js_env_guarded(src, node) {
                return;
            }
            cx.report(
                &ERROR_DETAILS_EXPOSED,
                node.byte_range(),
                "GraphQL errors include stack traces",
            )
            .help("remove the option (Apollo enables stack traces only when NODE_ENV is not production)");
        }
        _ => {}
    }
}

// ------------------------------------------------------------------ Python

const PY_RESPONSES: &[&str] = &[
    "jsonify",
    "make_response",
    "Response",
    "HttpResponse",
    "JsonResponse",
    "HttpResponseServerError",
    "JSONResponse",
    "PlainTextResponse",
    "HTMLResponse",
    "HTTPException",
    "abort",
];

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["call"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || node.k() != "call" {
        return;
    }
    let src = cx.src;
    let r = cx.resolved_callee(node).unwrap_or_default();
    if !matches!(
        r.as_str(),
        "traceback.format_exc" | "traceback.format_exception" | "traceback.format_tb"
    ) {
        return;
    }
    // Walk up: inside a response constructor's arguments or directly returned.
    let mut cur = node;
    let mut sent = false;
    for _ in 0..12 {
        let Some(p) = cur.up() else { break };
        match p.k() {
            "return_statement" => {
                // A bare `return traceback.format_exc()` is a response only from a view's
                // exception handler (a helper returning the text is not).
                sent = in_except(p) && in_view(src, p);
                break;
            }
            "call" => {
                if py::callee_name(src, p).is_some_and(|n| PY_RESPONSES.contains(&n)) {
                    sent = true;
                    break;
                }
            }
            "expression_statement" | "block" | "function_definition" => break,
            "assignment" => break,
            _ => {}
        }
        cur = p;
    }
    if !sent || common::py_env_guarded(src, node) {
        return;
    }
    // A helper that returns the formatted traceback as a string (e.g. for logging) is not a
    // response: require a web framework in the file.
    if !(cx.imports_module("flask")
        || cx.imports_module("django")
        || cx.imports_module("fastapi")
        || cx.imports_module("starlette")
        || cx.imports_module("quart"))
    {
        return;
    }
    cx.report(
        &ERROR_DETAILS_EXPOSED,
        node.byte_range(),
        "a stack trace is sent to the client",
    )
    .help("log it with logger.exception(...) and return a generic error message");
}

fn in_except(n: Node<'_>) -> bool {
    let mut cur = n.up();
    while let Some(p) = cur {
        match p.k() {
            "except_clause" => return true,
            "function_definition" => return false,
            _ => {}
        }
        cur = p.up();
    }
    false
}

/// A function that looks like a view: decorated (route decorators), or taking `request`.
fn in_view(src: &str, n: Node<'_>) -> bool {
    let Some(f) = py::enclosing_function(n).filter(|f| f.k() == "function_definition") else {
        return false;
    };
    if !py::decorators(f).is_empty() {
        return true;
    }
    f.field("parameters")
        .is_some_and(|p| py::node_text(src, p).contains("request"))
}

// ------------------------------------------------------------------ Rust

/// Whether a `format!` macro formats an argument with `{:?}` / `{name:?}`.
fn debug_format(cx: &RustCx<'_, '_, '_>, e: &syn::Expr) -> Option<std::ops::Range<usize>> {
    let syn::Expr::Macro(m) = e else { return None };
    let name = crate::lang::rust::macro_name(&m.mac);
    if name != "format" {
        return None;
    }
    // The walk is pre-order: the macro body is not parsed yet when its parent is visited.
    let parsed = m
        .mac
        .parse_body_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .ok()?;
    let args: Vec<syn::Expr> = parsed.into_iter().collect();
    let fmt = crate::lang::rust::lit_str(args.first()?)?;
    let mut positional = 0usize;
    let mut rest = fmt.as_str();
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        if rest.starts_with('{') {
            rest = &rest[1..];
            continue;
        }
        let Some(end) = rest.find('}') else { break };
        let spec = &rest[..end];
        rest = &rest[end + 1..];
        let (arg, fmtspec) = spec.split_once(':').unwrap_or((spec, ""));
        if fmtspec.contains('?') {
            let arg_name = if arg.is_empty() {
                let n = args.get(1 + positional).map(|a| cx.text_of(a).to_owned());
                n.unwrap_or_default()
            } else {
                arg.to_owned()
            };
            let w = common::words(&arg_name);
            if w.iter()
                .any(|x| matches!(x.as_str(), "e" | "err" | "error" | "ex" | "why" | "cause"))
            {
                return Some(cx.range_of(e));
            }
        }
        if arg.is_empty() {
            positional += 1;
        }
    }
    None
}

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let RustNode::Expr(e) = node else { return };
    let candidates: Vec<&syn::Expr> = match e {
        syn::Expr::Tuple(t) => {
            let has_status = t.elems.iter().any(|x| cx.text_of(x).contains("StatusCode"));
            if !has_status {
                return;
            }
            t.elems.iter().collect()
        }
        syn::Expr::MethodCall(m) if m.method == "body" => m.args.iter().collect(),
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else { return };
            let last = p
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            if !matches!(last.as_str(), "Html") {
                return;
            }
            c.args.iter().collect()
        }
        _ => return,
    };
    let hits: Vec<_> = candidates
        .into_iter()
        .filter_map(|a| debug_format(cx, a))
        .collect();
    for r in hits {
        cx.report(
            &ERROR_DETAILS_EXPOSED,
            r,
            "the error's debug output is sent to the client",
        )
        .help("log the error (tracing::error!(error = ?e)) and return a generic message or status code");
    }
}
