//! The provider catalog (`providers.toml`) and the text scanner behind `hardcoded-secret`.
//!
//! Cost model: one aho-corasick pass over the text finds every keyword (a single DFA over all
//! keywords, matched ASCII case-insensitively; case-sensitive keywords are then compared byte for
//! byte); only around a hit does the matching format's regex run, in a window bounded by the line
//! (or by `window` bytes for multi-line formats). Windows of the same format merge, so a minified
//! line with a thousand hits is still scanned once per format. Regexes are compiled once.

use super::values::{entropy, is_token_placeholder};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::Regex;
use serde::Deserialize;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, LazyLock, Mutex};

const PROVIDERS_TOML: &str = include_str!("providers.toml");

#[derive(Deserialize)]
struct File {
    provider: Vec<RawProvider>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvider {
    id: String,
    description: String,
    regex: String,
    keywords: Vec<String>,
    #[serde(default)]
    case_sensitive: bool,
    #[serde(default)]
    entropy: f64,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    before: Option<usize>,
    #[serde(default)]
    window: Option<usize>,
    #[serde(default)]
    multiline: bool,
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    validate: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    tps: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    fps: Vec<RawFp>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RawFp {
    text: String,
    reason: String,
}

/// One credential format.
pub struct Provider {
    pub id: String,
    pub description: String,
    regex: LazyRegex,
    pub entropy: f64,
    pub severity: crate::meta::Severity,
    before: usize,
    after: usize,
    multiline: bool,
    allow: Vec<LazyRegex>,
    validate: Option<String>,
    #[cfg(test)]
    pub tps: Vec<String>,
    #[cfg(test)]
    pub fps: Vec<(String, String)>,
}

pub struct Catalog {
    pub providers: Vec<Provider>,
    /// Every keyword (ASCII-lowercased, distinct), matched ASCII case-insensitively in one pass.
    ac: AhoCorasick,
    /// Pattern id of `ac` -> the providers behind that keyword.
    keywords: Vec<Keyword>,
}

/// The providers behind one keyword (keywords equal but for ASCII case share an entry).
#[derive(Default)]
struct Keyword {
    /// Providers whose keywords match in any case.
    any_case: Vec<usize>,
    /// Providers whose keywords match only as written: the exact bytes, and the providers.
    exact: Vec<(Box<[u8]>, Vec<usize>)>,
}

/// A format's regex, compiled when a scan first needs it: a scan meets the keywords of a few of
/// the catalog's formats, and compiling all of them was ~0.1 s of every process's start (the
/// first scan of a run, the editor's first check). Built-in formats are checked to compile by
/// a unit test; project-defined ones are compiled when their catalog is built, so a bad one is
/// reported then.
struct LazyRegex {
    src: String,
    re: std::sync::OnceLock<Regex>,
}

impl LazyRegex {
    fn new(src: String, eager: bool) -> Result<Self, regex::Error> {
        let re = std::sync::OnceLock::new();
        if eager {
            let _ = re.set(Regex::new(&src)?);
        }
        Ok(LazyRegex { src, re })
    }

    fn get(&self) -> &Regex {
        self.re.get_or_init(|| {
            // Never expected: `builtin_formats_compile` compiles every built-in pattern, and
            // project-defined ones were compiled eagerly. A pattern that cannot compile
            // matches nothing rather than failing the scan.
            Regex::new(&self.src).unwrap_or_else(|_| Regex::new(r"[^\s\S]").expect("empty class"))
        })
    }
}

/// `\b` in the catalog means an ASCII word boundary (fast, and secrets are ASCII).
fn ascii_boundaries(re: &str) -> String {
    re.replace(r"\b", r"(?-u:\b)")
}

fn build() -> Result<Catalog, String> {
    let file: File = toml::from_str(PROVIDERS_TOML).map_err(|e| e.to_string())?;
    build_from(file, false)
}

/// The catalog of `file`'s formats; `eager` compiles every regex now (project-defined formats,
/// whose errors must be reported), otherwise each on first use.
fn build_from(file: File, eager: bool) -> Result<Catalog, String> {
    let mut providers = Vec::new();
    let mut patterns: Vec<String> = Vec::new();
    let mut keywords: Vec<Keyword> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, p) in file.provider.into_iter().enumerate() {
        let regex = LazyRegex::new(ascii_boundaries(&p.regex), eager)
            .map_err(|e| format!("provider {}: {e}", p.id))?;
        let allow = p
            .allow
            .iter()
            .map(|a| {
                LazyRegex::new(a.clone(), eager)
                    .map_err(|e| format!("provider {} allow: {e}", p.id))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let severity = match p.severity.as_deref() {
            None => crate::meta::Severity::High,
            Some(s) => crate::meta::Severity::parse(s)
                .ok_or_else(|| format!("provider {}: bad severity {s}", p.id))?,
        };
        if p.keywords.is_empty() {
            return Err(format!("provider {}: no keywords", p.id));
        }
        for k in &p.keywords {
            let lower = k.to_ascii_lowercase();
            let j = *index.entry(lower.clone()).or_insert_with(|| {
                patterns.push(lower);
                keywords.push(Keyword::default());
                keywords.len() - 1
            });
            let entry = &mut keywords[j];
            if !p.case_sensitive {
                entry.any_case.push(i);
                continue;
            }
            match entry.exact.iter_mut().find(|(b, _)| **b == *k.as_bytes()) {
                Some((_, ps)) => ps.push(i),
                None => entry.exact.push((k.as_bytes().into(), vec![i])),
            }
        }
        providers.push(Provider {
            id: p.id,
            description: p.description,
            regex,
            entropy: p.entropy,
            severity,
            before: p.before.unwrap_or(128),
            after: p.window.unwrap_or(512),
            multiline: p.multiline,
            allow,
            validate: p.validate,
            #[cfg(test)]
            tps: p.tps,
            #[cfg(test)]
            fps: p.fps.into_iter().map(|f| (f.text, f.reason)).collect(),
        });
    }
    // A DFA is the fastest automaton to search with; the automatic choice only builds one for
    // up to 100 patterns. Fall back to it if the DFA cannot be built.
    let builder = |kind: Option<AhoCorasickKind>| {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(kind)
            .build(&patterns)
    };
    let ac = builder(Some(AhoCorasickKind::DFA))
        .or_else(|_| builder(None))
        .map_err(|e| e.to_string())?;
    Ok(Catalog {
        providers,
        ac,
        keywords,
    })
}

static CATALOG: LazyLock<Catalog> =
    LazyLock::new(|| build().expect("providers.toml is valid (checked by unit tests)"));

pub fn catalog() -> &'static Catalog {
    &CATALOG
}

/// Tuning aid: when enabled, counts keyword windows (and their bytes) per provider.
pub static STATS: std::sync::OnceLock<Mutex<HashMap<String, (usize, usize)>>> =
    std::sync::OnceLock::new();

/// A credential found in a text.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Index into `catalog().providers`.
    pub provider: usize,
    /// Byte range of the secret itself.
    pub secret: Range<usize>,
}

/// Project-defined formats: `[[rules.hardcoded-secret.patterns]]` tables with the same fields
/// as `providers.toml` (id, description, regex, keywords, entropy...). Compiled once per distinct
/// configuration.
pub fn extra_catalog(config: &crate::config::Config) -> Option<Result<Arc<Catalog>, String>> {
    static CACHE: LazyLock<Mutex<HashMap<String, Result<Arc<Catalog>, String>>>> =
        LazyLock::new(Default::default);
    let patterns = config
        .rule_options("hardcoded-secret")?
        .get("patterns")?
        .clone();
    let key = patterns.to_string();
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = cache.get(&key) {
        return Some(c.clone());
    }
    let built = (|| {
        let mut t = toml::Table::new();
        t.insert("provider".into(), patterns);
        let file: File = toml::Value::Table(t)
            .try_into()
            .map_err(|e: toml::de::Error| e.to_string())?;
        build_from(file, true).map(Arc::new)
    })()
    .map_err(|e| format!("[rules.hardcoded-secret] patterns: {e}"));
    cache.insert(key, built.clone());
    Some(built)
}

/// Scans `text` for every built-in provider format. Linear in the text's size (plus the
/// windows around keyword hits, each bounded).
pub fn scan(text: &str) -> Vec<Hit> {
    scan_with(catalog(), text)
}

/// Like [`scan`] with another catalog (project-defined formats).
pub fn scan_with(cat: &Catalog, text: &str) -> Vec<Hit> {
    let bytes = text.as_bytes();
    // Windows per provider, in order of discovery (hits come in increasing end order).
    let mut windows: Vec<Vec<Range<usize>>> = vec![Vec::new(); cat.providers.len()];
    let mut add = |p: usize, hit: Range<usize>| {
        let prov = &cat.providers[p];
        let mut s = hit.start.saturating_sub(prov.before);
        let mut e = (hit.end + prov.after).min(text.len());
        if !prov.multiline {
            if let Some(nl) = memchr::memrchr(b'\n', &bytes[s..hit.start]) {
                s += nl + 1;
            }
            if let Some(nl) = memchr::memchr(b'\n', &bytes[hit.end..e]) {
                e = hit.end + nl;
            }
        }
        let s = crate::source::floor_char_boundary(text, s);
        let e = crate::source::floor_char_boundary(text, e);
        let w = &mut windows[p];
        match w.last_mut() {
            Some(last) if s <= last.end => {
                last.start = last.start.min(s);
                last.end = last.end.max(e);
            }
            _ => w.push(s..e),
        }
    };
    for m in cat.ac.find_overlapping_iter(text) {
        let kw = &cat.keywords[m.pattern().as_usize()];
        for &p in &kw.any_case {
            add(p, m.range());
        }
        for (exact, ps) in &kw.exact {
            if **exact == bytes[m.range()] {
                for &p in ps {
                    add(p, m.range());
                }
            }
        }
    }
    if let Some(stats) = STATS.get() {
        let mut st = stats.lock().unwrap_or_else(|e| e.into_inner());
        for (p, ws) in windows.iter().enumerate() {
            let e = st.entry(cat.providers[p].id.clone()).or_default();
            e.0 += ws.len();
            e.1 += ws.iter().map(|w| w.len()).sum::<usize>();
        }
    }
    let mut hits: Vec<Hit> = Vec::new();
    for (p, ws) in windows.iter().enumerate() {
        let prov = &cat.providers[p];
        for w in ws {
            let hay = &text[w.clone()];
            for caps in prov.regex.get().captures_iter(hay) {
                let Some(m) = caps.get(1).or_else(|| caps.get(0)) else {
                    continue;
                };
                let secret = &hay[m.range()];
                if !accept(prov, secret) {
                    continue;
                }
                let range = w.start + m.start()..w.start + m.end();
                if hits.iter().any(|h| h.provider == p && h.secret == range) {
                    continue;
                }
                hits.push(Hit {
                    provider: p,
                    secret: range,
                });
            }
        }
    }
    // Two formats matching the same text: keep the first declared (more specific come first
    // within a family; overlapping families are rare).
    hits.sort_by_key(|h| (h.secret.start, std::cmp::Reverse(h.secret.end), h.provider));
    let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
    for h in hits {
        if out
            .iter()
            .any(|o| o.secret.start <= h.secret.start && h.secret.end <= o.secret.end)
        {
            continue;
        }
        out.push(h);
    }
    out
}

fn accept(prov: &Provider, secret: &str) -> bool {
    if entropy(secret) < prov.entropy {
        return false;
    }
    if is_token_placeholder(secret) {
        return false;
    }
    if prov.allow.iter().any(|a| a.get().is_match(secret)) {
        return false;
    }
    match prov.validate.as_deref() {
        Some("jwt") => valid_jwt(secret),
        _ => true,
    }
}

/// A JWT with a real payload: the header decodes to a JSON object with `alg`, the payload to a
/// JSON object with claims, and it is not the jwt.io sample ("John Doe").
fn valid_jwt(token: &str) -> bool {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let decode = |s: &str| -> Option<serde_json::Value> {
        let bytes = super::values::base64url_decode(s)?;
        serde_json::from_slice(&bytes).ok()
    };
    let Some(header) = decode(h) else {
        return false;
    };
    if header.get("alg").and_then(|a| a.as_str()).is_none() {
        return false;
    }
    if header.get("alg").and_then(|a| a.as_str()) == Some("none") || sig.len() < 16 {
        return false;
    }
    let Some(payload) = decode(p) else {
        return false;
    };
    let Some(obj) = payload.as_object() else {
        return false;
    };
    if obj.is_empty() {
        return false;
    }
    let text = payload.to_string().to_ascii_lowercase();
    !(text.contains("john doe") || text.contains("\"1234567890\"") || text.contains("example"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Deterministic pseudo-random generator for test secrets (xorshift).
    pub(crate) struct Gen(u64);
    impl Gen {
        pub(crate) fn new(seed: u64) -> Gen {
            Gen(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
        }
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
        pub(crate) fn chars(&mut self, class: &str, n: usize) -> String {
            let alphabet: &str = match class {
                "alnum" => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                "alpha" => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                "upper" => "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                "lower" => "abcdefghijklmnopqrstuvwxyz0123456789",
                "digit" => "0123456789",
                "hex" => "0123456789abcdef",
                "HEX" => "0123456789ABCDEF",
                "b64" => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                "b64url" => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
                "upalnum" => "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                "base32" => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
                "bech32" => "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
                other => panic!("unknown class {other}"),
            };
            let a = alphabet.as_bytes();
            (0..n)
                .map(|_| a[(self.next() % a.len() as u64) as usize] as char)
                .collect()
        }
    }

    fn b64url(data: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in data.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
            let k = chunk.len() + 1;
            for i in 0..k {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    }

    /// Expands `{N:class}` (and `{jwt}`) in a catalog example.
    pub(crate) fn expand(template: &str, g: &mut Gen) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(i) = rest.find('{') {
            let Some(j) = rest[i..].find('}') else { break };
            let inner = &rest[i + 1..i + j];
            let rep = if inner == "jwt" {
                let header = b64url(br#"{"alg":"HS256","typ":"JWT"}"#);
                let payload = b64url(
                    format!(
                        r#"{{"sub":"{}","role":"admin","iat":{}}}"#,
                        g.chars("alnum", 12),
                        1_700_000_000 + g.next() % 1000
                    )
                    .as_bytes(),
                );
                Some(format!("{header}.{payload}.{}", g.chars("b64url", 43)))
            } else {
                inner
                    .split_once(':')
                    .and_then(|(n, class)| n.parse::<usize>().ok().map(|n| g.chars(class, n)))
            };
            match rep {
                Some(r) => {
                    out.push_str(&rest[..i]);
                    out.push_str(&r);
                    rest = &rest[i + j + 1..];
                }
                None => {
                    out.push_str(&rest[..i + 1]);
                    rest = &rest[i + 1..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn catalog_builds() {
        let cat = build().expect("catalog");
        assert!(cat.providers.len() >= 80, "{}", cat.providers.len());
        let mut ids = std::collections::HashSet::new();
        for p in &cat.providers {
            assert!(ids.insert(p.id.clone()), "duplicate provider id {}", p.id);
            assert!(!p.tps.is_empty(), "{} has no true-positive example", p.id);
        }
    }

    /// Built-in formats compile on first use (`LazyRegex`): every one must compile.
    #[test]
    fn builtin_formats_compile() {
        assert!(
            Regex::new(r"[^\s\S]").is_ok(),
            "the never-matching fallback compiles"
        );
        let cat = build().expect("catalog");
        for p in &cat.providers {
            Regex::new(&p.regex.src).unwrap_or_else(|e| panic!("provider {}: {e}", p.id));
            for a in &p.allow {
                Regex::new(&a.src).unwrap_or_else(|e| panic!("provider {} allow: {e}", p.id));
            }
        }
    }

    #[test]
    fn providers_examples() {
        let cat = catalog();
        let mut g = Gen::new(7);
        let mut failures = Vec::new();
        for (i, p) in cat.providers.iter().enumerate() {
            for tp in &p.tps {
                for _round in 0..3 {
                    let text = expand(tp, &mut g);
                    let hits = scan(&text);
                    if !hits.iter().any(|h| h.provider == i) {
                        failures.push(format!(
                            "{}: not found in {text:?} (found {:?})",
                            p.id,
                            hits.iter()
                                .map(|h| &cat.providers[h.provider].id)
                                .collect::<Vec<_>>()
                        ));
                    }
                }
            }
            for (fp, reason) in &p.fps {
                let hits = scan(fp);
                if hits.iter().any(|h| h.provider == i) {
                    failures.push(format!("{}: false positive ({reason}): {fp:?}", p.id));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn common_text_is_quiet() {
        let text = "fn path_to_task(pattern: &str) -> Disk { let api = \"API-v2\"; \
            let x = \"https://example.com/api/v1\"; SKIP_ALL; precious social; eyJ is base64 \
            for {\"; AKIA is a prefix; sk-ant- alone; -----BEGIN PRIVATE KEY----- in prose }";
        let hits = scan(text);
        assert!(hits.is_empty(), "{:?}", hits);
    }

    /// Files under `dir` (iterative walk, following symlinks), as text, for the benchmark below.
    fn corpus(dir: &std::path::Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            let mut entries: Vec<_> = rd.flatten().collect();
            entries.sort_by_key(|e| e.path());
            for e in entries {
                let Ok(ft) = std::fs::metadata(e.path()) else {
                    continue;
                };
                if ft.is_dir() {
                    stack.push(e.path());
                } else if ft.is_file() {
                    if let Ok(bytes) = std::fs::read(e.path()) {
                        if bytes.len() <= 4 << 20 {
                            if let Ok(t) = String::from_utf8(bytes) {
                                out.push(t);
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// Timing aid, not a check: `PREDEPLOY_SECRETS_BENCH=<dir> cargo test --release -p
    /// predeploy-rules --lib secrets_scan_bench -- --ignored --nocapture` scans every text file
    /// under the directory on one thread and prints the time and the busiest formats.
    #[test]
    #[ignore]
    fn secrets_scan_bench() {
        let Some(dir) = std::env::var_os("PREDEPLOY_SECRETS_BENCH") else {
            return;
        };
        let texts = corpus(std::path::Path::new(&dir));
        let bytes: usize = texts.iter().map(|t| t.len()).sum();
        let _ = catalog();
        let t = std::time::Instant::now();
        let mut hits = 0;
        for text in &texts {
            hits += scan(text).len();
        }
        let el = t.elapsed();
        let t = std::time::Instant::now();
        let mut matches = 0usize;
        for text in &texts {
            matches += catalog().ac.find_overlapping_iter(text.as_str()).count();
        }
        println!(
            "keyword pass alone: {:.3} s, {matches} keyword matches, {} keywords",
            t.elapsed().as_secs_f64(),
            catalog().keywords.len()
        );
        // Every hit, to compare two builds of the scanner.
        if let Some(out) = std::env::var_os("PREDEPLOY_SECRETS_BENCH_OUT") {
            let mut lines = String::new();
            for (i, text) in texts.iter().enumerate() {
                for h in scan(text) {
                    let id = &catalog().providers[h.provider].id;
                    lines.push_str(&format!("{i} {id} {:?}\n", h.secret));
                }
            }
            std::fs::write(out, lines).expect("writes the hit list");
        }
        println!(
            "{} files, {:.1} MB, {} hits: {:.3} s ({:.1} MB/s)",
            texts.len(),
            bytes as f64 / 1e6,
            hits,
            el.as_secs_f64(),
            bytes as f64 / 1e6 / el.as_secs_f64()
        );
        let _ = STATS.set(Mutex::new(HashMap::new()));
        for text in &texts {
            scan(text);
        }
        let stats = STATS.get().expect("set").lock().expect("lock");
        let mut rows: Vec<_> = stats.iter().collect();
        rows.sort_by_key(|(_, v)| std::cmp::Reverse(v.1));
        for (id, (n, b)) in rows.iter().take(30) {
            println!("{id:40} {n:>9} windows {b:>12} bytes");
        }
    }

    /// One automaton serves both kinds of keywords: a case-sensitive keyword opens a window only
    /// when written as declared, the same keyword of a case-insensitive format in any case.
    #[test]
    fn keyword_case_in_one_automaton() {
        let file: File = toml::from_str(
            r#"
[[provider]]
id = "exact"
description = "exact"
regex = '(?i)\b(tok_[a-z0-9]{20})\b'
keywords = ["tok_"]
case_sensitive = true

[[provider]]
id = "any"
description = "any"
regex = '(?i)\b(tok_[a-z0-9]{20})\b'
keywords = ["TOK_"]
"#,
        )
        .expect("parses");
        let cat = build_from(file, true).expect("builds");
        let ids = |text: &str| -> Vec<String> {
            let mut v: Vec<String> = scan_with(&cat, text)
                .iter()
                .map(|h| cat.providers[h.provider].id.clone())
                .collect();
            v.sort();
            v
        };
        let mut g = Gen::new(3);
        let body = g.chars("lower", 20);
        // Both formats match the same text: the first declared is kept.
        assert_eq!(ids(&format!("x = tok_{body}")), vec!["exact"]);
        assert_eq!(ids(&format!("x = TOK_{body}")), vec!["any"]);
        assert_eq!(ids(&format!("x = Tok_{body}")), vec!["any"]);
    }

    #[test]
    fn huge_minified_line_is_linear() {
        // 500 KB of keyword hits on one line: windows merge per format, so this is linear; a
        // quadratic scan would take hours. (Generous bound: debug build on a loaded machine.)
        let unit = "path:pattern,sk,api-,eyJ,AKIA,npm_,hf_,";
        let text = unit.repeat(500_000 / unit.len());
        let t = std::time::Instant::now();
        let hits = scan(&text);
        assert!(hits.is_empty());
        assert!(t.elapsed().as_secs() < 60, "{:?}", t.elapsed());
    }
}
