use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags TLS clients and servers pinned to, or allowing as a minimum, SSLv2/SSLv3, TLS 1.0 or
    /// TLS 1.1: Python `ssl.PROTOCOL_TLSv1`/`PROTOCOL_TLSv1_1`/`PROTOCOL_SSLv3`,
    /// `minimum_version = ssl.TLSVersion.TLSv1`, pyOpenSSL `TLSv1_METHOD`; Node `minVersion:
    /// "TLSv1"`/`"TLSv1.1"`, `secureProtocol: "TLSv1_method"`, `tls.DEFAULT_MIN_VERSION = "TLSv1"`;
    /// Rust reqwest `min_tls_version(Version::TLS_1_0)`, native-tls
    /// `min_protocol_version(Some(Protocol::Tlsv10))`, openssl
    /// `set_min_proto_version(Some(SslVersion::TLS1))`.
    ///
    /// ## Why is this bad?
    /// SSLv3, TLS 1.0 and TLS 1.1 are deprecated (RFC 8996) and have practical attacks (POODLE,
    /// BEAST, weak MAC and cipher suites). Allowing them lets an attacker on the path force a
    /// downgrade. The checklist requires TLS 1.2 at minimum, TLS 1.3 preferred.
    ///
    /// ## Example
    /// ```python
    /// ctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1)
    /// ```
    /// ```ts
    /// tls.connect({ host, port, minVersion: "TLSv1" });
    /// ```
    /// ```rust
    /// reqwest::Client::builder().min_tls_version(reqwest::tls::Version::TLS_1_0)
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// ctx = ssl.create_default_context()
    /// ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    /// ```
    /// ```ts
    /// tls.connect({ host, port, minVersion: "TLSv1.2" });
    /// ```
    /// ```rust
    /// reqwest::Client::builder().min_tls_version(reqwest::tls::Version::TLS_1_2)
    /// ```
    ///
    /// ## How to fix
    /// Set the minimum to TLS 1.2 (or 1.3 when every peer supports it) and let the library
    /// negotiate the highest common version: `ssl.PROTOCOL_TLS_CLIENT`/`create_default_context()`,
    /// Node's defaults (`minVersion` 'TLSv1.2'), reqwest/rustls defaults.
    ///
    /// ## Not flagged
    /// `ssl.PROTOCOL_TLS`/`PROTOCOL_SSLv23` (negotiate the best version), version constants used
    /// in comparisons or as a maximum, and test code.
    ///
    /// ## References
    /// - CWE-326: Inadequate Encryption Strength; CWE-327: Use of a Broken or Risky Cryptographic Algorithm
    /// - RFC 8996: Deprecating TLS 1.0 and TLS 1.1
    pub WEAK_TLS_VERSION {
        id: "weak-tls-version",
        title: "TLS 1.0/1.1 or SSL allowed",
        severity: Medium,
        confidence: High,
        cwe: [326, 327],
        checklist: 1,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

// ------------------------------------------------------------------ Python

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["attribute", "identifier"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || !matches!(node.k(), "attribute" | "identifier") {
        return;
    }
    // Every name below contains `tlsv1` or `sslv` (any case), and a name only resolves to one
    // through this file's own imports: a file that mentions neither has none.
    if !cx.file.mentions("tlsv1") && !cx.file.mentions("sslv") {
        return;
    }
    let src = cx.src;
    let Some(parent) = node.up() else { return };
    if node.k() == "identifier" && parent.k() == "attribute" {
        return;
    }
    if matches!(
        parent.k(),
        "attribute"
            | "comparison_operator"
            | "import_from_statement"
            | "dotted_name"
            | "aliased_import"
    ) {
        return;
    }
    let Some(d) = py::dotted(src, node) else {
        return;
    };
    let r = cx.resolve(&d);
    let (version, needs_min) = match r.as_str() {
        "ssl.PROTOCOL_TLSv1" => ("TLS 1.0", false),
        "ssl.PROTOCOL_TLSv1_1" => ("TLS 1.1", false),
        "ssl.PROTOCOL_SSLv2" => ("SSLv2", false),
        "ssl.PROTOCOL_SSLv3" => ("SSLv3", false),
        "ssl.TLSVersion.TLSv1" => ("TLS 1.0", true),
        "ssl.TLSVersion.TLSv1_1" => ("TLS 1.1", true),
        "ssl.TLSVersion.SSLv3" => ("SSLv3", true),
        "OpenSSL.SSL.TLSv1_METHOD" => ("TLS 1.0", false),
        "OpenSSL.SSL.TLSv1_1_METHOD" => ("TLS 1.1", false),
        "OpenSSL.SSL.SSLv3_METHOD" | "OpenSSL.SSL.SSLv2_METHOD" => ("SSLv3", false),
        _ => return,
    };
    if needs_min {
        // Only `x.minimum_version = ...`, not a maximum.
        let is_min = parent.k() == "assignment"
            && parent
                .field("left")
                .is_some_and(|l| py::node_text(src, l).ends_with("minimum_version"));
        if !is_min {
            return;
        }
    }
    cx.report(
        &WEAK_TLS_VERSION,
        node.byte_range(),
        format!("{version} is allowed; the minimum should be TLS 1.2"),
    )
    .help("use ssl.create_default_context() (or PROTOCOL_TLS_CLIENT) and set ctx.minimum_version = ssl.TLSVersion.TLSv1_2");
}

// ------------------------------------------------------------------ JavaScript / TypeScript

fn js_weak(v: &str) -> Option<&'static str> {
    match v {
        "TLSv1" | "TLSv1.0" => Some("TLS 1.0"),
        "TLSv1.1" => Some("TLS 1.1"),
        "SSLv3" => Some("SSLv3"),
        "TLSv1_method" | "TLSv1_client_method" | "TLSv1_server_method" => Some("TLS 1.0"),
        "TLSv1_1_method" | "TLSv1_1_client_method" | "TLSv1_1_server_method" => Some("TLS 1.1"),
        "SSLv3_method" | "SSLv2_method" | "SSLv3_client_method" | "SSLv3_server_method" => {
            Some("SSLv3")
        }
        _ => None,
    }
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On =
    crate::lang::On::Kinds(&["pair", "assignment_expression"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    let (key, v) = match node.k() {
        "pair" => {
            let (Some(k), Some(v)) = (node.field("key"), node.field("value")) else {
                return;
            };
            (
                js::node_text(src, k).trim_matches(['"', '\'']).to_owned(),
                v,
            )
        }
        "assignment_expression" => {
            let (Some(l), Some(r)) = (node.field("left"), node.field("right")) else {
                return;
            };
            let lt = js::member_path(src, l).unwrap_or_default();
            if !lt.ends_with("DEFAULT_MIN_VERSION") {
                return;
            }
            ("minVersion".to_owned(), r)
        }
        _ => return,
    };
    if !matches!(key.as_str(), "minVersion" | "secureProtocol") {
        return;
    }
    let Some(val) = js::string_value(src, v) else {
        return;
    };
    let Some(version) = js_weak(val) else { return };
    cx.report(
        &WEAK_TLS_VERSION,
        node.byte_range(),
        format!("{version} is allowed; the minimum should be TLS 1.2"),
    )
    .help("use minVersion: \"TLSv1.2\" (or drop the option: Node defaults to TLS 1.2) and remove secureProtocol");
}

// ------------------------------------------------------------------ Rust

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let RustNode::Expr(syn::Expr::MethodCall(m)) = node else {
        return;
    };
    let name = m.method.to_string();
    if !matches!(
        name.as_str(),
        "min_tls_version" | "min_protocol_version" | "set_min_proto_version" | "ssl_version"
    ) {
        return;
    }
    let Some(a) = m.args.first() else { return };
    let t: String = cx
        .text_of(a)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let t = t.trim_start_matches("Some(").trim_end_matches(')');
    let last2: Vec<&str> = t.rsplit("::").take(2).collect();
    let version = match (last2.get(1).copied().unwrap_or(""), last2[0]) {
        ("Version", "TLS_1_0") | ("Protocol", "Tlsv10") | ("SslVersion", "TLS1") => "TLS 1.0",
        ("Version", "TLS_1_1") | ("Protocol", "Tlsv11") | ("SslVersion", "TLS1_1") => "TLS 1.1",
        ("Protocol", "Sslv3") | ("SslVersion", "SSL3") => "SSLv3",
        _ => return,
    };
    let r = cx.range_of(&m.method).start..cx.range_of(m).end;
    cx.report(
        &WEAK_TLS_VERSION,
        r,
        format!("{version} is allowed; the minimum should be TLS 1.2"),
    )
    .help("use the TLS 1.2 constant (reqwest::tls::Version::TLS_1_2, native_tls::Protocol::Tlsv12, SslVersion::TLS1_2) or keep the default");
}
