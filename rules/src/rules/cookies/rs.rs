//! Rust cookie writes with the `cookie` crate (actix-web, axum-extra, tower-cookies, rocket):
//! `Cookie::build(..)` chains and `Cookie::new(..)` values with their `set_*` calls.

use super::check::{report, CookieSite, Flag, FlagAt, Insert, Syntax};
use crate::lang::rust::{lit_str, RustCx, RustNode};
use std::cell::RefCell;
use std::collections::HashSet;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::Expr;

thread_local! {
    /// Start offsets of expressions already handled (inner links of a chain, `let` initialisers,
    /// removal cookies) in the current file.
    static HANDLED: RefCell<HashSet<usize>> = RefCell::new(HashSet::new());
}

fn handled(start: usize) -> bool {
    HANDLED.with(|h| h.borrow().contains(&start))
}

fn mark(start: usize) {
    HANDLED.with(|h| {
        h.borrow_mut().insert(start);
    });
}

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if let RustNode::File(_) = node {
        HANDLED.with(|h| h.borrow_mut().clear());
        return;
    }
    if cx.file.is_test || cx.in_test() {
        return;
    }
    match node {
        RustNode::Local(l) => {
            let Some(init) = &l.init else { return };
            let syn::Pat::Ident(pi) = strip(&l.pat) else {
                return;
            };
            let var = pi.ident.to_string();
            analyse(cx, &init.expr, Some(&var));
        }
        RustNode::Expr(e) => {
            // `jar.remove(Cookie::build("name"))`: a cookie built to be deleted.
            if let Expr::MethodCall(m) = e {
                if matches!(
                    m.method.to_string().as_str(),
                    "remove" | "remove_private" | "remove_signed" | "force_remove" | "add_removal"
                ) {
                    for a in &m.args {
                        mark(cx.range_of(a).start);
                    }
                }
            }
            if matches!(e, Expr::MethodCall(_) | Expr::Call(_)) {
                analyse(cx, e, None);
            }
        }
        _ => {}
    }
}

fn strip(p: &syn::Pat) -> &syn::Pat {
    match p {
        syn::Pat::Type(t) => strip(&t.pat),
        other => other,
    }
}

fn peel(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => peel(&p.expr),
        Expr::Group(g) => peel(&g.expr),
        Expr::Reference(r) => peel(&r.expr),
        other => other,
    }
}

struct Chain<'e> {
    /// `Cookie::build` or `Cookie::new`.
    ctor: String,
    args: Vec<&'e Expr>,
    /// Methods applied, outermost last: (name, args, the `.` offset).
    methods: Vec<(String, Vec<&'e Expr>, proc_macro2::Span)>,
}

fn chain<'e>(cx: &RustCx<'_, '_, '_>, e: &'e Expr) -> Option<Chain<'e>> {
    let mut methods = Vec::new();
    let mut cur = peel(e);
    for _ in 0..64 {
        match cur {
            Expr::MethodCall(m) => {
                methods.push((
                    m.method.to_string(),
                    m.args.iter().collect(),
                    m.dot_token.span(),
                ));
                cur = peel(&m.receiver);
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else {
                    return None;
                };
                let path = cx.resolve_path(&p.path);
                let ctor =
                    if path.ends_with("Cookie::build") || path.ends_with("CookieBuilder::new") {
                        "build"
                    } else if path.ends_with("Cookie::new") {
                        "new"
                    } else {
                        return None;
                    };
                // `Cookie` must come from a cookie crate (or be unresolved, as is common).
                let head = path.split("::").next().unwrap_or("");
                if !matches!(
                    head,
                    "Cookie"
                        | "CookieBuilder"
                        | "cookie"
                        | "actix_web"
                        | "axum_extra"
                        | "tower_cookies"
                        | "rocket"
                        | "actix_http"
                        | "poem"
                        | "salvo"
                ) {
                    return None;
                }
                methods.reverse();
                return Some(Chain {
                    ctor: ctor.to_owned(),
                    args: c.args.iter().collect(),
                    methods,
                });
            }
            _ => return None,
        }
    }
    None
}

fn bool_of(e: &Expr, range: std::ops::Range<usize>) -> FlagAt {
    match peel(e) {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Bool(b),
            ..
        }) => {
            if b.value {
                FlagAt::new(Flag::On, None)
            } else {
                FlagAt::new(Flag::Off, Some(range))
            }
        }
        // `Some(true)` / `None` for the `set_*` forms.
        Expr::Call(c)
            if c.args.len() == 1
                && matches!(&*c.func, Expr::Path(p) if p.path.is_ident("Some")) =>
        {
            bool_of(&c.args[0], range)
        }
        _ => FlagAt::unknown(),
    }
}

fn same_site_of(e: &Expr) -> (FlagAt, bool) {
    let t = match peel(e) {
        Expr::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        Expr::Call(c) if c.args.len() == 1 => return same_site_of(&c.args[0]),
        _ => String::new(),
    };
    match t.as_str() {
        "None" => (FlagAt::new(Flag::On, None), true),
        "Lax" | "Strict" => (FlagAt::new(Flag::On, None), false),
        _ => (FlagAt::unknown(), false),
    }
}

struct SetCalls<'ast, 'n> {
    var: &'n str,
    found: Vec<(String, &'ast Expr)>,
}

impl<'ast, 'n> Visit<'ast> for SetCalls<'ast, 'n> {
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if let Expr::Path(p) = peel(&m.receiver) {
            if p.path.is_ident(self.var) {
                if let Some(a) = m.args.first() {
                    self.found.push((m.method.to_string(), a));
                }
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }
}

fn analyse(cx: &mut RustCx<'_, '_, '_>, e: &Expr, var: Option<&str>) {
    // Match the chain first: computing a span walks the whole expression's tokens.
    let Some(ch) = chain(cx, e) else { return };
    let range = cx.range_of(e);
    if handled(range.start) {
        return;
    }
    mark(range.start);
    let mut secure = FlagAt::missing();
    let mut httponly = FlagAt::missing();
    let mut samesite = FlagAt::missing();
    let mut none = false;
    let mut apply = |cx: &RustCx<'_, '_, '_>, name: &str, arg: &Expr| match name {
        "secure" | "set_secure" => secure = bool_of(arg, cx.range_of(arg)),
        "http_only" | "set_http_only" => httponly = bool_of(arg, cx.range_of(arg)),
        "same_site" | "set_same_site" => {
            let (f, n) = same_site_of(arg);
            samesite = f;
            none = n;
        }
        _ => {}
    };
    let mut removal = false;
    for (name, args, _) in &ch.methods {
        if name == "make_removal" {
            removal = true;
        }
        if let Some(a) = args.first() {
            apply(cx, name, a);
        }
    }
    if removal {
        return;
    }
    // Flags set later on the variable: `cookie.set_secure(true)`.
    if let (Some(var), Some(block)) = (var, cx.fn_stack.last()) {
        let block: &syn::Block = block;
        let mut v = SetCalls {
            var,
            found: Vec::new(),
        };
        v.visit_block(block);
        for (name, arg) in v.found {
            apply(cx, &name, arg);
        }
    }
    // Only a cookie value that is actually used: a bare `Cookie::new` expression statement
    // inside a larger expression we did not see is still a write in practice.
    let rocket = cx.uses.values().any(|p| p.starts_with("rocket"));
    if rocket {
        // Rocket's CookieJar sets HttpOnly, SameSite=Strict and Secure (under TLS) itself.
        secure.default_on = true;
        httponly.default_on = true;
        samesite.default_on = true;
    }
    let name = ch.args.first().and_then(|a| match peel(a) {
        Expr::Tuple(t) => t.elems.first().and_then(lit_str),
        other => lit_str(other),
    });
    let insert = if ch.ctor == "build" {
        match ch.methods.last() {
            Some((m, _, dot)) if m == "finish" || m == "build" => Some(Insert {
                at: cx.range(*dot).start,
                prefix: ".".into(),
                suffix: String::new(),
            }),
            _ => Some(Insert {
                at: range.end,
                prefix: ".".into(),
                suffix: String::new(),
            }),
        }
    } else {
        None
    };
    let site = CookieSite {
        range,
        name,
        label: None,
        secure,
        httponly,
        samesite,
        samesite_none: none,
        syntax: Syntax::Rust,
        insert,
        class: None,
    };
    report(cx.file, &site);
}
