use super::names::{self, Use};
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use crate::meta::{Confidence, Severity};
use std::ops::Range;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags MD5 and SHA-1 (and MD4): Python `hashlib.md5/sha1`, `hashlib.new("md5")`,
    /// `Crypto.Hash.MD5`/`SHA1` (PyCryptodome), `cryptography` `hashes.MD5()`/`SHA1()`; Node
    /// `crypto.createHash("md5" | "sha1")`, the `md5`/`blueimp-md5`/`js-md5`/`sha1` packages,
    /// `crypto-js` `MD5`/`SHA1`; Rust `md5::compute`, `md5::Md5`, `sha1::Sha1`, `sha1_smol`,
    /// `openssl` `MessageDigest::md5/sha1`, `ring::digest::SHA1_FOR_LEGACY_USE_ONLY`; and Django
    /// settings whose first `PASSWORD_HASHERS` entry is an MD5/SHA-1 hasher.
    ///
    /// The severity is **high** when the hashed value looks like a password or secret (names such
    /// as `password`, `passwd`, `pwd`, `secret`, `credential`, or the digest is stored as a
    /// password hash), **medium** otherwise, and **low** when the names around say it is not a
    /// security use (ETags, cache keys, file checksums, git object ids).
    ///
    /// ## Why is this bad?
    /// MD5 and SHA-1 are broken for collision resistance (forged certificates, colliding PDFs)
    /// and are far too fast for passwords: a single GPU tries billions of MD5 guesses per second,
    /// so leaked MD5 password hashes are cracked within hours (and rainbow tables exist for
    /// unsalted ones).
    ///
    /// ## Example
    /// ```python
    /// user.password_hash = hashlib.md5(password.encode()).hexdigest()
    /// ```
    /// ```ts
    /// const digest = crypto.createHash("sha1").update(password).digest("hex");
    /// ```
    /// ```rust
    /// let digest = md5::compute(password.as_bytes());
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from argon2 import PasswordHasher
    /// user.password_hash = PasswordHasher().hash(password)
    /// ```
    /// ```ts
    /// const digest = crypto.createHash("sha256").update(fileBuffer).digest("hex"); // integrity
    /// const stored = await argon2.hash(password);                                 // passwords
    /// ```
    ///
    /// ## How to fix
    /// For passwords use a password hashing function: Argon2id (`argon2-cffi`, `argon2` npm,
    /// `argon2` crate), scrypt or bcrypt. For integrity or signatures use SHA-256 or better.
    /// When MD5/SHA-1 is required by a protocol and not used for security, say so: in Python pass
    /// `usedforsecurity=False` (silences this rule), elsewhere suppress with a reason.
    ///
    /// ## Not flagged
    /// `hashlib.md5(..., usedforsecurity=False)`, HMAC-SHA1 (`hmac.new(key, msg, hashlib.sha1)`
    /// passes the constructor, it does not call it), references to the algorithm without hashing,
    /// SHA-1 in a file implementing the WebSocket handshake (RFC 6455 mandates it for
    /// `Sec-WebSocket-Accept`), and test code.
    ///
    /// ## References
    /// - CWE-327: Use of a Broken or Risky Cryptographic Algorithm
    /// - CWE-328: Use of Weak Hash
    /// - CWE-916: Use of Password Hash With Insufficient Computational Effort
    /// - OWASP Password Storage Cheat Sheet
    pub WEAK_HASH_ALGORITHM {
        id: "weak-hash-algorithm",
        title: "MD5 or SHA-1 hash",
        severity: Medium,
        confidence: High,
        cwe: [327, 328, 916],
        checklist: 11,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

fn algo_name(s: &str) -> Option<&'static str> {
    match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
        "md5" => Some("MD5"),
        "sha1" => Some("SHA-1"),
        "md4" => Some("MD4"),
        "rsamd5" => Some("MD5"),
        "rsasha1" => Some("SHA-1"),
        _ => None,
    }
}

/// Build scripts and bundler configs hash files for cache busting, not for security.
fn build_tooling(path: &std::path::Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    name == "build.rs"
        || name.starts_with("gruntfile")
        || name.starts_with("gulpfile")
        || name.starts_with("webpack.")
        || name.starts_with("rollup.config")
        || name.starts_with("vite.config")
        || name.starts_with("next.config")
        || name.starts_with("setup.py")
}

/// The WebSocket handshake (RFC 6455) mandates SHA-1 of the key and this GUID.
fn websocket_handshake(text: &str) -> bool {
    text.contains("258EAFA5-E914-47DA-95CA-C5AB0DC85B11") || text.contains("Sec-WebSocket-Accept")
}

fn report(
    file: &mut crate::engine::FileCx<'_>,
    range: Range<usize>,
    algo: &str,
    api: &str,
    mut use_: Use,
) {
    // RFC 6455 fixes SHA-1 for `Sec-WebSocket-Accept`: no choice to report, nothing to fix.
    if algo == "SHA-1" && use_ != Use::Password && websocket_handshake(file.text) {
        return;
    }
    if use_ == Use::Unknown && build_tooling(file.path) {
        use_ = Use::NonSecurity;
    }
    let (sev, msg, help) = match use_ {
        Use::Password => (
            Severity::High,
            format!("password hashed with {algo} (`{api}`)"),
            "hash passwords with Argon2id, scrypt or bcrypt (argon2-cffi / argon2 / the argon2 crate), never a fast digest",
        ),
        Use::Secret => (
            Severity::High,
            format!("secret value hashed with {algo} (`{api}`)"),
            "use SHA-256 (HMAC-SHA-256 for keyed digests), or Argon2id if the secret is a low-entropy password",
        ),
        Use::NonSecurity => (
            Severity::Low,
            format!("{algo} digest (`{api}`), apparently not for security"),
            "prefer SHA-256; if MD5/SHA-1 is required (ETag, protocol), mark it: usedforsecurity=False in Python, or suppress with a reason",
        ),
        Use::Unknown => (
            Severity::Medium,
            format!("weak hash algorithm {algo} (`{api}`)"),
            "use SHA-256 or better for integrity, Argon2id/scrypt/bcrypt for passwords; if not for security, mark it usedforsecurity=False (Python) or suppress with a reason",
        ),
    };
    let conf = if use_ == Use::Unknown {
        Confidence::Medium
    } else {
        Confidence::High
    };
    file.report(&WEAK_HASH_ALGORITHM, range, msg)
        .help(help)
        .severity(sev)
        .confidence(conf);
}

// ------------------------------------------------------------------ Python

/// Which MD5/SHA-1 constructor a resolved Python callee is.
fn py_algo(src: &str, call: Node<'_>, resolved: &str) -> Option<&'static str> {
    match resolved {
        "hashlib.md5" | "_hashlib.openssl_md5" => Some("MD5"),
        "hashlib.sha1" | "_hashlib.openssl_sha1" => Some("SHA-1"),
        "hashlib.new" => {
            let a = py::positional_args(call)
                .into_iter()
                .next()
                .or_else(|| py::keyword_arg(src, call, "name"))?;
            algo_name(py::string_value(src, a)?)
        }
        r => {
            let r = r
                .strip_prefix("Cryptodome.")
                .or_else(|| r.strip_prefix("Crypto."))
                .map(|s| format!("Crypto.{s}"))
                .unwrap_or_else(|| r.to_owned());
            match r.as_str() {
                "Crypto.Hash.MD5.new" | "Crypto.Hash.MD5" => Some("MD5"),
                "Crypto.Hash.SHA1.new" | "Crypto.Hash.SHA1" | "Crypto.Hash.SHA.new" => {
                    Some("SHA-1")
                }
                "cryptography.hazmat.primitives.hashes.MD5" => Some("MD5"),
                "cryptography.hazmat.primitives.hashes.SHA1" => Some("SHA-1"),
                _ => None,
            }
        }
    }
}

/// The data hashed by a constructor call: its first argument, a chained `.update(x)`, and
/// `h.update(x)` on the variable it was assigned to.
pub(crate) fn py_hashed_data(src: &str, call: Node<'_>, skip_first: bool) -> Vec<String> {
    let mut ids = Vec::new();
    let pos = py::positional_args(call);
    if let Some(a) = pos.get(usize::from(skip_first)) {
        ids.extend(names::ts_identifiers(src, *a));
    }
    if let Some(d) =
        py::keyword_arg(src, call, "data").or_else(|| py::keyword_arg(src, call, "string"))
    {
        ids.extend(names::ts_identifiers(src, d));
    }
    // hashlib.md5().update(x) / hashlib.md5(x).update(y)
    if let Some(attr) = call.up().filter(|p| p.k() == "attribute") {
        if attr
            .field("attribute")
            .is_some_and(|a| py::node_text(src, a) == "update")
        {
            if let Some(c) = attr.up().filter(|p| p.k() == "call") {
                for a in py::positional_args(c) {
                    ids.extend(names::ts_identifiers(src, a));
                }
            }
        }
    }
    // h = hashlib.md5(); h.update(x)
    if let Some(asg) = call.up().filter(|p| p.k() == "assignment") {
        if let Some(l) = asg.field("left").filter(|l| l.k() == "identifier") {
            let var = py::node_text(src, l);
            if let Some(scope) = py::enclosing_function(call) {
                let mut stack = vec![scope];
                let mut budget = 20_000usize;
                while let Some(n) = stack.pop() {
                    budget = budget.saturating_sub(1);
                    if budget == 0 {
                        break;
                    }
                    if n.k() == "call" {
                        if let Some(f) = n.field("function") {
                            if py::dotted(src, f).as_deref() == Some(&format!("{var}.update")) {
                                for a in py::positional_args(n) {
                                    ids.extend(names::ts_identifiers(src, a));
                                }
                            }
                        }
                    }
                    let mut c = n.walk();
                    stack.extend(n.named_children(&mut c));
                }
            }
        }
    }
    ids
}

/// Django `PASSWORD_HASHERS = ["...MD5PasswordHasher", ...]`: the first hasher hashes new passwords.
fn django_hashers(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    let src = cx.src;
    let (Some(l), Some(r)) = (node.field("left"), node.field("right")) else {
        return;
    };
    if py::node_text(src, l) != "PASSWORD_HASHERS" || !matches!(r.k(), "list" | "tuple") {
        return;
    }
    let Some(first) = r.named_child(0) else {
        return;
    };
    let Some(v) = py::string_value(src, first) else {
        return;
    };
    let algo = match v.rsplit('.').next().unwrap_or("") {
        "MD5PasswordHasher" | "UnsaltedMD5PasswordHasher" => "MD5",
        "SHA1PasswordHasher" | "UnsaltedSHA1PasswordHasher" => "SHA-1",
        _ => return,
    };
    if names::py_development_context(cx.file.rel, src, node) {
        return;
    }
    cx.report(
        &WEAK_HASH_ALGORITHM,
        first.byte_range(),
        format!("new passwords are hashed with {algo} (first entry of PASSWORD_HASHERS)"),
    )
    .help("put django.contrib.auth.hashers.Argon2PasswordHasher (or PBKDF2PasswordHasher) first; keep legacy hashers after it only to verify old passwords")
    .severity(Severity::High);
}

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["call", "assignment"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if node.k() == "assignment" && !cx.file.is_test {
        django_hashers(cx, node);
        return;
    }
    if node.k() != "call" || cx.file.is_test {
        return;
    }
    let src = cx.src;
    let Some(resolved) = cx.resolved_callee(node) else {
        return;
    };
    let Some(algo) = py_algo(src, node, &resolved) else {
        return;
    };
    // `usedforsecurity=False`, or a wrapper passing the caller's choice through.
    if py::keyword_arg(src, node, "usedforsecurity").is_some_and(|v| !py::is_true(src, v)) {
        return;
    }
    let data = py_hashed_data(src, node, resolved == "hashlib.new");
    let context = names::py_context(src, node);
    // Have I Been Pwned range queries use SHA-1 of the password by design.
    if pwned_api(src) {
        return;
    }
    let use_ = names::classify(&data, &context);
    let api = py::dotted(src, node.field("function").unwrap_or(node)).unwrap_or(resolved);
    report(cx.file, node.byte_range(), algo, &api, use_);
}

fn pwned_api(src: &str) -> bool {
    src.contains("pwnedpasswords.com")
}

// ------------------------------------------------------------------ JavaScript / TypeScript

const JS_MD5_PACKAGES: &[&str] = &["md5", "blueimp-md5", "js-md5", "md5-hex", "crypto-js/md5"];
const JS_SHA1_PACKAGES: &[&str] = &["sha1", "js-sha1", "crypto-js/sha1"];

fn js_algo(cx: &JsCx<'_, '_>, call: Node<'_>) -> Option<(&'static str, String)> {
    let src = cx.src;
    let resolved = cx.resolved_callee(call)?;
    if resolved.ends_with("createHash") {
        let (module, _) = resolved.rsplit_once('.')?;
        let module = module.trim_start_matches("node:");
        if module != "crypto" {
            return None;
        }
        let a = js::call_args(call).into_iter().next()?;
        return Some((
            algo_name(js::string_value(src, a)?)?,
            "crypto.createHash".into(),
        ));
    }
    let f = call.field("function")?;
    if f.k() == "identifier" {
        let imp = cx.import_of(js::node_text(src, f))?;
        if imp.member.is_some() {
            // import { MD5 } from "crypto-js"
            return match (imp.module.as_str(), imp.member.as_deref()) {
                ("crypto-js", Some("MD5")) => Some(("MD5", "CryptoJS.MD5".into())),
                ("crypto-js", Some("SHA1")) => Some(("SHA-1", "CryptoJS.SHA1".into())),
                _ => None,
            };
        }
        if JS_MD5_PACKAGES.contains(&imp.module.as_str()) {
            return Some(("MD5", imp.module.clone()));
        }
        if JS_SHA1_PACKAGES.contains(&imp.module.as_str()) {
            return Some(("SHA-1", imp.module.clone()));
        }
        return None;
    }
    match resolved.as_str() {
        "crypto-js.MD5" => Some(("MD5", "CryptoJS.MD5".into())),
        "crypto-js.SHA1" => Some(("SHA-1", "CryptoJS.SHA1".into())),
        _ => None,
    }
}

/// Identifiers hashed by a JS digest call: its first argument (packages) or `.update(x)`.
pub(crate) fn js_hashed_data(src: &str, call: Node<'_>, is_create_hash: bool) -> Vec<String> {
    let mut ids = Vec::new();
    if !is_create_hash {
        if let Some(a) = js::call_args(call).into_iter().next() {
            ids.extend(names::ts_identifiers(src, a));
        }
        return ids;
    }
    // createHash(..).update(x)[.update(y)]
    let mut cur = call;
    for _ in 0..8 {
        let Some(m) = cur.up().filter(|p| p.k() == "member_expression") else {
            break;
        };
        let Some(c) = m.up().filter(|p| p.k() == "call_expression") else {
            break;
        };
        if m.field("property")
            .is_some_and(|p| js::node_text(src, p) == "update")
        {
            if let Some(a) = js::call_args(c).into_iter().next() {
                ids.extend(names::ts_identifiers(src, a));
            }
        }
        cur = c;
    }
    ids
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["call_expression"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if node.k() != "call_expression" || cx.file.is_test {
        return;
    }
    let Some((algo, api)) = js_algo(cx, node) else {
        return;
    };
    let src = cx.src;
    if src.contains("pwnedpasswords.com") {
        return;
    }
    let data = js_hashed_data(src, node, api == "crypto.createHash");
    let context = names::js_context(src, node);
    let use_ = names::classify(&data, &context);
    report(cx.file, node.byte_range(), algo, &api, use_);
}

// ------------------------------------------------------------------ Rust

fn rust_algo(path: &str) -> Option<&'static str> {
    let segs: Vec<&str> = path.split("::").collect();
    let head = *segs.first()?;
    let last = *segs.last()?;
    match head {
        "md5" | "md_5" => Some("MD5"),
        "sha1" | "sha1_smol" => Some("SHA-1"),
        "openssl" if path.ends_with("MessageDigest::md5") => Some("MD5"),
        "openssl" if path.ends_with("MessageDigest::sha1") || path.ends_with("sha::sha1") => {
            Some("SHA-1")
        }
        "ring" | "aws_lc_rs" if last == "SHA1_FOR_LEGACY_USE_ONLY" => Some("SHA-1"),
        _ if last == "SHA1_FOR_LEGACY_USE_ONLY" => Some("SHA-1"),
        _ => None,
    }
}

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let RustNode::Expr(e) = node else { return };
    match e {
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else {
                return;
            };
            let path = cx.resolve_path(&p.path);
            // A function call into the md5/sha1 crates: `md5::compute`, `Md5::new`, `Sha1::digest`.
            if path.split("::").count() < 2 {
                return;
            }
            let Some(algo) = rust_algo(&path) else { return };
            if path.ends_with("SHA1_FOR_LEGACY_USE_ONLY") {
                return;
            }
            let data: Vec<String> = c.args.iter().flat_map(names::rust_identifiers).collect();
            let use_ = names::classify(&data, &[]);
            let api = cx.text_of(&*c.func).to_owned();
            report(cx.file, cx.range_of(e), algo, &api, use_);
        }
        syn::Expr::Path(p) => {
            let path = cx.resolve_path(&p.path);
            if path.ends_with("SHA1_FOR_LEGACY_USE_ONLY") {
                report(
                    cx.file,
                    cx.range_of(e),
                    "SHA-1",
                    "SHA1_FOR_LEGACY_USE_ONLY",
                    Use::Unknown,
                );
            }
        }
        _ => {}
    }
}
