//! Python with tree-sitter-python: parse once, walk once, dispatch to rules.

use super::NodeExt;
use super::PyCheck;
use crate::engine::FileCx;
use crate::finding::{Finding, Note};
use crate::meta::RuleMeta;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use tree_sitter::{Node, Parser, Tree};

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

pub fn parse(text: &str, old: Option<&Tree>) -> Option<Tree> {
    PARSER.with(|p| {
        let mut p = p.borrow_mut();
        let parser = p.get_or_insert_with(|| {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_python::LANGUAGE.into())
                .expect("grammar version matches tree-sitter");
            parser
        });
        parser.parse(text, old)
    })
}

/// Context for Python rules.
pub struct PyCx<'a, 'f> {
    pub file: &'f mut FileCx<'a>,
    pub src: &'a str,
    /// Local name -> fully qualified name (`from hashlib import md5 as m` gives `m -> hashlib.md5`,
    /// `import hashlib as h` gives `h -> hashlib`).
    pub imports: HashMap<String, String>,
    /// `resolved_callee` answers, by node id: every check that looks at a call asks.
    callee_memo: super::CalleeMemo,
    /// `imports_module` answers, by prefix.
    module_memo: RefCell<Vec<(&'static str, bool)>>,
}

impl<'a, 'f> PyCx<'a, 'f> {
    pub fn new(file: &'f mut FileCx<'a>, src: &'a str, imports: HashMap<String, String>) -> Self {
        PyCx {
            file,
            src,
            imports,
            callee_memo: super::CalleeMemo::new(),
            module_memo: RefCell::new(Vec::new()),
        }
    }
    pub fn text(&self, n: Node<'_>) -> &'a str {
        node_text(self.src, n)
    }
    pub fn report(
        &mut self,
        rule: &'static RuleMeta,
        range: Range<usize>,
        msg: impl Into<String>,
    ) -> &mut Finding {
        self.file.report(rule, range, msg)
    }
    /// The dotted callee of a call with its first segment resolved through imports
    /// (`from hashlib import md5; md5(x)` -> `hashlib.md5`).
    pub fn resolved_callee(&self, call: Node<'_>) -> Option<String> {
        self.callee_memo.get_or(call.id(), || {
            call.field("function")
                .and_then(|f| dotted(self.src, f))
                .map(|path| self.resolve_owned(path))
        })
    }
    /// Resolves the first segment of a dotted name through imports.
    pub fn resolve(&self, path: &str) -> String {
        self.resolve_owned(path.to_owned())
    }
    /// [`Self::resolve`] reusing `path`'s buffer when its first segment is no import.
    fn resolve_owned(&self, path: String) -> String {
        let first = path.split('.').next().unwrap_or_default();
        match self.imports.get(first) {
            None => path,
            Some(base) => {
                let rest = &path[first.len()..];
                let mut out = String::with_capacity(base.len() + rest.len());
                out.push_str(base);
                out.push_str(rest);
                out
            }
        }
    }
    /// Whether some module with this prefix is imported (e.g. `flask`, `django`).
    pub fn imports_module(&self, prefix: &'static str) -> bool {
        if let Some(&(_, r)) = self.module_memo.borrow().iter().find(|(p, _)| *p == prefix) {
            return r;
        }
        let r = self.imports.values().any(|v| {
            v.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        });
        self.module_memo.borrow_mut().push((prefix, r));
        r
    }
}

pub fn node_text<'s>(src: &'s str, n: Node<'_>) -> &'s str {
    src.get(n.byte_range()).unwrap_or("")
}

/// `a.b.c` for identifiers and attribute chains; None otherwise.
pub fn dotted(src: &str, n: Node<'_>) -> Option<String> {
    let mut parts = super::Parts::new();
    let mut cur = n;
    for _ in 0..64 {
        match cur.k() {
            "identifier" => {
                parts.push(node_text(src, cur));
                break;
            }
            "attribute" => {
                parts.push(node_text(src, cur.field("attribute")?));
                cur = cur.field("object")?;
            }
            "parenthesized_expression" => cur = cur.named_child(0)?,
            _ => return None,
        }
    }
    Some(parts.join_reversed())
}

/// Last segment of a call's callee (`cursor.execute` -> `execute`).
pub fn callee_name<'s>(src: &'s str, call: Node<'_>) -> Option<&'s str> {
    let f = call.field("function")?;
    match f.k() {
        "identifier" => Some(node_text(src, f)),
        "attribute" => Some(node_text(src, f.field("attribute")?)),
        _ => None,
    }
}

/// Positional arguments of a call.
pub fn positional_args<'t>(call: Node<'t>) -> Vec<Node<'t>> {
    let Some(args) = call.field("arguments") else {
        return Vec::new();
    };
    super::named_kids(args)
        .filter(|n| {
            !matches!(
                n.k(),
                "keyword_argument" | "comment" | "list_splat" | "dictionary_splat"
            )
        })
        .collect()
}

/// Value of keyword argument `name=` in a call.
pub fn keyword_arg<'t>(src: &str, call: Node<'t>, name: &str) -> Option<Node<'t>> {
    let args = call.field("arguments")?;
    // Most calls have no such keyword: its name must appear in the argument list's text, which
    // is far cheaper to search than the argument nodes are to visit.
    memchr::memmem::find(node_text(src, args).as_bytes(), name.as_bytes())?;
    let found = super::named_kids(args).find(|n| {
        n.k() == "keyword_argument" && n.field("name").is_some_and(|k| node_text(src, k) == name)
    });
    found.and_then(|n| n.field("value"))
}

/// Whether the call has `**kwargs` (then missing keywords may be set dynamically).
pub fn has_kwargs_splat(call: Node<'_>) -> bool {
    let Some(args) = call.field("arguments") else {
        return false;
    };
    let mut c = args.walk();
    let r = args
        .named_children(&mut c)
        .any(|n| n.k() == "dictionary_splat");
    r
}

/// The string content of a plain (non-f) string literal, without quotes or prefixes.
pub fn string_value<'s>(src: &'s str, n: Node<'_>) -> Option<&'s str> {
    if n.k() != "string" || has_interpolation(n) {
        return None;
    }
    let mut content = None;
    let mut parts = 0;
    for ch in super::named_kids(n) {
        if ch.k() == "string_content" {
            content = Some(node_text(src, ch));
            parts += 1;
        }
    }
    match parts {
        0 => Some(""),
        1 => content,
        // Escapes split the content; return the raw text between the quotes.
        _ => {
            let t = node_text(src, n);
            let start = t.find(['"', '\'']).unwrap_or(0);
            let q = &t[start..];
            let ql = if q.starts_with("\"\"\"") || q.starts_with("'''") {
                3
            } else {
                1
            };
            q.get(ql..q.len().saturating_sub(ql))
        }
    }
}

pub fn has_interpolation(n: Node<'_>) -> bool {
    super::named_kids(n).any(|ch| ch.k() == "interpolation")
}

/// True for `True`.
pub fn is_true(src: &str, n: Node<'_>) -> bool {
    n.k() == "true" || node_text(src, n) == "True"
}

pub fn is_false(src: &str, n: Node<'_>) -> bool {
    n.k() == "false" || node_text(src, n) == "False"
}

/// The enclosing function definition (or the module).
pub fn enclosing_function(n: Node<'_>) -> Option<Node<'_>> {
    let mut cur = n.up();
    while let Some(p) = cur {
        if matches!(p.k(), "function_definition" | "lambda" | "module") {
            return Some(p);
        }
        cur = p.up();
    }
    None
}

/// Values assigned to `name` before `at` in the enclosing function: `name = v` (false) and
/// `name += v` (true for appended).
pub fn local_assignments<'t>(src: &str, at: Node<'t>, name: &str) -> Vec<(Node<'t>, bool)> {
    let Some(scope) = enclosing_function(at) else {
        return Vec::new();
    };
    super::scope_assignments(scope, name, at.start_byte(), || {
        let mut out = Vec::new();
        super::walk_scope(
            scope,
            &["function_definition", "class_definition", "lambda"],
            |n| {
                if matches!(n.k(), "assignment" | "augmented_assignment") {
                    if let (Some(l), Some(r)) = (n.field("left"), n.field("right")) {
                        if l.k() == "identifier" {
                            let appended = n.k() == "augmented_assignment";
                            out.push((node_text(src, l).to_owned(), r, appended, n.start_byte()));
                        }
                    }
                }
            },
        );
        out
    })
}

/// Decorators of a decorated definition (the `decorator` nodes' expressions).
pub fn decorators<'t>(def: Node<'t>) -> Vec<Node<'t>> {
    let Some(p) = def.up().filter(|p| p.k() == "decorated_definition") else {
        return Vec::new();
    };
    let mut c = p.walk();
    p.named_children(&mut c)
        .filter(|n| n.k() == "decorator")
        .filter_map(|d| d.named_child(0))
        .collect()
}

fn collect_imports(src: &str, root: Node<'_>) -> HashMap<String, String> {
    // Every import statement holds the word `import`: the statements are found from its
    // occurrences rather than by walking every function body (the quick re-check of an edit
    // would spend most of its time on that walk).
    let mut stmts: Vec<Node<'_>> = Vec::new();
    for at in memchr::memmem::find_iter(src.as_bytes(), b"import") {
        let Some(mut cur) = root.descendant_for_byte_range(at, at + 6) else {
            continue;
        };
        let stmt = loop {
            match cur.k() {
                "import_statement" | "import_from_statement" => break Some(cur),
                "module" => break None,
                _ => match cur.up() {
                    Some(p) => cur = p,
                    None => break None,
                },
            }
        };
        if let Some(stmt) = stmt.filter(|s| imports_reach(*s)) {
            if stmts.last().map(|l| l.id()) != Some(stmt.id()) {
                stmts.push(stmt);
            }
        }
    }
    // In source order, the first binding of a name wins.
    let mut map = HashMap::new();
    let mut bind = |k: String, v: String| {
        map.entry(k).or_insert(v);
    };
    for n in stmts {
        match n.k() {
            "import_statement" => {
                let mut c = n.walk();
                for name in n.named_children(&mut c) {
                    match name.k() {
                        "dotted_name" => {
                            let full = node_text(src, name);
                            let first = full.split('.').next().unwrap_or(full);
                            bind(first.to_owned(), first.to_owned());
                        }
                        "aliased_import" => {
                            if let (Some(nm), Some(al)) = (name.field("name"), name.field("alias"))
                            {
                                bind(node_text(src, al).to_owned(), node_text(src, nm).to_owned());
                            }
                        }
                        _ => {}
                    }
                }
            }
            "import_from_statement" => {
                let Some(module) = n.field("module_name") else {
                    continue;
                };
                let module = node_text(src, module).to_owned();
                let mut c = n.walk();
                for name in n.children_by_field_name("name", &mut c) {
                    match name.k() {
                        "dotted_name" => {
                            let t = node_text(src, name);
                            bind(t.to_owned(), format!("{module}.{t}"));
                        }
                        "aliased_import" => {
                            if let (Some(nm), Some(al)) = (name.field("name"), name.field("alias"))
                            {
                                bind(
                                    node_text(src, al).to_owned(),
                                    format!("{module}.{}", node_text(src, nm)),
                                );
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    map
}

/// Whether an import statement binds names for the whole file: at the top level or inside the
/// function bodies and conditional blocks it may sit in (not in a class body, where it binds a
/// class attribute).
fn imports_reach(stmt: Node<'_>) -> bool {
    let mut cur = stmt.up();
    while let Some(p) = cur {
        match p.k() {
            "module" => return true,
            "if_statement"
            | "try_statement"
            | "block"
            | "else_clause"
            | "except_clause"
            | "finally_clause"
            | "elif_clause"
            | "function_definition"
            | "decorated_definition" => cur = p.up(),
            _ => return false,
        }
    }
    false
}

pub(crate) fn run(cx: &mut FileCx<'_>, checks: &[PyCheck]) {
    run_with(cx, checks, None);
}

/// Parses (incrementally from `old`, an edited previous tree, when given) and walks; returns the
/// new tree for the next incremental parse.
pub(crate) fn run_with(
    cx: &mut FileCx<'_>,
    checks: &[PyCheck],
    old: Option<&Tree>,
) -> Option<Tree> {
    run_tagged(cx, checks, old, &mut Vec::new())
}

/// [`run_with`], tagging findings with where they were reported from (see [`walk_part`]).
pub(crate) fn run_tagged(
    cx: &mut FileCx<'_>,
    checks: &[PyCheck],
    old: Option<&Tree>,
    tags: &mut Vec<u32>,
) -> Option<Tree> {
    let active: Vec<&PyCheck> = checks.iter().filter(|c| cx.any_enabled(c.rules)).collect();
    if active.is_empty() {
        return None;
    }
    let Some(tree) = parse(cx.text, old) else {
        cx.note(Note::warning(
            Some(cx.path.to_owned()),
            "could not parse this file; it was skipped",
        ));
        return None;
    };
    walk_part(cx, &tree, &active, None, tags);
    Some(tree)
}

pub fn walk_tree(file: &mut FileCx<'_>, tree: &Tree, active: &[&PyCheck]) {
    walk_part(file, tree, active, None, &mut Vec::new());
}

/// The rule walk over the whole tree, or over `part` only (top-level statements with their
/// indices among the root's named children: the quick re-check of an edit). Tags each finding
/// reported with the index of the top-level statement whose walk reported it, or
/// [`super::WHOLE_FILE`] when a check reported it from the root (whole-file analyses).
pub(crate) fn walk_part(
    file: &mut FileCx<'_>,
    tree: &Tree,
    active: &[&PyCheck],
    part: Option<(&[Node<'_>], &[u32])>,
    tags: &mut Vec<u32>,
) {
    let src = file.text;
    let root = tree.root_node();
    let base = file.findings.len();
    let walked = super::with_parents_under(tree, part.map(|p| p.0), |named| {
        let imports = collect_imports(src, root);
        let mut cx = PyCx::new(&mut *file, src, imports);
        let mut tops = super::TopTagger::new(root, part);
        let mut dispatch = super::Dispatch::new(active.iter().map(|c| c.on));
        // Named nodes only: rules look at names, calls and expressions; punctuation and
        // keywords are reached through them.
        for &node in named {
            let tag = tops.tag(node);
            for &i in dispatch.checks_for(node) {
                (active[usize::from(i)].run)(&mut cx, node);
            }
            super::tag_new(&cx.file.findings, base, tags, tag);
        }
    });
    if let Err(depth) = walked {
        super::note_too_deep(file, depth, "Python");
    }
}
