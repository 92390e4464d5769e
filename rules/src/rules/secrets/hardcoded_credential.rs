//! `hardcoded-credential`: a literal assigned, passed or defaulted to a secret-named variable,
//! field, key or parameter. Code is read through its syntax tree (Python, JS/TS, Rust);
//! configuration files through their parsers (`config_values`).

use super::config_values;
use super::values::{looks_like_secret, secret_name, SecretName};
use crate::engine::FileCx;
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use std::ops::Range;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags a string literal given to something whose name says it is a secret: a variable,
    /// constant, field, dictionary/object key, keyword argument, parameter default or builder
    /// method named `password`, `passwd`, `db_pass`, `secret`, `token`, `api_key`,
    /// `client_secret`, `private_key`, `secret_key`, `access_token`... In Python, JS/TS and Rust
    /// the syntax tree is read, so `password = os.environ["PW"]`, `process.env.API_KEY` or
    /// `std::env::var("TOKEN")` are not flagged, while an environment lookup's literal fallback
    /// (`os.getenv("API_KEY", "...")`, `process.env.TOKEN || "..."`) is. Literal
    /// `Authorization: "Bearer ..."` headers, requests' `auth=("user", "...")` and reqwest's
    /// `.bearer_auth("...")`/`.basic_auth(user, Some("..."))` count too. In `.env`,
    /// `.properties`/`.ini`, Dockerfile `ENV`/`ARG`, YAML (compose `environment:`, Kubernetes
    /// `env:`), TOML and JSON files the key/value pairs are parsed.
    ///
    /// ## Why is this bad?
    /// A password or key in the code is shared with everyone who can read the repository and
    /// its history, is the same in every environment, and cannot be rotated without a release.
    /// Default credentials are among the first things attackers try.
    ///
    /// ## Example
    /// ```python
    /// DB_PASSWORD = "Pr0d-Passw0rd!"
    /// client = Client(api_key="q8Zt3LmW0x9RkPv2sYb7N")
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// DB_PASSWORD = os.environ["DB_PASSWORD"]
    /// client = Client(api_key=os.environ["SERVICE_API_KEY"])
    /// ```
    ///
    /// ## How to fix
    /// Read the value from the environment or a secret manager at startup and fail when it is
    /// missing (no literal fallback); rotate the credential if the file was ever shared. In
    /// compose files use `${VAR}` substitution or `secrets:`; in Dockerfiles pass build secrets
    /// with `RUN --mount=type=secret` instead of `ENV`/`ARG`.
    ///
    /// ## Not flagged
    /// Values read from the environment or config, references and placeholders (`${VAR}`,
    /// `{{ secrets.X }}`, `<your-key>`, `changeme`, `xxx`, `example`, `dummy`), prose and labels
    /// (values with spaces, plain words), key names (`"user_password"`, `"X-API-KEY"`), paths and
    /// URLs, values too short or too uniform to be a secret, names that only mention a secret
    /// (`password_field`, `token_url`, `secret_name`, `TOKEN_TYPE`), translation catalogues
    /// (`locales/`, `lang/`, `i18n/`, files named `de-DE.json`), and test code. Values in a
    /// provider's known format are reported once, by `hardcoded-secret`.
    ///
    /// ## References
    /// - CWE-798: Use of Hard-coded Credentials
    /// - CWE-259: Use of Hard-coded Password
    /// - CWE-321: Use of Hard-coded Cryptographic Key
    pub HARDCODED_CREDENTIAL {
        id: "hardcoded-credential",
        title: "Literal value given to a secret-named variable, field or key",
        severity: High,
        confidence: Medium,
        cwe: [798, 259, 321],
        checklist: 5,
        languages: [Rust, JavaScript, TypeScript, Python, Docker, Yaml, Toml, Json, Text],
        fix: None,
    }
}

/// Reports `value` (the literal's text at `range`) given to `name`, if both look like a secret.
fn consider(cx: &mut FileCx<'_>, name: &str, range: Range<usize>, help: &str) -> bool {
    let (kind, range) = match secret_name(name) {
        Some(k) => (k, range),
        None => match authorization_token(cx.text, name, range) {
            Some(r) => (SecretName::Key, r),
            None => return false,
        },
    };
    let Some(value) = cx.text.get(range.clone()) else {
        return false;
    };
    if !looks_like_secret(kind, value) || value.contains("://") {
        return false;
    }
    if super::hardcoded_secret::config_allowlist(cx, HARDCODED_CREDENTIAL.id)
        .iter()
        .any(|a| a.is_match(value))
    {
        return false;
    }
    // Provider formats are reported by `hardcoded-secret`.
    if !super::catalog::scan(value).is_empty() {
        return false;
    }
    let what = match kind {
        SecretName::Password => "password",
        SecretName::Key => "secret",
    };
    let name = &name[..crate::source::floor_char_boundary(name, 60)];
    cx.report(
        &HARDCODED_CREDENTIAL,
        range.clone(),
        format!("hardcoded {what} in `{name}`"),
    )
    .help(help.to_owned())
    .redact(range);
    true
}

/// `Authorization: "Bearer <token>"` (`Basic`, `Token` too): the token's range.
fn authorization_token(text: &str, name: &str, range: Range<usize>) -> Option<Range<usize>> {
    let w = super::values::words(name);
    if !(w.iter().any(|x| x == "authorization") || name.eq_ignore_ascii_case("auth")) {
        return None;
    }
    let v = text.get(range.clone())?;
    let rest = ["Bearer ", "Basic ", "Token ", "bearer ", "token "]
        .iter()
        .find_map(|p| v.strip_prefix(p))?;
    Some(range.end - rest.len()..range.end)
}

/// Byte range of `s` when it is a non-empty sub-slice of `src` (string helpers may return a
/// static `""` for empty literals).
fn range_in(src: &str, s: &str) -> Option<Range<usize>> {
    let base = src.as_ptr() as usize;
    let p = s.as_ptr() as usize;
    if s.is_empty() || p < base || p + s.len() > base + src.len() {
        return None;
    }
    Some(p - base..p - base + s.len())
}

// ------------------------------------------------------------------ Python

const PY_HELP: &str =
    "read it from the environment or a secret manager: os.environ[\"NAME\"] (no literal fallback)";

fn py_literal(src: &str, n: Node<'_>) -> Option<Range<usize>> {
    let s = py::string_value(src, n)?;
    // Byte strings / prefixes are fine; the value must be inside the node.
    range_in(src, s)
}

/// The name a Python assignment target announces: `x`, `self.x`, `cfg["x"]`.
fn py_target_name(src: &str, n: Node<'_>) -> Option<String> {
    match n.k() {
        "identifier" => Some(py::node_text(src, n).to_owned()),
        "attribute" => n
            .field("attribute")
            .map(|a| py::node_text(src, a).to_owned()),
        "subscript" => {
            let idx = n.field("subscript")?;
            py::string_value(src, idx).map(str::to_owned)
        }
        _ => None,
    }
}

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&[
    "assignment",
    "keyword_argument",
    "default_parameter",
    "typed_default_parameter",
    "pair",
    "call",
]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    let (name, value) = match node.k() {
        "assignment" => {
            let (Some(l), Some(r)) = (node.field("left"), node.field("right")) else {
                return;
            };
            (py_target_name(src, l), r)
        }
        "keyword_argument" | "default_parameter" | "typed_default_parameter" => {
            let (Some(k), Some(v)) = (node.field("name"), node.field("value")) else {
                return;
            };
            // requests-style `auth=("user", "password")`
            if py::node_text(src, k) == "auth" && v.k() == "tuple" && v.named_child_count() == 2 {
                if let Some(r) = v.named_child(1).and_then(|pw| py_literal(src, pw)) {
                    consider(cx.file, "password", r, PY_HELP);
                }
                return;
            }
            (Some(py::node_text(src, k).to_owned()), v)
        }
        "pair" => {
            let (Some(k), Some(v)) = (node.field("key"), node.field("value")) else {
                return;
            };
            (py::string_value(src, k).map(str::to_owned), v)
        }
        "call" => {
            // os.getenv("API_KEY", "literal") / os.environ.get("API_KEY", "literal")
            let callee = cx.resolved_callee(node).unwrap_or_default();
            if !matches!(
                callee.as_str(),
                "os.getenv" | "os.environ.get" | "os.environ.setdefault" | "getenv"
            ) {
                return;
            }
            let args = py::positional_args(node);
            let key = args.first().and_then(|k| py::string_value(src, *k));
            let default = args
                .get(1)
                .copied()
                .or_else(|| py::keyword_arg(src, node, "default"));
            let (Some(key), Some(d)) = (key, default) else {
                return;
            };
            (Some(key.to_owned()), d)
        }
        _ => return,
    };
    let Some(name) = name else { return };
    let Some(range) = py_literal(src, value) else {
        return;
    };
    consider(cx.file, &name, range, PY_HELP);
}

// ------------------------------------------------------------------ JavaScript / TypeScript

const JS_HELP: &str =
    "read it from the environment or a secret manager: process.env.NAME (no literal fallback)";

fn js_name(src: &str, n: Node<'_>) -> Option<String> {
    match n.k() {
        "identifier" | "property_identifier" | "shorthand_property_identifier" => {
            Some(js::node_text(src, n).to_owned())
        }
        "private_property_identifier" => {
            Some(js::node_text(src, n).trim_start_matches('#').to_owned())
        }
        "string" => js::string_value(src, n).map(str::to_owned),
        "member_expression" => n
            .field("property")
            .map(|p| js::node_text(src, p).to_owned()),
        "subscript_expression" => n
            .field("index")
            .and_then(|i| js::string_value(src, i))
            .map(str::to_owned),
        _ => None,
    }
}

fn js_literal(src: &str, n: Node<'_>) -> Option<Range<usize>> {
    let n = if n.k() == "parenthesized_expression" {
        n.named_child(0)?
    } else {
        n
    };
    let s = js::string_value(src, n)?;
    range_in(src, s)
}

fn field<'t>(n: Node<'t>, a: &str) -> Option<Node<'t>> {
    n.field(a)
}

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&[
    "variable_declarator",
    "assignment_expression",
    "assignment_pattern",
    "pair",
    "field_definition",
    "public_field_definition",
    "required_parameter",
    "optional_parameter",
    "jsx_attribute",
    "binary_expression",
]);

pub(crate) fn check_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    let (name, value) = match node.k() {
        "variable_declarator" => (field(node, "name"), field(node, "value")),
        "assignment_expression" | "assignment_pattern" => {
            (field(node, "left"), field(node, "right"))
        }
        "pair" => (field(node, "key"), field(node, "value")),
        "field_definition" => (field(node, "property"), field(node, "value")),
        "public_field_definition" => (field(node, "name"), field(node, "value")),
        "required_parameter" | "optional_parameter" => {
            (field(node, "pattern"), field(node, "value"))
        }
        "jsx_attribute" => {
            let mut c = node.walk();
            let kids: Vec<Node<'_>> = node.named_children(&mut c).collect();
            (kids.first().copied(), kids.get(1).copied())
        }
        "binary_expression" => {
            // process.env.API_KEY || "literal", process.env.API_KEY ?? "literal"
            let op = field(node, "operator").map(|o| js::node_text(src, o));
            if !matches!(op, Some("||") | Some("??")) {
                return;
            }
            let (Some(l), Some(r)) = (field(node, "left"), field(node, "right")) else {
                return;
            };
            let path = js::member_path(src, l).unwrap_or_default();
            let Some(var) = path
                .strip_prefix("process.env.")
                .or_else(|| path.strip_prefix("import.meta.env."))
            else {
                return;
            };
            let Some(range) = js_literal(src, r) else {
                return;
            };
            let var = var.to_owned();
            consider(cx.file, &var, range, JS_HELP);
            return;
        }
        _ => return,
    };
    let (Some(name), Some(value)) = (name, value) else {
        return;
    };
    let Some(name) = js_name(src, name) else {
        return;
    };
    let Some(range) = js_literal(src, value) else {
        return;
    };
    consider(cx.file, &name, range, JS_HELP);
}

// ------------------------------------------------------------------ Rust

const RS_HELP: &str = "read it at startup from the environment or a secret manager: std::env::var(\"NAME\")? (no literal fallback)";

/// A string literal, possibly behind `.to_string()`/`.into()`/`String::from(..)`: the range of
/// its contents.
fn rs_literal(cx: &RustCx<'_, '_, '_>, e: &syn::Expr) -> Option<Range<usize>> {
    let e = match e {
        syn::Expr::MethodCall(m)
            if matches!(
                m.method.to_string().as_str(),
                "to_string" | "into" | "to_owned" | "to_vec" | "as_bytes" | "as_str"
            ) && m.args.is_empty() =>
        {
            &*m.receiver
        }
        syn::Expr::Call(c) if c.args.len() == 1 => {
            let syn::Expr::Path(p) = &*c.func else {
                return None;
            };
            let last = p.path.segments.last()?.ident.to_string();
            if !matches!(last.as_str(), "from" | "new") {
                return None;
            }
            c.args.first()?
        }
        syn::Expr::Reference(r) => &*r.expr,
        other => other,
    };
    let syn::Expr::Lit(l) = e else { return None };
    if !matches!(l.lit, syn::Lit::Str(_) | syn::Lit::ByteStr(_)) {
        return None;
    }
    let r = cx.range_of(e);
    let t = cx.src.get(r.clone())?;
    let open = t.find('"')? + 1;
    let close = t.rfind('"')?;
    (close >= open).then(|| r.start + open..r.start + close)
}

fn pat_name(p: &syn::Pat) -> Option<String> {
    match p {
        syn::Pat::Ident(i) => Some(i.ident.to_string()),
        syn::Pat::Type(t) => pat_name(&t.pat),
        _ => None,
    }
}

fn member_name(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(i) => Some(i.to_string()),
            _ => None,
        },
        syn::Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        _ => None,
    }
}

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let mut found: Vec<(String, Range<usize>)> = Vec::new();
    match node {
        RustNode::Local(l) => {
            if let (Some(name), Some(init)) = (pat_name(&l.pat), &l.init) {
                if let Some(r) = rs_literal(cx, &init.expr) {
                    found.push((name, r));
                }
            }
        }
        RustNode::Item(syn::Item::Const(c)) => {
            if let Some(r) = rs_literal(cx, &c.expr) {
                found.push((c.ident.to_string(), r));
            }
        }
        RustNode::Item(syn::Item::Static(s)) => {
            if let Some(r) = rs_literal(cx, &s.expr) {
                found.push((s.ident.to_string(), r));
            }
        }
        RustNode::Expr(syn::Expr::Struct(s)) => {
            for f in &s.fields {
                if let syn::Member::Named(i) = &f.member {
                    if let Some(r) = rs_literal(cx, &f.expr) {
                        found.push((i.to_string(), r));
                    }
                }
            }
        }
        RustNode::Expr(syn::Expr::Assign(a)) => {
            if let (Some(name), Some(r)) = (member_name(&a.left), rs_literal(cx, &a.right)) {
                found.push((name, r));
            }
        }
        RustNode::Expr(syn::Expr::MethodCall(m)) => {
            let method = m.method.to_string();
            // reqwest `.bearer_auth("...")`, `.basic_auth(user, Some("..."))`
            if method == "bearer_auth" && m.args.len() == 1 {
                if let Some(r) = rs_literal(cx, &m.args[0]) {
                    found.push(("token".into(), r));
                }
            }
            if method == "basic_auth" && m.args.len() == 2 {
                if let syn::Expr::Call(c) = &m.args[1] {
                    if c.args.len() == 1 {
                        if let Some(r) = c.args.first().and_then(|a| rs_literal(cx, a)) {
                            found.push(("password".into(), r));
                        }
                    }
                }
            }
            if m.args.len() == 1 {
                // builder.password("...") / .api_key("...") / .with_token("...")
                let name = method.strip_prefix("with_").unwrap_or(&method).to_owned();
                if let Some(r) = rs_literal(cx, &m.args[0]) {
                    found.push((name, r));
                }
            }
            // env::var("TOKEN").unwrap_or("literal".into()) and unwrap_or_else(|_| "..".into())
            if matches!(method.as_str(), "unwrap_or" | "unwrap_or_else") && m.args.len() == 1 {
                if let syn::Expr::Call(c) = &*m.receiver {
                    if let syn::Expr::Path(p) = &*c.func {
                        let path = cx.resolve_path(&p.path);
                        if path.ends_with("env::var")
                            || path == "var" && cx.uses.contains_key("var")
                        {
                            let key = c.args.first().and_then(crate::lang::rust::lit_str);
                            let arg = match &m.args[0] {
                                syn::Expr::Closure(cl) => &*cl.body,
                                e => e,
                            };
                            if let (Some(key), Some(r)) = (key, rs_literal(cx, arg)) {
                                found.push((key, r));
                            }
                        }
                    }
                }
            }
        }
        _ => {}
    }
    for (name, r) in found {
        consider(cx.file, &name, r, RS_HELP);
    }
}

// ------------------------------------------------------------------ configuration files

/// A translation catalogue: under `locales/`, `lang/`, `i18n/`, `l10n/` or `translations/`, or
/// named by a language tag (`de-DE.json`, `fr.yml`, `pt_BR.json`).
fn translation_file(path: &std::path::Path) -> bool {
    let lower = |s: &std::ffi::OsStr| s.to_string_lossy().to_ascii_lowercase();
    let in_dir = path.parent().is_some_and(|d| {
        d.components().any(|c| {
            matches!(
                lower(c.as_os_str()).as_str(),
                "locale" | "locales" | "lang" | "langs" | "i18n" | "l10n" | "translations"
            )
        })
    });
    // `de-DE`, `pt_BR`, `zh-Hans`; a bare `fr` only in a `messages/` directory (next-intl).
    let in_messages = path
        .parent()
        .and_then(|d| d.file_name())
        .is_some_and(|d| lower(d) == "messages");
    let tag = path.file_stem().map(lower).is_some_and(|stem| {
        let mut parts = stem.split(['-', '_']);
        let lang = parts.next().unwrap_or("");
        let region = parts.next();
        lang.len() == 2
            && lang.bytes().all(|b| b.is_ascii_lowercase())
            && match region {
                Some(r) => {
                    (r.len() == 2 || r.len() == 4) && r.bytes().all(|b| b.is_ascii_alphabetic())
                }
                None => in_messages,
            }
            && parts.next().is_none()
    });
    in_dir || tag
}

pub(crate) fn check_config(cx: &mut FileCx<'_>) {
    if cx.is_test {
        return;
    }
    let Some(syntax) = config_values::syntax_of(cx.kind, cx.path) else {
        return;
    };
    // Lock files and generated manifests hold hashes, not secrets.
    let name = cx
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if name.ends_with(".lock") || name.ends_with("-lock.json") || name.ends_with("-lock.yaml") {
        return;
    }
    // Translation catalogues hold labels in every language (`"user-password": "Benutzerpasswort"`).
    if translation_file(cx.rel) {
        return;
    }
    let help = match syntax {
        config_values::Syntax::Dockerfile => "do not bake secrets into images: pass them at run time (-e / secrets), or at build time with RUN --mount=type=secret",
        config_values::Syntax::Yaml => "reference the value instead of writing it: ${VAR} substitution, compose/Kubernetes `secrets`, or your CI's secret store",
        config_values::Syntax::Env => "keep real values out of the repository: commit a .env.example with placeholders and load the real file from the deployment environment",
        _ => "move the value to the environment or a secret manager and reference it from here",
    };
    for p in config_values::pairs(syntax, cx.text) {
        consider(cx, &p.name, p.value, help);
    }
}

#[cfg(test)]
mod translation_tests {
    use std::path::Path;

    #[test]
    fn translation_files() {
        for p in [
            "frontend/lang/messages/de-DE.json",
            "src/locales/fr/common.json",
            "config/i18n/labels.yml",
            "app/translations/pt_BR.json",
            "messages/fr.json",
            "de-DE.json",
        ] {
            assert!(super::translation_file(Path::new(p)), "{p}");
        }
        for p in [
            "config/settings.json",
            "deploy/db.yaml",
            "appsettings.json",
            "ci.yml",
            ".github/workflows/ci.yml",
            "db/qa.json",
            "k8s/secrets.yaml",
        ] {
            assert!(!super::translation_file(Path::new(p)), "{p}");
        }
    }
}
