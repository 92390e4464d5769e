use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::strings;
use crate::lang::NodeExt;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags OAuth 2.0 / OpenID Connect authorization requests built without a `state`
    /// parameter: a URL string containing `response_type=code` (or `token`) and `client_id=`
    /// but no `state=` (JS/TS strings and templates, Python strings and f-strings, Rust
    /// `format!`), and parameter objects/dicts with `response_type` and `client_id` keys but no
    /// `state` key (passed to `URLSearchParams`, `querystring.stringify`, `urlencode`).
    ///
    /// ## Why is this bad?
    /// `state` binds the authorization response to the browser session that started it. Without
    /// it an attacker can complete the flow with their own authorization code in the victim's
    /// browser (login CSRF): the victim ends up signed in to the attacker's account, or links the
    /// attacker's identity to theirs.
    ///
    /// ## Example
    /// ```ts
    /// res.redirect(`https://idp.example/authorize?response_type=code&client_id=${id}&redirect_uri=${cb}`);
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// const state = crypto.randomBytes(16).toString("hex");
    /// req.session.oauthState = state;
    /// res.redirect(`https://idp.example/authorize?response_type=code&client_id=${id}&redirect_uri=${cb}&state=${state}`);
    /// ```
    ///
    /// ## How to fix
    /// Generate an unpredictable `state` per request, store it in the session, send it with the
    /// authorization request, and compare it on the callback. Use PKCE (`code_challenge`) as well;
    /// prefer a maintained client library (openid-client, Authlib, oauth2 crate) that does both.
    ///
    /// ## Not flagged
    /// Requests with `state`, parameter objects stored in a variable (`state` is often added
    /// afterwards), URLs built by OAuth libraries, and test code. PKCE alone does not
    /// silence the rule: the OAuth Security BCP accepts PKCE instead of `state` only when the
    /// server enforces it, which code cannot show.
    ///
    /// ## References
    /// - CWE-352: Cross-Site Request Forgery
    /// - RFC 6749 10.12; RFC 9700 (OAuth 2.0 Security BCP) 4.7
    pub OAUTH_STATE_MISSING {
        id: "oauth-state-missing",
        title: "OAuth authorization request without state",
        severity: Medium,
        confidence: Medium,
        cwe: [352],
        checklist: 15,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

/// An authorization request URL (or query) without `state`.
fn missing_state(text: &str) -> bool {
    let l = text.to_ascii_lowercase();
    (l.contains("response_type=code") || l.contains("response_type=token"))
        && l.contains("client_id=")
        && !l.contains("state=")
}

fn report(file: &mut crate::engine::FileCx<'_>, r: std::ops::Range<usize>) {
    file.report(
        &OAUTH_STATE_MISSING,
        r,
        "OAuth authorization request has no state parameter",
    )
    .help("add a random per-request state stored in the session and checked on the callback (and use PKCE)");
}

/// Keys of an object-like parameter set: does it describe an authorization request?
fn params_missing_state(keys: &[String]) -> bool {
    keys.iter().any(|k| k == "response_type")
        && keys.iter().any(|k| k == "client_id")
        && keys.iter().any(|k| k == "redirect_uri")
        && !keys.iter().any(|k| k == "state")
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On =
    crate::lang::On::Kinds(&["string", "template_string", "binary_expression", "object"]);

/// Whether the file can hold an authorization request at all: every form the rule reports
/// names `client_id` and `response_type` (a literal, or keys; a name split across literals is
/// not followed anyway).
fn may_authorize(file: &crate::engine::FileCx<'_>) -> bool {
    file.mentions("client_id") && file.mentions("response_type")
}

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || !may_authorize(cx.file) {
        return;
    }
    let src = cx.src;
    match node.k() {
        "string" | "template_string" | "binary_expression" => {
            if node.up().is_some_and(|p| p.k() == "binary_expression") {
                return;
            }
            let text = strings::js(src, node).literal_text().to_owned();
            if missing_state(&text) {
                report(cx.file, node.byte_range());
            }
        }
        "object" => {
            // Only objects passed straight to a call: a variable may get `state` added later.
            if !node.up().is_some_and(|p| p.k() == "arguments") {
                return;
            }
            let mut c = node.walk();
            let keys: Vec<String> = node
                .named_children(&mut c)
                .filter_map(|p| match p.k() {
                    "pair" => p
                        .field("key")
                        .map(|k| js::node_text(src, k).trim_matches(['"', '\'']).to_owned()),
                    "shorthand_property_identifier" => Some(js::node_text(src, p).to_owned()),
                    _ => None,
                })
                .collect();
            // A spread may carry `state`.
            let mut c2 = node.walk();
            let spread = node
                .named_children(&mut c2)
                .any(|p| p.k() == "spread_element");
            if !spread && params_missing_state(&keys) {
                report(cx.file, node.byte_range());
            }
        }
        _ => {}
    }
}

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On =
    crate::lang::On::Kinds(&["string", "binary_operator", "dictionary"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test || !may_authorize(cx.file) {
        return;
    }
    let src = cx.src;
    match node.k() {
        "string" | "binary_operator" => {
            if node.up().is_some_and(|p| p.k() == "binary_operator") {
                return;
            }
            let text = strings::python(src, node).literal_text().to_owned();
            if missing_state(&text) {
                report(cx.file, node.byte_range());
            }
        }
        "dictionary" => {
            // Only dicts passed straight to a call (`urlencode({...})`): a dict in a variable
            // often gets `params["state"] = ...` afterwards.
            if !node.up().is_some_and(|p| p.k() == "argument_list") {
                return;
            }
            let mut c = node.walk();
            let keys: Vec<String> = node
                .named_children(&mut c)
                .filter_map(|p| {
                    if p.k() == "dictionary_splat" {
                        return Some("state".to_owned());
                    }
                    let k = p.field("key")?;
                    py::string_value(src, k).map(str::to_owned)
                })
                .collect();
            if params_missing_state(&keys) {
                report(cx.file, node.byte_range());
            }
        }
        _ => {}
    }
}

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let RustNode::Macro(m) = node else { return };
    if crate::lang::rust::macro_name(m) != "format" {
        return;
    }
    let Some(fmt) = cx
        .macro_args(m)
        .and_then(|a| a.first())
        .and_then(crate::lang::rust::lit_str)
    else {
        return;
    };
    if missing_state(&fmt) {
        let r = cx.range_of(m);
        report(cx.file, r);
    }
}
