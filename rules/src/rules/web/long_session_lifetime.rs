use super::common;
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use std::ops::Range;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags sessions configured to last more than a day: Flask `PERMANENT_SESSION_LIFETIME`
    /// (`timedelta(days=31)` or seconds), Django `SESSION_COOKIE_AGE`, express-session
    /// `cookie: { maxAge }` and cookie-session `maxAge` (milliseconds), `jsonwebtoken`
    /// `jwt.sign(.., { expiresIn: "30d" })` for access tokens, actix-session
    /// `session_ttl(Duration::days(..))` and tower-sessions `Expiry::OnInactivity(..)`.
    ///
    /// ## Why is this bad?
    /// A stolen session cookie or token is valid for as long as the session lives. Long
    /// lifetimes turn one leak (an XSS, a shared computer, a log line) into weeks of account
    /// access, and users on shared devices stay logged in.
    ///
    /// ## Example
    /// ```python
    /// app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=31)
    /// ```
    /// ```ts
    /// app.use(session({ secret, cookie: { maxAge: 30 * 24 * 60 * 60 * 1000 } }));
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=8)
    /// ```
    /// ```ts
    /// app.use(session({ secret, rolling: true, cookie: { maxAge: 30 * 60 * 1000 } }));
    /// ```
    ///
    /// ## How to fix
    /// Use an idle timeout of minutes to hours (OWASP suggests 15-30 minutes for sensitive apps)
    /// with a rolling expiry, and an absolute lifetime of at most a day. For "remember me", issue
    /// a separate long-lived, rotating refresh token instead of stretching the session.
    ///
    /// ## Not flagged
    /// Lifetimes up to 24 hours, values from configuration, refresh/remember-me tokens (the name
    /// of the statement says `refresh`/`remember`), development settings, and test code. Django's
    /// default `SESSION_COOKIE_AGE` (two weeks) applies when the setting is absent; absence is not
    /// flagged because most projects inherit it knowingly.
    ///
    /// ## References
    /// - CWE-613: Insufficient Session Expiration
    /// - OWASP Session Management Cheat Sheet (session expiration)
    pub LONG_SESSION_LIFETIME {
        id: "long-session-lifetime",
        title: "Session lifetime longer than a day",
        severity: Low,
        confidence: High,
        cwe: [613],
        checklist: 12,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

const DAY: f64 = 86_400.0;

fn human(secs: f64) -> String {
    if secs >= DAY {
        format!("{:.0} days", secs / DAY)
    } else {
        format!("{:.0} hours", secs / 3600.0)
    }
}

fn report(file: &mut crate::engine::FileCx<'_>, r: Range<usize>, secs: f64, help: &str) {
    file.report(
        &LONG_SESSION_LIFETIME,
        r,
        format!("sessions last {}, more than a day", human(secs)),
    )
    .help(help.to_owned());
}

// ------------------------------------------------------------------ Python

/// Seconds of `timedelta(days=.., hours=..)`, or a numeric constant.
fn py_seconds(src: &str, n: Node<'_>) -> Option<f64> {
    if let Some(v) = common::eval_num(src, n, 0) {
        return Some(v);
    }
    if n.k() != "call" {
        return None;
    }
    let name = py::callee_name(src, n)?;
    if name != "timedelta" {
        return None;
    }
    let mut total = 0.0;
    if let Some(d) = py::positional_args(n).first() {
        total += common::eval_num(src, *d, 0)? * DAY;
    }
    for (k, mult) in [
        ("weeks", 7.0 * DAY),
        ("days", DAY),
        ("hours", 3600.0),
        ("minutes", 60.0),
        ("seconds", 1.0),
    ] {
        if let Some(v) = py::keyword_arg(src, n, k) {
            total += common::eval_num(src, v, 0)? * mult;
        }
    }
    Some(total)
}

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
            let lt = py::node_text(src, l);
            let key = if l.k() == "subscript" {
                l.field("subscript")
                    .and_then(|s| py::string_value(src, s))
                    .unwrap_or("")
            } else {
                lt
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
        "PERMANENT_SESSION_LIFETIME" => "use a shorter lifetime, e.g. timedelta(hours=8) (and SESSION_REFRESH_EACH_REQUEST for an idle timeout)",
        "SESSION_COOKIE_AGE" => "use a shorter age in seconds, e.g. SESSION_COOKIE_AGE = 60 * 60 * 8",
        _ => return,
    };
    if common::py_env_guarded(src, node) {
        return;
    }
    if let Some(secs) = py_seconds(src, value) {
        if secs > DAY {
            report(cx.file, value.byte_range(), secs, help);
        }
    }
}

// ------------------------------------------------------------------ JavaScript / TypeScript

fn js_is_refresh(src: &str, n: Node<'_>) -> bool {
    let mut cur = n;
    for _ in 0..12 {
        let Some(p) = cur.up() else { break };
        if matches!(
            p.k(),
            "lexical_declaration"
                | "variable_declaration"
                | "expression_statement"
                | "return_statement"
                | "function_declaration"
        ) {
            let t = js::node_text(src, p).to_ascii_lowercase();
            return t.contains("refresh") || t.contains("remember");
        }
        cur = p;
    }
    false
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
    match r.as_str() {
        "express-session" | "cookie-session" => {
            let Some(opts) = args.first() else { return };
            let target = if r == "express-session" {
                match js::object_property(src, *opts, "cookie") {
                    Some(c) => c,
                    None => return,
                }
            } else {
                *opts
            };
            let Some(age) = js::object_property(src, target, "maxAge") else {
                return;
            };
            if let Some(ms) = common::eval_num(src, age, 0) {
                let secs = ms / 1000.0;
                if secs > DAY && !js_is_refresh(src, node) {
                    report(
                        cx.file,
                        age.byte_range(),
                        secs,
                        "use maxAge of at most a day (e.g. 30 * 60 * 1000 with rolling: true for an idle timeout)",
                    );
                }
            }
        }
        "jsonwebtoken.sign" => {
            let Some(opts) = args.get(2) else { return };
            let Some(exp) = js::object_property(src, *opts, "expiresIn") else {
                return;
            };
            let secs = match js::string_value(src, exp) {
                Some(s) => match common::parse_duration_secs(s) {
                    Some(v) => v,
                    None => return,
                },
                None => match common::eval_num(src, exp, 0) {
                    Some(v) => v,
                    None => return,
                },
            };
            if secs > DAY && !js_is_refresh(src, node) {
                report(
                    cx.file,
                    exp.byte_range(),
                    secs,
                    "issue short-lived access tokens (minutes to hours) and a separate rotating refresh token",
                );
            }
        }
        _ => {}
    }
}

// ------------------------------------------------------------------ Rust

/// Seconds of `Duration::days(n)` / `weeks` / `hours` / `minutes` / `seconds` / `from_secs`.
fn rust_duration(cx: &RustCx<'_, '_, '_>, e: &syn::Expr) -> Option<f64> {
    let syn::Expr::Call(c) = e else {
        return match e {
            syn::Expr::Reference(r) => rust_duration(cx, &r.expr),
            syn::Expr::Paren(p) => rust_duration(cx, &p.expr),
            _ => None,
        };
    };
    let syn::Expr::Path(p) = &*c.func else {
        return None;
    };
    let last = p.path.segments.last()?.ident.to_string();
    let n = common::eval_rust_num(c.args.first()?, 0)?;
    let mult = match last.as_str() {
        "weeks" => 7.0 * DAY,
        "days" => DAY,
        "hours" => 3600.0,
        "minutes" | "from_mins" => 60.0,
        "seconds" | "from_secs" => 1.0,
        _ => return None,
    };
    Some(n * mult)
}

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let RustNode::Expr(e) = node else { return };
    let arg = match e {
        syn::Expr::MethodCall(m) if m.method == "session_ttl" || m.method == "with_expiry" => {
            m.args.first()
        }
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else { return };
            let segs: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            if segs.last().map(String::as_str) != Some("OnInactivity") {
                return;
            }
            c.args.first()
        }
        _ => return,
    };
    let Some(arg) = arg else { return };
    // with_expiry(Expiry::OnInactivity(..)) is handled at the inner call.
    if let Some(secs) = rust_duration(cx, arg) {
        if secs > DAY {
            let r = cx.range_of(arg);
            report(
                cx.file,
                r,
                secs,
                "use an inactivity expiry of hours, not days (e.g. Duration::hours(8))",
            );
        }
    }
}
