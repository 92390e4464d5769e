use super::common;
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags interactive API documentation mounted unconditionally: Express
    /// `app.use("/docs", swaggerUi.serve, swaggerUi.setup(spec))` (swagger-ui-express), NestJS
    /// `SwaggerModule.setup(..)`, Fastify `register(fastifySwaggerUi)`; Python flask-swagger-ui
    /// `get_swaggerui_blueprint(..)`, drf-yasg `schema_view.with_ui("swagger")`, drf-spectacular
    /// `SpectacularSwaggerView`; Rust utoipa `SwaggerUi::new(..)` / `RapiDoc`/`Redoc`/`Scalar`.
    /// "Unconditionally" is judged from syntax: inside an `if` on `NODE_ENV`/`DEBUG`/settings
    /// (or any `if`/`match` and `#[cfg(..)]` in Rust) is not flagged.
    ///
    /// ## Why is this bad?
    /// A browsable description of every endpoint, parameter and model (internal and admin routes
    /// included) with a built-in client to call them is reconnaissance done for an attacker. For
    /// internal APIs it also discloses what should not be public.
    ///
    /// ## Example
    /// ```ts
    /// app.use("/docs", swaggerUi.serve, swaggerUi.setup(openapi));
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// if (process.env.NODE_ENV !== "production") {
    ///   app.use("/docs", swaggerUi.serve, swaggerUi.setup(openapi));
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Mount the docs only outside production, or behind authentication. Public APIs that publish
    /// their documentation on purpose can suppress the finding with that reason.
    ///
    /// ## Not flagged
    /// Docs mounted inside environment checks, FastAPI's default `/docs` (too often intended to
    /// flag by default: set `docs_url=None` in production), and test code.
    ///
    /// ## References
    /// - CWE-200: Exposure of Sensitive Information to an Unauthorized Actor
    /// - OWASP API Security Top 10 2023: API9 Improper Inventory Management
    pub SWAGGER_UI_EXPOSED {
        id: "swagger-ui-exposed",
        title: "API documentation UI mounted unconditionally",
        severity: Low,
        confidence: Medium,
        cwe: [200],
        checklist: 9,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

const MSG: &str = "interactive API docs are mounted unconditionally";
const HELP: &str = "mount the docs only outside production (if (process.env.NODE_ENV !== \"production\") ...) or behind authentication";

// ------------------------------------------------------------------ JavaScript / TypeScript

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["call_expression"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || node.k() != "call_expression" {
        return;
    }
    let src = cx.src;
    let r = cx.resolved_callee(node).unwrap_or_default();
    let hit = r == "swagger-ui-express.setup"
        || r.ends_with("SwaggerModule.setup") && r.starts_with("@nestjs/swagger")
        || (js::callee_name(src, node) == Some("register")
            && js::call_args(node).first().is_some_and(|a| {
                cx.import_of(js::node_text(src, *a))
                    .is_some_and(|i| i.module == "@fastify/swagger-ui")
            }));
    if !hit || common::js_env_guarded(src, node) {
        return;
    }
    cx.report(&SWAGGER_UI_EXPOSED, node.byte_range(), MSG)
        .help(HELP);
}

// ------------------------------------------------------------------ Python

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["call"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || node.k() != "call" {
        return;
    }
    let src = cx.src;
    let r = cx.resolved_callee(node).unwrap_or_default();
    let name = py::callee_name(src, node).unwrap_or("");
    let hit = r.ends_with("get_swaggerui_blueprint")
        || (name == "with_ui" && cx.imports_module("drf_yasg"))
        || (name == "as_view"
            && (r.contains("SpectacularSwaggerView") || r.contains("SpectacularRedocView")));
    if !hit || common::py_env_guarded(src, node) {
        return;
    }
    cx.report(&SWAGGER_UI_EXPOSED, node.byte_range(), MSG).help(
        "add the docs routes only when settings.DEBUG is on, or protect them with authentication",
    );
}

// ------------------------------------------------------------------ Rust

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let (attrs, block) = match node {
        RustNode::Item(syn::Item::Fn(f)) => (&f.attrs, &*f.block),
        RustNode::ImplItemFn(f) => (&f.attrs, &f.block),
        _ => return,
    };
    if super::graphql_introspection_enabled::debug_only_attr(attrs) {
        return;
    }
    struct F {
        depth: usize,
        out: Vec<proc_macro2::Span>,
    }
    impl<'ast> syn::visit::Visit<'ast> for F {
        fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
            self.depth += 1;
            syn::visit::visit_expr_if(self, i);
            self.depth -= 1;
        }
        fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
            self.depth += 1;
            syn::visit::visit_expr_match(self, m);
            self.depth -= 1;
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if self.depth == 0 {
                if let syn::Expr::Path(p) = &*c.func {
                    let segs: Vec<String> = p
                        .path
                        .segments
                        .iter()
                        .map(|s| s.ident.to_string())
                        .collect();
                    let n = segs.len();
                    if n >= 2
                        && matches!(
                            segs[n - 2].as_str(),
                            "SwaggerUi" | "RapiDoc" | "Redoc" | "Scalar"
                        )
                        && matches!(segs[n - 1].as_str(), "new" | "with_url")
                    {
                        self.out.push(syn::spanned::Spanned::span(c));
                    }
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_local(&mut self, l: &'ast syn::Local) {
            // `#[cfg(debug_assertions)] let app = app.merge(SwaggerUi::new(..))`
            if !super::graphql_introspection_enabled::debug_only_attr(&l.attrs) {
                syn::visit::visit_local(self, l);
            }
        }
        fn visit_stmt(&mut self, s: &'ast syn::Stmt) {
            if let syn::Stmt::Expr(syn::Expr::Assign(a), _) = s {
                if super::graphql_introspection_enabled::debug_only_attr(&a.attrs) {
                    return;
                }
            }
            syn::visit::visit_stmt(self, s);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = F {
        depth: 0,
        out: Vec::new(),
    };
    syn::visit::Visit::visit_block(&mut f, block);
    let uses_doc_crate = cx.uses.values().any(|u| {
        u.starts_with("utoipa_swagger_ui")
            || u.starts_with("utoipa_rapidoc")
            || u.starts_with("utoipa_redoc")
            || u.starts_with("utoipa_scalar")
    });
    if !uses_doc_crate {
        return;
    }
    for span in f.out {
        let r = cx.range(span);
        cx.report(&SWAGGER_UI_EXPOSED, r, MSG)
            .help("merge SwaggerUi only in debug builds (#[cfg(debug_assertions)]) or when a config flag is set");
    }
}
