use super::template_tokens::{self, TagKind};
use crate::engine::FileCx;
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use crate::meta::Confidence;
use crate::source::FileKind;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags template engines configured to output HTML without escaping: Jinja2
    /// `Environment(autoescape=False)` in a web application module or one naming `.html`
    /// templates, `Environment()` without `autoescape` in a web application module (importing
    /// Flask, Django, FastAPI, Starlette...) that names `.html` templates (management commands and
    /// scripts excluded), `jinja2.Template(..., autoescape=False)`, Django `TEMPLATES` options with
    /// `"autoescape": False`; template files with `{% autoescape false %}`/`{% autoescape off %}`;
    /// `aiohttp_jinja2.setup(.., autoescape=False)`; Nunjucks `configure({ autoescape: false })`, Handlebars `compile(.., { noEscape: true })`;
    /// Rust Tera `tera.autoescape_on(vec![])`, `Tera::one_off(.., false)`, Askama
    /// `#[template(path = "x.html", escape = "none")]`.
    ///
    /// ## Why is this bad?
    /// With autoescaping off, every `{{ value }}` is inserted into the page as raw HTML: one
    /// user-controlled value anywhere in those templates is an XSS hole, and nothing in the
    /// template shows it.
    ///
    /// ## Example
    /// ```python
    /// env = Environment(loader=FileSystemLoader("templates"), autoescape=False)
    /// ```
    /// ```jinja
    /// {% autoescape false %}{{ comment.body }}{% endautoescape %}
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// env = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape())
    /// ```
    ///
    /// ## How to fix
    /// Turn autoescaping on for HTML (`select_autoescape()`, `autoescape: true`, Tera's
    /// default `.html` extensions, Askama's default) and mark individual trusted values instead.
    ///
    /// ## Not flagged
    /// `autoescape` set from a variable or `select_autoescape(...)`, Jinja environments outside
    /// web applications (code generation, config files, e-mails in plain text), Askama templates
    /// that are not HTML, and test code.
    ///
    /// ## References
    /// - CWE-79: Improper Neutralization of Input During Web Page Generation
    /// - CWE-116: Improper Encoding or Escaping of Output
    /// - Jinja2 docs: Autoescaping
    pub TEMPLATE_AUTOESCAPE_DISABLED {
        id: "template-autoescape-disabled",
        title: "Template autoescaping disabled",
        severity: Medium,
        confidence: Medium,
        cwe: [79, 116],
        checklist: 7,
        languages: [Rust, JavaScript, TypeScript, Python, Template],
        fix: None,
    }
}

const PY_HELP: &str =
    "enable autoescaping: Environment(..., autoescape=select_autoescape()) (or autoescape=True)";

const WEB_MODULES: &[&str] = &[
    "flask",
    "django",
    "fastapi",
    "starlette",
    "aiohttp",
    "tornado",
    "pyramid",
    "bottle",
    "sanic",
    "quart",
    "litestar",
];

// ------------------------------------------------------------------ Python

/// Template names written in the module (`"index.html"`, `"roadmap.svg.jinja"`): `Some(true)` if
/// any is HTML, `Some(false)` if there are template names and none is HTML, `None` if none seen.
fn html_templates(src: &str, at: Node<'_>) -> Option<bool> {
    let mut root = at;
    while let Some(p) = root.up() {
        root = p;
    }
    let mut seen_other = false;
    let mut stack = vec![root];
    let mut budget = 100_000usize;
    while let Some(n) = stack.pop() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            break;
        }
        if n.k() == "string" {
            if let Some(v) = py::string_value(src, n) {
                let l = v.to_ascii_lowercase();
                if !l.contains(' ') && l.len() < 200 {
                    if l.ends_with(".html")
                        || l.ends_with(".htm")
                        || l.ends_with(".html.j2")
                        || l.ends_with(".html.jinja")
                        || l.ends_with(".html.jinja2")
                    {
                        return Some(true);
                    }
                    if [
                        ".txt", ".svg", ".xml", ".md", ".sql", ".yaml", ".yml", ".toml", ".ini",
                        ".cfg", ".py", ".sh", ".json", ".jinja", ".j2", ".tex", ".csv",
                    ]
                    .iter()
                    .any(|e| l.ends_with(e))
                    {
                        seen_other = true;
                    }
                }
            }
            continue;
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    seen_other.then_some(false)
}

/// Management commands and scripts generate files, not pages.
fn script_path(path: &std::path::Path) -> bool {
    let p = path.to_string_lossy().replace('\\', "/");
    p.contains("management/commands/")
        || p.contains("/scripts/")
        || p.starts_with("scripts/")
        || p.contains("/bin/")
}

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["call", "pair"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    match node.k() {
        "call" => {
            let Some(resolved) = cx.resolved_callee(node) else {
                return;
            };
            // aiohttp-jinja2 and Starlette/FastAPI setups default to autoescape on: only an
            // explicit False is reported.
            if matches!(
                resolved.as_str(),
                "aiohttp_jinja2.setup"
                    | "fastapi.templating.Jinja2Templates"
                    | "starlette.templating.Jinja2Templates"
            ) {
                if let Some(v) =
                    py::keyword_arg(src, node, "autoescape").filter(|v| py::is_false(src, *v))
                {
                    cx.report(
                        &TEMPLATE_AUTOESCAPE_DISABLED,
                        v.byte_range(),
                        "Jinja2 autoescaping is turned off",
                    )
                    .help("remove autoescape=False (the default escapes HTML)");
                }
                return;
            }
            if resolved != "jinja2.Environment"
                && resolved != "jinja2.Template"
                && resolved != "jinja2.sandbox.SandboxedEnvironment"
            {
                return;
            }
            match py::keyword_arg(src, node, "autoescape") {
                Some(v) if py::is_false(src, v) => {
                    // Explicit False: report in web code or when HTML templates are around.
                    let html = html_templates(src, node);
                    let web =
                        WEB_MODULES.iter().any(|m| cx.imports_module(m)) || html == Some(true);
                    if !web || html == Some(false) || script_path(cx.file.path) {
                        return;
                    }
                    cx.report(
                        &TEMPLATE_AUTOESCAPE_DISABLED,
                        v.byte_range(),
                        "Jinja2 autoescaping is turned off",
                    )
                    .help(PY_HELP);
                }
                Some(_) => {}
                None => {
                    if resolved == "jinja2.Template" || py::has_kwargs_splat(node) {
                        return;
                    }
                    // Missing autoescape: only in web code that visibly renders HTML templates.
                    let web = WEB_MODULES.iter().any(|m| cx.imports_module(m));
                    if !web || html_templates(src, node) != Some(true) || script_path(cx.file.path)
                    {
                        return;
                    }
                    cx.report(
                        &TEMPLATE_AUTOESCAPE_DISABLED,
                        node.byte_range(),
                        "Jinja2 environment created without autoescaping (the default is off)",
                    )
                    .help(PY_HELP)
                    .confidence(Confidence::Low);
                }
            }
        }
        // Django settings: TEMPLATES = [{"OPTIONS": {"autoescape": False}}]
        "pair" => {
            let (Some(k), Some(v)) = (node.field("key"), node.field("value")) else {
                return;
            };
            if py::string_value(src, k) != Some("autoescape") || !py::is_false(src, v) {
                return;
            }
            let in_templates = {
                let mut cur = node.up();
                let mut found = false;
                while let Some(p) = cur {
                    if p.k() == "assignment" {
                        found = p
                            .field("left")
                            .is_some_and(|l| py::node_text(src, l) == "TEMPLATES");
                        break;
                    }
                    cur = p.up();
                }
                found
            };
            if in_templates {
                cx.report(
                    &TEMPLATE_AUTOESCAPE_DISABLED,
                    node.byte_range(),
                    "Django template autoescaping is turned off",
                )
                .help("remove \"autoescape\": False from TEMPLATES OPTIONS (the default is on)");
            }
        }
        _ => {}
    }
}

// ------------------------------------------------------------------ JavaScript / TypeScript

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["call_expression"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if node.k() != "call_expression" || cx.file.is_test {
        return;
    }
    let src = cx.src;
    let Some(resolved) = cx.resolved_callee(node) else {
        return;
    };
    let args = js::call_args(node);
    let (opts, key, off_is_true, api) = match resolved.as_str() {
        "nunjucks.configure" => (
            args.iter().find(|a| a.k() == "object").copied(),
            "autoescape",
            false,
            "nunjucks.configure",
        ),
        "handlebars.compile" | "handlebars.precompile" => {
            (args.get(1).copied(), "noEscape", true, "Handlebars.compile")
        }
        _ => return,
    };
    let Some(opts) = opts.filter(|o| o.k() == "object") else {
        return;
    };
    let Some(v) = js::object_property(src, opts, key) else {
        return;
    };
    let off = if off_is_true {
        v.k() == "true"
    } else {
        v.k() == "false"
    };
    if off {
        cx.report(
            &TEMPLATE_AUTOESCAPE_DISABLED,
            v.byte_range(),
            format!("HTML escaping is turned off in `{api}`"),
        )
        .help(if off_is_true {
            "remove noEscape: true so {{ value }} is escaped"
        } else {
            "set autoescape: true (the nunjucks default)"
        });
    }
}

// ------------------------------------------------------------------ Rust

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    match node {
        RustNode::Expr(syn::Expr::MethodCall(m)) if m.method == "autoescape_on" => {
            let Some(a) = m.args.first() else { return };
            let empty = match a {
                syn::Expr::Macro(mac) => {
                    crate::lang::rust::macro_name(&mac.mac) == "vec" && mac.mac.tokens.is_empty()
                }
                syn::Expr::Array(arr) => arr.elems.is_empty(),
                syn::Expr::Call(c) => c.args.is_empty() && cx.text_of(&*c.func).ends_with("new"),
                _ => false,
            };
            if empty && (cx.uses.values().any(|u| u.starts_with("tera")) || cx.src.contains("Tera"))
            {
                let r = cx.range_of(a);
                cx.report(&TEMPLATE_AUTOESCAPE_DISABLED, r, "Tera autoescaping is turned off for every template")
                    .help("keep Tera's default (.html, .htm, .xml) or list your HTML extensions: tera.autoescape_on(vec![\".html\"])");
            }
        }
        RustNode::Expr(syn::Expr::Call(c)) => {
            let syn::Expr::Path(p) = &*c.func else { return };
            let path = cx.resolve_path(&p.path);
            if !(path == "tera::Tera::one_off" || path == "Tera::one_off") {
                return;
            }
            if let Some(a) = c.args.iter().nth(2) {
                if matches!(a, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(b), .. }) if !b.value)
                {
                    let r = cx.range_of(a);
                    cx.report(
                        &TEMPLATE_AUTOESCAPE_DISABLED,
                        r,
                        "Tera::one_off renders without autoescaping",
                    )
                    .help("pass true as the autoescape argument of Tera::one_off");
                }
            }
        }
        RustNode::Item(item) => {
            let attrs = match item {
                syn::Item::Struct(s) => &s.attrs,
                syn::Item::Enum(e) => &e.attrs,
                _ => return,
            };
            for a in attrs {
                if !a.path().is_ident("template") {
                    continue;
                }
                let syn::Meta::List(l) = &a.meta else {
                    continue;
                };
                let mut escape_none = false;
                let mut html = false;
                let _ = l.parse_nested_meta(|m| {
                    let key = m
                        .path
                        .get_ident()
                        .map(|i| i.to_string())
                        .unwrap_or_default();
                    if let Ok(v) = m.value() {
                        if let Ok(s) = v.parse::<syn::LitStr>() {
                            let s = s.value();
                            match key.as_str() {
                                "escape" => escape_none = s == "none",
                                "path" => html |= s.ends_with(".html") || s.ends_with(".htm"),
                                "ext" => html |= s == "html" || s == "htm",
                                _ => {}
                            }
                        } else {
                            let _ = v.parse::<proc_macro2::TokenStream>();
                        }
                    }
                    Ok(())
                });
                if escape_none && html {
                    let r = cx.range_of(a);
                    cx.report(&TEMPLATE_AUTOESCAPE_DISABLED, r, "Askama HTML template with escape = \"none\"")
                        .help("remove escape = \"none\" so values in the HTML template are escaped; mark trusted values with |safe individually");
                }
            }
        }
        _ => {}
    }
}

// ------------------------------------------------------------------ Template files

pub(crate) fn check_text(cx: &mut FileCx<'_>) {
    if cx.kind != FileKind::Template || cx.is_test {
        return;
    }
    let text = cx.text;
    if !text.contains("autoescape") || super::template_safe_filter::client_side_template(text) {
        return;
    }
    // Plain-text e-mail bodies (`password_reset_email.html`) are rendered with autoescape off on purpose.
    let name = cx
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if name.contains("mail") || name.contains(".txt") || name.contains("subject") {
        return;
    }
    for tag in template_tokens::tags(text, false) {
        if tag.kind != TagKind::Stmt {
            continue;
        }
        let words = template_tokens::stmt_words(text, &tag);
        if words.first().map(String::as_str) != Some("autoescape") {
            continue;
        }
        if matches!(
            words.get(1).map(|w| w.to_ascii_lowercase()).as_deref(),
            Some("false" | "off")
        ) {
            cx.report(
                &TEMPLATE_AUTOESCAPE_DISABLED,
                tag.range.clone(),
                "autoescaping is turned off for this block",
            )
            .help("remove the autoescape false/off block; mark individual trusted values instead");
        }
    }
}
