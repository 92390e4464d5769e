//! Rust with syn: parse once (on a thread with a large stack), walk once, dispatch to rules.
//! Macro bodies that parse as comma-separated expressions (`format!`, `println!`, `vec!`,
//! `assert!`...) are parsed and walked too, since syn leaves them as tokens.

use super::RustCheck;
use crate::engine::FileCx;
use crate::finding::{Finding, Note};
use crate::meta::RuleMeta;
use proc_macro2::Span;
use std::collections::HashMap;
use std::ops::Range;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, File, ImplItemFn, Item, ItemFn, Local, Macro, Token};

/// Deepest bracket nesting the Rust pass accepts; deeper files are skipped with a note
/// (syn parses recursively).
pub const MAX_NESTING: usize = 256;

/// A syntax node handed to Rust checks.
#[derive(Clone, Copy)]
pub enum RustNode<'t> {
    File(&'t File),
    Item(&'t Item),
    ImplItemFn(&'t ImplItemFn),
    Expr(&'t Expr),
    Local(&'t Local),
    Macro(&'t Macro),
}

/// Context for Rust rules.
pub struct RustCx<'a, 'f, 't> {
    pub file: &'f mut FileCx<'a>,
    pub src: &'a str,
    /// `use` map: local name -> full path (`Sha1` -> `sha1::Sha1`, `q` -> `sqlx::query`).
    pub uses: HashMap<String, String>,
    /// Bodies of the enclosing functions, innermost last.
    pub fn_stack: Vec<&'t syn::Block>,
    /// Parsed macro bodies (owned by the arena for the walk's duration).
    arena: &'t typed_arena::Arena<Vec<Expr>>,
    /// Macro body -> parsed expressions, keyed by the macro's start offset.
    macro_args: HashMap<usize, &'t [Expr]>,
    /// Depth of `#[cfg(test)]` modules and `#[test]` functions around the current node.
    test_depth: usize,
}

impl<'a, 'f, 't> RustCx<'a, 'f, 't> {
    /// Inside `#[cfg(test)]` code or a `#[test]` function.
    pub fn in_test(&self) -> bool {
        self.test_depth > 0
    }
    /// Byte range of a span.
    pub fn range(&self, span: Span) -> Range<usize> {
        let s = span.start();
        let e = span.end();
        let start = self
            .file
            .index
            .offset_of_char_col(self.src, s.line, s.column);
        let end = self
            .file
            .index
            .offset_of_char_col(self.src, e.line, e.column);
        start..end.max(start)
    }
    pub fn range_of<T: Spanned>(&self, node: &T) -> Range<usize> {
        self.range(node.span())
    }
    pub fn text_of<T: Spanned>(&self, node: &T) -> &'a str {
        let r = self.range_of(node);
        self.src.get(r).unwrap_or("")
    }
    pub fn report(
        &mut self,
        rule: &'static RuleMeta,
        range: Range<usize>,
        msg: impl Into<String>,
    ) -> &mut Finding {
        self.file.report(rule, range, msg)
    }
    /// A path written in code, resolved through `use` items: `Sha1::new` -> `sha1::Sha1::new`.
    pub fn resolve_path(&self, path: &syn::Path) -> String {
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let Some(first) = segs.first() else {
            return String::new();
        };
        let head = self
            .uses
            .get(first)
            .cloned()
            .unwrap_or_else(|| first.clone());
        let mut out = head;
        for s in &segs[1..] {
            out.push_str("::");
            out.push_str(s);
        }
        out
    }
    /// The parsed arguments of a function-like macro, when its body is a comma-separated list of
    /// expressions (`format!("{}", a)` -> [`"{}"`, `a`]).
    pub fn macro_args(&self, mac: &Macro) -> Option<&'t [Expr]> {
        let key = self.range(mac.path.span()).start;
        self.macro_args.get(&key).copied()
    }
    /// Values assigned to local `name` in the innermost enclosing function before byte `before`:
    /// `let name = v`, `name = v` (false) and `name += v`, `name.push_str(v)` (true: appended).
    pub fn local_values(&self, name: &str, before: usize) -> Vec<(&'t Expr, bool)> {
        let Some(block) = self.fn_stack.last() else {
            return Vec::new();
        };
        let mut finder = LocalFinder {
            name,
            out: Vec::new(),
        };
        finder.visit_block(block);
        finder
            .out
            .into_iter()
            .filter(|(e, _)| self.range_of(*e).start < before)
            .collect()
    }
}

struct LocalFinder<'n, 't> {
    name: &'n str,
    out: Vec<(&'t Expr, bool)>,
}

fn is_ident(e: &Expr, name: &str) -> bool {
    match e {
        Expr::Path(p) => p.qself.is_none() && p.path.is_ident(name),
        _ => false,
    }
}

impl<'n, 't> Visit<'t> for LocalFinder<'n, 't> {
    fn visit_local(&mut self, l: &'t Local) {
        if let syn::Pat::Ident(pi) = strip_pat_type(&l.pat) {
            if pi.ident == self.name {
                if let Some(init) = &l.init {
                    self.out.push((&init.expr, false));
                }
            }
        }
        visit::visit_local(self, l);
    }
    fn visit_expr(&mut self, e: &'t Expr) {
        match e {
            Expr::Assign(a) if is_ident(&a.left, self.name) => self.out.push((&a.right, false)),
            Expr::Binary(b)
                if matches!(b.op, syn::BinOp::AddAssign(_)) && is_ident(&b.left, self.name) =>
            {
                self.out.push((&b.right, true))
            }
            Expr::MethodCall(m)
                if (m.method == "push_str" || m.method == "push")
                    && is_ident(&m.receiver, self.name) =>
            {
                if let Some(a) = m.args.first() {
                    self.out.push((a, true));
                }
            }
            _ => {}
        }
        visit::visit_expr(self, e);
    }
    fn visit_item_fn(&mut self, _: &'t ItemFn) {}
    fn visit_expr_closure(&mut self, _: &'t syn::ExprClosure) {}
}

fn strip_pat_type(p: &syn::Pat) -> &syn::Pat {
    match p {
        syn::Pat::Type(t) => strip_pat_type(&t.pat),
        other => other,
    }
}

/// Maximum bracket depth, skipping string/char literals and comments approximately.
pub fn bracket_depth(text: &str) -> usize {
    let b = text.as_bytes();
    let (mut depth, mut max, mut i) = (0usize, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    max
}

fn collect_uses(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut HashMap<String, String>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            collect_uses(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            let full = if name == "self" {
                prefix.join("::")
            } else {
                let mut v = prefix.clone();
                v.push(name.clone());
                v.join("::")
            };
            let local = if name == "self" {
                prefix.last().cloned().unwrap_or_default()
            } else {
                name
            };
            out.insert(local, full);
        }
        syn::UseTree::Rename(r) => {
            let mut v = prefix.clone();
            v.push(r.ident.to_string());
            out.insert(r.rename.to_string(), v.join("::"));
        }
        syn::UseTree::Group(g) => {
            for t in &g.items {
                collect_uses(t, prefix, out);
            }
        }
        syn::UseTree::Glob(_) => {}
    }
}

struct UseCollector<'m> {
    out: &'m mut HashMap<String, String>,
}
impl<'ast, 'm> Visit<'ast> for UseCollector<'m> {
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let mut prefix = Vec::new();
        collect_uses(&u.tree, &mut prefix, self.out);
    }
}

struct Walker<'a, 'f, 't, 'c> {
    cx: RustCx<'a, 'f, 't>,
    checks: &'c [&'c RustCheck],
}

impl<'a, 'f, 't, 'c> Walker<'a, 'f, 't, 'c> {
    fn dispatch(&mut self, node: RustNode<'t>) {
        for c in self.checks {
            (c.run)(&mut self.cx, node);
        }
    }
}

impl<'a, 'f, 't, 'c> Visit<'t> for Walker<'a, 'f, 't, 'c> {
    fn visit_item(&mut self, i: &'t Item) {
        let test = match i {
            Item::Mod(m) => is_test_attr(&m.attrs),
            Item::Fn(f) => is_test_attr(&f.attrs),
            _ => false,
        };
        self.cx.test_depth += usize::from(test);
        self.dispatch(RustNode::Item(i));
        visit::visit_item(self, i);
        self.cx.test_depth -= usize::from(test);
    }
    fn visit_item_fn(&mut self, f: &'t ItemFn) {
        self.cx.fn_stack.push(&f.block);
        visit::visit_item_fn(self, f);
        self.cx.fn_stack.pop();
    }
    fn visit_impl_item_fn(&mut self, f: &'t ImplItemFn) {
        self.dispatch(RustNode::ImplItemFn(f));
        self.cx.fn_stack.push(&f.block);
        visit::visit_impl_item_fn(self, f);
        self.cx.fn_stack.pop();
    }
    fn visit_expr(&mut self, e: &'t Expr) {
        self.dispatch(RustNode::Expr(e));
        visit::visit_expr(self, e);
    }
    fn visit_local(&mut self, l: &'t Local) {
        self.dispatch(RustNode::Local(l));
        visit::visit_local(self, l);
    }
    fn visit_macro(&mut self, m: &'t Macro) {
        // Parse the body as `expr, expr, ...` once; rules get the args via `cx.macro_args`.
        let parsed = m.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated);
        let mut args: Option<&'t [Expr]> = None;
        if let Ok(p) = parsed {
            let v: &'t Vec<Expr> = self.cx.arena.alloc(p.into_iter().collect());
            let key = self.cx.range(m.path.span()).start;
            self.cx.macro_args.insert(key, v.as_slice());
            args = Some(v.as_slice());
        }
        self.dispatch(RustNode::Macro(m));
        if let Some(args) = args {
            for a in args {
                self.visit_expr(a);
            }
        }
    }
}

/// Parses and walks a Rust file. The work runs on a scoped thread with a large stack, so deep
/// (but legal) nesting cannot overflow, and proc-macro2's per-thread span table is freed after.
/// The enabled checks, or `None` when there is nothing to run (no check enabled, or a file
/// nested too deeply for the parser, noted).
fn prelude<'c>(cx: &mut FileCx<'_>, checks: &'c [RustCheck]) -> Option<Vec<&'c RustCheck>> {
    let active: Vec<&RustCheck> = checks.iter().filter(|c| cx.any_enabled(c.rules)).collect();
    if active.is_empty() {
        return None;
    }
    let depth = bracket_depth(cx.text);
    if depth > MAX_NESTING {
        cx.note(Note::warning(
            Some(cx.path.to_owned()),
            format!("nesting {depth} levels deep is over the Rust parser's limit of {MAX_NESTING}; Rust rules skipped this file"),
        ));
        return None;
    }
    Some(active)
}

/// [`run`] on the calling thread, which must have a large stack (the caller spawns it; syn
/// recurses with the nesting of the source).
pub(crate) fn run_here(cx: &mut FileCx<'_>, checks: &[RustCheck]) {
    if let Some(active) = prelude(cx, checks) {
        walk_file(cx, &active);
    }
}

pub(crate) fn run(cx: &mut FileCx<'_>, checks: &[RustCheck]) {
    let Some(active) = prelude(cx, checks) else {
        return;
    };
    let path = cx.path.to_owned();
    // Ok(true): ran; Ok(false): could not spawn; Err: a rule panicked.
    let outcome = std::thread::scope(|s| {
        let h = std::thread::Builder::new()
            .name("predeploy-rust".into())
            .stack_size(64 * 1024 * 1024)
            .spawn_scoped(s, || walk_file(cx, &active));
        match h {
            Ok(h) => h.join().map(|_| true),
            Err(_) => Ok(false),
        }
    });
    match outcome {
        Ok(true) => {}
        Ok(false) => walk_file(cx, &active),
        Err(_) => cx.note(Note::error(
            Some(path),
            "internal error in a Rust rule on this file; please report it. Other files are still checked",
        )),
    }
}

fn walk_file(cx: &mut FileCx<'_>, active: &[&RustCheck]) {
    let src = cx.text;
    // Strip a shebang / cargo-script front matter line that syn rejects.
    let file = match syn::parse_file(src) {
        Ok(f) => f,
        Err(e) => {
            let line = e.span().start().line as u32;
            cx.note(
                Note::info(
                    Some(cx.path.to_owned()),
                    format!("Rust syntax error ({e}); Rust rules skipped this file, the secrets pass still ran"),
                )
                .at_line(line.max(1)),
            );
            proc_macro2::extra::invalidate_current_thread_spans();
            return;
        }
    };
    let mut uses = HashMap::new();
    UseCollector { out: &mut uses }.visit_file(&file);
    let arena = typed_arena::Arena::new();
    {
        let rcx = RustCx {
            file: cx,
            src,
            uses,
            fn_stack: Vec::new(),
            arena: &arena,
            macro_args: HashMap::new(),
            test_depth: 0,
        };
        let mut w = Walker {
            cx: rcx,
            checks: active,
        };
        w.dispatch(RustNode::File(&file));
        w.visit_file(&file);
    }
    drop(arena);
    drop(file);
    proc_macro2::extra::invalidate_current_thread_spans();
}

/// The identifiers of a path (`api::routes` -> `["api", "routes"]`).
pub fn path_idents(p: &syn::Path) -> Vec<String> {
    p.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// The string literal of an expression, if it is one (`"x"`, `r"x"`).
pub fn lit_str(e: &Expr) -> Option<String> {
    match e {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        Expr::Group(g) => lit_str(&g.expr),
        Expr::Paren(p) => lit_str(&p.expr),
        Expr::Reference(r) => lit_str(&r.expr),
        _ => None,
    }
}

/// `true` literal.
pub fn is_true(e: &Expr) -> bool {
    matches!(e, Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(b), .. }) if b.value)
}

/// Last segment of a macro's path (`sqlx::query!` -> `query`).
pub fn macro_name(m: &Macro) -> String {
    m.path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

/// `#[test]`, `#[tokio::test]`, `#[cfg(test)]` and friends.
pub fn is_test_attr(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let p = a.path();
        let last = p
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if last == "test" || last == "rstest" || last == "bench" {
            return true;
        }
        if p.is_ident("cfg") {
            if let syn::Meta::List(l) = &a.meta {
                let t = l.tokens.to_string();
                return t == "test"
                    || t.starts_with("test ")
                    || t.contains("(test") && !t.contains("not");
            }
        }
        false
    })
}
