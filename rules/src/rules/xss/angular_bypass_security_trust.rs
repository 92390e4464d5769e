use super::taint::{self, Html};
use crate::lang::js::{self, JsCx};
use crate::lang::NodeExt;
use crate::meta::Confidence;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags Angular `DomSanitizer.bypassSecurityTrustHtml/Script/Style/Url/ResourceUrl(x)` when
    /// `x` is not a constant: markup or URLs built from non-constant values and request/URL values
    /// with medium/high confidence, other non-constant values with low confidence.
    ///
    /// ## Why is this bad?
    /// Angular sanitizes every value bound into HTML, styles and URLs; these methods switch that
    /// off for one value. If any part of it comes from a user, it can run script (XSS), or load an
    /// attacker's page in an iframe (`ResourceUrl`).
    ///
    /// ## Example
    /// ```ts
    /// this.html = this.sanitizer.bypassSecurityTrustHtml(`<p>${comment.body}</p>`);
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// // bind the value and let Angular sanitize it: <div [innerHTML]="comment.body"></div>
    /// this.html = comment.body;
    /// ```
    ///
    /// ## How to fix
    /// Bind the value directly (`[innerHTML]`, `[src]`) so Angular's sanitizer applies, or
    /// sanitize it yourself (`DOMPurify.sanitize`) before trusting it. For resource URLs, check
    /// the URL against an allowlist of origins first.
    ///
    /// ## Not flagged
    /// Constant strings, values passed through a sanitizer or escaper, and test code.
    ///
    /// ## References
    /// - CWE-79: Improper Neutralization of Input During Web Page Generation
    /// - Angular security guide: Sanitization and security contexts
    pub ANGULAR_BYPASS_SECURITY_TRUST {
        id: "angular-bypass-security-trust",
        title: "Angular sanitization bypassed for a non-constant value",
        severity: Medium,
        confidence: Medium,
        cwe: [79],
        checklist: 7,
        languages: [TypeScript, JavaScript],
        fix: None,
    }
}

const HELP: &str = "bind the value directly so Angular sanitizes it, or sanitize it first (DOMPurify.sanitize) and validate URLs against an allowlist before trusting them";

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
    let Some(name) = js::callee_name(src, node) else {
        return;
    };
    if !matches!(
        name,
        "bypassSecurityTrustHtml"
            | "bypassSecurityTrustScript"
            | "bypassSecurityTrustStyle"
            | "bypassSecurityTrustUrl"
            | "bypassSecurityTrustResourceUrl"
    ) {
        return;
    }
    let Some(arg) = js::call_args(node).into_iter().next() else {
        return;
    };
    let h = taint::js(src, arg);
    match &h {
        Html::Safe(_) => {}
        Html::Unknown => {
            cx.report(
                &ANGULAR_BYPASS_SECURITY_TRUST,
                arg.byte_range(),
                format!("non-constant value passed to `{name}`"),
            )
            .help(HELP)
            .confidence(Confidence::Low);
        }
        _ => {
            if let Some(v) = taint::verdict(&h) {
                let msg = format!("{} is passed to `{name}`", v.what);
                taint::emit(
                    cx.file,
                    &ANGULAR_BYPASS_SECURITY_TRUST,
                    arg.byte_range(),
                    msg,
                    HELP,
                    &v,
                );
            }
        }
    }
}
