use super::names::{self, Use};
use super::weak_hash_algorithm::{js_hashed_data, py_hashed_data};
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use std::ops::Range;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags passwords hashed with a fast general-purpose digest (SHA-2, SHA-3, BLAKE2/BLAKE3)
    /// instead of a password hashing function: Python `hashlib.sha256(password...)`,
    /// `hashlib.new("sha512", ...)`, `h.update(password)`; Node
    /// `crypto.createHash("sha256").update(password)`; Rust `Sha256::digest(password)`,
    /// `blake3::hash(password)`. A value counts as a password when the hashed expression names
    /// one (`password`, `passwd`, `pwd`, `passphrase`), or the digest is stored as a password
    /// (`user.password = sha256(..)`) or computed in a `hash_password`-like function.
    /// (MD5/SHA-1 on passwords are reported by `weak-hash-algorithm`.)
    ///
    /// ## Why is this bad?
    /// SHA-256 is designed to be fast: one GPU computes billions per second, so a leaked table
    /// of salted SHA-256 password hashes falls to dictionary attacks almost as quickly as MD5.
    /// Password hashing functions are deliberately slow and memory-hard.
    ///
    /// ## Example
    /// ```python
    /// user.password = hashlib.sha256((salt + password).encode()).hexdigest()
    /// ```
    /// ```ts
    /// const hash = crypto.createHash("sha512").update(password).digest("hex");
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from argon2 import PasswordHasher
    /// user.password = PasswordHasher().hash(password)
    /// ```
    /// ```ts
    /// const hash = await argon2.hash(password, { type: argon2.argon2id });
    /// ```
    ///
    /// ## How to fix
    /// Use Argon2id (`argon2-cffi`, `argon2`/`@node-rs/argon2`, the `argon2` crate), scrypt, or
    /// bcrypt with cost >= 10. Re-hash on next login to migrate stored hashes.
    ///
    /// ## Not flagged
    /// Hashes of tokens, reset codes and other high-entropy values (`reset_token`,
    /// `password_hash`), digests of files and messages, SHA-1 range queries to the Have I Been
    /// Pwned API, and test code.
    ///
    /// ## References
    /// - CWE-916: Use of Password Hash With Insufficient Computational Effort
    /// - CWE-328: Use of Weak Hash
    /// - OWASP Password Storage Cheat Sheet; NIST SP 800-63B 5.1.1.2
    pub FAST_HASH_ON_PASSWORD {
        id: "fast-hash-on-password",
        title: "Password hashed with a fast digest instead of a password hashing function",
        severity: High,
        confidence: Medium,
        cwe: [916, 328],
        checklist: 11,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

const HELP: &str = "hash passwords with Argon2id (or scrypt, or bcrypt with cost >= 10): \
    argon2.PasswordHasher().hash(pw) in Python, argon2.hash(pw) in Node, the argon2 crate in Rust";

fn is_fast(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace(['-', '_'], "");
    matches!(
        n.as_str(),
        "sha224"
            | "sha256"
            | "sha384"
            | "sha512"
            | "sha512224"
            | "sha512256"
            | "sha3224"
            | "sha3256"
            | "sha3384"
            | "sha3512"
            | "blake2b"
            | "blake2s"
            | "blake2b512"
            | "blake2s256"
            | "blake3"
            | "shake128"
            | "shake256"
            | "ripemd160"
    )
}

fn report(file: &mut crate::engine::FileCx<'_>, range: Range<usize>, algo: &str) {
    file.report(
        &FAST_HASH_ON_PASSWORD,
        range,
        format!("password hashed with fast digest {algo}, not a password hashing function"),
    )
    .help(HELP);
}

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["call"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if node.k() != "call" || cx.file.is_test {
        return;
    }
    let src = cx.src;
    let Some(resolved) = cx.resolved_callee(node) else {
        return;
    };
    let (algo, skip_first) = if let Some(a) = resolved.strip_prefix("hashlib.") {
        if a == "new" {
            let Some(n) = py::positional_args(node)
                .into_iter()
                .next()
                .and_then(|a| py::string_value(src, a))
            else {
                return;
            };
            (n.to_owned(), true)
        } else {
            (a.to_owned(), false)
        }
    } else if let Some(a) = resolved
        .strip_prefix("Crypto.Hash.")
        .or_else(|| resolved.strip_prefix("Cryptodome.Hash."))
    {
        (a.trim_end_matches(".new").to_owned(), false)
    } else {
        return;
    };
    if !is_fast(&algo) {
        return;
    }
    let data = py_hashed_data(src, node, skip_first);
    let context = names::py_context(src, node);
    if names::classify(&data, &context) != Use::Password || src.contains("pwnedpasswords.com") {
        return;
    }
    report(cx.file, node.byte_range(), &algo.to_ascii_uppercase());
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
    let Some((module, "createHash")) = resolved.rsplit_once('.') else {
        return;
    };
    if module.trim_start_matches("node:") != "crypto" {
        return;
    }
    let Some(algo) = js::call_args(node)
        .into_iter()
        .next()
        .and_then(|a| js::string_value(src, a))
    else {
        return;
    };
    if !is_fast(algo) {
        return;
    }
    let data = js_hashed_data(src, node, true);
    let context = names::js_context(src, node);
    if names::classify(&data, &context) != Use::Password {
        return;
    }
    let algo = algo.to_ascii_uppercase();
    report(cx.file, node.byte_range(), &algo);
}

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let RustNode::Expr(e) = node else { return };
    if let syn::Expr::MethodCall(m) = e {
        rust_update(cx, e, m);
        return;
    }
    let syn::Expr::Call(c) = e else { return };
    let syn::Expr::Path(p) = &*c.func else {
        return;
    };
    let path = cx.resolve_path(&p.path);
    let segs: Vec<&str> = path.split("::").collect();
    // sha2::Sha256::digest(x), blake3::hash(x), ring::digest::digest(&SHA256, x)
    let algo = match segs.as_slice() {
        ["sha2" | "sha3", ty, "digest"] => ty.to_string(),
        ["blake2", ty, "digest"] => ty.to_string(),
        ["blake3", "hash"] => "blake3".into(),
        ["ring" | "aws_lc_rs", "digest", "digest"] => {
            let Some(a) = c.args.first() else { return };
            let t = cx.text_of(a);
            let Some(alg) = t.rsplit("::").next() else {
                return;
            };
            alg.trim_start_matches('&').to_owned()
        }
        _ => return,
    };
    if !is_fast(&algo) {
        return;
    }
    let data: Vec<String> = c
        .args
        .iter()
        .skip(usize::from(
            segs.first() == Some(&"ring") || segs.first() == Some(&"aws_lc_rs"),
        ))
        .flat_map(names::rust_identifiers)
        .collect();
    if !data.iter().any(|n| names::is_password_name(n)) {
        return;
    }
    report(cx.file, cx.range_of(e), &algo.to_ascii_uppercase());
}

/// The SHA-2/SHA-3/BLAKE2 type a hasher comes from: `Sha256::new()` (directly or via a local).
fn rust_hasher_type(cx: &RustCx<'_, '_, '_>, recv: &syn::Expr, depth: usize) -> Option<String> {
    if depth > 4 {
        return None;
    }
    match recv {
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else {
                return None;
            };
            let path = cx.resolve_path(&p.path);
            match path.split("::").collect::<Vec<_>>().as_slice() {
                ["sha2" | "sha3" | "blake2", ty, "new" | "default"] => Some(ty.to_string()),
                ["blake3", "Hasher", "new"] => Some("blake3".into()),
                _ => None,
            }
        }
        syn::Expr::MethodCall(m) => rust_hasher_type(cx, &m.receiver, depth + 1),
        syn::Expr::Path(p) => {
            let id = p.path.get_ident()?.to_string();
            let vals = cx.local_values(&id, cx.range_of(recv).start);
            let (v, _) = vals.into_iter().rev().find(|(_, appended)| !appended)?;
            rust_hasher_type(cx, v, depth + 1)
        }
        syn::Expr::Reference(r) => rust_hasher_type(cx, &r.expr, depth + 1),
        syn::Expr::Paren(p) => rust_hasher_type(cx, &p.expr, depth + 1),
        _ => None,
    }
}

/// `Sha256::new().chain_update(password)` / `hasher.update(password)`.
fn rust_update(cx: &mut RustCx<'_, '_, '_>, e: &syn::Expr, m: &syn::ExprMethodCall) {
    if !matches!(
        m.method.to_string().as_str(),
        "update" | "chain_update" | "chain"
    ) {
        return;
    }
    let Some(arg) = m.args.first() else { return };
    if !names::rust_identifiers(arg)
        .iter()
        .any(|n| names::is_password_name(n))
    {
        return;
    }
    let Some(algo) = rust_hasher_type(cx, &m.receiver, 0) else {
        return;
    };
    if !is_fast(&algo) {
        return;
    }
    report(cx.file, cx.range_of(e), &algo.to_ascii_uppercase());
}
