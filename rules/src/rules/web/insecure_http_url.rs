use super::common;
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{lit_str, RustCx, RustNode};
use crate::lang::strings::{self, Built};
use crate::lang::NodeExt;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags HTTP client calls whose URL is a literal `http://` address on a public host:
    /// JS/TS `fetch`, `axios` (`axios(url)`, `axios.get/post/...`, `axios.create({ baseURL })`),
    /// `got`, `ky`, `superagent`, `http.request`/`http.get`; Python `requests.*`, `httpx.*`,
    /// `urllib.request.urlopen`, and `session`/`client` objects' methods in files importing
    /// requests/httpx/aiohttp; Rust `reqwest::get` and reqwest client `.get/.post/...`. URLs
    /// assembled from a literal prefix (`"http://api.partner.io/" + path`, f-strings, templates)
    /// count too, and locals are followed within the function.
    ///
    /// ## Why is this bad?
    /// Plain HTTP sends the request, its headers (API keys, cookies, bearer tokens) and the
    /// response in clear text, and lets anyone on the path change them: a modified response is as
    /// good as remote code for an API client that trusts it.
    ///
    /// ## Example
    /// ```ts
    /// await fetch("http://api.partner.io/v1/charges", { headers: { Authorization: key } });
    /// ```
    /// ```python
    /// requests.post("http://billing.acme.io/invoices", json=invoice)
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// await fetch("https://api.partner.io/v1/charges", { headers: { Authorization: key } });
    /// ```
    ///
    /// ## How to fix
    /// Use `https://`. If the service has no TLS, put it behind a TLS-terminating proxy or reach it
    /// over a private network/VPN, and move the address to configuration.
    ///
    /// ## Not flagged
    /// `localhost`, loopback and private addresses (10/8, 172.16/12, 192.168/16), single-label
    /// service names (`http://api:8080`, as in docker-compose), `.local`/`.internal`/`.test`/
    /// `.example` hosts and `example.com`, URLs from configuration or the environment, and test
    /// code. URLs in plain strings that are not passed to a client (XML namespaces, docs links)
    /// are not flagged.
    ///
    /// ## References
    /// - CWE-319: Cleartext Transmission of Sensitive Information
    /// - OWASP Transport Layer Security Cheat Sheet
    pub INSECURE_HTTP_URL {
        id: "insecure-http-url",
        title: "HTTP request to a public host over plain HTTP",
        severity: Medium,
        confidence: High,
        cwe: [319],
        checklist: 1,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

/// The public host of a literal `http://` URL prefix, if any.
fn public_http(text: &str) -> Option<String> {
    let t = text.trim_start();
    let rest = t
        .strip_prefix("http://")
        .or_else(|| t.strip_prefix("HTTP://"))?;
    if common::is_local_host(rest) {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("").to_owned();
    // `http://` followed by an interpolation: the host is not literal.
    (!host.is_empty()).then_some(host)
}

fn message(host: &str) -> String {
    format!("request to `{host}` over plain http://")
}

const HELP: &str = "use https:// (or move the address to configuration and reach the service over TLS or a private network)";

// ------------------------------------------------------------------ JavaScript / TypeScript

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["pair", "call_expression"]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    if node.k() == "pair" {
        check_js_base_url(cx, node);
        return;
    }
    if node.k() != "call_expression" {
        return;
    }
    let src = cx.src;
    let Some(f) = node.field("function") else {
        return;
    };
    let resolved = cx.resolved_callee(node).unwrap_or_default();
    let path = js::member_path(src, f).unwrap_or_default();
    let client = matches!(path.as_str(), "fetch" | "window.fetch" | "globalThis.fetch")
        || matches!(
            resolved.as_str(),
            "axios"
                | "got"
                | "ky"
                | "superagent"
                | "node-fetch"
                | "undici.request"
                | "undici.fetch"
        )
        || [
            "axios.",
            "got.",
            "ky.",
            "superagent.",
            "http.",
            "node:http.",
            "needle.",
        ]
        .iter()
        .any(|p| {
            resolved.starts_with(p)
                && matches!(
                    resolved.rsplit('.').next().unwrap_or(""),
                    "get" | "post" | "put" | "patch" | "delete" | "head" | "request" | "options"
                )
        });
    if !client {
        return;
    }
    let Some(arg) = js::call_args(node).into_iter().next() else {
        return;
    };
    let built = strings::js(src, arg);
    let text = match &built {
        Built::Const(t) | Built::Dynamic { text: t, .. } => t.clone(),
        Built::Unknown => return,
    };
    // For Dynamic, the literal text is the concatenation of literal parts; it starts with the
    // prefix only when the first part is literal.
    if let Built::Dynamic { .. } = built {
        let raw = js::node_text(src, arg);
        if !(raw.starts_with("\"http://")
            || raw.starts_with("'http://")
            || raw.starts_with("`http://"))
            && arg.k() != "identifier"
        {
            return;
        }
    }
    if let Some(host) = public_http(&text) {
        cx.report(&INSECURE_HTTP_URL, arg.byte_range(), message(&host))
            .help(HELP);
    }
}

/// `axios.create({ baseURL: "http://api.partner.io" })` and `got.extend({ prefixUrl: ... })`.
fn check_js_base_url(cx: &mut JsCx<'_, '_>, pair: Node<'_>) {
    let src = cx.src;
    let (Some(k), Some(v)) = (pair.field("key"), pair.field("value")) else {
        return;
    };
    let key = js::node_text(src, k).trim_matches(['"', '\'']);
    if !matches!(key, "baseURL" | "baseUrl" | "prefixUrl") {
        return;
    }
    let Some(call) = pair
        .up()
        .and_then(|o| o.up())
        .and_then(|a| a.up())
        .filter(|c| c.k() == "call_expression")
    else {
        return;
    };
    let r = cx.resolved_callee(call).unwrap_or_default();
    if !matches!(
        r.as_str(),
        "axios.create" | "got.extend" | "ky.create" | "ky.extend"
    ) {
        return;
    }
    let Some(text) = js::string_value(src, v) else {
        return;
    };
    if let Some(host) = public_http(text) {
        cx.report(&INSECURE_HTTP_URL, v.byte_range(), message(&host))
            .help(HELP);
    }
}

// ------------------------------------------------------------------ Python

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["call"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || node.k() != "call" {
        return;
    }
    let src = cx.src;
    let resolved = cx.resolved_callee(node).unwrap_or_default();
    let last = resolved.rsplit('.').next().unwrap_or("");
    let verb = matches!(
        last,
        "get" | "post" | "put" | "patch" | "delete" | "head" | "options" | "request" | "stream"
    );
    // `session.get(..)` / `client.post(..)` on a requests/httpx/aiohttp session object.
    let session_recv =
        verb && resolved.rsplit('.').nth(1).is_some_and(|r| {
            let r = r.to_ascii_lowercase();
            r.ends_with("session") || r.ends_with("client")
        }) && (cx.imports_module("requests")
            || cx.imports_module("httpx")
            || cx.imports_module("aiohttp"));
    let client = session_recv
        || (verb && (resolved.starts_with("requests.") || resolved.starts_with("httpx.")))
        || matches!(
            resolved.as_str(),
            "urllib.request.urlopen" | "urllib.request.Request" | "urllib2.urlopen"
        );
    if !client {
        return;
    }
    let pos = py::positional_args(node);
    // requests.request(method, url)
    let arg = if last == "request" {
        pos.get(1)
    } else {
        pos.first()
    }
    .copied()
    .or_else(|| py::keyword_arg(src, node, "url"));
    let Some(arg) = arg else { return };
    let raw = py::node_text(src, arg);
    let built = strings::python(src, arg);
    let text = match &built {
        Built::Const(t) | Built::Dynamic { text: t, .. } => t.clone(),
        Built::Unknown => return,
    };
    if built.is_dynamic()
        && arg.k() != "identifier"
        && !raw
            .trim_start_matches(['f', 'F', 'r', 'R'])
            .trim_start_matches(['"', '\''])
            .starts_with("http://")
    {
        return;
    }
    if let Some(host) = public_http(&text) {
        cx.report(&INSECURE_HTTP_URL, arg.byte_range(), message(&host))
            .help(HELP);
    }
}

// ------------------------------------------------------------------ Rust

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let RustNode::Expr(e) = node else { return };
    let arg = match e {
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else { return };
            let path = cx.resolve_path(&p.path);
            if !matches!(
                path.as_str(),
                "reqwest::get" | "reqwest::blocking::get" | "ureq::get" | "ureq::post"
            ) {
                return;
            }
            c.args.first()
        }
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            if !matches!(
                name.as_str(),
                "get" | "post" | "put" | "patch" | "delete" | "head"
            ) {
                return;
            }
            // Only on something that reads as an HTTP client (`client.get`, `http.post`).
            let recv = cx.text_of(&*m.receiver).to_ascii_lowercase();
            if !(recv.ends_with("client") || recv.contains("reqwest") || recv.ends_with("http")) {
                return;
            }
            m.args.first()
        }
        _ => return,
    };
    let Some(arg) = arg else { return };
    let text = match lit_str(arg) {
        Some(t) => t,
        None => match strings::rust(cx, arg) {
            Built::Const(t) => t,
            Built::Dynamic { text, .. } => {
                if !cx.text_of(arg).contains("\"http://") {
                    return;
                }
                text
            }
            Built::Unknown => return,
        },
    };
    if let Some(host) = public_http(&text) {
        let r = cx.range_of(arg);
        cx.report(&INSECURE_HTTP_URL, r, message(&host)).help(HELP);
    }
}
