//! JS/TS cookie writes: Express/Fastify/Koa/Next.js cookie setters, `express-session` and
//! `cookie-session` options, and `document.cookie` assignments.

use super::check::{report, CookieSite, Flag, FlagAt, Insert, NameClass, Syntax};
use crate::lang::js::{self, JsCx};
use crate::lang::strings::{self, Built};
use crate::lang::NodeExt;
use tree_sitter::Node;

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On =
    crate::lang::On::Kinds(&["call_expression", "assignment_expression"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    match node.k() {
        "call_expression" => call(cx, node),
        "assignment_expression" => document_cookie(cx, node),
        _ => {}
    }
}

/// The options object passed at `n`: an object literal, or a local bound once to one.
fn options_object<'t>(src: &str, n: Node<'t>) -> Option<Node<'t>> {
    match n.k() {
        "object" => Some(n),
        "identifier" => {
            let a = js::local_assignments(src, n, js::node_text(src, n));
            match a.as_slice() {
                [(v, false)] if v.k() == "object" => Some(*v),
                _ => None,
            }
        }
        _ => None,
    }
}

fn has_spread(obj: Node<'_>) -> bool {
    let mut c = obj.walk();
    let r = obj
        .named_children(&mut c)
        .any(|n| n.k() == "spread_element");
    r
}

fn bool_flag(src: &str, obj: Option<Node<'_>>, keys: &[&str]) -> FlagAt {
    let Some(obj) = obj else {
        return FlagAt::missing();
    };
    let v = keys.iter().find_map(|k| js::object_property(src, obj, k));
    match v {
        None if has_spread(obj) => FlagAt::unknown(),
        None => FlagAt::missing(),
        Some(v) => match v.k() {
            "true" => FlagAt::new(Flag::On, None),
            "false" => FlagAt::new(Flag::Off, Some(v.byte_range())),
            _ => FlagAt::unknown(),
        },
    }
}

fn samesite_flag(src: &str, obj: Option<Node<'_>>) -> (FlagAt, bool) {
    let Some(obj) = obj else {
        return (FlagAt::missing(), false);
    };
    match js::object_property(src, obj, "sameSite")
        .or_else(|| js::object_property(src, obj, "samesite"))
    {
        None if has_spread(obj) => (FlagAt::unknown(), false),
        None => (FlagAt::missing(), false),
        Some(v) => match v.k() {
            "false" => (FlagAt::new(Flag::Off, Some(v.byte_range())), false),
            "true" => (FlagAt::new(Flag::On, None), false),
            _ => match js::string_value(src, v) {
                Some(s) => (FlagAt::new(Flag::On, None), s.eq_ignore_ascii_case("none")),
                None => (FlagAt::unknown(), false),
            },
        },
    }
}

/// Where to add a flag: inside the options object, or as a new options argument.
fn insert_for(src: &str, obj: Option<Node<'_>>, last_arg: Option<Node<'_>>) -> Option<Insert> {
    match obj {
        Some(o) => {
            let mut c = o.walk();
            let last = o
                .named_children(&mut c)
                .filter(|n| n.k() != "comment")
                .last();
            match last {
                Some(l) => Some(Insert {
                    at: l.end_byte(),
                    prefix: ", ".into(),
                    suffix: String::new(),
                }),
                None => {
                    let t = js::node_text(src, o);
                    (t == "{}").then(|| Insert {
                        at: o.start_byte() + 1,
                        prefix: " ".into(),
                        suffix: " ".into(),
                    })
                }
            }
        }
        None => last_arg.map(|a| Insert {
            at: a.end_byte(),
            prefix: ", { ".into(),
            suffix: " }".into(),
        }),
    }
}

fn receiver_root(src: &str, f: Node<'_>) -> Option<String> {
    let obj = f.field("object")?;
    js::member_path(src, obj)
}

fn is_response_name(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    matches!(last, "res" | "response" | "resp" | "reply" | "rep")
}

fn call(cx: &mut JsCx<'_, '_>, call: Node<'_>) {
    let src = cx.src;
    let Some(f) = call.field("function") else {
        return;
    };
    let args = js::call_args(call);
    // express-session / cookie-session options.
    if f.k() == "identifier" || f.k() == "member_expression" {
        if let Some(module) = cx
            .resolved_callee(call)
            .filter(|p| p == "express-session" || p == "cookie-session")
        {
            session_middleware(cx, call, &module, &args);
            return;
        }
    }
    let resolved = cx.resolved_callee(call).unwrap_or_default();
    // js-cookie `Cookies.set("token", jwt)`: a cookie written by page script.
    if resolved == "js-cookie.set" {
        client_cookie(cx, call, &args);
        return;
    }
    // Hono `setCookie(c, name, value, options)`.
    if resolved == "hono/cookie.setCookie" {
        if args.len() >= 3 {
            server_cookie(
                cx,
                call,
                &args,
                args.get(1).copied(),
                args.get(3).copied(),
                false,
                false,
            );
        }
        return;
    }
    if f.k() != "member_expression" {
        return;
    }
    let Some(name) = js::callee_name(src, call) else {
        return;
    };
    let recv = receiver_root(src, f).unwrap_or_default();
    // (name index, options index, httpOnly on by default, Secure on by default)
    let shape = match name {
        // Express res.cookie(name, value, options); Fastify reply.setCookie(...)
        "cookie" | "setCookie" if is_response_name(&recv) => (0usize, 2usize, false, false),
        // Koa ctx.cookies.set(name, value, options): httpOnly defaults to true, and `secure` to
        // whether the request came over HTTPS (the `cookies` module; it refuses a secure
        // cookie on a plain-HTTP request).
        "set" if recv.ends_with("ctx.cookies") || recv == "context.cookies" => (0, 2, true, true),
        // Next.js cookies().set(name, value, options) or response.cookies.set(...)
        "set" if next_cookies(cx, f) => (0, 2, false, false),
        _ => return,
    };
    if args.len() < 2 && !(args.len() == 1 && args[0].k() == "object") {
        return;
    }
    if args.iter().any(|a| a.k() == "spread_element") {
        return;
    }
    // Next.js also accepts a single object `{ name, value, ...options }`.
    let (name_node, opts_node) = if args.len() == 1 {
        (js::object_property(src, args[0], "name"), Some(args[0]))
    } else {
        (args.get(shape.0).copied(), args.get(shape.1).copied())
    };
    server_cookie(cx, call, &args, name_node, opts_node, shape.2, shape.3);
}

/// A Set-Cookie written by a server framework: name node, options node, HttpOnly by default?
fn server_cookie(
    cx: &mut JsCx<'_, '_>,
    call: Node<'_>,
    args: &[Node<'_>],
    name_node: Option<Node<'_>>,
    opts_node: Option<Node<'_>>,
    httponly_default: bool,
    secure_default: bool,
) {
    let src = cx.src;
    let obj = match opts_node {
        Some(o) => match options_object(src, o) {
            Some(obj) => Some(obj),
            // Options from a parameter, call or config: do not guess.
            None => return,
        },
        None => None,
    };
    // A cookie written to expire now is a deletion.
    if let Some(o) = obj {
        let expired = js::object_property(src, o, "maxAge")
            .is_some_and(|v| js::node_text(src, v) == "0")
            || js::object_property(src, o, "expires").is_some_and(|v| {
                let t = js::node_text(src, v);
                t == "new Date(0)" || t == "new Date(1)" || t.contains("1970")
            });
        if expired {
            return;
        }
    }
    let mut httponly = bool_flag(src, obj, &["httpOnly", "httponly"]);
    if httponly_default {
        httponly = httponly.defaulting_on();
    }
    let mut secure = bool_flag(src, obj, &["secure"]);
    if secure_default {
        secure = secure.defaulting_on();
    }
    let (samesite, none) = samesite_flag(src, obj);
    let site = CookieSite {
        range: call.byte_range(),
        name: name_node
            .and_then(|n| js::string_value(src, n))
            .map(str::to_owned),
        label: None,
        secure,
        httponly,
        samesite,
        samesite_none: none,
        syntax: Syntax::Js,
        insert: insert_for(src, obj, args.last().copied()),
        class: None,
    };
    report(cx.file, &site);
}

/// `cookies().set` with `cookies` from `next/headers`, or `<response>.cookies.set`.
fn next_cookies(cx: &JsCx<'_, '_>, f: Node<'_>) -> bool {
    let src = cx.src;
    let Some(obj) = f.field("object") else {
        return false;
    };
    match obj.k() {
        "call_expression" => cx
            .resolved_callee(obj)
            .is_some_and(|p| p == "next/headers.cookies"),
        "await_expression" => obj
            .named_child(0)
            .filter(|c| c.k() == "call_expression")
            .and_then(|c| cx.resolved_callee(c))
            .is_some_and(|p| p == "next/headers.cookies"),
        "member_expression" => {
            let Some(p) = js::member_path(src, obj) else {
                return false;
            };
            let Some(base) = p.strip_suffix(".cookies") else {
                return false;
            };
            is_response_name(base) && cx.imports.values().any(|i| i.module.starts_with("next/"))
        }
        _ => false,
    }
}

fn session_middleware(cx: &mut JsCx<'_, '_>, call: Node<'_>, module: &str, args: &[Node<'_>]) {
    let src = cx.src;
    let Some(opts) = args.first().and_then(|a| options_object(src, *a)) else {
        return;
    };
    if has_spread(opts) {
        return;
    }
    let (secure, httponly, samesite, none, insert);
    if module == "express-session" {
        // express-session: cookie { secure: false (default), httpOnly: true, sameSite: unset }
        let cookie = js::object_property(src, opts, "cookie");
        let cobj = match cookie {
            Some(c) => match options_object(src, c) {
                Some(o) => Some(o),
                None => return,
            },
            None => None,
        };
        secure = match cobj {
            Some(o) => bool_flag(src, Some(o), &["secure"]),
            None => FlagAt::missing(),
        };
        let mut h = bool_flag(src, cobj, &["httpOnly"]);
        h.default_on = true;
        httponly = h;
        let (mut s, n) = samesite_flag(src, cobj);
        // An unset sameSite is the browser default (Lax in current browsers): only `false`/None.
        s.default_on = true;
        samesite = s;
        none = n;
        insert = match cobj {
            Some(o) => insert_for(src, Some(o), None),
            None => {
                let mut c = opts.walk();
                let last = opts
                    .named_children(&mut c)
                    .filter(|n| n.k() != "comment")
                    .last();
                last.map(|l| Insert {
                    at: l.end_byte(),
                    prefix: ", cookie: { ".into(),
                    suffix: " }".into(),
                })
            }
        };
    } else {
        // cookie-session: options at the top level; secure follows the connection, httpOnly true.
        let mut s = bool_flag(src, Some(opts), &["secure"]);
        s.default_on = true;
        secure = s;
        let mut h = bool_flag(src, Some(opts), &["httpOnly"]);
        h.default_on = true;
        httponly = h;
        let (mut ss, n) = samesite_flag(src, Some(opts));
        ss.default_on = true;
        samesite = ss;
        none = n;
        insert = None;
    }
    let site = CookieSite {
        range: call.byte_range(),
        name: None,
        label: Some(format!("the `{module}` session cookie")),
        secure,
        httponly,
        samesite,
        samesite_none: none,
        syntax: Syntax::Js,
        insert,
        class: Some(NameClass::Session),
    };
    report(cx.file, &site);
}

/// `document.cookie = "session=" + token` for session-like names: never HttpOnly, maybe not Secure.
fn document_cookie(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    let src = cx.src;
    let (Some(l), Some(r)) = (node.field("left"), node.field("right")) else {
        return;
    };
    if js::member_path(src, l).as_deref() != Some("document.cookie") {
        return;
    }
    let built = strings::js(src, r);
    let text = match &built {
        Built::Const(t) | Built::Dynamic { text: t, .. } => t.clone(),
        Built::Unknown => return,
    };
    let Some((name, _)) = text.split_once('=') else {
        return;
    };
    let name = name.trim();
    if name.is_empty() || name.contains(['$', '{', ' ', ';']) {
        return;
    }
    if super::check::classify_name(Some(name)) != NameClass::Session {
        return;
    }
    let lower = text.to_ascii_lowercase();
    // Expiring a cookie (`max-age=0`, a past date) is a deletion.
    if lower.contains("max-age=0") || lower.contains("expires=thu, 01 jan 1970") {
        return;
    }
    let attrs: Vec<String> = lower
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_owned())
        .collect();
    let has = |a: &str| {
        attrs
            .iter()
            .any(|x| x == a || x.starts_with(&format!("{a}=")))
    };
    let on = || FlagAt::new(Flag::On, None);
    let site = CookieSite {
        range: node.byte_range(),
        name: Some(name.to_owned()),
        label: None,
        secure: if has("secure") {
            on()
        } else {
            FlagAt::missing()
        },
        httponly: FlagAt::new(Flag::Off, None),
        samesite: if has("samesite") {
            on()
        } else {
            FlagAt::missing().defaulting_on()
        },
        samesite_none: attrs.iter().any(|a| a == "samesite=none"),
        syntax: Syntax::Js,
        insert: None,
        class: None,
    };
    report(cx.file, &site);
}

/// js-cookie `Cookies.set(name, value, { secure })` of a session-like cookie: readable by scripts.
fn client_cookie(cx: &mut JsCx<'_, '_>, call: Node<'_>, args: &[Node<'_>]) {
    let src = cx.src;
    let Some(name) = args.first().and_then(|a| js::string_value(src, *a)) else {
        return;
    };
    if super::check::classify_name(Some(name)) != NameClass::Session {
        return;
    }
    let obj = match args.get(2) {
        Some(o) => match options_object(src, *o) {
            Some(obj) => Some(obj),
            None => return,
        },
        None => None,
    };
    let (samesite, none) = samesite_flag(src, obj);
    let site = CookieSite {
        range: call.byte_range(),
        name: Some(name.to_owned()),
        label: None,
        secure: bool_flag(src, obj, &["secure"]),
        httponly: FlagAt::new(Flag::Off, None),
        samesite: samesite.defaulting_on(),
        samesite_none: none,
        syntax: Syntax::Js,
        insert: insert_for(src, obj, args.last().copied()),
        class: None,
    };
    report(cx.file, &site);
}
