use super::taint;
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags template *source* built from non-constant values or read from the request, then
    /// compiled by a template engine: Flask `render_template_string(f"...")`, Jinja2
    /// `Template(...)`/`env.from_string(...)`, Django `Template(...)`; `ejs.render`,
    /// `pug.render/compile`, `Handlebars.compile`, `nunjucks.renderString`, lodash `_.template`;
    /// Rust `Tera::one_off(..)`, `tera.render_str(..)`, `add_raw_template(name, ..)`.
    ///
    /// ## Why is this bad?
    /// The engine evaluates whatever template syntax the string contains. A value like
    /// `{{ config.__class__.__init__.__globals__['os'].popen('id').read() }}` becomes server-side
    /// code execution (server-side template injection), and even harmless-looking values bypass
    /// autoescaping because they are part of the template, not data.
    ///
    /// ## Example
    /// ```python
    /// return render_template_string(f"<h1>Hello {request.args['name']}</h1>")
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// return render_template_string("<h1>Hello {{ name }}</h1>", name=request.args["name"])
    /// ```
    ///
    /// ## How to fix
    /// Keep the template source constant (or load it from a template file) and pass values as
    /// context variables.
    ///
    /// ## Not flagged
    /// Constant template strings, templates loaded from files or variables whose origin is not
    /// visible, and test code.
    ///
    /// ## References
    /// - CWE-1336: Improper Neutralization of Special Elements Used in a Template Engine
    /// - CWE-94: Improper Control of Generation of Code
    /// - PortSwigger: Server-side template injection
    pub DYNAMIC_TEMPLATE_SOURCE {
        id: "dynamic-template-source",
        title: "Template source built from non-constant values",
        severity: High,
        confidence: Medium,
        cwe: [1336, 94, 79],
        checklist: 7,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

const HELP: &str = "keep the template source constant and pass values as context variables (render_template_string(\"Hello {{ name }}\", name=name))";

fn severity_for(v: &mut taint::Verdict) {
    v.what = v.what.replace("HTML built", "template source built");
    v.severity = crate::meta::Severity::High;
}

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["call"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if node.k() != "call" || cx.file.is_test {
        return;
    }
    let src = cx.src;
    let Some(resolved) = cx.resolved_callee(node) else {
        return;
    };
    let last = resolved.rsplit('.').next().unwrap_or("");
    let ok = match last {
        "render_template_string" => true,
        "Template" => resolved.starts_with("jinja2") || resolved.starts_with("django.template"),
        "from_string" => cx.imports_module("jinja2"),
        _ => false,
    };
    if !ok {
        return;
    }
    let Some(arg) = py::positional_args(node)
        .into_iter()
        .next()
        .or_else(|| py::keyword_arg(src, node, "source"))
    else {
        return;
    };
    let h = taint::python(src, arg);
    let Some(mut v) = taint::verdict(&h) else {
        return;
    };
    severity_for(&mut v);
    let msg = format!("{} is compiled as a template by `{last}`", v.what);
    taint::emit(
        cx.file,
        &DYNAMIC_TEMPLATE_SOURCE,
        arg.byte_range(),
        msg,
        HELP,
        &v,
    );
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["program", "call_expression"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if node.k() == "program" {
        taint::note_generated(cx);
        return;
    }
    if taint::is_generated() {
        return;
    }
    if node.k() != "call_expression" || cx.file.is_test {
        return;
    }
    let src = cx.src;
    let Some(resolved) = cx.resolved_callee(node) else {
        return;
    };
    let ok = matches!(
        resolved.as_str(),
        "ejs.render"
            | "ejs.compile"
            | "pug.render"
            | "pug.compile"
            | "handlebars.compile"
            | "nunjucks.renderString"
            | "lodash.template"
            | "lodash/template"
            | "mustache.render"
            | "underscore.template"
    );
    if !ok {
        return;
    }
    let Some(arg) = js::call_args(node).into_iter().next() else {
        return;
    };
    let h = taint::js(src, arg);
    let Some(mut v) = taint::verdict(&h) else {
        return;
    };
    severity_for(&mut v);
    let msg = format!("{} is compiled as a template by `{resolved}`", v.what);
    taint::emit(
        cx.file,
        &DYNAMIC_TEMPLATE_SOURCE,
        arg.byte_range(),
        msg,
        HELP,
        &v,
    );
}

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let RustNode::Expr(e) = node else { return };
    let (arg, api) = match e {
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else { return };
            let path = cx.resolve_path(&p.path);
            if !(path == "tera::Tera::one_off" || path == "Tera::one_off") {
                return;
            }
            let Some(a) = c.args.first() else { return };
            (a, "Tera::one_off")
        }
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            let idx = match name.as_str() {
                "render_str" => 0,
                "add_raw_template" => 1,
                _ => return,
            };
            if !cx.uses.values().any(|u| u.starts_with("tera")) {
                return;
            }
            let Some(a) = m.args.iter().nth(idx) else {
                return;
            };
            (
                a,
                if idx == 0 {
                    "render_str"
                } else {
                    "add_raw_template"
                },
            )
        }
        _ => return,
    };
    let h = taint::rust(cx, arg);
    let Some(mut v) = taint::verdict(&h) else {
        return;
    };
    severity_for(&mut v);
    let msg = format!("{} is compiled as a template by `{api}`", v.what);
    let range = cx.range_of(arg);
    taint::emit(cx.file, &DYNAMIC_TEMPLATE_SOURCE, range, msg, HELP, &v);
}
