//! Routes of a Rust file: axum (`Router::route` chains, `.layer`/`.route_layer`, extractors),
//! actix-web (`#[get]` handlers, `App`/`scope` chains with `.wrap`, `web::resource().route()`)
//! and rocket (`#[get]` handlers with request guards).

use super::model::{self, Guard, GuardKind, Level, Options, Route};
use crate::lang::rust::{lit_str, RustCx};
use std::collections::{HashMap, HashSet};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, ExprMethodCall, File, ItemFn};

/// Extractor types that carry no identity.
const PLAIN_EXTRACTORS: &[&str] = &[
    "Json",
    "Form",
    "Query",
    "Path",
    "State",
    "Data",
    "Multipart",
    "Bytes",
    "String",
    "Body",
    "Valid",
    "ValidatedJson",
    "Payload",
    "HeaderMap",
    "Request",
    "HttpRequest",
    "Method",
    "Uri",
    "ConnectInfo",
    "Host",
    "OriginalUri",
    "Option",
    "Result",
    "CookieJar",
    "Cookies",
    "PrivateCookieJar",
    "SignedCookieJar",
    "Connection",
    "Db",
    "DbConn",
    "Pool",
    "PgPool",
    "Extension",
    "WebSocketUpgrade",
    "RawQuery",
    "MatchedPath",
    "TypedHeader",
    "ContentLengthLimit",
    "Session",
    "Vec",
    "Redirect",
    "Template",
    "Context",
    "Value",
    "Config",
];

/// Middleware/layers known not to authenticate.
fn benign_layer(name: &str) -> bool {
    [
        "Trace",
        "Cors",
        "Compression",
        "Timeout",
        "Logger",
        "DefaultHeaders",
        "Compress",
        "NormalizePath",
        "HandleError",
        "RequestId",
        "PropagateRequestId",
        "SetRequestId",
        "Catch",
        "Panic",
        "Limit",
        "BodyLimit",
        "RequestBodyLimit",
        "Governor",
        "RateLimit",
        "Session",
        "Identity",
        "Extension",
        "AddExtension",
        "Cookie",
        "Csrf",
        "SetResponseHeader",
        "SetSensitive",
        "ErrorHandlers",
        "ServiceBuilder",
        "Decompression",
        "ConcurrencyLimit",
        "LoadShed",
        "Buffer",
        "TraceLayer",
        "Sentry",
        "Metrics",
        "Prometheus",
        "Helmet",
    ]
    .iter()
    .any(|b| name.contains(b))
}

/// Idents of a type, outer first (`Extension<CurrentUser>` -> [Extension, CurrentUser]).
fn type_idents(ty: &syn::Type, out: &mut Vec<String>, depth: usize) {
    if depth > 8 {
        return;
    }
    match ty {
        syn::Type::Path(p) => {
            for seg in &p.path.segments {
                out.push(seg.ident.to_string());
                if let syn::PathArguments::AngleBracketed(a) = &seg.arguments {
                    for arg in &a.args {
                        if let syn::GenericArgument::Type(t) = arg {
                            type_idents(t, out, depth + 1);
                        }
                    }
                }
            }
        }
        syn::Type::Reference(r) => type_idents(&r.elem, out, depth + 1),
        syn::Type::Paren(p) => type_idents(&p.elem, out, depth + 1),
        syn::Type::Group(g) => type_idents(&g.elem, out, depth + 1),
        _ => {}
    }
}

/// A guard from a handler parameter type: `AuthUser`, `Claims`, `BearerAuth`, `Identity`,
/// `Extension<CurrentUser>`, `ReqData<Claims>`; `Option<User>` is not (it admits anonymous).
fn extractor_guard(ty: &syn::Type, opts: &Options) -> Option<Guard> {
    let mut ids = Vec::new();
    type_idents(ty, &mut ids, 0);
    let first = ids
        .iter()
        .find(|i| !i.chars().next().is_some_and(char::is_lowercase))?;
    if first == "Option" {
        return None;
    }
    let candidates: Vec<&String> =
        if matches!(first.as_str(), "Extension" | "ReqData" | "TypedHeader") {
            ids.iter().skip_while(|i| *i != first).skip(1).collect()
        } else if PLAIN_EXTRACTORS.contains(&first.as_str()) {
            return None;
        } else {
            vec![first]
        };
    for c in candidates {
        if let Some(k) = model::guard_kind(c, &opts.guards) {
            return Some(Guard {
                name: c.clone(),
                kind: k,
                level: Level::Route,
            });
        }
        let ws = model::words(c);
        if ws.iter().any(|w| w == "maybe" || w == "optional") {
            return None;
        }
        if ws.iter().any(|w| {
            w == "user"
                || w == "claims"
                || w == "identity"
                || w == "principal"
                || w == "authorization"
        }) {
            return Some(Guard {
                name: c.clone(),
                kind: GuardKind::Authn,
                level: Level::Route,
            });
        }
    }
    None
}

/// A parameter type of unknown purpose (a custom extractor or request guard such as
/// `Headers`): it may authenticate, so the route is not judged.
fn unknown_extractor(ty: &syn::Type) -> bool {
    let mut ids = Vec::new();
    type_idents(ty, &mut ids, 0);
    let Some(first) = ids
        .iter()
        .find(|i| !i.chars().next().is_some_and(char::is_lowercase))
    else {
        return false; // primitives and lowercase paths (`i64`, `web::Path` resolved below)
    };
    if PLAIN_EXTRACTORS.contains(&first.as_str())
        || matches!(
            first.as_str(),
            "Arc"
                | "Box"
                | "Rc"
                | "Cow"
                | "PathBuf"
                | "Uuid"
                | "HashMap"
                | "BTreeMap"
                | "Vec"
                | "Mutex"
                | "RwLock"
                | "Sender"
                | "Receiver"
                | "Shutdown"
                | "Origin"
                | "Status"
                | "ContentType"
                | "Accept"
                | "TempFile"
                | "Capped"
                | "Peer"
                | "SocketAddr"
                | "IpAddr"
                | "ClientIp"
                | "Payload"
                | "Req"
                | "ServiceRequest"
                | "Field"
                | "MultipartForm"
                | "Either"
                | "Header"
                | "ContentDisposition"
                | "Ws"
                | "WebSocket"
                | "Stream"
                | "BodyStream"
                | "Params"
                | "Locale"
                | "Lang"
                | "Flash"
                | "FlashMessage"
                | "I18n"
                | "Tera"
                | "Handlebars"
                | "Templates"
                | "Env"
                | "Settings"
                | "AppState"
                | "Ctx"
                | "Metadata"
        )
    {
        return false;
    }
    !model::known_not_guard(first)
}

/// Idents and literals of a handler body, for evidence.
struct BodyScan<'o> {
    opts: &'o Options,
    authn: Option<String>,
    authz: Option<String>,
    mutates: bool,
    in_cond: usize,
}

impl<'o> BodyScan<'o> {
    fn ident(&mut self, s: &str) {
        if s.contains("FORBIDDEN") || s.contains("Forbidden") {
            self.authz.get_or_insert(s.to_owned());
        }
        if self.in_cond > 0
            && model::words(s)
                .iter()
                .any(|w| model::body_word_kind(w) == Some(GuardKind::Authz))
        {
            self.authz.get_or_insert(s.to_owned());
        }
        let k = model::guard_kind(s, &self.opts.guards).or_else(|| {
            model::words(s)
                .iter()
                .find_map(|w| model::body_word_kind(w))
        });
        if k.is_some() || s == "user" || s == "current_user" {
            self.authn.get_or_insert(s.to_owned());
        }
    }
}

impl<'ast, 'o> Visit<'ast> for BodyScan<'o> {
    fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
        self.ident(&i.to_string());
    }
    fn visit_expr_if(&mut self, e: &'ast syn::ExprIf) {
        self.in_cond += 1;
        self.visit_expr(&e.cond);
        self.in_cond -= 1;
        self.visit_block(&e.then_branch);
        if let Some((_, x)) = &e.else_branch {
            self.visit_expr(x);
        }
    }
    fn visit_expr_binary(&mut self, e: &'ast syn::ExprBinary) {
        self.in_cond += 1;
        visit::visit_expr_binary(self, e);
        self.in_cond -= 1;
    }
    fn visit_expr_method_call(&mut self, m: &'ast ExprMethodCall) {
        let n = m.method.to_string();
        if model::write_call(&n) {
            self.mutates = true;
        }
        if model::guard_kind(&n, &self.opts.guards) == Some(GuardKind::Authz) {
            self.authz.get_or_insert(n.clone());
        }
        visit::visit_expr_method_call(self, m);
    }
    fn visit_lit_int(&mut self, l: &'ast syn::LitInt) {
        match l.base10_digits() {
            "403" => {
                self.authz.get_or_insert("403".into());
            }
            "401" => {
                self.authn.get_or_insert("401".into());
            }
            _ => {}
        }
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // sqlx::query!("INSERT ...") and friends.
        let t = m.tokens.to_string().to_ascii_uppercase();
        if t.contains("INSERT ") || t.contains("UPDATE ") || t.contains("DELETE ") {
            self.mutates = true;
        }
        for tt in m.tokens.clone() {
            if let proc_macro2::TokenTree::Ident(i) = tt {
                self.ident(&i.to_string());
            }
        }
    }
    fn visit_lit_str(&mut self, l: &'ast syn::LitStr) {
        let t = l.value().to_ascii_uppercase();
        if t.starts_with("INSERT ") || t.starts_with("UPDATE ") || t.starts_with("DELETE ") {
            self.mutates = true;
        }
    }
}

fn handler_facts(f: &ItemFn, opts: &Options, r: &mut Route, skip_params: &HashSet<String>) {
    for input in &f.sig.inputs {
        if let syn::FnArg::Typed(pt) = input {
            if let syn::Pat::Ident(pi) = &*pt.pat {
                if skip_params.contains(&pi.ident.to_string()) {
                    continue;
                }
            }
            if let Some(g) = extractor_guard(&pt.ty, opts) {
                r.guards.push(g);
            } else if unknown_extractor(&pt.ty) {
                r.opaque = true;
            }
        }
    }
    let mut scan = BodyScan {
        opts,
        authn: None,
        authz: None,
        mutates: false,
        in_cond: 0,
    };
    scan.visit_block(&f.block);
    r.body_seen = true;
    r.body_mutates = scan.mutates;
    if let Some(a) = scan.authz {
        r.guards.push(Guard {
            name: a,
            kind: GuardKind::Authz,
            level: Level::Body,
        });
    }
    if let Some(a) = scan.authn {
        r.guards.push(Guard {
            name: a,
            kind: GuardKind::Authn,
            level: Level::Body,
        });
    }
}

fn path_last(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        Expr::Reference(r) => path_last(&r.expr),
        Expr::Paren(p) => path_last(&p.expr),
        _ => None,
    }
}

/// The names that decide what a layer/wrap expression does: the type it is built from
/// (`TraceLayer::new_for_http().on_response(..)` -> `TraceLayer`; builder methods and their
/// arguments are configuration), the layers a `ServiceBuilder` stacks, the function handed to
/// `from_fn`-style adapters (with its module path: `from_fn(auth::require_user)` -> `auth`,
/// `require_user`) and generic arguments (`from_extractor::<RequireAuth>()`). `?` stands for
/// something not evaluated (a closure, a macro).
fn decisive_names(e: &Expr, out: &mut Vec<String>, depth: usize) {
    if depth > 32 {
        out.push("?".into());
        return;
    }
    let generics = |seg: &syn::PathSegment, out: &mut Vec<String>| {
        if let syn::PathArguments::AngleBracketed(a) = &seg.arguments {
            for g in &a.args {
                if let syn::GenericArgument::Type(t) = g {
                    let mut ids = Vec::new();
                    type_idents(t, &mut ids, 0);
                    out.extend(ids);
                }
            }
        }
    };
    match e {
        Expr::MethodCall(m) => {
            decisive_names(&m.receiver, out, depth + 1);
            if let Some(t) = &m.turbofish {
                for g in &t.args {
                    if let syn::GenericArgument::Type(t) = g {
                        type_idents(t, out, 0);
                    }
                }
            }
            if matches!(
                m.method.to_string().as_str(),
                "layer" | "option_layer" | "wrap" | "route_layer"
            ) {
                for a in &m.args {
                    decisive_names(a, out, depth + 1);
                }
            }
        }
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else {
                out.push("?".into());
                return;
            };
            let segs: Vec<&syn::PathSegment> = p.path.segments.iter().collect();
            for seg in &segs {
                generics(seg, out);
            }
            let last = segs.last().map(|s| s.ident.to_string()).unwrap_or_default();
            if last.starts_with("from_fn")
                || last.starts_with("map_request")
                || last.starts_with("from_extractor")
                || last == "middleware_fn"
            {
                // The function handed over decides.
                for a in &c.args {
                    match a {
                        Expr::Path(ap) => {
                            out.extend(ap.path.segments.iter().map(|s| s.ident.to_string()))
                        }
                        Expr::Reference(_) | Expr::Paren(_) => decisive_names(a, out, depth + 1),
                        Expr::MethodCall(m) if m.method == "clone" => {}
                        Expr::Lit(_) => {}
                        _ => out.push("?".into()),
                    }
                }
                // A state argument is not a middleware.
                out.retain(|n| !n.contains("state"));
                return;
            }
            let upper = |s: &str| s.chars().next().is_some_and(char::is_uppercase);
            match segs.len() {
                0 => {}
                // `Extension(pool)`, `cors()`
                1 => out.push(last),
                // `TraceLayer::new_for_http()`, `auth::layer()`
                _ => {
                    let prev = segs[segs.len() - 2].ident.to_string();
                    if upper(&prev) {
                        out.push(prev);
                    } else {
                        out.extend(segs.iter().map(|s| s.ident.to_string()));
                    }
                }
            }
        }
        Expr::Path(p) => out.extend(p.path.segments.iter().map(|s| s.ident.to_string())),
        Expr::Reference(r) => decisive_names(&r.expr, out, depth + 1),
        Expr::Paren(p) => decisive_names(&p.expr, out, depth + 1),
        Expr::Group(g) => decisive_names(&g.expr, out, depth + 1),
        _ => out.push("?".into()),
    }
}

/// Every path ident and method name inside a layer/wrap expression (for guard names anywhere:
/// `ValidateRequestHeaderLayer::bearer(..)`, `from_fn(auth::require_user)`).
fn names_in(e: &Expr) -> Vec<String> {
    struct N(Vec<String>);
    impl<'a> Visit<'a> for N {
        fn visit_path(&mut self, p: &'a syn::Path) {
            for s in &p.segments {
                self.0.push(s.ident.to_string());
            }
            visit::visit_path(self, p);
        }
        fn visit_expr_method_call(&mut self, m: &'a ExprMethodCall) {
            self.0.push(m.method.to_string());
            visit::visit_expr_method_call(self, m);
        }
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            if let Some(s) = m.path.segments.last() {
                self.0.push(s.ident.to_string());
            }
        }
    }
    let mut n = N(Vec::new());
    n.visit_expr(e);
    n.0
}

/// A layer/wrap: Some(guard) when a name in it is a guard's, None when what decides it is
/// benign (tracing, CORS, compression...), Err for unknown purpose.
fn layer_guard(e: &Expr, opts: &Options) -> Result<Option<Guard>, ()> {
    for n in names_in(e) {
        if matches!(
            n.as_str(),
            "from_fn" | "from_fn_with_state" | "new" | "layer" | "map_request" | "middleware"
        ) || benign_layer(&n)
        {
            continue;
        }
        if let Some(k) = model::guard_kind(&n, &opts.guards) {
            return Ok(Some(Guard {
                name: n,
                kind: k,
                level: Level::Router,
            }));
        }
    }
    let mut names = Vec::new();
    decisive_names(e, &mut names, 0);
    for n in &names {
        if benign_layer(n) {
            continue;
        }
        if let Some(k) = model::guard_kind(n, &opts.guards) {
            return Ok(Some(Guard {
                name: n.clone(),
                kind: k,
                level: Level::Router,
            }));
        }
    }
    let lower_benign = |n: &str| {
        let l = n.to_ascii_lowercase();
        [
            "trace",
            "log",
            "metric",
            "cors",
            "compress",
            "timeout",
            "request_id",
            "panic",
            "limit",
            "header",
            "cache",
            "span",
            "timing",
            "latency",
            "telemetry",
            "otel",
        ]
        .iter()
        .any(|w| l.contains(w))
    };
    if names.iter().all(|n| {
        benign_layer(n)
            || lower_benign(n)
            || matches!(
                n.as_str(),
                "layer" | "tower_http" | "middleware" | "axum" | "actix_web" | "Any" | "default"
            )
            || n.chars().next().is_some_and(char::is_lowercase) && n.len() <= 3
    }) {
        return Ok(None);
    }
    Err(())
}

/// Collects method-call chains, fns and whether the file serves an app.
#[derive(Default)]
struct Scan<'ast> {
    calls: Vec<&'ast ExprMethodCall>,
    fns: HashMap<String, &'ast ItemFn>,
    /// Receivers of method calls (to find the outermost call of each chain).
    inner: HashSet<*const ExprMethodCall>,
    /// `let name = <chain>` bindings.
    lets: HashMap<String, &'ast Expr>,
    attr_fns: Vec<&'ast ItemFn>,
    serves: bool,
    /// Functions referenced via `.service(x)`/`.to(x)`/`routes![..]`.
    referenced: HashSet<String>,
    /// The function being visited (index into `fn_names`), and the function each call that
    /// may end a router chain sits in.
    cur_fn: Option<usize>,
    fn_names: Vec<String>,
    fn_of: HashMap<*const ExprMethodCall, usize>,
}

impl<'ast> Visit<'ast> for Scan<'ast> {
    fn visit_item_fn(&mut self, f: &'ast ItemFn) {
        self.fns.insert(f.sig.ident.to_string(), f);
        if f.attrs.iter().any(|a| {
            a.path().segments.last().is_some_and(|s| {
                matches!(
                    s.ident.to_string().as_str(),
                    "get" | "post" | "put" | "patch" | "delete" | "route" | "head"
                )
            })
        }) {
            self.attr_fns.push(f);
        }
        if crate::lang::rust::is_test_attr(&f.attrs) {
            return;
        }
        self.fn_names.push(f.sig.ident.to_string());
        let prev = self.cur_fn.replace(self.fn_names.len() - 1);
        visit::visit_item_fn(self, f);
        self.cur_fn = prev;
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.fn_names.push(f.sig.ident.to_string());
        let prev = self.cur_fn.replace(self.fn_names.len() - 1);
        visit::visit_impl_item_fn(self, f);
        self.cur_fn = prev;
    }
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if crate::lang::rust::is_test_attr(&m.attrs) {
            return;
        }
        visit::visit_item_mod(self, m);
    }
    fn visit_expr_method_call(&mut self, m: &'ast ExprMethodCall) {
        if let Expr::MethodCall(inner) = &*m.receiver {
            self.inner.insert(inner as *const _);
        }
        let name = m.method.to_string();
        if name == "serve" || name == "launch" || name == "run" || name == "bind" {
            self.serves = true;
        }
        if matches!(name.as_str(), "service" | "to" | "route") {
            for a in &m.args {
                if let Some(n) = path_last(a) {
                    self.referenced.insert(n);
                }
            }
        }
        self.calls.push(m);
        if let Some(f) = self.cur_fn {
            if matches!(
                name.as_str(),
                "route"
                    | "nest"
                    | "merge"
                    | "configure"
                    | "service"
                    | "layer"
                    | "route_layer"
                    | "with_state"
                    | "wrap"
                    | "fallback"
                    | "nest_service"
                    | "route_service"
            ) {
                self.fn_of.insert(m as *const _, f);
            }
        }
        visit::visit_expr_method_call(self, m);
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Expr::Path(p) = &*c.func {
            let s: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            if s.last().is_some_and(|l| l == "serve") || s.iter().any(|x| x == "HttpServer") {
                self.serves = true;
            }
        }
        visit::visit_expr_call(self, c);
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if m.path.segments.last().is_some_and(|s| s.ident == "routes") {
            for tt in m.tokens.clone() {
                if let proc_macro2::TokenTree::Ident(i) = tt {
                    self.referenced.insert(i.to_string());
                }
            }
        }
        visit::visit_macro(self, m);
    }
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (syn::Pat::Ident(pi), Some(init)) = (&l.pat, &l.init) {
            self.lets.insert(pi.ident.to_string(), &init.expr);
        }
        visit::visit_local(self, l);
    }
}

/// The calls of a chain, innermost first, and the chain's base expression.
fn unroll(outer: &ExprMethodCall) -> (Vec<&ExprMethodCall>, &Expr) {
    let mut v = vec![outer];
    let mut cur = outer;
    for _ in 0..256 {
        match &*cur.receiver {
            Expr::MethodCall(m) => {
                v.push(m);
                cur = m;
            }
            _ => break,
        }
    }
    v.reverse();
    (v, &*cur.receiver)
}

const VERBS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "any",
];

/// `get(h).post(h2)` / `web::post().to(h)` -> [(METHOD, handler fn name)].
fn method_router(e: &Expr) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut cur = e;
    for _ in 0..32 {
        match cur {
            Expr::MethodCall(m) => {
                let n = m.method.to_string();
                if VERBS.contains(&n.as_str()) {
                    out.push((n.to_ascii_uppercase(), m.args.first().and_then(path_last)));
                } else if n == "to" {
                    // actix `web::post().to(h)`
                    if let Expr::Call(c) = &*m.receiver {
                        if let Some(v) = path_last(&c.func) {
                            if VERBS.contains(&v.as_str()) || v == "method" {
                                out.push((
                                    v.to_ascii_uppercase(),
                                    m.args.first().and_then(path_last),
                                ));
                                return out;
                            }
                        }
                    }
                }
                cur = &m.receiver;
            }
            Expr::Call(c) => {
                if let Some(v) = path_last(&c.func) {
                    if VERBS.contains(&v.as_str()) {
                        out.push((v.to_ascii_uppercase(), c.args.first().and_then(path_last)));
                    }
                }
                break;
            }
            _ => break,
        }
    }
    out
}

/// The routes of a file, and the routers it mounts from function calls (`mount_of` set).
pub(crate) fn collect(cx: &RustCx<'_, '_, '_>, file: &File, opts: &Options) -> Vec<Route> {
    let mut scan = Scan::default();
    scan.visit_file(file);
    let uses: Vec<&String> = cx.uses.values().collect();
    let rocket = uses.iter().any(|u| u.starts_with("rocket"))
        || file
            .items
            .iter()
            .any(|i| matches!(i, syn::Item::ExternCrate(e) if e.ident == "rocket"));
    let actix = uses.iter().any(|u| u.starts_with("actix_web"));
    let axum = uses.iter().any(|u| u.starts_with("axum"));
    let mut routes: Vec<Route> = Vec::new();
    let mut st = ChainState::default();

    if axum || actix {
        for &outer in &scan.calls {
            if scan.inner.contains(&(outer as *const _)) {
                continue;
            }
            let ids = chain_routes(cx, &scan, outer, opts, axum, &mut routes, &mut st, 0);
            // A router built in a function and not served here: the function is how other
            // modules reach it (`.nest("/api", api::routes())`).
            if let Some(f) = scan
                .fn_of
                .get(&(outer as *const _))
                .and_then(|&i| scan.fn_names.get(i))
            {
                for i in ids {
                    let r = &mut routes[i];
                    if matches!(r.framework, "axum" | "actix-web")
                        && !r.rooted
                        && r.chain_top.is_none()
                    {
                        r.chain_top = Some(f.clone());
                    }
                }
            }
        }
        // Left to the project pass, which sees where the function's router is mounted, unless
        // this file shows its auth convention (a guard on some routes or routers): then it judges
        // them itself, in the editor too.
        let per_route = routes.iter().any(|r| {
            r.mount_of.is_none()
                && r.guards
                    .iter()
                    .any(|g| g.kind == GuardKind::Authn && g.level != Level::Body)
        });
        if !per_route {
            for r in routes.iter_mut() {
                if r.chain_top.is_some() && r.mount_of.is_none() {
                    r.cross_file = true;
                }
            }
        }
    }
    // Attribute routes (actix-web, rocket) not seen through a chain.
    for f in &scan.attr_fns {
        let name = f.sig.ident.to_string();
        if st.fns.contains(&name) {
            continue;
        }
        let Some(attr) = f.attrs.iter().find(|a| {
            a.path().segments.last().is_some_and(|s| {
                matches!(
                    s.ident.to_string().as_str(),
                    "get" | "post" | "put" | "patch" | "delete" | "route" | "head"
                )
            })
        }) else {
            continue;
        };
        let verb = attr
            .path()
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let path = attr
            .parse_args_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated)
            .ok()
            .and_then(|args| args.first().and_then(lit_str));
        let Some(path) = path else { continue };
        let fw = if rocket && !actix {
            "rocket"
        } else if actix {
            "actix-web"
        } else {
            continue;
        };
        let mut r = Route::new(fw, name.clone(), cx.range_of(attr));
        r.scope = "attr".into();
        if verb != "route" {
            r.methods = vec![verb.to_ascii_uppercase()];
        }
        r.path = Some(path.clone());
        // Rocket: parameters named in the path or `data = "<x>"` are not guards.
        let mut skip = HashSet::new();
        if fw == "rocket" {
            for seg in path.split(['<', '>']).skip(1).step_by(2) {
                skip.insert(seg.trim_end_matches("..").to_owned());
            }
            if let syn::Meta::List(l) = &attr.meta {
                let t = l.tokens.to_string();
                for part in t.split('<').skip(1) {
                    if let Some(n) = part.split('>').next() {
                        skip.insert(n.trim().to_owned());
                    }
                }
            }
        }
        handler_facts(f, opts, &mut r, &skip);
        // Rocket guards live in the arguments: the chain is visible when the file mounts it.
        r.visible_chain = fw == "rocket" && scan.referenced.contains(&name) && scan.serves;
        r.rooted = r.visible_chain;
        routes.push(r);
    }
    routes
}

#[allow(clippy::too_many_arguments)]
fn chain_routes(
    cx: &RustCx<'_, '_, '_>,
    scan: &Scan<'_>,
    outer: &ExprMethodCall,
    opts: &Options,
    axum: bool,
    routes: &mut Vec<Route>,
    st: &mut ChainState,
    depth: usize,
) -> Vec<usize> {
    if depth > 4 {
        return Vec::new();
    }
    let key = outer as *const ExprMethodCall as usize;
    if let Some(ids) = st.memo.get(&key) {
        return ids.clone();
    }
    let ids = chain_routes_inner(cx, scan, outer, opts, axum, routes, st, depth);
    st.memo.insert(key, ids.clone());
    ids
}

/// What chain processing has seen: route ids per chain (chains are reached both as statements
/// and through `nest`/`service`/`let` bindings), and handler fns registered through chains.
#[derive(Default)]
struct ChainState {
    memo: HashMap<usize, Vec<usize>>,
    fns: HashSet<String>,
}

#[allow(clippy::too_many_arguments)]
fn chain_routes_inner(
    cx: &RustCx<'_, '_, '_>,
    scan: &Scan<'_>,
    outer: &ExprMethodCall,
    opts: &Options,
    axum: bool,
    routes: &mut Vec<Route>,
    st: &mut ChainState,
    depth: usize,
) -> Vec<usize> {
    let (calls, base) = unroll(outer);
    // Must be a router/app chain: `Router::new()`, `App::new()`, `web::scope(..)`,
    // `web::resource(..)`, or a binding holding one.
    let base_fn: Vec<String> = match base {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let base_is = |a: &str, b: &str| {
        base_fn.len() >= 2 && base_fn[base_fn.len() - 2] == a && base_fn[base_fn.len() - 1] == b
    };
    let actix_base = base_is("App", "new")
        || base_fn
            .last()
            .is_some_and(|l| l == "scope" || l == "resource");
    let is_router = base_is("Router", "new") || actix_base || matches!(base, Expr::Path(_));
    if !is_router
        || !calls.iter().any(|c| {
            matches!(
                c.method.to_string().as_str(),
                "route" | "service" | "nest" | "merge" | "configure"
            )
        })
    {
        return Vec::new();
    }
    let framework = if actix_base || !axum {
        "actix-web"
    } else {
        "axum"
    };
    let mut added: Vec<usize> = Vec::new();
    let mut unknown = false;
    // `let app = Router::new()...; app.layer(..)`: continue the earlier chain.
    if let Expr::Path(p) = base {
        if let Some(id) = p.path.get_ident() {
            if let Some(Expr::MethodCall(prev)) = scan.lets.get(&id.to_string()) {
                added.extend(chain_routes(
                    cx,
                    scan,
                    prev,
                    opts,
                    axum,
                    routes,
                    st,
                    depth + 1,
                ));
            }
        }
    }
    // actix: `web::scope("/x")` / `web::resource("/x")` prefix.
    let base_prefix = if let Expr::Call(c) = base {
        c.args.first().and_then(lit_str)
    } else {
        None
    };
    let mut wraps: Vec<Guard> = Vec::new();
    for c in &calls {
        let m = c.method.to_string();
        match m.as_str() {
            "route" => {
                let (path, mr) = match (c.args.first(), c.args.iter().nth(1)) {
                    (Some(p), Some(mr)) => (lit_str(p), mr),
                    (Some(mr), None) => (base_prefix.clone(), mr),
                    _ => continue,
                };
                let Some(path) = path.or_else(|| base_prefix.clone()) else {
                    continue;
                };
                let path = match (&base_prefix, c.args.len()) {
                    (Some(bp), 2) if framework == "actix-web" => {
                        format!("{}{}", bp.trim_end_matches('/'), path)
                    }
                    _ => path,
                };
                // Layers on the method router apply to its handlers.
                let mut mr_guards = Vec::new();
                let mut cur = mr;
                for _ in 0..32 {
                    if let Expr::MethodCall(mm) = cur {
                        if mm.method == "layer" || mm.method == "route_layer" {
                            if let Some(a) = mm.args.first() {
                                match layer_guard(a, opts) {
                                    Ok(Some(g)) => mr_guards.push(g),
                                    Ok(None) => {}
                                    Err(()) => unknown = true,
                                }
                            }
                        }
                        cur = &mm.receiver;
                    } else {
                        break;
                    }
                }
                for (verb, h) in method_router(mr) {
                    let hname = h.clone().unwrap_or_else(|| "anonymous".into());
                    let mut r = Route::new(framework, hname.clone(), cx.range(c.method.span()));
                    if let Some(a) = c.args.first() {
                        r.at = cx.range_of(a);
                    }
                    r.scope = format!("chain{:p}", outer as *const _);
                    if verb != "ANY" {
                        r.methods = vec![verb];
                    }
                    r.path = Some(path.clone());
                    r.guards.extend(mr_guards.iter().cloned());
                    if let Some(f) = h.as_deref().and_then(|n| scan.fns.get(n)) {
                        handler_facts(f, opts, &mut r, &HashSet::new());
                        st.fns.insert(hname);
                    }
                    routes.push(r);
                    added.push(routes.len() - 1);
                }
            }
            "service" => {
                for a in &c.args {
                    match a {
                        Expr::MethodCall(inner) => {
                            let ids =
                                chain_routes(cx, scan, inner, opts, axum, routes, st, depth + 1);
                            added.extend(ids);
                        }
                        _ => {
                            let Some(n) = path_last(a) else { continue };
                            let Some(f) = scan.attr_fns.iter().find(|f| f.sig.ident == n) else {
                                continue;
                            };
                            let before = routes.len();
                            attr_route(cx, f, opts, routes);
                            if routes.len() > before {
                                if let Some(bp) = &base_prefix {
                                    let r = routes.last_mut().expect("pushed");
                                    r.path = r
                                        .path
                                        .as_ref()
                                        .map(|p| format!("{}{}", bp.trim_end_matches('/'), p));
                                }
                                st.fns.insert(n);
                                added.push(routes.len() - 1);
                            }
                        }
                    }
                }
            }
            "nest" | "merge" | "nest_service" => {
                let inner = c.args.iter().last();
                let prefix = if m == "nest" {
                    c.args.first().and_then(lit_str)
                } else {
                    None
                };
                let ids = match inner {
                    Some(Expr::MethodCall(im)) => {
                        chain_routes(cx, scan, im, opts, axum, routes, st, depth + 1)
                    }
                    // `.nest("/api", api::routes(state))`: a router built by a function,
                    // followed by the project pass.
                    Some(Expr::Call(call)) if framework == "axum" => match &*call.func {
                        Expr::Path(p) => {
                            routes.push(mount(framework, &p.path, cx.range_of(call), "", outer));
                            vec![routes.len() - 1]
                        }
                        _ => Vec::new(),
                    },
                    Some(Expr::Path(p)) => match p
                        .path
                        .get_ident()
                        .and_then(|i| scan.lets.get(&i.to_string()))
                    {
                        Some(Expr::MethodCall(im)) => {
                            chain_routes(cx, scan, im, opts, axum, routes, st, depth + 1)
                        }
                        _ => Vec::new(),
                    },
                    _ => Vec::new(),
                };
                for &i in &ids {
                    if let (Some(p), Some(rp)) = (&prefix, &routes[i].path) {
                        routes[i].path = Some(format!("{}{}", p.trim_end_matches('/'), rp));
                    }
                }
                added.extend(ids);
            }
            // axum: a layer wraps the routes added before it.
            "layer" | "route_layer" if framework == "axum" => {
                if let Some(a) = c.args.first() {
                    match layer_guard(a, opts) {
                        Ok(Some(g)) => {
                            for &i in &added {
                                routes[i].guards.push(g.clone());
                            }
                        }
                        Ok(None) => {}
                        Err(()) => unknown = true,
                    }
                }
            }
            // actix: wrap applies to the whole app/scope, wherever it is called.
            "wrap" | "wrap_fn" | "guard" if framework == "actix-web" => {
                if let Some(a) = c.args.first() {
                    match layer_guard(a, opts) {
                        Ok(Some(g)) => wraps.push(g),
                        Ok(None) => {}
                        Err(()) => {
                            if m == "wrap_fn" {
                                // An inline closure: judge its body.
                                let mut s = BodyScan {
                                    opts,
                                    authn: None,
                                    authz: None,
                                    mutates: false,
                                    in_cond: 0,
                                };
                                s.visit_expr(a);
                                if let Some(n) = s.authz.or(s.authn) {
                                    wraps.push(Guard {
                                        name: n,
                                        kind: GuardKind::Authn,
                                        level: Level::Router,
                                    });
                                } else {
                                    unknown = true;
                                }
                            } else if m == "wrap" {
                                unknown = true;
                            }
                        }
                    }
                }
            }
            // actix: `.configure(users::config)` adds the routes a function registers on the
            // `ServiceConfig` it is given; followed by the project pass like an axum mount.
            "configure" if framework == "actix-web" => match c.args.first() {
                Some(Expr::Path(p)) => {
                    let prefix = base_prefix.as_deref().unwrap_or("");
                    let at = cx.range_of(&c.args[0]);
                    routes.push(mount(framework, &p.path, at, prefix, outer));
                    added.push(routes.len() - 1);
                }
                _ => unknown = true,
            },
            "configure" => unknown = true,
            _ => {}
        }
    }
    for &i in &added {
        routes[i].guards.extend(wraps.iter().cloned());
        if unknown {
            routes[i].visible_chain = false;
            routes[i].layer_unknown = true;
        } else if depth == 0 && scan.serves {
            routes[i].visible_chain = true;
        }
        if depth == 0 && scan.serves {
            routes[i].rooted = true;
        }
    }
    added
}

/// A router mounted from a function (`.nest("/x", api::routes())`, `.configure(users::config)`),
/// carried through its chain like a route so that prefixes and layers apply to it.
fn mount(
    framework: &'static str,
    func: &syn::Path,
    at: std::ops::Range<usize>,
    prefix: &str,
    outer: &ExprMethodCall,
) -> Route {
    let mut r = Route::new(framework, String::new(), at);
    r.mount_of = Some(crate::lang::rust::path_idents(func));
    r.path = Some(prefix.to_owned());
    r.scope = format!("chain{:p}", outer as *const _);
    r
}

fn attr_route(cx: &RustCx<'_, '_, '_>, f: &ItemFn, opts: &Options, routes: &mut Vec<Route>) {
    let Some(attr) = f.attrs.iter().find(|a| {
        a.path().segments.last().is_some_and(|s| {
            matches!(
                s.ident.to_string().as_str(),
                "get" | "post" | "put" | "patch" | "delete" | "route" | "head"
            )
        })
    }) else {
        return;
    };
    let verb = attr
        .path()
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    let path = attr
        .parse_args_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated)
        .ok()
        .and_then(|args| args.first().and_then(lit_str));
    let mut r = Route::new("actix-web", f.sig.ident.to_string(), cx.range(attr.span()));
    r.scope = "attr".into();
    if verb != "route" {
        r.methods = vec![verb.to_ascii_uppercase()];
    }
    r.path = path;
    handler_facts(f, opts, &mut r, &HashSet::new());
    routes.push(r);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(src: &str) -> Result<Option<String>, ()> {
        let e: Expr = syn::parse_str(src).expect("test expression parses");
        let opts = Options {
            guards: Vec::new(),
            public_routes: Vec::new(),
        };
        layer_guard(&e, &opts).map(|g| g.map(|g| g.name))
    }

    /// Builder methods and constructor arguments of a benign layer are configuration; the
    /// function handed to `from_fn` decides; a guard name anywhere makes it a guard.
    #[test]
    fn layers_are_judged_by_what_decides_them() {
        for benign in [
            "TraceLayer::new_for_http()",
            "TraceLayer::new_for_http().on_response(DefaultOnResponse::new().level(Level::INFO))",
            "CorsLayer::new().allow_origin(origins).allow_methods([Method::GET])",
            "ServiceBuilder::new().layer(HandleErrorLayer::new(|e: BoxError| async move { e })).timeout(Duration::from_secs(10))",
            "middleware::from_fn(log_requests)",
            "TimeoutLayer::new(Duration::from_secs(30))",
        ] {
            assert_eq!(judge(benign), Ok(None), "{benign}");
        }
        for guard in [
            "middleware::from_fn(require_auth)",
            "from_fn_with_state(state.clone(), auth::middleware)",
            "ValidateRequestHeaderLayer::bearer(\"token\")",
            "ServiceBuilder::new().layer(TraceLayer::new_for_http()).layer(from_fn(require_login))",
            "from_extractor::<RequireAuth>()",
        ] {
            assert!(matches!(judge(guard), Ok(Some(_))), "{guard}");
        }
        for unknown in [
            "middleware::from_fn_with_state(state.clone(), tenant_mw)",
            "ServiceBuilder::new().layer(TraceLayer::new_for_http()).layer(from_fn(tenant))",
            "from_fn(|req: Request, next: Next| async move { next.run(req).await })",
            "TenantLayer::new()",
        ] {
            assert_eq!(judge(unknown), Err(()), "{unknown}");
        }
    }
}
