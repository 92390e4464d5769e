//! "What reaches this HTML sink?" for the three languages: a constant (or escaped) value, a string
//! built from non-constant parts, a request/URL value, or something we cannot see into. Shared by
//! the XSS rules. Local variables are followed within the enclosing function; known escapers and
//! sanitizers (DOMPurify, `escape()`, `bleach.clean`, `ammonia::clean`, `html_escape::encode_*`)
//! make a value safe; number-like values are safe.

use crate::lang::js;
use crate::lang::python as py;
use crate::lang::rust::RustCx;
use crate::lang::strings::{is_constant_name, template_has_capture};
use crate::lang::NodeExt;
use std::ops::Range;
use tree_sitter::Node;

/// What flows into a sink.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Html {
    /// Literals, constants, escaped or sanitized values, numbers.
    Safe(String),
    /// Built from non-constant parts: the literal text (to judge whether it is markup) and where.
    Dynamic { text: String, at: Range<usize> },
    /// A value read from the request or the URL (`req.query.x`, `location.hash`, `request.args`).
    Source { what: String, at: Range<usize> },
    /// Something we cannot see into (a parameter, a call result).
    Unknown,
}

impl Html {
    pub fn text(&self) -> &str {
        match self {
            Html::Safe(t) | Html::Dynamic { text: t, .. } => t,
            _ => "",
        }
    }
    /// Whether literal text looks like markup (`<b`, `</`, `<!`).
    pub fn looks_like_html(&self) -> bool {
        looks_like_html(self.text())
    }
    pub fn is_reportable(&self) -> bool {
        matches!(self, Html::Dynamic { .. } | Html::Source { .. })
    }
}

pub fn looks_like_html(t: &str) -> bool {
    let b = t.as_bytes();
    b.windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'))
}

/// Combines parts of a concatenation/template: a source wins, then dynamic, else safe.
fn combine(parts: Vec<Html>, at: Range<usize>, unknown_is_dynamic: bool) -> Html {
    let mut text = String::new();
    let mut dynamic = false;
    for p in &parts {
        if let Html::Source { .. } = p {
            return p.clone();
        }
    }
    for p in parts {
        match p {
            Html::Safe(t) => text.push_str(&t),
            Html::Dynamic { text: t, .. } => {
                text.push_str(&t);
                dynamic = true;
            }
            Html::Unknown => {
                if unknown_is_dynamic {
                    dynamic = true
                }
            }
            Html::Source { .. } => {}
        }
    }
    if dynamic {
        Html::Dynamic { text, at }
    } else {
        Html::Safe(text)
    }
}

const MAX_DEPTH: usize = 32;

/// Does a function or method name escape or sanitize HTML?
pub fn is_sanitizer_name(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    (l.contains("sanitiz")
        || l.contains("escape")
        || l.contains("purify")
        || l.contains("encode")
        || l == "clean"
        || l == "xss"
        || l == "filterxss"
        || l.ends_with("_clean")
        || l == "striptags"
        || l == "strip_tags"
        || l == "bleach")
        && !l.contains("unescape")
        && !l.contains("decode")
        && !l.contains("base64")
}

// ---------------------------------------------------------------- JavaScript / TypeScript

/// Member paths that read the URL, the referrer, postMessage data or the request.
fn js_source(path: &str) -> bool {
    let p = path.strip_prefix("window.").unwrap_or(path);
    let p = p.strip_prefix("document.").unwrap_or(p);
    p.starts_with("location.hash")
        || p.starts_with("location.search")
        || p.starts_with("location.href")
        || p.starts_with("location.pathname")
        || p == "URL"
        || p == "documentURI"
        || p == "referrer"
        || p == "name" && path.starts_with("window.")
        || [
            "req.query",
            "req.body",
            "req.params",
            "req.cookies",
            "request.query",
            "request.body",
            "request.params",
            "ctx.query",
            "ctx.params",
            "ctx.request.body",
            "ctx.request.query",
        ]
        .iter()
        .any(|s| {
            path == *s || path.starts_with(&format!("{s}.")) || path.starts_with(&format!("{s}["))
        })
}

/// Classifies a JS/TS expression flowing into an HTML sink.
pub fn js(src: &str, n: Node<'_>) -> Html {
    js_depth(src, n, 0)
}

fn js_number_like(src: &str, n: Node<'_>) -> bool {
    match n.k() {
        "number" | "true" | "false" | "null" | "undefined" => true,
        "member_expression" => n.field("property").is_some_and(|p| {
            matches!(
                js::node_text(src, p),
                "length" | "size" | "count" | "id" | "index"
            )
        }),
        "binary_expression" => {
            let op = n
                .field("operator")
                .map(|o| js::node_text(src, o))
                .unwrap_or("");
            matches!(
                op,
                "-" | "*"
                    | "/"
                    | "%"
                    | "**"
                    | "<"
                    | ">"
                    | "<="
                    | ">="
                    | "==="
                    | "!=="
                    | "=="
                    | "!="
            ) || (op == "+"
                && [n.field("left"), n.field("right")]
                    .iter()
                    .flatten()
                    .any(|x| x.k() == "number"))
        }
        "unary_expression" | "update_expression" => true,
        "call_expression" => {
            let Some(f) = n.field("function") else {
                return false;
            };
            let name = js::callee_name(src, n).unwrap_or("");
            let path = js::member_path(src, f).unwrap_or_default();
            matches!(
                name,
                "toFixed"
                    | "toPrecision"
                    | "parseInt"
                    | "parseFloat"
                    | "Number"
                    | "Boolean"
                    | "toLocaleString"
                    | "toLocaleDateString"
                    | "toLocaleTimeString"
                    | "toISOString"
                    | "getTime"
                    | "indexOf"
            ) || path.starts_with("Math.")
        }
        _ => false,
    }
}

fn js_depth(src: &str, n: Node<'_>, depth: usize) -> Html {
    if depth > MAX_DEPTH {
        return Html::Unknown;
    }
    if js_number_like(src, n) {
        return Html::Safe(String::new());
    }
    match n.k() {
        "string" => Html::Safe(js::string_value(src, n).unwrap_or("").to_owned()),
        "template_string" => {
            let mut parts = Vec::new();
            let mut c = n.walk();
            let mut saw_fragment = false;
            for ch in n.named_children(&mut c) {
                match ch.k() {
                    "string_fragment" => {
                        saw_fragment = true;
                        parts.push(Html::Safe(js::node_text(src, ch).to_owned()))
                    }
                    "template_substitution" => {
                        if let Some(i) = ch.named_child(0) {
                            parts.push(js_depth(src, i, depth + 1));
                        }
                    }
                    _ => {}
                }
            }
            if !saw_fragment && !js::has_substitution(n) {
                return Html::Safe(js::string_value(src, n).unwrap_or("").to_owned());
            }
            combine(parts, n.byte_range(), true)
        }
        "binary_expression" => {
            let op = n
                .field("operator")
                .map(|o| js::node_text(src, o))
                .unwrap_or("");
            let (Some(l), Some(r)) = (n.field("left"), n.field("right")) else {
                return Html::Unknown;
            };
            match op {
                "+" => {
                    let (a, b) = (js_depth(src, l, depth + 1), js_depth(src, r, depth + 1));
                    if a == Html::Unknown && b == Html::Unknown {
                        return Html::Unknown;
                    }
                    combine(vec![a, b], n.byte_range(), true)
                }
                "||" | "??" | "&&" => {
                    let (a, b) = (js_depth(src, l, depth + 1), js_depth(src, r, depth + 1));
                    pick(a, b)
                }
                _ => Html::Unknown,
            }
        }
        "ternary_expression" => {
            let (Some(a), Some(b)) = (n.field("consequence"), n.field("alternative")) else {
                return Html::Unknown;
            };
            pick(js_depth(src, a, depth + 1), js_depth(src, b, depth + 1))
        }
        "parenthesized_expression"
        | "as_expression"
        | "satisfies_expression"
        | "non_null_expression"
        | "await_expression"
        | "type_assertion" => match n.named_child(0) {
            Some(i) => js_depth(src, i, depth + 1),
            None => Html::Unknown,
        },
        "identifier" => {
            let name = js::node_text(src, n);
            if is_constant_name(name) {
                return Html::Safe(String::new());
            }
            let mut assigns = js::local_assignments(src, n, name);
            // `s = `${s}...``: inside its own reassignment a name means its earlier value.
            assigns.retain(|(v, _)| {
                !(v.start_byte() <= n.start_byte() && n.end_byte() <= v.end_byte())
            });
            if assigns.is_empty() {
                return Html::Unknown;
            }
            let mut acc: Option<Html> = None;
            for (v, appended) in assigns {
                let b = js_depth(src, v, depth + 1);
                acc = Some(match (acc, appended) {
                    (Some(prev), true) => combine(vec![prev, b], v.byte_range(), true),
                    _ => b,
                });
            }
            acc.unwrap_or(Html::Unknown)
        }
        "member_expression" | "subscript_expression" => {
            let path = js::member_path(src, n).unwrap_or_else(|| js::node_text(src, n).to_owned());
            if js_source(&path) {
                return Html::Source {
                    what: path,
                    at: n.byte_range(),
                };
            }
            // `ICONS[name]`, `MESSAGES.saved`: looked up in a constant table.
            let mut root = n;
            for _ in 0..16 {
                match root.field("object") {
                    Some(o) => root = o,
                    None => break,
                }
            }
            if root.k() == "identifier" && is_constant_name(js::node_text(src, root)) {
                return Html::Safe(String::new());
            }
            Html::Unknown
        }
        "call_expression" => js_call(src, n, depth),
        _ => Html::Unknown,
    }
}

/// Of two alternatives, the more dangerous.
fn pick(a: Html, b: Html) -> Html {
    match (&a, &b) {
        (Html::Source { .. }, _) => a,
        (_, Html::Source { .. }) => b,
        (Html::Dynamic { .. }, _) => a,
        (_, Html::Dynamic { .. }) => b,
        (Html::Unknown, _) | (_, Html::Unknown) => Html::Unknown,
        (Html::Safe(x), Html::Safe(y)) => Html::Safe(format!("{x}{y}")),
    }
}

fn js_call(src: &str, n: Node<'_>, depth: usize) -> Html {
    let Some(f) = n.field("function") else {
        return Html::Unknown;
    };
    let name = js::callee_name(src, n).unwrap_or("");
    if is_sanitizer_name(name) {
        return Html::Safe(String::new());
    }
    // Translation lookups of a literal key (`t("nav.home")`, `i18n.__("Saved")`): constant text.
    if matches!(
        name,
        "t" | "$t" | "__" | "translate" | "formatMessage" | "gettext" | "_"
    ) && js::call_args(n)
        .first()
        .is_some_and(|a| js::string_value(src, *a).is_some() || a.k() == "object")
    {
        return Html::Safe(String::new());
    }
    let path = js::member_path(src, f).unwrap_or_default();
    if path.starts_with("DOMPurify.") || path == "he.encode" || path == "validator.escape" {
        return Html::Safe(String::new());
    }
    // new URLSearchParams(location.search).get("q"), url.searchParams.get("q")
    if name == "get" {
        let obj = f
            .field("object")
            .map(|o| js::node_text(src, o))
            .unwrap_or("");
        if obj.contains("URLSearchParams") || obj.ends_with("searchParams") {
            return Html::Source {
                what: "URL search parameter".into(),
                at: n.byte_range(),
            };
        }
    }
    if f.k() != "member_expression" {
        return Html::Unknown;
    }
    let obj = f.field("object");
    match name {
        "trim" | "toString" | "toUpperCase" | "toLowerCase" | "trimStart" | "trimEnd" | "slice"
        | "substring" | "substr" => obj
            .map(|o| js_depth(src, o, depth + 1))
            .unwrap_or(Html::Unknown),
        "concat" => {
            let mut parts = vec![obj
                .map(|o| js_depth(src, o, depth + 1))
                .unwrap_or(Html::Unknown)];
            for a in js::call_args(n) {
                parts.push(js_depth(src, a, depth + 1));
            }
            combine(parts, n.byte_range(), false)
        }
        "join" => {
            let Some(o) = obj else { return Html::Unknown };
            match o.k() {
                "array" => {
                    let mut c = o.walk();
                    let parts = o
                        .named_children(&mut c)
                        .map(|e| js_depth(src, e, depth + 1))
                        .collect();
                    combine(parts, n.byte_range(), true)
                }
                // items.map(i => `<li>${i.name}</li>`).join("")
                "call_expression" if js::callee_name(src, o) == Some("map") => {
                    let Some(cb) = js::call_args(o).into_iter().next() else {
                        return Html::Unknown;
                    };
                    match js_callback_result(src, cb, depth) {
                        Html::Dynamic { text, .. } => Html::Dynamic {
                            text,
                            at: n.byte_range(),
                        },
                        other => other,
                    }
                }
                _ => Html::Unknown,
            }
        }
        _ => Html::Unknown,
    }
}

/// What an arrow/function callback returns (expression body or single `return`).
fn js_callback_result(src: &str, cb: Node<'_>, depth: usize) -> Html {
    if !matches!(
        cb.k(),
        "arrow_function" | "function_expression" | "function"
    ) {
        return Html::Unknown;
    }
    let Some(body) = cb.field("body") else {
        return Html::Unknown;
    };
    if body.k() != "statement_block" {
        return js_depth(src, body, depth + 1);
    }
    let mut c = body.walk();
    let ret = body
        .named_children(&mut c)
        .find(|s| s.k() == "return_statement");
    match ret.and_then(|r| r.named_child(0)) {
        Some(e) => js_depth(src, e, depth + 1),
        None => Html::Unknown,
    }
}

// ---------------------------------------------------------------- Python

fn py_source(path: &str) -> bool {
    let roots = [
        "request.args",
        "request.form",
        "request.values",
        "request.cookies",
        "request.json",
        "request.data",
        "request.GET",
        "request.POST",
        "request.query_params",
        "request.path_params",
        "request.headers",
        "self.request.GET",
        "self.request.POST",
        "request.get_json",
        "request.query",
        "request.match_info",
    ];
    roots
        .iter()
        .any(|r| path == *r || path.starts_with(&format!("{r}.")))
}

/// Classifies a Python expression flowing into an HTML sink.
pub fn python(src: &str, n: Node<'_>) -> Html {
    py_depth(src, n, 0)
}

fn py_number_like(src: &str, n: Node<'_>) -> bool {
    match n.k() {
        "integer"
        | "float"
        | "true"
        | "false"
        | "none"
        | "comparison_operator"
        | "boolean_operator" => true,
        "call" => {
            let name = py::callee_name(src, n).unwrap_or("");
            matches!(
                name,
                "len"
                    | "int"
                    | "float"
                    | "round"
                    | "sum"
                    | "abs"
                    | "bool"
                    | "count"
                    | "isoformat"
                    | "strftime"
            )
        }
        "binary_operator" => {
            let op = n
                .field("operator")
                .map(|o| py::node_text(src, o))
                .unwrap_or("");
            matches!(op, "-" | "*" | "/" | "//" | "**")
                || (op == "+"
                    && [n.field("left"), n.field("right")]
                        .iter()
                        .flatten()
                        .any(|x| matches!(x.k(), "integer" | "float")))
        }
        _ => false,
    }
}

fn py_depth(src: &str, n: Node<'_>, depth: usize) -> Html {
    if depth > MAX_DEPTH {
        return Html::Unknown;
    }
    if py_number_like(src, n) {
        return Html::Safe(String::new());
    }
    match n.k() {
        "string" => {
            if !py::has_interpolation(n) {
                return Html::Safe(py::string_value(src, n).unwrap_or("").to_owned());
            }
            let mut parts = Vec::new();
            let mut c = n.walk();
            for ch in n.named_children(&mut c) {
                match ch.k() {
                    "string_content" => parts.push(Html::Safe(py::node_text(src, ch).to_owned())),
                    "interpolation" => {
                        if let Some(e) = ch.named_child(0) {
                            parts.push(py_depth(src, e, depth + 1));
                        }
                    }
                    _ => {}
                }
            }
            combine(parts, n.byte_range(), true)
        }
        "concatenated_string" => {
            let mut c = n.walk();
            let parts = n
                .named_children(&mut c)
                .map(|x| py_depth(src, x, depth + 1))
                .collect();
            combine(parts, n.byte_range(), true)
        }
        "binary_operator" => {
            let op = n
                .field("operator")
                .map(|o| py::node_text(src, o))
                .unwrap_or("");
            let (Some(l), Some(r)) = (n.field("left"), n.field("right")) else {
                return Html::Unknown;
            };
            match op {
                "+" => {
                    let (a, b) = (py_depth(src, l, depth + 1), py_depth(src, r, depth + 1));
                    if a == Html::Unknown && b == Html::Unknown {
                        return Html::Unknown;
                    }
                    combine(vec![a, b], n.byte_range(), true)
                }
                "%" => {
                    let a = py_depth(src, l, depth + 1);
                    let Html::Safe(t) = a else {
                        return Html::Unknown;
                    };
                    let items: Vec<Node> = if matches!(r.k(), "tuple" | "list") {
                        let mut c = r.walk();
                        r.named_children(&mut c).collect()
                    } else if r.k() == "dictionary" {
                        let mut c = r.walk();
                        r.named_children(&mut c)
                            .filter_map(|p| p.field("value"))
                            .collect()
                    } else {
                        vec![r]
                    };
                    let mut parts = vec![Html::Safe(t)];
                    parts.extend(items.into_iter().map(|x| py_depth(src, x, depth + 1)));
                    combine(parts, n.byte_range(), true)
                }
                _ => Html::Unknown,
            }
        }
        "parenthesized_expression" => match n.named_child(0) {
            Some(i) => py_depth(src, i, depth + 1),
            None => Html::Unknown,
        },
        "conditional_expression" => {
            let mut c = n.walk();
            let ch: Vec<Node> = n.named_children(&mut c).collect();
            match ch.as_slice() {
                [a, _, b] => pick(py_depth(src, *a, depth + 1), py_depth(src, *b, depth + 1)),
                _ => Html::Unknown,
            }
        }
        "identifier" => {
            let name = py::node_text(src, n);
            if is_constant_name(name) {
                return Html::Safe(String::new());
            }
            let mut assigns = py::local_assignments(src, n, name);
            // `s = `${s}...``: inside its own reassignment a name means its earlier value.
            assigns.retain(|(v, _)| {
                !(v.start_byte() <= n.start_byte() && n.end_byte() <= v.end_byte())
            });
            if assigns.is_empty() {
                return Html::Unknown;
            }
            let mut acc: Option<Html> = None;
            for (v, appended) in assigns {
                let b = py_depth(src, v, depth + 1);
                acc = Some(match (acc, appended) {
                    (Some(prev), true) => combine(vec![prev, b], v.byte_range(), true),
                    _ => b,
                });
            }
            acc.unwrap_or(Html::Unknown)
        }
        "attribute" | "subscript" => {
            let base = if n.k() == "subscript" {
                n.field("value")
            } else {
                Some(n)
            };
            let path = base.and_then(|b| py::dotted(src, b)).unwrap_or_default();
            if py_source(&path) {
                return Html::Source {
                    what: path,
                    at: n.byte_range(),
                };
            }
            // `ICONS[name]`, `settings.SITE_NAME`: constants.
            if path.split('.').next().is_some_and(is_constant_name)
                || path.rsplit('.').next().is_some_and(is_constant_name)
            {
                return Html::Safe(String::new());
            }
            Html::Unknown
        }
        "call" => py_call(src, n, depth),
        _ => Html::Unknown,
    }
}

/// Translation lookups of a literal message (`_("Saved")`, `gettext_lazy("...")`): constant text.
fn py_translation(n: Node<'_>, name: &str) -> bool {
    matches!(
        name,
        "_" | "_l"
            | "gettext"
            | "gettext_lazy"
            | "ugettext"
            | "ugettext_lazy"
            | "pgettext"
            | "pgettext_lazy"
            | "ngettext"
            | "ngettext_lazy"
            | "lazy_gettext"
            | "npgettext"
    ) && py::positional_args(n)
        .iter()
        .any(|a| a.k() == "string" && !py::has_interpolation(*a))
}

fn py_call(src: &str, n: Node<'_>, depth: usize) -> Html {
    let name = py::callee_name(src, n).unwrap_or("");
    // Escapers, sanitizers, and APIs that escape their arguments or render escaped templates.
    if is_sanitizer_name(name)
        || matches!(
            name,
            "format_html"
                | "format_html_join"
                | "html_params"
                | "render_to_string"
                | "render_template"
                | "json_script"
                | "url_for"
                | "reverse"
                | "static"
                // The `__html__` protocol returns markup that is already safe; Django's
                // `flatatt` escapes attribute values.
                | "__html__"
                | "flatatt"
        )
        // `self.render_html(..)`, `render_js_init(..)`: the application's rendering layer
        // (templates that autoescape), not raw data.
        || (name.starts_with("render") && !name.contains("unsafe") && !name.contains("raw"))
        || py_translation(n, name)
    {
        return Html::Safe(String::new());
    }
    let Some(f) = n.field("function") else {
        return Html::Unknown;
    };
    let path = py::dotted(src, f).unwrap_or_default();
    if path.starts_with("bleach.") || path.starts_with("nh3.") {
        return Html::Safe(String::new());
    }
    // request.args.get("q"), request.GET.get("q")
    if matches!(name, "get" | "getlist" | "get_json") {
        if let Some(obj) = f.field("object") {
            let p = py::dotted(src, obj).unwrap_or_default();
            if py_source(&p) || py_source(&path) {
                return Html::Source {
                    what: path,
                    at: n.byte_range(),
                };
            }
        }
    }
    if f.k() != "attribute" {
        return Html::Unknown;
    }
    let Some(obj) = f.field("object") else {
        return Html::Unknown;
    };
    match name {
        "format" | "format_map" => {
            let base = py_depth(src, obj, depth + 1);
            let Html::Safe(t) = base else {
                return Html::Unknown;
            };
            let mut parts = vec![Html::Safe(t)];
            if let Some(args) = n.field("arguments") {
                let mut c = args.walk();
                for a in args.named_children(&mut c) {
                    let v = if a.k() == "keyword_argument" {
                        a.field("value")
                    } else {
                        Some(a)
                    };
                    if let Some(v) = v {
                        parts.push(py_depth(src, v, depth + 1));
                    }
                }
            }
            combine(parts, n.byte_range(), true)
        }
        "join" => {
            let Html::Safe(sep) = py_depth(src, obj, depth + 1) else {
                return Html::Unknown;
            };
            let Some(arg) = py::positional_args(n).into_iter().next() else {
                return Html::Unknown;
            };
            let parts = match arg.k() {
                "list" | "tuple" => {
                    let mut c = arg.walk();
                    arg.named_children(&mut c)
                        .map(|x| py_depth(src, x, depth + 1))
                        .collect()
                }
                "generator_expression" | "list_comprehension" => match arg.field("body") {
                    Some(b) => vec![py_depth(src, b, depth + 1)],
                    None => return Html::Unknown,
                },
                _ => return Html::Unknown,
            };
            let mut all = vec![Html::Safe(sep)];
            all.extend(parts);
            combine(all, n.byte_range(), false)
        }
        "strip" | "lower" | "upper" | "title" => py_depth(src, obj, depth + 1),
        _ => Html::Unknown,
    }
}

// ---------------------------------------------------------------- Rust

/// Classifies a Rust expression flowing into an HTML sink.
pub fn rust(cx: &RustCx<'_, '_, '_>, e: &syn::Expr) -> Html {
    rs_depth(cx, e, 0)
}

fn rs_sanitizer_path(path: &str) -> bool {
    let last = path.rsplit("::").next().unwrap_or(path);
    is_sanitizer_name(last)
        || path.starts_with("ammonia::")
        || path.starts_with("html_escape::")
        || path.starts_with("htmlescape::")
        || path.starts_with("v_htmlescape::")
}

fn rs_depth(cx: &RustCx<'_, '_, '_>, e: &syn::Expr, depth: usize) -> Html {
    use syn::Expr;
    if depth > MAX_DEPTH {
        return Html::Unknown;
    }
    match e {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Str(s) => Html::Safe(s.value()),
            _ => Html::Safe(String::new()),
        },
        Expr::Paren(p) => rs_depth(cx, &p.expr, depth + 1),
        Expr::Group(g) => rs_depth(cx, &g.expr, depth + 1),
        Expr::Reference(r) => rs_depth(cx, &r.expr, depth + 1),
        Expr::Binary(b) if matches!(b.op, syn::BinOp::Add(_)) => {
            let (l, r) = (
                rs_depth(cx, &b.left, depth + 1),
                rs_depth(cx, &b.right, depth + 1),
            );
            if l == Html::Unknown && r == Html::Unknown {
                return Html::Unknown;
            }
            combine(vec![l, r], cx.range_of(e), true)
        }
        Expr::Binary(_) | Expr::Unary(_) => Html::Safe(String::new()),
        Expr::Macro(m) => rs_macro(cx, &m.mac, cx.range_of(e), depth),
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            if is_sanitizer_name(&name) {
                return Html::Safe(String::new());
            }
            match name.as_str() {
                "to_string" | "to_owned" | "as_str" | "into" | "clone" | "trim" | "as_ref"
                | "to_uppercase" | "to_lowercase" => rs_depth(cx, &m.receiver, depth + 1),
                // Template engines escape: askama/sailfish `render()`, maud `into_string()`.
                "render" | "render_once" | "into_string" | "len" | "count" => {
                    Html::Safe(String::new())
                }
                _ => Html::Unknown,
            }
        }
        Expr::Call(c) => {
            if let Expr::Path(p) = &*c.func {
                let path = cx.resolve_path(&p.path);
                if rs_sanitizer_path(&path) {
                    return Html::Safe(String::new());
                }
                if (path.ends_with("String::from") || path.ends_with("Cow::from"))
                    && c.args.len() == 1
                {
                    return rs_depth(cx, &c.args[0], depth + 1);
                }
            }
            Html::Unknown
        }
        Expr::Path(p) if p.qself.is_none() => {
            let last = p
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            if is_constant_name(&last) {
                return Html::Safe(String::new());
            }
            let Some(ident) = p.path.get_ident() else {
                return Html::Unknown;
            };
            let vals = cx.local_values(&ident.to_string(), cx.range_of(e).start);
            if vals.is_empty() {
                return Html::Unknown;
            }
            let mut acc: Option<Html> = None;
            for (v, appended) in vals {
                let b = rs_depth(cx, v, depth + 1);
                acc = Some(match (acc, appended) {
                    (Some(prev), true) => combine(vec![prev, b], cx.range_of(v), true),
                    _ => b,
                });
            }
            acc.unwrap_or(Html::Unknown)
        }
        _ => Html::Unknown,
    }
}

fn rs_macro(cx: &RustCx<'_, '_, '_>, mac: &syn::Macro, at: Range<usize>, depth: usize) -> Html {
    let name = crate::lang::rust::macro_name(mac);
    if !matches!(name.as_str(), "format" | "concat") {
        return Html::Unknown;
    }
    let owned;
    let args: &[syn::Expr] = match cx.macro_args(mac) {
        Some(a) => a,
        None => {
            use syn::punctuated::Punctuated;
            match mac.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated) {
                Ok(p) => {
                    owned = p.into_iter().collect::<Vec<_>>();
                    &owned
                }
                Err(_) => return Html::Unknown,
            }
        }
    };
    let Some(first) = args.first() else {
        return Html::Safe(String::new());
    };
    if name == "concat" {
        return Html::Safe(String::new());
    }
    let Some(template) = crate::lang::rust::lit_str(first) else {
        return Html::Unknown;
    };
    let mut parts = vec![Html::Safe(template.clone())];
    if template_has_capture(&template) {
        parts.push(Html::Dynamic {
            text: String::new(),
            at: at.clone(),
        });
    }
    for a in &args[1..] {
        // `name = value` named arguments
        let v = match a {
            syn::Expr::Assign(asg) => &*asg.right,
            other => other,
        };
        parts.push(rs_depth(cx, v, depth + 1));
    }
    combine(parts, at, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_and_sanitizers() {
        assert!(looks_like_html("<b>"));
        assert!(looks_like_html("x</div>"));
        assert!(!looks_like_html("a < b"));
        assert!(is_sanitizer_name("escapeHtml"));
        assert!(is_sanitizer_name("sanitize"));
        assert!(is_sanitizer_name("encode_text"));
        assert!(!is_sanitizer_name("unescape"));
        assert!(!is_sanitizer_name("render"));
    }
}

/// How a finding reads for what reached the sink: the message tail, severity, confidence and
/// where the value was built (for a related note).
pub struct Verdict {
    pub what: String,
    pub severity: crate::meta::Severity,
    pub confidence: crate::meta::Confidence,
    pub built_at: Option<Range<usize>>,
}

/// For a reportable value: `Dynamic` is medium/medium, `Source` high/high.
pub fn verdict(h: &Html) -> Option<Verdict> {
    use crate::meta::{Confidence, Severity};
    match h {
        Html::Dynamic { at, .. } => Some(Verdict {
            what: "HTML built from non-constant values".into(),
            severity: Severity::Medium,
            confidence: Confidence::Medium,
            built_at: Some(at.clone()),
        }),
        Html::Source { what, at } => Some(Verdict {
            what: format!("a request/URL value (`{what}`)"),
            severity: Severity::High,
            confidence: Confidence::High,
            built_at: Some(at.clone()),
        }),
        _ => None,
    }
}

/// Reports `v` at `range` with an optional related note where the value was built (when it is
/// elsewhere).
pub fn emit(
    file: &mut crate::engine::FileCx<'_>,
    rule: &'static crate::meta::RuleMeta,
    range: Range<usize>,
    msg: String,
    help: &str,
    v: &Verdict,
) {
    let rel = v
        .built_at
        .clone()
        .filter(|b| !(b.start >= range.start && b.end <= range.end))
        .map(|b| file.related(b, "the value is built here"));
    let f = file.report(rule, range, msg);
    f.help(help).severity(v.severity).confidence(v.confidence);
    if let Some(r) = rel {
        f.with_related(r);
    }
}

/// A call to a Markdown renderer that passes raw HTML through by default (`marked.parse(x)`).
pub fn markdown_render(src: &str, n: Node<'_>) -> bool {
    if n.k() != "call_expression" {
        return false;
    }
    let Some(f) = n.field("function") else {
        return false;
    };
    let path = js::member_path(src, f).unwrap_or_default();
    matches!(
        path.as_str(),
        "marked" | "marked.parse" | "md.render" | "markdownIt.render" | "snarkdown"
    ) || path.ends_with(".makeHtml")
}

/// Minified or vendored third-party code (`*.min.js`, a line over 1000 characters, `vendor/`,
/// `third_party/`, `bower_components/`): not the project's own sinks, and unreadable findings.
pub fn generated_or_vendored(path: &std::path::Path, text: &str) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if name.contains(".min.") || name.contains("-min.") || name.ends_with(".bundle.js") {
        return true;
    }
    if path.components().any(|c| {
        matches!(
            c.as_os_str()
                .to_str()
                .unwrap_or("")
                .to_ascii_lowercase()
                .as_str(),
            "vendor"
                | "vendors"
                | "third_party"
                | "third-party"
                | "bower_components"
                | "node_modules"
        )
    }) {
        return true;
    }
    let head = &text.as_bytes()[..text.len().min(64 * 1024)];
    let mut line_start = 0;
    for nl in memchr::memchr_iter(b'\n', head) {
        if nl - line_start > 1000 {
            return true;
        }
        line_start = nl + 1;
    }
    head.len() - line_start > 1000
}

thread_local! {
    /// Whether the JS file being walked is generated/vendored, set at its root node.
    static GENERATED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Called at a JS file's root (`program`, visited first): records whether it is generated.
pub fn note_generated(cx: &js::JsCx<'_, '_>) {
    let g = generated_or_vendored(cx.file.path, cx.src);
    GENERATED.with(|c| c.set(g));
}

/// Whether the JS file being walked was found generated/vendored at its root.
pub fn is_generated() -> bool {
    GENERATED.with(|c| c.get())
}

#[cfg(test)]
mod classify_tests {
    use super::*;
    use crate::source::FileKind;

    #[test]
    fn minified_by_a_line_over_1000_bytes() {
        let p = std::path::Path::new("src/app.js");
        let line = |n: usize| "x".repeat(n);
        assert!(!generated_or_vendored(p, &line(1000)));
        assert!(generated_or_vendored(p, &line(1001)));
        // A long line anywhere in the first 64 KiB: first, middle, last without a newline.
        assert!(generated_or_vendored(p, &format!("{}\na\n", line(1001))));
        assert!(generated_or_vendored(p, &format!("a\n{}\nb\n", line(1001))));
        assert!(generated_or_vendored(p, &format!("a\nb\n{}", line(1001))));
        assert!(!generated_or_vendored(
            p,
            &format!("{}\n{}\n{}", line(1000), line(1000), line(1000))
        ));
        assert!(!generated_or_vendored(p, ""));
        assert!(generated_or_vendored(
            std::path::Path::new("lib/app.min.js"),
            "a"
        ));
        assert!(generated_or_vendored(
            std::path::Path::new("vendor/x/app.js"),
            "a"
        ));
    }

    /// Classifies the right-hand side of the last `sink = <expr>` in a JS snippet.
    fn js_rhs(code: &str) -> Html {
        let tree = crate::lang::js::parse(code, FileKind::JavaScript, None).expect("parses");
        let mut stack = vec![tree.root_node()];
        let mut last = None;
        while let Some(n) = stack.pop() {
            if n.k() == "assignment_expression"
                && n.field("left")
                    .is_some_and(|l| js::node_text(code, l) == "sink")
            {
                last = n.field("right");
            }
            let mut c = n.walk();
            stack.extend(n.named_children(&mut c));
        }
        js(code, last.expect("a sink assignment"))
    }

    fn py_rhs(code: &str) -> Html {
        let tree = crate::lang::python::parse(code, None).expect("parses");
        let mut stack = vec![tree.root_node()];
        let mut last = None;
        while let Some(n) = stack.pop() {
            if n.k() == "assignment"
                && n.field("left")
                    .is_some_and(|l| py::node_text(code, l) == "sink")
            {
                last = n.field("right");
            }
            let mut c = n.walk();
            stack.extend(n.named_children(&mut c));
        }
        python(code, last.expect("a sink assignment"))
    }

    #[test]
    fn js_values() {
        assert!(matches!(
            js_rhs("function f(a){ sink = `<b>${a}</b>`; }"),
            Html::Dynamic { .. }
        ));
        assert!(matches!(
            js_rhs("function f(a){ sink = `<b>${escapeHtml(a)}</b>`; }"),
            Html::Safe(_)
        ));
        assert!(matches!(
            js_rhs("function f(a){ sink = `<b>${a.length}</b>`; }"),
            Html::Safe(_)
        ));
        assert!(matches!(
            js_rhs("function f(a){ sink = `<b>${t('x')}</b>`; }"),
            Html::Safe(_)
        ));
        assert!(matches!(
            js_rhs("function f(){ sink = location.hash; }"),
            Html::Source { .. }
        ));
        assert_eq!(js_rhs("function f(a){ sink = a; }"), Html::Unknown);
        assert!(matches!(
            js_rhs("function f(xs){ const h = xs.map(x => `<li>${x}</li>`).join(''); sink = h; }"),
            Html::Dynamic { .. }
        ));
    }

    #[test]
    fn py_values() {
        assert!(matches!(
            py_rhs("def f(a):\n    sink = f'<b>{a}</b>'\n"),
            Html::Dynamic { .. }
        ));
        assert!(matches!(
            py_rhs("def f(a):\n    sink = f'<b>{escape(a)}</b>'\n"),
            Html::Safe(_)
        ));
        assert!(matches!(
            py_rhs("def f(a):\n    sink = '<b>%s</b>' % a\n"),
            Html::Dynamic { .. }
        ));
        assert!(matches!(
            py_rhs("def f(a):\n    sink = '<b>{}</b>'.format(len(a))\n"),
            Html::Safe(_)
        ));
        assert!(matches!(
            py_rhs("def f():\n    sink = request.args.get('q')\n"),
            Html::Source { .. }
        ));
        assert!(matches!(
            py_rhs("def f():\n    sink = _('Saved') + ' ' + _('ok')\n"),
            Html::Safe(_)
        ));
        assert_eq!(py_rhs("def f(a):\n    sink = a\n"), Html::Unknown);
    }
}
