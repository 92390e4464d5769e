use super::common;
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use crate::lang::{Order, Visit};
use crate::meta::Severity;
use std::ops::Range;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags a web application whose main file configures no security-header middleware at all:
    /// - Express / Koa / Fastify / NestJS: no `helmet` (`helmet`, `koa-helmet`, `@fastify/helmet`),
    ///   `lusca`, and no code setting `Content-Security-Policy`, `Strict-Transport-Security` or
    ///   `X-Frame-Options`;
    /// - Flask / FastAPI / Starlette: no flask-talisman, `secure`/`secure.py`, or header code;
    /// - Django: a `MIDDLEWARE` list without `django.middleware.security.SecurityMiddleware`;
    /// - axum / actix-web: no tower-http `SetResponseHeaderLayer`, actix `DefaultHeaders`, or
    ///   header constants for these headers.
    ///
    /// The finding points at the app creation (`express()`, `Flask(__name__)`, `Router::new()`,
    /// `HttpServer::new`, `MIDDLEWARE`). Only files that also configure the app (mount middleware,
    /// register routes, or start the server) are considered, so a module that merely creates and
    /// exports an app configured elsewhere is not flagged.
    ///
    /// ## Why is this bad?
    /// Without these headers browsers apply no defence in depth: pages can be framed
    /// (clickjacking), HTTPS is not pinned (SSL stripping), any injected script runs, and MIME
    /// sniffing and referrer leaks are left at permissive defaults.
    ///
    /// ## Example
    /// ```ts
    /// const app = express();
    /// app.use(express.json());
    /// app.listen(3000);
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// const app = express();
    /// app.use(helmet());
    /// ```
    /// ```python
    /// app = Flask(__name__)
    /// Talisman(app)
    /// ```
    /// ```rust
    /// let app = Router::new().layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")));
    /// ```
    ///
    /// ## How to fix
    /// Add the framework's header middleware: `app.use(helmet())`, `await app.register(helmet)`,
    /// `Talisman(app)`, `SecurityMiddleware` first in Django's `MIDDLEWARE` (with
    /// `SECURE_HSTS_SECONDS`, `X_FRAME_OPTIONS`), tower-http `SetResponseHeaderLayer`s or actix
    /// `DefaultHeaders` for CSP, HSTS, X-Frame-Options, X-Content-Type-Options and
    /// Referrer-Policy. If a reverse proxy or CDN sets them, suppress with that reason.
    ///
    /// ## Not flagged
    /// Apps whose headers are set in the same file by any of the above, apps whose project manifest
    /// (the nearest `package.json`, or `requirements.txt`/`pyproject.toml`/`setup.py`) declares a
    /// header package (helmet, koa-helmet, @fastify/helmet, lusca, flask-talisman, secure), files
    /// that only create the app, and test code. Headers added by a proxy, or by middleware registered from another
    /// module, cannot be seen from the code: suppress the finding with the reason.
    ///
    /// ## References
    /// - CWE-693: Protection Mechanism Failure; CWE-1021: Improper Restriction of Rendered UI Layers
    /// - OWASP HTTP Headers Cheat Sheet; OWASP Secure Headers Project
    pub SECURITY_HEADERS_MISSING {
        id: "security-headers-missing",
        title: "No security-header middleware configured",
        severity: Medium,
        confidence: Medium,
        cwe: [693, 1021],
        checklist: 10,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

/// Whether the project manifest next to (or above) `path` declares a header middleware package:
/// then the headers are most likely configured in another file. Cached per directory.
fn manifest_declares(path: &std::path::Path, manifests: &[&str], packages: &[&str]) -> bool {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static CACHE: RefCell<HashMap<std::path::PathBuf, bool>> = RefCell::new(HashMap::new());
    }
    let Some(start) = path.parent() else {
        return false;
    };
    let key = start.to_path_buf();
    if let Some(v) = CACHE.with(|c| c.borrow().get(&key).copied()) {
        return v;
    }
    let mut found = false;
    let mut dir = Some(start);
    for _ in 0..8 {
        let Some(d) = dir else { break };
        let mut seen_manifest = false;
        for m in manifests {
            let f = d.join(m);
            if let Ok(meta) = std::fs::metadata(&f) {
                if meta.len() > 2_000_000 {
                    continue;
                }
                seen_manifest = true;
                if let Ok(text) = std::fs::read_to_string(&f) {
                    let lower = text.to_ascii_lowercase();
                    if packages.iter().any(|p| lower.contains(p)) {
                        found = true;
                    }
                }
            }
        }
        if found || seen_manifest {
            break;
        }
        dir = d.parent();
    }
    CACHE.with(|c| c.borrow_mut().insert(key, found));
    found
}

fn mentions_header(s: &str) -> bool {
    use crate::lang::strings::contains_lower;
    contains_lower(s, "content-security-policy")
        || contains_lower(s, "strict-transport-security")
        || contains_lower(s, "x-frame-options")
}

// ------------------------------------------------------------------ JavaScript / TypeScript

const JS_HEADER_MODULES: &[&str] = &[
    "helmet",
    "koa-helmet",
    "@fastify/helmet",
    "fastify-helmet",
    "lusca",
    "@nestjs/helmet",
    "hsts",
    "frameguard",
    "helmet-csp",
    "secure-headers",
];

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["program"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || node.k() != "program" {
        return;
    }
    if cx
        .imports
        .values()
        .any(|i| JS_HEADER_MODULES.contains(&i.module.as_str()) || i.module.contains("helmet"))
    {
        return;
    }
    // The app is an `express()`, `fastify()`, `NestFactory.create()` or `new Koa()` call: the
    // name is in the file (in the call, or in the import it comes through).
    if !["express", "fastify", "nestfactory", "koa"]
        .iter()
        .any(|k| cx.file.mentions(k))
    {
        return;
    }
    let src = cx.src;
    let mut app: Option<(Range<usize>, &'static str)> = None;
    let mut configures = false;
    let mut has_headers = false;
    let walked = crate::lang::walk_named(node, Order::LastChildFirst, 200_000, |n| {
        match n.k() {
            // Headers set: nothing to report, the rest of the walk cannot change that.
            "string" | "template_string" => {
                if mentions_header(js::node_text(src, n)) {
                    has_headers = true;
                    return Visit::Stop;
                }
            }
            "identifier" | "property_identifier" => {
                use crate::lang::strings::contains_lower;
                let t = js::node_text(src, n);
                if contains_lower(t, "helmet")
                    || contains_lower(t, "securityheaders")
                    || contains_lower(t, "secureheaders")
                {
                    has_headers = true;
                    return Visit::Stop;
                }
            }
            "call_expression" => {
                let r = cx.resolved_callee(n).unwrap_or_default();
                if app.is_none() {
                    let fw = match r.as_str() {
                        "express" => Some("express"),
                        "fastify" | "fastify.fastify" | "fastify.default" => Some("fastify"),
                        "@nestjs/core.NestFactory.create" => Some("nest"),
                        _ => None,
                    };
                    if let Some(fw) = fw {
                        app = Some((n.byte_range(), fw));
                    }
                }
                if let Some(name) = js::callee_name(src, n) {
                    if matches!(name, "use" | "listen" | "register")
                        && n.field("function")
                            .is_some_and(|f| f.k() == "member_expression")
                    {
                        configures = true;
                    }
                }
            }
            "new_expression" => {
                if app.is_none() {
                    let c = n
                        .field("constructor")
                        .map(|c| js::node_text(src, c))
                        .unwrap_or("");
                    if cx.import_of(c).is_some_and(|i| i.module == "koa") {
                        app = Some((n.byte_range(), "koa"));
                    }
                }
            }
            _ => {}
        }
        Visit::Descend
    });
    if !walked {
        return;
    }
    let Some((r, fw)) = app else { return };
    if has_headers || !configures {
        return;
    }
    if manifest_declares(
        cx.file.path,
        &["package.json"],
        &[
            "\"helmet\"",
            "\"koa-helmet\"",
            "\"@fastify/helmet\"",
            "\"lusca\"",
            "\"koa-lusca\"",
            "\"fastify-helmet\"",
        ],
    ) {
        return;
    }
    let help = match fw {
        "koa" => "add koa-helmet: app.use(helmet())",
        "fastify" => "register @fastify/helmet: await app.register(helmet)",
        "nest" => "add helmet: app.use(helmet()) after NestFactory.create",
        _ => "add helmet: app.use(helmet()) (sets CSP, HSTS, X-Frame-Options, nosniff, Referrer-Policy)",
    };
    cx.report(
        &SECURITY_HEADERS_MISSING,
        r,
        "this app sets no security headers (no helmet or equivalent)",
    )
    .help(help);
}

// ------------------------------------------------------------------ Python

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["module", "assignment"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    match node.k() {
        "module" => check_py_app(cx, node),
        "assignment" => check_django_middleware(cx, node),
        _ => {}
    }
}

fn check_py_app(cx: &mut PyCx<'_, '_>, module: Node<'_>) {
    if cx.imports.values().any(|m| {
        m.starts_with("flask_talisman")
            || m.starts_with("talisman")
            || m == "secure"
            || m.starts_with("secure.")
            || m.starts_with("starlette_csp")
            || m.contains("secure_headers")
            || m.contains("security_headers")
    }) {
        return;
    }
    let src = cx.src;
    // The app is a `Flask(..)`, `FastAPI(..)` or `Starlette(..)` call: its class name is in the
    // file (in the call or in the import that renames it).
    if !["Flask", "FastAPI", "Starlette"]
        .iter()
        .any(|k| src.contains(k))
    {
        return;
    }
    let mut app: Option<(Range<usize>, &'static str)> = None;
    let mut configures = false;
    let mut has_headers = false;
    let walked = crate::lang::walk_named(module, Order::LastChildFirst, 200_000, |n| {
        match n.k() {
            // Headers set: nothing to report, the rest of the walk cannot change that.
            "string" => {
                if mentions_header(py::node_text(src, n)) {
                    has_headers = true;
                    return Visit::Stop;
                }
            }
            "identifier" => {
                use crate::lang::strings::contains_lower;
                let t = py::node_text(src, n);
                if contains_lower(t, "talisman")
                    || contains_lower(t, "security_headers")
                    || contains_lower(t, "secure_headers")
                {
                    has_headers = true;
                    return Visit::Stop;
                }
            }
            "call" => {
                let r = cx.resolved_callee(n).unwrap_or_default();
                if app.is_none() {
                    let fw = match r.as_str() {
                        "flask.Flask" => Some("flask"),
                        "fastapi.FastAPI" => Some("fastapi"),
                        "starlette.applications.Starlette" => Some("starlette"),
                        _ => None,
                    };
                    if let Some(fw) = fw {
                        app = Some((n.byte_range(), fw));
                    }
                }
                if let Some(name) = py::callee_name(src, n) {
                    if matches!(
                        name,
                        "route"
                            | "run"
                            | "register_blueprint"
                            | "add_url_rule"
                            | "include_router"
                            | "add_middleware"
                            | "mount"
                    ) {
                        configures = true;
                    }
                }
            }
            _ => {}
        }
        Visit::Descend
    });
    if !walked {
        return;
    }
    let Some((r, fw)) = app else { return };
    if has_headers || !configures {
        return;
    }
    if manifest_declares(
        cx.file.path,
        &[
            "requirements.txt",
            "pyproject.toml",
            "setup.py",
            "setup.cfg",
            "Pipfile",
        ],
        &[
            "flask-talisman",
            "flask_talisman",
            "talisman",
            "secure==",
            "\"secure\"",
            "django-csp",
        ],
    ) {
        return;
    }
    let (help, sev) = match fw {
        "flask" => ("add flask-talisman: Talisman(app) (CSP, HSTS, X-Frame-Options, nosniff)", Severity::Medium),
        // JSON APIs need fewer browser headers; HSTS and nosniff still apply.
        _ => ("add a security-headers middleware (e.g. the `secure` package) or set HSTS, X-Content-Type-Options and CSP in a middleware", Severity::Low),
    };
    cx.report(
        &SECURITY_HEADERS_MISSING,
        r,
        "this app sets no security headers (no Talisman or equivalent)",
    )
    .help(help)
    .severity(sev);
}

fn check_django_middleware(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    let src = cx.src;
    let (Some(l), Some(r)) = (node.field("left"), node.field("right")) else {
        return;
    };
    if !matches!(py::node_text(src, l), "MIDDLEWARE" | "MIDDLEWARE_CLASSES")
        || !matches!(r.k(), "list" | "tuple")
        || !common::py_module_level(node)
    {
        return;
    }
    if common::is_dev_settings(cx.file.path) {
        return;
    }
    let mut c = r.walk();
    let items: Vec<String> = r
        .named_children(&mut c)
        .filter_map(|e| py::string_value(src, e).map(str::to_owned))
        .collect();
    if items.is_empty() {
        return;
    }
    if items.iter().any(|m| m.ends_with("SecurityMiddleware")) {
        return;
    }
    cx.report(
        &SECURITY_HEADERS_MISSING,
        l.byte_range(),
        "MIDDLEWARE does not include Django's SecurityMiddleware",
    )
    .help("add \"django.middleware.security.SecurityMiddleware\" first in MIDDLEWARE and set SECURE_HSTS_SECONDS, SECURE_CONTENT_TYPE_NOSNIFF");
}

// ------------------------------------------------------------------ Rust

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test {
        return;
    }
    let RustNode::File(file) = node else { return };
    // `Router::new()` is also used by non-web crates; require axum or actix in the file's uses.
    // And the app is a `Router::new()` / `HttpServer::new()` call, whose name is in the text.
    // Both before the walk, which reads every token of the file.
    let web = cx
        .uses
        .values()
        .any(|u| u.starts_with("axum") || u.starts_with("actix_web"));
    if !web || !(cx.src.contains("Router") || cx.src.contains("HttpServer")) {
        return;
    }
    struct Scan {
        app: Option<(proc_macro2::Span, &'static str)>,
        serves: bool,
        has_headers: bool,
    }
    fn tokens(s: &mut Scan, ts: proc_macro2::TokenStream) {
        let mut stack = vec![ts];
        let mut budget = 100_000usize;
        while let Some(t) = stack.pop() {
            for tt in t {
                budget = budget.saturating_sub(1);
                if budget == 0 {
                    return;
                }
                match tt {
                    proc_macro2::TokenTree::Group(g) => stack.push(g.stream()),
                    proc_macro2::TokenTree::Ident(i) => ident(s, &i.to_string()),
                    proc_macro2::TokenTree::Literal(l) => {
                        if mentions_header(&l.to_string()) {
                            s.has_headers = true;
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    fn ident(s: &mut Scan, i: &str) {
        if matches!(
            i,
            "SetResponseHeaderLayer"
                | "DefaultHeaders"
                | "X_FRAME_OPTIONS"
                | "STRICT_TRANSPORT_SECURITY"
                | "CONTENT_SECURITY_POLICY"
        ) || i.to_ascii_lowercase().contains("helmet")
            || i.to_ascii_lowercase().contains("security_headers")
            || i.to_ascii_lowercase().contains("secure_headers")
        {
            s.has_headers = true;
        }
        if matches!(i, "serve" | "bind" | "run" | "bind_rustls" | "bind_openssl") {
            s.serves = true;
        }
    }
    impl<'ast> syn::visit::Visit<'ast> for Scan {
        fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
            ident(self, &i.to_string());
        }
        fn visit_lit_str(&mut self, l: &'ast syn::LitStr) {
            if mentions_header(&l.value()) {
                self.has_headers = true;
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            tokens(self, m.tokens.clone());
            syn::visit::visit_macro(self, m);
        }
        fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
            if !crate::lang::rust::is_test_attr(&m.attrs) {
                syn::visit::visit_item_mod(self, m);
            }
        }
        fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
            if !crate::lang::rust::is_test_attr(&f.attrs) {
                syn::visit::visit_item_fn(self, f);
            }
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if self.app.is_none() {
                if let syn::Expr::Path(p) = &*c.func {
                    let segs: Vec<String> = p
                        .path
                        .segments
                        .iter()
                        .map(|s| s.ident.to_string())
                        .collect();
                    let n = segs.len();
                    if n >= 2 && segs[n - 1] == "new" {
                        let fw = match segs[n - 2].as_str() {
                            "Router" => Some("axum"),
                            "HttpServer" => Some("actix"),
                            _ => None,
                        };
                        if let Some(fw) = fw {
                            self.app = Some((syn::spanned::Spanned::span(c), fw));
                        }
                    }
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
    }
    let mut s = Scan {
        app: None,
        serves: false,
        has_headers: false,
    };
    syn::visit::Visit::visit_file(&mut s, file);
    let Some((span, fw)) = s.app else { return };
    if s.has_headers || !s.serves {
        return;
    }
    let r = cx.range(span);
    let help = if fw == "actix" {
        "wrap the app in actix_web::middleware::DefaultHeaders::new().add((\"X-Frame-Options\", \"DENY\")).add((\"Strict-Transport-Security\", \"max-age=31536000\"))..."
    } else {
        "add tower_http::set_header::SetResponseHeaderLayer layers for Content-Security-Policy, Strict-Transport-Security, X-Frame-Options and X-Content-Type-Options"
    };
    cx.report(
        &SECURITY_HEADERS_MISSING,
        r,
        "this app sets no security headers",
    )
    .help(help);
}

#[cfg(test)]
mod tests {
    use crate::Config;

    fn ids(dir: &std::path::Path, rel: &str) -> Vec<&'static str> {
        let path = dir.join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        crate::engine::check_source(&path, &text, &Config::default())
            .findings
            .iter()
            .map(|f| f.rule.id)
            .filter(|id| *id == "security-headers-missing")
            .collect()
    }

    #[test]
    fn manifest_with_helmet_silences_app_files() {
        let app = "const express = require(\"express\");\nconst app = express();\napp.use(express.json());\napp.listen(3000);\n";
        let with = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(with.path().join("src")).unwrap();
        std::fs::write(
            with.path().join("package.json"),
            r#"{"dependencies":{"express":"^4","helmet":"^7"}}"#,
        )
        .unwrap();
        std::fs::write(with.path().join("src/server.js"), app).unwrap();
        assert!(ids(with.path(), "src/server.js").is_empty());

        let without = tempfile::tempdir().unwrap();
        std::fs::write(
            without.path().join("package.json"),
            r#"{"dependencies":{"express":"^4"}}"#,
        )
        .unwrap();
        std::fs::write(without.path().join("server.js"), app).unwrap();
        assert_eq!(
            ids(without.path(), "server.js"),
            vec!["security-headers-missing"]
        );
    }
}
