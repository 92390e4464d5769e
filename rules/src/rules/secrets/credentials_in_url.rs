//! `credentials-in-url`: a password inside a connection string or URL (`postgres://u:pw@host`).

use super::values::{entropy, is_generic_placeholder};
use crate::engine::FileCx;
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

crate::declare_rule! {
    /// ## What it does
    /// Finds URLs and connection strings that carry a password in their user-info part:
    /// `postgres://app:s3cret@db.internal/app`, `mongodb+srv://u:pw@cluster0.mongodb.net`,
    /// `redis://:pw@cache:6379`, `amqp://`, `mysql://`, `https://user:pw@host/` (basic auth),
    /// in any text file.
    ///
    /// ## Why is this bad?
    /// The password travels with every copy of the file, log line and error message that
    /// prints the URL; it cannot be rotated without a code change and is usually shared between
    /// environments.
    ///
    /// ## Example
    /// ```python
    /// engine = create_engine("postgresql://app:Tr0ub4dor-3@db.prod.internal/app")
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// engine = create_engine(os.environ["DATABASE_URL"])
    /// ```
    ///
    /// ## How to fix
    /// Move the whole URL (or at least the password) to the environment or a secret manager,
    /// and rotate the password if the file was ever shared.
    ///
    /// ## Not flagged
    /// URLs without a password, placeholders and references (`:${DB_PASSWORD}@`,
    /// `:password@`, `:<pass>@`, `{password}`, `%s`, `****`), a password equal to the user name
    /// or made from it with a placeholder word (`app:apppass`, `lldapuser:lldappass`),
    /// hosts that are local or reserved for examples (`localhost`, `127.0.0.1`, `example.com`,
    /// `*.local`, `*.test`), URLs in comment lines and Python docstrings (documentation
    /// examples), Oracle's demo account `scott:tiger`, and test code.
    ///
    /// ## References
    /// - CWE-798: Use of Hard-coded Credentials
    /// - CWE-259: Use of Hard-coded Password
    pub CREDENTIALS_IN_URL {
        id: "credentials-in-url",
        title: "Password embedded in a URL or connection string",
        severity: High,
        confidence: Medium,
        cwe: [798, 259],
        checklist: 5,
        languages: [Text],
        fix: None,
    }
}

static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?-u:\b)([A-Za-z][A-Za-z0-9+.-]{1,30})://([^\s:/?#@'"`<>{}\\]{0,128}):([^\s/?#@'"`<>\\]{1,256})@([A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])"#,
    )
    .expect("valid regex")
});

/// A password found in a URL: the password's byte range and whether the host is a bare
/// service name (compose-style `db`).
pub struct UrlCredential {
    pub password: Range<usize>,
    pub scheme: String,
    pub single_label_host: bool,
}

/// Every URL with a real-looking password in `text`. Only lines holding `://` are searched.
pub fn find(text: &str) -> Vec<UrlCredential> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut last_end = 0;
    for at in memchr::memmem::find_iter(bytes, b"://") {
        if at < last_end {
            continue;
        }
        // The URL's line, bounded to 512 bytes on each side.
        let mut s = at.saturating_sub(64);
        if let Some(nl) = memchr::memrchr(b'\n', &bytes[s..at]) {
            s += nl + 1;
        }
        let mut e = (at + 512).min(bytes.len());
        if let Some(nl) = memchr::memchr(b'\n', &bytes[at..e]) {
            e = at + nl;
        }
        let s = crate::source::floor_char_boundary(text, s);
        let e = crate::source::floor_char_boundary(text, e);
        last_end = e;
        let hay = &text[s..e];
        for c in URL.captures_iter(hay) {
            let (Some(scheme), Some(user), Some(pw), Some(host)) =
                (c.get(1), c.get(2), c.get(3), c.get(4))
            else {
                continue;
            };
            if !credible(user.as_str(), pw.as_str(), host.as_str()) {
                continue;
            }
            out.push(UrlCredential {
                password: s + pw.start()..s + pw.end(),
                scheme: scheme.as_str().to_ascii_lowercase(),
                single_label_host: !host.as_str().contains('.'),
            });
        }
    }
    out
}

/// RFC 2606 / 6761 names reserved for documentation: `example.com`, `db.example.org`,
/// `host.example`.
fn is_example_domain(host: &str) -> bool {
    ["example.com", "example.org", "example.net", "example"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

/// A demo credential made from the user name: `lldapuser:lldappass`, `app:apppass`,
/// `postgres:postgres123`, `keycloak:keycloak_password`.
fn derived_from_user(user: &str, pw: &str) -> bool {
    fn stem(s: &str, suffixes: &[&str]) -> String {
        let s = s.to_ascii_lowercase();
        let cut = suffixes
            .iter()
            .find_map(|x| s.strip_suffix(x))
            .unwrap_or(&s);
        cut.trim_end_matches(['_', '-', '.']).to_owned()
    }
    let u = user.to_ascii_lowercase();
    let su = stem(user, &["user", "usr"]);
    let sp = stem(
        pw,
        &["password", "passwd", "pass", "pwd", "pw", "secret", "123"],
    );
    sp.len() >= 2 && sp.len() < pw.len() && (sp == su || sp == u)
}

fn credible(user: &str, pw: &str, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let local = host == "localhost"
        || host.starts_with("127.")
        || host == "0.0.0.0"
        || host.starts_with('[')
        || host == "host"
        || host == "hostname"
        || host == "server"
        || is_example_domain(&host)
        || [
            ".local",
            ".test",
            ".invalid",
            ".localhost",
            ".internal.example",
        ]
        .iter()
        .any(|s| host.ends_with(s));
    if local {
        return false;
    }
    let decoded = pw.replace("%40", "@");
    if decoded.len() < 4
        || pw == user
        || derived_from_user(user, pw)
        || is_generic_placeholder(pw)
        || pw.contains('*')
        || pw.starts_with(':')
        || entropy(pw) < 2.0
    {
        return false;
    }
    // `user:pass` written as words in docs: `username:password`, `login:pass`
    let lower = pw.to_ascii_lowercase();
    // Oracle's demo account, the stock credential of database documentation.
    if user.eq_ignore_ascii_case("scott") && lower.starts_with("tiger") {
        return false;
    }
    !(lower == "pass" || lower == "pwd" || lower == "pw" || lower.starts_with("pass"))
}

pub(crate) fn check_text(cx: &mut FileCx<'_>) {
    if cx.is_test {
        return;
    }
    for c in find(cx.text) {
        let at = c.password.start;
        // Examples in comments and docs (`/// socks5://john:smith@proxy`), test code.
        if super::context::in_test_code(cx, at)
            || super::context::in_comment(cx, at)
            || super::context::in_docstring(cx, at)
        {
            continue;
        }
        let f = cx.report(
            &CREDENTIALS_IN_URL,
            c.password.clone(),
            format!("password embedded in a `{}://` URL", c.scheme),
        );
        f.help("read the URL (or its password) from the environment or a secret manager, and rotate the password")
            .redact(c.password);
        if c.single_label_host {
            f.confidence(crate::meta::Confidence::Low)
                .severity(crate::meta::Severity::Medium);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::find;

    fn pw(u: &str) -> Option<String> {
        find(u).first().map(|c| u[c.password.clone()].to_owned())
    }

    #[test]
    fn urls() {
        // Passwords assembled at run time.
        let p = format!("{}{}", "Tr0ub4dor", "-3x");
        for url in [
            format!("DATABASE_URL=postgres://app:{p}@db.prod.internal:5432/app"),
            format!("mongodb+srv://admin:{p}@cluster0.ab1cd.mongodb.net/?retryWrites=true"),
            format!("REDIS_URL=redis://:{p}@cache.prod.internal:6379/0"),
            format!("curl https://deploy:{p}@git.corp.net/repo.git"),
            format!("https://deploy:{p}@api.example-corp.net/"),
        ] {
            assert_eq!(pw(&url).as_deref(), Some(p.as_str()), "{url}");
        }
        // Starting with the user name is not enough to be a demo credential.
        let url = format!("postgres://app:app{p}@db.prod.internal/app");
        assert_eq!(pw(&url), Some(format!("app{p}")), "{url}");
        for (url, why) in [
            ("postgres://user:password@host/db", "placeholder words"),
            ("postgres://app:${DB_PASSWORD}@db.prod/app", "reference"),
            (
                "postgres://app:{password}@db.prod/app",
                "format placeholder",
            ),
            ("postgres://app:%s@db.prod/app", "format placeholder"),
            (
                "postgres://postgres:postgres@db.prod/app",
                "password = user",
            ),
            ("postgres://app:Tr0ub4dor-3x@localhost/app", "local host"),
            ("https://user:****@example.com", "masked"),
            (
                "https://deploy:Tr0ub4dor-3x@git.example.org/r",
                "documentation domain",
            ),
            ("https://github.com/org/repo", "no credentials"),
            ("http://[::1]:8080/x", "no credentials"),
            ("amqp://guest:guest@rabbit.prod:5672", "guest default"),
            (
                "postgres://lldapuser:lldappass@lldap-db/lldap",
                "password made from the user name",
            ),
            (
                "mysql://app:app_password@db.prod/app",
                "password made from the user name",
            ),
            (
                "postgres://postgres:postgres123@db.prod/app",
                "password made from the user name",
            ),
        ] {
            assert_eq!(pw(url), None, "{url}: {why}");
        }
    }
}

#[cfg(test)]
mod doc_tests {
    use crate::config::Config;
    use crate::engine::check_source;
    use std::path::Path;

    fn reported(path: &str, text: &str) -> usize {
        check_source(Path::new(path), text, &Config::default())
            .findings
            .iter()
            .filter(|f| f.rule.id == "credentials-in-url")
            .count()
    }

    /// Usage examples in docstrings and Oracle's demo account are documentation; the same URL
    /// assigned in code is reported.
    #[test]
    fn docstrings_and_demo_accounts() {
        let pw = format!("{}{}", "Zq8v", "Lm3xT0rP");
        let url = format!("postgresql://app:{pw}@db.prod-eu.net/app");
        let doc = format!(
            "def connect():\n    \"\"\"Connect.\n\n    engine = create_engine(\"{url}\")\n    \"\"\"\n"
        );
        assert_eq!(reported("app/db.py", &doc), 0);
        let module_doc = format!("r'''Usage:\n\n    {url}\n'''\nimport os\n");
        assert_eq!(reported("app/db.py", &module_doc), 0);
        let assigned = format!("DATABASE_URL = \"\"\"{url}\"\"\"\n");
        assert_eq!(reported("app/db.py", &assigned), 1);
        let after_doc = format!("\"\"\"Settings.\"\"\"\nDATABASE_URL = \"{url}\"\n");
        assert_eq!(reported("app/settings.py", &after_doc), 1);
        let scott =
            "engine = create_engine(\"mssql+pyodbc://scott:tiger^5HHH@mssql2017:1433/test\")\n";
        assert_eq!(reported("app/db.py", scott), 0);
    }
}
