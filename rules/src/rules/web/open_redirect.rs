use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags redirects whose target comes straight from the request: Flask/Django/FastAPI
    /// `redirect(request.args["next"])`, `HttpResponseRedirect(request.GET.get("next"))`,
    /// `RedirectResponse(request.query_params["url"])`; Express `res.redirect(req.query.url)`,
    /// Koa `ctx.redirect(ctx.query.next)`; axum `Redirect::to(&params.next)` where `params` is a
    /// `Query`/`Form` extractor. Values copied into a local first are followed within the function.
    /// The redirect is not flagged when the function checks the value (any call or condition that
    /// examines it: `url_has_allowed_host_and_scheme(next)`, `isSafe(url)`, `if (!url.startsWith("/"))`;
    /// in Python, the request expression itself too: `if is_safe_url(request.args.get("next"))`).
    /// A condition that only tests that the value is set (`if nxt:`) validates nothing.
    ///
    /// ## Why is this bad?
    /// An open redirect turns your domain into a trusted-looking link to a phishing page
    /// (`https://you.com/login?next=https://evil.example`), and in OAuth flows it can leak
    /// authorization codes and tokens to the attacker's site.
    ///
    /// ## Example
    /// ```python
    /// return redirect(request.args.get("next", "/"))
    /// ```
    /// ```ts
    /// res.redirect(req.query.returnTo);
    /// ```
    /// ```rust
    /// Redirect::to(&params.next)
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// nxt = request.args.get("next", "/")
    /// if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.host}):
    ///     nxt = "/"
    /// return redirect(nxt)
    /// ```
    /// ```ts
    /// const to = String(req.query.returnTo ?? "/");
    /// res.redirect(to.startsWith("/") && !to.startsWith("//") ? to : "/");
    /// ```
    ///
    /// ## How to fix
    /// Accept only relative paths (starting with a single `/`) or hosts from an allowlist; Django
    /// has `url_has_allowed_host_and_scheme`. Better still, redirect to a named route
    /// (`url_for(...)`) selected by a key from the request.
    ///
    /// ## Not flagged
    /// Redirects to constants or `url_for(...)`, targets validated in the same function, and
    /// values from configuration. Validation in another function (a decorator or middleware)
    /// is not seen: suppress with a reason.
    ///
    /// ## References
    /// - CWE-601: URL Redirection to Untrusted Site ('Open Redirect')
    /// - OWASP Unvalidated Redirects and Forwards Cheat Sheet
    pub OPEN_REDIRECT {
        id: "open-redirect",
        title: "Redirect to a URL taken from the request",
        severity: Medium,
        confidence: Medium,
        cwe: [601],
        checklist: 15,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

const MSG: &str = "redirect target is taken from the request without validation";

// ------------------------------------------------------------------ Python

fn py_request_value(src: &str, n: Node<'_>) -> bool {
    let t = py::node_text(src, n).replace(char::is_whitespace, "");
    [
        "request.args",
        "request.values",
        "request.form",
        "request.GET",
        "request.POST",
        "request.query_params",
        "request.params",
        "request.REQUEST",
        "request.json",
        "request.get_json()",
        "request.headers.get(\"Referer\")",
        "request.META.get(\"HTTP_REFERER\")",
        "self.request.GET",
        "self.request.POST",
    ]
    .iter()
    .any(|p| t.starts_with(p))
}

/// What the redirect's target is: a local variable, or a request expression used directly.
#[derive(Clone, Copy)]
enum Target<'a> {
    Var(&'a str),
    /// The expression's text without whitespace.
    Expr(&'a str),
}

impl Target<'_> {
    fn text(&self) -> &str {
        match self {
            Target::Var(t) | Target::Expr(t) => t,
        }
    }

    fn is(&self, src: &str, n: Node<'_>) -> bool {
        match self {
            Target::Var(v) => n.k() == "identifier" && py::node_text(src, n) == *v,
            Target::Expr(e) => {
                n.k() == "call" && py::node_text(src, n).replace(char::is_whitespace, "") == *e
            }
        }
    }
}

/// Whether the target is examined where it occurs in a condition: passed to a call, compared,
/// or a method of it called (`is_safe_url(nxt)`, `nxt.startswith("/")`, `host in ALLOWED`).
/// Testing that it is set (`if nxt:`, `if nxt and ...`) validates nothing.
fn examined(n: Node<'_>) -> bool {
    let mut cur = n;
    while let Some(p) = cur.up() {
        match p.k() {
            "parenthesized_expression" => cur = p,
            "boolean_operator"
            | "not_operator"
            | "if_statement"
            | "elif_clause"
            | "while_statement"
            | "conditional_expression"
            | "assert_statement" => return false,
            _ => return true,
        }
    }
    false
}

/// Does the function examine the target in a condition, or pass it to a call other than the
/// redirect itself (a validator, a sanitizer)?
fn py_checked(src: &str, redirect_call: Node<'_>, target: Target<'_>) -> bool {
    let Some(func) = py::enclosing_function(redirect_call) else {
        return false;
    };
    let mut stack = vec![func];
    let mut budget = 20_000;
    while let Some(n) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            break;
        }
        match n.k() {
            "if_statement"
            | "elif_clause"
            | "while_statement"
            | "conditional_expression"
            | "assert_statement" => {
                let cond = n.field("condition").unwrap_or(n);
                if mentions(
                    py::node_text(src, cond),
                    target.text().split('(').next().unwrap_or(""),
                ) && examined_in(src, cond, target)
                {
                    return true;
                }
            }
            "call" if n.id() != redirect_call.id() && !target.is(src, n) => {
                let callee = py::callee_name(src, n).unwrap_or("");
                if !matches!(callee, "get" | "str" | "redirect" | "getlist" | "strip")
                    && n.field("arguments").is_some_and(|a| {
                        let t = py::node_text(src, a);
                        match target {
                            Target::Var(v) => mentions(t, v),
                            Target::Expr(e) => t.replace(char::is_whitespace, "").contains(e),
                        }
                    })
                {
                    return true;
                }
            }
            _ => {}
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    false
}

/// Whether `found` holds for some node of the condition `cond` that `is_target` picks (the
/// walk does not go inside a target).
fn in_condition<'t>(
    cond: Node<'t>,
    is_target: impl Fn(Node<'t>) -> bool,
    found: impl Fn(Node<'t>) -> bool,
) -> bool {
    let mut stack = vec![cond];
    let mut budget = 2_000;
    while let Some(n) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            break;
        }
        if is_target(n) {
            if found(n) {
                return true;
            }
            continue;
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    false
}

/// Whether some occurrence of the target inside `cond` is [`examined`].
fn examined_in(src: &str, cond: Node<'_>, target: Target<'_>) -> bool {
    in_condition(cond, |n| target.is(src, n), examined)
}

/// Whole-word occurrence of `name` in `text`.
fn mentions(text: &str, name: &str) -> bool {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find(name) {
        let s = from + i;
        let e = s + name.len();
        let before = s == 0 || !(b[s - 1].is_ascii_alphanumeric() || b[s - 1] == b'_');
        let after = e >= b.len() || !(b[e].is_ascii_alphanumeric() || b[e] == b'_');
        if before && after {
            return true;
        }
        from = e;
    }
    false
}

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["call"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || node.k() != "call" {
        return;
    }
    let src = cx.src;
    let Some(name) = py::callee_name(src, node) else {
        return;
    };
    if !matches!(
        name,
        "redirect" | "HttpResponseRedirect" | "HttpResponsePermanentRedirect" | "RedirectResponse"
    ) {
        return;
    }
    let Some(arg) = py::positional_args(node)
        .into_iter()
        .next()
        .or_else(|| py::keyword_arg(src, node, "url"))
        .or_else(|| py::keyword_arg(src, node, "location"))
    else {
        return;
    };
    // The request expression, possibly `a or b`.
    let direct = |n: Node<'_>| {
        if n.k() == "boolean_operator" {
            n.field("left").is_some_and(|l| py_request_value(src, l))
        } else {
            py_request_value(src, n)
        }
    };
    if direct(arg) {
        // `if is_safe_url(request.args.get("next")): return redirect(request.args.get("next"))`
        let expr = if arg.k() == "boolean_operator" {
            arg.field("left").unwrap_or(arg)
        } else {
            arg
        };
        let text = py::node_text(src, expr).replace(char::is_whitespace, "");
        if expr.k() == "call" && py_checked(src, node, Target::Expr(&text)) {
            return;
        }
        cx.report(&OPEN_REDIRECT, arg.byte_range(), MSG)
            .help("accept only relative paths or allowed hosts: if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.host}): url = \"/\"");
        return;
    }
    if arg.k() != "identifier" {
        return;
    }
    let var = py::node_text(src, arg);
    let assigns = py::local_assignments(src, node, var);
    let Some((last, _)) = assigns.last() else {
        return;
    };
    if !direct(*last) || py_checked(src, node, Target::Var(var)) {
        return;
    }
    let rel = cx.file.related(
        last.byte_range(),
        "the target is read from the request here",
    );
    cx.report(&OPEN_REDIRECT, arg.byte_range(), MSG)
        .with_related(rel)
        .help("accept only relative paths or allowed hosts: if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.host}): url = \"/\"");
}

// ------------------------------------------------------------------ JavaScript / TypeScript

fn js_request_value(src: &str, n: Node<'_>) -> bool {
    let n = match n.k() {
        "binary_expression" => match n.field("left") {
            Some(l) => l,
            None => return false,
        },
        "as_expression" | "parenthesized_expression" | "non_null_expression" => {
            match n.named_child(0) {
                Some(c) => c,
                None => return false,
            }
        }
        _ => n,
    };
    let t = js::node_text(src, n).replace(char::is_whitespace, "");
    [
        "req.query",
        "req.body",
        "req.params",
        "req.param(",
        "request.query",
        "request.body",
        "request.params",
        "ctx.query",
        "ctx.request.query",
        "ctx.request.body",
        "ctx.params",
        "req.headers.referer",
        "req.get(\"Referer\")",
        "req.get('Referer')",
        "req.header(\"Referer\")",
    ]
    .iter()
    .any(|p| t.starts_with(p))
}

fn js_checked(src: &str, redirect_call: Node<'_>, name: &str) -> bool {
    let Some(func) = js::enclosing_function(redirect_call) else {
        return false;
    };
    let mut stack = vec![func];
    let mut budget = 20_000;
    while let Some(n) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            break;
        }
        match n.k() {
            "if_statement" | "ternary_expression" | "while_statement" => {
                if let Some(c) = n.field("condition") {
                    if mentions(js::node_text(src, c), name) && js_examined_in(src, c, name) {
                        return true;
                    }
                }
            }
            "call_expression" if n.id() != redirect_call.id() => {
                let callee = js::callee_name(src, n).unwrap_or("");
                if !matches!(
                    callee,
                    "String" | "toString" | "redirect" | "trim" | "decodeURIComponent"
                ) && n
                    .field("arguments")
                    .is_some_and(|a| mentions(js::node_text(src, a), name))
                {
                    return true;
                }
                // `url.startsWith("/")`, `allowed.includes(url)`
                if let Some(f) = n.field("function") {
                    if f.k() == "member_expression"
                        && f.field("object")
                            .is_some_and(|o| js::node_text(src, o) == name)
                        && matches!(callee, "startsWith" | "match" | "test" | "includes")
                    {
                        return true;
                    }
                }
            }
            _ => {}
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    false
}

/// Whether some use of `name` inside the condition `cond` examines it (see [`examined`]): not
/// only tested for being set (`if (next)`, `next && ...`, `!next`).
fn js_examined_in(src: &str, cond: Node<'_>, name: &str) -> bool {
    let truthiness = |p: Node<'_>| match p.k() {
        "parenthesized_expression" => true,
        "unary_expression" => p
            .field("operator")
            .is_some_and(|o| js::node_text(src, o) == "!"),
        "binary_expression" => p
            .field("operator")
            .is_some_and(|o| matches!(js::node_text(src, o), "&&" | "||" | "??")),
        _ => false,
    };
    in_condition(
        cond,
        |n| n.k() == "identifier" && js::node_text(src, n) == name,
        |n| {
            // Up to the condition through `(..)`, `!`, `&&`, `||`, `??` only: a truth test.
            let mut cur = n;
            loop {
                if cur.id() == cond.id() {
                    break false;
                }
                match cur.up() {
                    Some(p) if truthiness(p) => cur = p,
                    Some(_) => break true,
                    None => break false,
                }
            }
        },
    )
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["call_expression"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || node.k() != "call_expression" {
        return;
    }
    let src = cx.src;
    let Some(f) = node.field("function") else {
        return;
    };
    let Some(path) = js::member_path(src, f) else {
        return;
    };
    if !matches!(
        path.as_str(),
        "res.redirect" | "response.redirect" | "ctx.redirect" | "reply.redirect" | "this.redirect"
    ) {
        return;
    }
    // Express allows `res.redirect(status, url)`.
    let Some(arg) = js::call_args(node).into_iter().next_back() else {
        return;
    };
    if js_request_value(src, arg) {
        cx.report(&OPEN_REDIRECT, arg.byte_range(), MSG)
            .help("allow only relative paths (to.startsWith(\"/\") && !to.startsWith(\"//\")) or hosts from an allowlist");
        return;
    }
    if arg.k() != "identifier" {
        return;
    }
    let var = js::node_text(src, arg);
    let assigns = js::local_assignments(src, node, var);
    let Some((last, _)) = assigns.last() else {
        return;
    };
    if !js_request_value(src, *last) || js_checked(src, node, var) {
        return;
    }
    let rel = cx.file.related(
        last.byte_range(),
        "the target is read from the request here",
    );
    cx.report(&OPEN_REDIRECT, arg.byte_range(), MSG)
        .with_related(rel)
        .help("allow only relative paths (to.startsWith(\"/\") && !to.startsWith(\"//\")) or hosts from an allowlist");
}

// ------------------------------------------------------------------ Rust

/// Names bound to `Query`/`Form` extractors in the enclosing function's parameters.
fn extractor_names(sig: &syn::Signature) -> Vec<String> {
    let mut out = Vec::new();
    for input in &sig.inputs {
        let syn::FnArg::Typed(pt) = input else {
            continue;
        };
        let ty = match &*pt.ty {
            syn::Type::Path(p) => p
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default(),
            _ => String::new(),
        };
        if !matches!(ty.as_str(), "Query" | "Form") {
            continue;
        }
        match &*pt.pat {
            syn::Pat::Ident(i) => out.push(i.ident.to_string()),
            syn::Pat::TupleStruct(ts) => {
                if let Some(syn::Pat::Ident(i)) = ts.elems.first() {
                    out.push(i.ident.to_string());
                }
            }
            _ => {}
        }
    }
    out
}

/// Does the expression read a field (or index) of one of the extractor names?
fn reads_extractor(e: &syn::Expr, names: &[String]) -> bool {
    reads_extractor_at(e, names, 0)
}

fn reads_extractor_at(e: &syn::Expr, names: &[String], depth: usize) -> bool {
    if depth > 12 {
        return false;
    }
    let reads_extractor = |x: &syn::Expr, n: &[String]| reads_extractor_at(x, n, depth + 1);
    match e {
        syn::Expr::Reference(r) => reads_extractor(&r.expr, names),
        syn::Expr::Paren(p) => reads_extractor(&p.expr, names),
        syn::Expr::MethodCall(m)
            if matches!(
                m.method.to_string().as_str(),
                "as_str"
                    | "as_ref"
                    | "to_string"
                    | "clone"
                    | "as_deref"
                    | "unwrap"
                    | "unwrap_or"
                    | "unwrap_or_default"
                    | "get"
            ) =>
        {
            reads_extractor(&m.receiver, names)
        }
        syn::Expr::Field(f) => match &*f.base {
            syn::Expr::Path(p) => names.iter().any(|n| p.path.is_ident(n.as_str())),
            syn::Expr::Field(_) => reads_extractor(&f.base, names),
            _ => false,
        },
        _ => false,
    }
}

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let (sig, block) = match node {
        RustNode::Item(syn::Item::Fn(f)) => (&f.sig, &*f.block),
        RustNode::ImplItemFn(f) => (&f.sig, &f.block),
        _ => return,
    };
    let names = extractor_names(sig);
    if names.is_empty() {
        return;
    }
    struct Finder<'n> {
        names: &'n [String],
        hits: Vec<proc_macro2::Span>,
        conds: Vec<proc_macro2::Span>,
    }
    impl<'ast> syn::visit::Visit<'ast> for Finder<'_> {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let syn::Expr::Path(p) = &*c.func {
                let segs: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let n = segs.len();
                if n >= 2
                    && segs[n - 2] == "Redirect"
                    && matches!(
                        segs[n - 1].as_str(),
                        "to" | "temporary" | "permanent" | "see_other"
                    )
                {
                    if let Some(a) = c.args.first() {
                        if reads_extractor(a, self.names) {
                            self.hits.push(syn::spanned::Spanned::span(a));
                        }
                    }
                    return;
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
            self.conds.push(syn::spanned::Spanned::span(&*i.cond));
            syn::visit::visit_expr_if(self, i);
        }
    }
    let mut f = Finder {
        names: &names,
        hits: Vec::new(),
        conds: Vec::new(),
    };
    syn::visit::Visit::visit_block(&mut f, block);
    let checked = f.conds.iter().any(|s| {
        let t = cx.src.get(cx.range(*s)).unwrap_or("");
        names.iter().any(|n| mentions(t, n))
    });
    if checked {
        return;
    }
    for span in f.hits {
        let r = cx.range(span);
        cx.report(&OPEN_REDIRECT, r, MSG)
            .help("accept only relative paths (starts_with('/') and not \"//\") or hosts from an allowlist before Redirect::to");
    }
}
