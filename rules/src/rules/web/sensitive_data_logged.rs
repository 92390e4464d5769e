use super::common;
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use std::ops::Range;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags passwords, tokens, secrets, API keys, session ids, card numbers/CVVs and whole
    /// request bodies written to logs: Python `logging`/`logger.*`/`print`, JS/TS `console.*` and
    /// `logger.*`/`log.*` (winston, pino, bunyan), Rust `println!`/`eprintln!`/`dbg!` and
    /// `log`/`tracing` macros (`info!`, `debug!`, `error!`, ... including inline `{password}`
    /// captures). The data is recognised by the name of the variable, attribute or key that holds
    /// it (`password`, `user.api_key`, `req.body.token`, `data["secret"]`), and whole bodies by
    /// `req.body` / `request.get_json()` / `request.data` / `request.POST`.
    ///
    /// ## Why is this bad?
    /// Logs are copied to many places (log shippers, SIEMs, support tickets, laptops) and kept for
    /// months with wider access than the database. A password or token in a log line is a
    /// credential leak waiting for the first person with log access, and card data in logs puts the
    /// whole logging stack in PCI DSS scope.
    ///
    /// ## Example
    /// ```python
    /// logger.info("login attempt for %s with %s", username, password)
    /// ```
    /// ```ts
    /// console.log("signup body", req.body);
    /// ```
    /// ```rust
    /// tracing::debug!("issued token {token}");
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// logger.info("login attempt for %s", username)
    /// ```
    /// ```ts
    /// console.log("signup", { email: req.body.email });
    /// ```
    /// ```rust
    /// tracing::debug!(user = %user_id, "issued token");
    /// ```
    ///
    /// ## How to fix
    /// Log identifiers and outcomes, not secrets: drop the value, log a masked form (`mask(x)`,
    /// last four digits) or a fingerprint (`hash(x)`), or pick the fields you need from bodies.
    /// Configure redaction in the logger as a second line of defence (pino `redact`, structlog
    /// processors, `tracing` field filtering).
    ///
    /// ## Not flagged
    /// Values wrapped in any call (`mask(token)`, `len(password)`, `hash(x)`), names describing
    /// a secret rather than holding it (`password_length`, `token_url`, `password_hash`),
    /// string literals that merely mention the words, a mask chosen by a condition
    /// (`password ? "******" : undefined`, `"***" if pw else None`), a yes/no about the secret
    /// (`!!token`, `pw is not None`), and test code.
    ///
    /// ## References
    /// - CWE-532: Insertion of Sensitive Information into Log File
    /// - OWASP Logging Cheat Sheet (data to exclude)
    pub SENSITIVE_DATA_LOGGED {
        id: "sensitive-data-logged",
        title: "Sensitive data written to logs",
        severity: Medium,
        confidence: Medium,
        cwe: [532],
        checklist: 16,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

fn sensitive(name: &str) -> bool {
    (common::is_secret_name(name) && !generic_token(name)) || common::is_pii_name(name)
}

/// `token` alone (or qualified by a non-auth word) names lexer tokens, event-loop tokens,
/// cancellation and pagination tokens as often as credentials: only qualified auth tokens
/// (`access_token`, `authToken`, `csrf_token`, `reset_token`, ...) count in logs.
fn generic_token(name: &str) -> bool {
    let w = common::words(name);
    if !w.iter().any(|x| x == "token") {
        return false;
    }
    // Another secret word makes it a secret anyway (`api_token` via api? no: check pairs).
    let qualified = w.windows(2).any(|p| {
        p[1] == "token"
            && matches!(
                p[0].as_str(),
                "access"
                    | "auth"
                    | "refresh"
                    | "api"
                    | "session"
                    | "csrf"
                    | "xsrf"
                    | "bearer"
                    | "reset"
                    | "id"
                    | "jwt"
                    | "secret"
                    | "oauth"
                    | "verification"
                    | "invite"
                    | "magic"
                    | "login"
                    | "personal"
                    | "bot"
                    | "client"
                    | "user"
                    | "github"
                    | "slack"
                    | "auth0"
                    | "firebase"
                    | "push"
                    | "device"
                    | "confirmation"
                    | "activation"
                    | "private"
                    | "service"
                    | "admin"
                    | "app"
                    | "sso"
            )
    });
    let other_secret = w.iter().any(|x| {
        x != "token"
            && matches!(
                x.as_str(),
                "password"
                    | "passwd"
                    | "pwd"
                    | "secret"
                    | "apikey"
                    | "otp"
                    | "csrf"
                    | "xsrf"
                    | "jwt"
            )
    });
    !qualified && !other_secret
}

// ------------------------------------------------------------------ Python

const PY_LOG_METHODS: &[&str] = &[
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "log",
    "fatal",
    "msg",
];

fn py_is_log_call(src: &str, call: Node<'_>, resolved: &str) -> bool {
    let Some(f) = call.field("function") else {
        return false;
    };
    if f.k() == "identifier" {
        return py::node_text(src, f) == "print";
    }
    let Some(name) = py::callee_name(src, call) else {
        return false;
    };
    if !PY_LOG_METHODS.contains(&name) {
        return false;
    }
    if resolved.starts_with("logging.") || resolved.starts_with("structlog.") {
        return true;
    }
    let recv = f
        .field("object")
        .map(|o| py::node_text(src, o).to_ascii_lowercase())
        .unwrap_or_default();
    let last = recv.rsplit('.').next().unwrap_or("");
    last.contains("log") && !last.contains("catalog") && !last.contains("dialog")
}

/// The sensitive name an expression reads directly (identifier, attribute, string subscript),
/// or the whole-request-body expression; None when wrapped in a call or unrelated.
fn py_sensitive_expr(src: &str, n: Node<'_>) -> Option<String> {
    let t = py::node_text(src, n).replace(char::is_whitespace, "");
    if matches!(
        t.as_str(),
        "request.data"
            | "request.body"
            | "request.json"
            | "request.get_json()"
            | "request.form"
            | "request.POST"
            | "awaitrequest.json()"
            | "awaitrequest.body()"
    ) {
        return Some(t);
    }
    match n.k() {
        "identifier" => {
            let s = py::node_text(src, n);
            sensitive(s).then(|| s.to_owned())
        }
        "attribute" => {
            let a = py::node_text(src, n.field("attribute")?);
            sensitive(a).then(|| a.to_owned())
        }
        "subscript" => {
            let k = n.field("subscript")?;
            let s = py::string_value(src, k)?;
            sensitive(s).then(|| s.to_owned())
        }
        "call" => {
            // dict.get("password")
            if py::callee_name(src, n) == Some("get") {
                let a = py::positional_args(n).into_iter().next()?;
                let s = py::string_value(src, a)?;
                return sensitive(s).then(|| s.to_owned());
            }
            None
        }
        _ => None,
    }
}

/// Expressions whose values end up in the log line: the call's arguments, f-string
/// interpolations, `%` operands and `.format()` arguments.
fn py_logged_values<'t>(src: &str, call: Node<'t>) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let Some(args) = call.field("arguments") else {
        return out;
    };
    let mut stack: Vec<Node<'t>> = {
        let mut c = args.walk();
        args.named_children(&mut c).collect()
    };
    let mut budget = 2000;
    while let Some(n) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            break;
        }
        if reveals_nothing(src, n) {
            continue;
        }
        match n.k() {
            "keyword_argument" => {
                // `extra={...}` and `exc_info=` are structured; look into dict values.
                if let Some(v) = n.field("value") {
                    stack.push(v);
                }
            }
            "string" => {
                let mut c = n.walk();
                for ch in n.named_children(&mut c) {
                    if ch.k() == "interpolation" {
                        if let Some(e) = ch.named_child(0) {
                            stack.push(e);
                        }
                    }
                }
            }
            "binary_operator" => {
                // "..." % (a, b) and "..." + a
                let mut c = n.walk();
                stack.extend(n.named_children(&mut c));
            }
            "tuple" | "list" | "parenthesized_expression" => {
                let mut c = n.walk();
                stack.extend(n.named_children(&mut c));
            }
            "dictionary" => {
                let mut c = n.walk();
                for p in n.named_children(&mut c) {
                    if p.k() != "pair" {
                        continue;
                    }
                    // {"password": x} logs x under a sensitive key.
                    if let (Some(k), Some(v)) = (p.field("key"), p.field("value")) {
                        if py::string_value(src, k).is_some_and(sensitive)
                            && !reveals_nothing(src, v)
                        {
                            out.push(p);
                        } else {
                            stack.push(v);
                        }
                    }
                }
            }
            "call" if py::callee_name(src, n) == Some("format") => {
                if let Some(a) = n.field("arguments") {
                    let mut c = a.walk();
                    stack.extend(a.named_children(&mut c));
                }
            }
            _ => out.push(n),
        }
    }
    out
}

fn is_literal(n: Node<'_>) -> bool {
    matches!(
        n.k(),
        "string" | "integer" | "float" | "true" | "false" | "none" | "number" | "null"
    )
}

/// A value that shows nothing of the secret it is computed from: a constant, a mask chosen by
/// a condition (`password ? "******" : undefined`, `"***" if pw else None`), or a yes/no
/// (`!!token`, `token != null`, `pw is not None`, `bool(pw)`, `typeof key`).
fn reveals_nothing(src: &str, n: Node<'_>) -> bool {
    let text = |x: Node<'_>| src.get(x.byte_range()).unwrap_or("");
    match n.k() {
        // A Python f-string is a `string` with interpolations.
        "string" => {
            let mut c = n.walk();
            let interpolated = n.named_children(&mut c).any(|ch| ch.k() == "interpolation");
            !interpolated
        }
        k if is_literal(n) || k == "undefined" => true,
        "identifier" => text(n) == "undefined",
        "parenthesized_expression" => n.named_child(0).is_some_and(|i| reveals_nothing(src, i)),
        // JS `c ? a : b`
        "ternary_expression" => {
            n.field("consequence")
                .is_some_and(|a| reveals_nothing(src, a))
                && n.field("alternative")
                    .is_some_and(|b| reveals_nothing(src, b))
        }
        // Python `a if c else b`
        "conditional_expression" => {
            n.named_child(0).is_some_and(|a| reveals_nothing(src, a))
                && n.named_child(2).is_some_and(|b| reveals_nothing(src, b))
        }
        "unary_expression" => n
            .field("operator")
            .is_some_and(|o| matches!(text(o), "!" | "typeof")),
        "binary_expression" => n.field("operator").is_some_and(|o| {
            matches!(
                text(o),
                "===" | "!==" | "==" | "!=" | "<" | ">" | "<=" | ">=" | "instanceof" | "in"
            )
        }),
        "not_operator" | "comparison_operator" => true,
        "call" | "call_expression" => n
            .field("function")
            .is_some_and(|f| matches!(text(f), "bool" | "Boolean" | "len")),
        _ => false,
    }
}

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["call"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || node.k() != "call" {
        return;
    }
    let src = cx.src;
    let resolved = cx.resolved_callee(node).unwrap_or_default();
    if !py_is_log_call(src, node, &resolved) {
        return;
    }
    let mut hits: Vec<(Range<usize>, String)> = Vec::new();
    for v in py_logged_values(src, node) {
        if v.k() == "pair" {
            let k = v
                .field("key")
                .and_then(|k| py::string_value(src, k))
                .unwrap_or("")
                .to_owned();
            hits.push((v.byte_range(), k));
        } else if let Some(name) = py_sensitive_expr(src, v) {
            hits.push((v.byte_range(), name));
        }
    }
    for (r, name) in hits {
        report(cx.file, r, &name);
    }
}

fn report(file: &mut crate::engine::FileCx<'_>, r: Range<usize>, name: &str) {
    let body = name.contains("request") || name.contains("req.") || name.contains("body");
    let msg = if name.ends_with("headers") {
        format!("all request headers (`{name}`, including Authorization and cookies) are written to the log")
    } else if body {
        format!("the whole request body (`{name}`) is written to the log")
    } else {
        format!("`{name}` is written to the log")
    };
    file.report(&SENSITIVE_DATA_LOGGED, r, msg).help(if body {
        "log only the fields you need (never passwords or tokens), or configure logger redaction"
    } else {
        "remove it from the log call, or log a masked form / fingerprint instead"
    });
}

// ------------------------------------------------------------------ JavaScript / TypeScript

fn js_is_log_call(src: &str, call: Node<'_>) -> bool {
    let Some(f) = call.field("function") else {
        return false;
    };
    if f.k() != "member_expression" {
        return false;
    }
    let Some(name) = js::callee_name(src, call) else {
        return false;
    };
    let recv = f
        .field("object")
        .and_then(|o| js::member_path(src, o))
        .unwrap_or_default();
    let last = recv.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    if last == "console" {
        return matches!(
            name,
            "log" | "info" | "warn" | "error" | "debug" | "trace" | "dir"
        );
    }
    (last == "logger"
        || last == "log"
        || last.ends_with("logger")
        || last == "winston"
        || last == "pino")
        && matches!(
            name,
            "log"
                | "info"
                | "warn"
                | "warning"
                | "error"
                | "debug"
                | "trace"
                | "fatal"
                | "verbose"
                | "silly"
                | "http"
                | "child"
        )
}

fn js_sensitive_expr(src: &str, n: Node<'_>) -> Option<String> {
    let n = match n.k() {
        "parenthesized_expression" | "as_expression" | "non_null_expression" => n.named_child(0)?,
        _ => n,
    };
    let t = js::node_text(src, n).replace(char::is_whitespace, "");
    if matches!(
        t.as_str(),
        "req.body"
            | "request.body"
            | "ctx.request.body"
            | "JSON.stringify(req.body)"
            | "req.headers"
            | "request.headers"
    ) {
        return Some(t);
    }
    match n.k() {
        "identifier" | "shorthand_property_identifier" => {
            let s = js::node_text(src, n);
            sensitive(s).then(|| s.to_owned())
        }
        "member_expression" => {
            let p = js::node_text(src, n.field("property")?);
            sensitive(p).then(|| p.to_owned())
        }
        "subscript_expression" => {
            let k = n.field("index")?;
            let s = js::string_value(src, k)?;
            sensitive(s).then(|| s.to_owned())
        }
        "call_expression" if t.starts_with("JSON.stringify(") => {
            let a = js::call_args(n).into_iter().next()?;
            js_sensitive_expr(src, a)
        }
        _ => None,
    }
}

fn js_logged_values<'t>(src: &str, call: Node<'t>) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut stack: Vec<Node<'t>> = js::call_args(call);
    let mut budget = 2000;
    while let Some(n) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            break;
        }
        if reveals_nothing(src, n) {
            continue;
        }
        match n.k() {
            "template_string" => {
                let mut c = n.walk();
                for ch in n.named_children(&mut c) {
                    if ch.k() == "template_substitution" {
                        if let Some(e) = ch.named_child(0) {
                            stack.push(e);
                        }
                    }
                }
            }
            "binary_expression" => {
                let mut c = n.walk();
                stack.extend(n.named_children(&mut c));
            }
            "object" => {
                let mut c = n.walk();
                for p in n.named_children(&mut c) {
                    match p.k() {
                        "pair" => {
                            if let (Some(k), Some(v)) = (p.field("key"), p.field("value")) {
                                let key = js::node_text(src, k).trim_matches(['"', '\'']);
                                if sensitive(key) && !reveals_nothing(src, v) {
                                    out.push(p);
                                } else {
                                    stack.push(v);
                                }
                            }
                        }
                        "shorthand_property_identifier" | "spread_element" => out.push(p),
                        _ => {}
                    }
                }
            }
            _ => out.push(n),
        }
    }
    out
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["call_expression"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || node.k() != "call_expression" {
        return;
    }
    let src = cx.src;
    if !js_is_log_call(src, node) {
        return;
    }
    let mut hits: Vec<(Range<usize>, String)> = Vec::new();
    for v in js_logged_values(src, node) {
        if v.k() == "pair" {
            let k = v
                .field("key")
                .map(|k| js::node_text(src, k).trim_matches(['"', '\'']).to_owned())
                .unwrap_or_default();
            hits.push((v.byte_range(), k));
        } else if v.k() == "spread_element" {
            if let Some(name) = v.named_child(0).and_then(|e| js_sensitive_expr(src, e)) {
                hits.push((v.byte_range(), name));
            }
        } else if let Some(name) = js_sensitive_expr(src, v) {
            hits.push((v.byte_range(), name));
        }
    }
    for (r, name) in hits {
        report(cx.file, r, &name);
    }
}

// ------------------------------------------------------------------ Rust

const RUST_LOG_MACROS: &[&str] = &[
    "println", "eprintln", "print", "eprint", "dbg", "info", "debug", "warn", "error", "trace",
    "event",
];

fn rust_sensitive_expr(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            let s = p.path.segments[0].ident.to_string();
            sensitive(&s).then_some(s)
        }
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(id) => {
                let s = id.to_string();
                sensitive(&s).then_some(s)
            }
            _ => None,
        },
        syn::Expr::Reference(r) => rust_sensitive_expr(&r.expr),
        syn::Expr::Paren(p) => rust_sensitive_expr(&p.expr),
        _ => None,
    }
}

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let RustNode::Macro(m) = node else { return };
    let name = crate::lang::rust::macro_name(m);
    if !RUST_LOG_MACROS.contains(&name.as_str()) {
        return;
    }
    // `info!` etc. only from log/tracing (or unqualified, which is how they are used).
    let first = m
        .path
        .segments
        .first()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    if m.path.segments.len() > 1 && !matches!(first.as_str(), "log" | "tracing" | "std") {
        return;
    }
    let mut hits: Vec<(Range<usize>, String)> = Vec::new();
    if let Some(args) = cx.macro_args(m) {
        for a in args {
            if let Some(fmt) = crate::lang::rust::lit_str(a) {
                // Inline captures: "{password}" / "{token:?}".
                for cap in inline_captures(&fmt) {
                    if sensitive(&cap) {
                        hits.push((cx.range_of(a), cap));
                    }
                }
                continue;
            }
            // `key = value` named arguments (format!) and tracing fields.
            let (target, label) = match a {
                syn::Expr::Assign(asg) => {
                    let label = match &*asg.left {
                        syn::Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                        _ => None,
                    };
                    (&*asg.right, label)
                }
                other => (other, None),
            };
            if let Some(n) = rust_sensitive_expr(target) {
                hits.push((cx.range_of(a), n));
            } else if let Some(l) = label.filter(|l| sensitive(l)) {
                if crate::lang::rust::lit_str(target).is_none() {
                    hits.push((cx.range_of(a), l));
                }
            }
        }
    }
    for (r, n) in hits {
        report(cx.file, r, &n);
    }
}

/// `{name}` / `{name:?}` captures in a format string.
fn inline_captures(fmt: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = fmt;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        if rest.starts_with('{') {
            rest = &rest[1..];
            continue;
        }
        let Some(end) = rest.find('}') else { break };
        let spec = &rest[..end];
        rest = &rest[end + 1..];
        let name = spec.split(':').next().unwrap_or("");
        if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            if name.chars().next().is_some_and(|c| !c.is_ascii_digit()) {
                out.push(name.to_owned());
            }
        }
    }
    out
}
