use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use crate::meta::Severity;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags JSON Web Tokens accepted without checking them: PyJWT/python-jose `jwt.decode` with
    /// `verify=False`, `options={"verify_signature": False}` or `algorithms=["none"]`; Node
    /// `jsonwebtoken` `jwt.verify(.., { algorithms: ["none"] })`, `ignoreExpiration: true`, and
    /// `jwt.decode(token)` used to authenticate (its result stored on `req.user`/`res.locals`, or
    /// in a middleware that never calls `verify`); Rust `jsonwebtoken`
    /// `insecure_disable_signature_validation()`, `dangerous_insecure_decode*`, and
    /// `validate_exp = false`. Expiry checks turned off (`verify_exp: False`) are reported with
    /// Medium severity.
    ///
    /// ## Why is this bad?
    /// A JWT is only as trustworthy as its signature check. Without it anyone can write
    /// `{"sub": "admin"}`, base64-encode it and be that user. `alg: none` tokens carry no signature
    /// at all; a disabled expiry check keeps stolen tokens valid forever.
    ///
    /// ## Example
    /// ```python
    /// claims = jwt.decode(token, options={"verify_signature": False})
    /// ```
    /// ```ts
    /// req.user = jwt.decode(req.headers.authorization.slice(7));
    /// ```
    /// ```rust
    /// let mut v = Validation::new(Algorithm::HS256);
    /// v.insecure_disable_signature_validation();
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// claims = jwt.decode(token, key, algorithms=["RS256"], audience="api")
    /// ```
    /// ```ts
    /// req.user = jwt.verify(token, publicKey, { algorithms: ["RS256"] });
    /// ```
    /// ```rust
    /// let data = decode::<Claims>(&token, &DecodingKey::from_rsa_pem(pem)?, &Validation::new(Algorithm::RS256))?;
    /// ```
    ///
    /// ## How to fix
    /// Verify with the issuer's key and an explicit algorithm allowlist (never `none`), keep
    /// expiry validation on, and check `aud`/`iss`. Reading an unverified header to select a key
    /// (`kid`) is fine when the token is verified right after.
    ///
    /// ## Not flagged
    /// `jwt.decode` with a key and algorithms, `jwt.get_unverified_header` (used to pick a key),
    /// `jsonwebtoken` `decode` whose result is only displayed or logged (not stored as the user),
    /// and test code.
    ///
    /// ## References
    /// - CWE-347: Improper Verification of Cryptographic Signature; CWE-345
    /// - OWASP JSON Web Token Cheat Sheet; RFC 8725 JWT Best Current Practices
    pub JWT_VERIFICATION_DISABLED {
        id: "jwt-verification-disabled",
        title: "JWT accepted without verification",
        severity: High,
        confidence: High,
        cwe: [347, 345],
        checklist: 15,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

const SIG_MSG: &str = "the JWT signature is not verified";
const EXP_MSG: &str = "the JWT expiry is not checked";

// ------------------------------------------------------------------ Python

fn py_algorithms_none(src: &str, list: Node<'_>) -> bool {
    if !matches!(list.k(), "list" | "tuple") {
        return false;
    }
    let mut c = list.walk();
    let r = list
        .named_children(&mut c)
        .any(|n| py::string_value(src, n).is_some_and(|s| s.eq_ignore_ascii_case("none")));
    r
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
    let is_jwt_decode = matches!(
        r.as_str(),
        "jwt.decode" | "jose.jwt.decode" | "jwt.api_jwt.decode" | "jwt.PyJWT.decode"
    ) || (r.ends_with(".decode") && {
        // `from jose import jwt` -> jose.jwt.decode; `import jwt as pyjwt` -> jwt.decode.
        r.starts_with("jose.") || r.starts_with("jwt.")
    });
    if !is_jwt_decode {
        return;
    }
    if let Some(v) = py::keyword_arg(src, node, "verify") {
        if py::is_false(src, v) {
            cx.report(&JWT_VERIFICATION_DISABLED, v.byte_range(), SIG_MSG)
                .help(
                    "pass the key and algorithms: jwt.decode(token, key, algorithms=[\"RS256\"])",
                );
        }
    }
    if let Some(v) = py::keyword_arg(src, node, "algorithms") {
        if py_algorithms_none(src, v) {
            cx.report(
                &JWT_VERIFICATION_DISABLED,
                v.byte_range(),
                "the JWT may use alg \"none\" (no signature)",
            )
            .help("list only the algorithms your issuer signs with, e.g. algorithms=[\"RS256\"]");
        }
    }
    if let Some(opts) = py::keyword_arg(src, node, "options") {
        if opts.k() != "dictionary" {
            return;
        }
        let mut c = opts.walk();
        let pairs: Vec<Node> = opts
            .named_children(&mut c)
            .filter(|p| p.k() == "pair")
            .collect();
        for p in pairs {
            let (Some(k), Some(v)) = (p.field("key"), p.field("value")) else {
                continue;
            };
            if !py::is_false(src, v) {
                continue;
            }
            match py::string_value(src, k).unwrap_or("") {
                "verify_signature" => {
                    cx.report(&JWT_VERIFICATION_DISABLED, p.byte_range(), SIG_MSG)
                        .help("remove verify_signature: False and pass the key and algorithms");
                }
                "verify_exp" => {
                    cx.report(&JWT_VERIFICATION_DISABLED, p.byte_range(), EXP_MSG)
                        .help(
                            "remove verify_exp: False; use a short leeway= instead if clocks drift",
                        )
                        .severity(Severity::Medium);
                }
                _ => {}
            }
        }
    }
}

// ------------------------------------------------------------------ JavaScript / TypeScript

fn jsonwebtoken_call(cx: &JsCx<'_, '_>, call: Node<'_>, method: &str) -> bool {
    let r = cx.resolved_callee(call).unwrap_or_default();
    r == format!("jsonwebtoken.{method}") || r == format!("jose.{method}")
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["pair", "call_expression"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    match node.k() {
        "pair" => {
            let (Some(k), Some(v)) = (node.field("key"), node.field("value")) else {
                return;
            };
            let key = js::node_text(src, k).trim_matches(['"', '\'']);
            // Only inside the options of jsonwebtoken's verify.
            let in_verify = node
                .up()
                .and_then(|o| o.up())
                .and_then(|a| a.up())
                .is_some_and(|c| c.k() == "call_expression" && jsonwebtoken_call(cx, c, "verify"));
            if !in_verify {
                return;
            }
            match key {
                "algorithms" if v.k() == "array" => {
                    let mut c = v.walk();
                    let none = v.named_children(&mut c).any(|e| {
                        js::string_value(src, e).is_some_and(|s| s.eq_ignore_ascii_case("none"))
                    });
                    if none {
                        cx.report(
                            &JWT_VERIFICATION_DISABLED,
                            node.byte_range(),
                            "the JWT may use alg \"none\" (no signature)",
                        )
                        .help("list only the algorithms your issuer signs with: { algorithms: [\"RS256\"] }");
                    }
                }
                "ignoreExpiration" if v.k() == "true" => {
                    cx.report(&JWT_VERIFICATION_DISABLED, node.byte_range(), EXP_MSG)
                        .help("remove ignoreExpiration; use clockTolerance for clock drift")
                        .severity(Severity::Medium);
                }
                _ => {}
            }
        }
        "call_expression" => {
            if !jsonwebtoken_call(cx, node, "decode") {
                return;
            }
            if decoded_used_for_auth(cx, node) {
                cx.report(
                    &JWT_VERIFICATION_DISABLED,
                    node.byte_range(),
                    "jwt.decode() does not verify the signature, but its result is used as the authenticated user",
                )
                .help("use jwt.verify(token, key, { algorithms: [\"RS256\"] }) to authenticate");
            }
        }
        _ => {}
    }
}

/// `req.user = jwt.decode(t)`, `const u = jwt.decode(t); req.user = u`, or a decode in an
/// Express-style middleware (`(req, res, next)`) that never calls `verify`.
fn decoded_used_for_auth(cx: &JsCx<'_, '_>, call: Node<'_>) -> bool {
    let src = cx.src;
    let auth_target = |t: &str| {
        let t = t.replace(' ', "");
        t.starts_with("req.user")
            || t.starts_with("req.auth")
            || t.starts_with("request.user")
            || t.starts_with("res.locals.user")
            || t.starts_with("ctx.state.user")
            || t.starts_with("req.session.user")
    };
    // Walk up to the statement.
    let mut cur = call;
    let mut var: Option<String> = None;
    let mut assigns_user = false;
    for _ in 0..10 {
        let Some(p) = cur.up() else { break };
        match p.k() {
            "assignment_expression" => {
                if let Some(l) = p.field("left") {
                    assigns_user = auth_target(js::node_text(src, l));
                }
                break;
            }
            "variable_declarator" => {
                var = p
                    .field("name")
                    .filter(|n| n.k() == "identifier")
                    .map(|n| js::node_text(src, n).to_owned());
                break;
            }
            "expression_statement" | "statement_block" => break,
            _ => {}
        }
        cur = p;
    }
    let Some(func) = js::enclosing_function(call) else {
        return false;
    };
    if func.k() == "program" {
        return false;
    }
    // Scan the function: a verify call anywhere means decode is only a peek.
    let mut has_verify = false;
    let mut stack = vec![func];
    let mut budget = 20_000;
    while let Some(n) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            break;
        }
        if n.k() == "call_expression"
            && js::callee_name(src, n).is_some_and(|c| c == "verify" || c == "jwtVerify")
        {
            has_verify = true;
        }
        if n.k() == "assignment_expression" {
            if let (Some(l), Some(r), Some(v)) = (n.field("left"), n.field("right"), var.as_deref())
            {
                if auth_target(js::node_text(src, l)) && js::node_text(src, r).contains(v) {
                    assigns_user = true;
                }
            }
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    assigns_user && !has_verify
}

// ------------------------------------------------------------------ Rust

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let RustNode::Expr(e) = node else { return };
    match e {
        syn::Expr::MethodCall(m) if m.method == "insecure_disable_signature_validation" => {
            let r = cx.range_of(&m.method).start..cx.range_of(m).end;
            cx.report(&JWT_VERIFICATION_DISABLED, r, SIG_MSG)
                .help("remove it and decode with the issuer's DecodingKey and Validation::new(Algorithm::..)");
        }
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else { return };
            let path = cx.resolve_path(&p.path);
            let last = path.rsplit("::").next().unwrap_or("");
            if last.starts_with("dangerous_insecure_decode") || last == "dangerous_unsafe_decode" {
                let r = cx.range_of(c);
                cx.report(&JWT_VERIFICATION_DISABLED, r, SIG_MSG).help(
                    "use jsonwebtoken::decode with the issuer's DecodingKey and a Validation",
                );
            }
        }
        syn::Expr::Assign(a) => {
            let syn::Expr::Field(f) = &*a.left else {
                return;
            };
            let syn::Member::Named(id) = &f.member else {
                return;
            };
            if id == "validate_exp" && is_false(&a.right) {
                let r = cx.range_of(a);
                cx.report(&JWT_VERIFICATION_DISABLED, r, EXP_MSG)
                    .help("keep validate_exp = true; set validation.leeway for clock drift")
                    .severity(Severity::Medium);
            }
        }
        syn::Expr::Struct(s) => {
            let tname = s
                .path
                .segments
                .last()
                .map(|x| x.ident.to_string())
                .unwrap_or_default();
            if tname != "Validation" {
                return;
            }
            for fv in &s.fields {
                if let syn::Member::Named(id) = &fv.member {
                    if id == "validate_exp" && is_false(&fv.expr) {
                        let r = cx.range_of(fv);
                        cx.report(&JWT_VERIFICATION_DISABLED, r, EXP_MSG)
                            .help("keep validate_exp = true; set leeway for clock drift")
                            .severity(Severity::Medium);
                    }
                }
            }
        }
        _ => {}
    }
}

fn is_false(e: &syn::Expr) -> bool {
    matches!(e, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(b), .. }) if !b.value)
}
