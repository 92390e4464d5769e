//! Python cookie writes: `set_cookie(...)` calls and session cookie settings (Django, Flask).

use super::check::{report, CookieSite, Flag, FlagAt, Insert, NameClass, Syntax};
use crate::lang::python::{self as py, PyCx};
use tree_sitter::Node;

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    match node.kind() {
        "call" => {
            set_cookie(cx, node);
            config_update(cx, node);
        }
        "assignment" => setting_assignment(cx, node),
        _ => {}
    }
}

fn flag_of(src: &str, v: Node<'_>) -> FlagAt {
    if py::is_true(src, v) {
        FlagAt::new(Flag::On, None)
    } else if py::is_false(src, v) || v.kind() == "none" {
        FlagAt::new(Flag::Off, Some(v.byte_range()))
    } else {
        FlagAt::unknown()
    }
}

fn samesite_of(src: &str, v: Node<'_>) -> (FlagAt, bool) {
    if v.kind() == "none" || py::is_false(src, v) {
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
    let Some(f) = call.child_by_field_name("function") else {
        return;
    };
    if f.kind() != "attribute" {
        return;
    }
    let Some(args) = call.child_by_field_name("arguments") else {
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
        let r = args
            .named_children(&mut c)
            .any(|n| n.kind() == "list_splat");
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
            .filter(|n| n.kind() != "comment")
            .last();
        last.map(|l| Insert {
            at: l.end_byte(),
            prefix: ", ".into(),
            suffix: String::new(),
        })
    };
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
    let path = cx.file.path.to_string_lossy();
    if path
        .split(['/', '\\'])
        .any(|c| dev(c.trim_end_matches(".py")))
    {
        return true;
    }
    let mut cur = at.parent();
    while let Some(p) = cur {
        match p.kind() {
            "class_definition"
                if p.child_by_field_name("name")
                    .is_some_and(|n| dev(py::node_text(cx.src, n))) =>
            {
                return true;
            }
            // Conditional settings (`if DEBUG:`) are deliberate.
            "if_statement" => return true,
            _ => {}
        }
        cur = p.parent();
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
            if value.kind() != "none" {
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
    let (Some(l), Some(r)) = (
        node.child_by_field_name("left"),
        node.child_by_field_name("right"),
    ) else {
        return;
    };
    let key = match l.kind() {
        "identifier" => py::node_text(src, l).to_owned(),
        "subscript" => {
            let Some(v) = l.child_by_field_name("value") else {
                return;
            };
            if !py::dotted(src, v).is_some_and(|d| d.ends_with("config")) {
                return;
            }
            let Some(k) = l
                .child_by_field_name("subscript")
                .and_then(|k| py::string_value(src, k))
            else {
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
    let Some(f) = call.child_by_field_name("function") else {
        return;
    };
    let Some(path) = py::dotted(src, f) else {
        return;
    };
    if !(path.ends_with("config.update") || path.ends_with("config.from_mapping")) {
        return;
    }
    let Some(args) = call.child_by_field_name("arguments") else {
        return;
    };
    let mut pairs = Vec::new();
    let mut c = args.walk();
    for a in args.named_children(&mut c) {
        match a.kind() {
            "keyword_argument" => {
                if let (Some(k), Some(v)) = (
                    a.child_by_field_name("name"),
                    a.child_by_field_name("value"),
                ) {
                    pairs.push((py::node_text(src, k).to_owned(), v, a.byte_range()));
                }
            }
            "dictionary" => {
                let mut c2 = a.walk();
                for p in a.named_children(&mut c2) {
                    if p.kind() != "pair" {
                        continue;
                    }
                    if let (Some(k), Some(v)) =
                        (p.child_by_field_name("key"), p.child_by_field_name("value"))
                    {
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
