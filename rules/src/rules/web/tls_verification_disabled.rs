use super::common;
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags TLS certificate or host name verification turned off in HTTP and TLS clients:
    /// Python `requests`/`httpx` `verify=False` (call keyword or `session.verify = False`),
    /// aiohttp `ssl=False`/`verify_ssl=False`, `ssl._create_unverified_context`,
    /// `ssl.CERT_NONE` / `cert_reqs="CERT_NONE"`, `ctx.check_hostname = False`; Node
    /// `rejectUnauthorized: false`, `strictSSL: false`, `checkServerIdentity` returning nothing,
    /// `process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0"`; Rust reqwest/native-tls
    /// `danger_accept_invalid_certs(true)` / `danger_accept_invalid_hostnames(true)`, openssl
    /// `set_verify(SslVerifyMode::NONE)`, and rustls `ServerCertVerifier` implementations whose
    /// `verify_server_cert` accepts every certificate.
    ///
    /// ## Why is this bad?
    /// Without verification any machine on the path (public Wi-Fi, a compromised router, a
    /// malicious proxy) can present its own certificate and read or change the traffic,
    /// credentials and tokens included. TLS then only protects against passive eavesdroppers.
    ///
    /// ## Example
    /// ```python
    /// requests.get("https://api.internal.corp/users", verify=False)
    /// ```
    /// ```ts
    /// const agent = new https.Agent({ rejectUnauthorized: false });
    /// ```
    /// ```rust
    /// let client = reqwest::Client::builder().danger_accept_invalid_certs(true).build()?;
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// requests.get("https://api.internal.corp/users", verify="/etc/ssl/corp-ca.pem")
    /// ```
    /// ```ts
    /// const agent = new https.Agent({ ca: fs.readFileSync("corp-ca.pem") });
    /// ```
    /// ```rust
    /// let ca = reqwest::Certificate::from_pem(&std::fs::read("corp-ca.pem")?)?;
    /// let client = reqwest::Client::builder().add_root_certificate(ca).build()?;
    /// ```
    ///
    /// ## How to fix
    /// Keep verification on. For a private CA, trust that CA explicitly (`verify="ca.pem"`,
    /// `ssl.create_default_context(cafile=...)`, Node `ca:` / `NODE_EXTRA_CA_CERTS`, reqwest
    /// `add_root_certificate`, rustls `RootCertStore`). For local development, use a locally
    /// trusted certificate (mkcert) instead of switching verification off.
    ///
    /// ## Not flagged
    /// Values computed at run time (`verify=settings.VERIFY_TLS`, `rejectUnauthorized:
    /// process.env.NODE_ENV === "production"`, `danger_accept_invalid_certs(cfg.insecure)`), code
    /// inside an `if` on an environment/debug switch (in Rust: inside any `if`/`match`, where the
    /// switch is a run-time option),
    /// comparisons such as `ctx.verify_mode == ssl.CERT_NONE`, and test code.
    ///
    /// ## References
    /// - CWE-295: Improper Certificate Validation
    /// - OWASP A07:2021 Identification and Authentication Failures; OWASP Transport Layer Security Cheat Sheet
    pub TLS_VERIFICATION_DISABLED {
        id: "tls-verification-disabled",
        title: "TLS certificate verification disabled",
        severity: High,
        confidence: High,
        cwe: [295],
        checklist: 1,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

const MSG: &str = "TLS certificate verification is disabled";

// ------------------------------------------------------------------ Python

const PY_HTTP_CALLS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "request",
    "send",
    "stream",
    "Client",
    "AsyncClient",
    "Session",
    "ClientSession",
    "urlopen",
    "merge_environment_settings",
];

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On =
    crate::lang::On::Kinds(&["call", "attribute", "identifier", "assignment"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    match node.k() {
        "call" => {
            // Every keyword looked at below names `verify`, `ssl` or `cert_reqs`: most calls
            // have none, and need no callee resolution.
            let args = node.field("arguments").map(|a| py::node_text(src, a));
            if !args.is_some_and(|a| {
                ["verify", "ssl", "cert_reqs"]
                    .iter()
                    .any(|k| memchr::memmem::find(a.as_bytes(), k.as_bytes()).is_some())
            }) {
                return;
            }
            let Some(name) = py::callee_name(src, node) else {
                return;
            };
            let resolved = cx.resolved_callee(node).unwrap_or_default();
            if resolved.starts_with("jwt") || resolved.contains("jose") {
                return;
            }
            for (kw, bad_false) in [("verify", true), ("verify_ssl", true), ("ssl", true)] {
                let Some(v) = py::keyword_arg(src, node, kw) else {
                    continue;
                };
                if !(bad_false && py::is_false(src, v)) {
                    continue;
                }
                let http_like = PY_HTTP_CALLS.contains(&name)
                    || resolved.starts_with("requests.")
                    || resolved.starts_with("httpx.")
                    || resolved.starts_with("aiohttp.");
                let ok = match kw {
                    "verify" => http_like,
                    "verify_ssl" => true,
                    _ => (name == "TCPConnector" || http_like) && cx.imports_module("aiohttp"),
                };
                if ok && !common::py_env_guarded(src, node) {
                    cx.report(&TLS_VERIFICATION_DISABLED, v.byte_range(), MSG).help(
                        "remove verify=False; to trust a private CA pass verify=\"/path/ca.pem\" (httpx: verify=ssl_context)",
                    );
                }
            }
            if let Some(v) = py::keyword_arg(src, node, "cert_reqs") {
                let bad = py::string_value(src, v)
                    .is_some_and(|s| s.eq_ignore_ascii_case("CERT_NONE") || s == "none");
                if bad && !common::py_env_guarded(src, node) {
                    cx.report(&TLS_VERIFICATION_DISABLED, v.byte_range(), MSG)
                        .help("use cert_reqs=\"CERT_REQUIRED\" with a CA bundle (ca_certs=certifi.where())");
                }
            }
        }
        "attribute" | "identifier" => {
            // ssl._create_unverified_context and ssl.CERT_NONE, however referenced. Cheap tests
            // first (this runs on every name): a name resolves to one of them only through this
            // file's own text (an import names it), then the last segment or an imported alias.
            if !cx.file.mentions("cert_none") && !cx.file.mentions("_create_unverified_context") {
                return;
            }
            let t = py::node_text(src, node);
            if !(t.ends_with("_create_unverified_context")
                || t.ends_with("CERT_NONE")
                || (node.k() == "identifier" && cx.imports.contains_key(t)))
            {
                return;
            }
            if node.k() == "identifier" && node.up().is_some_and(|p| p.k() == "attribute") {
                return;
            }
            if node.up().is_some_and(|p| {
                matches!(
                    p.k(),
                    "import_from_statement" | "dotted_name" | "aliased_import"
                )
            }) {
                return;
            }
            let Some(d) = py::dotted(src, node) else {
                return;
            };
            let r = cx.resolve(&d);
            let what = match r.as_str() {
                "ssl._create_unverified_context" => "an unverified SSL context is created",
                "ssl.CERT_NONE" | "ssl.VerifyMode.CERT_NONE" => {
                    // Only as a value being set, not in a comparison.
                    let p = node.up();
                    let set = p.is_some_and(|p| {
                        matches!(p.k(), "keyword_argument" | "argument_list")
                            || (p.k() == "assignment"
                                && p.field("right").is_some_and(|rr| rr.id() == node.id()))
                    });
                    if !set {
                        return;
                    }
                    "certificate verification is set to CERT_NONE"
                }
                _ => return,
            };
            if common::py_env_guarded(src, node) {
                return;
            }
            cx.report(&TLS_VERIFICATION_DISABLED, node.byte_range(), what).help(
                "use ssl.create_default_context() (optionally with cafile=...) and keep verify_mode=CERT_REQUIRED",
            );
        }
        "assignment" => {
            let (Some(l), Some(r)) = (node.field("left"), node.field("right")) else {
                return;
            };
            if l.k() != "attribute" || !py::is_false(src, r) {
                return;
            }
            let attr = l
                .field("attribute")
                .map(|a| py::node_text(src, a))
                .unwrap_or("");
            let msg = match attr {
                "check_hostname" => "TLS host name checking is disabled",
                "verify" => MSG,
                _ => return,
            };
            if common::py_env_guarded(src, node) {
                return;
            }
            cx.report(&TLS_VERIFICATION_DISABLED, node.byte_range(), msg)
                .help("keep verification on; trust a private CA with ctx.load_verify_locations(\"ca.pem\") or session.verify = \"ca.pem\"");
        }
        _ => {}
    }
}

// ------------------------------------------------------------------ JavaScript / TypeScript

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On =
    crate::lang::On::Kinds(&["pair", "assignment_expression"]);

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
            let bad = match key {
                "rejectUnauthorized" | "strictSSL" => v.k() == "false",
                "checkServerIdentity" => accepts_everything(src, v),
                _ => false,
            };
            if bad && !common::js_env_guarded(src, node) {
                cx.report(&TLS_VERIFICATION_DISABLED, node.byte_range(), MSG).help(
                    "remove rejectUnauthorized: false; trust a private CA with the `ca` option or NODE_EXTRA_CA_CERTS",
                );
            }
        }
        "assignment_expression" => {
            let (Some(l), Some(r)) = (node.field("left"), node.field("right")) else {
                return;
            };
            let lt = js::node_text(src, l);
            if !lt.contains("NODE_TLS_REJECT_UNAUTHORIZED") {
                return;
            }
            let zero = js::string_value(src, r) == Some("0") || js::node_text(src, r) == "0";
            if zero && !common::js_env_guarded(src, node) {
                cx.report(
                    &TLS_VERIFICATION_DISABLED,
                    node.byte_range(),
                    "NODE_TLS_REJECT_UNAUTHORIZED=0 disables certificate verification for the whole process",
                )
                .help("remove the assignment; trust a private CA with NODE_EXTRA_CA_CERTS=/path/ca.pem");
            }
        }
        _ => {}
    }
}

/// `checkServerIdentity: () => undefined` / `() => {}` / `function () { return undefined; }`.
fn accepts_everything(src: &str, v: Node<'_>) -> bool {
    if !matches!(v.k(), "arrow_function" | "function_expression" | "function") {
        return false;
    }
    let Some(body) = v.field("body") else {
        return false;
    };
    match body.k() {
        "statement_block" => {
            let mut c = body.walk();
            let stmts: Vec<Node> = body
                .named_children(&mut c)
                .filter(|n| n.k() != "comment")
                .collect();
            stmts.is_empty()
                || (stmts.len() == 1
                    && stmts[0].k() == "return_statement"
                    && stmts[0]
                        .named_child(0)
                        .is_none_or(|e| matches!(js::node_text(src, e), "undefined" | "null")))
        }
        _ => matches!(js::node_text(src, body), "undefined" | "null"),
    }
}

// ------------------------------------------------------------------ Rust

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    match node {
        RustNode::Item(syn::Item::Fn(f)) => rust_fn_body(cx, &f.block),
        RustNode::ImplItemFn(f) => rust_fn_body(cx, &f.block),
        RustNode::Item(syn::Item::Impl(imp)) => {
            let Some((tr, _)) = &imp.trait_ else { return };
            let tname = tr
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            if tname != "ServerCertVerifier" {
                return;
            }
            for it in &imp.items {
                let syn::ImplItem::Fn(f) = it else { continue };
                if f.sig.ident != "verify_server_cert" {
                    continue;
                }
                if rust_accepts_everything(cx, &f.block) {
                    let r = cx.range_of(&f.sig.ident);
                    cx.report(
                        &TLS_VERIFICATION_DISABLED,
                        r,
                        "this rustls certificate verifier accepts every certificate",
                    )
                    .help("use rustls::ClientConfig::builder().with_root_certificates(roots) (webpki-roots or rustls-native-certs) instead of a custom verifier");
                }
            }
        }
        _ => {}
    }
}

/// `danger_accept_invalid_certs(true)` / `set_verify(SslVerifyMode::NONE)` in a function body,
/// unless inside an `if`/`match` (in Rust the switch is then a config flag such as
/// `if config.insecure { .. }`, which the user chose at run time).
fn rust_fn_body(cx: &mut RustCx<'_, '_, '_>, block: &syn::Block) {
    struct F {
        depth: usize,
        out: Vec<(
            proc_macro2::Span,
            proc_macro2::Span,
            &'static str,
            &'static str,
        )>,
    }
    impl<'ast> syn::visit::Visit<'ast> for F {
        fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
            self.visit_expr(&i.cond);
            self.depth += 1;
            self.visit_block(&i.then_branch);
            if let Some((_, e)) = &i.else_branch {
                self.visit_expr(e);
            }
            self.depth -= 1;
        }
        fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
            self.depth += 1;
            syn::visit::visit_expr_match(self, m);
            self.depth -= 1;
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if self.depth == 0 {
                let name = m.method.to_string();
                let arg = m.args.first();
                let hit = match name.as_str() {
                    "danger_accept_invalid_certs" if arg.is_some_and(crate::lang::rust::is_true) => {
                        Some((MSG, "remove the call; trust a private CA with .add_root_certificate(reqwest::Certificate::from_pem(..)?)"))
                    }
                    "danger_accept_invalid_hostnames" if arg.is_some_and(crate::lang::rust::is_true) => {
                        Some(("TLS host name verification is disabled", "remove the call; fix the certificate's subject alternative names instead"))
                    }
                    "set_verify" | "set_verify_callback"
                        if arg.is_some_and(|a| {
                            matches!(a, syn::Expr::Path(p) if p.path.segments.len() >= 2
                                && p.path.segments[p.path.segments.len() - 1].ident == "NONE"
                                && p.path.segments[p.path.segments.len() - 2].ident == "SslVerifyMode")
                        }) =>
                    {
                        Some((MSG, "use SslVerifyMode::PEER and load the CA with set_ca_file"))
                    }
                    _ => None,
                };
                if let Some((msg, help)) = hit {
                    use syn::spanned::Spanned;
                    self.out.push((m.method.span(), m.span(), msg, help));
                }
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut f = F {
        depth: 0,
        out: Vec::new(),
    };
    syn::visit::Visit::visit_block(&mut f, block);
    for (start, whole, msg, help) in f.out {
        let r = cx.range(start).start..cx.range(whole).end;
        cx.report(&TLS_VERIFICATION_DISABLED, r, msg).help(help);
    }
}

/// A body that is only `Ok(ServerCertVerified::assertion())` (possibly with `let _ = ..`).
fn rust_accepts_everything(cx: &RustCx<'_, '_, '_>, b: &syn::Block) -> bool {
    let mut saw_ok = false;
    for st in &b.stmts {
        match st {
            syn::Stmt::Expr(e, _) => {
                let t = cx.text_of(e);
                if t.contains("assertion()") && t.starts_with("Ok") || t.starts_with("return Ok") {
                    saw_ok = t.contains("assertion()");
                } else {
                    return false;
                }
            }
            syn::Stmt::Local(l) => {
                if !matches!(l.pat, syn::Pat::Wild(_)) {
                    return false;
                }
            }
            _ => return false,
        }
    }
    saw_ok
}
