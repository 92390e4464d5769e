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

/// Visits every node of a tree in pre-order with a cursor: no recursion, so deep nesting cannot
/// overflow the stack. The one walk every tree-sitter pass uses.
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

/// When the tree is deeper than [`MAX_TREE_DEPTH`], records a note for the file and returns
/// true: the caller skips its rules.
pub(crate) fn skip_if_too_deep(
    file: &mut FileCx<'_>,
    root: tree_sitter::Node<'_>,
    lang: &str,
) -> bool {
    let Some(depth) = too_deep(root) else {
        return false;
    };
    file.note(Note::warning(
        Some(file.path.to_owned()),
        format!(
            "syntax tree nests {depth} levels deep, over the limit of {MAX_TREE_DEPTH}; {lang} rules skipped this file (the secrets pass still ran)"
        ),
    ));
    true
}

/// The tree's depth when it exceeds [`MAX_TREE_DEPTH`] (an iterative walk, no recursion).
pub fn too_deep(root: tree_sitter::Node<'_>) -> Option<usize> {
    let mut cursor = root.walk();
    let mut depth = 0usize;
    loop {
        if cursor.goto_first_child() {
            depth += 1;
            if depth > MAX_TREE_DEPTH {
                return Some(depth_of(cursor.node(), depth));
            }
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return None;
            }
            depth -= 1;
        }
    }
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

pub(crate) fn run_project(roots: &[PathBuf], files: &[PathBuf], config: &Config) -> FileResult {
    let reg = crate::registry::registry();
    let mut pcx = ProjectCx {
        roots,
        files,
        config,
        findings: Vec::new(),
        notes: Vec::new(),
    };
    for check in &reg.project {
        if check.rules.iter().any(|r| config.is_enabled(r)) {
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
        }
    }
    FileResult {
        findings: pcx.findings,
        notes: pcx.notes,
    }
}
