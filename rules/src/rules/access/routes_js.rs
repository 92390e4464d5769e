//! Routes of a JS/TS file: Express/Koa/Fastify routers (`app.get(path, mw.., handler)`,
//! `use()` order, mounts), NestJS controllers (`@Get`, `@UseGuards`), Next.js route handlers
//! (`app/**/route.ts` exporting `GET`/`POST`...).

use super::model::{self, Guard, GuardKind, Level, Options, Route};
use crate::lang::js::{self, node_text, JsCx};
use crate::lang::{walk_named, NodeExt, Order, Visit};
use std::collections::HashMap;
use tree_sitter::Node;

const HTTP: &[&str] = &[
    "get", "post", "put", "patch", "delete", "del", "all", "head", "options",
];

/// Middleware known not to authenticate.
pub(super) fn benign_mw(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    let first = name.split('.').next().unwrap_or(name);
    matches!(
        last,
        "json"
            | "urlencoded"
            | "static"
            | "text"
            | "raw"
            | "cors"
            | "helmet"
            | "morgan"
            | "compression"
            | "compress"
            | "cookieParser"
            | "bodyParser"
            | "logger"
            | "requestLogger"
            | "rateLimit"
            | "rateLimiter"
            | "limiter"
            | "slowDown"
            | "session"
            | "cookieSession"
            | "initialize"
            | "csrf"
            | "csurf"
            | "csrfProtection"
            | "serveStatic"
            | "favicon"
            | "serveFavicon"
            | "methodOverride"
            | "flash"
            | "errorHandler"
            | "notFound"
            | "multer"
            | "fileUpload"
            | "timeout"
            | "responseTime"
            | "pinoHttp"
            | "pino"
            | "hpp"
            | "xss"
            | "mongoSanitize"
            | "i18n"
            | "nocache"
            | "etag"
            | "conditional"
            | "koaBody"
            | "bodyparser"
            | "koaStatic"
            | "views"
            | "allowedMethods"
            | "passport"
    ) || matches!(first, "bodyParser" | "express" | "passport" | "helmet")
        && !name.contains("authenticate")
}

/// A guard's name from a middleware expression: `requireAuth`, `auth.required`,
/// `passport.authenticate('jwt')`, `requireRole('admin')`.
pub(super) fn mw_name(src: &str, n: Node<'_>) -> Option<String> {
    match n.k() {
        "identifier" | "member_expression" => js::member_path(src, n),
        "call_expression" => {
            let f = n.field("function")?;
            js::member_path(src, f)
        }
        "await_expression" | "parenthesized_expression" => mw_name(src, n.named_child(0)?),
        _ => None,
    }
}

/// `auth('manageUsers')` -> Authz (see [`model::arg_kind`]).
fn call_arg_kind(src: &str, n: Node<'_>) -> Option<GuardKind> {
    if n.k() != "call_expression" {
        return None;
    }
    let args: Vec<String> = js::call_args(n)
        .into_iter()
        .filter_map(|a| match a.k() {
            "array" => {
                let mut c = a.walk();
                let v: Vec<String> = a
                    .named_children(&mut c)
                    .filter_map(|e| js::string_value(src, e).map(str::to_owned))
                    .collect();
                Some(v.join(","))
            }
            _ => js::string_value(src, a).map(str::to_owned),
        })
        .collect();
    model::arg_kind(&args)
}

/// Every identifier/property token inside `n` (bounded), for body evidence.
fn tokens<'s>(src: &'s str, n: Node<'_>) -> Vec<&'s str> {
    let mut out = Vec::new();
    walk_named(n, Order::LastChildFirst, 50_000, |x| {
        match x.k() {
            "identifier" | "property_identifier" | "shorthand_property_identifier" => {
                out.push(node_text(src, x))
            }
            _ => {}
        }
        Visit::Descend
    });
    out
}

/// Guards and writes seen in a handler body. Authentication evidence is generous (any mention
/// of the user, session or token only silences findings); authorization evidence must be a check:
/// a role word in a condition or comparison, an authz call (`ability.can(..)`), or a 403.
pub(super) fn body_facts(src: &str, body: Node<'_>, opts: &Options, route: &mut Route) {
    route.body_seen = true;
    route.body = Some(body.byte_range());
    let mut authn: Option<String> = None;
    let mut authz: Option<String> = None;
    // What a name alone says, by name: a body repeats its names (`req`, `res`, `user`), and
    // classifying one splits it into words.
    let mut calls: HashMap<&str, (bool, bool)> = HashMap::new();
    let mut idents: HashMap<&str, bool> = HashMap::new();
    walk_named(body, Order::LastChildFirst, 50_000, |x| {
        match x.k() {
            "call_expression" => {
                if let Some(name) = js::callee_name(src, x) {
                    let (writes, guards) = *calls.entry(name).or_insert_with(|| {
                        (
                            model::write_call(name),
                            model::guard_kind(name, &opts.guards) == Some(GuardKind::Authz),
                        )
                    });
                    if writes {
                        route.body_mutates = true;
                    }
                    if guards {
                        authz.get_or_insert(name.to_owned());
                    }
                }
            }
            "binary_expression" | "parenthesized_expression" | "unary_expression"
                if x.k() == "binary_expression"
                    || x.up().is_some_and(|p| {
                        matches!(
                            p.k(),
                            "if_statement"
                                | "ternary_expression"
                                | "binary_expression"
                                | "unary_expression"
                                | "parenthesized_expression"
                                | "return_statement"
                        )
                    }) =>
            {
                for t in tokens(src, x) {
                    if model::words(t)
                        .iter()
                        .any(|w| model::body_word_kind(w) == Some(GuardKind::Authz))
                    {
                        authz.get_or_insert(t.to_owned());
                    }
                }
            }
            "number" if node_text(src, x) == "403" => {
                authz.get_or_insert("403".to_owned());
            }
            "identifier"
            | "property_identifier"
            | "type_identifier"
            | "shorthand_property_identifier" => {
                let t = node_text(src, x);
                if t.to_ascii_lowercase().contains("forbidden") {
                    authz.get_or_insert(t.to_owned());
                }
                let guard = *idents.entry(t).or_insert_with(|| {
                    model::guard_kind(t, &opts.guards).is_some()
                        || model::words(t)
                            .iter()
                            .any(|w| model::body_word_kind(w).is_some())
                });
                if guard || matches!(t, "user" | "userId" | "currentUser") {
                    authn.get_or_insert(t.to_owned());
                }
            }
            _ => {}
        }
        Visit::Descend
    });
    if let Some(a) = authz {
        route.guards.push(Guard {
            name: a,
            kind: GuardKind::Authz,
            level: Level::Body,
        });
    }
    if let Some(n) = authn {
        route.guards.push(Guard {
            name: n,
            kind: GuardKind::Authn,
            level: Level::Body,
        });
    }
}

/// A middleware body written in this file is a guard when it checks the caller and can
/// reject the request (401/403, a redirect, a throw); one that only copies `req.user` into
/// `res.locals` is not.
pub(super) fn middleware_guard(src: &str, body: Node<'_>, opts: &Options) -> Option<Guard> {
    let mut tmp = Route::new("", String::new(), 0..0);
    body_facts(src, body, opts, &mut tmp);
    let mut rejects = false;
    // Stops after the first node that rejects (a stack walk that checks the flag before each
    // node visits nothing more either).
    walk_named(body, Order::LastChildFirst, 20_000, |x| {
        match x.k() {
            "throw_statement" => rejects = true,
            "number" if matches!(node_text(src, x), "401" | "403") => rejects = true,
            "call_expression" => {
                if matches!(js::callee_name(src, x), Some("redirect" | "sendStatus")) {
                    rejects = true;
                }
                // `next(err)`, `next(new Error(..))`
                if js::callee_name(src, x) == Some("next") && !js::call_args(x).is_empty() {
                    rejects = true;
                }
            }
            _ => {}
        }
        if rejects {
            Visit::Stop
        } else {
            Visit::Descend
        }
    });
    if !rejects {
        return None;
    }
    let mut g = tmp.guards.into_iter().next()?;
    g.level = Level::Router;
    Some(g)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum ObjKind {
    App,
    Router,
}

pub(super) struct Obj {
    pub(super) kind: ObjKind,
    pub(super) fastify: bool,
}

/// A route registration: receiver, method(s), path, the arguments after the path, and the
/// node to report at.
type Registration<'t> = (String, Vec<String>, Option<String>, Vec<Node<'t>>, Node<'t>);

struct Use<'t> {
    receiver: String,
    prefix: Option<String>,
    items: Vec<Node<'t>>,
    at: usize,
}

pub(super) fn is_fn(n: Node<'_>) -> bool {
    matches!(
        n.k(),
        "arrow_function" | "function_expression" | "function" | "function_declaration"
    )
}

/// A function's body by name (declaration, `const f = () => ..`, `const f = async function..`).
fn find_fn<'t>(src: &str, defs: &HashMap<String, Node<'t>>, n: Node<'t>) -> Option<Node<'t>> {
    match n.k() {
        k if is_fn(n) || k == "method_definition" => n.field("body"),
        "identifier" => defs.get(node_text(src, n)).and_then(|d| d.field("body")),
        "call_expression" => {
            // `asyncHandler(async (req, res) => ..)`, `catchAsync(fn)`: look inside.
            let args = js::call_args(n);
            let inner = args.last()?;
            find_fn(src, defs, *inner)
        }
        _ => None,
    }
}

fn handler_name(src: &str, n: Node<'_>) -> String {
    match n.k() {
        "identifier" | "member_expression" => {
            js::member_path(src, n).unwrap_or_else(|| "anonymous".into())
        }
        "function_expression" | "function" => n
            .field("name")
            .map(|x| node_text(src, x).to_owned())
            .unwrap_or_else(|| "anonymous".into()),
        "call_expression" => js::call_args(n)
            .last()
            .map(|a| handler_name(src, *a))
            .unwrap_or_else(|| "anonymous".into()),
        _ => "anonymous".into(),
    }
}

pub(super) fn path_matches(prefix: &Option<String>, path: &Option<String>) -> bool {
    match (prefix, path) {
        (None, _) => true,
        (Some(ps), Some(r)) => ps.split('|').any(|p| {
            let p = p.trim_end_matches(['/', '*']);
            p.is_empty() || r == p || r.starts_with(&format!("{p}/"))
        }),
        (Some(_), None) => false,
    }
}

/// Names a server receiver not created in this file may have (`module.exports = (app) => {..}`).
pub(super) fn server_like_name(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    matches!(
        last,
        "app" | "router" | "server" | "fastify" | "instance" | "routes"
    ) || last.ends_with("Router")
        || last.ends_with("router")
}

pub(crate) fn collect(cx: &JsCx<'_, '_>, root: Node<'_>, opts: &Options) -> Vec<Route> {
    let src = cx.src;
    // One bounded pre-order walk.
    let mut calls = Vec::new();
    let mut defs: HashMap<String, Node> = HashMap::new();
    let mut objs: HashMap<String, Obj> = HashMap::new();
    let mut custom: Vec<String> = Vec::new();
    let mut classes = Vec::new();
    walk_named(root, Order::Source, 500_000, |n| {
        match n.k() {
            "call_expression" => calls.push(n),
            "function_declaration" => {
                if let Some(name) = n.field("name") {
                    defs.insert(node_text(src, name).to_owned(), n);
                }
            }
            "class_declaration" | "abstract_class_declaration" => classes.push(n),
            "variable_declarator" => {
                if let (Some(name), Some(v)) = (n.field("name"), n.field("value")) {
                    let name = node_text(src, name).to_owned();
                    if is_fn(v) {
                        defs.insert(name.clone(), v);
                    } else if let Some(o) = server_obj(cx, v) {
                        objs.insert(name, o);
                    } else if v.k() == "call_expression"
                        && js::call_args(v).last().is_some_and(|a| is_fn(*a))
                    {
                        // `const handler = asyncHandler(async (req, res) => ..)`
                        defs.insert(name, v);
                    } else if matches!(v.k(), "call_expression" | "new_expression")
                        && server_like_name(&name)
                    {
                        // `const router = createRouter()`: a factory may attach auth.
                        custom.push(name);
                    }
                }
            }
            _ => {}
        }
        Visit::Descend
    });
    calls.sort_by_key(|c| c.start_byte());

    let mut routes = Vec::new();
    let exported = exported_names(src, root);
    express_like(
        cx,
        &calls,
        &defs,
        &objs,
        &custom,
        &exported,
        opts,
        &mut routes,
    );
    for class in classes {
        nest_controller(cx, class, opts, &mut routes);
    }
    next_handlers(cx, root, opts, &mut routes);
    pages_api_handlers(cx, root, opts, &mut routes);
    routes
}

pub(super) fn server_obj(cx: &JsCx<'_, '_>, v: Node<'_>) -> Option<Obj> {
    let src = cx.src;
    let (callee, _) = match v.k() {
        "call_expression" => (v.field("function")?, ()),
        "new_expression" => (v.field("constructor")?, ()),
        "await_expression" => return server_obj(cx, v.named_child(0)?),
        _ => return None,
    };
    let text = node_text(src, callee);
    // `require("fastify")({ logger: true })`, `require("express")()`
    if callee.k() == "call_expression" && js::callee_name(src, callee) == Some("require") {
        let m = js::call_args(callee)
            .first()
            .and_then(|a| js::string_value(src, *a))
            .unwrap_or("");
        return match m {
            "express" | "koa" | "polka" => Some(Obj {
                kind: ObjKind::App,
                fastify: false,
            }),
            "fastify" => Some(Obj {
                kind: ObjKind::App,
                fastify: true,
            }),
            _ => None,
        };
    }
    let path = js::member_path(src, callee).unwrap_or_default();
    let first = path.split('.').next().unwrap_or("");
    let module = cx
        .import_of(first)
        .map(|i| i.module.clone())
        .unwrap_or_default();
    let last = path.rsplit('.').next().unwrap_or(text);
    if last == "Router"
        || text.ends_with(".Router")
        || module == "koa-router"
        || module == "@koa/router"
    {
        return Some(Obj {
            kind: ObjKind::Router,
            fastify: false,
        });
    }
    if module == "express"
        || path == "express"
        || text.starts_with("require(\"express\")")
        || text.starts_with("require('express')")
    {
        return Some(Obj {
            kind: ObjKind::App,
            fastify: false,
        });
    }
    if module == "fastify" || path == "fastify" || path == "Fastify" {
        return Some(Obj {
            kind: ObjKind::App,
            fastify: true,
        });
    }
    if module == "koa" || path == "Koa" || module == "hono" || path == "Hono" || module == "polka" {
        return Some(Obj {
            kind: ObjKind::App,
            fastify: false,
        });
    }
    None
}

fn express_like<'t>(
    cx: &JsCx<'_, '_>,
    calls: &[Node<'t>],
    defs: &HashMap<String, Node<'t>>,
    objs: &HashMap<String, Obj>,
    custom: &[String],
    exported: &[String],
    opts: &Options,
    routes: &mut Vec<Route>,
) {
    let src = cx.src;
    let mut uses: Vec<Use<'t>> = Vec::new();
    let mut regs: Vec<Registration<'t>> = Vec::new();
    for &call in calls {
        let Some(f) = call.field("function") else {
            continue;
        };
        if f.k() != "member_expression" {
            continue;
        }
        let (Some(obj), Some(prop)) = (f.field("object"), f.field("property")) else {
            continue;
        };
        let method = node_text(src, prop);
        let args = js::call_args(call);
        // `router.route('/x').get(h).post(h2)`
        let mut recv_node = obj;
        let mut path = None;
        let mut chained = false;
        for _ in 0..16 {
            if recv_node.k() != "call_expression" {
                break;
            }
            let Some(rf) = recv_node.field("function") else {
                break;
            };
            let Some(rname) = rf.field("property") else {
                break;
            };
            let rname = node_text(src, rname);
            let Some(robj) = rf.field("object") else {
                break;
            };
            if rname == "route" {
                path = js::call_args(recv_node)
                    .first()
                    .and_then(|a| js::string_value(src, *a))
                    .map(str::to_owned);
                recv_node = robj;
                chained = true;
                break;
            } else if HTTP.contains(&rname) {
                recv_node = robj;
            } else {
                break;
            }
        }
        let Some(receiver) = js::member_path(src, recv_node) else {
            continue;
        };
        let known = objs.contains_key(&receiver);
        if !known && !server_like_name(&receiver) {
            continue;
        }
        match method {
            "use" | "addHook" => {
                let mut items = args.clone();
                let mut prefix = None;
                if method == "addHook" {
                    let hook = items
                        .first()
                        .and_then(|a| js::string_value(src, *a))
                        .unwrap_or("");
                    if !matches!(
                        hook,
                        "onRequest" | "preHandler" | "preValidation" | "preParsing"
                    ) {
                        continue;
                    }
                    items.remove(0);
                } else if let Some(p) = items.first().and_then(|a| js::string_value(src, *a)) {
                    prefix = Some(p.to_owned());
                    items.remove(0);
                } else if let Some(first) = items.first().filter(|a| a.k() == "array") {
                    // `app.use(['/a', '/b'], mw)`: a list of path prefixes.
                    let mut c = first.walk();
                    let paths: Vec<&str> = first
                        .named_children(&mut c)
                        .filter_map(|e| js::string_value(src, e))
                        .collect();
                    if !paths.is_empty() {
                        prefix = Some(paths.join("|"));
                        items.remove(0);
                    }
                }
                uses.push(Use {
                    receiver,
                    prefix,
                    items,
                    at: call.start_byte(),
                });
            }
            "route" if !chained && args.len() == 1 && args[0].k() == "object" => {
                // fastify.route({ method, url, preHandler, handler })
                let o = args[0];
                let methods = js::object_property(src, o, "method")
                    .map(|m| {
                        let mut v = Vec::new();
                        if let Some(s) = js::string_value(src, m) {
                            v.push(s.to_ascii_uppercase());
                        } else if m.k() == "array" {
                            let mut c = m.walk();
                            for e in m.named_children(&mut c) {
                                if let Some(s) = js::string_value(src, e) {
                                    v.push(s.to_ascii_uppercase());
                                }
                            }
                        }
                        v
                    })
                    .unwrap_or_default();
                let path = js::object_property(src, o, "url")
                    .or_else(|| js::object_property(src, o, "path"))
                    .and_then(|u| js::string_value(src, u))
                    .map(str::to_owned);
                if path.is_none() {
                    continue;
                }
                regs.push((receiver, methods, path, vec![o], call));
            }
            m if HTTP.contains(&m) => {
                let (path, rest) = if chained {
                    (path.clone(), args.clone())
                } else {
                    let Some(p) = args.first().and_then(|a| js::string_value(src, *a)) else {
                        continue;
                    };
                    if !(p.starts_with('/') || p == "*") {
                        continue;
                    }
                    (Some(p.to_owned()), args[1..].to_vec())
                };
                let Some(last) = rest.last() else { continue };
                // The handler must look like one: a function or a name.
                if !(is_fn(*last)
                    || matches!(
                        last.k(),
                        "identifier" | "member_expression" | "call_expression"
                    ))
                {
                    continue;
                }
                if !(known || is_fn(*last) || last.k() == "member_expression" || rest.len() > 1) {
                    continue;
                }
                // `app.all("/api/*", requireAuth)`: every argument is a guard, so this is
                // middleware for the routes registered after it, not a route.
                if m == "all"
                    && !chained
                    && rest.iter().all(|a| {
                        mw_name(src, *a)
                            .is_some_and(|n| model::guard_kind(&n, &opts.guards).is_some())
                    })
                {
                    uses.push(Use {
                        receiver,
                        prefix: path,
                        items: rest,
                        at: call.start_byte(),
                    });
                    continue;
                }
                let methods = match m {
                    "all" => Vec::new(),
                    "del" => vec!["DELETE".to_owned()],
                    x => vec![x.to_ascii_uppercase()],
                };
                regs.push((
                    receiver,
                    methods,
                    path,
                    rest,
                    if chained { prop } else { call },
                ));
            }
            _ => {}
        }
    }

    for (receiver, methods, path, rest, call) in regs {
        // A Fastify plugin gets its instance as a parameter (`async function (fastify, opts)`).
        let fastify = objs.get(&receiver).is_some_and(|o| o.fastify)
            || (!objs.contains_key(&receiver) && receiver == "fastify");
        let custom_router = custom.contains(&receiver);
        let framework = if fastify { "fastify" } else { "express" };
        let (handler_node, mws): (Option<Node>, Vec<Node>) = if rest.len() == 1
            && rest[0].k() == "object"
            && !is_fn(rest[0])
            && path.is_some()
            && regs_is_options(src, rest[0])
        {
            // fastify route object
            let o = rest[0];
            let h = js::object_property(src, o, "handler");
            let mut m = Vec::new();
            for k in ["preHandler", "onRequest", "preValidation", "beforeHandler"] {
                if let Some(v) = js::object_property(src, o, k) {
                    m.push(v);
                }
            }
            (h, m)
        } else {
            let last = *rest.last().expect("non-empty");
            let mut m = Vec::new();
            for a in &rest[..rest.len() - 1] {
                if a.k() == "object" {
                    // fastify: app.get(path, { preHandler: [...] }, handler)
                    for k in ["preHandler", "onRequest", "preValidation", "beforeHandler"] {
                        if let Some(v) = js::object_property(src, *a, k) {
                            m.push(v);
                        }
                    }
                } else {
                    m.push(*a);
                }
            }
            (Some(last), m)
        };
        let name = handler_node
            .map(|h| handler_name(src, h))
            .unwrap_or_else(|| "anonymous".into());
        let mut r = Route::new(framework, name, call.byte_range());
        r.scope = receiver.clone();
        r.methods = methods;
        r.path = path.clone();
        for m in flatten(mws) {
            if is_fn(m) {
                // Inline middleware: judge by what it touches.
                if let Some(mut g) = m.field("body").and_then(|b| middleware_guard(src, b, opts)) {
                    g.level = Level::Route;
                    r.guards.push(g);
                }
                continue;
            }
            if let Some(n) = mw_name(src, m) {
                if let Some(k) = model::guard_kind(&n, &opts.guards) {
                    let k = match k {
                        GuardKind::Authn => call_arg_kind(src, m).unwrap_or(k),
                        k => k,
                    };
                    r.guards.push(Guard {
                        name: n,
                        kind: k,
                        level: Level::Route,
                    });
                } else if !model::known_not_guard(&n) && !benign_mw(&n) {
                    r.opaque = true;
                }
            }
        }
        // Receiver-level middleware, then the mounts above it.
        let mut unknown = false;
        let mut visible = objs.get(&receiver).is_some_and(|o| o.kind == ObjKind::App);
        let mut cur = receiver.clone();
        let mut before = call.start_byte();
        let mut cur_path = path.clone();
        for _ in 0..6 {
            for u in uses.iter().filter(|u| u.receiver == cur) {
                if !(u.at < before || fastify) || !path_matches(&u.prefix, &cur_path) {
                    continue;
                }
                for item in flatten(u.items.clone()) {
                    if is_mount(src, item, objs) {
                        continue;
                    }
                    if is_fn(item) {
                        if let Some(g) = item
                            .field("body")
                            .and_then(|b| middleware_guard(src, b, opts))
                        {
                            r.guards.push(g);
                        }
                        continue;
                    }
                    match mw_name(src, item) {
                        Some(n) => match model::guard_kind(&n, &opts.guards) {
                            Some(k) => r.guards.push(Guard {
                                name: n,
                                kind: k,
                                level: Level::Router,
                            }),
                            None if benign_mw(&n) => {}
                            None => {
                                // A middleware defined here: judge its body; else unknown.
                                match defs.get(&n).and_then(|d| d.field("body")) {
                                    Some(b) => {
                                        if let Some(mut g) = middleware_guard(src, b, opts) {
                                            g.name = n;
                                            r.guards.push(g);
                                        }
                                    }
                                    None => unknown = true,
                                }
                            }
                        },
                        None => unknown = true,
                    }
                }
            }
            // Where is `cur` mounted?
            let mount = uses.iter().find(|u| {
                u.receiver != cur
                    && u.items
                        .iter()
                        .any(|i| mount_target(src, *i).as_deref() == Some(cur.as_str()))
            });
            let Some(m) = mount else { break };
            // Middleware listed before the router in the mount call.
            for item in &m.items {
                if mount_target(src, *item).as_deref() == Some(cur.as_str()) {
                    break;
                }
                if let Some(n) = mw_name(src, *item) {
                    match model::guard_kind(&n, &opts.guards) {
                        Some(k) => r.guards.push(Guard {
                            name: n,
                            kind: k,
                            level: Level::Router,
                        }),
                        None if benign_mw(&n) => {}
                        None => unknown = true,
                    }
                }
            }
            cur_path = match (&m.prefix, &cur_path) {
                (Some(p), Some(rp)) => Some(format!("{}{}", p.trim_end_matches('/'), rp)),
                (None, rp) => rp.clone(),
                (Some(p), None) => Some(p.clone()),
            };
            before = m.at;
            cur = m.receiver.clone();
            visible = objs.get(&cur).is_some_and(|o| o.kind == ObjKind::App);
        }
        if cur_path != r.path && cur_path.is_some() {
            r.path = cur_path;
        }
        r.rooted = visible;
        if !visible {
            // Mounted in another file (or by a caller): the project pass resolves the mount.
            r.cross_file = true;
            r.chain_top = Some(cur.clone());
        } else if exported.contains(&cur) {
            // An exported app may be a sub-app mounted elsewhere (`app.use('/admin', requireAdmin,
            // adminApp)`, Hono `app.route('/x', sub)`); mounted nowhere, it is the root.
            r.cross_file = true;
            r.chain_top = Some(cur.clone());
        }
        if let Some(h) = handler_node {
            if let Some(b) = find_fn(src, defs, h) {
                body_facts(src, b, opts, &mut r);
            }
        }
        r.visible_chain = visible && !unknown;
        r.opaque |= custom_router;
        routes.push(r);
    }
}

/// Names a module exports at its top level: `export default x`, `export { x }`,
/// `module.exports = x`, `export const x = ..`.
fn exported_names(src: &str, root: Node<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let mut c = root.walk();
    for st in root.named_children(&mut c) {
        match st.k() {
            "export_statement" => {
                if let Some(v) = st.field("value").and_then(|v| js::member_path(src, v)) {
                    out.push(v);
                }
                let mut c2 = st.walk();
                for ch in st.named_children(&mut c2) {
                    let mut c3 = ch.walk();
                    for sp in ch.named_children(&mut c3) {
                        if let Some(n) = sp.field("name") {
                            out.push(node_text(src, n).to_owned());
                        }
                    }
                }
            }
            "expression_statement" => {
                if let Some(a) = st
                    .named_child(0)
                    .filter(|a| a.k() == "assignment_expression")
                {
                    let left = a
                        .field("left")
                        .and_then(|l| js::member_path(src, l))
                        .unwrap_or_default();
                    if left.starts_with("module.exports") || left.starts_with("exports.") {
                        if let Some(v) = a.field("right").and_then(|r| js::member_path(src, r)) {
                            out.push(v);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn regs_is_options(src: &str, o: Node<'_>) -> bool {
    js::object_property(src, o, "handler").is_some()
}

/// Flattens array arguments (`[auth, admin]`).
pub(super) fn flatten(items: Vec<Node<'_>>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    for i in items {
        if i.k() == "array" {
            let mut c = i.walk();
            out.extend(i.named_children(&mut c).filter(|n| n.k() != "comment"));
        } else {
            out.push(i);
        }
    }
    out
}

/// `router` in `app.use('/x', router)` / `app.use(router.routes())`.
pub(super) fn mount_target(src: &str, item: Node<'_>) -> Option<String> {
    match item.k() {
        "identifier" | "member_expression" => js::member_path(src, item),
        "call_expression" => {
            let f = item.field("function")?;
            let name = js::callee_name(src, item)?;
            if name == "routes" || name == "middleware" {
                return js::member_path(src, f.field("object")?);
            }
            None
        }
        _ => None,
    }
}

fn is_mount(src: &str, item: Node<'_>, objs: &HashMap<String, Obj>) -> bool {
    mount_target(src, item).is_some_and(|t| objs.contains_key(&t))
        || (item.k() == "call_expression"
            && matches!(
                js::callee_name(src, item),
                Some("routes" | "allowedMethods")
            ))
}

// ------------------------------------------------------------------ NestJS

pub(super) fn decorator_name<'t>(src: &str, d: Node<'t>) -> Option<(String, Option<Node<'t>>)> {
    let e = d.named_child(0)?;
    match e.k() {
        "call_expression" => {
            let f = e.field("function")?;
            Some((js::member_path(src, f)?, Some(e)))
        }
        "identifier" | "member_expression" => Some((js::member_path(src, e)?, None)),
        _ => None,
    }
}

fn decorators_of<'t>(n: Node<'t>) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut c = n.walk();
    for ch in n.children(&mut c) {
        if ch.k() == "decorator" {
            out.push(ch);
        }
    }
    // Method decorators may precede the method as siblings in the class body.
    let mut prev = n.prev_named_sibling();
    while let Some(p) = prev {
        if p.k() != "decorator" {
            break;
        }
        out.push(p);
        prev = p.prev_named_sibling();
    }
    // `export @Controller() class` / decorators on the export statement.
    if let Some(p) = n.up().filter(|p| p.k() == "export_statement") {
        let mut c = p.walk();
        for ch in p.children(&mut c) {
            if ch.k() == "decorator" {
                out.push(ch);
            }
        }
    }
    out
}

pub(super) fn explicit_public_decorator(name: &str) -> bool {
    let ws = model::words(name);
    let has = |x: &str| ws.iter().any(|w| w == x);
    has("public")
        || has("anonymous")
        || (has("skip") && (has("auth") || has("jwt") || has("guard")))
        || (has("no") && has("auth"))
        || has("unauthenticated")
}

fn guards_from_decorator(
    src: &str,
    name: &str,
    call: Option<Node<'_>>,
    opts: &Options,
    level: Level,
    out: &mut Vec<Guard>,
) {
    let last = name.rsplit('.').next().unwrap_or(name);
    if last == "UseGuards" {
        if let Some(c) = call {
            for a in js::call_args(c) {
                let n = mw_name(src, a).unwrap_or_else(|| node_text(src, a).to_owned());
                // `AuthGuard('jwt')`, `JwtAuthGuard`, `RolesGuard`: any guard class is a guard.
                let kind = model::guard_kind(&n, &opts.guards).unwrap_or(GuardKind::Authn);
                out.push(Guard {
                    name: n,
                    kind,
                    level,
                });
            }
        }
    } else if matches!(
        last,
        "Roles"
            | "Permissions"
            | "RequirePermissions"
            | "Policies"
            | "CheckPolicies"
            | "Authorized"
    ) {
        out.push(Guard {
            name: name.to_owned(),
            kind: GuardKind::Authz,
            level,
        });
    } else if matches!(last, "Auth" | "Authenticated" | "ApiBearerAuth") && last != "ApiBearerAuth"
    {
        out.push(Guard {
            name: name.to_owned(),
            kind: GuardKind::Authn,
            level,
        });
    } else if let Some(k) = model::guard_kind(last, &opts.guards) {
        if !last.starts_with("Api") {
            out.push(Guard {
                name: name.to_owned(),
                kind: k,
                level,
            });
        }
    }
}

fn nest_controller(cx: &JsCx<'_, '_>, class: Node<'_>, opts: &Options, routes: &mut Vec<Route>) {
    let src = cx.src;
    let decs = decorators_of(class);
    let mut prefix: Option<String> = None;
    let mut is_controller = false;
    let mut class_guards = Vec::new();
    let mut class_public = false;
    for d in &decs {
        let Some((name, call)) = decorator_name(src, *d) else {
            continue;
        };
        if name == "Controller" {
            is_controller = true;
            // `@Controller("items")` or `@Controller({ path: "items", version: "1" })`
            prefix = call
                .and_then(|c| js::call_args(c).first().copied())
                .and_then(|a| {
                    js::string_value(src, a).or_else(|| {
                        js::object_property(src, a, "path")
                            .filter(|_| a.k() == "object")
                            .and_then(|p| js::string_value(src, p))
                    })
                })
                .map(str::to_owned);
        } else if explicit_public_decorator(&name) {
            class_public = true;
        } else {
            guards_from_decorator(src, &name, call, opts, Level::Router, &mut class_guards);
        }
    }
    if !is_controller {
        return;
    }
    let Some(body) = class.field("body") else {
        return;
    };
    let mut c = body.walk();
    let cname = class
        .field("name")
        .map(|n| node_text(src, n).to_owned())
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut file_has_public = class_public;
    for m in body.named_children(&mut c) {
        if m.k() != "method_definition" {
            continue;
        }
        let mut methods = Vec::new();
        let mut sub = None;
        let mut is_route = false;
        let mut guards = class_guards.clone();
        let mut public = class_public;
        for d in decorators_of(m) {
            let Some((name, call)) = decorator_name(src, d) else {
                continue;
            };
            let verb = match name.as_str() {
                "Get" | "Post" | "Put" | "Patch" | "Delete" | "Head" | "Options" | "All" => {
                    Some(name.to_ascii_uppercase())
                }
                _ => None,
            };
            if let Some(v) = verb {
                is_route = true;
                if v != "ALL" {
                    methods.push(v);
                }
                sub = call
                    .and_then(|c| js::call_args(c).first().copied())
                    .and_then(|a| js::string_value(src, a))
                    .map(str::to_owned);
            } else if explicit_public_decorator(&name) {
                public = true;
                file_has_public = true;
            } else {
                guards_from_decorator(src, &name, call, opts, Level::Route, &mut guards);
            }
        }
        if !is_route {
            continue;
        }
        let mname = m
            .field("name")
            .map(|n| node_text(src, n).to_owned())
            .unwrap_or_default();
        let path = match (&prefix, &sub) {
            (Some(p), Some(s)) => format!("/{}/{}", p.trim_matches('/'), s.trim_matches('/')),
            (Some(p), None) => format!("/{}", p.trim_matches('/')),
            (None, Some(s)) => format!("/{}", s.trim_matches('/')),
            (None, None) => "/".to_owned(),
        };
        let mut r = Route::new("nestjs", format!("{cname}.{mname}"), m.byte_range());
        if let Some(n) = m.field("name") {
            r.at = n.byte_range();
        }
        r.scope = cname.clone();
        r.methods = methods;
        r.path = Some(path.trim_end_matches('/').to_owned())
            .filter(|p| !p.is_empty())
            .or(Some("/".into()));
        r.guards = guards;
        r.explicit_public = public;
        // A global guard (`APP_GUARD`, `useGlobalGuards`) may be registered in any module.
        r.cross_file = true;
        if let Some(b) = m.field("body") {
            body_facts_nest(src, b, opts, &mut r);
        }
        out.push(r);
    }
    // A `@Public()` opt-out anywhere means a global guard protects everything else.
    if file_has_public {
        for r in &mut out {
            if !r.guarded() {
                r.explicit_public = true;
            }
        }
    }
    routes.extend(out);
}

/// Nest handlers get the user via parameter decorators (`@CurrentUser()`, `@Req() req` + `req.user`).
fn body_facts_nest(src: &str, body: Node<'_>, opts: &Options, r: &mut Route) {
    body_facts(src, body, opts, r);
    // Parameter decorators such as `@CurrentUser() user` read an identity set by a guard; they
    // are evidence, not a guard (parameter types such as `LoginUserDto` are neither).
    let Some(params) = body.up().and_then(|m| m.field("parameters")) else {
        return;
    };
    walk_named(params, Order::LastChildFirst, 10_000, |x| {
        if x.k() == "decorator" {
            if let Some((name, _)) = decorator_name(src, x) {
                if model::guard_kind(&name, &opts.guards).is_some()
                    || model::words(&name).iter().any(|w| w == "user")
                {
                    r.guards.push(Guard {
                        name,
                        kind: GuardKind::Authn,
                        level: Level::Body,
                    });
                    return Visit::Stop;
                }
            }
            return Visit::Skip;
        }
        Visit::Descend
    });
}

// ------------------------------------------------------------------ Next.js

fn next_route_path(path: &std::path::Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    if stem != "route" {
        return None;
    }
    let comps: Vec<&str> = path
        .parent()?
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    let i = comps.iter().rposition(|c| *c == "app")?;
    let segs: Vec<&str> = comps[i + 1..]
        .iter()
        .filter(|s| !(s.starts_with('@') || s.starts_with('(') && s.ends_with(')')))
        .copied()
        .collect();
    Some(format!("/{}", segs.join("/")))
}

fn next_handlers(cx: &JsCx<'_, '_>, root: Node<'_>, opts: &Options, routes: &mut Vec<Route>) {
    let src = cx.src;
    let Some(path) = next_route_path(cx.file.path) else {
        return;
    };
    let mut c = root.walk();
    for st in root.named_children(&mut c) {
        if st.k() != "export_statement" {
            continue;
        }
        let Some(decl) = st.field("declaration") else {
            continue;
        };
        let mut items: Vec<(String, Node, Node)> = Vec::new(); // (name, at, value)
        match decl.k() {
            "function_declaration" => {
                if let Some(n) = decl.field("name") {
                    items.push((node_text(src, n).to_owned(), n, decl));
                }
            }
            "lexical_declaration" | "variable_declaration" => {
                let mut c2 = decl.walk();
                for d in decl.named_children(&mut c2) {
                    if let (Some(n), Some(v)) = (d.field("name"), d.field("value")) {
                        items.push((node_text(src, n).to_owned(), n, v));
                    }
                }
            }
            _ => {}
        }
        for (name, at, value) in items {
            if !matches!(name.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
                continue;
            }
            let mut r = Route::new("nextjs", name.clone(), at.byte_range());
            r.scope = "next".into();
            r.methods = vec![name.clone()];
            r.path = Some(path.clone());
            r.rooted = true;
            // `middleware.ts` may check the session for this path.
            r.cross_file = true;
            let mut fnode = value;
            if value.k() == "call_expression" {
                // `export const POST = withAuth(async (req) => ..)`
                if let Some(n) = mw_name(src, value) {
                    if let Some(k) = model::guard_kind(&n, &opts.guards) {
                        r.guards.push(Guard {
                            name: n,
                            kind: k,
                            level: Level::Route,
                        });
                    }
                }
                match js::call_args(value).into_iter().find(|a| is_fn(*a)) {
                    Some(f) => fnode = f,
                    None => {
                        // A wrapper of unknown purpose around a handler defined elsewhere.
                        r.explicit_public = r.guards.is_empty();
                    }
                }
            }
            if is_fn(fnode) {
                if let Some(b) = fnode.field("body") {
                    body_facts(src, b, opts, &mut r);
                }
            } else if fnode.k() == "identifier" || fnode.k() == "member_expression" {
                // `export const GET = handler` / `export const { GET, POST } = handlers`
                r.explicit_public = true;
            }
            routes.push(r);
        }
    }
}

/// `pages/api/users/[id].ts` -> `/api/users/[id]` (`index` names its directory).
fn pages_api_path(path: &std::path::Path) -> Option<String> {
    let comps: Vec<&str> = path
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    let i = comps
        .windows(2)
        .rposition(|w| w[0] == "pages" && w[1] == "api")?;
    let mut segs: Vec<&str> = comps[i + 1..comps.len() - 1].to_vec();
    let stem = path.file_stem()?.to_str()?;
    if stem != "index" {
        segs.push(stem);
    }
    Some(format!("/{}", segs.join("/")))
}

/// Methods a pages-router handler serves: `req.method === "POST"`, `switch (req.method) { case "DELETE": }`.
fn handled_methods(src: &str, body: Node<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let is_method = |n: Node<'_>| {
        js::member_path(src, n).is_some_and(|p| p.ends_with(".method") && p.split('.').count() == 2)
    };
    let mut add = |v: &str| {
        let v = v.to_ascii_uppercase();
        if matches!(
            v.as_str(),
            "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS"
        ) && !out.contains(&v)
        {
            out.push(v);
        }
    };
    walk_named(body, Order::LastChildFirst, 50_000, |x| {
        match x.k() {
            "binary_expression" => {
                if let (Some(l), Some(r)) = (x.field("left"), x.field("right")) {
                    let op = x.field("operator").map(|o| node_text(src, o)).unwrap_or("");
                    if matches!(op, "===" | "==") {
                        if is_method(l) {
                            if let Some(v) = js::string_value(src, r) {
                                add(v);
                            }
                        } else if is_method(r) {
                            if let Some(v) = js::string_value(src, l) {
                                add(v);
                            }
                        }
                    }
                }
            }
            "switch_statement" => {
                let on_method = x
                    .field("value")
                    .and_then(|v| v.named_child(0).or(Some(v)))
                    .is_some_and(is_method);
                if on_method {
                    if let Some(b) = x.field("body") {
                        let mut c = b.walk();
                        for case in b.named_children(&mut c) {
                            if case.k() == "switch_case" {
                                if let Some(v) =
                                    case.field("value").and_then(|v| js::string_value(src, v))
                                {
                                    add(v);
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        Visit::Descend
    });
    out
}

/// Next.js pages-router API routes: `pages/api/**` exporting a default `handler(req, res)`.
pub(super) fn pages_api_handlers(
    cx: &JsCx<'_, '_>,
    root: Node<'_>,
    opts: &Options,
    routes: &mut Vec<Route>,
) {
    let src = cx.src;
    let Some(path) = pages_api_path(cx.file.path) else {
        return;
    };
    let mut defs: HashMap<String, Node> = HashMap::new();
    let mut c = root.walk();
    let tops: Vec<Node> = root.named_children(&mut c).collect();
    for st in &tops {
        let d = if st.k() == "export_statement" {
            st.field("declaration").unwrap_or(*st)
        } else {
            *st
        };
        match d.k() {
            "function_declaration" => {
                if let Some(n) = d.field("name") {
                    defs.insert(node_text(src, n).to_owned(), d);
                }
            }
            "lexical_declaration" | "variable_declaration" => {
                let mut c2 = d.walk();
                for v in d.named_children(&mut c2) {
                    if let (Some(n), Some(val)) = (v.field("name"), v.field("value")) {
                        defs.insert(node_text(src, n).to_owned(), val);
                    }
                }
            }
            _ => {}
        }
    }
    for st in tops {
        if st.k() != "export_statement" {
            continue;
        }
        let mut c2 = st.walk();
        let is_default = st.children(&mut c2).any(|k| k.k() == "default");
        if !is_default {
            continue;
        }
        let Some(value) = st.field("declaration").or_else(|| st.field("value")) else {
            continue;
        };
        let mut r = Route::new("nextjs", "handler".into(), value.byte_range());
        r.scope = "next".into();
        r.path = Some(path.clone());
        r.rooted = true;
        r.cross_file = true;
        let mut f = value;
        for _ in 0..4 {
            match f.k() {
                "identifier" => {
                    r.handler = node_text(src, f).to_owned();
                    match defs.get(node_text(src, f)) {
                        Some(d) => f = *d,
                        None => break,
                    }
                }
                "call_expression" => {
                    // `export default withAuth(handler)`: a wrapper names its purpose.
                    if let Some(n) = mw_name(src, f) {
                        if let Some(k) = model::guard_kind(&n, &opts.guards) {
                            r.guards.push(Guard {
                                name: n,
                                kind: k,
                                level: Level::Route,
                            });
                        } else if !model::known_not_guard(&n) {
                            r.opaque = true;
                        }
                    }
                    match js::call_args(f).last() {
                        Some(a) => f = *a,
                        None => break,
                    }
                }
                _ => break,
            }
        }
        if is_fn(f) {
            if let Some(n) = f.field("name") {
                r.handler = node_text(src, n).to_owned();
            }
            if let Some(b) = f.field("body") {
                r.methods = handled_methods(src, b);
                body_facts(src, b, opts, &mut r);
            }
        } else {
            r.opaque = true;
        }
        routes.push(r);
    }
}
