//! Language passes. Each file is parsed once and every enabled rule for its language runs in one
//! walk; a text pass (secrets, config files) runs on every file; project checks run once per scan.

pub mod js;
pub mod python;
pub mod rust;
pub mod strings;

use crate::config::Config;
use crate::engine::{FileCx, FileResult};
use crate::finding::{Finding, Note};
use crate::meta::RuleMeta;
use crate::source::{FileKind, LineIndex};
use std::path::{Path, PathBuf};

/// Deepest syntax tree the tree-sitter passes walk. Rules look at parents and enclosing
/// functions, which costs time in proportion to depth, so pathological trees (a 20,000-term
/// concatenation, a generated else-if chain) would be quadratic; such files are skipped with a
/// note instead. Real code stays far below this.
pub const MAX_TREE_DEPTH: usize = 1_000;

/// Visits every node of a tree in pre-order with a cursor, anonymous ones included: no recursion,
/// so deep nesting cannot overflow the stack. (The rule walk uses the named nodes that
/// [`with_parents`] lists in its own walk.)
pub fn preorder<'t>(root: tree_sitter::Node<'t>, mut visit: impl FnMut(tree_sitter::Node<'t>)) {
    let mut cursor = root.walk();
    loop {
        visit(cursor.node());
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// Hashes node ids (addresses, so already well spread once multiplied).
#[derive(Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(26);
    }
}

type ParentMap = std::collections::HashMap<
    usize,
    tree_sitter::Node<'static>,
    std::hash::BuildHasherDefault<IdHasher>,
>;

thread_local! {
    /// Child id -> parent node for the tree being walked on this thread (see [`with_parents`]).
    static PARENTS: std::cell::RefCell<Option<ParentMap>> = const { std::cell::RefCell::new(None) };
}

/// The parent of a tree-sitter node. tree-sitter's own `Node::parent` searches down from the
/// root, which costs time in proportion to depth times siblings (a module with 500 functions
/// makes every lookup walk 500 children), and rules ask for parents constantly. Inside
/// [`with_parents`] this is a hash lookup; elsewhere it falls back to `Node::parent`.
pub fn parent<'t>(n: tree_sitter::Node<'t>) -> Option<tree_sitter::Node<'t>> {
    let hit = PARENTS.with(|p| {
        p.borrow().as_ref().and_then(|map| {
            map.get(&n.id()).map(|&par| {
                // SAFETY: the map holds nodes of the tree passed to `with_parents`, which
                // outlives the closure the map is installed for (it is removed when the
                // closure returns or unwinds). Node ids are unique within a tree and are
                // addresses inside it, so a node with an id from the map belongs to that same
                // tree: the parent lives exactly as long as `n`.
                unsafe {
                    std::mem::transmute::<tree_sitter::Node<'static>, tree_sitter::Node<'t>>(par)
                }
            })
        })
    });
    hit.or_else(|| n.parent())
}

/// Node names and field ids of one grammar, resolved once: `Node::kind` converts a C string on
/// every call (a `strlen` and a UTF-8 check) and `child_by_field_name` searches the grammar's field
/// names with `strncmp`, and rules call both on every node.
struct Grammar {
    language: tree_sitter::Language,
    kinds: Vec<&'static str>,
    fields: std::collections::HashMap<&'static str, u16, std::hash::BuildHasherDefault<NameHasher>>,
}

fn grammars() -> &'static [Grammar] {
    static GRAMMARS: std::sync::OnceLock<Vec<Grammar>> = std::sync::OnceLock::new();
    GRAMMARS.get_or_init(|| {
        let languages: [tree_sitter::Language; 4] = [
            tree_sitter_python::LANGUAGE.into(),
            tree_sitter_javascript::LANGUAGE.into(),
            tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            tree_sitter_typescript::LANGUAGE_TSX.into(),
        ];
        languages
            .into_iter()
            .map(|language| {
                // The names live in the grammar's static tables; leaking the copies (a few KB,
                // once per process) gives them a 'static lifetime without unsafe code.
                let kinds = (0..language.node_kind_count())
                    .map(|id| {
                        let name = u16::try_from(id)
                            .ok()
                            .and_then(|id| language.node_kind_for_id(id))
                            .unwrap_or("");
                        &*Box::leak(name.to_owned().into_boxed_str())
                    })
                    .collect();
                let fields = (1..=language.field_count())
                    .filter_map(|id| {
                        let id = u16::try_from(id).ok()?;
                        let name = language.field_name_for_id(id)?;
                        Some((&*Box::leak(name.to_owned().into_boxed_str()), id))
                    })
                    .collect();
                Grammar {
                    language,
                    kinds,
                    fields,
                }
            })
            .collect()
    })
}

thread_local! {
    /// The grammar of the tree being walked on this thread (see [`with_parents`]).
    static CURRENT_GRAMMAR: std::cell::Cell<Option<&'static Grammar>> =
        const { std::cell::Cell::new(None) };
}

fn grammar_of(n: tree_sitter::Node<'_>) -> Option<&'static Grammar> {
    CURRENT_GRAMMAR.get().or_else(|| grammar_for(&n.language()))
}

fn grammar_for(lang: &tree_sitter::Language) -> Option<&'static Grammar> {
    grammars().iter().find(|g| g.language == *lang)
}

/// FNV-1a over field names (short ASCII strings; SipHash showed in profiles).
#[derive(Default)]
struct NameHasher(u64);

impl std::hash::Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// Fast forms of the tree-sitter node accessors the rules call on every node. Same answers as
/// the methods they replace.
pub trait NodeExt<'t> {
    /// `Node::parent`, in constant time inside [`with_parents`].
    fn up(self) -> Option<tree_sitter::Node<'t>>;
    /// `Node::kind`, from a table.
    fn k(self) -> &'static str;
    /// `Node::child_by_field_name`, with the field id from a table.
    fn field(self, name: &str) -> Option<tree_sitter::Node<'t>>;
}

impl<'t> NodeExt<'t> for tree_sitter::Node<'t> {
    fn up(self) -> Option<tree_sitter::Node<'t>> {
        parent(self)
    }
    fn k(self) -> &'static str {
        match grammar_of(self).and_then(|g| g.kinds.get(usize::from(self.kind_id()))) {
            Some(k) => k,
            None => kind_fallback(self.kind()),
        }
    }
    fn field(self, name: &str) -> Option<tree_sitter::Node<'t>> {
        match grammar_of(self) {
            Some(g) => self.child_by_field_id(*g.fields.get(name)?),
            None => self.child_by_field_name(name),
        }
    }
}

/// A node kind of a grammar outside the table (never expected): interned so it can be returned
/// as 'static.
fn kind_fallback(kind: &str) -> &'static str {
    static SEEN: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(k) = seen.iter().find(|k| **k == kind) {
        return k;
    }
    let k: &'static str = Box::leak(kind.to_owned().into_boxed_str());
    seen.push(k);
    k
}

/// Removes the parent index, the current grammar and the assignment memo when dropped,
/// restoring any outer ones.
struct ParentsGuard(
    Option<ParentMap>,
    Option<&'static Grammar>,
    Option<AssignMemo>,
    usize,
);

impl Drop for ParentsGuard {
    fn drop(&mut self) {
        let outer = self.0.take();
        PARENTS.with(|p| *p.borrow_mut() = outer);
        CURRENT_GRAMMAR.set(self.1);
        let outer = self.2.take();
        ASSIGNS.with(|a| *a.borrow_mut() = outer);
        CURRENT_ROOT.set(self.3);
    }
}

thread_local! {
    /// The root node id of the tree being walked (see [`with_parents`]); 0 outside a walk.
    static CURRENT_ROOT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Whether `n` is a node of the tree being walked: the root, or a named node of the parent
/// index. Ids are addresses inside that tree, which lives for the whole walk, so no node of
/// another tree (a temporary one, say) can pass.
fn in_current_tree(n: tree_sitter::Node<'_>) -> bool {
    let id = n.id();
    (id != 0 && id == CURRENT_ROOT.get())
        || PARENTS.with(|p| p.borrow().as_ref().is_some_and(|m| m.contains_key(&id)))
}

/// The assignments of one scope (a function, or the module), by assigned name: value, whether
/// it appends (`+=`), and where the assignment starts.
type ScopeAssigns =
    std::collections::HashMap<String, Vec<(tree_sitter::Node<'static>, bool, usize)>>;
type AssignMemo = std::collections::HashMap<usize, std::rc::Rc<ScopeAssigns>>;

thread_local! {
    /// Scope id -> its assignments, for the tree being walked (see [`with_parents`]).
    static ASSIGNS: std::cell::RefCell<Option<AssignMemo>> = const { std::cell::RefCell::new(None) };
}

/// Visits `scope` and its descendants in source order, without descending into nested
/// functions or classes (`nested` kinds; their locals are theirs), at most 200,000 nodes.
pub(crate) fn walk_scope<'t>(
    scope: tree_sitter::Node<'t>,
    nested: &[&str],
    mut visit: impl FnMut(tree_sitter::Node<'t>),
) {
    let mut cursor = scope.walk();
    let mut stack = vec![scope];
    let mut visited = 0usize;
    while let Some(n) = stack.pop() {
        visited += 1;
        if visited > 200_000 {
            break;
        }
        visit(n);
        if n.id() != scope.id() && nested.contains(&n.k()) {
            continue;
        }
        let children: Vec<tree_sitter::Node<'t>> = n.named_children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
}

/// The values assigned to `name` in `scope` by assignments that start before byte `before`, in
/// source order. `build` lists every assignment of the scope (name, value, appended, start);
/// inside [`with_parents`] it runs once per scope, so following locals costs one walk of each
/// function instead of one per identifier looked up.
pub(crate) fn scope_assignments<'t>(
    scope: tree_sitter::Node<'t>,
    name: &str,
    before: usize,
    build: impl FnOnce() -> Vec<(String, tree_sitter::Node<'t>, bool, usize)>,
) -> Vec<(tree_sitter::Node<'t>, bool)> {
    // Only scopes of the tree being walked are memoised (the memo's nodes must outlive it).
    let cached = if in_current_tree(scope) {
        ASSIGNS.with(|a| {
            a.borrow()
                .as_ref()
                .map(|memo| memo.get(&scope.id()).cloned())
        })
    } else {
        None
    };
    let pick = |v: &[(tree_sitter::Node<'t>, bool, usize)]| -> Vec<(tree_sitter::Node<'t>, bool)> {
        let mut out: Vec<_> = v
            .iter()
            .filter(|(_, _, start)| *start < before)
            .map(|(n, app, _)| (*n, *app))
            .collect();
        out.sort_by_key(|(n, _)| n.start_byte());
        out
    };
    match cached {
        // Outside a walk: no memo.
        None => {
            let all: Vec<_> = build()
                .into_iter()
                .filter(|(n, ..)| n == name)
                .map(|(_, v, app, start)| (v, app, start))
                .collect();
            pick(&all)
        }
        Some(hit) => {
            let index = match hit {
                Some(index) => index,
                None => {
                    let mut index = ScopeAssigns::new();
                    for (n, v, app, start) in build() {
                        // SAFETY: as for the parent index: the memo only lives while the tree
                        // passed to `with_parents` does, is dropped with it, and only holds
                        // nodes of that tree (`in_current_tree(scope)` was checked).
                        let v = unsafe {
                            std::mem::transmute::<tree_sitter::Node<'t>, tree_sitter::Node<'static>>(
                                v,
                            )
                        };
                        index.entry(n).or_default().push((v, app, start));
                    }
                    let index = std::rc::Rc::new(index);
                    ASSIGNS.with(|a| {
                        if let Some(memo) = a.borrow_mut().as_mut() {
                            memo.insert(scope.id(), index.clone());
                        }
                    });
                    index
                }
            };
            let Some(v) = index.get(name) else {
                return Vec::new();
            };
            // SAFETY: the nodes were stored from this same tree (scope ids are unique within a
            // tree and the memo is per walk), so they live as long as `scope`.
            let v: &[(tree_sitter::Node<'t>, bool, usize)] = unsafe {
                std::mem::transmute::<
                    &[(tree_sitter::Node<'static>, bool, usize)],
                    &[(tree_sitter::Node<'t>, bool, usize)],
                >(v.as_slice())
            };
            pick(v)
        }
    }
}

/// Indexes every node's parent in one walk of `tree` and runs `f` with the index installed for
/// [`parent`], handing it the named nodes in pre-order (the rule walk). Returns an error without
/// running `f` when the tree is deeper than [`MAX_TREE_DEPTH`], with that depth in it.
pub fn with_parents<'t, R>(
    tree: &'t tree_sitter::Tree,
    f: impl FnOnce(&[tree_sitter::Node<'t>]) -> R,
) -> Result<R, usize> {
    let root = tree.root_node();
    let mut map = ParentMap::default();
    let mut cursor = root.walk();
    let mut stack: Vec<tree_sitter::Node<'_>> = Vec::new();
    // The named nodes in pre-order, for the rule walk (one cursor walk serves both).
    let mut named: Vec<tree_sitter::Node<'t>> = Vec::new();
    loop {
        let node = cursor.node();
        // Named nodes only: rules ask for the parents of names, calls and expressions, not of
        // punctuation, and indexing tokens too would double the memory of big files (anonymous
        // nodes still get `Node::parent`, just slower).
        if node.is_named() {
            named.push(node);
            if let Some(&p) = stack.last() {
                // SAFETY: see `parent`; the entry is removed before `tree` can be dropped.
                let p = unsafe {
                    std::mem::transmute::<tree_sitter::Node<'_>, tree_sitter::Node<'static>>(p)
                };
                map.insert(node.id(), p);
            }
        }
        if cursor.goto_first_child() {
            stack.push(node);
            if stack.len() > MAX_TREE_DEPTH {
                return Err(depth_of(cursor.node(), stack.len()));
            }
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                let prev = PARENTS.with(|p| p.borrow_mut().replace(map));
                let prev_grammar = CURRENT_GRAMMAR.replace(grammar_for(&tree.language()));
                let prev_assigns = ASSIGNS.with(|a| a.borrow_mut().replace(AssignMemo::new()));
                let prev_root = CURRENT_ROOT.replace(root.id());
                let _guard = ParentsGuard(prev, prev_grammar, prev_assigns, prev_root);
                return Ok(f(&named));
            }
            stack.pop();
        }
    }
}

/// Records the note for a file whose syntax tree is too deep to walk (see [`with_parents`]).
pub(crate) fn note_too_deep(file: &mut FileCx<'_>, depth: usize, lang: &str) {
    file.note(Note::warning(
        Some(file.path.to_owned()),
        format!(
            "syntax tree nests {depth} levels deep, over the limit of {MAX_TREE_DEPTH}; {lang} rules skipped this file (the secrets pass still ran)"
        ),
    ));
}

/// Keeps descending from `node` (already at `depth`) to report how deep the tree goes.
fn depth_of(node: tree_sitter::Node<'_>, mut depth: usize) -> usize {
    let mut cur = node;
    while let Some(c) = cur.named_child(0).or_else(|| cur.child(0)) {
        cur = c;
        depth += 1;
        if depth > 1_000_000 {
            break;
        }
    }
    depth
}

/// A check over JS/TS syntax nodes. Called for every node of every JS/TS/TSX/JSX file (the root
/// `program` node included, for whole-file analyses); it returns quickly on kinds it ignores.
pub struct JsCheck {
    pub rules: &'static [&'static RuleMeta],
    pub run: fn(&mut js::JsCx<'_, '_>, tree_sitter::Node<'_>),
}

/// A check over Python syntax nodes (root `module` node included).
pub struct PyCheck {
    pub rules: &'static [&'static RuleMeta],
    pub run: fn(&mut python::PyCx<'_, '_>, tree_sitter::Node<'_>),
}

/// A check over Rust syntax (syn) nodes.
pub struct RustCheck {
    pub rules: &'static [&'static RuleMeta],
    pub run: fn(&mut rust::RustCx<'_, '_, '_>, rust::RustNode<'_>),
}

/// A check over a file's raw text, run for every text file of any kind (it decides by `cx.kind`).
pub struct TextCheck {
    pub rules: &'static [&'static RuleMeta],
    pub run: fn(&mut FileCx<'_>),
}

/// A check over the whole project, run once per scan of paths on disk (not in the editor per
/// keystroke): lock files, repository hygiene, cross-file facts.
pub struct ProjectCheck {
    pub rules: &'static [&'static RuleMeta],
    pub run: fn(&mut ProjectCx<'_>),
}

/// Context for project checks.
pub struct ProjectCx<'a> {
    /// The roots the user asked to scan.
    pub roots: &'a [PathBuf],
    /// Every file discovery found (after excludes).
    pub files: &'a [PathBuf],
    pub config: &'a Config,
    pub findings: Vec<Finding>,
    pub notes: Vec<Note>,
}

impl<'a> ProjectCx<'a> {
    pub fn enabled(&self, rule: &RuleMeta) -> bool {
        self.config.is_enabled(rule)
    }

    /// Adds findings produced against `path` whose text is `text` (used for positions/snippets).
    pub fn add_file_findings(&mut self, path: &Path, text: &str, findings: Vec<Finding>) {
        if findings.is_empty() {
            return;
        }
        let index = LineIndex::new(text);
        let mut f = crate::engine::finalize(findings, text, &index, self.config);
        crate::suppress::apply_mode(
            path,
            text,
            &index,
            FileKind::detect(path),
            &mut f,
            &mut self.notes,
            crate::suppress::Pass::Project,
        );
        self.findings.extend(f);
    }

    /// Runs `build` with a [`FileCx`] for `path`/`text`, then adds its findings and notes.
    pub fn with_file(&mut self, path: &Path, text: &str, build: impl FnOnce(&mut FileCx<'_>)) {
        let config = self.config;
        let mut cx = FileCx::new(path, text, FileKind::detect(path), config);
        build(&mut cx);
        let notes = std::mem::take(&mut cx.notes);
        let findings = std::mem::take(&mut cx.findings);
        self.notes.extend(notes);
        self.add_file_findings(path, text, findings);
    }
}

/// A syntax tree kept between checks of the same document (an editor buffer), so the next
/// parse of the edited text is incremental: tree-sitter reuses every subtree the edit did not
/// touch. Opaque; hold one per document and pass it to
/// [`crate::engine::check_source_incremental`].
pub struct ParseCache {
    kind: FileKind,
    text: String,
    tree: tree_sitter::Tree,
}

/// Byte offset -> tree-sitter point (row, byte column).
fn point_at(text: &str, byte: usize) -> tree_sitter::Point {
    let before = &text.as_bytes()[..byte];
    let row = memchr::memchr_iter(b'\n', before).count();
    let col = match memchr::memrchr(b'\n', before) {
        Some(nl) => byte - nl - 1,
        None => byte,
    };
    tree_sitter::Point { row, column: col }
}

/// The cached tree, edited to describe the change from the cached text to `new` (one edit
/// spanning everything between the common prefix and the common suffix).
fn edited_tree(cache: &ParseCache, kind: FileKind, new: &str) -> Option<tree_sitter::Tree> {
    if cache.kind != kind {
        return None;
    }
    let old = cache.text.as_str();
    let (a, b) = (old.as_bytes(), new.as_bytes());
    let mut prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    while !(old.is_char_boundary(prefix) && new.is_char_boundary(prefix)) {
        prefix -= 1;
    }
    let max_suffix = a.len().min(b.len()) - prefix;
    let mut suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    while !(old.is_char_boundary(a.len() - suffix) && new.is_char_boundary(b.len() - suffix)) {
        suffix -= 1;
    }
    let edit = tree_sitter::InputEdit {
        start_byte: prefix,
        old_end_byte: a.len() - suffix,
        new_end_byte: b.len() - suffix,
        start_position: point_at(old, prefix),
        old_end_position: point_at(old, a.len() - suffix),
        new_end_position: point_at(new, b.len() - suffix),
    };
    let mut tree = cache.tree.clone();
    tree.edit(&edit);
    Some(tree)
}

/// Runs every pass that applies to the file's kind, reusing and refreshing a document's
/// [`ParseCache`] for the tree-sitter languages (pass `&mut None` for a one-off check).
pub(crate) fn run_all_incremental(cx: &mut FileCx<'_>, cache: &mut Option<ParseCache>) {
    let reg = crate::registry::registry();
    let old = cache
        .as_ref()
        .and_then(|c| edited_tree(c, cx.kind, cx.text));
    let tree = match cx.kind {
        k if k.is_js_like() => js::run_with(cx, &reg.js, old.as_ref()),
        FileKind::Python => python::run_with(cx, &reg.py, old.as_ref()),
        FileKind::Rust => {
            rust::run(cx, &reg.rust);
            None
        }
        _ => None,
    };
    *cache = tree.map(|tree| ParseCache {
        kind: cx.kind,
        text: cx.text.to_owned(),
        tree,
    });
    for check in &reg.text {
        if cx.any_enabled(check.rules) {
            (check.run)(cx);
        }
    }
}

/// Runs every enabled project check, in parallel with each other (each has its own context);
/// their results are combined in registry order.
pub(crate) fn run_project(roots: &[PathBuf], files: &[PathBuf], config: &Config) -> FileResult {
    use rayon::prelude::*;
    let reg = crate::registry::registry();
    let parts: Vec<(Vec<Finding>, Vec<Note>)> = reg
        .project
        .par_iter()
        .filter(|check| check.rules.iter().any(|r| config.is_enabled(r)))
        .map(|check| {
            let mut pcx = ProjectCx {
                roots,
                files,
                config,
                findings: Vec::new(),
                notes: Vec::new(),
            };
            let run = check.run;
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&mut pcx)));
            if r.is_err() {
                pcx.notes.push(Note::error(
                    None,
                    format!(
                        "internal error in project check for {}; please report it",
                        check
                            .rules
                            .iter()
                            .map(|r| r.id)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            (pcx.findings, pcx.notes)
        })
        .collect();
    let mut out = FileResult {
        findings: Vec::new(),
        notes: Vec::new(),
    };
    for (findings, notes) in parts {
        out.findings.extend(findings);
        out.notes.extend(notes);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every node of a few real-looking files: the fast accessors agree with tree-sitter's own,
    /// inside the parent index and outside it.
    #[test]
    fn fast_accessors_match_tree_sitter() {
        let samples: [(&str, FileKind); 3] = [
            (
                "import os\nfrom flask import Flask\napp = Flask(__name__)\n\n@app.route('/x')\ndef x(a, *, b=1):\n    if a:\n        return {'k': [i for i in range(b)]}\n    q = f\"SELECT {a}\"\n    return os.environ.get('X', q)\n",
                FileKind::Python,
            ),
            (
                "const express = require('express');\nconst app = express();\napp.get('/x', (req, res) => { const q = `SELECT ${req.query.a}`; res.send(q); });\nclass A extends B { m() { return this.x?.y ?? 1; } }\n",
                FileKind::JavaScript,
            ),
            (
                "import { Controller, Get } from '@nestjs/common';\n@Controller('x')\nexport class X { @Get(':id') get(id: string): Promise<number> { return fetch(`/a/${id}`) as any; } }\nconst el = <div onClick={() => f(1)}>{a}</div>;\n",
                FileKind::Tsx,
            ),
        ];
        for (text, kind) in samples {
            let tree = match kind {
                FileKind::Python => python::parse(text, None),
                k => js::parse(text, k, None),
            }
            .expect("parses");
            let lang = tree.language();
            let fields: Vec<&str> = (1..=lang.field_count())
                .filter_map(|id| lang.field_name_for_id(u16::try_from(id).ok()?))
                .collect();
            let check_all = |indexed: bool| {
                let mut n = 0;
                preorder(tree.root_node(), |node| {
                    n += 1;
                    assert_eq!(node.k(), node.kind());
                    assert_eq!(node.up(), node.parent(), "indexed: {indexed}");
                    for f in &fields {
                        assert_eq!(node.field(f), node.child_by_field_name(f));
                    }
                });
                assert!(n > 50, "walked {n} nodes");
            };
            check_all(false);
            with_parents(&tree, |_| check_all(true)).expect("shallow tree");
        }
    }

    #[test]
    fn too_deep_trees_are_refused_with_their_depth() {
        let text = format!("x = {}1{}\n", "(".repeat(1_200), ")".repeat(1_200));
        let tree = python::parse(&text, None).expect("parses");
        let depth = with_parents(&tree, |_| ()).expect_err("over the limit");
        assert!(depth > MAX_TREE_DEPTH, "{depth}");
    }
}
