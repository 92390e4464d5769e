//! "How was this string built?" for the three languages: a constant, a string assembled from
//! non-constant parts (concatenation, formatting, interpolation), or unknown. Rules for injection
//! and XSS sinks share it. Local variables are followed within the enclosing function.

use super::NodeExt;
use std::ops::Range;
use tree_sitter::Node;

/// How a string value was built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Built {
    /// Only literals and constants: the text (constants whose value is unknown contribute "").
    Const(String),
    /// Assembled from at least one non-constant part. `text` holds the literal parts (to judge
    /// what the string is, e.g. SQL), `at` is where the assembling happens.
    Dynamic { text: String, at: Range<usize> },
    /// A value we cannot see into (a parameter, a call result).
    Unknown,
}

impl Built {
    pub fn is_dynamic(&self) -> bool {
        matches!(self, Built::Dynamic { .. })
    }
    pub fn literal_text(&self) -> &str {
        match self {
            Built::Const(t) | Built::Dynamic { text: t, .. } => t,
            Built::Unknown => "",
        }
    }
    /// Combines two parts of a concatenation at `at`.
    fn concat(self, other: Built, at: Range<usize>) -> Built {
        match (self, other) {
            (Built::Const(a), Built::Const(b)) => Built::Const(a + &b),
            (a, b) => Built::Dynamic {
                text: format!("{}{}", a.literal_text(), b.literal_text()),
                at,
            },
        }
    }
}

const MAX_DEPTH: usize = 48;

/// Whether a call to a function or method with this last name returns text that was quoted or
/// escaped for SQL by the database layer (`connection.ops.quote_name(t)`, `qb.escape("col")`,
/// `escapeId(x)`, psycopg `sql.Identifier(x)`), so it cannot change the statement's structure.
/// `method` is whether the call has a receiver (`preparer.quote(x)`), needed for generic names.
pub fn is_sql_quoting_call(name: &str, method: bool) -> bool {
    matches!(
        name,
        "quote_name"
            | "quote_name_unless_alias"
            | "quote_identifier"
            | "quote_ident"
            | "quote_schema"
            | "quote_table"
            | "quote_column"
            | "quote_literal"
            | "quote_value"
            | "escape_identifier"
            | "escape_ident"
            | "escape_literal"
            | "escape_string"
            | "quoteName"
            | "quoteIdentifier"
            | "quoteIdent"
            | "quoteLiteral"
            | "escapeId"
            | "escapeIdentifier"
            | "escapeLiteral"
            | "escapePath"
            | "escapeColumn"
            | "escapeTable"
            | "escapeQueryWithParameters"
            | "wrapIdentifier"
            | "Identifier"
            | "Literal"
            | "escape"
    ) || (method && name == "quote")
}

/// A SCREAMING_CASE member (`Kind.VIEW`, `settings.TABLE`), except request containers that are
/// spelled in capitals (`request.GET`, `request.POST`, `request.META`).
fn is_constant_member(name: &str) -> bool {
    is_constant_name(name)
        && !matches!(
            name,
            "GET" | "POST" | "FILES" | "COOKIES" | "META" | "REQUEST" | "DATA" | "ENV"
        )
}

/// Whether `outer` contains `inner`.
fn encloses(outer: Node<'_>, inner: Node<'_>) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// Calls whose result is a number (cannot inject text): `len(x)`, `int(x)`, `float(x)`.
fn is_numeric_builtin(name: &str) -> bool {
    matches!(name, "len" | "int" | "float" | "bool" | "abs" | "round")
}

/// SCREAMING_SNAKE names are constants by convention in all three languages.
pub fn is_constant_name(name: &str) -> bool {
    name.len() > 1
        && name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

// ---------------------------------------------------------------- JavaScript / TypeScript

/// Classifies a JS/TS expression.
pub fn js(src: &str, n: Node<'_>) -> Built {
    js_depth(src, n, 0)
}

fn js_depth(src: &str, n: Node<'_>, depth: usize) -> Built {
    use crate::lang::js::{local_assignments, node_text};
    if depth > MAX_DEPTH {
        return Built::Unknown;
    }
    match n.k() {
        "string" => Built::Const(
            crate::lang::js::string_value(src, n)
                .unwrap_or("")
                .to_owned(),
        ),
        "template_string" => {
            let mut text = String::new();
            let mut dynamic = false;
            let mut c = n.walk();
            for ch in n.named_children(&mut c) {
                match ch.k() {
                    "string_fragment" => text.push_str(node_text(src, ch)),
                    "template_substitution" => {
                        let inner = ch.named_child(0);
                        match inner.map(|i| js_depth(src, i, depth + 1)) {
                            Some(Built::Const(t)) => text.push_str(&t),
                            _ => dynamic = true,
                        }
                    }
                    _ => {}
                }
            }
            if node_text(src, n).len() > 2 && text.is_empty() {
                // Fragments may not be separate nodes in some grammar versions.
                let t = node_text(src, n);
                text = t[1..t.len() - 1].to_owned();
            }
            if dynamic {
                Built::Dynamic {
                    text,
                    at: n.byte_range(),
                }
            } else {
                Built::Const(text)
            }
        }
        "binary_expression" => {
            let op = n.field("operator").map(|o| node_text(src, o)).unwrap_or("");
            if op != "+" {
                return Built::Unknown;
            }
            let (Some(l), Some(r)) = (n.field("left"), n.field("right")) else {
                return Built::Unknown;
            };
            let (a, b) = (js_depth(src, l, depth + 1), js_depth(src, r, depth + 1));
            // `x + y` with no literal at all is not string building we can judge.
            if matches!((&a, &b), (Built::Unknown, Built::Unknown)) {
                return Built::Unknown;
            }
            a.concat(b, n.byte_range())
        }
        "parenthesized_expression"
        | "as_expression"
        | "satisfies_expression"
        | "non_null_expression"
        | "type_assertion" => match n.named_child(0) {
            Some(i) => js_depth(src, i, depth + 1),
            None => Built::Unknown,
        },
        "identifier" => {
            let name = node_text(src, n);
            if is_constant_name(name) {
                return Built::Const(String::new());
            }
            let mut assigns = local_assignments(src, n, name);
            // `sql = `${sql} AND ...``: inside its own reassignment a name means its earlier value.
            assigns.retain(|(v, _)| !encloses(*v, n));
            if assigns.is_empty() {
                return Built::Unknown;
            }
            let mut acc: Option<Built> = None;
            for (v, appended) in assigns {
                let b = js_depth(src, v, depth + 1);
                acc = Some(match (acc, appended) {
                    (Some(prev), true) => prev.concat(b, v.byte_range()),
                    (_, _) => b,
                });
            }
            acc.unwrap_or(Built::Unknown)
        }
        // `MetadataTableType.VIEW`, `Config.TABLE_NAME`: constants by naming convention.
        "member_expression"
            if n.field("property")
                .is_some_and(|p| is_constant_member(node_text(src, p))) =>
        {
            Built::Const(String::new())
        }
        "call_expression" => {
            // `[..].join(..)` / `a.concat(b)` / `util.format(..)` of non-constant parts.
            let Some(f) = n.field("function") else {
                return Built::Unknown;
            };
            if let Some(name) = crate::lang::js::callee_name(src, n) {
                if is_sql_quoting_call(name, f.k() == "member_expression") {
                    return Built::Const(String::new());
                }
            }
            if f.k() == "member_expression" {
                let prop = f.field("property").map(|p| node_text(src, p)).unwrap_or("");
                let obj = f.field("object");
                match prop {
                    "concat" => {
                        let mut acc = obj
                            .map(|o| js_depth(src, o, depth + 1))
                            .unwrap_or(Built::Unknown);
                        if matches!(acc, Built::Unknown) {
                            return Built::Unknown;
                        }
                        for a in crate::lang::js::call_args(n) {
                            acc = acc.concat(js_depth(src, a, depth + 1), n.byte_range());
                        }
                        acc
                    }
                    "join" => match obj {
                        Some(o) if o.k() == "array" => {
                            let mut text = String::new();
                            let mut dynamic = false;
                            let mut c = o.walk();
                            for el in o.named_children(&mut c) {
                                match js_depth(src, el, depth + 1) {
                                    Built::Const(t) => text.push_str(&t),
                                    other => {
                                        text.push_str(other.literal_text());
                                        dynamic = true;
                                    }
                                }
                                text.push(' ');
                            }
                            if dynamic {
                                Built::Dynamic {
                                    text,
                                    at: n.byte_range(),
                                }
                            } else {
                                Built::Const(text)
                            }
                        }
                        _ => Built::Unknown,
                    },
                    "trim" | "toString" | "toUpperCase" | "toLowerCase" => obj
                        .map(|o| js_depth(src, o, depth + 1))
                        .unwrap_or(Built::Unknown),
                    _ => Built::Unknown,
                }
            } else {
                Built::Unknown
            }
        }
        _ => Built::Unknown,
    }
}

// ---------------------------------------------------------------- Python

/// Classifies a Python expression.
pub fn python(src: &str, n: Node<'_>) -> Built {
    py_depth(src, n, 0)
}

fn py_depth(src: &str, n: Node<'_>, depth: usize) -> Built {
    use crate::lang::python::{local_assignments, node_text};
    if depth > MAX_DEPTH {
        return Built::Unknown;
    }
    match n.k() {
        "string" => {
            if crate::lang::python::has_interpolation(n) {
                let mut text = String::new();
                let mut dynamic = false;
                let mut c = n.walk();
                for ch in n.named_children(&mut c) {
                    match ch.k() {
                        "string_content" => text.push_str(node_text(src, ch)),
                        "interpolation" => {
                            match ch.named_child(0).map(|e| py_depth(src, e, depth + 1)) {
                                Some(Built::Const(t)) => text.push_str(&t),
                                _ => dynamic = true,
                            }
                        }
                        _ => {}
                    }
                }
                if dynamic {
                    Built::Dynamic {
                        text,
                        at: n.byte_range(),
                    }
                } else {
                    Built::Const(text)
                }
            } else {
                Built::Const(
                    crate::lang::python::string_value(src, n)
                        .unwrap_or("")
                        .to_owned(),
                )
            }
        }
        "concatenated_string" => {
            let mut acc = Built::Const(String::new());
            let mut c = n.walk();
            for ch in n.named_children(&mut c) {
                acc = acc.concat(py_depth(src, ch, depth + 1), n.byte_range());
            }
            acc
        }
        "binary_operator" => {
            let op = n.field("operator").map(|o| node_text(src, o)).unwrap_or("");
            let (Some(l), Some(r)) = (n.field("left"), n.field("right")) else {
                return Built::Unknown;
            };
            match op {
                "+" => {
                    let (a, b) = (py_depth(src, l, depth + 1), py_depth(src, r, depth + 1));
                    if matches!((&a, &b), (Built::Unknown, Built::Unknown)) {
                        return Built::Unknown;
                    }
                    a.concat(b, n.byte_range())
                }
                "%" => {
                    let a = py_depth(src, l, depth + 1);
                    match a {
                        Built::Const(t) => match py_format_args(src, r, depth + 1) {
                            Built::Const(_) => Built::Const(t),
                            _ => Built::Dynamic {
                                text: t,
                                at: n.byte_range(),
                            },
                        },
                        _ => Built::Unknown,
                    }
                }
                _ => Built::Unknown,
            }
        }
        "parenthesized_expression" => match n.named_child(0) {
            Some(i) => py_depth(src, i, depth + 1),
            None => Built::Unknown,
        },
        // `settings.TABLE_NAME`, `Kind.VIEW`: constants by naming convention.
        "attribute"
            if n.field("attribute")
                .is_some_and(|a| is_constant_member(node_text(src, a))) =>
        {
            Built::Const(String::new())
        }
        "identifier" => {
            let name = node_text(src, n);
            if is_constant_name(name) {
                return Built::Const(String::new());
            }
            let mut assigns = local_assignments(src, n, name);
            // `sql = `${sql} AND ...``: inside its own reassignment a name means its earlier value.
            assigns.retain(|(v, _)| !encloses(*v, n));
            if assigns.is_empty() {
                return Built::Unknown;
            }
            let mut acc: Option<Built> = None;
            for (v, appended) in assigns {
                let b = py_depth(src, v, depth + 1);
                acc = Some(match (acc, appended) {
                    (Some(prev), true) => prev.concat(b, v.byte_range()),
                    _ => b,
                });
            }
            acc.unwrap_or(Built::Unknown)
        }
        "call" => {
            // "...".format(..) and "sep".join(..)
            let Some(f) = n.field("function") else {
                return Built::Unknown;
            };
            if let Some(name) = crate::lang::python::callee_name(src, n) {
                let method = f.k() == "attribute";
                if is_sql_quoting_call(name, method) || (!method && is_numeric_builtin(name)) {
                    return Built::Const(String::new());
                }
            }
            if f.k() != "attribute" {
                return Built::Unknown;
            }
            let attr = f
                .field("attribute")
                .map(|a| node_text(src, a))
                .unwrap_or("");
            let Some(obj) = f.field("object") else {
                return Built::Unknown;
            };
            match attr {
                "format" | "format_map" => match py_depth(src, obj, depth + 1) {
                    Built::Const(t) => {
                        let args = n.field("arguments");
                        let all_const = args.is_none_or(|a| {
                            let mut c = a.walk();
                            let r = a.named_children(&mut c).all(|x| {
                                let v = if x.k() == "keyword_argument" {
                                    x.field("value")
                                } else {
                                    Some(x)
                                };
                                v.is_some_and(|v| {
                                    matches!(py_depth(src, v, depth + 1), Built::Const(_))
                                })
                            });
                            r
                        });
                        if all_const {
                            Built::Const(t)
                        } else {
                            Built::Dynamic {
                                text: t,
                                at: n.byte_range(),
                            }
                        }
                    }
                    other => other,
                },
                "join" => match py_depth(src, obj, depth + 1) {
                    Built::Const(sep) => {
                        let arg = n
                            .field("arguments")
                            .filter(|a| a.k() == "generator_expression")
                            .or_else(|| crate::lang::python::positional_args(n).into_iter().next());
                        match arg.map(|a| py_seq(src, a, depth + 1)) {
                            Some(Built::Const(t)) => Built::Const(t),
                            Some(Built::Dynamic { text, .. }) => Built::Dynamic {
                                text: format!("{sep}{text}"),
                                at: n.byte_range(),
                            },
                            _ => Built::Dynamic {
                                text: sep,
                                at: n.byte_range(),
                            },
                        }
                    }
                    _ => Built::Unknown,
                },
                "strip" | "upper" | "lower" | "replace" => py_depth(src, obj, depth + 1),
                _ => Built::Unknown,
            }
        }
        _ => Built::Unknown,
    }
}

/// The right side of `"..." % x`: a tuple or dict is constant when every element/value is.
fn py_format_args(src: &str, n: Node<'_>, depth: usize) -> Built {
    if depth > MAX_DEPTH {
        return Built::Unknown;
    }
    let mut c = n.walk();
    match n.k() {
        "tuple" => {
            let all = n
                .named_children(&mut c)
                .filter(|x| x.k() != "comment")
                .all(|x| matches!(py_depth(src, x, depth + 1), Built::Const(_)));
            if all {
                Built::Const(String::new())
            } else {
                Built::Unknown
            }
        }
        "dictionary" => {
            let all = n.named_children(&mut c).all(|x| match x.k() {
                "pair" => x
                    .field("value")
                    .is_some_and(|v| matches!(py_depth(src, v, depth + 1), Built::Const(_))),
                "comment" => true,
                _ => false,
            });
            if all {
                Built::Const(String::new())
            } else {
                Built::Unknown
            }
        }
        "parenthesized_expression" => match n.named_child(0) {
            Some(i) => py_format_args(src, i, depth + 1),
            None => Built::Unknown,
        },
        _ => py_depth(src, n, depth),
    }
}

/// A list/tuple of parts (for `join`).
fn py_seq(src: &str, n: Node<'_>, depth: usize) -> Built {
    if depth > MAX_DEPTH {
        return Built::Unknown;
    }
    match n.k() {
        // `["%s"] * len(ids)`: repeating constant parts.
        "binary_operator"
            if n.field("operator")
                .is_some_and(|o| crate::lang::python::node_text(src, o) == "*") =>
        {
            match n.field("left") {
                Some(l) => py_seq(src, l, depth + 1),
                None => Built::Unknown,
            }
        }
        // `sep.join(quote_name(c) for c in cols)`: constant when the element expression is.
        "generator_expression" | "list_comprehension" => match n.field("body") {
            Some(b) => match py_depth(src, b, depth + 1) {
                Built::Const(t) => Built::Const(t),
                other => Built::Dynamic {
                    text: other.literal_text().to_owned(),
                    at: n.byte_range(),
                },
            },
            None => Built::Unknown,
        },
        "identifier" => {
            let name = crate::lang::python::node_text(src, n);
            let assigns = crate::lang::python::local_assignments(src, n, name);
            match assigns.as_slice() {
                [(v, false)] => py_seq(src, *v, depth + 1),
                _ => Built::Unknown,
            }
        }
        "list" | "tuple" => {
            let mut acc = Built::Const(String::new());
            let mut c = n.walk();
            for ch in n.named_children(&mut c) {
                acc = acc.concat(py_depth(src, ch, depth + 1), n.byte_range());
                if let Built::Const(t) | Built::Dynamic { text: t, .. } = &mut acc {
                    t.push(' ');
                }
            }
            acc
        }
        _ => Built::Unknown,
    }
}

// ---------------------------------------------------------------- Rust

/// Classifies a Rust expression within the walker's context.
pub fn rust(cx: &crate::lang::rust::RustCx<'_, '_, '_>, e: &syn::Expr) -> Built {
    rs_depth(cx, e, 0)
}

fn rs_depth(cx: &crate::lang::rust::RustCx<'_, '_, '_>, e: &syn::Expr, depth: usize) -> Built {
    use syn::Expr;
    if depth > MAX_DEPTH {
        return Built::Unknown;
    }
    match e {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Str(s) => Built::Const(s.value()),
            syn::Lit::Int(_) | syn::Lit::Float(_) | syn::Lit::Bool(_) | syn::Lit::Char(_) => {
                Built::Const(String::new())
            }
            _ => Built::Unknown,
        },
        Expr::Paren(p) => rs_depth(cx, &p.expr, depth + 1),
        Expr::Group(g) => rs_depth(cx, &g.expr, depth + 1),
        Expr::Reference(r) => rs_depth(cx, &r.expr, depth + 1),
        Expr::Binary(b) if matches!(b.op, syn::BinOp::Add(_)) => {
            let (l, r) = (
                rs_depth(cx, &b.left, depth + 1),
                rs_depth(cx, &b.right, depth + 1),
            );
            if matches!((&l, &r), (Built::Unknown, Built::Unknown)) {
                return Built::Unknown;
            }
            l.concat(r, cx.range_of(e))
        }
        Expr::Macro(m) => rs_macro(cx, &m.mac, cx.range_of(e), depth),
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            match name.as_str() {
                "to_string" | "to_owned" | "as_str" | "into" | "clone" | "trim" | "as_ref"
                | "to_uppercase" | "to_lowercase" => rs_depth(cx, &m.receiver, depth + 1),
                "join" | "concat" => match &*m.receiver {
                    Expr::Array(_) | Expr::Macro(_) => Built::Dynamic {
                        text: String::new(),
                        at: cx.range_of(e),
                    },
                    _ => Built::Unknown,
                },
                _ => Built::Unknown,
            }
        }
        Expr::Call(c) => {
            // String::from(x), String::from_str(x), x.to_string() handled above.
            if let Expr::Path(p) = &*c.func {
                let path = cx.resolve_path(&p.path);
                if (path.ends_with("String::from")
                    || path.ends_with("Cow::from")
                    || path.ends_with("Cow::Borrowed"))
                    && c.args.len() == 1
                {
                    return rs_depth(cx, &c.args[0], depth + 1);
                }
            }
            Built::Unknown
        }
        Expr::Path(p) if p.qself.is_none() => {
            let Some(ident) = p.path.get_ident() else {
                // `consts::QUERY`
                let last = p
                    .path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default();
                return if is_constant_name(&last) {
                    Built::Const(String::new())
                } else {
                    Built::Unknown
                };
            };
            let name = ident.to_string();
            if is_constant_name(&name) {
                return Built::Const(String::new());
            }
            let at = cx.range_of(e).start;
            let vals = cx.local_values(&name, at);
            if vals.is_empty() {
                return Built::Unknown;
            }
            let mut acc: Option<Built> = None;
            for (v, appended) in vals {
                let b = rs_depth(cx, v, depth + 1);
                acc = Some(match (acc, appended) {
                    (Some(prev), true) => prev.concat(b, cx.range_of(v)),
                    _ => b,
                });
            }
            acc.unwrap_or(Built::Unknown)
        }
        _ => Built::Unknown,
    }
}

fn rs_macro(
    cx: &crate::lang::rust::RustCx<'_, '_, '_>,
    mac: &syn::Macro,
    at: Range<usize>,
    depth: usize,
) -> Built {
    let name = crate::lang::rust::macro_name(mac);
    match name.as_str() {
        "format" | "concat" => {
            // The walker caches parsed bodies, but an enclosing call is checked before its
            // arguments are walked, so parse here when the cache has nothing yet.
            let owned;
            let args: &[syn::Expr] = match cx.macro_args(mac) {
                Some(a) => a,
                None => {
                    use syn::punctuated::Punctuated;
                    match mac
                        .parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
                    {
                        Ok(p) => {
                            owned = p.into_iter().collect::<Vec<_>>();
                            &owned
                        }
                        Err(_) => return Built::Unknown,
                    }
                }
            };
            let Some(first) = args.first() else {
                return Built::Const(String::new());
            };
            let Some(template) = crate::lang::rust::lit_str(first) else {
                return Built::Unknown;
            };
            if name == "concat" {
                let mut acc = Built::Const(String::new());
                for a in args {
                    acc = acc.concat(rs_depth(cx, a, depth + 1), at.clone());
                }
                return acc;
            }
            // Inline captures `{name}` are dynamic; `{{` is an escaped brace.
            let has_capture = template_has_capture(&template);
            let rest_dynamic = args[1..]
                .iter()
                .any(|a| !matches!(rs_depth(cx, a, depth + 1), Built::Const(_)));
            if has_capture || rest_dynamic {
                Built::Dynamic { text: template, at }
            } else {
                Built::Const(template)
            }
        }
        _ => Built::Unknown,
    }
}

/// Whether a format string captures a non-constant variable inline (`{name}`, `{name:?}`).
/// Positional `{}`/`{0}` placeholders refer to the macro's arguments, which are judged separately.
pub fn template_has_capture(t: &str) -> bool {
    let b = t.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'{' {
            if b.get(i + 1) == Some(&b'{') {
                i += 2;
                continue;
            }
            let rest = &t[i + 1..];
            let end = rest.find(['}', ':']).unwrap_or(rest.len());
            let name = rest[..end].trim();
            if name.starts_with(|c: char| c.is_alphabetic() || c == '_') && !is_constant_name(name)
            {
                return true;
            }
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures() {
        assert!(template_has_capture("SELECT {name}"));
        assert!(template_has_capture("x {id:?}"));
        assert!(!template_has_capture("SELECT {} {0} {{literal}}"));
        assert!(!template_has_capture("FROM {TABLE}"));
    }
}

/// Whether `hay` contains `needle` ignoring ASCII case (`needle` in lower case), without
/// allocating a lower-cased copy of `hay`.
pub fn contains_lower(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    n.is_empty()
        || h.len() >= n.len()
            && h.windows(n.len())
                .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b))
}
