//! Route handlers without authentication or authorization (checklist point 14).
//!
//! Each language's extractor builds a route model of the whole file once (on the root node);
//! the rules decide from that model.
//!
//! Routes whose protection may come from another file (a router mounted elsewhere, a NestJS
//! global guard, Next.js middleware, Django settings, FastAPI `include_router`, a Flask blueprint
//! or an axum router built in a function and mounted by another module) are marked
//! `cross_file`: the file pass (and the editor) stays silent on them, and the project pass in
//! `project.rs` judges them with the facts of the whole app. The two passes report disjoint
//! sets of routes, so nothing is reported twice.

pub mod admin_route_without_role_check;
pub mod model;
pub mod object_lookup_without_owner_check;
mod project;
pub(crate) use project::{
    file_facts_begin, file_facts_end, file_facts_forget, scopes_of, FileFacts,
};
pub mod routes_js;
pub mod routes_py;
pub mod routes_rs;
pub mod unchecked_handler;

use crate::lang::js::JsCx;
use crate::lang::python::PyCx;
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use crate::lang::{JsCheck, ProjectCheck, PyCheck, RustCheck};
use crate::meta::RuleMeta;
use crate::registry::Registry;
use model::{Options, Route};
use tree_sitter::Node;

static RULES: &[&RuleMeta] = &[
    &unchecked_handler::UNCHECKED_HANDLER,
    &admin_route_without_role_check::ADMIN_ROUTE_WITHOUT_ROLE_CHECK,
    &object_lookup_without_owner_check::OBJECT_LOOKUP_WITHOUT_OWNER_CHECK,
];

/// The rules the project pass reports (cross-file routes).
static PROJECT_RULES: &[&RuleMeta] = &[
    &unchecked_handler::UNCHECKED_HANDLER,
    &admin_route_without_role_check::ADMIN_ROUTE_WITHOUT_ROLE_CHECK,
];

pub(crate) fn register(r: &mut Registry) {
    r.rules(RULES);
    r.js.push(JsCheck {
        rules: RULES,
        on: JS_ON,
        run: check_js,
    });
    r.py.push(PyCheck {
        rules: RULES,
        on: PY_ON,
        run: check_py,
    });
    r.rust.push(RustCheck {
        rules: RULES,
        run: check_rust,
    });
    // Cross-file facts: routers mounted elsewhere, global guards, middleware, settings.
    r.project.push(ProjectCheck {
        rules: PROJECT_RULES,
        run: project::run,
        after_file_pass: true,
    });
}

fn report_all(file: &mut crate::engine::FileCx<'_>, routes: &[Route], opts: &Options) {
    unchecked_handler::report(file, routes, opts);
    admin_route_without_role_check::report(file, routes, opts);
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["program"]);

fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if node.k() != "program" || cx.file.is_test {
        return;
    }
    let opts = Options::read(cx.file);
    let mut routes = routes_js::collect(cx, node, &opts);
    let file_mode = project::file_mode();
    if project::prepare_js(cx, node, &opts, &mut routes) {
        report_all(cx.file, &routes, &opts);
    }
    if file_mode {
        object_lookup_without_owner_check::check_js(cx, node, &routes);
    }
}

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["module"]);

fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if node.k() != "module" || cx.file.is_test {
        return;
    }
    let opts = Options::read(cx.file);
    let mut routes = routes_py::collect(cx, node, &opts);
    let file_mode = project::file_mode();
    if project::prepare_py(cx, node, &opts, &mut routes) {
        report_all(cx.file, &routes, &opts);
    }
    if file_mode {
        object_lookup_without_owner_check::check_py(cx, node, &routes);
    }
}

fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    let RustNode::File(file) = node else { return };
    if cx.file.is_test {
        return;
    }
    let opts = Options::read(cx.file);
    let mut routes = routes_rs::collect(cx, file, &opts);
    let report = project::prepare_rs(cx, &mut routes);
    // Mounted routers were carried as routes for the project pass; they are not routes.
    routes.retain(|r| r.mount_of.is_none());
    if report {
        report_all(cx.file, &routes, &opts);
    }
}
