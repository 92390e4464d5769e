//! JavaScript / TypeScript / JSX / TSX with tree-sitter: parse once, walk once, dispatch to rules.

use super::JsCheck;
use super::NodeExt;
use crate::engine::FileCx;
use crate::finding::{Finding, Note};
use crate::meta::RuleMeta;
use crate::source::FileKind;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use tree_sitter::{Language, Node, Parser, Tree};

thread_local! {
    static PARSERS: RefCell<HashMap<u8, Parser>> = RefCell::new(HashMap::new());
}

fn language_for(kind: FileKind) -> (u8, Language) {
    match kind {
        FileKind::TypeScript => (0, tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()),
        FileKind::Tsx => (1, tree_sitter_typescript::LANGUAGE_TSX.into()),
        _ => (2, tree_sitter_javascript::LANGUAGE.into()),
    }
}

/// Parses JS/TS text with the grammar for `kind` (tree-sitter recovers from syntax errors).
pub fn parse(text: &str, kind: FileKind, old: Option<&Tree>) -> Option<Tree> {
    let (key, lang) = language_for(kind);
    PARSERS.with(|p| {
        let mut map = p.borrow_mut();
        let parser = map.entry(key).or_insert_with(|| {
            let mut p = Parser::new();
            p.set_language(&lang)
                .expect("grammar version matches tree-sitter");
            p
        });
        parser.parse(text, old)
    })
}

/// What a local name was imported as: `module` and the imported member (None for the module
/// itself: default import, namespace import, `require`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    pub module: String,
    pub member: Option<String>,
}

/// Context for JS rules.
pub struct JsCx<'a, 'f> {
    pub file: &'f mut FileCx<'a>,
    pub src: &'a str,
    pub imports: HashMap<String, Import>,
    /// True for `.tsx`/`.jsx` (and `.js`, where JSX is allowed too).
    pub jsx: bool,
    /// `resolved_callee` answers, by node id: every check that looks at a call asks.
    callee_memo: super::CalleeMemo,
}

impl<'a, 'f> JsCx<'a, 'f> {
    pub fn new(
        file: &'f mut FileCx<'a>,
        src: &'a str,
        imports: HashMap<String, Import>,
        jsx: bool,
    ) -> Self {
        JsCx {
            file,
            src,
            imports,
            jsx,
            callee_memo: super::CalleeMemo::new(),
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
    /// The module a local identifier was imported or required from.
    pub fn import_of(&self, name: &str) -> Option<&Import> {
        self.imports.get(name)
    }
    /// The callee as a dotted path with the first segment resolved through imports:
    /// `import { createHash } from "crypto"; createHash(..)` -> `crypto.createHash`;
    /// `const c = require("crypto"); c.createHash(..)` -> `crypto.createHash`.
    pub fn resolved_callee(&self, call: Node<'_>) -> Option<String> {
        self.callee_memo
            .get_or(call.id(), || self.resolve_callee(call))
    }

    fn resolve_callee(&self, call: Node<'_>) -> Option<String> {
        let f = call.field("function")?;
        let path = member_path(self.src, f)?;
        let (first, rest) = match path.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (path.as_str(), None),
        };
        let resolved = match self.imports.get(first) {
            Some(Import {
                module,
                member: Some(m),
            }) => format!("{module}.{m}"),
            Some(Import {
                module,
                member: None,
            }) => module.clone(),
            None => first.to_owned(),
        };
        Some(match rest {
            Some(r) => format!("{resolved}.{r}"),
            None => resolved,
        })
    }
}

pub fn node_text<'s>(src: &'s str, n: Node<'_>) -> &'s str {
    src.get(n.byte_range()).unwrap_or("")
}

/// `a.b.c` for identifiers and member expressions (`this` included); None for anything else.
pub fn member_path(src: &str, n: Node<'_>) -> Option<String> {
    let mut parts = super::Parts::new();
    let mut cur = n;
    for _ in 0..64 {
        match cur.k() {
            "identifier"
            | "this"
            | "property_identifier"
            | "shorthand_property_identifier"
            | "super" => {
                parts.push(node_text(src, cur));
                break;
            }
            "member_expression" => {
                parts.push(node_text(src, cur.field("property")?));
                cur = cur.field("object")?;
            }
            "parenthesized_expression" | "non_null_expression" => cur = cur.named_child(0)?,
            _ => return None,
        }
    }
    Some(parts.join_reversed())
}

/// The last segment of a call's callee (`db.query` -> `query`), or None.
pub fn callee_name<'s>(src: &'s str, call: Node<'_>) -> Option<&'s str> {
    let f = call.field("function")?;
    match f.k() {
        "identifier" => Some(node_text(src, f)),
        "member_expression" => Some(node_text(src, f.field("property")?)),
        _ => None,
    }
}

/// Named arguments of a call (`arguments` children), skipping comments.
pub fn call_args<'t>(call: Node<'t>) -> Vec<Node<'t>> {
    let Some(args) = call.field("arguments") else {
        return Vec::new();
    };
    if args.k() == "template_string" {
        return Vec::new();
    }
    super::named_kids(args)
        .filter(|n| n.k() != "comment")
        .collect()
}

/// The value of a string literal node (quotes stripped, escapes left as written).
pub fn string_value<'s>(src: &'s str, n: Node<'_>) -> Option<&'s str> {
    match n.k() {
        "string" => {
            let t = node_text(src, n);
            Some(t.get(1..t.len().saturating_sub(1)).unwrap_or(""))
        }
        "template_string" if !has_substitution(n) => {
            let t = node_text(src, n);
            Some(t.get(1..t.len().saturating_sub(1)).unwrap_or(""))
        }
        _ => None,
    }
}

pub fn has_substitution(n: Node<'_>) -> bool {
    let mut c = n.walk();
    let r = n
        .named_children(&mut c)
        .any(|ch| ch.k() == "template_substitution");
    r
}

/// In an object literal, the value node of property `key` (`{ key: v }`, `{ "key": v }`, `{ key }`).
pub fn object_property<'t>(src: &str, obj: Node<'t>, key: &str) -> Option<Node<'t>> {
    if obj.k() != "object" {
        return None;
    }
    let mut c = obj.walk();
    for ch in obj.named_children(&mut c) {
        match ch.k() {
            "pair" => {
                let k = ch.field("key")?;
                let kt = node_text(src, k).trim_matches(['"', '\'', '`']);
                if kt == key {
                    return ch.field("value");
                }
            }
            "shorthand_property_identifier" if node_text(src, ch) == key => return Some(ch),
            _ => {}
        }
    }
    None
}

/// The nearest enclosing function-like node (or the program).
pub fn enclosing_function(n: Node<'_>) -> Option<Node<'_>> {
    let mut cur = n.up();
    while let Some(p) = cur {
        if matches!(
            p.k(),
            "function_declaration"
                | "function_expression"
                | "arrow_function"
                | "method_definition"
                | "generator_function_declaration"
                | "function"
                | "program"
        ) {
            return Some(p);
        }
        cur = p.up();
    }
    None
}

/// Values assigned to local `name` before byte `before` within the enclosing function of `at`:
/// `let/const/var name = v`, `name = v`, `name += v` (the latter marked `true` for "appended").
pub fn local_assignments<'t>(src: &str, at: Node<'t>, name: &str) -> Vec<(Node<'t>, bool)> {
    let Some(scope) = enclosing_function(at) else {
        return Vec::new();
    };
    super::scope_assignments(scope, name, at.start_byte(), || {
        let mut out = Vec::new();
        let nested = [
            "function_declaration",
            "function_expression",
            "arrow_function",
            "method_definition",
        ];
        super::walk_scope(scope, &nested, |n| match n.k() {
            "variable_declarator" => {
                if let (Some(nm), Some(v)) = (n.field("name"), n.field("value")) {
                    if nm.k() == "identifier" {
                        out.push((node_text(src, nm).to_owned(), v, false, n.start_byte()));
                    }
                }
            }
            "assignment_expression" | "augmented_assignment_expression" => {
                if let (Some(l), Some(r)) = (n.field("left"), n.field("right")) {
                    if l.k() == "identifier" {
                        let appended = n.k() == "augmented_assignment_expression";
                        out.push((node_text(src, l).to_owned(), r, appended, n.start_byte()));
                    }
                }
            }
            _ => {}
        });
        out
    })
}

fn collect_imports(src: &str, root: Node<'_>) -> HashMap<String, Import> {
    let mut map = HashMap::new();
    let mut c = root.walk();
    let mut stack: Vec<Node> = root.named_children(&mut c).collect();
    let mut budget = 100_000usize;
    while let Some(n) = stack.pop() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            break;
        }
        match n.k() {
            "import_statement" => {
                let Some(source) = n.field("source") else {
                    continue;
                };
                let module = string_value(src, source).unwrap_or("").to_owned();
                let mut c2 = n.walk();
                for clause in n.named_children(&mut c2) {
                    if clause.k() != "import_clause" {
                        continue;
                    }
                    let mut c3 = clause.walk();
                    for part in clause.named_children(&mut c3) {
                        match part.k() {
                            "identifier" => {
                                map.insert(
                                    node_text(src, part).to_owned(),
                                    Import {
                                        module: module.clone(),
                                        member: None,
                                    },
                                );
                            }
                            "namespace_import" => {
                                if let Some(id) = part.named_child(0) {
                                    map.insert(
                                        node_text(src, id).to_owned(),
                                        Import {
                                            module: module.clone(),
                                            member: None,
                                        },
                                    );
                                }
                            }
                            "named_imports" => {
                                let mut c4 = part.walk();
                                for spec in part.named_children(&mut c4) {
                                    if spec.k() != "import_specifier" {
                                        continue;
                                    }
                                    let name = spec.field("name").map(|x| node_text(src, x));
                                    let alias = spec.field("alias").map(|x| node_text(src, x));
                                    if let Some(name) = name {
                                        map.insert(
                                            alias.unwrap_or(name).to_owned(),
                                            Import {
                                                module: module.clone(),
                                                member: Some(name.to_owned()),
                                            },
                                        );
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            "lexical_declaration" | "variable_declaration" => {
                let mut c2 = n.walk();
                for decl in n.named_children(&mut c2) {
                    if decl.k() != "variable_declarator" {
                        continue;
                    }
                    let (Some(name), Some(value)) = (decl.field("name"), decl.field("value"))
                    else {
                        continue;
                    };
                    let Some((module, member)) = require_target(src, value) else {
                        continue;
                    };
                    match name.k() {
                        "identifier" => {
                            map.insert(node_text(src, name).to_owned(), Import { module, member });
                        }
                        "object_pattern" => {
                            let mut c3 = name.walk();
                            for p in name.named_children(&mut c3) {
                                match p.k() {
                                    "shorthand_property_identifier_pattern" => {
                                        let t = node_text(src, p).to_owned();
                                        map.insert(
                                            t.clone(),
                                            Import {
                                                module: module.clone(),
                                                member: Some(t),
                                            },
                                        );
                                    }
                                    "pair_pattern" => {
                                        if let (Some(k), Some(v)) =
                                            (p.field("key"), p.field("value"))
                                        {
                                            map.insert(
                                                node_text(src, v).to_owned(),
                                                Import {
                                                    module: module.clone(),
                                                    member: Some(node_text(src, k).to_owned()),
                                                },
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
            }
            "program" | "export_statement" | "statement_block" => {
                let mut c2 = n.walk();
                stack.extend(n.named_children(&mut c2));
            }
            _ => {}
        }
    }
    map
}

/// `require("m")` -> ("m", None); `require("m").x` -> ("m", Some("x")).
fn require_target(src: &str, value: Node<'_>) -> Option<(String, Option<String>)> {
    match value.k() {
        "call_expression" => {
            let f = value.field("function")?;
            if node_text(src, f) != "require" {
                return None;
            }
            let arg = *call_args(value).first()?;
            Some((string_value(src, arg)?.to_owned(), None))
        }
        "member_expression" => {
            let (m, _) = require_target(src, value.field("object")?)?;
            Some((m, Some(node_text(src, value.field("property")?).to_owned())))
        }
        "await_expression" => require_target(src, value.named_child(0)?),
        _ => None,
    }
}

/// Parses and walks a JS/TS file, calling every enabled check on every node.
pub(crate) fn run(cx: &mut FileCx<'_>, checks: &[JsCheck]) {
    run_with(cx, checks, None);
}

/// Parses (incrementally from `old`, an edited previous tree, when given) and walks; returns the
/// new tree for the next incremental parse.
pub(crate) fn run_with(
    cx: &mut FileCx<'_>,
    checks: &[JsCheck],
    old: Option<&Tree>,
) -> Option<Tree> {
    run_tagged(cx, checks, old, &mut Vec::new())
}

/// [`run_with`], tagging findings with where they were reported from (see [`walk_part`]).
pub(crate) fn run_tagged(
    cx: &mut FileCx<'_>,
    checks: &[JsCheck],
    old: Option<&Tree>,
    tags: &mut Vec<u32>,
) -> Option<Tree> {
    let active: Vec<&JsCheck> = checks.iter().filter(|c| cx.any_enabled(c.rules)).collect();
    if active.is_empty() {
        return None;
    }
    let src: &str = cx.text;
    let Some(tree) = parse(src, cx.kind, old) else {
        cx.note(Note::warning(
            Some(cx.path.to_owned()),
            "could not parse this file; it was skipped",
        ));
        return None;
    };
    walk_part(cx, &tree, &active, None, tags);
    Some(tree)
}

/// Walks an already-parsed tree (the language server reuses trees for incremental parsing).
pub fn walk_tree(file: &mut FileCx<'_>, tree: &Tree, active: &[&JsCheck]) {
    walk_part(file, tree, active, None, &mut Vec::new());
}

/// The rule walk over the whole tree or over `part` only, tagging findings as
/// [`super::python::walk_part`] does.
pub(crate) fn walk_part(
    file: &mut FileCx<'_>,
    tree: &Tree,
    active: &[&JsCheck],
    part: Option<(&[Node<'_>], &[u32])>,
    tags: &mut Vec<u32>,
) {
    let src = file.text;
    let root = tree.root_node();
    let jsx = !matches!(file.kind, FileKind::TypeScript);
    let base = file.findings.len();
    let walked = super::with_parents_under(tree, part.map(|p| p.0), |named| {
        let imports = collect_imports(src, root);
        let mut cx = JsCx::new(&mut *file, src, imports, jsx);
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
        super::note_too_deep(file, depth, "JavaScript/TypeScript");
    }
}
