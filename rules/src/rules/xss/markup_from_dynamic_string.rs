use super::taint;
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags strings marked as safe HTML after being formatted from non-constant values:
    /// Python `markupsafe.Markup(f"...")` (also `%`, `+`, `.format()`), Django `mark_safe(...)`,
    /// `SafeString(...)`, and `format_html(...)` given an already formatted string; Rust maud
    /// `PreEscaped(format!(..))`.
    ///
    /// ## Why is this bad?
    /// These wrappers tell the template engine "this is trusted HTML, do not escape it". The
    /// values formatted in before the wrapper are never escaped, so user content inside runs as
    /// markup (XSS). The safe forms escape the arguments for you.
    ///
    /// ## Example
    /// ```python
    /// return Markup(f"<a href='/u/{user.name}'>{user.name}</a>")
    /// return format_html(f"<b>{comment}</b>")
    /// ```
    /// ```rust
    /// html! { (PreEscaped(format!("<b>{}</b>", comment))) }
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// return Markup("<a href='/u/{0}'>{0}</a>").format(user.name)   # format() escapes
    /// return format_html("<b>{}</b>", comment)                        # escapes comment
    /// ```
    /// ```rust
    /// html! { b { (comment) } }
    /// ```
    ///
    /// ## How to fix
    /// Keep the template constant and let the safe API escape the values: `Markup(template)
    /// .format(...)` or `Markup(template) % values`, `format_html(template, *args)`, maud's
    /// `(value)` splices. Wrap only constants or sanitizer output (`bleach.clean`, `ammonia::clean`).
    ///
    /// ## Not flagged
    /// Constant strings, escaped or sanitized values, numbers, values whose origin is not
    /// visible, and test code.
    ///
    /// ## References
    /// - CWE-79: Improper Neutralization of Input During Web Page Generation
    /// - Django docs: `mark_safe`, `format_html`; MarkupSafe docs
    pub MARKUP_FROM_DYNAMIC_STRING {
        id: "markup-from-dynamic-string",
        title: "String marked as safe HTML after formatting non-constant values",
        severity: Medium,
        confidence: Medium,
        cwe: [79],
        checklist: 7,
        languages: [Rust, Python],
        fix: None,
    }
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
    let (api, help) = match last {
        "Markup" if resolved.starts_with("markupsafe") || resolved.starts_with("flask") || resolved.starts_with("jinja2") || resolved == "Markup" => (
            "Markup",
            "keep the markup constant and let Markup escape the values: Markup(\"<b>{}</b>\").format(value)",
        ),
        "mark_safe" | "SafeString" | "SafeText" if resolved.starts_with("django") || resolved == last => (
            last,
            "use format_html(\"<b>{}</b>\", value), which escapes each value, instead of formatting first",
        ),
        "format_html" if resolved.starts_with("django") || resolved == "format_html" => (
            "format_html",
            "pass the values as arguments so they are escaped: format_html(\"<b>{}</b>\", value)",
        ),
        _ => return,
    };
    let Some(arg) = py::positional_args(node).into_iter().next() else {
        return;
    };
    let h = taint::python(src, arg);
    let Some(v) = taint::verdict(&h) else { return };
    let msg = format!("{} is marked safe by `{api}` without escaping", v.what);
    taint::emit(
        cx.file,
        &MARKUP_FROM_DYNAMIC_STRING,
        arg.byte_range(),
        msg,
        help,
        &v,
    );
}

/// maud's `html! { .. (PreEscaped(x)) .. }`: the macro body is not Rust expressions, so find
/// `PreEscaped(..)` in its token trees and parse the argument.
fn check_maud_macro(cx: &mut RustCx<'_, '_, '_>, mac: &syn::Macro) {
    use proc_macro2::TokenTree;
    let mut stack = vec![mac.tokens.clone()];
    let mut budget = 50_000usize;
    while let Some(ts) = stack.pop() {
        let toks: Vec<TokenTree> = ts.into_iter().collect();
        for (i, t) in toks.iter().enumerate() {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                return;
            }
            match t {
                TokenTree::Ident(id) if id == "PreEscaped" => {
                    if let Some(TokenTree::Group(g)) = toks.get(i + 1) {
                        if g.delimiter() == proc_macro2::Delimiter::Parenthesis {
                            if let Ok(e) = syn::parse2::<syn::Expr>(g.stream()) {
                                report_rust(cx, &e);
                            }
                        }
                    }
                }
                TokenTree::Group(g) => stack.push(g.stream()),
                _ => {}
            }
        }
    }
}

fn report_rust(cx: &mut RustCx<'_, '_, '_>, arg: &syn::Expr) {
    let h = taint::rust(cx, arg);
    let Some(v) = taint::verdict(&h) else { return };
    let msg = format!("{} is marked safe by `PreEscaped` without escaping", v.what);
    let range = cx.range_of(arg);
    taint::emit(
        cx.file,
        &MARKUP_FROM_DYNAMIC_STRING,
        range,
        msg,
        "splice values with maud's (value) syntax, which escapes, or sanitize with ammonia::clean before PreEscaped",
        &v,
    );
}

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    if let RustNode::Macro(m) = node {
        if crate::lang::rust::macro_name(m) == "html"
            && cx.uses.values().any(|u| u.starts_with("maud"))
        {
            check_maud_macro(cx, m);
        }
        return;
    }
    let RustNode::Expr(syn::Expr::Call(c)) = node else {
        return;
    };
    let syn::Expr::Path(p) = &*c.func else { return };
    let path = cx.resolve_path(&p.path);
    if !(path == "maud::PreEscaped"
        || path == "PreEscaped" && cx.uses.values().any(|u| u.starts_with("maud")))
    {
        return;
    }
    let Some(arg) = c.args.first() else { return };
    report_rust(cx, arg);
}
