use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use std::ops::Range;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags encryption keys and IVs/nonces written as literals in code and passed to a cipher:
    /// Python pycryptodome `AES.new(b"...", mode, iv=b"...")`, `cryptography` `Fernet(b"...")`,
    /// `algorithms.AES(b"...")`, `modes.CBC(b"...")`, `AESGCM(b"...")`; Node
    /// `crypto.createCipheriv(alg, "literal key", iv)` (including `Buffer.from("...")` and zero
    /// IVs such as `Buffer.alloc(16)`), crypto-js `AES.encrypt(data, "passphrase")`; Rust
    /// RustCrypto `Key::<Aes256Gcm>::from_slice(b"...")`, `Aes256Gcm::new_from_slice(b"...")`,
    /// `Nonce::from_slice(b"...")`, `Hmac::new_from_slice(b"...")`, ring `UnboundKey::new(&alg,
    /// b"...")`. Literals reach the call directly or through a local variable (Python and JS also
    /// follow module-level constants). The literal is masked in the report.
    ///
    /// ## Why is this bad?
    /// A key in the source is known to everyone with the repository, its history, a leaked build
    /// or a decompiled binary, and cannot be rotated without a release: the encryption protects
    /// nothing. A fixed IV or nonce makes identical plaintexts encrypt identically (CBC) or, for
    /// GCM/ChaCha20-Poly1305, breaks confidentiality and authenticity outright after two messages.
    ///
    /// ## Example
    /// ```python
    /// cipher = AES.new(b"0123456789abcdef0123456789abcdef", AES.MODE_GCM)
    /// ```
    /// ```ts
    /// const c = crypto.createCipheriv("aes-256-cbc", "my-super-secret-key-32-bytes!!!", Buffer.alloc(16));
    /// ```
    /// ```rust
    /// let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(b"an example very very secret key."));
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// cipher = AES.new(load_key_from_kms(), AES.MODE_GCM)  # a fresh nonce is generated
    /// ```
    /// ```ts
    /// const c = crypto.createCipheriv("aes-256-gcm", Buffer.from(process.env.DATA_KEY!, "base64"), crypto.randomBytes(12));
    /// ```
    /// ```rust
    /// let cipher = Aes256Gcm::new_from_slice(&key_from_env()?)?;
    /// let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    /// ```
    ///
    /// ## How to fix
    /// Load keys at run time from a secret manager or KMS (or the environment, injected by one),
    /// rotate the exposed key, and generate a random IV/nonce for every message
    /// (`os.urandom(12)`, `crypto.randomBytes(12)`, `generate_nonce(&mut OsRng)`), stored next to
    /// the ciphertext.
    ///
    /// ## Not flagged
    /// Keys from the environment, files, KMS or parameters; random IVs; module constants in Rust
    /// (`const KEY: &[u8] = b"..."`, reported by the secrets rules when secret-named); and test
    /// code (test vectors).
    ///
    /// ## References
    /// - CWE-321: Use of Hard-coded Cryptographic Key; CWE-329: Generation of Predictable IV with CBC Mode
    /// - OWASP Cryptographic Storage Cheat Sheet (key management)
    pub HARDCODED_CRYPTO_KEY {
        id: "hardcoded-crypto-key",
        title: "Hardcoded encryption key or IV",
        severity: High,
        confidence: High,
        cwe: [321, 329],
        checklist: 17,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Key,
    Iv,
}

fn message(role: Role) -> &'static str {
    match role {
        Role::Key => "an encryption key is hardcoded",
        Role::Iv => "the IV/nonce is a constant",
    }
}

fn help(role: Role) -> &'static str {
    match role {
        Role::Key => "load the key at run time from a secret manager/KMS or the environment, and rotate the exposed key",
        Role::Iv => "generate a random IV/nonce for every message (os.urandom / crypto.randomBytes / OsRng) and store it with the ciphertext",
    }
}

// ------------------------------------------------------------------ Python

/// The literal behind an expression: a string/bytes literal, `"..".encode()`, `b"\0" * 16`,
/// `bytes(16)`, or a name assigned one of these in the function or at module level.
fn py_literal(src: &str, n: Node<'_>, depth: usize) -> Option<Range<usize>> {
    if depth > 4 {
        return None;
    }
    match n.k() {
        "string" | "concatenated_string" if !py::has_interpolation(n) => {
            let v = py::node_text(src, n);
            // Very short strings are placeholders ("", "x").
            (v.len() > 4).then(|| n.byte_range())
        }
        "binary_operator" => {
            let l = n.field("left")?;
            let r = n.field("right")?;
            if r.k() == "integer" {
                py_literal(src, l, depth + 1).map(|_| n.byte_range())
            } else {
                None
            }
        }
        "call" => {
            let f = n.field("function")?;
            let name = py::callee_name(src, n)?;
            match name {
                "encode" | "fromhex" | "b64decode" | "unhexlify" | "urlsafe_b64decode" => {
                    let obj = if f.k() == "attribute" && name == "encode" {
                        f.field("object")?
                    } else {
                        py::positional_args(n).into_iter().next()?
                    };
                    py_literal(src, obj, depth + 1).map(|_| n.byte_range())
                }
                "bytes" | "bytearray" => {
                    let a = py::positional_args(n).into_iter().next()?;
                    (a.k() == "integer").then(|| n.byte_range())
                }
                _ => None,
            }
        }
        "identifier" => {
            let name = py::node_text(src, n);
            let mut assigns = py::local_assignments(src, n, name);
            if assigns.is_empty() {
                assigns = module_assignments(src, n, name);
            }
            if assigns.len() != 1 {
                return None;
            }
            py_literal(src, assigns[0].0, depth + 1)
        }
        _ => None,
    }
}

fn module_assignments<'t>(src: &str, at: Node<'t>, name: &str) -> Vec<(Node<'t>, bool)> {
    let mut root = at;
    while let Some(p) = root.up() {
        root = p;
    }
    let mut out = Vec::new();
    let mut c = root.walk();
    for st in root.named_children(&mut c) {
        if st.k() != "expression_statement" {
            continue;
        }
        let Some(a) = st.named_child(0) else { continue };
        if a.k() != "assignment" {
            continue;
        }
        if let (Some(l), Some(r)) = (a.field("left"), a.field("right")) {
            if l.k() == "identifier" && py::node_text(src, l) == name {
                out.push((r, false));
            }
        }
    }
    out
}

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["call"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || node.k() != "call" {
        return;
    }
    let src = cx.src;
    let Some(r) = cx.resolved_callee(node) else {
        return;
    };
    let pos = py::positional_args(node);
    let mut checks: Vec<(Node, Role)> = Vec::new();
    let last2: Vec<&str> = r.rsplit('.').take(2).collect();
    let (cls, method) = (last2.get(1).copied().unwrap_or(""), last2[0]);
    let pycrypto = r.starts_with("Crypto.") || r.starts_with("Cryptodome.");
    if method == "new"
        && pycrypto
        && matches!(
            cls,
            "AES"
                | "DES"
                | "DES3"
                | "ARC4"
                | "Blowfish"
                | "CAST"
                | "ChaCha20"
                | "Salsa20"
                | "ChaCha20_Poly1305"
        )
    {
        if let Some(k) = pos
            .first()
            .copied()
            .or_else(|| py::keyword_arg(src, node, "key"))
        {
            checks.push((k, Role::Key));
        }
        if let Some(iv) = pos
            .get(2)
            .copied()
            .or_else(|| py::keyword_arg(src, node, "iv"))
            .or_else(|| py::keyword_arg(src, node, "nonce"))
        {
            checks.push((iv, Role::Iv));
        }
    } else if r.starts_with("cryptography.") {
        match method {
            "Fernet" | "AESGCM" | "AESCCM" | "AESSIV" | "AESOCB3" | "ChaCha20Poly1305" | "AES"
            | "AES128" | "AES256" | "TripleDES" | "Camellia" => {
                if let Some(k) = pos
                    .first()
                    .copied()
                    .or_else(|| py::keyword_arg(src, node, "key"))
                {
                    checks.push((k, Role::Key));
                }
                if method == "ChaCha20" {
                    if let Some(n) = pos.get(1).copied() {
                        checks.push((n, Role::Iv));
                    }
                }
            }
            "CBC" | "CTR" | "OFB" | "CFB" | "CFB8" | "GCM" | "XTS" => {
                if let Some(iv) = pos
                    .first()
                    .copied()
                    .or_else(|| py::keyword_arg(src, node, "initialization_vector"))
                    .or_else(|| py::keyword_arg(src, node, "nonce"))
                {
                    checks.push((iv, Role::Iv));
                }
            }
            _ => {}
        }
    }
    for (arg, role) in checks {
        if let Some(lit) = py_literal(src, arg, 0) {
            let f = cx.report(&HARDCODED_CRYPTO_KEY, arg.byte_range(), message(role));
            f.help(help(role));
            if role == Role::Key {
                f.redact(lit);
            }
        }
    }
}

// ------------------------------------------------------------------ JavaScript / TypeScript

fn js_literal(src: &str, n: Node<'_>, depth: usize) -> Option<Range<usize>> {
    if depth > 4 {
        return None;
    }
    match n.k() {
        "string" => (js::node_text(src, n).len() > 4).then(|| n.byte_range()),
        "template_string" if !js::has_substitution(n) => {
            (js::node_text(src, n).len() > 4).then(|| n.byte_range())
        }
        "call_expression" => {
            let path = js::member_path(src, n.field("function")?)?;
            let args = js::call_args(n);
            match path.as_str() {
                "Buffer.from"
                | "CryptoJS.enc.Utf8.parse"
                | "CryptoJS.enc.Hex.parse"
                | "CryptoJS.enc.Base64.parse" => {
                    let a = args.first()?;
                    if a.k() == "array" {
                        return Some(n.byte_range());
                    }
                    js_literal(src, *a, depth + 1).map(|_| n.byte_range())
                }
                // Zero-filled buffers.
                "Buffer.alloc" => {
                    let size_lit = args.first().is_some_and(|a| a.k() == "number");
                    let fill_const = args
                        .get(1)
                        .is_none_or(|f| matches!(f.k(), "number" | "string"));
                    (size_lit && fill_const).then(|| n.byte_range())
                }
                _ => None,
            }
        }
        "new_expression" => {
            let c = js::node_text(src, n.field("constructor")?);
            let args = n.field("arguments")?;
            let first = args.named_child(0)?;
            (c == "Uint8Array" && first.k() == "number").then(|| n.byte_range())
        }
        "identifier" => {
            let name = js::node_text(src, n);
            let mut assigns = js::local_assignments(src, n, name);
            if assigns.is_empty() {
                assigns = program_consts(src, n, name);
            }
            if assigns.len() != 1 || assigns[0].1 {
                return None;
            }
            js_literal(src, assigns[0].0, depth + 1)
        }
        _ => None,
    }
}

fn program_consts<'t>(src: &str, at: Node<'t>, name: &str) -> Vec<(Node<'t>, bool)> {
    let mut root = at;
    while let Some(p) = root.up() {
        root = p;
    }
    let mut out = Vec::new();
    let mut c = root.walk();
    for st in root.named_children(&mut c) {
        let decl = if st.k() == "export_statement" {
            match st.named_child(0) {
                Some(d) => d,
                None => continue,
            }
        } else {
            st
        };
        if !matches!(decl.k(), "lexical_declaration" | "variable_declaration") {
            continue;
        }
        let mut c2 = decl.walk();
        for d in decl.named_children(&mut c2) {
            if d.k() != "variable_declarator" {
                continue;
            }
            if let (Some(nm), Some(v)) = (d.field("name"), d.field("value")) {
                if js::node_text(src, nm) == name {
                    out.push((v, false));
                }
            }
        }
    }
    out
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["call_expression"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || node.k() != "call_expression" {
        return;
    }
    let src = cx.src;
    let Some(r) = cx.resolved_callee(node) else {
        return;
    };
    let args = js::call_args(node);
    let mut checks: Vec<(Node, Role)> = Vec::new();
    let last = r.rsplit('.').next().unwrap_or("");
    let node_crypto = r.starts_with("crypto.") || r.starts_with("node:crypto.");
    match last {
        "createCipheriv" | "createDecipheriv"
            if node_crypto || r == "createCipheriv" || r == "createDecipheriv" =>
        {
            if let Some(k) = args.get(1) {
                checks.push((*k, Role::Key));
            }
            if let Some(iv) = args.get(2) {
                checks.push((*iv, Role::Iv));
            }
        }
        "encrypt" | "decrypt" if r.contains("CryptoJS.") || r.starts_with("crypto-js") => {
            let kind = r.rsplit('.').nth(1).unwrap_or("");
            if matches!(kind, "AES" | "DES" | "TripleDES" | "Rabbit" | "RC4") {
                if let Some(k) = args.get(1) {
                    checks.push((*k, Role::Key));
                }
            }
        }
        _ => {}
    }
    for (arg, role) in checks {
        if let Some(lit) = js_literal(src, arg, 0) {
            let f = cx.report(&HARDCODED_CRYPTO_KEY, arg.byte_range(), message(role));
            f.help(help(role));
            if role == Role::Key {
                f.redact(lit);
            }
        }
    }
}

// ------------------------------------------------------------------ Rust

/// Whether the expression is literal bytes: `b"..."`, `"...".as_bytes()`, `[0u8; 32]`,
/// `[1, 2, 3]`, references to these, or a local initialised with one.
fn rust_literal(cx: &RustCx<'_, '_, '_>, e: &syn::Expr, depth: usize) -> Option<Range<usize>> {
    if depth > 4 {
        return None;
    }
    match e {
        syn::Expr::Lit(l) => match &l.lit {
            syn::Lit::ByteStr(b) if b.value().len() > 2 => Some(cx.range_of(e)),
            syn::Lit::Str(s) if s.value().len() > 2 => Some(cx.range_of(e)),
            _ => None,
        },
        syn::Expr::Reference(r) => rust_literal(cx, &r.expr, depth + 1),
        syn::Expr::Paren(p) => rust_literal(cx, &p.expr, depth + 1),
        syn::Expr::Group(g) => rust_literal(cx, &g.expr, depth + 1),
        syn::Expr::Repeat(r) => matches!(&*r.expr, syn::Expr::Lit(_)).then(|| cx.range_of(e)),
        syn::Expr::Array(a) => (a.elems.len() >= 8
            && a.elems.iter().all(|x| matches!(x, syn::Expr::Lit(_))))
        .then(|| cx.range_of(e)),
        syn::Expr::MethodCall(m)
            if matches!(
                m.method.to_string().as_str(),
                "as_bytes" | "as_ref" | "as_slice" | "into" | "to_vec"
            ) =>
        {
            rust_literal(cx, &m.receiver, depth + 1)
        }
        syn::Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            let name = p.path.segments[0].ident.to_string();
            let vals = cx.local_values(&name, cx.range_of(e).start);
            if vals.len() != 1 || vals[0].1 {
                return None;
            }
            // Through a local, only string literals count: `let mut buf = [0u8; 32]` is
            // usually filled afterwards (`rng.fill(&mut buf)`), which is not an assignment.
            let init = vals[0].0;
            let lit = match init {
                syn::Expr::Reference(r) => &*r.expr,
                other => other,
            };
            if !matches!(lit, syn::Expr::Lit(_) | syn::Expr::MethodCall(_)) {
                return None;
            }
            rust_literal(cx, init, depth + 1)
        }
        _ => None,
    }
}

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let RustNode::Expr(syn::Expr::Call(c)) = node else {
        return;
    };
    let syn::Expr::Path(p) = &*c.func else { return };
    let segs: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let n = segs.len();
    if n < 2 {
        return;
    }
    let (ty, f) = (segs[n - 2].as_str(), segs[n - 1].as_str());
    let cipherish = |t: &str| {
        t.contains("Aes")
            || t.contains("ChaCha")
            || t.contains("Cbc")
            || t.contains("Ctr")
            || t.contains("Gcm")
            || t.contains("Hmac")
            || t.contains("Des")
            || t.contains("Salsa")
            || t.contains("Cipher")
            || t.contains("Encryptor")
            || t.contains("Decryptor")
    };
    let (key_arg, iv_arg): (Option<usize>, Option<usize>) = match (ty, f) {
        ("Key", "from_slice") | ("Key", "clone_from_slice") | ("Key", "from") => (Some(0), None),
        ("Nonce" | "XNonce" | "Iv" | "IV", "from_slice" | "clone_from_slice" | "from") => {
            (None, Some(0))
        }
        ("Nonce", "assume_unique_for_key") => (None, Some(0)),
        ("UnboundKey", "new") => (Some(1), None),
        (t, "new_from_slice") if cipherish(t) => (Some(0), None),
        (t, "new_from_slices") if cipherish(t) => (Some(0), Some(1)),
        _ => return,
    };
    for (idx, role) in [(key_arg, Role::Key), (iv_arg, Role::Iv)] {
        let Some(i) = idx else { continue };
        let Some(a) = c.args.iter().nth(i) else {
            continue;
        };
        if let Some(lit) = rust_literal(cx, a, 0) {
            let r = cx.range_of(a);
            let f = cx.report(&HARDCODED_CRYPTO_KEY, r, message(role));
            f.help(help(role));
            if role == Role::Key {
                f.redact(lit);
            }
        }
    }
}
