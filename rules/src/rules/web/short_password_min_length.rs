use super::common;
use crate::lang::js::{self, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use crate::meta::Severity;
use tree_sitter::Node;

crate::declare_rule! {
    /// ## What it does
    /// Flags password policies whose minimum length is below 12 characters:
    /// - Django `AUTH_PASSWORD_VALIDATORS` with `MinimumLengthValidator` and `min_length` below 12,
    ///   or without `OPTIONS` (the default is 8);
    /// - Python schemas for fields named like a password: pydantic `constr(min_length=8)`,
    ///   `Field(min_length=8)`, Django/DRF `CharField(min_length=8)`, WTForms `Length(min=8)`;
    /// - JS/TS schemas: zod/yup/joi `password: z.string().min(8)`, class-validator `@MinLength(8)`
    ///   on a `password` property;
    /// - Rust `validator` derive `#[validate(length(min = 8))]` on a `password` field.
    ///
    /// ## Why is this bad?
    /// Short passwords fall to offline cracking after a database leak and to online guessing.
    /// Current guidance (NIST SP 800-63B, OWASP ASVS) is a minimum of 8 at the very least and
    /// 12-15 or more for single-factor passwords; this project's checklist sets 12.
    ///
    /// ## Example
    /// ```python
    /// {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}}
    /// ```
    /// ```ts
    /// const Signup = z.object({ email: z.string().email(), password: z.string().min(8) });
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}}
    /// ```
    /// ```ts
    /// const Signup = z.object({ email: z.string().email(), password: z.string().min(12).max(128) });
    /// ```
    ///
    /// ## How to fix
    /// Require at least 12 characters, allow long passphrases (64+), skip composition rules, and
    /// check candidates against breached-password lists (Django `CommonPasswordValidator`,
    /// haveibeenpwned k-anonymity API).
    ///
    /// ## Not flagged
    /// Login forms whose schema only checks presence (`.min(1)`), fields that are not passwords,
    /// minimums from configuration, and test code.
    ///
    /// ## References
    /// - CWE-521: Weak Password Requirements
    /// - NIST SP 800-63B 5.1.1; OWASP ASVS V2.1
    pub SHORT_PASSWORD_MIN_LENGTH {
        id: "short-password-min-length",
        title: "Minimum password length below 12",
        severity: Medium,
        confidence: High,
        cwe: [521],
        checklist: 11,
        languages: [Rust, JavaScript, TypeScript, Python],
        fix: None,
    }
}

const MIN: f64 = 12.0;

fn is_password_field(name: &str) -> bool {
    let w = common::words(name);
    let last = w.last().map(String::as_str).unwrap_or("");
    matches!(
        last,
        "password" | "passwd" | "passphrase" | "pwd" | "password1" | "password2"
    ) || (w.len() >= 2 && w[w.len() - 2] == "password" && matches!(last, "1" | "2" | "new"))
}

fn report<'a>(
    file: &'a mut crate::engine::FileCx<'_>,
    r: std::ops::Range<usize>,
    n: f64,
    help: &str,
) -> &'a mut crate::finding::Finding {
    file.report(
        &SHORT_PASSWORD_MIN_LENGTH,
        r,
        format!("passwords may be as short as {n:.0} characters (minimum should be 12)"),
    )
    .help(help.to_owned())
}

// ------------------------------------------------------------------ Python

/// The nodes [`check_py`] is called on.
pub(crate) const PY_ON: crate::lang::On = crate::lang::On::Kinds(&["dictionary", "call"]);

pub(crate) fn check_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    if cx.file.is_test {
        return;
    }
    let src = cx.src;
    match node.k() {
        "dictionary" => {
            // Django AUTH_PASSWORD_VALIDATORS entry.
            let mut name_ok = false;
            let mut opts = None;
            let mut c = node.walk();
            for p in node.named_children(&mut c) {
                if p.k() != "pair" {
                    continue;
                }
                let (Some(k), Some(v)) = (p.field("key"), p.field("value")) else {
                    continue;
                };
                match py::string_value(src, k) {
                    Some("NAME") => {
                        name_ok = py::string_value(src, v)
                            .is_some_and(|s| s.ends_with("MinimumLengthValidator"));
                    }
                    Some("OPTIONS") => opts = Some(v),
                    _ => {}
                }
            }
            if !name_ok {
                return;
            }
            let help = "set \"OPTIONS\": {\"min_length\": 12} on MinimumLengthValidator";
            // Django's default min_length is 8: reported with Low severity (it is the framework
            // default many projects keep knowingly), explicit small values with Medium.
            match opts {
                None => {
                    report(cx.file, node.byte_range(), 8.0, help).severity(Severity::Low);
                }
                Some(o) => {
                    if o.k() != "dictionary" {
                        return;
                    }
                    let mut c = o.walk();
                    let ml = o.named_children(&mut c).find_map(|p| {
                        let k = p.field("key")?;
                        (py::string_value(src, k) == Some("min_length"))
                            .then(|| p.field("value"))
                            .flatten()
                    });
                    match ml {
                        None => {
                            report(cx.file, o.byte_range(), 8.0, help).severity(Severity::Low);
                        }
                        Some(v) => {
                            if let Some(n) = common::eval_num(src, v, 0) {
                                if n < MIN {
                                    report(cx.file, v.byte_range(), n, help);
                                }
                            }
                        }
                    }
                }
            }
        }
        "call" => {
            let Some(name) = py::callee_name(src, node) else {
                return;
            };
            let kw = match name {
                "constr" | "Field" | "CharField" | "StringField" | "PasswordField" | "Str" => {
                    "min_length"
                }
                "Length" => "min",
                _ => return,
            };
            let Some(v) = py::keyword_arg(src, node, kw) else {
                return;
            };
            let Some(n) = common::eval_num(src, v, 0) else {
                return;
            };
            if n >= MIN || n <= 1.0 {
                return;
            }
            // The field this call defines: `password: constr(..)`, `password = CharField(..)`,
            // `password = PasswordField("Password", validators=[Length(min=8)])`.
            let Some(field) = py_field_name(src, node) else {
                return;
            };
            if !is_password_field(&field) {
                return;
            }
            report(
                cx.file,
                v.byte_range(),
                n,
                "require at least 12 characters (min_length=12) and allow long passphrases",
            );
        }
        _ => {}
    }
}

fn py_field_name(src: &str, n: Node<'_>) -> Option<String> {
    let mut cur = n;
    for _ in 0..8 {
        let p = cur.up()?;
        match p.k() {
            "assignment" => {
                // `password: str = Field(..)` and `password: constr(..)` (annotation).
                let l = p.field("left")?;
                return Some(py::node_text(src, l).to_owned());
            }
            "keyword_argument" => {
                let k = py::node_text(src, p.field("name")?);
                if k != "validators" {
                    return Some(k.to_owned());
                }
            }
            "pair" => return py::string_value(src, p.field("key")?).map(str::to_owned),
            "block" | "module" => return None,
            _ => {}
        }
        cur = p;
    }
    None
}

// ------------------------------------------------------------------ JavaScript / TypeScript

/// The nodes [`check_js`] is called on.
pub(crate) const JS_ON: crate::lang::On = crate::lang::On::Kinds(&["pair", "decorator"]);

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
            if !is_password_field(key) || v.k() != "call_expression" {
                return;
            }
            // Walk the method chain: z.string().min(8).max(64)
            let mut cur = v;
            let mut min: Option<(f64, Node)> = None;
            let mut is_string = false;
            for _ in 0..16 {
                if cur.k() != "call_expression" {
                    break;
                }
                let name = js::callee_name(src, cur).unwrap_or("");
                if matches!(name, "min" | "minLength" | "minlength") {
                    if let Some(a) = js::call_args(cur).first() {
                        if let Some(n) = common::eval_num(src, *a, 0) {
                            min = Some((n, *a));
                        }
                    }
                }
                if name == "string" {
                    is_string = true;
                }
                let Some(f) = cur.field("function") else {
                    break;
                };
                let Some(o) = f.field("object") else {
                    break;
                };
                cur = o;
            }
            let Some((n, at)) = min else { return };
            if !is_string || n >= MIN || n <= 1.0 {
                return;
            }
            report(
                cx.file,
                at.byte_range(),
                n,
                "require at least 12 characters: .min(12) (and allow up to 64+ characters)",
            );
        }
        "decorator" => {
            // class-validator: @MinLength(8) password: string;
            let Some(call) = node.named_child(0).filter(|c| c.k() == "call_expression") else {
                return;
            };
            if js::callee_name(src, call) != Some("MinLength") {
                return;
            }
            let Some(a) = js::call_args(call).into_iter().next() else {
                return;
            };
            let Some(n) = common::eval_num(src, a, 0) else {
                return;
            };
            if n >= MIN || n <= 1.0 {
                return;
            }
            // The decorated property follows the decorator.
            let Some(prop) = node.up() else { return };
            let Some(name) = prop.field("name").map(|n| js::node_text(src, n)) else {
                return;
            };
            if !is_password_field(name) {
                return;
            }
            report(
                cx.file,
                a.byte_range(),
                n,
                "require at least 12 characters: @MinLength(12)",
            );
        }
        _ => {}
    }
}

// ------------------------------------------------------------------ Rust

pub(crate) fn check_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.file.is_test || cx.in_test() {
        return;
    }
    let RustNode::Item(syn::Item::Struct(s)) = node else {
        return;
    };
    for f in &s.fields {
        let Some(id) = &f.ident else { continue };
        if !is_password_field(&id.to_string()) {
            continue;
        }
        for a in &f.attrs {
            if !a.path().is_ident("validate") {
                continue;
            }
            let syn::Meta::List(l) = &a.meta else {
                continue;
            };
            let t: String = l
                .tokens
                .to_string()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let Some(i) = t.find("length(") else { continue };
            let inner = &t[i + 7..];
            let inner = inner.split(')').next().unwrap_or("");
            let Some(min) = inner
                .split(',')
                .find_map(|kv| kv.strip_prefix("min="))
                .and_then(|v| v.trim_end_matches("usize").parse::<f64>().ok())
            else {
                continue;
            };
            if min < MIN && min > 1.0 {
                let r = cx.range_of(a);
                report(
                    cx.file,
                    r,
                    min,
                    "require at least 12 characters: #[validate(length(min = 12))]",
                );
            }
        }
    }
}
