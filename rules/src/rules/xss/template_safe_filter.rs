use super::template_tokens::{self, TagKind};
use crate::engine::FileCx;
use crate::source::FileKind;

crate::declare_rule! {
    /// ## What it does
    /// Flags output in template files (`.html`, `.jinja`, `.j2`, `.tera`, `.njk`, `.hbs`...) that
    /// switches autoescaping off for one value: the `|safe` (and `|safeseq`) filter in Jinja2,
    /// Django, Tera, Askama and Nunjucks `{{ ... }}` tags and `{% set %}`/`{% filter safe %}`,
    /// and Handlebars/Mustache triple-stash `{{{ value }}}`. Templates are read with a small
    /// tag tokenizer (quotes, `{# comments #}` and `{% raw %}` blocks are respected).
    ///
    /// ## Why is this bad?
    /// `|safe` tells the engine the value is trusted HTML. If any part of it comes from a user
    /// (a profile bio, a comment, a query parameter), it is inserted as markup and can run
    /// script (stored XSS).
    ///
    /// ## Example
    /// ```jinja
    /// <div class="bio">{{ user.bio|safe }}</div>
    /// ```
    ///
    /// ## Use instead
    /// ```jinja
    /// <div class="bio">{{ user.bio }}</div>
    /// {# or, for rich text, sanitize server-side with bleach/nh3/ammonia and mark only that: #}
    /// <div class="bio">{{ user.bio_html_sanitized|safe }}</div>
    /// ```
    ///
    /// ## How to fix
    /// Remove `|safe` and let the engine escape. When the value must be HTML, sanitize it where
    /// it is produced (`bleach.clean`, `nh3.clean`, `ammonia::clean`) and suppress this finding
    /// with that reason.
    ///
    /// ## Not flagged
    /// String literals marked safe (`{{ "<br>"|safe }}`), values escaped or sanitized earlier in
    /// the same filter chain (`|escape|safe`, `|striptags|safe`, `|tojson|safe`,
    /// `|json_script`), content of `{# comments #}` and `{% raw %}`/`{% verbatim %}` blocks,
    /// a form field's developer-written `help_text` (`{{ field.help_text|safe }}`, as Django's own
    /// form templates render it), Angular/Vue templates, and templates under test directories.
    ///
    /// ## References
    /// - CWE-79: Improper Neutralization of Input During Web Page Generation
    /// - Jinja2 docs: HTML Escaping; Django docs: `safe` filter
    pub TEMPLATE_SAFE_FILTER {
        id: "template-safe-filter",
        title: "Template output marked safe, bypassing autoescaping",
        severity: Medium,
        confidence: Medium,
        cwe: [79],
        checklist: 7,
        languages: [Template],
        fix: None,
    }
}

const ESCAPING_FILTERS: &[&str] = &[
    "escape",
    "e",
    "forceescape",
    "striptags",
    "bleach",
    "sanitize",
    "sanitize_html",
    "clean",
    "tojson",
    "json_script",
    "escapejs",
    "urlencode",
    "urlize",
    "linebreaks_escaped",
    "bleach_linkify",
    "nh3",
    "markdownify_safe",
    "int",
    "float",
    "length",
    "count",
    "wordcount",
];

/// Angular and Vue templates use `{{ x | pipe }}` for escaped text; `|safe` there is not Jinja's.
pub(crate) fn client_side_template(text: &str) -> bool {
    [
        "*ngIf",
        "*ngFor",
        "[(ngModel)]",
        "v-if=",
        "v-for=",
        "v-bind:",
        "ng-app",
        "ng-controller",
    ]
    .iter()
    .any(|m| text.contains(m))
}

pub(crate) fn check_text(cx: &mut FileCx<'_>) {
    if cx.kind != FileKind::Template || cx.is_test {
        return;
    }
    let text = cx.text;
    if !(text.contains("safe") || text.contains("{{{")) || client_side_template(text) {
        return;
    }
    let ext = cx
        .path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let triple = matches!(ext.as_str(), "hbs" | "handlebars" | "mustache");
    let is_layout = text.contains("<body") || text.contains("<BODY");
    for tag in template_tokens::tags(text, triple) {
        let inner = &text[tag.inner.clone()];
        match tag.kind {
            TagKind::Triple => {
                let v = inner.trim();
                if v.starts_with(['>', '!', '#', '/', '^']) || v.is_empty() {
                    continue;
                }
                // A layout's `{{{body}}}` (express-handlebars, express-hbs) inserts the view the
                // engine has just rendered, escaped by its own template.
                if v == "body" && is_layout {
                    continue;
                }
                cx.report(
                    &TEMPLATE_SAFE_FILTER,
                    tag.range.clone(),
                    format!("`{{{{{{{v}}}}}}}` outputs the value without HTML escaping"),
                )
                .help("use {{ value }} (escaped), or sanitize the HTML before it reaches the template");
            }
            TagKind::Expr => check_expr(cx, inner, tag.range.clone()),
            TagKind::Stmt => {
                let words: Vec<&str> = inner.split_whitespace().collect();
                match words.first().copied() {
                    Some("set") | Some("with") => {
                        // {% set x = y|safe %}
                        if let Some(eq) = inner.find('=') {
                            check_expr(cx, &inner[eq + 1..], tag.range.clone());
                        }
                    }
                    Some("filter")
                        if words
                            .get(1)
                            .is_some_and(|w| w.split('|').any(|f| f == "safe")) =>
                    {
                        cx.report(
                            &TEMPLATE_SAFE_FILTER,
                            tag.range.clone(),
                            "`{% filter safe %}` block outputs its content without HTML escaping",
                        )
                        .help("remove the safe filter block and let the engine escape the content");
                    }
                    _ => {}
                }
            }
        }
    }
}

fn check_expr(cx: &mut FileCx<'_>, expr: &str, range: std::ops::Range<usize>) {
    let f = template_tokens::filters(expr);
    let Some(pos) = f.filters.iter().position(|x| x == "safe" || x == "safeseq") else {
        return;
    };
    if f.filters[..pos]
        .iter()
        .any(|x| ESCAPING_FILTERS.contains(&x.as_str()))
    {
        return;
    }
    let base = f.base.trim();
    if base.is_empty()
        || base.starts_with(['"', '\''])
            && base.ends_with(['"', '\''])
            && !base.contains('~')
            && !base.contains('+')
    {
        return;
    }
    let shown: String = base.chars().take(60).collect();
    let last = base
        .rsplit(['.', '['])
        .next()
        .unwrap_or(base)
        .trim_matches([']', '"', '\'', ' '])
        .to_ascii_lowercase();
    // `field.help_text`: a form field's help text is written by the developer in code, and
    // Django documents it as not escaped (its own form templates render it with `|safe`).
    if last == "help_text" {
        return;
    }
    // `post.body_html`, `page.toc`: HTML rendered by the application on purpose (Markdown
    // output): still worth a look, less often a hole.
    let deliberate = last.ends_with("html") || last == "toc";
    cx.report(
        &TEMPLATE_SAFE_FILTER,
        range,
        format!("`{shown}` is marked safe and rendered without HTML escaping"),
    )
    .confidence(if deliberate {
        crate::meta::Confidence::Low
    } else {
        crate::meta::Confidence::Medium
    })
    .help("remove |safe so the value is escaped; if it must be HTML, sanitize it server-side (bleach/nh3/ammonia) before marking it safe");
}
