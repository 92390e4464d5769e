use super::taint;
use crate::lang::js::{self, JsCx};
use crate::lang::NodeExt;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags code evaluated from strings built from non-constant values or read from the
    /// URL/request: `eval(x)`, `new Function(.., body)`/`Function(body)`, and `setTimeout`/
    /// `setInterval` with a string instead of a function.
    ///
    /// ## Why is this bad?
    /// Any value spliced into evaluated code becomes code: a quote in it ends the string and the
    /// rest runs with the page's (or the server's) privileges (code injection, XSS).
    ///
    /// ## Example
    /// ```js
    /// const fn = new Function("row", `return row.${req.query.field} > 0`);
    /// setTimeout("update('" + location.hash.slice(1) + "')", 100);
    /// ```
    ///
    /// ## Use instead
    /// ```js
    /// const field = ALLOWED_FIELDS.has(req.query.field) ? req.query.field : "id";
    /// const fn = (row) => row[field] > 0;
    /// setTimeout(() => update(location.hash.slice(1)), 100);
    /// ```
    ///
    /// ## How to fix
    /// Pass functions, not strings; look properties up with `obj[key]` after checking `key`
    /// against an allowlist; parse data with `JSON.parse`.
    ///
    /// ## Not flagged
    /// Constant code strings, functions passed to timers, values whose origin is not visible,
    /// and test code.
    ///
    /// ## References
    /// - CWE-95: Improper Neutralization of Directives in Dynamically Evaluated Code
    /// - CWE-79: Improper Neutralization of Input During Web Page Generation
    pub EVAL_OF_DYNAMIC_STRING {
        id: "eval-of-dynamic-string",
        title: "Code evaluated from a non-constant string",
        severity: High,
        confidence: Medium,
        cwe: [95, 79],
        checklist: 7,
        languages: [JavaScript, TypeScript],
        fix: None,
    }
}

const HELP: &str = "pass a function instead of a code string, and select properties with obj[key] after checking key against an allowlist";

fn report(cx: &mut JsCx<'_, '_>, arg: Node<'_>, api: &str) {
    let h = taint::js(cx.src, arg);
    let Some(mut v) = taint::verdict(&h) else {
        return;
    };
    v.what = v.what.replace("HTML built", "code built");
    v.severity = crate::meta::Severity::High;
    let msg = format!("{} is evaluated by `{api}`", v.what);
    taint::emit(
        cx.file,
        &EVAL_OF_DYNAMIC_STRING,
        arg.byte_range(),
        msg,
        HELP,
        &v,
    );
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On =
    crate::lang::On::Kinds(&["program", "call_expression", "new_expression"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if node.k() == "program" {
        taint::note_generated(cx);
        return;
    }
    if taint::is_generated() {
        return;
    }
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    match node.k() {
        "call_expression" => {
            let Some(f) = node.field("function") else {
                return;
            };
            let path = js::member_path(src, f).unwrap_or_default();
            let args = js::call_args(node);
            match path.as_str() {
                "eval" | "window.eval" | "globalThis.eval" | "Function" => {
                    if let Some(a) = if path == "Function" {
                        args.last()
                    } else {
                        args.first()
                    } {
                        report(cx, *a, &path);
                    }
                }
                "setTimeout" | "setInterval" | "window.setTimeout" | "window.setInterval" => {
                    if let Some(a) = args.first() {
                        if matches!(a.k(), "string" | "template_string" | "binary_expression") {
                            report(cx, *a, &path);
                        }
                    }
                }
                _ => {}
            }
        }
        "new_expression" => {
            let Some(c) = node.field("constructor") else {
                return;
            };
            if js::node_text(src, c) != "Function" {
                return;
            }
            let Some(args) = node.field("arguments") else {
                return;
            };
            let mut cur = args.walk();
            let last = args
                .named_children(&mut cur)
                .filter(|n| n.k() != "comment")
                .last();
            if let Some(a) = last {
                report(cx, a, "new Function");
            }
        }
        _ => {}
    }
}
