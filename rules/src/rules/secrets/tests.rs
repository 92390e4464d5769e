//! End-to-end tests of the secrets family through `check_source`. Secrets are generated at run
//! time (never stored literally in this repository).

use super::catalog::tests::{expand, Gen};
use crate::{check_source, Config};
use std::path::Path;

fn findings(path: &str, text: &str) -> Vec<(String, String)> {
    let r = check_source(Path::new(path), text, &Config::default());
    r.findings
        .iter()
        .filter(|f| f.rule.id.starts_with("hardcoded-") || f.rule.id == "credentials-in-url")
        .map(|f| (f.rule.id.to_owned(), text[f.range.clone()].to_owned()))
        .collect()
}

fn secret(g: &mut Gen) -> String {
    // Random, mixed classes, digits guaranteed.
    format!(
        "{}{}{}",
        g.chars("alnum", 10),
        g.chars("digit", 2),
        g.chars("alnum", 10)
    )
}

fn password(g: &mut Gen) -> String {
    format!(
        "{}-{}{}",
        g.chars("alpha", 6),
        g.chars("digit", 3),
        g.chars("alpha", 2)
    )
}

#[test]
fn generic_credentials_in_code() {
    let mut g = Gen::new(11);
    let k = secret(&mut g);
    let p = password(&mut g);
    let cases: Vec<(&str, String, &str)> = vec![
        ("app/settings.py", format!("API_KEY = \"{k}\"\n"), "assignment"),
        ("app/db.py", format!("connect(host=h, password='{p}')\n"), "keyword argument"),
        ("app/db.py", format!("def connect(password=\"{p}\"):\n    pass\n"), "default parameter"),
        ("app/cfg.py", format!("CONFIG = {{\"client_secret\": \"{k}\"}}\n"), "dict key"),
        ("app/cfg.py", format!("self.api_key = \"{k}\"\n"), "attribute"),
        ("app/cfg.py", format!("import os\nkey = os.getenv(\"API_KEY\", \"{k}\")\n"), "env fallback"),
        ("src/a.ts", format!("const apiKey = \"{k}\";\n"), "const"),
        ("src/a.ts", format!("const cfg = {{ password: '{p}' }};\n"), "object property"),
        ("src/a.js", format!("const t = process.env.API_TOKEN || \"{k}\";\n"), "env fallback"),
        ("src/a.ts", format!("class C {{ private clientSecret = \"{k}\"; }}\n"), "class field"),
        ("src/a.jsx", format!("const x = <Map apiKey=\"{k}\" />;\n"), "jsx attribute"),
        ("src/main.rs", format!("const API_KEY: &str = \"{k}\";\n"), "const"),
        ("src/main.rs", format!("fn f() {{ let db_password = \"{p}\".to_string(); }}\n"), "let"),
        ("src/main.rs", format!("fn f() -> C {{ C {{ client_secret: String::from(\"{k}\") }} }}\n"), "struct field"),
        ("src/main.rs", format!("fn f() {{ b.password(\"{p}\"); }}\n"), "builder"),
        ("src/main.rs", format!("fn f() {{ let t = std::env::var(\"API_TOKEN\").unwrap_or_else(|_| \"{k}\".into()); }}\n"), "env fallback"),
        (".env", format!("DB_PASSWORD={p}\n"), ".env"),
        ("app/api.py", format!("requests.get(url, auth=(\"svc\", \"{p}\"))\n"), "requests auth tuple"),
        ("src/a.ts", format!("fetch(u, {{ headers: {{ Authorization: \"Bearer {k}\" }} }});\n"), "authorization header"),
        ("src/main.rs", format!("fn f() {{ c.get(u).bearer_auth(\"{k}\"); }}\n"), "bearer_auth"),
        ("src/main.rs", format!("fn f() {{ c.get(u).basic_auth(\"svc\", Some(\"{p}\")); }}\n"), "basic_auth"),
        ("docker-compose.yml", format!("services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD={p}\n"), "compose list"),
        ("k8s/deploy.yaml", format!("env:\n  - name: API_TOKEN\n    value: \"{k}\"\n"), "k8s env"),
        ("config.toml", format!("[db]\npassword = \"{p}\"\n"), "toml"),
        ("config.json", format!("{{\"auth\": {{\"client_secret\": \"{k}\"}}}}\n"), "json"),
        ("app.properties", format!("spring.datasource.password={p}\n"), "properties"),
        ("Dockerfile", format!("FROM x\nENV API_KEY={k}\n"), "dockerfile ENV"),
        ("Dockerfile", format!("FROM x\nARG DB_PASSWORD=\"{p}\"\n"), "dockerfile ARG"),
    ];
    for (path, text, what) in &cases {
        let f = findings(path, text);
        assert!(
            f.iter()
                .any(|(id, v)| id == "hardcoded-credential" && (v == &k || v == &p)),
            "{what} in {path}: {f:?}\n{text}"
        );
    }
}

#[test]
fn generic_credentials_not_flagged() {
    let mut g = Gen::new(12);
    let k = secret(&mut g);
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "app/s.py",
            "import os\nPASSWORD = os.environ[\"PW\"]\n".into(),
            "from env",
        ),
        ("app/s.py", "password = getpass()\n".into(), "a call"),
        (
            "app/s.py",
            "PASSWORD_FIELD = \"user_password\"\n".into(),
            "a key name",
        ),
        (
            "app/s.py",
            "label = {'password': 'Enter your password'}\n".into(),
            "prose",
        ),
        (
            "app/s.py",
            "SECRET_KEY = \"changeme-in-production\"\n".into(),
            "placeholder",
        ),
        (
            "app/s.py",
            format!("token_url = \"{k}\"\n"),
            "name mentions token only",
        ),
        ("app/s.py", "TOKEN_TYPE = \"Bearer\"\n".into(), "token type"),
        (
            "tests/test_db.py",
            format!("password = \"{k}\"\n"),
            "test code",
        ),
        (
            "src/a.ts",
            "const apiKey = process.env.API_KEY;\n".into(),
            "from env",
        ),
        (
            "src/a.ts",
            "const password = `${prefix}-x`;\n".into(),
            "template",
        ),
        (
            "src/a.ts",
            "const i18n = { password: 'Passwort' };\n".into(),
            "translation",
        ),
        (
            "src/main.rs",
            "fn f() { let api_key = std::env::var(\"API_KEY\").unwrap(); }\n".into(),
            "env",
        ),
        (
            "src/main.rs",
            "const API_KEY_HEADER: &str = \"x-api-key\";\n".into(),
            "header name",
        ),
        (
            ".env",
            "DB_PASSWORD=${DB_PASSWORD}\nAPI_KEY=\nSECRET=<your-secret>\n".into(),
            "references",
        ),
        (
            "docker-compose.yml",
            "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: ${PG_PASSWORD}\n".into(),
            "substitution",
        ),
        (
            ".github/workflows/ci.yml",
            "env:\n  TOKEN: ${{ secrets.TOKEN }}\n".into(),
            "CI secret",
        ),
        (
            "package-lock.json",
            format!("{{\"token\": \"{k}\"}}\n"),
            "lock file",
        ),
        (
            "config.json",
            "{\"password_min_length\": \"12\"}\n".into(),
            "setting",
        ),
    ];
    for (path, text, what) in &cases {
        let f = findings(path, text);
        assert!(f.is_empty(), "{what} in {path}: {f:?}\n{text}");
    }
}

#[test]
fn provider_formats_in_any_file() {
    let mut g = Gen::new(13);
    let gh = expand("ghp_{36:alnum}", &mut g);
    for path in [
        "README.md",
        "src/app.min.js",
        "notes.txt",
        "src/main.rs",
        ".env",
    ] {
        let text = format!("token: {gh}\n");
        let f = findings(path, &text);
        assert_eq!(
            f,
            vec![("hardcoded-secret".to_owned(), gh.clone())],
            "{path}"
        );
    }
}

/// No output of a finding ever holds a full secret: message, help, snippet, related notes and
/// the serialized JSON.
#[test]
fn secrets_are_never_printed() {
    let mut g = Gen::new(14);
    let planted = [
        expand("AKIA{16:upalnum}", &mut g),
        expand("ghp_{36:alnum}", &mut g),
        expand("sk_live_{30:alnum}", &mut g),
        secret(&mut g),
        password(&mut g),
        // Two secrets on one line, found by two findings: each finding's snippet shows the
        // whole line, so both must be masked in both.
        secret(&mut g),
        expand("ghp_{36:alnum}", &mut g),
    ];
    let text = format!(
        "AWS_ACCESS_KEY_ID = \"{}\"\nGH = \"{}\"\nstripe_key = \"{}\"\nAPI_KEY = \"{}\"\nDATABASE_URL = \"postgres://app:{}@db.prod.net/app\"\nclient = Api(api_key=\"{}\", token=\"{}\")\n",
        planted[0], planted[1], planted[2], planted[3], planted[4], planted[5], planted[6]
    );
    let r = check_source(Path::new("app/settings.py"), &text, &Config::default());
    let relevant: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule.id.starts_with("hardcoded-") || f.rule.id == "credentials-in-url")
        .collect();
    assert_eq!(relevant.len(), planted.len(), "{relevant:#?}");
    for f in relevant {
        let json = serde_json::to_string(f).expect("serializes");
        let debug_snippet = format!("{:?}", f.snippet);
        for s in &planted {
            assert!(!f.message.contains(s.as_str()), "message leaks {s}");
            assert!(!f.help.clone().unwrap_or_default().contains(s.as_str()));
            assert!(
                !debug_snippet.contains(s.as_str()),
                "snippet leaks: {debug_snippet}"
            );
            assert!(!json.contains(s.as_str()), "json leaks: {json}");
            for rel in &f.related {
                assert!(!rel.message.contains(s.as_str()));
            }
        }
        // The flagged range covers the secret (so baseline fingerprints change with it).
        assert!(planted.contains(&text[f.range.clone()].to_owned()));
    }
}

#[test]
fn inline_suppression() {
    let mut g = Gen::new(15);
    let gh = expand("ghp_{36:alnum}", &mut g);
    let text = format!(
        "# predeploy:allow(hardcoded-secret) reason=revoked demo token\nTOKEN = \"{gh}\"\n"
    );
    let r = check_source(Path::new("a.py"), &text, &Config::default());
    let f: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule.id == "hardcoded-secret")
        .collect();
    assert_eq!(f.len(), 1);
    assert!(f[0].is_suppressed());
}

#[test]
fn configured_allowlist_and_test_code() {
    let mut g = Gen::new(16);
    let gh = expand("ghp_{36:alnum}", &mut g);
    let text = format!("TOKEN = \"{gh}\"\n");
    let cfg = Config::from_str_at("[rules.hardcoded-secret]\nallow = [\"^ghp_\"]\n", None)
        .expect("config parses");
    let r = check_source(Path::new("a.py"), &text, &cfg);
    assert!(r.findings.iter().all(|f| f.rule.id != "hardcoded-secret"));

    // In test code: a GitHub token is still reported (low), a JWT sample is not.
    let jwt = expand("{jwt}", &mut g);
    let text = format!("TOKEN = \"{gh}\"\nSAMPLE = \"{jwt}\"\n");
    let r = check_source(Path::new("tests/test_api.py"), &text, &Config::default());
    let f: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule.id == "hardcoded-secret")
        .collect();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, crate::Severity::Low);
}

#[test]
fn project_defined_patterns() {
    let mut g = Gen::new(17);
    let tok = format!("acme_live_{}", g.chars("alnum", 32));
    let text = format!("token: {tok}\n");
    let cfg = Config::from_str_at(
        r#"
[[rules.hardcoded-secret.patterns]]
id = "acme"
description = "Acme API token"
regex = '\b(acme_live_[A-Za-z0-9]{32})\b'
keywords = ["acme_live_"]
entropy = 3.0
"#,
        None,
    )
    .expect("config parses");
    let r = check_source(Path::new("notes.txt"), &text, &cfg);
    let f: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule.id == "hardcoded-secret")
        .collect();
    assert_eq!(f.len(), 1, "{r:#?}");
    assert_eq!(&text[f[0].range.clone()], tok);
    assert!(f[0].message.contains("Acme API token"));
    // A broken pattern is a warning note, not a crash.
    let bad = Config::from_str_at(
        "[[rules.hardcoded-secret.patterns]]\nid = \"x\"\ndescription = \"x\"\nregex = \"(\"\nkeywords = [\"x\"]\n",
        None,
    )
    .expect("config parses");
    let r = check_source(Path::new("notes.txt"), &text, &bad);
    assert!(
        r.notes.iter().any(|n| n.message.contains("patterns")),
        "{:#?}",
        r.notes
    );
}

#[test]
fn context_quiets_samples() {
    let mut g = Gen::new(18);
    let key = expand(
        "-----BEGIN PRIVATE KEY-----\n{64:b64}\n{64:b64}\n{64:b64}\n-----END PRIVATE KEY-----\n",
        &mut g,
    );
    // A private key in a README or a `_test.cc` file is a sample; in a config file it is not.
    assert!(findings("README.md", &key).is_empty());
    assert!(findings("crypto/x509_test.cc", &key).is_empty());
    assert_eq!(findings("deploy/server.key", &key).len(), 1);
    // Rust code after `#[cfg(test)]`.
    let p = password(&mut g);
    let text = format!(
        "fn main() {{}}\n#[cfg(test)]\nmod tests {{\n    const U: &str = \"postgres://app:{p}@db.prod.net/x\";\n}}\n"
    );
    assert!(
        findings("src/lib.rs", &text).is_empty(),
        "{:?}",
        findings("src/lib.rs", &text)
    );
    // URL examples in doc comments.
    let text = format!("/// connect with `redis://:{p}@cache.prod.net`\nfn f() {{}}\n");
    assert!(findings("src/lib.rs", &text).is_empty());
    // A token-shaped run inside a base64 block (an embedded certificate).
    let blob = expand(
        "const DER: &str = \"\\\n{64:b64}\\n\\\nEAAA{60:alnum}\\n\\\n{64:b64}\\n\";\n",
        &mut g,
    );
    assert!(
        findings("src/data.rs", &blob).is_empty(),
        "{:?}",
        findings("src/data.rs", &blob)
    );
}

#[test]
fn private_key_in_doc_comment_is_a_sample() {
    let mut g = Gen::new(19);
    let text = expand(
        "/// ```\n/// const SAMPLE: &str = \"-----BEGIN RSA PRIVATE KEY-----\n/// {64:b64}\n/// {64:b64}\n/// -----END RSA PRIVATE KEY-----\";\n/// ```\npub fn parse() {}\n",
        &mut g,
    );
    assert!(
        findings("src/lib.rs", &text).is_empty(),
        "{:?}",
        findings("src/lib.rs", &text)
    );
}

/// Bad input never crashes: deep nesting in every parsed config format, and binary-ish text.
#[test]
fn deep_nesting_and_garbage() {
    let deep = 100_000;
    let cases = [
        (
            "a.yaml",
            format!("k: {}{}\n", "[".repeat(deep), "]".repeat(deep)),
        ),
        (
            "a.toml",
            format!("k = {}{}\n", "[".repeat(deep), "]".repeat(deep)),
        ),
        (
            "a.json",
            format!("{}{}\n", "{\"a\":".repeat(deep), "}".repeat(deep)),
        ),
        (".env", "=\n==\nA=\"\nB='\n\u{feff}C=é\n".to_owned()),
        (
            "Dockerfile",
            "ENV \\\n\\\n\\\nENV A\nARG\nENV =x \"unterminated\n".to_owned(),
        ),
    ];
    for (path, text) in &cases {
        let r = check_source(Path::new(path), text, &Config::default());
        assert!(
            r.notes
                .iter()
                .all(|n| !n.message.contains("internal error")),
            "{path}: {:?}",
            r.notes
        );
    }
}

#[test]
fn empty_literals_do_not_panic() {
    for (path, text) in [
        (
            "a.py",
            "password = ''\nAPI_KEY = \"\"\nconnect(password=\"\")\n",
        ),
        ("a.ts", "const apiKey = '';\nconst o = { password: `` };\n"),
    ] {
        let r = check_source(Path::new(path), text, &Config::default());
        assert!(r.notes.is_empty(), "{path}: {:?}", r.notes);
        assert!(r.findings.is_empty());
    }
}
