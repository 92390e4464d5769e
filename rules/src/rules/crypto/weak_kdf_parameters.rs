use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use std::ops::Range;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags password hashing and key derivation parameters below current OWASP minimums when
    /// they are written as literals: bcrypt cost below 10 (`bcrypt.gensalt(rounds=8)`,
    /// `bcrypt.hash(pw, 8)`, `bcrypt::hash(pw, 8)`, passlib `bcrypt.using(rounds=8)`, Flask-Bcrypt
    /// `BCRYPT_LOG_ROUNDS = 8`); PBKDF2
    /// iterations below 600,000 for HMAC-SHA-256 (1,300,000 for SHA-1, 210,000 for SHA-512)
    /// (`hashlib.pbkdf2_hmac`, `cryptography` `PBKDF2HMAC`, passlib `pbkdf2_sha256.using`, Node
    /// `crypto.pbkdf2[Sync]`, Rust `pbkdf2::pbkdf2_hmac[_array]`); Argon2 memory below 19 MiB
    /// (`argon2.PasswordHasher(memory_cost=...)`, Node `argon2.hash(pw, { memoryCost })`, Rust
    /// `argon2::Params::new(m_cost, ..)`); scrypt N below 2^17 (`hashlib.scrypt(n=...)`, Node
    /// `crypto.scrypt(.., { N })`, Rust `scrypt::Params::new(log_n, ..)`).
    ///
    /// ## Why is this bad?
    /// The work factor is what makes a stolen password hash expensive to crack. Parameters tuned
    /// for hardware from a decade ago (bcrypt cost 5, 10,000 PBKDF2 iterations) let an attacker
    /// test orders of magnitude more guesses per second.
    ///
    /// ## Example
    /// ```python
    /// key = hashlib.pbkdf2_hmac("sha256", password, salt, 10_000)
    /// ```
    /// ```ts
    /// const hash = await bcrypt.hash(password, 8);
    /// ```
    /// ```rust
    /// let params = argon2::Params::new(4096, 3, 1, None)?;
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// key = hashlib.pbkdf2_hmac("sha256", password, salt, 600_000)
    /// ```
    /// ```ts
    /// const hash = await bcrypt.hash(password, 12);
    /// ```
    /// ```rust
    /// let params = argon2::Params::new(19_456, 2, 1, None)?;
    /// ```
    ///
    /// ## How to fix
    /// Raise the parameter to at least the OWASP Password Storage minimum (or use the library's
    /// defaults, which are usually safe), then re-hash stored passwords at next login.
    ///
    /// ## Not flagged
    /// Parameters from variables or configuration, library defaults, and test code (where low
    /// costs keep tests fast).
    ///
    /// ## References
    /// - CWE-916: Use of Password Hash With Insufficient Computational Effort
    /// - OWASP Password Storage Cheat Sheet
    pub WEAK_KDF_PARAMETERS {
        id: "weak-kdf-parameters",
        title: "Password hashing work factor below recommended minimum",
        severity: Medium,
        confidence: High,
        cwe: [916],
        checklist: 11,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

const BCRYPT_MIN: i128 = 10;
const ARGON2_MIN_KIB: i128 = 19 * 1024;
const SCRYPT_MIN_N: i128 = 1 << 17;

fn pbkdf2_min(digest: Option<&str>) -> (i128, &'static str) {
    let d = digest
        .unwrap_or("sha256")
        .to_ascii_lowercase()
        .replace(['-', '_'], "");
    if d.contains("sha1") {
        (1_300_000, "HMAC-SHA-1")
    } else if d.contains("512") {
        (210_000, "HMAC-SHA-512")
    } else {
        (600_000, "HMAC-SHA-256")
    }
}

fn report(file: &mut crate::engine::FileCx<'_>, range: Range<usize>, msg: String, help: String) {
    file.report(&WEAK_KDF_PARAMETERS, range, msg).help(help);
}

fn bcrypt_report(file: &mut crate::engine::FileCx<'_>, range: Range<usize>, cost: i128) {
    if cost < BCRYPT_MIN && cost > 0 {
        report(
            file,
            range,
            format!("bcrypt cost {cost} is below the minimum of {BCRYPT_MIN}"),
            "use a cost of at least 10 (12 is common), or the library default".into(),
        );
    }
}

fn pbkdf2_report(
    file: &mut crate::engine::FileCx<'_>,
    range: Range<usize>,
    iterations: i128,
    digest: Option<&str>,
) {
    let (min, name) = pbkdf2_min(digest);
    if iterations < min {
        report(
            file,
            range,
            format!("PBKDF2-{name} with {iterations} iterations, below the minimum of {min}"),
            format!(
                "use at least {min} iterations for PBKDF2-{name} (OWASP), or switch to Argon2id"
            ),
        );
    }
}

fn argon2_report(file: &mut crate::engine::FileCx<'_>, range: Range<usize>, kib: i128) {
    if kib < ARGON2_MIN_KIB {
        report(
            file,
            range,
            format!("Argon2 memory cost {kib} KiB is below the minimum of 19 MiB (19456 KiB)"),
            "use at least 19456 KiB of memory with 2 iterations (OWASP), or the library default"
                .into(),
        );
    }
}

fn scrypt_report(file: &mut crate::engine::FileCx<'_>, range: Range<usize>, n: i128) {
    if n < SCRYPT_MIN_N {
        report(
            file,
            range,
            format!("scrypt cost N={n} is below the minimum of 2^17"),
            "use N of at least 2^17 (131072) with r=8, p=1 (OWASP)".into(),
        );
    }
}

// ------------------------------------------------------------------ Python

/// Integer value of a literal or a constant expression of literals (`2**14`, `1 << 17`, `600_000`).
fn py_int(src: &str, n: Node<'_>, depth: usize) -> Option<i128> {
    if depth > 8 {
        return None;
    }
    match n.k() {
        "integer" => {
            let t = py::node_text(src, n).replace('_', "");
            if let Some(h) = t.strip_prefix("0x") {
                i128::from_str_radix(h, 16).ok()
            } else {
                t.parse().ok()
            }
        }
        "parenthesized_expression" => py_int(src, n.named_child(0)?, depth + 1),
        "binary_operator" => {
            let a = py_int(src, n.field("left")?, depth + 1)?;
            let b = py_int(src, n.field("right")?, depth + 1)?;
            let op = py::node_text(src, n.field("operator")?);
            int_op(a, op, b)
        }
        _ => None,
    }
}

fn int_op(a: i128, op: &str, b: i128) -> Option<i128> {
    match op {
        "*" => a.checked_mul(b),
        "+" => a.checked_add(b),
        "**" => u32::try_from(b).ok().and_then(|e| a.checked_pow(e)),
        "<<" => u32::try_from(b).ok().filter(|e| *e < 100).map(|e| a << e),
        _ => None,
    }
}

fn py_arg<'t>(src: &str, call: Node<'t>, kw: &str, pos: Option<usize>) -> Option<Node<'t>> {
    py::keyword_arg(src, call, kw)
        .or_else(|| pos.and_then(|i| py::positional_args(call).get(i).copied()))
}

/// Flask-Bcrypt `BCRYPT_LOG_ROUNDS = 4` / `app.config["BCRYPT_LOG_ROUNDS"] = 4`.
fn bcrypt_setting(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    let src = cx.src;
    let (Some(l), Some(r)) = (node.field("left"), node.field("right")) else {
        return;
    };
    let key = match l.k() {
        "identifier" => py::node_text(src, l),
        "subscript" => l
            .field("subscript")
            .and_then(|k| py::string_value(src, k))
            .unwrap_or(""),
        _ => return,
    };
    if key != "BCRYPT_LOG_ROUNDS" {
        return;
    }
    let Some(v) = py_int(src, r, 0) else { return };
    if super::names::py_development_context(cx.file.rel, src, node) {
        return;
    }
    bcrypt_report(cx.file, r.byte_range(), v);
}

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["call", "assignment"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if node.k() == "assignment" && !cx.file.is_test {
        bcrypt_setting(cx, node);
        return;
    }
    if node.k() != "call" || cx.file.is_test {
        return;
    }
    let src = cx.src;
    let Some(resolved) = cx.resolved_callee(node) else {
        return;
    };
    let r = resolved.as_str();
    let int_at = |kw: &str, pos: Option<usize>| {
        py_arg(src, node, kw, pos).and_then(|a| py_int(src, a, 0).map(|v| (v, a.byte_range())))
    };
    match r {
        "bcrypt.gensalt" => {
            if let Some((v, at)) = int_at("rounds", Some(0)) {
                bcrypt_report(cx.file, at, v);
            }
        }
        "hashlib.pbkdf2_hmac" => {
            let digest =
                py_arg(src, node, "hash_name", Some(0)).and_then(|a| py::string_value(src, a));
            if let Some((v, at)) = int_at("iterations", Some(3)) {
                pbkdf2_report(cx.file, at, v, digest);
            }
        }
        "hashlib.scrypt" => {
            if let Some((v, at)) = int_at("n", None) {
                scrypt_report(cx.file, at, v);
            }
        }
        _ if r.ends_with("kdf.pbkdf2.PBKDF2HMAC") => {
            let digest = py::keyword_arg(src, node, "algorithm").map(|a| py::node_text(src, a));
            if let Some((v, at)) = int_at("iterations", Some(3)) {
                pbkdf2_report(cx.file, at, v, digest);
            }
        }
        _ if r.ends_with("kdf.scrypt.Scrypt") => {
            if let Some((v, at)) = int_at("n", Some(2)) {
                scrypt_report(cx.file, at, v);
            }
        }
        "argon2.PasswordHasher"
        | "argon2.low_level.hash_secret"
        | "argon2.low_level.hash_secret_raw" => {
            if let Some((v, at)) = int_at("memory_cost", None) {
                argon2_report(cx.file, at, v);
            }
        }
        _ if r.starts_with("passlib.") && r.ends_with(".using") => {
            let algo = r
                .trim_end_matches(".using")
                .rsplit('.')
                .next()
                .unwrap_or("");
            if algo.starts_with("bcrypt") {
                if let Some((v, at)) = int_at("rounds", None) {
                    bcrypt_report(cx.file, at, v);
                }
            } else if let Some(d) = algo.strip_prefix("pbkdf2_") {
                if let Some((v, at)) = int_at("rounds", None) {
                    pbkdf2_report(cx.file, at, v, Some(d));
                }
            } else if algo == "argon2" {
                if let Some((v, at)) = int_at("memory_cost", None) {
                    argon2_report(cx.file, at, v);
                }
            }
        }
        _ => {}
    }
}

// ------------------------------------------------------------------ JavaScript / TypeScript

fn js_int(src: &str, n: Node<'_>, depth: usize) -> Option<i128> {
    if depth > 8 {
        return None;
    }
    match n.k() {
        "number" => {
            let t = js::node_text(src, n).replace('_', "");
            if let Some(h) = t.strip_prefix("0x") {
                i128::from_str_radix(h, 16).ok()
            } else {
                t.parse::<i128>().ok().or_else(|| {
                    t.parse::<f64>()
                        .ok()
                        .filter(|f| f.fract() == 0.0)
                        .map(|f| f as i128)
                })
            }
        }
        "parenthesized_expression" => js_int(src, n.named_child(0)?, depth + 1),
        "binary_expression" => {
            let a = js_int(src, n.field("left")?, depth + 1)?;
            let b = js_int(src, n.field("right")?, depth + 1)?;
            let op = js::node_text(src, n.field("operator")?);
            int_op(a, op, b)
        }
        _ => None,
    }
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["call_expression"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if node.k() != "call_expression" || cx.file.is_test {
        return;
    }
    let src = cx.src;
    let Some(resolved) = cx.resolved_callee(node) else {
        return;
    };
    let Some((module, func)) = resolved.rsplit_once('.') else {
        return;
    };
    let args = js::call_args(node);
    let int_arg = |i: usize| {
        args.get(i)
            .and_then(|a| js_int(src, *a, 0).map(|v| (v, a.byte_range())))
    };
    match (module.trim_start_matches("node:"), func) {
        ("bcrypt" | "bcryptjs" | "@node-rs/bcrypt", "hash" | "hashSync") => {
            if let Some((v, at)) = int_arg(1) {
                bcrypt_report(cx.file, at, v);
            }
        }
        ("bcrypt" | "bcryptjs" | "@node-rs/bcrypt", "genSalt" | "genSaltSync") => {
            if let Some((v, at)) = int_arg(0) {
                bcrypt_report(cx.file, at, v);
            }
        }
        ("crypto", "pbkdf2" | "pbkdf2Sync") => {
            let digest = args.get(4).and_then(|a| js::string_value(src, *a));
            if let Some((v, at)) = int_arg(2) {
                pbkdf2_report(cx.file, at, v, digest);
            }
        }
        ("crypto", "scrypt" | "scryptSync") => {
            let Some(opts) = args.get(3).filter(|o| o.k() == "object") else {
                return;
            };
            let n = js::object_property(src, *opts, "N")
                .or_else(|| js::object_property(src, *opts, "cost"));
            if let Some(n) = n {
                if let Some(v) = js_int(src, n, 0) {
                    scrypt_report(cx.file, n.byte_range(), v);
                }
            }
        }
        ("argon2" | "@node-rs/argon2", "hash" | "hashRaw") => {
            let Some(opts) = args.get(1).filter(|o| o.k() == "object") else {
                return;
            };
            if let Some(m) = js::object_property(src, *opts, "memoryCost") {
                if let Some(v) = js_int(src, m, 0) {
                    argon2_report(cx.file, m.byte_range(), v);
                }
            }
        }
        _ => {}
    }
}

// ------------------------------------------------------------------ Rust

fn rs_int(e: &syn::Expr, depth: usize) -> Option<i128> {
    if depth > 8 {
        return None;
    }
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse::<i128>().ok(),
        syn::Expr::Paren(p) => rs_int(&p.expr, depth + 1),
        syn::Expr::Group(g) => rs_int(&g.expr, depth + 1),
        syn::Expr::Binary(b) => {
            let a = rs_int(&b.left, depth + 1)?;
            let c = rs_int(&b.right, depth + 1)?;
            let op = match b.op {
                syn::BinOp::Mul(_) => "*",
                syn::BinOp::Add(_) => "+",
                syn::BinOp::Shl(_) => "<<",
                _ => return None,
            };
            int_op(a, op, c)
        }
        // NonZeroU32::new(600_000).unwrap()
        syn::Expr::MethodCall(m) if m.method == "unwrap" || m.method == "expect" => {
            rs_int(&m.receiver, depth + 1)
        }
        syn::Expr::Call(c) if c.args.len() == 1 => rs_int(&c.args[0], depth + 1),
        _ => None,
    }
}

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let RustNode::Expr(e) = node else { return };
    let syn::Expr::Call(c) = e else { return };
    let syn::Expr::Path(p) = &*c.func else {
        return;
    };
    let path = cx.resolve_path(&p.path);
    let segs: Vec<&str> = path.split("::").collect();
    let int_arg = |i: usize| {
        c.args
            .iter()
            .nth(i)
            .and_then(|a| rs_int(a, 0).map(|v| (v, cx.range_of(a))))
    };
    match segs.as_slice() {
        ["bcrypt", "hash" | "hash_with_result" | "hash_with_salt"] => {
            if let Some((v, at)) = int_arg(1) {
                bcrypt_report(cx.file, at, v);
            }
        }
        ["pbkdf2", "pbkdf2_hmac" | "pbkdf2_hmac_array" | "pbkdf2" | "pbkdf2_array"] => {
            // The digest is a turbofish argument: pbkdf2_hmac::<Sha256>(..).
            let generics = cx.text_of(&p.path);
            let digest = if generics.contains("Sha512") {
                Some("sha512")
            } else if generics.contains("Sha1") {
                Some("sha1")
            } else {
                Some("sha256")
            };
            if let Some((v, at)) = int_arg(2) {
                pbkdf2_report(cx.file, at, v, digest);
            }
        }
        ["argon2", "Params", "new"] => {
            if let Some((v, at)) = int_arg(0) {
                argon2_report(cx.file, at, v);
            }
        }
        ["scrypt", "Params", "new"] => {
            if let Some((v, at)) = int_arg(0) {
                if v < 64 {
                    scrypt_report(cx.file, at, 1i128 << v);
                }
            }
        }
        _ => {}
    }
}
