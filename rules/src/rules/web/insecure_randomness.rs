use super::common;
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags non-cryptographic random generators used to make secrets: `Math.random()` in JS/TS,
    /// the Python `random` module (`random.choice`, `randint`, `getrandbits`, `choices`, ...), and
    /// in Rust `fastrand`, `SmallRng`, or any RNG built with `seed_from_u64(<constant>)`, when the
    /// result is a token, password, session id, API key, OTP or reset code. The purpose is
    /// read from the name the value is assigned to (`const resetToken = ...`, `password=...`,
    /// `{ sessionId: ... }`) or the name of the function that produces it (`generateApiKey()`).
    ///
    /// ## Why is this bad?
    /// `Math.random` (xorshift128+), Python's Mersenne Twister and small PRNGs are predictable:
    /// a few observed outputs reveal the internal state, and every past and future value follows.
    /// An attacker who sees some tokens (their own password reset link, say) can compute another
    /// user's reset token or session id.
    ///
    /// ## Example
    /// ```ts
    /// const resetToken = Math.random().toString(36).slice(2);
    /// ```
    /// ```python
    /// session_id = "".join(random.choice(string.ascii_letters) for _ in range(32))
    /// ```
    /// ```rust
    /// let api_key: String = (0..32).map(|_| fastrand::alphanumeric()).collect();
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// const resetToken = crypto.randomBytes(32).toString("base64url"); // or crypto.randomUUID()
    /// ```
    /// ```python
    /// session_id = secrets.token_urlsafe(32)
    /// ```
    /// ```rust
    /// let api_key: String = rand::rngs::OsRng.sample_iter(&rand::distributions::Alphanumeric).take(32).map(char::from).collect();
    /// ```
    ///
    /// ## How to fix
    /// Use the platform CSPRNG: Node `crypto.randomBytes`/`randomUUID`/`randomInt`, browser
    /// `crypto.getRandomValues`, Python `secrets` (`token_urlsafe`, `token_hex`, `choice`), Rust
    /// `OsRng`, `rand::thread_rng()` (a CSPRNG seeded from the OS) or `getrandom`.
    ///
    /// ## Not flagged
    /// Random values for non-secrets (jitter, sampling, shuffling a playlist, ids for UI keys),
    /// `secrets`, `crypto.randomBytes`, `random.SystemRandom()`, `OsRng`, `thread_rng()`,
    /// database seed scripts and migrations (`seeds/`, `seed.ts`, `migrations/`: development
    /// data, run by developers), and test code. The purpose comes from names, so a secret stored under a neutral name
    /// (`const s = Math.random()`) is missed.
    ///
    /// ## References
    /// - CWE-330: Use of Insufficiently Random Values; CWE-338: Use of Cryptographically Weak PRNG
    /// - OWASP Session Management Cheat Sheet (session ID entropy)
    pub INSECURE_RANDOMNESS {
        id: "insecure-randomness",
        title: "Secret generated with a non-cryptographic random generator",
        severity: High,
        confidence: Medium,
        cwe: [330, 338],
        checklist: 12,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

// ------------------------------------------------------------------ JavaScript / TypeScript

/// The name a value flows into: walks up through expressions to the declarator, assignment,
/// property or return (then the enclosing function's name).
fn js_purpose(src: &str, n: Node<'_>) -> Option<String> {
    let mut cur = n;
    for _ in 0..30 {
        let p = cur.up()?;
        match p.k() {
            "variable_declarator" => {
                let name = p.field("name")?;
                return Some(js::node_text(src, name).to_owned());
            }
            "assignment_expression" | "augmented_assignment_expression" => {
                let l = p.field("left")?;
                let t = match l.k() {
                    "member_expression" => js::node_text(src, l.field("property")?).to_owned(),
                    _ => js::node_text(src, l).to_owned(),
                };
                return Some(t);
            }
            "pair" => {
                let k = p.field("key")?;
                return Some(js::node_text(src, k).trim_matches(['"', '\'']).to_owned());
            }
            "return_statement" => return js_function_name(src, p),
            "arrow_function" => {
                // Expression-bodied arrow: the body is the returned value.
                return js_function_name(src, cur);
            }
            "statement_block" | "expression_statement" | "for_statement" | "while_statement" => {
                // A statement inside a secret-named function (`for (...) token += chars[...]`).
                return js_function_name(src, p);
            }
            "program" => return None,
            _ => {}
        }
        cur = p;
    }
    None
}

fn js_function_name(src: &str, n: Node<'_>) -> Option<String> {
    let f = js::enclosing_function(n)?;
    if let Some(name) = f.field("name") {
        return Some(js::node_text(src, name).to_owned());
    }
    // `const makeToken = () => ...`, `{ makeToken() {} }`, `makeToken: function () {}`
    let p = f.up()?;
    match p.k() {
        "variable_declarator" => Some(js::node_text(src, p.field("name")?).to_owned()),
        "pair" => Some(js::node_text(src, p.field("key")?).to_owned()),
        _ => None,
    }
}

/// Purpose names for generators: `generateToken`, `makePassword`, `newSessionId`.
fn names_secret(name: &str) -> bool {
    let w = common::words(name);
    // Strip verbs: generate/make/create/new/random/gen/get.
    let rest: Vec<&str> = w
        .iter()
        .map(String::as_str)
        .filter(|x| {
            !matches!(
                *x,
                "generate"
                    | "gen"
                    | "make"
                    | "create"
                    | "new"
                    | "random"
                    | "rand"
                    | "get"
                    | "build"
                    | "issue"
                    | "init"
            )
        })
        .collect();
    // Nonces and salts are left out: request-signing nonces only need to be unique, and
    // cryptographic ones come from crypto APIs rather than Math.random.
    !rest.is_empty() && common::is_secret_name(&rest.join("_"))
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["call_expression"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || cx.file.is_db_script || node.k() != "call_expression" {
        return;
    }
    let src = cx.src;
    let Some(f) = node.field("function") else {
        return;
    };
    if js::member_path(src, f).as_deref() != Some("Math.random") {
        return;
    }
    // The name the value is stored under, else the function producing it (`function makeToken`).
    let candidates = [js_purpose(src, node), js_function_name(src, node)];
    let Some(purpose) = candidates.into_iter().flatten().find(|n| names_secret(n)) else {
        return;
    };
    cx.report(
        &INSECURE_RANDOMNESS,
        node.byte_range(),
        format!("`{purpose}` is generated with Math.random(), which is predictable"),
    )
    .help("use crypto.randomBytes(32).toString(\"base64url\") or crypto.randomUUID() (browser: crypto.getRandomValues)");
}

// ------------------------------------------------------------------ Python

fn py_purpose(src: &str, n: Node<'_>) -> Option<String> {
    let mut cur = n;
    for _ in 0..30 {
        let p = cur.up()?;
        match p.k() {
            "assignment" | "augmented_assignment" => {
                let l = p.field("left")?;
                let t = match l.k() {
                    "attribute" => py::node_text(src, l.field("attribute")?),
                    "subscript" => {
                        let s = l.field("subscript")?;
                        py::string_value(src, s).unwrap_or("")
                    }
                    _ => py::node_text(src, l),
                };
                return Some(t.to_owned());
            }
            "keyword_argument" => return Some(py::node_text(src, p.field("name")?).to_owned()),
            "pair" => {
                let k = p.field("key")?;
                return py::string_value(src, k).map(str::to_owned);
            }
            "return_statement" | "block" => {
                let f = py::enclosing_function(p)?;
                if f.k() != "function_definition" {
                    return None;
                }
                return Some(py::node_text(src, f.field("name")?).to_owned());
            }
            "module" => return None,
            _ => {}
        }
        cur = p;
    }
    None
}

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["call"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || cx.file.is_db_script || node.k() != "call" {
        return;
    }
    let src = cx.src;
    let Some(r) = cx.resolved_callee(node) else {
        return;
    };
    let Some(func) = r.strip_prefix("random.") else {
        return;
    };
    if !matches!(
        func,
        "random"
            | "randint"
            | "randrange"
            | "choice"
            | "choices"
            | "sample"
            | "getrandbits"
            | "randbytes"
            | "uniform"
            | "shuffle"
    ) {
        return;
    }
    let fn_name = py::enclosing_function(node)
        .filter(|f| f.k() == "function_definition")
        .and_then(|f| f.field("name"))
        .map(|n| py::node_text(src, n).to_owned());
    let candidates = [py_purpose(src, node), fn_name];
    let Some(purpose) = candidates.into_iter().flatten().find(|n| names_secret(n)) else {
        return;
    };
    cx.report(
        &INSECURE_RANDOMNESS,
        node.byte_range(),
        format!("`{purpose}` is generated with random.{func}(), which is predictable"),
    )
    .help("use the secrets module: secrets.token_urlsafe(32), secrets.token_hex(16), secrets.choice(alphabet)");
}

// ------------------------------------------------------------------ Rust

/// A weak generator use inside `e`: `fastrand::*`, `SmallRng`, `seed_from_u64(<literal>)`.
fn weak_rng_in(cx: &RustCx<'_, '_, '_>, e: &syn::Expr) -> Option<(std::ops::Range<usize>, String)> {
    struct Finder<'c, 'a, 'f, 't> {
        cx: &'c RustCx<'a, 'f, 't>,
        found: Option<(std::ops::Range<usize>, String)>,
    }
    impl<'ast> syn::visit::Visit<'ast> for Finder<'_, '_, '_, '_> {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if self.found.is_none() {
                if let syn::Expr::Path(p) = &*c.func {
                    let path = self.cx.resolve_path(&p.path);
                    let weak = if path.starts_with("fastrand::") {
                        Some("fastrand")
                    } else if path.contains("SmallRng::") {
                        Some("SmallRng")
                    } else if path.ends_with("::seed_from_u64")
                        && c.args
                            .first()
                            .is_some_and(|a| common::eval_rust_num(a, 0).is_some())
                    {
                        Some("an RNG seeded with a constant")
                    } else {
                        None
                    };
                    if let Some(w) = weak {
                        self.found = Some((self.cx.range_of(c), w.to_owned()));
                    }
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
    }
    let mut f = Finder { cx, found: None };
    syn::visit::Visit::visit_expr(&mut f, e);
    f.found
}

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.file.is_db_script || cx.in_test() {
        return;
    }
    let (name, body): (String, Vec<&syn::Expr>) = match node {
        RustNode::Local(l) => {
            let mut pat = &l.pat;
            if let syn::Pat::Type(t) = pat {
                pat = &t.pat;
            }
            let syn::Pat::Ident(pi) = pat else { return };
            let Some(init) = &l.init else { return };
            (pi.ident.to_string(), vec![&*init.expr])
        }
        RustNode::Item(syn::Item::Fn(f)) => (f.sig.ident.to_string(), block_exprs(&f.block)),
        RustNode::ImplItemFn(f) => (f.sig.ident.to_string(), block_exprs(&f.block)),
        RustNode::Expr(syn::Expr::Struct(s)) => {
            for fv in &s.fields {
                let syn::Member::Named(id) = &fv.member else {
                    continue;
                };
                let n = id.to_string();
                if !names_secret(&n) {
                    continue;
                }
                if let Some((r, what)) = weak_rng_in(cx, &fv.expr) {
                    report_rust(cx, r, &n, &what);
                }
            }
            return;
        }
        _ => return,
    };
    if !names_secret(&name) {
        return;
    }
    for e in body {
        if let Some((r, what)) = weak_rng_in(cx, e) {
            report_rust(cx, r, &name, &what);
            return;
        }
    }
}

/// The expressions of a function body's statements. Locals with secret names are left out: they
/// are reported as `Local` nodes already.
fn block_exprs(b: &syn::Block) -> Vec<&syn::Expr> {
    b.stmts
        .iter()
        .filter_map(|s| match s {
            syn::Stmt::Expr(e, _) => Some(e),
            syn::Stmt::Local(l) => {
                let mut pat = &l.pat;
                if let syn::Pat::Type(t) = pat {
                    pat = &t.pat;
                }
                if let syn::Pat::Ident(pi) = pat {
                    if names_secret(&pi.ident.to_string()) {
                        return None;
                    }
                }
                l.init.as_ref().map(|i| &*i.expr)
            }
            _ => None,
        })
        .collect()
}

fn report_rust(cx: &mut RustCx<'_, '_, '_>, r: std::ops::Range<usize>, name: &str, what: &str) {
    cx.report(
        &INSECURE_RANDOMNESS,
        r,
        format!("`{name}` is generated with {what}, which is predictable"),
    )
    .help("use rand::rngs::OsRng (or rand::thread_rng(), a CSPRNG) or getrandom for secrets");
}
