//! Python cookie writes: `set_cookie(...)` calls and session cookie settings (Django, Flask).

use super::check::{classify_name, report, CookieSite, Flag, FlagAt, Insert, NameClass, Syntax};
use super::cookie_missing_secure::COOKIE_MISSING_SECURE;
use crate::finding::{Applicability, Edit, Fix};
use crate::lang::python::{self as py, PyCx};
use crate::lang::NodeExt;
use crate::meta::{Confidence, Severity};
use tree_sitter::Node;

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["call", "assignment", "module"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    match node.k() {
        "call" => {
            set_cookie(cx, node);
            config_update(cx, node);
        }
        "assignment" => setting_assignment(cx, node),
        "module" => django_settings_without_secure(cx, node),
        _ => {}
    }
}

fn flag_of(src: &str, v: Node<'_>) -> FlagAt {
    if py::is_true(src, v) {
        FlagAt::new(Flag::On, None)
    } else if py::is_false(src, v) || v.k() == "none" {
        FlagAt::new(Flag::Off, Some(v.byte_range()))
    } else {
        FlagAt::unknown()
    }
}

fn samesite_of(src: &str, v: Node<'_>) -> (FlagAt, bool) {
    if v.k() == "none" || py::is_false(src, v) {
        return (FlagAt::new(Flag::Off, Some(v.byte_range())), false);
    }
    match py::string_value(src, v) {
        Some(s) if s.eq_ignore_ascii_case("none") => (FlagAt::new(Flag::On, None), true),
        Some(_) => (FlagAt::new(Flag::On, None), false),
        None => (FlagAt::unknown(), false),
    }
}

fn set_cookie(cx: &mut PyCx<'_, '_>, call: Node<'_>) {
    let src = cx.src;
    let Some(name) = py::callee_name(src, call) else {
        return;
    };
    if !matches!(name, "set_cookie" | "set_signed_cookie") {
        return;
    }
    let Some(f) = call.field("function") else {
        return;
    };
    if f.k() != "attribute" {
        return;
    }
    let Some(args) = call.field("arguments") else {
        return;
    };
    // A cookie written to expire now is a deletion (`delete_cookie` implementations).
    if py::keyword_arg(src, call, "max_age").is_some_and(|v| py::node_text(src, v) == "0")
        || py::keyword_arg(src, call, "expires").is_some_and(|v| {
            let t = py::node_text(src, v);
            t == "0" || t.contains("1970")
        })
    {
        return;
    }
    let pos = py::positional_args(call);
    // `cookiejar.set_cookie(cookie_obj)` (http.cookiejar, requests) stores a client-side cookie.
    if pos.len() < 2 && py::keyword_arg(src, call, "value").is_none() && !py::has_kwargs_splat(call)
    {
        return;
    }
    let splat = py::has_kwargs_splat(call) || {
        let mut c = args.walk();
        let r = args.named_children(&mut c).any(|n| n.k() == "list_splat");
        r
    };
    // set_cookie(key, value, max_age, expires, path, domain, secure, httponly, samesite)
    let positional = |i: usize| {
        if name == "set_cookie" {
            pos.get(i).copied()
        } else {
            None
        }
    };
    let get = |kw: &str, i: usize| py::keyword_arg(src, call, kw).or_else(|| positional(i));
    let missing = || {
        if splat {
            FlagAt::unknown()
        } else {
            FlagAt::missing()
        }
    };
    let secure = get("secure", 6).map_or_else(missing, |v| flag_of(src, v));
    let httponly = get("httponly", 7).map_or_else(missing, |v| flag_of(src, v));
    let (mut samesite, none) =
        get("samesite", 8).map_or_else(|| (missing(), false), |v| samesite_of(src, v));
    // Starlette (and FastAPI) default to SameSite=Lax.
    if cx.imports_module("starlette") || cx.imports_module("fastapi") {
        samesite = samesite.defaulting_on();
    }
    let cookie_name = py::keyword_arg(src, call, "key")
        .or_else(|| pos.first().copied())
        .and_then(|n| py::string_value(src, n))
        .map(str::to_owned);
    let insert = {
        let mut c = args.walk();
        let last = args
            .named_children(&mut c)
            .filter(|n| n.k() != "comment")
            .last();
        last.map(|l| Insert {
            at: l.end_byte(),
            prefix: ", ".into(),
            suffix: String::new(),
        })
    };
    // A constant value (`set_cookie(key, "done")`, a download-finished marker read by page
    // script) is the same for every visitor: no credential to protect. Cookies named like a
    // session or CSRF token are still checked.
    let value = py::keyword_arg(src, call, "value").or_else(|| pos.get(1).copied());
    let constant_value = value.is_some_and(|v| {
        (v.k() == "string" && !py::has_interpolation(v))
            || matches!(v.k(), "integer" | "true" | "false")
    });
    if constant_value
        && matches!(
            classify_name(cookie_name.as_deref()),
            NameClass::Plain | NameClass::Unknown
        )
    {
        return;
    }
    let site = CookieSite {
        range: call.byte_range(),
        name: cookie_name,
        label: None,
        secure,
        httponly,
        samesite,
        samesite_none: none,
        syntax: Syntax::Python,
        insert,
        class: None,
    };
    report(cx.file, &site);
}

/// Which flag a settings name controls, and the cookie it is about.
fn setting(name: &str) -> Option<(&'static str, NameClass, &'static str)> {
    Some(match name {
        "SESSION_COOKIE_SECURE" => ("secure", NameClass::Session, "the session cookie"),
        "REMEMBER_COOKIE_SECURE" => ("secure", NameClass::Session, "the remember-me cookie"),
        "CSRF_COOKIE_SECURE" => ("secure", NameClass::Csrf, "the CSRF cookie"),
        "SESSION_COOKIE_HTTPONLY" => ("httponly", NameClass::Session, "the session cookie"),
        "REMEMBER_COOKIE_HTTPONLY" => ("httponly", NameClass::Session, "the remember-me cookie"),
        "SESSION_COOKIE_SAMESITE" => ("samesite", NameClass::Session, "the session cookie"),
        "CSRF_COOKIE_SAMESITE" => ("samesite", NameClass::Csrf, "the CSRF cookie"),
        _ => return None,
    })
}

/// Settings meant for development or tests may turn flags off on purpose.
fn development_context(cx: &PyCx<'_, '_>, at: Node<'_>) -> bool {
    let dev = |s: &str| {
        let l = s.to_ascii_lowercase();
        ["dev", "local", "test", "debug"]
            .iter()
            .any(|w| l.contains(w))
    };
    let path = cx.file.rel.to_string_lossy();
    if path
        .split(['/', '\\'])
        .any(|c| dev(c.trim_end_matches(".py")))
    {
        return true;
    }
    let mut cur = at.up();
    while let Some(p) = cur {
        match p.k() {
            "class_definition"
                if p.field("name")
                    .is_some_and(|n| dev(py::node_text(cx.src, n))) =>
            {
                return true;
            }
            // Conditional settings (`if DEBUG:`) are deliberate.
            "if_statement" => return true,
            _ => {}
        }
        cur = p.up();
    }
    false
}

fn setting_site(cx: &mut PyCx<'_, '_>, key: &str, value: Node<'_>, range: std::ops::Range<usize>) {
    let src = cx.src;
    let Some((which, class, label)) = setting(key) else {
        return;
    };
    if development_context(cx, value) {
        return;
    }
    // Django's own defaults module documents the defaults; projects override them in settings.
    if cx.file.path.ends_with("conf/global_settings.py") {
        return;
    }
    let on = || FlagAt::new(Flag::On, None);
    let (mut secure, mut httponly, mut samesite) = (on(), on(), on());
    let flag = match which {
        "samesite" => {
            if value.k() != "none" {
                return;
            }
            FlagAt::new(Flag::Off, Some(value.byte_range()))
        }
        _ => {
            if !py::is_false(src, value) {
                return;
            }
            FlagAt::new(Flag::Off, Some(value.byte_range()))
        }
    };
    match which {
        "secure" => secure = flag,
        "httponly" => httponly = flag,
        _ => samesite = flag,
    }
    let site = CookieSite {
        range,
        name: None,
        label: Some(format!("{label} ({key})")),
        secure,
        httponly,
        samesite,
        samesite_none: false,
        syntax: Syntax::Python,
        insert: None,
        class: Some(class),
    };
    report(cx.file, &site);
}

/// `SESSION_COOKIE_SECURE = False` (Django settings, Flask config classes) and
/// `app.config["SESSION_COOKIE_SECURE"] = False`.
fn setting_assignment(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    let src = cx.src;
    let (Some(l), Some(r)) = (node.field("left"), node.field("right")) else {
        return;
    };
    let key = match l.k() {
        "identifier" => py::node_text(src, l).to_owned(),
        "subscript" => {
            let Some(v) = l.field("value") else {
                return;
            };
            if !py::dotted(src, v).is_some_and(|d| d.ends_with("config")) {
                return;
            }
            let Some(k) = l.field("subscript").and_then(|k| py::string_value(src, k)) else {
                return;
            };
            k.to_owned()
        }
        _ => return,
    };
    setting_site(cx, &key, r, node.byte_range());
}

/// `app.config.update(SESSION_COOKIE_SECURE=False)` / `.update({"SESSION_COOKIE_SECURE": False})`.
fn config_update(cx: &mut PyCx<'_, '_>, call: Node<'_>) {
    let src = cx.src;
    let Some(f) = call.field("function") else {
        return;
    };
    let Some(path) = py::dotted(src, f) else {
        return;
    };
    if !(path.ends_with("config.update") || path.ends_with("config.from_mapping")) {
        return;
    }
    let Some(args) = call.field("arguments") else {
        return;
    };
    let mut pairs = Vec::new();
    let mut c = args.walk();
    for a in args.named_children(&mut c) {
        match a.k() {
            "keyword_argument" => {
                if let (Some(k), Some(v)) = (a.field("name"), a.field("value")) {
                    pairs.push((py::node_text(src, k).to_owned(), v, a.byte_range()));
                }
            }
            "dictionary" => {
                let mut c2 = a.walk();
                for p in a.named_children(&mut c2) {
                    if p.k() != "pair" {
                        continue;
                    }
                    if let (Some(k), Some(v)) = (p.field("key"), p.field("value")) {
                        if let Some(k) = py::string_value(src, k) {
                            pairs.push((k.to_owned(), v, p.byte_range()));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    for (k, v, r) in pairs {
        setting_site(cx, &k, v, r);
    }
}

/// A Django settings module (assigns `INSTALLED_APPS` and `MIDDLEWARE` at top level) that never
/// sets `SESSION_COOKIE_SECURE` / `CSRF_COOKIE_SECURE` (only `settings.py` outside a `settings/`
/// package): Django's defaults send both cookies over
/// plain HTTP (`manage.py check --deploy` warnings W012 and W016). Modules with a star import
/// (split settings) and development settings are skipped.
fn django_settings_without_secure(cx: &mut PyCx<'_, '_>, module: Node<'_>) {
    let src = cx.src;
    // Only single-module settings (`settings.py`): split settings (`settings/base.py` imported by
    // `settings/production.py`) set the flags in a module this file cannot see.
    let path = cx.file.path;
    let single = path.file_name().and_then(|n| n.to_str()) == Some("settings.py")
        && path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            != Some("settings");
    if !single || !src.contains("INSTALLED_APPS") {
        return;
    }
    let mut names: Vec<(String, Node<'_>)> = Vec::new();
    let mut c = module.walk();
    for stmt in module.named_children(&mut c) {
        match stmt.k() {
            "import_from_statement" => {
                let mut c2 = stmt.walk();
                if stmt
                    .named_children(&mut c2)
                    .any(|n| n.k() == "wildcard_import")
                {
                    return;
                }
            }
            "expression_statement" => {
                let Some(a) = stmt.named_child(0).filter(|a| a.k() == "assignment") else {
                    continue;
                };
                if let Some(l) = a.field("left").filter(|l| l.k() == "identifier") {
                    names.push((py::node_text(src, l).to_owned(), stmt));
                }
            }
            _ => {}
        }
    }
    // Anything else may set the flags (conditionals, functions, `globals().update`, env loaders).
    let mentioned = {
        let mut seen: Vec<String> = Vec::new();
        let mut stack = vec![module];
        let mut budget = 200_000usize;
        while let Some(n) = stack.pop() {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                break;
            }
            if matches!(n.k(), "identifier" | "string_content") {
                let t = py::node_text(src, n);
                if t.ends_with("_COOKIE_SECURE") {
                    seen.push(t.to_owned());
                }
                continue;
            }
            let mut c = n.walk();
            stack.extend(n.named_children(&mut c));
        }
        seen
    };
    let mentions = |k: &str| mentioned.iter().filter(|m| *m == k).count();
    let has = |k: &str| names.iter().any(|(n, _)| n == k);
    if !has("INSTALLED_APPS") || !has("MIDDLEWARE") {
        return;
    }
    let Some((_, anchor)) = names.iter().find(|(n, _)| n == "INSTALLED_APPS") else {
        return;
    };
    let anchor = *anchor;
    if development_context(cx, anchor) {
        return;
    }
    let end = src.len();
    let prefix = if src.ends_with('\n') { "" } else { "\n" };
    let missing: Vec<&str> = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"]
        .into_iter()
        .filter(|k| mentions(k) == 0)
        .collect();
    if missing.is_empty() {
        return;
    }
    let (sev, what) = if missing.contains(&"SESSION_COOKIE_SECURE") {
        (Severity::Medium, "the session cookie is")
    } else {
        (Severity::Low, "the CSRF cookie is")
    };
    let what = if missing.len() == 2 {
        "the session and CSRF cookies are"
    } else {
        what
    };
    let lines: String = missing.iter().map(|k| format!("{k} = True\n")).collect();
    cx.report(
        &COOKIE_MISSING_SECURE,
        anchor.byte_range(),
        format!(
            "Django settings never set {}, so {what} sent over plain HTTP",
            missing.join(" or ")
        ),
    )
    .help(format!(
        "add {} to the production settings",
        missing
            .iter()
            .map(|k| format!("`{k} = True`"))
            .collect::<Vec<_>>()
            .join(" and ")
    ))
    .severity(sev)
    .confidence(Confidence::Low)
    .fix(Fix {
        title: "set the cookie Secure settings".into(),
        edits: vec![Edit {
            range: end..end,
            replacement: format!("{prefix}{lines}"),
        }],
        applicability: Applicability::MaybeIncorrect,
    });
}
