//! Language passes. Each file is parsed once and every enabled rule for its language runs in one
//! walk; a text pass (secrets, config files) runs on every file; project checks run once per scan.

pub(crate) mod edits;
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

/// Child id -> (parent, the child's index in the walk's pre-order list of named nodes).
type ParentMap = std::collections::HashMap<
    usize,
    (tree_sitter::Node<'static>, u32),
    std::hash::BuildHasherDefault<IdHasher>,
>;

/// The named nodes of the walk in pre-order, with the end of each one's subtree in that list,
/// so a rule's walk of a subtree reads a slice instead of moving a tree-sitter cursor (each
/// move costs hundreds of instructions; rules walk function bodies and whole files often).
struct Preorder {
    nodes: Vec<tree_sitter::Node<'static>>,
    /// `ends[i]`: one past the last named descendant of `nodes[i]`.
    ends: Vec<u32>,
}

thread_local! {
    /// Child id -> parent node for the tree being walked on this thread (see [`with_parents`]).
    static PARENTS: std::cell::RefCell<Option<ParentMap>> = const { std::cell::RefCell::new(None) };
    /// The pre-order list of the tree being walked on this thread (see [`walk_named`]).
    static PREORDER: std::cell::RefCell<Option<std::rc::Rc<Preorder>>> = const { std::cell::RefCell::new(None) };
}

/// The parent of a tree-sitter node. tree-sitter's own `Node::parent` searches down from the
/// root, which costs time in proportion to depth times siblings (a module with 500 functions
/// makes every lookup walk 500 children), and rules ask for parents constantly. Inside
/// [`with_parents`] this is a hash lookup; elsewhere it falls back to `Node::parent`.
pub fn parent<'t>(n: tree_sitter::Node<'t>) -> Option<tree_sitter::Node<'t>> {
    let hit = PARENTS.with(|p| {
        p.borrow().as_ref().and_then(|map| {
            map.get(&n.id()).map(|&(par, _)| {
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
            Some(g) => field_by_id(self, *g.fields.get(name)?),
            None => self.child_by_field_name(name),
        }
    }
}

/// The segments of a dotted name, gathered from the last to the first (the way a member chain
/// is walked down), joined once at the end: no vector for the common short chains.
pub(crate) struct Parts<'s> {
    head: [&'s str; 8],
    n: usize,
    more: Vec<&'s str>,
}

impl<'s> Parts<'s> {
    pub(crate) fn new() -> Self {
        Parts {
            head: [""; 8],
            n: 0,
            more: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, s: &'s str) {
        if self.n < self.head.len() {
            self.head[self.n] = s;
        } else {
            self.more.push(s);
        }
        self.n += 1;
    }

    /// The segments in the reverse of the pushing order, joined with dots.
    pub(crate) fn join_reversed(&self) -> String {
        let all = || self.head[..self.n.min(8)].iter().chain(self.more.iter());
        let len = all().map(|s| s.len()).sum::<usize>() + self.n.saturating_sub(1);
        let mut out = String::with_capacity(len);
        for (i, s) in self
            .more
            .iter()
            .rev()
            .chain(self.head[..self.n.min(8)].iter().rev())
            .enumerate()
        {
            if i > 0 {
                out.push('.');
            }
            out.push_str(s);
        }
        out
    }
}

/// Slots of a [`CalleeMemo`] (a power of two).
const CALLEE_SLOTS: usize = 512;

/// The resolved callees of a file's calls, by node id, in slots (a newer call evicts an older one
/// in its slot). A dozen checks look at every call and each asks for its resolved callee; one
/// slot for the last call was not enough, since some checks ask about other calls in between
/// (the app object of a route, the call around a query). Only nodes of the tree the context
/// was made for are asked about (their addresses cannot be reused while it lives).
pub(crate) struct CalleeMemo(std::cell::RefCell<Vec<(usize, Option<String>)>>);

impl CalleeMemo {
    pub(crate) fn new() -> Self {
        CalleeMemo(std::cell::RefCell::new(Vec::new()))
    }

    /// `resolve()`'s answer for the node `id`, remembered.
    pub(crate) fn get_or(
        &self,
        id: usize,
        resolve: impl FnOnce() -> Option<String>,
    ) -> Option<String> {
        let slot = ((id >> 3).wrapping_mul(0x9E37_79B9) >> 9) & (CALLEE_SLOTS - 1);
        if let Some((sid, r)) = self.0.borrow().get(slot) {
            if *sid == id {
                return r.clone();
            }
        }
        let r = resolve();
        let mut slots = self.0.borrow_mut();
        if slots.is_empty() {
            slots.resize(CALLEE_SLOTS, (0, None));
        }
        slots[slot] = (id, r.clone());
        r
    }
}

/// Slots of [`FIELDS`] (a power of two).
const FIELD_SLOTS: usize = 1024;

/// A recently asked field of a node: (node id, field id, the child).
type FieldSlot = (usize, u16, Option<tree_sitter::Node<'static>>);

thread_local! {
    /// The fields asked of nodes of the tree being walked, in slots by node and field (empty
    /// outside a walk). The checks a node is dispatched to ask the same fields of it
    /// (`function`, `arguments`...), and tree-sitter finds a field by scanning the node's
    /// children each time (hundreds of instructions).
    static FIELDS: std::cell::RefCell<Vec<FieldSlot>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `Node::child_by_field_id`, remembered for nodes of the tree being walked.
fn field_by_id<'t>(n: tree_sitter::Node<'t>, field: u16) -> Option<tree_sitter::Node<'t>> {
    let id = n.id();
    let slot = ((id >> 3) ^ usize::from(field).wrapping_mul(0x9E37)).wrapping_mul(0x9E37_79B9) >> 7
        & (FIELD_SLOTS - 1);
    let hit = FIELDS.with(|f| {
        f.borrow().get(slot).and_then(|&(sid, sf, child)| {
            (sid == id && sf == field).then(|| {
                // SAFETY: slots hold nodes of the tree being walked only (see below), which
                // lives until the walk ends and the slots are dropped; `n` is that node (ids
                // are addresses, unique among live trees), so its child lives as long as it.
                child.map(|c| unsafe {
                    std::mem::transmute::<tree_sitter::Node<'static>, tree_sitter::Node<'t>>(c)
                })
            })
        })
    });
    if let Some(child) = hit {
        return child;
    }
    let child = n.child_by_field_id(field);
    // Only nodes of the walked tree are remembered: a temporary tree's node could leave an
    // address the walked tree reuses later in the walk.
    if FIELDS.with(|f| !f.borrow().is_empty()) && in_current_tree(n) {
        // SAFETY: a node of the walked tree (checked above); see the lookup.
        let c = child.map(|c| unsafe {
            std::mem::transmute::<tree_sitter::Node<'t>, tree_sitter::Node<'static>>(c)
        });
        FIELDS.with(|f| f.borrow_mut()[slot] = (id, field, c));
    }
    child
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
    Option<std::rc::Rc<Preorder>>,
    Vec<FieldSlot>,
);

impl Drop for ParentsGuard {
    fn drop(&mut self) {
        let outer = self.0.take();
        PARENTS.with(|p| *p.borrow_mut() = outer);
        CURRENT_GRAMMAR.set(self.1);
        let outer = self.2.take();
        ASSIGNS.with(|a| *a.borrow_mut() = outer);
        CURRENT_ROOT.set(self.3);
        let outer = self.4.take();
        PREORDER.with(|p| *p.borrow_mut() = outer);
        let outer = std::mem::take(&mut self.5);
        FIELDS.with(|f| *f.borrow_mut() = outer);
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
    with_parents_under(tree, None, f)
}

/// [`with_parents`] over the subtrees of `tops` only (top-level statements of `tree`, in source
/// order), the root excluded: the quick re-check of edited statements indexes and walks those
/// and nothing else. Nodes outside them still get their parents, through `Node::parent`.
pub(crate) fn with_parents_under<'t, R>(
    tree: &'t tree_sitter::Tree,
    tops: Option<&[tree_sitter::Node<'t>]>,
    f: impl FnOnce(&[tree_sitter::Node<'t>]) -> R,
) -> Result<R, usize> {
    let root = tree.root_node();
    let whole = [root];
    let starts = tops.unwrap_or(&whole);
    let mut map = ParentMap::default();
    let mut stack: Vec<tree_sitter::Node<'_>> = Vec::new();
    // Beside each `stack` entry: its index in `named`, or u32::MAX for an anonymous node.
    let mut open: Vec<u32> = Vec::new();
    // The named nodes in pre-order, for the rule walk (one cursor walk serves both), and where
    // each one's subtree ends in that order.
    let mut named: Vec<tree_sitter::Node<'static>> = Vec::new();
    let mut ends: Vec<u32> = Vec::new();
    for &start in starts {
        let mut cursor = start.walk();
        stack.clear();
        open.clear();
        if tops.is_some() {
            stack.push(root);
            open.push(u32::MAX);
        }
        loop {
            let node = cursor.node();
            let mut ix = u32::MAX;
            // Named nodes only: rules ask for the parents of names, calls and expressions, not
            // of punctuation, and indexing tokens too would double the memory of big files
            // (anonymous nodes still get `Node::parent`, just slower).
            if node.is_named() {
                ix = named.len() as u32;
                // SAFETY: see `parent`; `named` and `map` are dropped or removed from this
                // thread before `tree` can be dropped, and handed out with the lifetime 't.
                let n = unsafe {
                    std::mem::transmute::<tree_sitter::Node<'_>, tree_sitter::Node<'static>>(node)
                };
                named.push(n);
                ends.push(ix + 1);
                if let Some(&p) = stack.last() {
                    let p = unsafe {
                        std::mem::transmute::<tree_sitter::Node<'_>, tree_sitter::Node<'static>>(p)
                    };
                    map.insert(node.id(), (p, ix));
                }
            }
            if cursor.goto_first_child() {
                stack.push(node);
                open.push(ix);
                if stack.len() > MAX_TREE_DEPTH {
                    return Err(depth_of(cursor.node(), stack.len()));
                }
                continue;
            }
            let mut done = false;
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                // A cursor made from `start` cannot leave it: this ends its subtree.
                if !cursor.goto_parent() {
                    done = true;
                    break;
                }
                stack.pop();
                if let Some(i) = open.pop().filter(|&i| i != u32::MAX) {
                    ends[i as usize] = named.len() as u32;
                }
            }
            if done {
                break;
            }
        }
    }
    let pre = std::rc::Rc::new(Preorder { nodes: named, ends });
    let prev = PARENTS.with(|p| p.borrow_mut().replace(map));
    let prev_grammar = CURRENT_GRAMMAR.replace(grammar_for(&tree.language()));
    let prev_assigns = ASSIGNS.with(|a| a.borrow_mut().replace(AssignMemo::new()));
    let prev_root = CURRENT_ROOT.replace(root.id());
    let prev_pre = PREORDER.with(|p| p.borrow_mut().replace(pre.clone()));
    let prev_fields =
        FIELDS.with(|f| std::mem::replace(&mut *f.borrow_mut(), vec![(0, 0, None); FIELD_SLOTS]));
    let _guard = ParentsGuard(
        prev,
        prev_grammar,
        prev_assigns,
        prev_root,
        prev_pre,
        prev_fields,
    );
    // SAFETY: the nodes are of `tree`, which outlives this call.
    let nodes = unsafe {
        std::mem::transmute::<&[tree_sitter::Node<'static>], &[tree_sitter::Node<'t>]>(
            pre.nodes.as_slice(),
        )
    };
    Ok(f(nodes))
}

/// The pre-order list of the walk on this thread and `n`'s index in it, when `n` is in it.
fn in_preorder(n: tree_sitter::Node<'_>) -> Option<(std::rc::Rc<Preorder>, usize)> {
    let pre = PREORDER.with(|p| p.borrow().clone())?;
    if pre.nodes.first().is_some_and(|r| r.id() == n.id()) {
        return Some((pre, 0));
    }
    let at = PARENTS.with(|p| {
        p.borrow()
            .as_ref()
            .and_then(|m| m.get(&n.id()).map(|&(_, i)| i as usize))
    })?;
    Some((pre, at))
}

/// `Node::named_children`, read from the walk's pre-order list inside [`with_parents`] (a
/// cursor's move to a sibling costs hundreds of instructions, and rules list the arguments of
/// every call), from a cursor elsewhere.
pub(crate) fn named_kids<'t>(n: tree_sitter::Node<'t>) -> NamedKids<'t> {
    match in_preorder(n) {
        Some((pre, at)) => {
            let end = pre.ends[at] as usize;
            NamedKids(Kids::List {
                pre,
                next: at + 1,
                end,
                tree: std::marker::PhantomData,
            })
        }
        None => {
            let mut c = n.walk();
            let v: Vec<tree_sitter::Node<'t>> = n.named_children(&mut c).collect();
            NamedKids(Kids::Cursor(v.into_iter()))
        }
    }
}

/// The iterator of [`named_kids`].
pub(crate) struct NamedKids<'t>(Kids<'t>);

enum Kids<'t> {
    List {
        pre: std::rc::Rc<Preorder>,
        next: usize,
        end: usize,
        tree: std::marker::PhantomData<tree_sitter::Node<'t>>,
    },
    Cursor(std::vec::IntoIter<tree_sitter::Node<'t>>),
}

impl<'t> Iterator for NamedKids<'t> {
    type Item = tree_sitter::Node<'t>;
    fn next(&mut self) -> Option<tree_sitter::Node<'t>> {
        match &mut self.0 {
            Kids::List { pre, next, end, .. } => {
                if *next >= *end {
                    return None;
                }
                let n = pre.nodes[*next];
                *next = pre.ends[*next] as usize;
                // SAFETY: a child of the node `named_kids` was given, which is of the tree the
                // list was built from and lives for 't.
                Some(unsafe {
                    std::mem::transmute::<tree_sitter::Node<'static>, tree_sitter::Node<'t>>(n)
                })
            }
            Kids::Cursor(it) => it.next(),
        }
    }
}

/// The order [`walk_named`] visits a subtree in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Order {
    /// Source order (pre-order).
    Source,
    /// What a stack that pushes each node's named children in order and pops the last one
    /// gives: a node, then its children's subtrees from the last child to the first.
    LastChildFirst,
}

/// What [`walk_named`]'s visitor wants next.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Visit {
    /// Go on into this node's children.
    Descend,
    /// Skip this node's subtree.
    Skip,
    /// End the walk.
    Stop,
}

/// Visits `n` and its named descendants (through named children, as `Node::named_children`
/// gives them) in `order`, at most `budget - 1` of them. Returns false when the budget ran out
/// or the visitor stopped. Inside [`with_parents`] a subtree of the walked tree is read from
/// the pre-order list; elsewhere (or for a node outside it) with a tree-sitter cursor, in the
/// same order.
pub(crate) fn walk_named<'t>(
    n: tree_sitter::Node<'t>,
    order: Order,
    mut budget: usize,
    mut f: impl FnMut(tree_sitter::Node<'t>) -> Visit,
) -> bool {
    if let Some((pre, at)) = in_preorder(n) {
        // SAFETY: `n` is a node of the tree the list was built from (its id is in the index),
        // which lives at least as long as `n`.
        let nodes = unsafe {
            std::mem::transmute::<&[tree_sitter::Node<'static>], &[tree_sitter::Node<'t>]>(
                pre.nodes.as_slice(),
            )
        };
        let ends = &pre.ends;
        let mut stack = vec![at];
        while let Some(x) = stack.pop() {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                return false;
            }
            match f(nodes[x]) {
                Visit::Stop => return false,
                Visit::Skip => continue,
                Visit::Descend => {}
            }
            let from = stack.len();
            let mut c = x + 1;
            while c < ends[x] as usize {
                stack.push(c);
                c = ends[c] as usize;
            }
            if order == Order::Source {
                stack[from..].reverse();
            }
        }
        return true;
    }
    let mut stack = vec![n];
    let mut c = n.walk();
    while let Some(x) = stack.pop() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            return false;
        }
        match f(x) {
            Visit::Stop => return false,
            Visit::Skip => continue,
            Visit::Descend => {}
        }
        let from = stack.len();
        stack.extend(x.named_children(&mut c));
        if order == Order::Source {
            stack[from..].reverse();
        }
    }
    true
}

/// The tag of findings a check reported from the root node (a whole-file analysis).
pub(crate) const WHOLE_FILE: u32 = u32::MAX;

/// Rules whose finding at one statement depends on other statements of the file (a Jinja2
/// environment is reported where it is created, when some function renders with it): their
/// findings are tagged like whole-file analyses', so a quick re-check keeps them until the full
/// check. `quick_rechecks_agree_with_full_checks` finds the rules that belong here.
const CROSS_STATEMENT_RULES: &[&str] = &["template-autoescape-disabled"];

/// Tags the findings reported since `tags` was last extended, all from a node of statement
/// `tag`.
pub(crate) fn tag_new(findings: &[Finding], base: usize, tags: &mut Vec<u32>, tag: u32) {
    let from = base + tags.len();
    if findings.len() < from {
        tags.truncate(findings.len().saturating_sub(base));
        return;
    }
    tags.extend(findings[from..].iter().map(|f| {
        if tag == WHOLE_FILE || CROSS_STATEMENT_RULES.contains(&f.rule.id) {
            WHOLE_FILE
        } else {
            tag
        }
    }));
}

/// Tells which top-level statement (named child of the root) each node of a pre-order rule walk
/// belongs to, by its index among the root's named children.
pub(crate) struct TopTagger {
    root: usize,
    /// Top-level statements still to come, as (node id, index), in order.
    tops: std::vec::IntoIter<(usize, u32)>,
    next: Option<(usize, u32)>,
    current: u32,
}

impl TopTagger {
    /// For a walk of the whole tree (`part` None) or of the given statements and indices.
    pub(crate) fn new(
        root: tree_sitter::Node<'_>,
        part: Option<(&[tree_sitter::Node<'_>], &[u32])>,
    ) -> TopTagger {
        let tops: Vec<(usize, u32)> = match part {
            Some((nodes, ix)) => nodes
                .iter()
                .map(|n| n.id())
                .zip(ix.iter().copied())
                .collect(),
            None => {
                let mut c = root.walk();
                let ids: Vec<usize> = root.named_children(&mut c).map(|n| n.id()).collect();
                ids.into_iter().zip(0u32..).collect()
            }
        };
        let mut tops = tops.into_iter();
        TopTagger {
            root: root.id(),
            next: tops.next(),
            tops,
            current: WHOLE_FILE,
        }
    }

    pub(crate) fn tag(&mut self, n: tree_sitter::Node<'_>) -> u32 {
        let id = n.id();
        if id == self.root {
            return WHOLE_FILE;
        }
        if let Some((next, ix)) = self.next {
            if next == id {
                self.current = ix;
                self.next = self.tops.next();
            }
        }
        self.current
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

/// The named nodes a tree-sitter check is called on. The walk dispatches each node only to the
/// checks that declared its kind, so a check never pays for the kinds it ignores; a check must
/// still return on kinds it does not handle (tests call every check on every node and compare).
#[derive(Clone, Copy, Debug)]
pub enum On {
    /// Every named node (checks that keep state across nodes or look at most kinds).
    Every,
    /// Nodes of these kinds only (grammar names, as [`NodeExt::k`] returns them; the root
    /// `module`/`program` node for whole-file analyses).
    Kinds(&'static [&'static str]),
}

impl On {
    fn takes(self, kind: &str) -> bool {
        match self {
            On::Every => true,
            On::Kinds(ks) => ks.contains(&kind),
        }
    }
}

/// A check over JS/TS syntax nodes, called for the nodes of every JS/TS/TSX/JSX file that `on`
/// names (the root `program` node included, for whole-file analyses).
pub struct JsCheck {
    pub rules: &'static [&'static RuleMeta],
    pub on: On,
    pub run: fn(&mut js::JsCx<'_, '_>, tree_sitter::Node<'_>),
}

/// A check over Python syntax nodes (root `module` node included), called for the kinds `on`
/// names.
pub struct PyCheck {
    pub rules: &'static [&'static RuleMeta],
    pub on: On,
    pub run: fn(&mut python::PyCx<'_, '_>, tree_sitter::Node<'_>),
}

/// Which of a file's active checks take a node, by the node's kind id: filled on the first node
/// of each kind (a file has a few dozen kinds), so each node costs one table lookup instead of
/// one call per check.
pub(crate) struct Dispatch {
    ons: Vec<On>,
    by_kind: Vec<Option<Box<[u16]>>>,
}

#[cfg(test)]
thread_local! {
    /// Tests: dispatch every node to every active check, as before kinds were declared.
    pub(crate) static CALL_EVERY_CHECK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Dispatch {
    pub(crate) fn new(ons: impl Iterator<Item = On>) -> Self {
        Dispatch {
            ons: ons.collect(),
            by_kind: Vec::new(),
        }
    }

    /// The indices (into the checks `new` was given) of the checks that take `node`.
    pub(crate) fn checks_for(&mut self, node: tree_sitter::Node<'_>) -> &[u16] {
        let id = usize::from(node.kind_id());
        if id >= self.by_kind.len() {
            self.by_kind.resize(id + 1, None);
        }
        let ons = &self.ons;
        self.by_kind[id].get_or_insert_with(|| {
            #[cfg(test)]
            if CALL_EVERY_CHECK.get() {
                return (0..ons.len() as u16).collect();
            }
            let kind = node.k();
            (0..ons.len())
                .filter(|&i| ons[i].takes(kind))
                .map(|i| i as u16)
                .collect()
        })
    }
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
    /// Runs after a scan's file pass, taking the facts it gathered
    /// ([`ProjectCx::file_facts`]); the other project checks run beside the file pass.
    pub after_file_pass: bool,
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
    /// Facts the scan's file pass gathered for the project checks that run after it, by file
    /// (the files they need not parse again).
    pub(crate) file_facts: &'a std::sync::Mutex<FileFactsMap>,
}

/// Facts gathered by a scan's file pass for the project checks that run after it, by file.
#[derive(Default)]
pub(crate) struct FileFactsMap {
    /// For the route-protection pass.
    pub(crate) access: std::collections::HashMap<PathBuf, crate::rules::access::FileFacts>,
    /// For the logging and error-tracking checks.
    pub(crate) monitoring:
        std::collections::HashMap<PathBuf, crate::rules::infra::monitoring::FileMon>,
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
/// touch. It also keeps what the language pass found, so a quick check of an edit confined to
/// some functions re-runs the rules on those only (see [`crate::engine::check_source_quick`]).
/// Opaque; hold one per document and pass it to [`crate::engine::check_source_incremental`].
#[derive(Clone)]
pub struct ParseCache {
    kind: FileKind,
    text: String,
    tree: tree_sitter::Tree,
    pass: Option<PassMemo>,
}

/// The language pass's findings on a cached text, each tagged with the top-level statement
/// whose walk reported it ([`WHOLE_FILE`] for whole-file analyses).
#[derive(Clone)]
struct PassMemo {
    /// The configuration, path and test-code judgement the findings were made under.
    key: u64,
    findings: Vec<Finding>,
    tags: Vec<u32>,
    /// Top-level statements of the cached text: byte range, and whether it is a
    /// [`local_statement`].
    tops: Vec<(std::ops::Range<usize>, bool)>,
}

/// How [`run_all_incremental`] treats the document's cache.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pass {
    /// A one-off check: nothing is kept.
    Once,
    /// Every rule on the whole text; the tree and findings are kept for the next check.
    Full,
    /// Re-run the rules on the edited top-level statements only when the edit allows it.
    Quick,
}

/// The cached tree, edited to describe the change from the cached text to `new`.
fn edited_tree(cache: &ParseCache, kind: FileKind, new: &str) -> Option<tree_sitter::Tree> {
    if cache.kind != kind {
        return None;
    }
    let mut tree = cache.tree.clone();
    edits::Edits::between(&cache.text, new).apply_to(&mut tree, &cache.text, new);
    Some(tree)
}

/// What the findings of a file's language pass depend on besides its text.
fn memo_key(cx: &FileCx<'_>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{:?}", cx.config).hash(&mut h);
    cx.path.hash(&mut h);
    cx.is_test.hash(&mut h);
    h.finish()
}

fn tops_of(kind: FileKind, tops: &[tree_sitter::Node<'_>]) -> Vec<(std::ops::Range<usize>, bool)> {
    tops.iter()
        .map(|n| (n.byte_range(), local_statement(kind, *n)))
        .collect()
}

fn top_nodes(tree: &tree_sitter::Tree) -> Vec<tree_sitter::Node<'_>> {
    let root = tree.root_node();
    let mut c = root.walk();
    let tops = root.named_children(&mut c).collect();
    tops
}

/// Top-level statements whose rule findings depend on nothing outside them but the rest of the
/// module's top level: definitions, route registrations, comments. An edit that touches anything
/// else (imports, module constants, assignments) changes what other statements resolve, so it
/// gets a full check.
fn local_statement(kind: FileKind, top: tree_sitter::Node<'_>) -> bool {
    if kind == FileKind::Python {
        return matches!(
            top.k(),
            "function_definition" | "decorated_definition" | "class_definition" | "comment"
        );
    }
    match top.k() {
        "function_declaration"
        | "generator_function_declaration"
        | "class_declaration"
        | "abstract_class_declaration"
        | "interface_declaration"
        | "type_alias_declaration"
        | "comment" => true,
        // `app.get('/x', (req, res) => ..)`; not `module.exports = ..` or `x = require(..)`.
        "expression_statement" => top.named_child(0).is_some_and(|e| {
            !matches!(
                e.k(),
                "assignment_expression" | "augmented_assignment_expression"
            )
        }),
        // `const handler = async (req, res) => {..}`: every name bound to a function.
        "lexical_declaration" | "variable_declaration" => {
            let mut c = top.walk();
            let decls: Vec<tree_sitter::Node<'_>> = top.named_children(&mut c).collect();
            !decls.is_empty()
                && decls.iter().all(|d| {
                    d.k() == "variable_declarator"
                        && d.field("name").is_some_and(|n| n.k() == "identifier")
                        && d.field("value").is_some_and(|v| {
                            matches!(v.k(), "arrow_function" | "function_expression" | "function")
                        })
                })
        }
        // `export function f() {..}`, `export class C {..}`, `export default function () {..}`.
        "export_statement" => top.field("declaration").map_or_else(
            || {
                top.field("value").is_some_and(|v| {
                    matches!(v.k(), "function_expression" | "arrow_function" | "class")
                })
            },
            |d| local_statement(kind, d),
        ),
        _ => false,
    }
}

/// A finding of the old text moved to the new one: None when any of its ranges overlaps an edit.
fn shift_finding(f: &Finding, e: &edits::Edits) -> Option<Finding> {
    let mut f = f.clone();
    f.range = e.shift(&f.range)?;
    for r in &mut f.related {
        if r.path == f.path {
            r.range = e.shift(&r.range)?;
        }
    }
    for r in &mut f.redact {
        *r = e.shift(r)?;
    }
    if let Some(fix) = &mut f.fix {
        for ed in &mut fix.edits {
            ed.range = e.shift(&ed.range)?;
        }
    }
    Some(f)
}

/// The quick check of a change: when every top-level statement its edits touch, before and
/// after them, is a [`local_statement`], re-runs the rules on those statements only and keeps
/// the other statements' findings (moved by the edits). Findings of whole-file analyses are kept too,
/// except where the edit touched them: they are brought up to date by the next full check.
/// None when the edit does not allow it (nothing is reported then).
fn quick_pass(
    cx: &mut FileCx<'_>,
    cache: &ParseCache,
    key: u64,
) -> Option<(tree_sitter::Tree, PassMemo)> {
    let memo = cache.pass.as_ref()?;
    if memo.key != key || cache.kind != cx.kind || !cx.findings.is_empty() {
        return None;
    }
    let edits = edits::Edits::between(&cache.text, cx.text);
    let mut old = cache.tree.clone();
    edits.apply_to(&mut old, &cache.text, cx.text);
    let tree = match cx.kind {
        FileKind::Python => python::parse(cx.text, Some(&old))?,
        k => js::parse(cx.text, k, Some(&old))?,
    };
    let tops = top_nodes(&tree);
    // The statements the edits touch (or border), before and after them.
    let old_hit: Vec<bool> = memo
        .tops
        .iter()
        .map(|(r, _)| edits.touches_old(r))
        .collect();
    let new_hit: Vec<bool> = tops
        .iter()
        .map(|n| edits.touches_new(&n.byte_range()))
        .collect();
    let old_ok = memo
        .tops
        .iter()
        .zip(&old_hit)
        .all(|((_, local), hit)| !hit || *local);
    let new_ok = tops
        .iter()
        .zip(&new_hit)
        .all(|(n, hit)| !hit || local_statement(cx.kind, *n));
    let kept_old = old_hit.iter().filter(|h| !**h).count();
    let kept_new = new_hit.iter().filter(|h| !**h).count();
    if !old_ok || !new_ok || kept_old != kept_new {
        return None;
    }
    // Old statement index -> new index, for the statements the edit left alone (same order).
    let mut renumber = vec![None; memo.tops.len()];
    let new_kept = (0u32..).zip(&new_hit).filter(|(_, h)| !**h).map(|(i, _)| i);
    let old_kept = (0..memo.tops.len()).filter(|&i| !old_hit[i]);
    for (o, n) in old_kept.zip(new_kept) {
        // The same statement, moved: an edit elsewhere that changed how this text parses (an
        // unclosed string swallowing it) gets a full check.
        if edits.shift(&memo.tops[o].0) != Some(tops[n as usize].byte_range()) {
            return None;
        }
        renumber[o] = Some(n);
    }
    let mut carried = Vec::new();
    let mut carried_tags = Vec::new();
    for (f, &tag) in memo.findings.iter().zip(&memo.tags) {
        let tag = if tag == WHOLE_FILE {
            WHOLE_FILE
        } else {
            match renumber.get(tag as usize).copied().flatten() {
                Some(t) => t,
                // Found again (or not) by the re-check of its statement.
                None => continue,
            }
        };
        match shift_finding(f, &edits) {
            Some(f) => {
                carried.push(f);
                carried_tags.push(tag);
            }
            // A whole-file finding on edited text waits for the full check.
            None if tag == WHOLE_FILE => {}
            // A statement's finding pointing into another, edited one: check everything.
            None => return None,
        }
    }
    let part: Vec<tree_sitter::Node<'_>> = tops
        .iter()
        .zip(&new_hit)
        .filter(|(_, h)| **h)
        .map(|(n, _)| *n)
        .collect();
    let part_ix: Vec<u32> = (0u32..)
        .zip(&new_hit)
        .filter(|(_, h)| **h)
        .map(|(i, _)| i)
        .collect();
    let mut tags = Vec::new();
    let notes = cx.notes.len();
    if !part.is_empty() {
        let reg = crate::registry::registry();
        match cx.kind {
            FileKind::Python => {
                let active: Vec<&PyCheck> =
                    reg.py.iter().filter(|c| cx.any_enabled(c.rules)).collect();
                python::walk_part(cx, &tree, &active, Some((&part, &part_ix)), &mut tags);
            }
            _ => {
                let active: Vec<&JsCheck> =
                    reg.js.iter().filter(|c| cx.any_enabled(c.rules)).collect();
                js::walk_part(cx, &tree, &active, Some((&part, &part_ix)), &mut tags);
            }
        }
    }
    if cx.notes.len() != notes {
        // Too deep to walk: the full check says so.
        cx.findings.clear();
        cx.notes.truncate(notes);
        return None;
    }
    // A cross-statement finding found again by the re-check is kept once.
    let fresh: std::collections::HashSet<(&str, usize, usize)> = cx
        .findings
        .iter()
        .map(|f| (f.rule.id, f.range.start, f.range.end))
        .collect();
    let (carried, carried_tags): (Vec<Finding>, Vec<u32>) = carried
        .into_iter()
        .zip(carried_tags)
        .filter(|(f, _)| !fresh.contains(&(f.rule.id, f.range.start, f.range.end)))
        .unzip();
    cx.findings.extend(carried);
    tags.extend(carried_tags);
    crate::engine::fill_fingerprints(&mut cx.findings, cx.text);
    let memo = PassMemo {
        key,
        findings: cx.findings.clone(),
        tags,
        tops: tops_of(cx.kind, &tops),
    };
    drop(tops);
    Some((tree, memo))
}

/// Runs every pass that applies to the file's kind, reusing and refreshing a document's
/// [`ParseCache`] for the tree-sitter languages (`Pass::Once` with `&mut None` for a one-off
/// check). Returns false when a quick pass kept whole-file findings from before the edit (a
/// full check brings them up to date).
pub(crate) fn run_all_incremental(
    cx: &mut FileCx<'_>,
    cache: &mut Option<ParseCache>,
    pass: Pass,
) -> bool {
    let reg = crate::registry::registry();
    let tree_sitter = cx.kind.is_js_like() || cx.kind == FileKind::Python;
    let key = if pass == Pass::Once || !tree_sitter {
        0
    } else {
        memo_key(cx)
    };
    let quick = match (pass, cache.as_ref()) {
        (Pass::Quick, Some(c)) if tree_sitter => quick_pass(cx, c, key),
        _ => None,
    };
    let complete = quick.is_none();
    let kept = match quick {
        Some((tree, memo)) => Some((tree, Some(memo))),
        None => {
            let old = cache
                .as_ref()
                .and_then(|c| edited_tree(c, cx.kind, cx.text));
            let mut tags = Vec::new();
            let tree = match cx.kind {
                k if k.is_js_like() => js::run_tagged(cx, &reg.js, old.as_ref(), &mut tags),
                FileKind::Python => python::run_tagged(cx, &reg.py, old.as_ref(), &mut tags),
                FileKind::Rust => {
                    rust::run(cx, &reg.rust);
                    None
                }
                _ => None,
            };
            // A pass that noted something (too deep to walk) is not worth a quick re-check.
            tree.map(|t| {
                let memo = (pass != Pass::Once && cx.notes.is_empty()).then(|| {
                    crate::engine::fill_fingerprints(&mut cx.findings, cx.text);
                    PassMemo {
                        key,
                        findings: cx.findings.clone(),
                        tags,
                        tops: tops_of(cx.kind, &top_nodes(&t)),
                    }
                });
                (t, memo)
            })
        }
    };
    *cache = match kept {
        Some((tree, memo)) if pass != Pass::Once => Some(ParseCache {
            kind: cx.kind,
            text: cx.text.to_owned(),
            tree,
            pass: memo,
        }),
        _ => None,
    };
    for check in &reg.text {
        if cx.any_enabled(check.rules) {
            (check.run)(cx);
        }
    }
    complete
}

/// Runs every enabled project check, in parallel with each other (each has its own context);
/// their results are combined in registry order.
pub(crate) fn run_project(roots: &[PathBuf], files: &[PathBuf], config: &Config) -> FileResult {
    run_project_where(roots, files, config, FileFactsMap::default(), |_| true)
}

/// [`run_project`] for the checks `which` selects, with the facts a file pass gathered.
pub(crate) fn run_project_where(
    roots: &[PathBuf],
    files: &[PathBuf],
    config: &Config,
    file_facts: FileFactsMap,
    which: impl Fn(&ProjectCheck) -> bool + Sync,
) -> FileResult {
    use rayon::prelude::*;
    let reg = crate::registry::registry();
    let file_facts = std::sync::Mutex::new(file_facts);
    let parts: Vec<(Vec<Finding>, Vec<Note>)> = reg
        .project
        .par_iter()
        .filter(|check| which(check) && check.rules.iter().any(|r| config.is_enabled(r)))
        .map(|check| {
            let mut pcx = ProjectCx {
                roots,
                files,
                config,
                findings: Vec::new(),
                notes: Vec::new(),
                file_facts: &file_facts,
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

    #[test]
    fn dotted_parts_join_in_reverse() {
        for n in [0usize, 1, 2, 8, 9, 20] {
            let segs: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
            let mut p = Parts::new();
            for s in segs.iter().rev() {
                p.push(s);
            }
            assert_eq!(p.join_reversed(), segs.join("."), "{n} segments");
        }
        // Through the Python and JS helpers, on chains longer than the inline part.
        let chain = "a.b.c.d.e.f.g.h.i.j(x)";
        // The callee of the file's one call (module > statement > call).
        fn callee(tree: &tree_sitter::Tree) -> tree_sitter::Node<'_> {
            let stmt = tree.root_node().named_child(0).unwrap();
            let call = stmt.named_child(0).unwrap();
            call.child_by_field_name("function").unwrap()
        }
        let tree = python::parse(chain, None).unwrap();
        let got = python::dotted(chain, callee(&tree));
        assert_eq!(got.as_deref(), Some("a.b.c.d.e.f.g.h.i.j"));
        let tree = js::parse(chain, FileKind::JavaScript, None).unwrap();
        let got = js::member_path(chain, callee(&tree));
        assert_eq!(got.as_deref(), Some("a.b.c.d.e.f.g.h.i.j"));
    }

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

    /// The JS/TS/Python files under `fixtures/`, sorted, and that directory.
    fn fixture_code_files() -> (PathBuf, Vec<PathBuf>) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut files = Vec::new();
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("fixtures readable").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if matches!(
                    FileKind::detect(&p),
                    FileKind::Python | FileKind::JavaScript | FileKind::TypeScript | FileKind::Tsx
                ) {
                    files.push(p);
                }
            }
        }
        files.sort();
        (dir, files)
    }

    /// A fixture's text, kind and path as the fixture tests check it: within its rule's
    /// directory (`fixtures/` itself would make everything test code).
    fn read_fixture(dir: &Path, path: &Path) -> (String, FileKind, PathBuf) {
        let text = std::fs::read_to_string(path).expect("fixture is UTF-8");
        let rel = path
            .strip_prefix(dir)
            .expect("under fixtures")
            .components()
            .skip(1)
            .collect();
        (text, FileKind::detect(path), rel)
    }

    /// The findings of a pass that statements reported (not whole-file analyses), sorted, with
    /// their fingerprints (a finding kept across an edit keeps the one it had).
    fn local_findings(m: &PassMemo) -> Vec<(&'static str, usize, usize, String, String)> {
        let mut v: Vec<_> = m
            .findings
            .iter()
            .zip(&m.tags)
            .filter(|(_, t)| **t != WHOLE_FILE)
            .map(|(f, _)| {
                let id = f.rule.id;
                (
                    id,
                    f.range.start,
                    f.range.end,
                    f.message.clone(),
                    f.fingerprint.clone(),
                )
            })
            .collect();
        v.sort();
        v
    }

    /// The quick re-check of an edit finds what a full check finds, statement by statement:
    /// every definition of every JS/TS/Python fixture is deleted (the strongest edit for a
    /// finding that depends on another statement: a sanitizer, a wrapper, a constant defined
    /// elsewhere) and, separately, gets a blank line inside (every later finding moves). The
    /// findings of whole-file analyses are compared by the full check that follows in the
    /// editor, not here.
    #[test]
    fn quick_rechecks_agree_with_full_checks() {
        let (dir, files) = fixture_code_files();
        assert!(files.len() > 100, "{} fixture files", files.len());
        let config = Config::default();
        let (mut quick, mut full, mut with_findings) = (0, 0, 0);
        let mut failures = Vec::new();
        for path in &files {
            let (text, kind, rel) = read_fixture(&dir, path);
            let check = |t: &str, cache: &mut Option<ParseCache>, pass: Pass| {
                crate::engine::check_impl(&rel, &rel, t, kind, &config, cache, pass).1
            };
            let mut base = None;
            check(&text, &mut base, Pass::Full);
            let Some(base) = base.filter(|c| c.pass.is_some()) else {
                continue;
            };
            let tops: Vec<std::ops::Range<usize>> = base
                .pass
                .as_ref()
                .map(|m| m.tops.iter().filter(|t| t.1).map(|t| t.0.clone()).collect())
                .unwrap_or_default();
            for r in tops {
                let line_end = text[r.clone()].find('\n').map(|i| r.start + i);
                let mut edits = vec![format!("{}{}", &text[..r.start], &text[r.end..])];
                if let Some(at) = line_end {
                    edits.push(format!("{}\n{}", &text[..at], &text[at..]));
                }
                for new in edits {
                    let mut c = Some(base.clone());
                    if check(&new, &mut c, Pass::Quick) {
                        full += 1;
                        continue;
                    }
                    quick += 1;
                    let mut f = None;
                    check(&new, &mut f, Pass::Full);
                    let (Some(q), Some(f)) = (c.and_then(|c| c.pass), f.and_then(|c| c.pass))
                    else {
                        failures.push(format!("{}: no memo", path.display()));
                        continue;
                    };
                    let (lq, lf) = (local_findings(&q), local_findings(&f));
                    with_findings += usize::from(!lf.is_empty());
                    if lq != lf {
                        failures.push(format!(
                            "{} (statement at {:?}):\n  quick: {lq:?}\n  full:  {lf:?}",
                            path.display(),
                            r
                        ));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // Not vacuous: most edits of definitions take the quick path, on files with findings.
        assert!(
            quick > 300 && with_findings > 100,
            "quick {quick}, full {full}, with findings {with_findings}"
        );
    }

    /// Chains of random changes, each `1 + rnd(sites)` small edits (characters typed or deleted
    /// anywhere, syntax errors included) at once, each change checked quickly from the previous
    /// quick check's cache as the editor does. Returns the failures (a quick result that differs
    /// from a full check, statement by statement) and how many changes took the quick path.
    fn chained_changes(seed: u64, sites: usize) -> (Vec<String>, usize) {
        let (dir, files) = fixture_code_files();
        let config = Config::default();
        // A fixed-seed generator: the same edits on every run.
        let mut seed = seed;
        let mut rnd = move |n: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((seed >> 33) as usize) % n.max(1)
        };
        let pieces = [
            "x",
            "(",
            ")",
            "\n",
            "'",
            "\"",
            " + y",
            "{",
            "}",
            ":",
            "\n    ",
            "request.args['a']",
            "f\"{q}\"",
            "#",
        ];
        let (mut quick, mut failures) = (0, Vec::new());
        for path in &files {
            let (text, kind, rel) = read_fixture(&dir, path);
            let check = |t: &str, cache: &mut Option<ParseCache>, pass: Pass| {
                crate::engine::check_impl(&rel, &rel, t, kind, &config, cache, pass).1
            };
            let mut cur = text;
            let mut cache = None;
            check(&cur, &mut cache, Pass::Full);
            for _ in 0..12 {
                let mut new = cur.clone();
                let mut places = Vec::new();
                for _ in 0..1 + rnd(sites) {
                    let mut at = rnd(new.len() + 1);
                    while !new.is_char_boundary(at) {
                        at -= 1;
                    }
                    places.push(at);
                    if rnd(2) == 0 {
                        new.insert_str(at, pieces[rnd(pieces.len())]);
                    } else {
                        let mut end = (at + rnd(8)).min(new.len());
                        while !new.is_char_boundary(end) {
                            end -= 1;
                        }
                        new.replace_range(at..end, "");
                    }
                }
                if !check(&new, &mut cache, Pass::Quick) {
                    quick += 1;
                    let mut full = None;
                    check(&new, &mut full, Pass::Full);
                    let memo = |c: &Option<ParseCache>| c.as_ref().and_then(|c| c.pass.clone());
                    match (memo(&cache), memo(&full)) {
                        (Some(q), Some(f)) if local_findings(&q) == local_findings(&f) => {}
                        (q, f) => failures.push(format!(
                            "{} after edits at bytes {places:?}:\n  quick: {:?}\n  full:  {:?}",
                            path.display(),
                            q.map(|q| local_findings(&q)),
                            f.map(|f| local_findings(&f)),
                        )),
                    }
                }
                cur = new;
            }
        }
        (failures, quick)
    }

    /// A change in three functions far apart (a search-and-replace) takes the quick path: three
    /// edits, each function re-checked, the rest kept, and the result equals a full check.
    #[test]
    fn a_change_in_three_places_is_rechecked_quickly() {
        let text: String = std::iter::once("import sqlite3\n\n")
            .chain((0..40).map(|_| {
                "def f(cur, name):\n    cur.execute(\"SELECT * FROM t WHERE a = ?\", (name,))\n\n"
            }))
            .collect();
        let safe = "cur.execute(\"SELECT * FROM t WHERE a = ?\", (name,))";
        let unsafe_ = "cur.execute(\"SELECT * FROM t WHERE a = '\" + name + \"'\")";
        let at: Vec<usize> = text.match_indices(safe).map(|(i, _)| i).collect();
        let mut new = text.clone();
        for i in [35, 20, 3] {
            new.replace_range(at[i]..at[i] + safe.len(), unsafe_);
        }
        let edits = edits::Edits::between(&text, &new);
        assert_eq!(edits.len(), 3, "{edits:?}");
        let (path, config) = (Path::new("app/db.py"), Config::default());
        let check = |t: &str, cache: &mut Option<ParseCache>, pass: Pass| {
            crate::engine::check_impl(path, path, t, FileKind::Python, &config, cache, pass)
        };
        let mut cache = None;
        check(&text, &mut cache, Pass::Full);
        let (quick, complete) = check(&new, &mut cache, Pass::Quick);
        assert!(!complete, "the change took the full path");
        let (full, _) = check(&new, &mut None, Pass::Full);
        let lines = |r: &crate::engine::FileResult| {
            let mut v: Vec<_> = r
                .findings
                .iter()
                .map(|f| (f.rule.id, f.start.line))
                .collect();
            v.sort();
            v
        };
        assert_eq!(lines(&quick), lines(&full));
        let sql: Vec<u32> = lines(&quick)
            .into_iter()
            .filter(|(id, _)| *id == "sql-string-concat")
            .map(|(_, l)| l)
            .collect();
        assert_eq!(sql, [3 + 3 * 3 + 1, 3 + 20 * 3 + 1, 3 + 35 * 3 + 1]);
    }

    /// Typing: one small edit per change.
    #[test]
    fn chained_random_edits_agree_with_full_checks() {
        let (failures, quick) = chained_changes(0x1234_5678, 1);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(quick > 500, "only {quick} edits took the quick path");
    }

    /// What a formatter, a search-and-replace or a full-sync client sends: several edits far
    /// apart in one change, each its own region of the quick check.
    #[test]
    fn chained_changes_in_several_places_agree_with_full_checks() {
        let (failures, quick) = chained_changes(0x9e37_79b9, 6);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(quick > 200, "only {quick} changes took the quick path");
    }

    #[test]
    fn too_deep_trees_are_refused_with_their_depth() {
        let text = format!("x = {}1{}\n", "(".repeat(1_200), ")".repeat(1_200));
        let tree = python::parse(&text, None).expect("parses");
        let depth = with_parents(&tree, |_| ()).expect_err("over the limit");
        assert!(depth > MAX_TREE_DEPTH, "{depth}");
    }

    /// Dispatching each node only to the checks that declared its kind (`On`) finds exactly what
    /// calling every check on every node finds, on every JS/TS/Python fixture: a kind left out
    /// of a declaration loses findings here, and one a check needs for its state (a scope, a
    /// memo) changes them.
    #[test]
    fn kind_dispatch_finds_what_calling_every_check_finds() {
        let (dir, files) = fixture_code_files();
        assert!(files.len() > 100, "{} fixture files", files.len());
        let config = Config {
            include_tests: true,
            ..Config::default()
        };
        let (mut compared, mut with_findings, mut with_facts) = (0, 0, 0);
        let mut failures = Vec::new();
        for path in &files {
            let (text, kind, rel) = read_fixture(&dir, path);
            let run = |every: bool| {
                CALL_EVERY_CHECK.set(every);
                let r = crate::engine::check_impl(
                    &rel,
                    &rel,
                    &text,
                    kind,
                    &config,
                    &mut None,
                    Pass::Once,
                )
                .0;
                CALL_EVERY_CHECK.set(false);
                let mut v: Vec<_> = r
                    .findings
                    .iter()
                    .map(|f| (f.rule.id, f.range.start, f.range.end, f.message.clone()))
                    .collect();
                v.sort();
                v
            };
            let (every, by_kind) = (run(true), run(false));
            compared += 1;
            with_findings += usize::from(!every.is_empty());
            if every != by_kind {
                failures.push(format!(
                    "{}:\n  every check: {every:?}\n  by kind:     {by_kind:?}",
                    path.display()
                ));
            }
            // The monitoring project check's own walk (entry points, logging, trackers).
            let facts = |every: bool| {
                CALL_EVERY_CHECK.set(every);
                let f = crate::rules::infra::monitoring::file_facts(&rel, &text, kind, &config);
                CALL_EVERY_CHECK.set(false);
                f
            };
            let (every, by_kind) = (facts(true), facts(false));
            with_facts += usize::from(!every.is_empty());
            if every != by_kind {
                failures.push(format!(
                    "{} (monitoring facts):\n  every check: {every:?}\n  by kind:     {by_kind:?}",
                    path.display()
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(
            with_findings > 100,
            "{with_findings} of {compared} files had findings"
        );
        assert!(
            with_facts > 10,
            "{with_facts} of {compared} files had monitoring facts"
        );
    }

    /// A subtree walk read from the pre-order list visits what a cursor walk visits, in the same
    /// order, with the same budget and skips, and the named children read from it are the
    /// cursor's, as are the fields remembered in the walk, for every named node of every
    /// JS/TS/Python fixture.
    #[test]
    fn subtree_walks_from_the_list_equal_cursor_walks() {
        let (_, files) = fixture_code_files();
        let mut walks = 0usize;
        for path in &files {
            let text = std::fs::read_to_string(path).expect("fixture is UTF-8");
            let kind = FileKind::detect(path);
            let tree = match kind {
                FileKind::Python => python::parse(&text, None),
                k => js::parse(&text, k, None),
            }
            .expect("parses");
            // Skip the subtrees of some kinds, stop at the 40th node of each walk.
            let run = |n: tree_sitter::Node<'_>, order: Order, budget: usize| {
                let mut seen = Vec::new();
                let done = walk_named(n, order, budget, |x| {
                    seen.push(x.id());
                    match x.kind() {
                        "string" | "template_string" | "lambda" | "arrow_function" => Visit::Skip,
                        _ if seen.len() == 40 && budget == usize::MAX => Visit::Stop,
                        _ => Visit::Descend,
                    }
                });
                (seen, done)
            };
            let mut all = Vec::new();
            let cases = [
                (Order::Source, usize::MAX),
                (Order::LastChildFirst, usize::MAX),
                (Order::LastChildFirst, 25),
                (Order::Source, 1_000_000),
            ];
            let mut c = tree.walk();
            let mut stack = vec![tree.root_node()];
            while let Some(n) = stack.pop() {
                all.push(n);
                stack.extend(n.named_children(&mut c));
            }
            let by_cursor: Vec<_> = all
                .iter()
                .flat_map(|&n| cases.map(|(o, b)| run(n, o, b)))
                .collect();
            // Fields, asked twice (the second answer comes from the walk's slots).
            const FIELDS: [&str; 8] = [
                "function",
                "arguments",
                "name",
                "value",
                "left",
                "right",
                "body",
                "object",
            ];
            let fields = |n: tree_sitter::Node<'_>| {
                FIELDS.map(|f| (n.field(f).map(|c| c.id()), n.field(f).map(|c| c.id())))
            };
            let fields_by_tree_sitter: Vec<_> = all
                .iter()
                .map(|&n| {
                    FIELDS.map(|f| {
                        let c = n.child_by_field_name(f).map(|c| c.id());
                        (c, c)
                    })
                })
                .collect();
            let fields_in_walk: Vec<_> =
                with_parents(&tree, |_| all.iter().map(|&n| fields(n)).collect())
                    .expect("not too deep");
            assert_eq!(
                fields_by_tree_sitter,
                fields_in_walk,
                "{}: fields",
                path.display()
            );
            let kids = |n: tree_sitter::Node<'_>| named_kids(n).map(|k| k.id()).collect::<Vec<_>>();
            let kids_by_cursor: Vec<_> = all.iter().map(|&n| kids(n)).collect();
            let (by_list, kids_by_list): (Vec<_>, Vec<_>) = with_parents(&tree, |_| {
                (
                    all.iter()
                        .flat_map(|&n| cases.map(|(o, b)| run(n, o, b)))
                        .collect(),
                    all.iter().map(|&n| kids(n)).collect(),
                )
            })
            .expect("not too deep");
            assert_eq!(by_cursor, by_list, "{}", path.display());
            assert_eq!(
                kids_by_cursor,
                kids_by_list,
                "{}: named children",
                path.display()
            );
            walks += by_list.len();
        }
        assert!(walks > 10_000, "{walks} walks compared");
    }

    /// Every node kind a check declares exists in its language's grammar (JS checks: in the
    /// JavaScript, TypeScript or TSX grammar): a misspelt kind would silently never be
    /// dispatched.
    #[test]
    fn declared_node_kinds_exist() {
        let reg = crate::registry::registry();
        let named_in = |langs: &[usize], kind: &str| {
            langs.iter().any(|&g| {
                let lang = &grammars()[g].language;
                (0..lang.node_kind_count()).any(|id| {
                    u16::try_from(id).ok().is_some_and(|id| {
                        lang.node_kind_is_named(id) && lang.node_kind_for_id(id) == Some(kind)
                    })
                })
            })
        };
        let mut missing = Vec::new();
        let mut declared = 0;
        let py = reg.py.iter().map(|c| (c.on, c.rules, &[0usize][..]));
        let js = reg.js.iter().map(|c| (c.on, c.rules, &[1usize, 2, 3][..]));
        for (on, rules, langs) in py.chain(js) {
            let On::Kinds(kinds) = on else { continue };
            for k in kinds {
                declared += 1;
                if !named_in(langs, k) {
                    missing.push(format!("{k} (checks of {})", rules[0].id));
                }
            }
        }
        assert!(missing.is_empty(), "no such named node kind: {missing:?}");
        assert!(declared > 100, "{declared} kinds declared");
    }
}
