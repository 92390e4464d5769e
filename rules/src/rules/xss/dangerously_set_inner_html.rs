use super::taint;
use crate::lang::js::{self, JsCx};
use crate::lang::NodeExt;
use crate::meta::{Confidence, Severity};
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags React `dangerouslySetInnerHTML={{ __html: x }}` when `x` is markup built from
    /// non-constant values, a value read from the URL/request, or the raw output of a Markdown
    /// renderer (`marked(..)`, `md.render(..)`, `converter.makeHtml(..)`), which passes HTML
    /// through by default.
    ///
    /// ## Why is this bad?
    /// React escapes everything except this prop: the string is inserted as HTML, so any user
    /// content in it can run script (stored or reflected XSS).
    ///
    /// ## Example
    /// ```tsx
    /// <div dangerouslySetInnerHTML={{ __html: `<b>${user.bio}</b>` }} />
    /// ```
    ///
    /// ## Use instead
    /// ```tsx
    /// <div><b>{user.bio}</b></div>
    /// // or, when the content must be HTML:
    /// <div dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(html) }} />
    /// ```
    ///
    /// ## How to fix
    /// Render values as JSX children (React escapes them). When HTML is required, sanitize it
    /// with `DOMPurify.sanitize()` (or `sanitize-html`) right where it is passed.
    ///
    /// ## Not flagged
    /// Constant strings, sanitized values, `JSON.stringify(..)` for JSON-LD/script data, plain
    /// variables whose origin is not visible, and test code.
    ///
    /// ## References
    /// - CWE-79: Improper Neutralization of Input During Web Page Generation
    /// - React docs: dangerouslySetInnerHTML
    pub DANGEROUSLY_SET_INNER_HTML {
        id: "dangerously-set-inner-html",
        title: "Unsanitized HTML passed to dangerouslySetInnerHTML",
        severity: Medium,
        confidence: Medium,
        cwe: [79],
        checklist: 7,
        languages: [JavaScript, TypeScript],
        fix: None,
    }
}

const HELP: &str = "render the value as JSX children, or sanitize it: dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(html) }}";

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["program", "jsx_attribute"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if node.k() == "program" {
        taint::note_generated(cx);
        return;
    }
    if taint::is_generated() {
        return;
    }
    if node.k() != "jsx_attribute" || cx.file.is_test {
        return;
    }
    let src = cx.src;
    let mut c = node.walk();
    let kids: Vec<Node> = node.named_children(&mut c).collect();
    let Some(name) = kids.first() else { return };
    if js::node_text(src, *name) != "dangerouslySetInnerHTML" {
        return;
    }
    let Some(expr) = kids
        .get(1)
        .filter(|k| k.k() == "jsx_expression")
        .and_then(|k| k.named_child(0))
    else {
        return;
    };
    let Some(value) = js::object_property(src, expr, "__html") else {
        return;
    };
    let inner = if value.k() == "await_expression" {
        value.named_child(0).unwrap_or(value)
    } else {
        value
    };
    if taint::markdown_render(src, inner) {
        cx.report(&DANGEROUSLY_SET_INNER_HTML, value.byte_range(), "Markdown rendered to raw HTML is passed to `dangerouslySetInnerHTML`")
            .help("sanitize the rendered HTML (DOMPurify.sanitize(marked.parse(text))) or disable raw HTML in the Markdown renderer")
            .severity(Severity::Medium)
            .confidence(Confidence::Low);
        return;
    }
    let h = taint::js(src, value);
    // Inline <style>/<script> bodies built from configuration (themes, JSON-LD) are not markup;
    // only request/URL values are reported there.
    let element = node
        .up()
        .and_then(|p| p.field("name"))
        .map(|n| js::node_text(src, n))
        .unwrap_or("");
    if matches!(element, "style" | "script") && !matches!(h, taint::Html::Source { .. }) {
        return;
    }
    let Some(v) = taint::verdict(&h) else { return };
    let msg = format!("{} is passed to `dangerouslySetInnerHTML`", v.what);
    taint::emit(
        cx.file,
        &DANGEROUSLY_SET_INNER_HTML,
        value.byte_range(),
        msg,
        HELP,
        &v,
    );
}
