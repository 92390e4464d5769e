//! Routes of a Python file: Flask (`@app.route`, `@bp.post`, `before_request`), FastAPI
//! (`@router.get`, `Depends`/`Security`, router and app dependencies) and Django views
//! (decorators, mixins, DRF `permission_classes`).

use super::model::{self, Guard, GuardKind, Level, Options, Route};
use crate::lang::python::{self as py, node_text, PyCx};
use crate::lang::NodeExt;
use std::collections::HashMap;
use tree_sitter::Node;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Kind {
    FlaskApp,
    Blueprint,
    FastApi,
    ApiRouter,
}

struct Obj<'t> {
    kind: Kind,
    /// `dependencies=[...]` given at construction.
    deps: Option<Node<'t>>,
}

pub(super) fn server_like_name(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    matches!(
        last,
        "app" | "bp" | "blueprint" | "router" | "api" | "application"
    ) || last.ends_with("_bp")
        || last.ends_with("_blueprint")
        || last.ends_with("_router")
        || last.ends_with("_app")
}

/// Walks a subtree (bounded).
pub(super) fn walk<'t>(n: Node<'t>, mut f: impl FnMut(Node<'t>)) {
    use crate::lang::{walk_named, Order, Visit};
    walk_named(n, Order::LastChildFirst, 100_000, |x| {
        f(x);
        Visit::Descend
    });
}

/// Guards and writes seen in a function body (see `routes_js::body_facts`).
/// What `body_facts` learns from an identifier's name alone, by name: handlers of one file
/// repeat the same names, and splitting a name into words allocates.
#[derive(Default)]
pub(super) struct NameMemo<'s>(HashMap<&'s str, NameFacts>, HashMap<&'s str, CallFacts>);

/// What `body_facts` learns from a called function's name alone.
#[derive(Clone, Copy)]
struct CallFacts {
    /// A write (`save`, `create`, `delete_x`...).
    writes: bool,
    /// A write whose first word deletes.
    deletes: bool,
    /// An authorization guard (`check_permission`, `require_role`...).
    authz: bool,
}

#[derive(Clone, Copy)]
struct NameFacts {
    /// The name says "forbidden".
    forbidden: bool,
    /// A configured or known guard, or a word of the name is a guard word.
    guard: bool,
    /// A word of the name is an authorization word (`role`, `permission`...).
    authz_word: bool,
}

impl<'s> NameMemo<'s> {
    fn get(&mut self, name: &'s str, opts: &Options) -> NameFacts {
        *self.0.entry(name).or_insert_with(|| {
            let words = model::words(name);
            NameFacts {
                forbidden: name.to_ascii_lowercase().contains("forbidden"),
                guard: model::guard_kind(name, &opts.guards).is_some()
                    || words.iter().any(|w| model::body_word_kind(w).is_some()),
                authz_word: words
                    .iter()
                    .any(|w| model::body_word_kind(w) == Some(GuardKind::Authz)),
            }
        })
    }

    fn call(&mut self, name: &'s str, opts: &Options) -> CallFacts {
        *self.1.entry(name).or_insert_with(|| {
            let writes = model::write_call(name);
            CallFacts {
                writes,
                deletes: writes
                    && model::words(name).first().is_some_and(|w| {
                        matches!(
                            w.as_str(),
                            "delete" | "destroy" | "remove" | "purge" | "drop"
                        )
                    }),
                authz: model::guard_kind(name, &opts.guards) == Some(GuardKind::Authz),
            }
        })
    }
}

fn body_facts<'s>(
    src: &'s str,
    body: Node<'_>,
    opts: &Options,
    route: &mut Route,
    memo: &mut NameMemo<'s>,
) {
    route.body_seen = true;
    route.reads_input.get_or_insert(false);
    route.body = Some(body.byte_range());
    let mut authn: Option<String> = None;
    let mut authz: Option<String> = None;
    walk(body, |x| match x.k() {
        "call" => {
            if let Some(name) = py::callee_name(src, x) {
                let facts = memo.call(name, opts);
                if facts.writes {
                    route.body_mutates = true;
                    route.body_deletes |= facts.deletes;
                }
                if facts.authz || name == "has_perm" || name == "has_perms" {
                    authz.get_or_insert(name.to_owned());
                }
                if name == "abort" {
                    if let Some(a) = py::positional_args(x).first() {
                        match node_text(src, *a) {
                            "403" => {
                                authz.get_or_insert("abort(403)".into());
                            }
                            "401" => {
                                authn.get_or_insert("abort(401)".into());
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        "comparison_operator" | "boolean_operator" | "not_operator" => {
            walk(x, |t| {
                if t.k() == "identifier" {
                    let tx = node_text(src, t);
                    if memo.get(tx, opts).authz_word
                        || matches!(tx, "is_staff" | "is_superuser" | "is_admin")
                    {
                        authz.get_or_insert(tx.to_owned());
                    }
                }
            });
        }
        "if_statement" => {
            if let Some(c) = x.field("condition") {
                if c.k() == "attribute" || c.k() == "identifier" {
                    let tx = node_text(src, c);
                    if tx.ends_with("is_staff")
                        || tx.ends_with("is_superuser")
                        || tx.ends_with("is_admin")
                    {
                        authz.get_or_insert(tx.to_owned());
                    }
                }
            }
        }
        "integer" if node_text(src, x) == "403" => {
            authz.get_or_insert("403".into());
        }
        "identifier" => {
            let t = node_text(src, x);
            let facts = memo.get(t, opts);
            if facts.forbidden || t == "PermissionDenied" {
                authz.get_or_insert(t.to_owned());
            }
            // `db.session` is a database session, not the user's.
            let attr_of_other = x.up().is_some_and(|p| {
                p.k() == "attribute" && p.field("attribute").map(|a| a.id()) == Some(x.id())
            });
            if attr_of_other && t.contains("session") {
                return;
            }
            if facts.guard || (x.k() == "identifier" && matches!(t, "user" | "current_user")) {
                authn.get_or_insert(t.to_owned());
            }
        }
        "attribute" => {
            // `request.user`, `g.user`, `current_user.id`
            let t = node_text(src, x);
            if [
                "request.POST",
                "request.data",
                "request.body",
                "request.json",
                "request.form",
                "request.get_json",
                "request.files",
                "request.FILES",
                "request.values",
            ]
            .iter()
            .any(|p| t.contains(p))
            {
                route.reads_input = Some(true);
            }
            if t.ends_with(".user")
                || t.starts_with("current_user")
                || t.ends_with(".is_authenticated")
            {
                authn.get_or_insert(t.to_owned());
            }
        }
        _ => {}
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

/// Names in `Depends(x)` / `Security(x)` calls inside a node (dependency lists, parameters).
fn dependencies(src: &str, n: Node<'_>) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    walk(n, |x| {
        if x.k() != "call" {
            return;
        }
        let Some(name) = py::callee_name(src, x) else {
            return;
        };
        if name != "Depends" && name != "Security" {
            return;
        }
        let target = py::positional_args(x)
            .first()
            .and_then(|a| match a.k() {
                "call" => a.field("function").and_then(|f| py::dotted(src, f)),
                _ => py::dotted(src, *a),
            })
            .or_else(|| py::keyword_arg(src, x, "dependency").and_then(|a| py::dotted(src, a)));
        out.push((target.unwrap_or_default(), name == "Security"));
    });
    out
}

/// Guards among the `Depends`/`Security` targets in `n`; returns whether a dependency of unknown
/// purpose was seen (it may check the caller).
pub(super) fn dep_guards(
    src: &str,
    n: Node<'_>,
    opts: &Options,
    level: Level,
    out: &mut Vec<Guard>,
) -> bool {
    let mut unknown = false;
    for (name, security) in dependencies(src, n) {
        let k = model::guard_kind(&name, &opts.guards).or(security.then_some(GuardKind::Authn));
        if let Some(k) = k {
            out.push(Guard {
                name: if name.is_empty() {
                    "Security".into()
                } else {
                    name
                },
                kind: k,
                level,
            });
        } else if !name.is_empty() && !model::known_not_guard(&name) {
            unknown = true;
        }
    }
    unknown
}

/// A decorator's dotted name and its call node (`@app.route("/x")` -> `app.route`).
fn dec_name<'t>(src: &str, d: Node<'t>) -> Option<(String, Option<Node<'t>>)> {
    match d.k() {
        "call" => Some((py::dotted(src, d.field("function")?)?, Some(d))),
        _ => Some((py::dotted(src, d)?, None)),
    }
}

fn str_list(src: &str, n: Node<'_>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(s) = py::string_value(src, n) {
        out.push(s.to_ascii_uppercase());
    }
    if matches!(n.k(), "list" | "tuple" | "set") {
        let mut c = n.walk();
        for e in n.named_children(&mut c) {
            if let Some(s) = py::string_value(src, e) {
                out.push(s.to_ascii_uppercase());
            }
        }
    }
    out
}

pub(super) fn obj_kind(cx: &PyCx<'_, '_>, call: Node<'_>) -> Option<Kind> {
    let callee = cx.resolved_callee(call)?;
    let last = callee.rsplit('.').next().unwrap_or(&callee);
    match last {
        "Flask" | "APIFlask" | "Quart" => Some(Kind::FlaskApp),
        "Blueprint" | "APIBlueprint" => Some(Kind::Blueprint),
        "FastAPI" => Some(Kind::FastApi),
        "APIRouter" => Some(Kind::ApiRouter),
        _ => None,
    }
}

pub(crate) fn collect(cx: &PyCx<'_, '_>, root: Node<'_>, opts: &Options) -> Vec<Route> {
    let mut memo = NameMemo::default();
    let src = cx.src;
    let mut objs: HashMap<String, Obj> = HashMap::new();
    let mut funcs: Vec<Node> = Vec::new();
    let mut classes: Vec<Node> = Vec::new();
    let mut calls: Vec<Node> = Vec::new();
    let mut defs: HashMap<String, Node> = HashMap::new();
    let mut custom: Vec<String> = Vec::new();
    walk(root, |n| match n.k() {
        "assignment" => {
            if let (Some(l), Some(r)) = (n.field("left"), n.field("right")) {
                if r.k() == "call" {
                    if let Some(k) = obj_kind(cx, r) {
                        objs.insert(
                            node_text(src, l).to_owned(),
                            Obj {
                                kind: k,
                                deps: py::keyword_arg(src, r, "dependencies"),
                            },
                        );
                    } else {
                        // `router = AdminAPIRouter(..)`, `app = create_app()`: a custom router
                        // class or factory may attach auth.
                        custom.push(node_text(src, l).to_owned());
                    }
                }
            }
        }
        "function_definition" => {
            funcs.push(n);
            if let Some(name) = n.field("name") {
                defs.insert(node_text(src, name).to_owned(), n);
            }
        }
        "class_definition" => classes.push(n),
        "call" => calls.push(n),
        _ => {}
    });
    let fastapi = cx.imports_module("fastapi");
    let django = cx.imports_module("django") || cx.imports_module("rest_framework");

    // Flask hooks and FastAPI/Flask mounts.
    // receiver -> hook functions (before_request / middleware)
    let mut hooks: HashMap<String, Vec<Node>> = HashMap::new();
    let mut app_hooks: Vec<Node> = Vec::new();
    let mut unknown_mw = false;
    // child -> (parent, prefix, mount call)
    let mut mounts: HashMap<String, (String, Option<String>, Node)> = HashMap::new();
    for &f in &funcs {
        for d in py::decorators(f) {
            let Some((name, call)) = dec_name(src, d) else {
                continue;
            };
            let (recv, m) = name.rsplit_once('.').unwrap_or(("", name.as_str()));
            match m {
                "before_request" => hooks.entry(recv.to_owned()).or_default().push(f),
                "before_app_request" => app_hooks.push(f),
                "middleware" if call.is_some() => app_hooks.push(f),
                _ => {}
            }
        }
    }
    for &c in &calls {
        let Some(f) = c.field("function") else {
            continue;
        };
        let Some(path) = py::dotted(src, f) else {
            continue;
        };
        let Some((recv, m)) = path.rsplit_once('.') else {
            continue;
        };
        let args = py::positional_args(c);
        match m {
            "before_request" | "before_app_request" => {
                if let Some(h) = args.first().and_then(|a| defs.get(node_text(src, *a))) {
                    if m == "before_app_request" {
                        app_hooks.push(*h);
                    } else {
                        hooks.entry(recv.to_owned()).or_default().push(*h);
                    }
                }
            }
            "register_blueprint" | "include_router" => {
                if let Some(child) = args.first() {
                    let prefix = py::keyword_arg(src, c, "url_prefix")
                        .or_else(|| py::keyword_arg(src, c, "prefix"))
                        .and_then(|p| py::string_value(src, p))
                        .map(str::to_owned);
                    mounts.insert(
                        node_text(src, *child).to_owned(),
                        (recv.to_owned(), prefix, c),
                    );
                }
            }
            "add_middleware" => {
                let name = args
                    .first()
                    .and_then(|a| py::dotted(src, *a))
                    .unwrap_or_default();
                if model::guard_kind(&name, &opts.guards).is_none()
                    && !matches!(
                        name.rsplit('.').next().unwrap_or(""),
                        "CORSMiddleware"
                            | "GZipMiddleware"
                            | "TrustedHostMiddleware"
                            | "HTTPSRedirectMiddleware"
                            | "SessionMiddleware"
                    )
                {
                    unknown_mw = true;
                } else if model::guard_kind(&name, &opts.guards).is_some() {
                    hooks.entry(recv.to_owned()).or_default();
                    // An auth middleware on the app: every route is behind it.
                    app_hooks.push(c);
                }
            }
            _ => {}
        }
    }

    let mut routes = Vec::new();
    for &f in &funcs {
        let decs = py::decorators(f);
        let Some((ri, recv, verb, call)) = decs.iter().enumerate().find_map(|(i, d)| {
            let (name, call) = dec_name(src, *d)?;
            let (recv, m) = name.rsplit_once('.')?;
            if !matches!(
                m,
                "route" | "get" | "post" | "put" | "patch" | "delete" | "api_route" | "websocket"
            ) {
                return None;
            }
            if !(objs.contains_key(recv) || server_like_name(recv)) {
                return None;
            }
            let call = call?;
            let first = py::positional_args(call).into_iter().next();
            let path = first
                .and_then(|p| py::string_value(src, p))
                .map(str::to_owned);
            path.as_ref()?;
            Some((i, recv.to_owned(), m.to_owned(), call))
        }) else {
            continue;
        };
        let kind = objs.get(&recv).map(|o| o.kind);
        let custom_router = kind.is_none() && custom.contains(&recv);
        let is_fastapi =
            matches!(kind, Some(Kind::FastApi | Kind::ApiRouter)) || (kind.is_none() && fastapi);
        let framework = if is_fastapi { "fastapi" } else { "flask" };
        let name = f
            .field("name")
            .map(|n| node_text(src, n).to_owned())
            .unwrap_or_default();
        let mut r = Route::new(framework, name, decs[ri].byte_range());
        r.scope = recv.clone();
        r.path = py::positional_args(call)
            .first()
            .and_then(|p| py::string_value(src, *p))
            .map(str::to_owned);
        r.methods = match verb.as_str() {
            "route" | "api_route" => py::keyword_arg(src, call, "methods")
                .map(|m| str_list(src, m))
                .unwrap_or_else(|| {
                    if verb == "route" {
                        vec!["GET".into()]
                    } else {
                        Vec::new()
                    }
                }),
            "websocket" => vec!["GET".into()],
            v => vec![v.to_ascii_uppercase()],
        };
        // Other decorators: guards (Flask applies decorators bottom-up; a guard above the route
        // decorator wraps the function after it was registered).
        for (i, d) in decs.iter().enumerate() {
            if i == ri {
                continue;
            }
            let Some((dn, dcall)) = dec_name(src, *d) else {
                continue;
            };
            if let Some(k) = model::guard_kind(&dn, &opts.guards) {
                if i < ri && !is_fastapi {
                    r.misordered_guard
                        .get_or_insert((dn.clone(), d.byte_range()));
                    continue;
                }
                let k = match (k, dcall) {
                    (GuardKind::Authn, Some(c)) => call_arg_kind(src, c).unwrap_or(k),
                    (k, _) => k,
                };
                r.guards.push(Guard {
                    name: dn,
                    kind: k,
                    level: Level::Route,
                });
            } else {
                if let Some(c) = dcall {
                    // `@permission_classes([IsAuthenticated])`-style wrappers.
                    r.opaque |= dep_guards(src, c, opts, Level::Route, &mut r.guards);
                }
                let last = dn.rsplit('.').next().unwrap_or(&dn);
                let another_route = matches!(
                    last,
                    "route" | "get" | "post" | "put" | "patch" | "delete" | "api_route"
                );
                if !another_route && !model::known_not_guard(&dn) {
                    r.opaque = true;
                }
            }
        }
        if is_fastapi {
            if let Some(deps) = py::keyword_arg(src, call, "dependencies") {
                r.opaque |= dep_guards(src, deps, opts, Level::Route, &mut r.guards);
            }
            if let Some(params) = f.field("parameters") {
                r.opaque |= dep_guards(src, params, opts, Level::Route, &mut r.guards);
                // `current_user: CurrentUser` (an Annotated alias defined elsewhere)
                let mut c = params.walk();
                for p in params.named_children(&mut c) {
                    if let Some(t) = p.field("type") {
                        let tn = node_text(src, t);
                        if let Some(k) = model::guard_kind(tn, &opts.guards) {
                            if !tn.contains("Session") {
                                r.guards.push(Guard {
                                    name: tn.to_owned(),
                                    kind: k,
                                    level: Level::Route,
                                });
                            }
                        }
                    }
                }
            }
        }
        // Router, mounts, app.
        let mut visible = matches!(kind, Some(Kind::FlaskApp | Kind::FastApi));
        let mut cur = recv.clone();
        for _ in 0..6 {
            if let Some(o) = objs.get(&cur) {
                if let Some(d) = o.deps {
                    r.opaque |= dep_guards(src, d, opts, Level::Router, &mut r.guards);
                }
            }
            for h in hooks.get(&cur).map(Vec::as_slice).unwrap_or(&[]) {
                hook_guard(src, *h, opts, &mut r);
            }
            let Some((parent, prefix, call)) = mounts.get(&cur) else {
                break;
            };
            if let Some(d) = py::keyword_arg(src, *call, "dependencies") {
                r.opaque |= dep_guards(src, d, opts, Level::Router, &mut r.guards);
            }
            if let (Some(p), Some(rp)) = (prefix, &r.path) {
                r.path = Some(format!("{}{}", p.trim_end_matches('/'), rp));
            }
            cur = parent.clone();
            visible = matches!(
                objs.get(&cur).map(|o| o.kind),
                Some(Kind::FlaskApp | Kind::FastApi)
            );
        }
        for h in &app_hooks {
            hook_guard(src, *h, opts, &mut r);
        }
        if let Some(b) = f.field("body") {
            body_facts(src, b, opts, &mut r, &mut memo);
        }
        r.visible_chain = visible && !unknown_mw;
        r.rooted = visible;
        if is_fastapi && !visible {
            // Included in another module (`app.include_router(router, dependencies=...)`).
            r.cross_file = true;
            if !unknown_mw {
                r.chain_top = Some(cur.clone());
            }
        } else if !is_fastapi && !visible && !unknown_mw {
            // A blueprint registered in another module (`app.register_blueprint(bp)`), whose
            // app may guard it with a `before_request` hook there; decided below.
            r.chain_top = Some(cur.clone());
        }
        // Methods of a controller class (`self` first) may get dependencies from the class.
        let method = f
            .field("parameters")
            .and_then(|p| p.named_child(0))
            .is_some_and(|p| node_text(src, p) == "self");
        if custom_router || method {
            r.opaque = true;
        }
        routes.push(r);
    }
    // Blueprint routes are left to the project pass, which sees where the blueprint is
    // registered, unless this file shows its auth convention (a guard on some routes or
    // blueprints): then it judges them itself, in the editor too.
    let per_route = routes.iter().any(|r| {
        r.guards
            .iter()
            .any(|g| g.kind == GuardKind::Authn && g.level != Level::Body)
    });
    if !per_route {
        for r in routes.iter_mut() {
            if r.framework == "flask" && r.chain_top.is_some() {
                r.cross_file = true;
            }
        }
    }
    if django {
        django_views(cx, root, &funcs, &classes, opts, &mut routes);
    } else if cx.imports_module("flask_restful")
        || cx.imports_module("flask_restx")
        || cx.imports_module("flask.views")
        || cx.imports_module("flask_smorest")
    {
        flask_resources(src, &classes, &calls, opts, &mut routes);
    }
    routes
}

/// Flask class-based views: flask-restful/flask-restx `Resource` and `MethodView` classes,
/// guarded by `decorators = [...]`/`method_decorators = [...]` or per-method decorators;
/// paths from `api.add_resource(Cls, "/p")` / `add_url_rule("/p", view_func=Cls.as_view(..))`.
fn flask_resources(
    src: &str,
    classes: &[Node<'_>],
    calls: &[Node<'_>],
    opts: &Options,
    routes: &mut Vec<Route>,
) {
    let mut memo = NameMemo::default();
    // class name -> path
    let mut paths: HashMap<String, String> = HashMap::new();
    for &c in calls {
        match py::callee_name(src, c) {
            Some("add_resource") => {
                let args = py::positional_args(c);
                if let (Some(cls), Some(p)) = (args.first(), args.get(1)) {
                    if let Some(p) = py::string_value(src, *p) {
                        paths.insert(node_text(src, *cls).to_owned(), p.to_owned());
                    }
                }
            }
            Some("add_url_rule") => {
                let p = py::positional_args(c)
                    .first()
                    .and_then(|a| py::string_value(src, *a))
                    .map(str::to_owned);
                let view = py::keyword_arg(src, c, "view_func")
                    .and_then(|v| v.field("function"))
                    .and_then(|f| f.field("object"))
                    .map(|o| node_text(src, o).to_owned());
                if let (Some(p), Some(v)) = (p, view) {
                    paths.insert(v, p);
                }
            }
            _ => {}
        }
    }
    for &c in classes {
        let bases: Vec<String> = c
            .field("superclasses")
            .map(|s| {
                let mut cur = s.walk();
                s.named_children(&mut cur)
                    .filter_map(|b| py::dotted(src, b))
                    .collect()
            })
            .unwrap_or_default();
        if !bases.iter().any(|b| {
            matches!(
                b.rsplit('.').next().unwrap_or(b),
                "Resource" | "MethodView" | "MethodResource"
            )
        }) {
            continue;
        }
        let cname = c
            .field("name")
            .map(|n| node_text(src, n).to_owned())
            .unwrap_or_default();
        let Some(body) = c.field("body") else {
            continue;
        };
        let mut class_guards = Vec::new();
        let mut class_opaque = false;
        // flask-restx `@ns.route("/todos/<int:id>")` on the class; other class decorators may
        // be guards.
        for d in py::decorators(c) {
            let Some((dn, call)) = dec_name(src, d) else {
                continue;
            };
            if dn.ends_with(".route") {
                if let Some(p) = call
                    .and_then(|c| py::positional_args(c).into_iter().next())
                    .and_then(|a| py::string_value(src, a))
                {
                    paths.insert(cname.clone(), p.to_owned());
                }
                continue;
            }
            match model::guard_kind(&dn, &opts.guards) {
                Some(k) => class_guards.push(Guard {
                    name: dn,
                    kind: k,
                    level: Level::Route,
                }),
                None if !model::known_not_guard(&dn) => class_opaque = true,
                None => {}
            }
        }
        let mut methods = Vec::new();
        let mut cur = body.walk();
        for st in body.named_children(&mut cur) {
            match st.k() {
                "expression_statement" => {
                    let Some(a) = st.named_child(0).filter(|a| a.k() == "assignment") else {
                        continue;
                    };
                    let (Some(l), Some(v)) = (a.field("left"), a.field("right")) else {
                        continue;
                    };
                    if !matches!(node_text(src, l), "decorators" | "method_decorators") {
                        continue;
                    }
                    walk(v, |x| {
                        if !matches!(x.k(), "identifier" | "attribute")
                            || x.up().is_some_and(|p| p.k() == "attribute")
                        {
                            return;
                        }
                        let n = node_text(src, x);
                        match model::guard_kind(n, &opts.guards) {
                            Some(k) => class_guards.push(Guard {
                                name: n.to_owned(),
                                kind: k,
                                level: Level::Route,
                            }),
                            None if !model::known_not_guard(n) => class_opaque = true,
                            None => {}
                        }
                    });
                }
                "function_definition" | "decorated_definition" => {
                    let f = if st.k() == "decorated_definition" {
                        match st.field("definition") {
                            Some(f) => f,
                            None => continue,
                        }
                    } else {
                        st
                    };
                    methods.push(f);
                }
                _ => {}
            }
        }
        for f in methods {
            let mname = f.field("name").map(|n| node_text(src, n)).unwrap_or("");
            if !matches!(mname, "get" | "post" | "put" | "patch" | "delete") {
                continue;
            }
            let at = f
                .field("name")
                .map(|n| n.byte_range())
                .unwrap_or(f.byte_range());
            let mut r = Route::new("flask", format!("{cname}.{mname}"), at);
            r.scope = cname.clone();
            r.methods = vec![mname.to_ascii_uppercase()];
            r.path = paths.get(&cname).cloned();
            r.guards = class_guards.clone();
            r.opaque = class_opaque;
            for d in py::decorators(f) {
                let Some((dn, _)) = dec_name(src, d) else {
                    continue;
                };
                match model::guard_kind(&dn, &opts.guards) {
                    Some(k) => r.guards.push(Guard {
                        name: dn,
                        kind: k,
                        level: Level::Route,
                    }),
                    None if !model::known_not_guard(&dn) => r.opaque = true,
                    None => {}
                }
            }
            if let Some(b) = f.field("body") {
                body_facts(src, b, opts, &mut r, &mut memo);
            }
            routes.push(r);
        }
    }
}

/// `@auth.login_required(role="admin")`, `@roles_required("admin")` -> Authz.
fn call_arg_kind(src: &str, call: Node<'_>) -> Option<GuardKind> {
    let args = call.field("arguments")?;
    let mut c = args.walk();
    let mut strs = Vec::new();
    for a in args.named_children(&mut c) {
        if a.k() == "keyword_argument" {
            let k = a.field("name").map(|n| node_text(src, n)).unwrap_or("");
            if matches!(
                k,
                "role"
                    | "roles"
                    | "permission"
                    | "permissions"
                    | "scope"
                    | "scopes"
                    | "groups"
                    | "group"
            ) {
                return Some(GuardKind::Authz);
            }
        } else if let Some(s) = py::string_value(src, a) {
            strs.push(s.to_owned());
        }
    }
    model::arg_kind(&strs)
}

/// A `before_request` hook or HTTP middleware: a guard when its body checks the caller.
/// Whether a `before_request`-style hook function rejects callers who are not signed in.
pub(super) fn hook_is_guard(src: &str, h: Node<'_>, opts: &Options) -> bool {
    let mut tmp = Route::new("", String::new(), 0..0);
    hook_guard(src, h, opts, &mut tmp);
    !tmp.guards.is_empty()
}

fn hook_guard(src: &str, h: Node<'_>, opts: &Options, r: &mut Route) {
    if h.k() == "call" {
        // app.add_middleware(AuthMiddleware)
        r.guards.push(Guard {
            name: "add_middleware".into(),
            kind: GuardKind::Authn,
            level: Level::Router,
        });
        return;
    }
    let Some(b) = h.field("body") else {
        return;
    };
    let mut tmp = Route::new("", String::new(), 0..0);
    body_facts(src, b, opts, &mut tmp, &mut NameMemo::default());
    let name = h
        .field("name")
        .map(|n| node_text(src, n).to_owned())
        .unwrap_or_default();
    // A hook that only loads the user (`g.user = ...`) without rejecting is not a guard: require
    // a rejection (abort/redirect/401/403/raise) or a guard-like name.
    let mut rejects = false;
    walk(b, |x| match x.k() {
        "raise_statement" => rejects = true,
        "return_statement" if x.named_child(0).is_some() => rejects = true,
        "call" => {
            if matches!(py::callee_name(src, x), Some("abort" | "redirect")) {
                rejects = true;
            }
        }
        _ => {}
    });
    if let Some(mut g) = tmp.guards.into_iter().next() {
        if rejects {
            g.level = Level::Router;
            g.name = name;
            r.guards.push(g);
        }
    }
}

// ------------------------------------------------------------------ Django

const DJANGO_PUBLIC_PERMS: &[&str] = &["AllowAny"];

fn django_views(
    cx: &PyCx<'_, '_>,
    root: Node<'_>,
    funcs: &[Node<'_>],
    classes: &[Node<'_>],
    opts: &Options,
    routes: &mut Vec<Route>,
) {
    let mut memo = NameMemo::default();
    let src = cx.src;
    let module_level = |f: Node<'_>| {
        f.up().map(|p| {
            if p.k() == "decorated_definition" {
                p.up()
            } else {
                Some(p)
            }
        }) == Some(Some(root))
    };
    let fname = |f: Node<'_>| f.field("name").map(|n| node_text(src, n)).unwrap_or("");
    // Module-level functions by name, with the kind of guard their decorators give (None:
    // unguarded), and those another module-level function calls with its `request`: helpers
    // of the views that call them (a view handing over the request it was given), not routed
    // themselves.
    let mut guarded: HashMap<&str, Option<GuardKind>> = HashMap::new();
    let mut bodies: HashMap<&str, Node<'_>> = HashMap::new();
    let mut handed: std::collections::HashSet<&str> = Default::default();
    for &f in funcs.iter().filter(|f| module_level(**f)) {
        let kinds: Vec<GuardKind> = py::decorators(f)
            .into_iter()
            .filter_map(|d| dec_name(src, d))
            .filter_map(|(dn, _)| decorator_guard(&dn, opts))
            .collect();
        let kind = if kinds.is_empty() {
            None
        } else if kinds.contains(&GuardKind::Authz) {
            Some(GuardKind::Authz)
        } else {
            Some(GuardKind::Authn)
        };
        guarded.insert(fname(f), kind);
        if let Some(b) = f.field("body") {
            bodies.insert(fname(f), b);
        }
    }
    for &f in funcs.iter().filter(|f| module_level(**f)) {
        if let Some(b) = f.field("body") {
            walk(b, |x| {
                if let Some(callee) = request_handover(src, x) {
                    if callee != fname(f) && guarded.contains_key(callee) {
                        handed.insert(callee);
                    }
                }
            });
        }
    }
    // Module-level function views taking `request` first.
    for &f in funcs {
        if !module_level(f) {
            continue;
        }
        let first_param = f
            .field("parameters")
            .and_then(|p| p.named_child(0))
            .map(|p| {
                node_text(src, p)
                    .split([':', '='])
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_owned()
            });
        if first_param.as_deref() != Some("request") {
            continue;
        }
        let name = f
            .field("name")
            .map(|n| node_text(src, n).to_owned())
            .unwrap_or_default();
        if name.starts_with('_') || handed.contains(name.as_str()) {
            continue;
        }
        let mut r = Route::new(
            "django",
            name.clone(),
            f.field("name")
                .map(|n| n.byte_range())
                .unwrap_or(f.byte_range()),
        );
        r.scope = "views".into();
        // Settings (`LoginRequiredMiddleware`, `DEFAULT_PERMISSION_CLASSES`) and urls.py
        // (`login_required(view)`) may protect every view from another file.
        r.cross_file = true;
        for d in py::decorators(f) {
            let Some((dn, call)) = dec_name(src, d) else {
                continue;
            };
            let last = dn.rsplit('.').next().unwrap_or(&dn);
            match last {
                "api_view" | "require_http_methods" => {
                    r.drf |= last == "api_view";
                    if let Some(a) = call.and_then(|c| py::positional_args(c).into_iter().next()) {
                        r.methods = str_list(src, a);
                    } else if last == "api_view" {
                        r.methods = vec!["GET".into()];
                    }
                }
                "require_POST" => r.methods = vec!["POST".into()],
                "require_GET" | "require_safe" => r.methods = vec!["GET".into()],
                "permission_classes" => {
                    if let Some(c) = call {
                        perm_classes(src, c, opts, &mut r);
                    }
                }
                "csrf_exempt" | "never_cache" | "cache_page" | "transaction" | "atomic" => {}
                // Django 5.1 `LoginRequiredMiddleware` opt-out.
                "login_not_required" => r.explicit_public = true,
                _ => {
                    if let Some(kind) = decorator_guard(&dn, opts) {
                        r.guards.push(Guard {
                            name: dn.clone(),
                            kind,
                            level: Level::Route,
                        });
                    }
                }
            }
        }
        if let Some(b) = f.field("body") {
            // A view whose every answer comes from a guarded view of this module, called with
            // its request (`return create_item(request)` by method): guarded by them.
            if r.guards.is_empty() {
                let mut delegates = Vec::new();
                let mut other = false;
                walk(b, |x| {
                    if x.k() != "return_statement" {
                        return;
                    }
                    let to = x
                        .named_child(0)
                        .and_then(|v| request_handover(src, v))
                        .and_then(|c| Some((c, (*guarded.get(c)?)?)));
                    match to {
                        Some(d) => delegates.push(d),
                        None => other = true,
                    }
                });
                if !other && !delegates.is_empty() {
                    let all_authz = delegates.iter().all(|(_, k)| *k == GuardKind::Authz);
                    let names: Vec<&str> = delegates.iter().map(|(c, _)| *c).collect();
                    r.guards.push(Guard {
                        name: names.join(", "),
                        kind: if all_authz {
                            GuardKind::Authz
                        } else {
                            GuardKind::Authn
                        },
                        level: Level::Route,
                    });
                }
            }
            body_facts(src, b, opts, &mut r, &mut memo);
            // What the unguarded helpers it hands its request to do, it does (one level).
            let mut helpers = Vec::new();
            walk(b, |x| {
                if let Some(c) = request_handover(src, x) {
                    if c != name.as_str() && guarded.get(c) == Some(&None) && !helpers.contains(&c)
                    {
                        helpers.push(c);
                    }
                }
            });
            for h in helpers {
                if let Some(&hb) = bodies.get(h) {
                    body_facts(src, hb, opts, &mut r, &mut memo);
                }
            }
            // `if request.method == "POST":` / `request.method in ("POST", "PUT")`
            walk(b, |x| {
                if x.k() != "comparison_operator" {
                    return;
                }
                let mut c = x.walk();
                let operands: Vec<Node> = x.named_children(&mut c).collect();
                if !operands
                    .iter()
                    .any(|o| py::dotted(src, *o).as_deref() == Some("request.method"))
                {
                    return;
                }
                for o in operands {
                    let mut vals = str_list(src, o);
                    if o.k() == "parenthesized_expression" {
                        if let Some(inner) = o.named_child(0) {
                            vals.extend(str_list(src, inner));
                        }
                    }
                    for v in vals {
                        if matches!(v.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
                            && !r.methods.contains(&v)
                        {
                            r.methods.push(v);
                        }
                    }
                }
            });
        }
        // Only views: something returns a response or renders.
        routes.push(r);
    }
    // Class-based views and DRF views.
    for &c in classes {
        let bases: Vec<String> = c
            .field("superclasses")
            .map(|s| {
                let mut cur = s.walk();
                s.named_children(&mut cur)
                    .filter_map(|b| py::dotted(src, b))
                    .collect()
            })
            .unwrap_or_default();
        let base_last: Vec<&str> = bases
            .iter()
            .map(|b| b.rsplit('.').next().unwrap_or(b))
            .collect();
        let is_view = base_last.iter().any(|b| {
            b.ends_with("View") || b.ends_with("ViewSet") || *b == "View" || b.ends_with("APIView")
        });
        if !is_view {
            continue;
        }
        let cname = c
            .field("name")
            .map(|n| node_text(src, n).to_owned())
            .unwrap_or_default();
        if cname.starts_with("Base") || cname.ends_with("Mixin") {
            continue;
        }
        let mut r = Route::new(
            "django",
            cname.clone(),
            c.field("name")
                .map(|n| n.byte_range())
                .unwrap_or(c.byte_range()),
        );
        r.scope = "views".into();
        r.cross_file = true;
        r.drf = base_last
            .iter()
            .any(|b| b.ends_with("APIView") || b.ends_with("ViewSet"));
        for b in &bases {
            if let Some(k) = model::guard_kind(b, &opts.guards) {
                r.guards.push(Guard {
                    name: b.clone(),
                    kind: k,
                    level: Level::Route,
                });
            }
        }
        for d in py::decorators(c) {
            if let Some((dn, call)) = dec_name(src, d) {
                if dn.ends_with("method_decorator") {
                    if let Some(a) = call.and_then(|c| py::positional_args(c).into_iter().next()) {
                        let n = node_text(src, a);
                        if let Some(k) = model::guard_kind(n, &opts.guards) {
                            r.guards.push(Guard {
                                name: n.to_owned(),
                                kind: k,
                                level: Level::Route,
                            });
                        }
                    }
                }
            }
        }
        // Writing generic views and viewsets.
        let writes = base_last.iter().any(|b| {
            matches!(
                *b,
                "CreateView"
                    | "UpdateView"
                    | "DeleteView"
                    | "FormView"
                    | "ModelViewSet"
                    | "CreateAPIView"
                    | "UpdateAPIView"
                    | "DestroyAPIView"
                    | "ListCreateAPIView"
                    | "RetrieveUpdateAPIView"
                    | "RetrieveDestroyAPIView"
                    | "RetrieveUpdateDestroyAPIView"
            )
        });
        if writes {
            r.methods = vec!["POST".into()];
        }
        if let Some(body) = c.field("body") {
            let mut cur = body.walk();
            for st in body.named_children(&mut cur) {
                let st = if st.k() == "decorated_definition" {
                    st.field("definition").unwrap_or(st)
                } else {
                    st
                };
                match st.k() {
                    "expression_statement" => {
                        let Some(a) = st.named_child(0).filter(|a| a.k() == "assignment") else {
                            continue;
                        };
                        let (Some(l), Some(v)) = (a.field("left"), a.field("right")) else {
                            continue;
                        };
                        let ln = node_text(src, l);
                        if ln == "permission_classes" {
                            perm_classes(src, v, opts, &mut r);
                        } else if ln == "permission_required"
                            || ln == "login_url"
                            // `permission_policy = ...`, `any_permission_required = {...}`:
                            // a view framework's permission configuration.
                            || (ln.contains("permission") && !empty_setting(v))
                        {
                            r.guards.push(Guard {
                                name: ln.into(),
                                kind: GuardKind::Authz,
                                level: Level::Route,
                            });
                        }
                    }
                    "function_definition" => {
                        let mn = st.field("name").map(|n| node_text(src, n)).unwrap_or("");
                        match mn {
                            "post" | "put" | "patch" | "delete" => {
                                let m = mn.to_ascii_uppercase();
                                if !r.methods.contains(&m) {
                                    r.methods.push(m);
                                }
                            }
                            "get" if !r.methods.iter().any(|m| m == "GET") => {
                                r.methods.push("GET".into());
                            }
                            "get_permissions" | "dispatch" | "has_permission" | "test_func"
                            | "get_queryset" => {
                                if let Some(b) = st.field("body") {
                                    let mut tmp = Route::new("", String::new(), 0..0);
                                    body_facts(src, b, opts, &mut tmp, &mut memo);
                                    for mut g in tmp.guards {
                                        g.level = Level::Route;
                                        r.guards.push(g);
                                    }
                                }
                            }
                            _ => {}
                        }
                        if let Some(b) = st.field("body") {
                            body_facts(src, b, opts, &mut r, &mut memo);
                        }
                    }
                    _ => {}
                }
            }
        }
        // Several method bodies each add at most one guard; keep the route unseen otherwise.
        routes.push(r);
    }
}

/// The guard a function view's decorator gives, by the decorator's (dotted) name: none for
/// the method, CSRF, caching and permission-class decorators (read apart by `django_views`).
fn decorator_guard(dn: &str, opts: &Options) -> Option<GuardKind> {
    let last = dn.rsplit('.').next().unwrap_or(dn);
    if matches!(
        last,
        "api_view"
            | "require_http_methods"
            | "require_POST"
            | "require_GET"
            | "require_safe"
            | "permission_classes"
            | "csrf_exempt"
            | "never_cache"
            | "cache_page"
            | "transaction"
            | "atomic"
            | "login_not_required"
    ) {
        return None;
    }
    model::guard_kind(dn, &opts.guards).or_else(|| {
        (last == "user_passes_test" || last == "method_decorator").then_some(GuardKind::Authz)
    })
}

/// `name(request, ...)`: the name of a plain function called with the view's `request` first.
fn request_handover<'s>(src: &'s str, n: Node<'_>) -> Option<&'s str> {
    if n.k() != "call" {
        return None;
    }
    let f = n.field("function").filter(|f| f.k() == "identifier")?;
    let first = py::positional_args(n).into_iter().next()?;
    (first.k() == "identifier" && node_text(src, first) == "request").then(|| node_text(src, f))
}

fn perm_classes(src: &str, v: Node<'_>, opts: &Options, r: &mut Route) {
    let mut names = Vec::new();
    walk(v, |x| {
        if matches!(x.k(), "identifier" | "attribute")
            && x.up().is_some_and(|p| p.k() != "attribute")
        {
            names.push(node_text(src, x).to_owned());
        }
    });
    for n in names {
        let last = n.rsplit('.').next().unwrap_or(&n).to_owned();
        if DJANGO_PUBLIC_PERMS.contains(&last.as_str()) {
            r.explicit_public = true;
            continue;
        }
        let k = model::guard_kind(&last, &opts.guards).unwrap_or(GuardKind::Authz);
        r.guards.push(Guard {
            name: n,
            kind: k,
            level: Level::Route,
        });
    }
}

/// `None`, `[]`, `()`, `{}`, `""`: a class attribute that configures nothing.
fn empty_setting(v: Node<'_>) -> bool {
    match v.k() {
        "none" | "false" => true,
        "list" | "tuple" | "set" | "dictionary" => v.named_child_count() == 0,
        "string" => v.byte_range().len() <= 2,
        _ => false,
    }
}
