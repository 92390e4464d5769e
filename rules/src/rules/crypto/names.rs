//! What hashed values and their surroundings are called: password-like, secret-like, or an
//! obviously non-security use (ETags, cache keys, file checksums), shared by the crypto rules.

use crate::lang::NodeExt;
/// A name that holds a password (`password`, `new_passwd`, `pwd`), not a hash of one or a
/// token/setting about passwords.
pub fn is_password_name(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    let pw = l.contains("password")
        || l.contains("passwd")
        || l.contains("passphrase")
        || l.contains("pass_word")
        || l == "pwd"
        || l.starts_with("pwd_")
        || l.ends_with("_pwd")
        || l == "pw"
        || l == "raw_pw"
        || l == "plain_pw"
        || l == "plaintext";
    pw && ![
        "hash", "token", "reset", "length", "policy", "label", "url", "field", "min", "max",
    ]
    .iter()
    .any(|w| l.contains(w))
}

/// A name for other credentials (raises MD5/SHA-1 severity).
pub fn is_secret_name(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    (l.contains("secret") || l.contains("credential") || l.contains("passcode"))
        && !l.contains("hash")
}

/// A name that says the digest is not used for security.
pub fn is_non_security_name(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    [
        "etag",
        "cache",
        "checksum",
        "fingerprint",
        "file",
        "chunk",
        "gravatar",
        "dedup",
        "filename",
        "path",
        "url",
        "git",
        "blob",
        "oid",
        "content_hash",
        "contenthash",
        "integrity",
        "color",
        "colour",
        "shard",
        "bucket",
        "partition",
        "uuid",
        "seed",
        "fixture",
        "mock",
        "avatar",
        "slug",
        "content",
        "asset",
        "bundle",
    ]
    .iter()
    .any(|w| l.contains(w))
}

/// For a function that stores a password hash: `hash_password`, `set_password`, `encode`.
pub fn is_password_context(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    (l.contains("password") || l.contains("passwd") || l.contains("pwd"))
        && !l.contains("reset")
        && !l.contains("token")
        && !l.contains("pwned")
}

/// Settings meant for development or tests (`settings/test.py`, `class TestConfig`, `if DEBUG:`)
/// may choose fast hashing on purpose.
pub fn py_development_context(
    path: &std::path::Path,
    src: &str,
    at: tree_sitter::Node<'_>,
) -> bool {
    let dev = |s: &str| {
        let l = s.to_ascii_lowercase();
        ["dev", "local", "test", "debug"]
            .iter()
            .any(|w| l.contains(w))
    };
    if path
        .to_string_lossy()
        .split(['/', '\\'])
        .any(|c| dev(c.trim_end_matches(".py")))
    {
        return true;
    }
    let mut cur = at.up();
    let mut steps = 0;
    while let Some(p) = cur {
        steps += 1;
        if steps > 64 {
            break;
        }
        match p.k() {
            "class_definition"
                if p.field("name")
                    .is_some_and(|n| dev(src.get(n.byte_range()).unwrap_or(""))) =>
            {
                return true;
            }
            "if_statement" => return true,
            _ => {}
        }
        cur = p.up();
    }
    false
}

/// How the hashed value looks, from the names around it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    Password,
    Secret,
    NonSecurity,
    Unknown,
}

/// Classifies from the identifiers inside the hashed expression (`data`) and the names around it
/// (assignment target, enclosing function: `context`).
pub fn classify(data: &[String], context: &[String]) -> Use {
    if data.iter().any(|n| is_password_name(n)) || context.iter().any(|n| is_password_context(n)) {
        return Use::Password;
    }
    if data.iter().chain(context).any(|n| is_secret_name(n)) {
        return Use::Secret;
    }
    if data.iter().chain(context).any(|n| is_non_security_name(n)) {
        return Use::NonSecurity;
    }
    Use::Unknown
}

/// Identifier-like words in JS/Python syntax subtree (bounded).
pub fn ts_identifiers(src: &str, n: tree_sitter::Node<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![n];
    let mut budget = 2_000usize;
    while let Some(x) = stack.pop() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            break;
        }
        if matches!(
            x.k(),
            "identifier" | "property_identifier" | "shorthand_property_identifier"
        ) {
            out.push(src.get(x.byte_range()).unwrap_or("").to_owned());
            continue;
        }
        // String contents say nothing about the data ("utf-8").
        if matches!(x.k(), "string" | "template_string") && !has_named_code(x) {
            continue;
        }
        let mut c = x.walk();
        stack.extend(x.named_children(&mut c));
    }
    out
}

fn has_named_code(n: tree_sitter::Node<'_>) -> bool {
    let mut c = n.walk();
    let r = n
        .named_children(&mut c)
        .any(|ch| matches!(ch.k(), "interpolation" | "template_substitution"));
    r
}

/// Identifiers in a Rust expression.
pub fn rust_identifiers(e: &syn::Expr) -> Vec<String> {
    use quote_free::idents;
    idents(e)
}

mod quote_free {
    use syn::visit::Visit;
    struct Ids(Vec<String>);
    impl<'ast> Visit<'ast> for Ids {
        fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
            if self.0.len() < 256 {
                self.0.push(i.to_string());
            }
        }
    }
    pub fn idents(e: &syn::Expr) -> Vec<String> {
        let mut v = Ids(Vec::new());
        v.visit_expr(e);
        v.0
    }
}

/// Python names around a call: the assignment target (`user.password_hash = md5(..)`) and the
/// enclosing function's name.
pub fn py_context(src: &str, call: tree_sitter::Node<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = call.up();
    let mut steps = 0;
    while let Some(p) = cur {
        steps += 1;
        if steps > 64 {
            break;
        }
        match p.k() {
            "assignment" | "augmented_assignment" if out.is_empty() => {
                if let Some(l) = p.field("left") {
                    out.extend(ts_identifiers(src, l).into_iter().rev().take(1));
                }
            }
            "keyword_argument" | "pair" if out.is_empty() => {
                if let Some(k) = p.field("name").or_else(|| p.field("key")) {
                    out.push(src.get(k.byte_range()).unwrap_or("").to_owned());
                }
            }
            "function_definition" => {
                if let Some(n) = p.field("name") {
                    out.push(src.get(n.byte_range()).unwrap_or("").to_owned());
                }
                break;
            }
            _ => {}
        }
        cur = p.up();
    }
    out
}

/// JS names around a call: the declared/assigned name and the enclosing function's name.
pub fn js_context(src: &str, call: tree_sitter::Node<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = call.up();
    let mut steps = 0;
    while let Some(p) = cur {
        steps += 1;
        if steps > 64 {
            break;
        }
        match p.k() {
            "variable_declarator" if out.is_empty() => {
                if let Some(n) = p.field("name") {
                    out.push(src.get(n.byte_range()).unwrap_or("").to_owned());
                }
            }
            "assignment_expression" | "pair" if out.is_empty() => {
                if let Some(l) = p.field("left").or_else(|| p.field("key")) {
                    out.extend(ts_identifiers(src, l).into_iter().rev().take(1));
                }
            }
            "function_declaration" | "method_definition" => {
                if let Some(n) = p.field("name") {
                    out.push(src.get(n.byte_range()).unwrap_or("").to_owned());
                }
                break;
            }
            "arrow_function" | "function_expression" | "function" => {
                // `const hashPassword = (pw) => ...`
                if let Some(d) = p.up().filter(|d| d.k() == "variable_declarator") {
                    if let Some(n) = d.field("name") {
                        out.push(src.get(n.byte_range()).unwrap_or("").to_owned());
                    }
                }
                break;
            }
            _ => {}
        }
        cur = p.up();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_password_name("password"));
        assert!(is_password_name("new_password"));
        assert!(is_password_name("userPassword"));
        assert!(is_password_name("pwd"));
        assert!(!is_password_name("password_hash"));
        assert!(!is_password_name("password_reset_token"));
        assert!(!is_password_name("min_password_length"));
        assert!(!is_password_name("compass"));
        assert!(is_non_security_name("etag"));
        assert!(is_non_security_name("cache_key"));
        assert!(is_password_context("hash_password"));
        assert!(!is_password_context("check_pwned_password"));
        assert_eq!(classify(&["password".into()], &[]), Use::Password);
        assert_eq!(
            classify(&["body".into()], &["etag".into()]),
            Use::NonSecurity
        );
    }
}
