//! Judging values and names: entropy, placeholders, secret-looking names.

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    let n = n as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Placeholders in token-shaped values (`ghp_xxxx...`, `AKIA...EXAMPLE`, `${TOKEN}`).
pub fn is_token_placeholder(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    const WORDS: &[&str] = &[
        "example",
        "xxxxxx",
        "000000",
        "111111",
        "123456789",
        "abcdefgh",
        "your_",
        "your-",
        "placeholder",
        "redacted",
        "dummy",
        "sample",
        "notreal",
        "not_real",
        "fake_",
        "${",
        "{{",
        "<",
        "****",
        "....",
    ];
    if WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    few_distinct(s)
}

/// The value has at most 3 distinct characters, or is one short run repeated (`abababab`).
fn few_distinct(s: &str) -> bool {
    let mut seen = [false; 256];
    let mut n = 0;
    for b in s.bytes() {
        if !seen[b as usize] {
            seen[b as usize] = true;
            n += 1;
        }
    }
    n <= 3
}

/// Placeholders, references and obviously-not-a-secret values for generic (name-based) secrets.
pub fn is_generic_placeholder(value: &str) -> bool {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    if v.is_empty() || few_distinct(v) {
        return true;
    }
    // References to other values: ${VAR}, $VAR, {{ var }}, %(var)s, <your-key>, [secret], os.environ
    if v.starts_with('$')
        || v.starts_with('%')
        || v.starts_with('<')
        || v.starts_with('[')
        || v.starts_with('{')
        || v.contains("${")
        || v.contains("{{")
        || v.contains("%(")
        || v.contains("#{")
        || v.starts_with("env:")
        || v.starts_with("ENC[")
        || v.starts_with("vault:")
        || v.starts_with("secret:")
        || v.starts_with("arn:")
        || v.starts_with("projects/")
        || v.starts_with("op://")
        || v.starts_with("sm://")
        || v.starts_with("file:")
        || v.starts_with('/')
        || v.starts_with("./")
        || v.starts_with("~/")
        || v.starts_with("http://")
        || v.starts_with("https://")
    {
        return true;
    }
    const WORDS: &[&str] = &[
        "changeme",
        "change_me",
        "change-me",
        "changeit",
        "changethis",
        "change_this",
        "change-this",
        "setme",
        "set_me",
        "set-me",
        "fillme",
        "fill_me",
        "fill-me",
        "example",
        "xxx",
        "***",
        "...",
        "dummy",
        "sample",
        "placeholder",
        "redacted",
        "your_",
        "your-",
        "yourpass",
        "yoursecret",
        "yourkey",
        "mypassword",
        "replace",
        "insert",
        "todo",
        "fixme",
        "not-a-secret",
        "notasecret",
        "not_a_secret",
        "notsecret",
        "fake",
        "mock",
        "test",
        "foobar",
        "secret_key_here",
        "none",
        "null",
        "undefined",
        "required",
        "optional",
        "default",
        "password",
        "passwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
        "pass123",
        "123456",
        "qwerty",
        "letmein",
        "hunter2",
        "admin",
        "root",
        "guest",
        "user",
        "demo",
        "local",
        "dev",
    ];
    WORDS.iter().any(|w| lower.contains(w))
}

/// Splits an identifier into lower-case words: `clientSecret` / `CLIENT_SECRET` / `client-secret`
/// -> ["client", "secret"].
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
        if c.is_ascii_uppercase()
            && !cur.is_empty()
            && (chars[i - 1].is_ascii_lowercase()
                || chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase())
                    && chars[i - 1].is_ascii_uppercase())
        {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// What kind of secret a name announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretName {
    /// `password`, `passwd`, `pwd`, `db_pass`, `passphrase`: humans choose these, so low entropy
    /// values still count.
    Password,
    /// `api_key`, `secret`, `token`, `client_secret`, `private_key`: machine-made, must look random.
    Key,
}

/// Classifies a variable/field/key name. `None` for names that merely mention a secret
/// (`password_field`, `token_url`, `secret_name`, `TOKEN_TYPE`).
pub fn secret_name(name: &str) -> Option<SecretName> {
    let w = words(name);
    if w.is_empty() || w.len() > 6 {
        return None;
    }
    const NOT: &[&str] = &[
        "name",
        "names",
        "field",
        "fields",
        "label",
        "url",
        "uri",
        "path",
        "file",
        "filename",
        "dir",
        "prompt",
        "placeholder",
        "message",
        "msg",
        "hint",
        "pattern",
        "regex",
        "re",
        "type",
        "types",
        "kind",
        "length",
        "len",
        "min",
        "max",
        "size",
        "count",
        "header",
        "param",
        "parameter",
        "env",
        "var",
        "variable",
        "policy",
        "expiry",
        "expires",
        "expiration",
        "ttl",
        "timeout",
        "lifetime",
        "endpoint",
        "prefix",
        "suffix",
        "format",
        "mode",
        "enabled",
        "enable",
        "required",
        "error",
        "errors",
        "text",
        "title",
        "description",
        "help",
        "display",
        "input",
        "selector",
        "id",
        "ids",
        "index",
        "column",
        "col",
        "attr",
        "attribute",
        "cookie",
        "storage",
        "sample",
        "dummy",
        "test",
        "mock",
        "fake",
        "example",
        "reset",
        "forgot",
        // Pagination cursors: `next_page_token`, `pageToken`, `cursor_token`.
        "page",
        "cursor",
        "continuation",
        "pagination",
        "hash",
        "hashed",
        "hasher",
        "salt",
        "digest",
        "algorithm",
        "algo",
        "generator",
        "validator",
        "strength",
        "rule",
        "rules",
        "policy",
        "ref",
        "reference",
        "arn",
        "version",
        "location",
        "source",
        "provider",
        "store",
        "manager",
        "class",
        "module",
        "method",
        "fn",
        "func",
        "function",
        "callback",
        "handler",
        "service",
        "option",
        "options",
        "config",
        "setting",
        "settings",
        "status",
        "state",
        "changed",
        "updated",
        "created",
        "at",
        "date",
        "time",
        "uses",
        "used",
        "is",
        "has",
        "should",
        "use",
        "show",
        "hide",
        "visible",
        "toggle",
        "check",
        "verify",
        "confirm",
        "validate",
        "regexp",
        "template",
        "widget",
        "form",
        "request",
        "response",
        "endpoint",
        "route",
        "scope",
        "scopes",
        "audience",
        "issuer",
        "usage",
        "encoding",
        "encoded",
        "bytes",
        "bits",
        "count",
        "limit",
        "pair",
        "public",
        "pub",
    ];
    if w.iter().any(|x| NOT.contains(&x.as_str())) {
        return None;
    }
    let last = w.last().map(String::as_str).unwrap_or("");
    let joined = w.join("");
    if matches!(
        last,
        "password" | "passwd" | "pwd" | "passphrase" | "pw" | "pass"
    ) || joined.ends_with("password")
    {
        // `pass` alone is too vague (a boolean "pass" / the keyword): need a qualifier.
        if (last == "pass" || last == "pw") && w.len() < 2 {
            return None;
        }
        return Some(SecretName::Password);
    }
    if ends_with_key_pair(&w)
        || matches!(
            last,
            "secret" | "token" | "apikey" | "credential" | "credentials"
        )
        || joined.ends_with("apikey")
        || joined.ends_with("secretkey")
        || joined.ends_with("accesstoken")
    {
        return Some(SecretName::Key);
    }
    None
}

fn ends_with_key_pair(w: &[String]) -> bool {
    if w.len() < 2 || w[w.len() - 1] != "key" {
        return false;
    }
    matches!(
        w[w.len() - 2].as_str(),
        "api"
            | "secret"
            | "private"
            | "access"
            | "auth"
            | "signing"
            | "encryption"
            | "master"
            | "app"
            | "license"
            | "hmac"
            | "jwt"
            | "session"
            | "aes"
            | "crypt"
            | "cipher"
    )
}

/// Does this literal, assigned to a name of kind `kind`, look like a real hardcoded secret?
pub fn looks_like_secret(kind: SecretName, value: &str) -> bool {
    let v = value;
    if v.chars().any(char::is_whitespace) || is_generic_placeholder(v) {
        return false;
    }
    if !v.is_ascii() {
        return false;
    }
    let has_lower = v.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = v.bytes().any(|b| b.is_ascii_uppercase());
    let has_digit = v.bytes().any(|b| b.is_ascii_digit());
    let has_symbol = v.bytes().any(|b| b.is_ascii_punctuation());
    let classes = [has_lower, has_upper, has_digit, has_symbol]
        .iter()
        .filter(|x| **x)
        .count();
    // identifiers/keys: `user_password`, `API_KEY`, `x-api-key`, `some.setting.name`
    let identifier_like = (v
        .bytes()
        .all(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'-' || b == b'.')
        && !(has_lower && has_upper))
        || word_segments(v);
    match kind {
        // Words in other languages (`Passwort`, `Kennwort:`) are labels: a password needs a
        // digit, or to be long and varied.
        SecretName::Password => {
            v.len() >= 8
                && !identifier_like
                && classes >= 2
                && entropy(v) >= 2.5
                && (has_digit || (v.len() >= 12 && entropy(v) >= 3.5))
        }
        // Machine-made keys of 16+ random characters nearly always hold a digit.
        SecretName::Key => {
            v.len() >= 16 && !identifier_like && classes >= 2 && has_digit && entropy(v) >= 3.3
        }
    }
}

/// `Win32_System_Com`, `sha256-hmac`, `App.Settings.V2`: two or more separated segments, each
/// a word (`lower`, `UPPER`, `Capitalized`) optionally ending in digits. Random keys have
/// digits and case changes in the middle of their runs.
fn word_segments(v: &str) -> bool {
    let segs: Vec<&str> = v.split(['_', '-', '.']).collect();
    segs.len() >= 2
        && segs.iter().all(|s| {
            let alpha = s.trim_end_matches(|c: char| c.is_ascii_digit());
            let rest = &alpha[alpha.len().min(1)..];
            !alpha.is_empty()
                && alpha.len() <= 24
                && alpha.bytes().all(|b| b.is_ascii_alphabetic())
                && (rest.bytes().all(|b| b.is_ascii_lowercase())
                    || alpha.bytes().all(|b| b.is_ascii_uppercase()))
        })
}

/// Decodes base64url (or standard base64), padding optional.
pub fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_words() {
        assert_eq!(words("clientSecret"), ["client", "secret"]);
        assert_eq!(
            words("AWS_SECRET_ACCESS_KEY"),
            ["aws", "secret", "access", "key"]
        );
        assert_eq!(words("APIKey"), ["api", "key"]);
        assert_eq!(words("db-pass"), ["db", "pass"]);
    }

    #[test]
    fn names() {
        use SecretName::*;
        for (n, k) in [
            ("password", Some(Password)),
            ("DB_PASSWORD", Some(Password)),
            ("dbPass", Some(Password)),
            ("passwd", Some(Password)),
            ("api_key", Some(Key)),
            ("apiKey", Some(Key)),
            ("SECRET_KEY", Some(Key)),
            ("client_secret", Some(Key)),
            ("clientSecret", Some(Key)),
            ("private_key", Some(Key)),
            ("accessToken", Some(Key)),
            ("GITHUB_TOKEN", Some(Key)),
            ("password_field", None),
            ("token_url", None),
            ("secret_name", None),
            ("TOKEN_TYPE", None),
            ("key", None),
            ("pass", None),
            ("passwordResetUrl", None),
            ("public_key", None),
            ("api_key_header", None),
            ("next_page_token", None),
            ("pageToken", None),
            ("NEXT_AUTH_SECRET", Some(Key)),
            ("continuation_token", None),
        ] {
            assert_eq!(secret_name(n), k, "{n}");
        }
    }

    #[test]
    fn values() {
        use SecretName::*;
        // Built at run time so the source holds no literal secret.
        let key = format!("{}{}", "q8Zt3", "LmW0x9RkPv2sYb7N");
        assert!(looks_like_secret(Key, &key));
        assert!(looks_like_secret(Password, "s3cr3t-Pa55!"));
        for (v, why) in [
            ("changeme", "placeholder"),
            (
                "changethis",
                "placeholder (the FastAPI full-stack template's .env)",
            ),
            ("${DB_PASSWORD}", "reference"),
            ("<your-api-key>", "placeholder"),
            ("xxxxxxxxxxxxxxxx", "same chars"),
            ("Enter your password", "prose"),
            ("user_password", "a key name"),
            ("X-API-KEY", "a header name"),
            ("/run/secrets/db", "a path"),
            ("password123", "contains the word"),
            ("short1", "too short"),
            ("Win32_System_Com", "a feature name"),
            ("Sha256-Hmac-Signer", "an identifier"),
        ] {
            assert!(!looks_like_secret(Password, v), "{v}: {why}");
            assert!(!looks_like_secret(Key, v), "{v}: {why}");
        }
    }

    #[test]
    fn entropy_and_b64() {
        assert!(entropy("aaaa") < 0.01);
        assert!((entropy("ab") - 1.0).abs() < 1e-9);
        assert_eq!(base64url_decode("eyJhIjoxfQ").unwrap(), br#"{"a":1}"#);
    }
}
