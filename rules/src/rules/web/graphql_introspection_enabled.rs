use super::common;
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags GraphQL servers with schema introspection or an in-browser IDE turned on
    /// unconditionally: Apollo Server `introspection: true`, `playground: true`, express-graphql /
    /// Mercurius / graphql-http `graphiql: true`; Python graphene/flask-graphql/strawberry
    /// `GraphQLView.as_view(graphiql=True)`, `GraphQLRouter(graphiql=True)`; Rust async-graphql
    /// `GraphiQLSource::build()` / `playground_source(..)` served outside a debug-only branch.
    /// "Unconditionally" is judged from syntax: code inside an `if` (or ternary) on
    /// `NODE_ENV`/`DEBUG`/settings, or under `#[cfg(debug_assertions)]` / `cfg!(..)`, is not flagged.
    ///
    /// ## Why is this bad?
    /// Introspection hands anyone the full schema: every type, field, mutation and argument,
    /// including internal and admin operations, which maps the attack surface for them. The IDE
    /// makes it point-and-click.
    ///
    /// ## Example
    /// ```ts
    /// const server = new ApolloServer({ typeDefs, resolvers, introspection: true });
    /// ```
    /// ```python
    /// app.add_url_rule("/graphql", view_func=GraphQLView.as_view("graphql", schema=schema, graphiql=True))
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// const server = new ApolloServer({ typeDefs, resolvers, introspection: process.env.NODE_ENV !== "production" });
    /// ```
    /// ```python
    /// GraphQLView.as_view("graphql", schema=schema, graphiql=settings.DEBUG)
    /// ```
    ///
    /// ## How to fix
    /// Tie introspection and the IDE to a development flag, or leave the option out (Apollo
    /// disables introspection when `NODE_ENV=production`). Public APIs that document their
    /// schema on purpose can suppress the finding with that reason.
    ///
    /// ## Not flagged
    /// Values computed from the environment or settings, code inside environment checks, and test
    /// code.
    ///
    /// ## References
    /// - CWE-200: Exposure of Sensitive Information to an Unauthorized Actor; CWE-489
    /// - OWASP GraphQL Cheat Sheet (introspection)
    pub GRAPHQL_INTROSPECTION_ENABLED {
        id: "graphql-introspection-enabled",
        title: "GraphQL introspection or IDE enabled unconditionally",
        severity: Low,
        confidence: High,
        cwe: [200, 489],
        checklist: 9,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

// ------------------------------------------------------------------ JavaScript / TypeScript

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["pair"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || node.k() != "pair" {
        return;
    }
    let src = cx.src;
    let (Some(k), Some(v)) = (node.field("key"), node.field("value")) else {
        return;
    };
    let key = js::node_text(src, k).trim_matches(['"', '\'']);
    if !matches!(key, "introspection" | "graphiql" | "playground") || v.k() != "true" {
        return;
    }
    // The option must be passed to a call or constructor (a server's options object).
    let Some(obj) = node.up() else { return };
    let Some(args) = obj.up().filter(|a| a.k() == "arguments") else {
        return;
    };
    let Some(call) = args.up() else { return };
    let callee = match call.k() {
        "new_expression" => call
            .field("constructor")
            .map(|c| js::node_text(src, c).to_owned())
            .unwrap_or_default(),
        "call_expression" => cx.resolved_callee(call).unwrap_or_default(),
        _ => return,
    };
    let graphql = callee.contains("Apollo")
        || callee.to_ascii_lowercase().contains("graphql")
        || callee.contains("mercurius")
        || callee.contains("Yoga")
        || callee == "register"
        || cx.imports.values().any(|i| {
            i.module.contains("graphql") || i.module.contains("apollo") || i.module == "mercurius"
        });
    if !graphql || common::js_env_guarded(src, node) {
        return;
    }
    let msg = if key == "introspection" {
        "GraphQL introspection is enabled unconditionally"
    } else {
        "the GraphQL IDE is enabled unconditionally"
    };
    cx.report(&GRAPHQL_INTROSPECTION_ENABLED, node.byte_range(), msg)
        .help("tie it to the environment: introspection: process.env.NODE_ENV !== \"production\" (or omit it)");
}

// ------------------------------------------------------------------ Python

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["call"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || node.k() != "call" {
        return;
    }
    let src = cx.src;
    let Some(v) = py::keyword_arg(src, node, "graphiql") else {
        return;
    };
    if !py::is_true(src, v) {
        return;
    }
    let callee = py::callee_name(src, node).unwrap_or("");
    let graphql = callee == "as_view"
        || callee.contains("GraphQL")
        || cx.imports_module("graphene")
        || cx.imports_module("strawberry")
        || cx.imports_module("flask_graphql")
        || cx.imports_module("graphql_server")
        || cx.imports_module("ariadne");
    if !graphql || common::py_env_guarded(src, node) {
        return;
    }
    cx.report(
        &GRAPHQL_INTROSPECTION_ENABLED,
        v.byte_range(),
        "the GraphQL IDE is enabled unconditionally",
    )
    .help("tie it to a development flag: graphiql=settings.DEBUG");
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
    if debug_only_attr(attrs) {
        return;
    }
    for span in ide_calls_unguarded(block) {
        let r = cx.range(span);
        cx.report(
            &GRAPHQL_INTROSPECTION_ENABLED,
            r,
            "the GraphQL IDE is served unconditionally",
        )
        .help("serve GraphiQL/Playground only in debug builds (#[cfg(debug_assertions)]) or behind a config flag, and call disable_introspection() on the schema in production");
    }
}

pub(crate) fn debug_only_attr(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && matches!(&a.meta, syn::Meta::List(l) if {
                let t = l.tokens.to_string();
                t.contains("debug_assertions") || t.contains("feature")
            })
    })
}

/// Spans of IDE-serving calls not inside an `if` (any `if` counts as a guard: in Rust the
/// condition is usually a config flag or `cfg!`).
fn ide_calls_unguarded(block: &syn::Block) -> Vec<proc_macro2::Span> {
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
                    let hit = segs.last().is_some_and(|l| l == "playground_source")
                        || (n >= 2 && segs[n - 2] == "GraphiQLSource" && segs[n - 1] == "build")
                        || segs.last().is_some_and(|l| l == "graphiql_source");
                    if hit {
                        self.out.push(syn::spanned::Spanned::span(c));
                    }
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = F {
        depth: 0,
        out: Vec::new(),
    };
    syn::visit::Visit::visit_block(&mut f, block);
    f.out
}
