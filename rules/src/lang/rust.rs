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
    ///
    /// Not remembered by the path's address: rules parse macro bodies into short-lived trees
    /// during the walk, and a later tree can reuse a freed path's address (a debug check caught
    /// a stale answer for a different path at a reused address).
    pub fn resolve_path(&self, path: &syn::Path) -> String {
        self.resolve_path_now(path)
    }

    fn resolve_path_now(&self, path: &syn::Path) -> String {
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

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The text with every doc comment (`///`, `//!`, `/** */`, `/*! */`) made a plain comment of
/// the same length (`// `, `/* `): borrowed when there is none.
///
/// syn turns each doc comment into a `#[doc = "..."]` attribute, escaping the comment into a
/// string literal and parsing it back: on documented library code, a quarter of the parse. No
/// rule reads documentation, and the walk then no longer offers the comments to the checks as
/// string literals. Only the byte after the comment's opening `//`/`/*` changes (to a space), so
/// every line, column and byte offset is the same as in the original. A small lexer finds the
/// comments: it skips strings, raw strings, byte/C strings, char literals (not lifetimes) and
/// nested block comments, so nothing inside a literal changes.
pub fn plain_doc_comments(src: &str) -> std::borrow::Cow<'_, str> {
    let b = src.as_bytes();
    let n = b.len();
    let mut at: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < n {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                // `///` (not `////`) and `//!`.
                let doc = match b.get(i + 2) {
                    Some(b'/') => b.get(i + 3) != Some(&b'/'),
                    Some(b'!') => true,
                    _ => false,
                };
                if doc {
                    at.push(i + 2);
                }
                i = memchr::memchr(b'\n', &b[i..]).map_or(n, |k| i + k);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                // `/**` (not `/***` or `/**/`) and `/*!`; block comments nest.
                let doc = match b.get(i + 2) {
                    Some(b'*') => !matches!(b.get(i + 3), Some(b'*') | Some(b'/')),
                    Some(b'!') => true,
                    _ => false,
                };
                if doc {
                    at.push(i + 2);
                }
                let mut depth = 1usize;
                i += 2;
                while i < n && depth > 0 {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => {
                i += 1;
                while i < n && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            // `r"..."`, `r#"..."#`, `br".."`, `cr".."`: not `r#ident` or `bar`.
            b'r' if (i == 0
                || !is_ident_byte(b[i - 1])
                || matches!(b[i - 1], b'b' | b'c') && (i < 2 || !is_ident_byte(b[i - 2])))
                && {
                    let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                    b.get(i + 1 + hashes) == Some(&b'"')
                } =>
            {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                i += hashes + 2;
                loop {
                    match memchr::memchr(b'"', &b[i.min(n)..]) {
                        None => {
                            i = n;
                            break;
                        }
                        Some(k) => {
                            let close = i + k;
                            let end = close + 1 + hashes;
                            if end <= n && b[close + 1..end].iter().all(|&c| c == b'#') {
                                i = end;
                                break;
                            }
                            i = close + 1;
                        }
                    }
                }
            }
            b'\'' => {
                if b.get(i + 1) == Some(&b'\\') {
                    // `'\n'`, `'\''`, `'\u{..}'`: to the closing quote after the escaped byte.
                    i += 3;
                    while i < n && b[i] != b'\'' {
                        i += 1;
                    }
                    i += 1;
                } else {
                    // `'x'` (one character, any width) or a lifetime/label `'a`.
                    let len = src
                        .get(i + 1..)
                        .and_then(|r| r.chars().next())
                        .map_or(1, char::len_utf8);
                    if b.get(i + 1 + len) == Some(&b'\'') {
                        i += len + 2;
                    } else {
                        i += 1;
                    }
                }
            }
            _ => i += 1,
        }
    }
    if at.is_empty() {
        return std::borrow::Cow::Borrowed(src);
    }
    let mut out = b.to_vec();
    for k in at {
        out[k] = b' ';
    }
    // Only ASCII bytes of comment openers were replaced by spaces: still UTF-8.
    std::borrow::Cow::Owned(String::from_utf8(out).unwrap_or_else(|_| src.to_owned()))
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
    let plain = plain_doc_comments(src);
    let file = match syn::parse_file(&plain) {
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

#[cfg(test)]
mod doc_comment_tests {
    use super::plain_doc_comments;
    use proc_macro2::{Delimiter, TokenStream, TokenTree};
    use std::path::{Path, PathBuf};
    use std::str::FromStr;

    #[test]
    fn doc_comments_become_plain_comments_and_literals_do_not_change() {
        let cases = [
            ("/// doc\nfn f() {}\n", "//  doc\nfn f() {}\n"),
            ("//! crate doc\n", "//  crate doc\n"),
            ("/** block */ fn f() {}", "/*  block */ fn f() {}"),
            ("/*! inner */", "/*  inner */"),
            // Not doc comments.
            (
                "//// rule\n/***/ /**/ // plain\n",
                "//// rule\n/***/ /**/ // plain\n",
            ),
            // Inside literals nothing changes.
            (
                "let a = \"/// no\"; let b = r#\"\"/// no\"#; let c = b\"//! no\";",
                "let a = \"/// no\"; let b = r#\"\"/// no\"#; let c = b\"//! no\";",
            ),
            ("let q = '\"'; /// yes\n", "let q = '\"'; //  yes\n"),
            (
                "let q = '\\''; let s = \"/// no\";",
                "let q = '\\''; let s = \"/// no\";",
            ),
            (
                "fn f<'a>(x: &'a str) { /// yes\n }",
                "fn f<'a>(x: &'a str) { //  yes\n }",
            ),
            (
                "let e = 'é'; let s = \"//! no\";",
                "let e = 'é'; let s = \"//! no\";",
            ),
            ("let s = \"a\\\"/// no\";", "let s = \"a\\\"/// no\";"),
            ("let r#type = 1; /// yes\n", "let r#type = 1; //  yes\n"),
            (
                "let s = br##\"\"# /// no\"##; /// yes\n",
                "let s = br##\"\"# /// no\"##; //  yes\n",
            ),
            // Nested block comments end where they end.
            (
                "/* a /* b */ /// no */ /// yes\n",
                "/* a /* b */ /// no */ //  yes\n",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(plain_doc_comments(input), want, "input: {input}");
        }
        assert!(matches!(
            plain_doc_comments("fn f() {} // x\n"),
            std::borrow::Cow::Borrowed(_)
        ));
        // Unterminated input ends the scan without a panic.
        for bad in ["\"abc", "r#\"abc", "'", "/* /* */", "'\\", "r##\""] {
            let _ = plain_doc_comments(bad);
        }
    }

    /// Random text over the characters the lexer cares about: it never panics, keeps the
    /// length, and only ever turns the third byte of a comment opener into a space.
    #[test]
    fn random_text_never_panics_and_changes_only_comment_openers() {
        let pieces = [
            "/",
            "*",
            "!",
            "'",
            "\"",
            "r",
            "#",
            "b",
            "c",
            "\\",
            "\n",
            " ",
            "x",
            "é",
            "{",
            "}",
            "///",
            "//!",
            "/**",
            "/*!",
            "*/",
            "r#\"",
            "\"#",
            "'a",
            "fn f() {}",
            "'\"'",
            "'\\''",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut tokenized, mut docs) = (0, 0);
        for _ in 0..20_000 {
            let len = (next() % 16) as usize;
            let text: String = (0..len)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            let out = plain_doc_comments(&text);
            assert_eq!(out.len(), text.len(), "{text:?}");
            match same_tokens_less_docs(&text) {
                Err(e) => panic!("{text:?}: {e}"),
                Ok(n) => docs += n,
            }
            tokenized += usize::from(TokenStream::from_str(&text).is_ok());
            for (k, (a, b)) in text.bytes().zip(out.bytes()).enumerate() {
                if a != b {
                    assert!(
                        b == b' ' && matches!(a, b'/' | b'!' | b'*'),
                        "{text:?} at {k}"
                    );
                    assert!(
                        k >= 2 && matches!(&text.as_bytes()[k - 2..k], b"//" | b"/*"),
                        "{text:?} at {k}"
                    );
                }
            }
        }
        // The token comparison must have had texts to compare, some with doc comments.
        assert!(
            tokenized > 2_000 && docs > 100,
            "{tokenized} tokenized, {docs} docs"
        );
    }

    /// Tokens with their positions, leaving out the `#[doc = ".."]` attributes that `skip_docs`
    /// allows to be left out.
    fn flat(ts: TokenStream, out: &mut Vec<String>) {
        for tt in ts {
            let at = tt.span().start();
            match tt {
                TokenTree::Group(g) => {
                    out.push(format!("{}:{} {:?}", at.line, at.column, g.delimiter()));
                    flat(g.stream(), out);
                    out.push("end".into());
                }
                other => out.push(format!("{}:{} {other}", at.line, at.column)),
            }
        }
    }

    fn is_doc_attr(t: &[String]) -> Option<usize> {
        // `#`, optional `!`, then a bracket group starting with `doc =`.
        let mut k = 1;
        if t.get(k).is_some_and(|s| s.ends_with(" !")) {
            k += 1;
        }
        let g = t.get(k)?;
        let inner = t.get(k + 1)?;
        if !(g.ends_with(&format!("{:?}", Delimiter::Bracket)) && inner.ends_with(" doc")) {
            return None;
        }
        // Up to the group's end (doc attributes hold no nested group).
        let end = t[k + 1..].iter().position(|s| s == "end")?;
        Some(k + 1 + end + 1)
    }

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    /// Whether `text`'s doc-comment-free version tokenizes to its tokens at the same lines and
    /// columns, less the doc attributes: Ok(how many were left out); Ok(0) when `text` does not
    /// tokenize at all.
    fn same_tokens_less_docs(text: &str) -> Result<usize, String> {
        let Ok(orig) = TokenStream::from_str(text) else {
            return Ok(0);
        };
        let plain = plain_doc_comments(text);
        if plain.len() != text.len() {
            return Err("the length changed".into());
        }
        let new = TokenStream::from_str(&plain).map_err(|e| format!("no longer tokenizes: {e}"))?;
        let (mut a, mut b) = (Vec::new(), Vec::new());
        flat(orig, &mut a);
        flat(new, &mut b);
        proc_macro2::extra::invalidate_current_thread_spans();
        let (mut i, mut j, mut docs) = (0, 0, 0);
        while i < a.len() {
            if b.get(j) == Some(&a[i]) {
                i += 1;
                j += 1;
                continue;
            }
            let skip = a[i]
                .ends_with(" #")
                .then(|| is_doc_attr(&a[i..]))
                .flatten()
                .ok_or_else(|| format!("token {i} differs: {:?} vs {:?}", a[i], b.get(j)))?;
            i += skip;
            docs += 1;
        }
        if j != b.len() {
            return Err("extra tokens in the plain text".into());
        }
        Ok(docs)
    }

    /// On every Rust file of this repository (sources and fixtures), the plain text tokenizes to
    /// the original's tokens at the original's lines and columns, less the doc attributes.
    #[test]
    fn plain_text_has_the_same_tokens_at_the_same_places() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for d in ["rules", "cargo-predeploy", "lsp", "probe", "tests"] {
            rust_files(&root.join(d), &mut files);
        }
        assert!(files.len() > 100, "found {} Rust files", files.len());
        let mut docs = 0;
        for f in files {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            match same_tokens_less_docs(&text) {
                Ok(n) => docs += n,
                Err(e) => panic!("{}: {e}", f.display()),
            }
        }
        assert!(docs > 1000, "only {docs} doc comments met");
    }
}
