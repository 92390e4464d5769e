//! Helpers shared by the web family: identifier classification (is this name a secret?), "is this
//! code guarded by an environment check?", and small literal evaluators (durations, sizes).

use crate::lang::js;
use crate::lang::python as py;
use crate::lang::NodeExt;
use tree_sitter::Node;

/// Splits an identifier into lower-case words (`resetToken` -> [reset, token],
/// `API_KEY` -> [api, key], `x-api-key` -> [x, api, key]).
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let boundary = c.is_ascii_uppercase()
            && i > 0
            && (chars[i - 1].is_ascii_lowercase()
                || (chars[i - 1].is_ascii_uppercase()
                    && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase())));
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Words that make a name describe something about a secret rather than the secret itself
/// (`passwordLength`, `tokenCount`, `password_hash`, `token_url`).
const NOT_THE_SECRET: &[&str] = &[
    "count",
    "counts",
    "length",
    "len",
    "num",
    "max",
    "min",
    "type",
    "types",
    "kind",
    "name",
    "names",
    "label",
    "field",
    "fields",
    "header",
    "placeholder",
    "pattern",
    "regex",
    "re",
    "url",
    "uri",
    "endpoint",
    "path",
    "expiry",
    "expires",
    "expiration",
    "exp",
    "ttl",
    "timeout",
    "age",
    "hash",
    "hashed",
    "digest",
    "masked",
    "mask",
    "redacted",
    "hint",
    "policy",
    "strength",
    "valid",
    "validator",
    "is",
    "has",
    "required",
    "error",
    "errors",
    "message",
    "msg",
    "input",
    "prompt",
    "reset",
    "changed",
    "updated",
    "created",
    "at",
    "date",
    "time",
    "index",
    "idx",
    "prefix",
    "suffix",
    "file",
    "env",
    "var",
    "usage",
    "limit",
    "budget",
    "tokenizer",
    "format",
    "visible",
    "show",
    "toggle",
    "strategy",
    "provider",
    "service",
    "manager",
    "store",
    "storage",
    "cache",
    "fn",
    "func",
    "callback",
    "handler",
    "response",
    "request",
    "req",
    "res",
    "options",
    "opts",
    "config",
    "status",
    "state",
    "form",
    "modal",
    "button",
    "page",
    "screen",
    "view",
    "component",
    "dialog",
    "visibility",
    "repository",
    "repo",
    "dto",
    "schema",
    "model",
    "entity",
    "validation",
    "rule",
    "rules",
    "check",
    "checker",
    "generator",
    "util",
    "utils",
    "helper",
    "module",
    "class",
    "spec",
    "mock",
    "reader",
    "parser",
    "lexer",
    "stream",
    "kind",
    "start",
    "end",
    "pos",
    "position",
    "span",
    "node",
    "list",
    "set",
    "map",
    "enabled",
    "disabled",
    "required",
    "mode",
    "level",
    "scope",
    "scopes",
    "audience",
    "issuer",
    "endpoint",
    "location",
    "source",
    "policy",
];

/// Words that alone name a secret.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "otp",
    "totp",
    "csrf",
    "xsrf",
    "sessionid",
    "sessid",
    "credential",
    "credentials",
    "jwt",
    "bearer",
    "privkey",
];

/// Word pairs that name a secret (`api key`, `session id`, `reset code`).
const SECRET_PAIRS: &[(&str, &str)] = &[
    ("api", "key"),
    ("access", "key"),
    ("secret", "key"),
    ("private", "key"),
    ("signing", "key"),
    ("encryption", "key"),
    ("session", "id"),
    ("session", "key"),
    ("reset", "code"),
    ("verification", "code"),
    ("verify", "code"),
    ("auth", "code"),
    ("recovery", "code"),
    ("activation", "code"),
    ("activation", "key"),
    ("magic", "link"),
    ("one", "time"),
    ("pin", "code"),
];

/// Suffixes that keep a name about the secret's value (`token_str`, `passwordValue`).
const VALUE_SUFFIXES: &[&str] = &[
    "value",
    "val",
    "str",
    "string",
    "bytes",
    "hex",
    "raw",
    "plain",
    "plaintext",
    "text",
    "b64",
    "base64",
    "encoded",
    "buf",
    "buffer",
    "pem",
    "der",
    "bin",
];

/// Whether an identifier names a secret value (a password, a token, an API key, a session id,
/// a reset code), as opposed to something about one (`passwordLength`, `tokenUrl`,
/// `tokenCleanupJob`). The secret must be the thing named: the last word (after value-like
/// suffixes such as `_str`/`Value` are dropped) is a secret word or ends a secret word pair.
pub fn is_secret_name(name: &str) -> bool {
    let mut w = words(name);
    while w.len() > 1
        && w.last()
            .is_some_and(|l| VALUE_SUFFIXES.contains(&l.as_str()))
    {
        w.pop();
    }
    let Some(last) = w.last().map(String::as_str) else {
        return false;
    };
    if NOT_THE_SECRET.contains(&last) {
        return false;
    }
    if w.iter().any(|x| {
        matches!(
            x.as_str(),
            "hash" | "hashed" | "digest" | "masked" | "redacted"
        )
    }) {
        return false;
    }
    if SECRET_WORDS.contains(&last)
        || matches!(last, "passwords" | "secrets" | "passphrases" | "apikeys")
    {
        return true;
    }
    let n = w.len();
    n >= 2
        && SECRET_PAIRS
            .iter()
            .any(|(a, b)| w[n - 2] == *a && w[n - 1] == *b)
}

/// Names of payment-card and personal data that must not be logged.
pub fn is_pii_name(name: &str) -> bool {
    let w = words(name);
    let last = w.last().map(String::as_str).unwrap_or("");
    if NOT_THE_SECRET.contains(&last) {
        return false;
    }
    let has = |a: &str| w.iter().any(|x| x == a);
    let pair = |a: &str, b: &str| w.windows(2).any(|p| p[0] == a && p[1] == b);
    has("cvv")
        || has("cvc")
        || has("ssn")
        || pair("card", "number")
        || pair("credit", "card")
        || pair("card", "no")
        || has("pan") && has("card")
}

// ------------------------------------------------------------------ env guards

/// Whether a condition's text reads like an environment / debug switch.
pub fn is_env_condition(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "node_env",
        "process.env",
        "os.environ",
        "os.getenv",
        "getenv",
        "env.",
        "environ",
        "debug",
        "development",
        "production",
        "isdev",
        "is_dev",
        "isprod",
        "is_prod",
        "settings.",
        "config.",
        "cfg!",
        "testing",
        "local",
        "staging",
        "dev_mode",
        "devmode",
        "app.get(\"env\")",
        "config[",
        "settings[",
        "show_",
        "app.get('env')",
    ]
    .iter()
    .any(|k| t.contains(k))
}

/// Whether a JS node sits inside an `if`/ternary/`&&` whose condition is an environment switch.
pub fn js_env_guarded(src: &str, n: Node<'_>) -> bool {
    let mut cur = n;
    for _ in 0..200 {
        let Some(p) = cur.up() else { return false };
        match p.k() {
            "if_statement" | "ternary_expression" => {
                if let Some(c) = p.field("condition") {
                    if c.id() != cur.id() && is_env_condition(js::node_text(src, c)) {
                        return true;
                    }
                }
            }
            "binary_expression" => {
                if let Some(l) = p.field("left") {
                    if l.id() != cur.id() && is_env_condition(js::node_text(src, l)) {
                        return true;
                    }
                }
            }
            "switch_case" => {
                if let Some(v) = p.field("value") {
                    if is_env_condition(js::node_text(src, v)) {
                        return true;
                    }
                }
            }
            _ => {}
        }
        cur = p;
    }
    false
}

/// Whether a Python node sits inside an `if`/conditional expression on an environment switch.
pub fn py_env_guarded(src: &str, n: Node<'_>) -> bool {
    let mut cur = n;
    for _ in 0..200 {
        let Some(p) = cur.up() else { return false };
        match p.k() {
            "if_statement" | "elif_clause" => {
                if let Some(c) = p.field("condition") {
                    if c.id() != cur.id() && is_env_condition(py::node_text(src, c)) {
                        return true;
                    }
                }
            }
            "conditional_expression" => {
                if is_env_condition(py::node_text(src, p)) {
                    return true;
                }
            }
            _ => {}
        }
        cur = p;
    }
    false
}

/// Whether a Python node sits inside `if __name__ == "__main__":`.
pub fn py_in_main_guard(src: &str, n: Node<'_>) -> bool {
    let mut cur = n;
    for _ in 0..200 {
        let Some(p) = cur.up() else { return false };
        if p.k() == "if_statement" {
            if let Some(c) = p.field("condition") {
                if py::node_text(src, c).contains("__main__") {
                    return true;
                }
            }
        }
        cur = p;
    }
    false
}

/// Whether a Python assignment is a module-level statement (not in a function or class).
pub fn py_module_level(n: Node<'_>) -> bool {
    let mut cur = n.up();
    while let Some(p) = cur {
        if matches!(p.k(), "function_definition" | "class_definition") {
            return false;
        }
        cur = p.up();
    }
    true
}

/// Whether a Python file looks like Django settings: a settings-named module, or module-level
/// `INSTALLED_APPS`/`MIDDLEWARE`/`ROOT_URLCONF` assignments.
pub fn is_django_settings(src: &str, root: Node<'_>, path: &std::path::Path) -> bool {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let in_settings_dir = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|s| s.to_str())
        .is_some_and(|s| s == "settings");
    if stem == "settings" || stem.starts_with("settings_") || in_settings_dir {
        return true;
    }
    let mut c = root.walk();
    let found = root.named_children(&mut c).any(|st| {
        st.k() == "expression_statement"
            && st.named_child(0).is_some_and(|a| {
                a.k() == "assignment"
                    && a.field("left").is_some_and(|l| {
                        matches!(
                            py::node_text(src, l),
                            "INSTALLED_APPS" | "ROOT_URLCONF" | "MIDDLEWARE" | "WSGI_APPLICATION"
                        )
                    })
            })
    });
    found
}

/// Whether a settings module is meant for development or tests only (`settings/dev.py`,
/// `settings_local.py`, `test_settings.py`).
pub fn is_dev_settings(path: &std::path::Path) -> bool {
    thread_local! {
        // Asked for every node of a file: remember the answer for the last path.
        static LAST: std::cell::RefCell<Option<(std::path::PathBuf, bool)>> =
            const { std::cell::RefCell::new(None) };
    }
    if let Some(hit) = LAST.with(|l| {
        l.borrow()
            .as_ref()
            .and_then(|(p, r)| (p.as_path() == path).then_some(*r))
    }) {
        return hit;
    }
    let r = dev_settings_name(path);
    LAST.with(|l| *l.borrow_mut() = Some((path.to_owned(), r)));
    r
}

fn dev_settings_name(path: &std::path::Path) -> bool {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    words(&stem).iter().any(|w| {
        matches!(
            w.as_str(),
            "dev"
                | "develop"
                | "development"
                | "local"
                | "test"
                | "tests"
                | "testing"
                | "ci"
                | "debug"
                | "example"
                | "sample"
                | "demo"
        )
    })
}

// ------------------------------------------------------------------ literal evaluation

/// Evaluates a constant numeric expression (`60 * 60 * 24`, `1_000`, `3600.0`) in JS or Python.
pub fn eval_num(src: &str, n: Node<'_>, depth: usize) -> Option<f64> {
    if depth > 16 {
        return None;
    }
    match n.k() {
        "number" | "integer" | "float" => {
            let t: String = js::node_text(src, n)
                .chars()
                .filter(|c| *c != '_')
                .collect();
            let t = t.trim_end_matches(['n', 'L', 'l']);
            if let Some(h) = t.strip_prefix("0x") {
                return i64::from_str_radix(h, 16).ok().map(|v| v as f64);
            }
            t.parse::<f64>().ok()
        }
        "parenthesized_expression" => eval_num(src, n.named_child(0)?, depth + 1),
        "binary_expression" | "binary_operator" => {
            let l = eval_num(src, n.field("left")?, depth + 1)?;
            let r = eval_num(src, n.field("right")?, depth + 1)?;
            let op = n.field("operator")?;
            match js::node_text(src, op) {
                "*" => Some(l * r),
                "+" => Some(l + r),
                "-" => Some(l - r),
                "/" | "//" if r != 0.0 => Some(l / r),
                "**" => Some(l.powf(r)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Evaluates a Rust constant integer expression (`60 * 60 * 24`, `10 * 1024 * 1024`).
pub fn eval_rust_num(e: &syn::Expr, depth: usize) -> Option<f64> {
    if depth > 16 {
        return None;
    }
    match e {
        syn::Expr::Lit(l) => match &l.lit {
            syn::Lit::Int(i) => i.base10_parse::<u128>().ok().map(|v| v as f64),
            syn::Lit::Float(f) => f.base10_parse::<f64>().ok(),
            _ => None,
        },
        syn::Expr::Paren(p) => eval_rust_num(&p.expr, depth + 1),
        syn::Expr::Group(g) => eval_rust_num(&g.expr, depth + 1),
        syn::Expr::Cast(c) => eval_rust_num(&c.expr, depth + 1),
        syn::Expr::Binary(b) => {
            let l = eval_rust_num(&b.left, depth + 1)?;
            let r = eval_rust_num(&b.right, depth + 1)?;
            match b.op {
                syn::BinOp::Mul(_) => Some(l * r),
                syn::BinOp::Add(_) => Some(l + r),
                syn::BinOp::Sub(_) => Some(l - r),
                syn::BinOp::Div(_) if r != 0.0 => Some(l / r),
                syn::BinOp::Shl(_) => Some(l * 2f64.powf(r)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Parses a size such as `"50mb"`, `"1gb"`, `"100kb"`, `"2 MB"` into bytes (the `bytes` package's
/// syntax used by body-parser).
pub fn parse_size(s: &str) -> Option<f64> {
    let t = s.trim().to_ascii_lowercase();
    let idx = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(idx);
    let v: f64 = num.parse().ok()?;
    let mult = match unit.trim() {
        "" | "b" => 1.0,
        "kb" | "k" => 1024.0,
        "mb" | "m" => 1024.0 * 1024.0,
        "gb" | "g" => 1024.0 * 1024.0 * 1024.0,
        "tb" | "t" => 1024f64.powi(4),
        _ => return None,
    };
    Some(v * mult)
}

/// Parses a `ms`/`jsonwebtoken`-style duration (`"30d"`, `"2h"`, `"7 days"`, `3600` seconds
/// when `bare_seconds`) into seconds.
pub fn parse_duration_secs(s: &str) -> Option<f64> {
    let t = s.trim().to_ascii_lowercase();
    let idx = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(idx);
    let v: f64 = num.parse().ok()?;
    let mult = match unit.trim() {
        // `ms` treats a bare numeric string as milliseconds.
        "" | "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" => 0.001,
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86400.0,
        "w" | "week" | "weeks" => 604800.0,
        "y" | "yr" | "yrs" | "year" | "years" => 31_557_600.0,
        _ => return None,
    };
    Some(v * mult)
}

/// Whether a URL's host is local, private, reserved for examples, or a bare service name.
pub fn is_local_host(url_after_scheme: &str) -> bool {
    let host_port = url_after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("")
        .rsplit('@')
        .next()
        .unwrap_or("");
    let host = if host_port.starts_with('[') {
        host_port
            .trim_start_matches('[')
            .split(']')
            .next()
            .unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    }
    .to_ascii_lowercase();
    if host.is_empty() || !host.contains('.') {
        // `localhost`, docker-compose service names (`http://api:8080`), templated hosts.
        return true;
    }
    if host.contains(['{', '$', '<', '%']) {
        return true;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let tld = *labels.last().unwrap_or(&"");
    if matches!(
        tld,
        "local"
            | "localhost"
            | "internal"
            | "test"
            | "example"
            | "invalid"
            | "lan"
            | "home"
            | "corp"
            | "intranet"
            | "svc"
            | "cluster"
    ) {
        return true;
    }
    if labels
        .iter()
        .any(|l| matches!(*l, "example" | "localhost" | "internal"))
    {
        return true;
    }
    let octets: Vec<u8> = labels.iter().filter_map(|l| l.parse().ok()).collect();
    if octets.len() == 4 {
        return matches!(octets[0], 10 | 127 | 0)
            || (octets[0] == 192 && octets[1] == 168)
            || (octets[0] == 172 && (16..32).contains(&octets[1]))
            || (octets[0] == 169 && octets[1] == 254)
            || (octets[0] == 100 && (64..128).contains(&octets[1]));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for yes in [
            "password",
            "resetToken",
            "session_id",
            "API_KEY",
            "apiKey",
            "csrf_token",
            "otp",
            "newPassword",
            "verificationCode",
            "client_secret",
            "accessToken",
            "token_str",
            "secretKey",
            "passwords",
        ] {
            assert!(is_secret_name(yes), "{yes}");
        }
        for no in [
            "passwordLength",
            "token_url",
            "max_tokens",
            "tokens",
            "password_hash",
            "tokenType",
            "user",
            "session",
            "keyboard",
            "monkey",
            "passwordError",
            "reset_token_expires",
            "scheduleTokenCleanupJob",
            "token_bucket",
        ] {
            assert!(!is_secret_name(no), "{no}");
        }
    }

    #[test]
    fn hosts() {
        for local in [
            "localhost:3000/x",
            "127.0.0.1/a",
            "api:8080/v1",
            "api.example.com/x",
            "10.0.0.2/x",
            "svc.default.svc.cluster.local/x",
            "user:pw@localhost/x",
            "[::1]:80/",
        ] {
            assert!(is_local_host(local), "{local}");
        }
        for remote in ["api.stripe.com/v1", "8.8.8.8/", "payments.acme.io/charge"] {
            assert!(!is_local_host(remote), "{remote}");
        }
    }

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_size("1gb"), Some(1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse_size("100kb"), Some(102400.0));
        assert_eq!(parse_duration_secs("30d"), Some(30.0 * 86400.0));
        assert_eq!(parse_duration_secs("2 hours"), Some(7200.0));
        assert_eq!(words("resetToken"), vec!["reset", "token"]);
        assert_eq!(words("HTTPServer"), vec!["http", "server"]);
    }
}
