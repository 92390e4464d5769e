//! Key/value pairs out of configuration files, with the byte range of each value: `.env`,
//! `.properties`/`.ini`/`.cfg`, Dockerfile `ENV`/`ARG`, YAML (including compose `environment:`
//! lists and Kubernetes `env: [{name, value}]`), TOML and JSON. Real parsers (yaml-rust2, toml)
//! or small tokenizers; never a regex over the file.

use std::ops::Range;

/// One `name = "value"` pair; `value` is the byte range of the value's text (inside quotes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub name: String,
    pub value: Range<usize>,
}

/// Which syntax a file uses for key/value pairs, from its kind and name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Env,
    Properties,
    Dockerfile,
    Yaml,
    Toml,
    Json,
}

pub fn syntax_of(kind: crate::source::FileKind, path: &std::path::Path) -> Option<Syntax> {
    use crate::source::FileKind as K;
    Some(match kind {
        K::Env => Syntax::Env,
        K::Dockerfile => Syntax::Dockerfile,
        K::Yaml => Syntax::Yaml,
        K::Toml => Syntax::Toml,
        K::Json => Syntax::Json,
        K::Text => {
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default()
                .to_ascii_lowercase();
            let name = path
                .file_name()
                .and_then(|e| e.to_str())
                .unwrap_or_default()
                .to_ascii_lowercase();
            match ext.as_str() {
                "properties" | "ini" | "cfg" | "conf" => Syntax::Properties,
                "jsonc" | "json5" => Syntax::Json,
                _ if name == ".npmrc" || name == ".pypirc" || name == "pip.conf" => {
                    Syntax::Properties
                }
                _ => return None,
            }
        }
        _ => return None,
    })
}

pub fn pairs(syntax: Syntax, text: &str) -> Vec<Pair> {
    match syntax {
        Syntax::Env => line_pairs(text, &['=']),
        Syntax::Properties => line_pairs(text, &['=', ':']),
        Syntax::Dockerfile => docker_pairs(text),
        Syntax::Yaml => yaml_pairs(text),
        Syntax::Toml => toml_pairs(text),
        Syntax::Json => json_pairs(text),
    }
}

/// The range of a value starting at `start` in `line_text` (absolute offsets): strips quotes
/// and, for unquoted values, a trailing ` # comment`.
fn value_range(text: &str, start: usize, end: usize) -> Range<usize> {
    let v = &text[start..end];
    let lead = v.len() - v.trim_start().len();
    let s = start + lead;
    let v = text[s..end].trim_end();
    let e = s + v.len();
    let b = v.as_bytes();
    if let Some(&q) = b.first() {
        if q == b'"' || q == b'\'' {
            if let Some(close) = v[1..].find(q as char) {
                return s + 1..s + 1 + close;
            }
            return s + 1..e;
        }
    }
    match v.find(" #") {
        Some(c) => s..s + v[..c].trim_end().len(),
        None => s..e,
    }
}

/// `KEY=value` lines (`.env`, `export KEY=value`) and `key = value` / `key: value` lines.
fn line_pairs(text: &str, seps: &[char]) -> Vec<Pair> {
    let mut out = Vec::new();
    let mut off = 0;
    for line in text.split_inclusive('\n') {
        let start = off;
        off += line.len();
        let l = line.trim_end_matches(['\n', '\r']);
        let t = l.trim_start();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') || t.starts_with('[') {
            continue;
        }
        let lead = l.len() - t.len();
        let t2 = t.strip_prefix("export ").unwrap_or(t);
        let lead = lead + (t.len() - t2.len());
        let Some(i) = t2.find(seps) else { continue };
        let key = t2[..i].trim();
        if key.is_empty()
            || key.len() > 100
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':'))
        {
            continue;
        }
        let vs = start + lead + i + 1;
        let ve = start + l.len();
        out.push(Pair {
            name: key.to_owned(),
            value: value_range(text, vs, ve),
        });
    }
    out
}

/// Dockerfile `ENV`/`ARG` instructions (`ENV A=1 B="two"`, `ENV A 1`, `ARG TOKEN=default`),
/// following `\` continuations.
fn docker_pairs(text: &str) -> Vec<Pair> {
    let mut out = Vec::new();
    let mut off = 0;
    let mut continuing = false;
    for line in text.split_inclusive('\n') {
        let start = off;
        off += line.len();
        let l = line.trim_end_matches(['\n', '\r']);
        let t = l.trim_start();
        let lead = l.len() - t.len();
        let was_continuing = continuing;
        continuing = t.ends_with('\\');
        let (body_off, body, first) = if was_continuing {
            (start + lead, t, false)
        } else {
            let upper = t.get(..4).unwrap_or("").to_ascii_uppercase();
            if !(upper == "ENV " || upper == "ARG " || upper == "ENV\t" || upper == "ARG\t") {
                continue;
            }
            let rest = &t[4..];
            let skip = rest.len() - rest.trim_start().len();
            (start + lead + 4 + skip, rest.trim_start(), true)
        };
        if was_continuing && !in_env_arg(text, start) {
            continue;
        }
        let body = body.trim_end_matches('\\').trim_end();
        // Legacy `ENV KEY value` form: one pair, the rest of the line is the value.
        if first && !body.split_whitespace().next().unwrap_or("").contains('=') {
            if let Some(sp) = body.find([' ', '\t']) {
                let key = &body[..sp];
                out.push(Pair {
                    name: key.to_owned(),
                    value: value_range(text, body_off + sp, body_off + body.len()),
                });
            }
            continue;
        }
        // KEY=value tokens, values possibly quoted.
        let b = body.as_bytes();
        let mut i = 0;
        while i < b.len() {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let ks = i;
            while i < b.len() && b[i] != b'=' && !b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= b.len() || b[i] != b'=' {
                continue;
            }
            let key = &body[ks..i];
            i += 1;
            let vs = i;
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                i += 1;
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i = (i + 1).min(b.len());
            } else {
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
            }
            out.push(Pair {
                name: key.to_owned(),
                value: value_range(text, body_off + vs, body_off + i),
            });
        }
    }
    out
}

/// Whether the logical instruction containing `pos` (a continuation line) is `ENV`/`ARG`.
fn in_env_arg(text: &str, pos: usize) -> bool {
    let mut p = pos;
    // Walk back over continued lines to the instruction's first line (bounded).
    for _ in 0..200 {
        let prev_end = text[..p].trim_end_matches(['\n', '\r']).len();
        let prev_start = text[..prev_end].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let prev = text[prev_start..prev_end].trim();
        let prev_of_prev_continues = prev_start > 0
            && text[..prev_start]
                .trim_end_matches(['\n', '\r'])
                .trim_end()
                .ends_with('\\');
        if !prev_of_prev_continues {
            let up = prev.get(..4).unwrap_or("").to_ascii_uppercase();
            return up == "ENV " || up == "ARG " || up == "ENV\t" || up == "ARG\t";
        }
        if prev_start == 0 {
            return false;
        }
        p = prev_start;
    }
    false
}

// ------------------------------------------------------------------ YAML

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

enum Frame {
    Map {
        key: Option<String>,
        expect_key: bool,
        /// Kubernetes-style `{name: X, value: "..."}`: the `name` seen in this mapping.
        item_name: Option<String>,
        /// The mapping's `value:` scalar when seen before `name:`.
        pending_value: Option<Range<usize>>,
    },
    Seq {
        /// The key this sequence is the value of (`environment`).
        parent_key: Option<String>,
    },
}

struct YamlCollector<'t> {
    text: &'t str,
    stack: Vec<Frame>,
    out: Vec<Pair>,
    /// char index -> byte offset cursor.
    cur_char: usize,
    cur_byte: usize,
}

impl YamlCollector<'_> {
    fn byte_of(&mut self, ch: usize) -> usize {
        if ch < self.cur_char {
            self.cur_char = 0;
            self.cur_byte = 0;
        }
        let rest = &self.text[self.cur_byte..];
        let mut it = rest.char_indices();
        while self.cur_char < ch {
            match it.next() {
                Some((_, c)) => {
                    self.cur_byte += c.len_utf8();
                    self.cur_char += 1;
                }
                None => break,
            }
        }
        self.cur_byte
    }

    /// Finds the scalar's text at/after `at`: the range of `value` as written.
    fn locate(&self, at: usize, value: &str) -> Option<Range<usize>> {
        let end = (at + value.len() + 8).min(self.text.len());
        let end = crate::source::floor_char_boundary(self.text, end);
        let window = &self.text[at..end];
        window
            .find(value)
            .map(|i| at + i..at + i + value.len())
            .filter(|_| !value.is_empty())
    }

    fn parent_key(&self) -> Option<String> {
        match self.stack.last() {
            Some(Frame::Map { key, .. }) => key.clone(),
            _ => None,
        }
    }

    fn value_done(&mut self) {
        if let Some(Frame::Map {
            expect_key, key, ..
        }) = self.stack.last_mut()
        {
            *expect_key = true;
            *key = None;
        }
    }
}

impl MarkedEventReceiver for YamlCollector<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::MappingStart(..) => {
                self.stack.push(Frame::Map {
                    key: None,
                    expect_key: true,
                    item_name: None,
                    pending_value: None,
                });
            }
            Event::SequenceStart(..) => {
                let pk = self.parent_key();
                self.stack.push(Frame::Seq { parent_key: pk });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.value_done();
            }
            Event::Alias(..) => self.value_done(),
            Event::Scalar(value, ..) => {
                let at = self.byte_of(mark.index());
                let range = self.locate(at, &value);
                match self.stack.last_mut() {
                    Some(Frame::Map {
                        key,
                        expect_key,
                        item_name,
                        pending_value,
                    }) => {
                        if *expect_key {
                            *key = Some(value);
                            *expect_key = false;
                            return;
                        }
                        let k = key.take().unwrap_or_default();
                        *expect_key = true;
                        if k == "name" {
                            *item_name = Some(value.clone());
                            if let Some(r) = pending_value.take() {
                                self.out.push(Pair {
                                    name: value,
                                    value: r,
                                });
                            }
                            return;
                        }
                        if k == "value" {
                            if let Some(r) = range.clone() {
                                match item_name.clone() {
                                    Some(n) => self.out.push(Pair { name: n, value: r }),
                                    None => *pending_value = Some(r),
                                }
                            }
                            return;
                        }
                        if let Some(r) = range {
                            self.out.push(Pair { name: k, value: r });
                        }
                    }
                    Some(Frame::Seq { parent_key }) => {
                        // compose `environment: ["KEY=value"]`, `args:`, `build-args:`
                        let Some(pk) = parent_key else { return };
                        if !matches!(
                            pk.as_str(),
                            "environment" | "args" | "build_args" | "build-args"
                        ) {
                            return;
                        }
                        if let (Some(eq), Some(r)) = (value.find('='), range) {
                            self.out.push(Pair {
                                name: value[..eq].trim().to_owned(),
                                value: r.start + eq + 1..r.end,
                            });
                        }
                    }
                    None => {}
                }
            }
            Event::DocumentStart | Event::DocumentEnd => self.stack.clear(),
            _ => {}
        }
    }
}

fn yaml_pairs(text: &str) -> Vec<Pair> {
    let mut c = YamlCollector {
        text,
        stack: Vec::new(),
        out: Vec::new(),
        cur_char: 0,
        cur_byte: 0,
    };
    let mut parser = Parser::new_from_str(text);
    // A syntax error stops the walk; pairs seen so far are kept.
    let _ = parser.load(&mut c, true);
    c.out
}

// ------------------------------------------------------------------ TOML

fn toml_pairs(text: &str) -> Vec<Pair> {
    use toml::de::{DeTable, DeValue};
    let Ok(root) = DeTable::parse(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // Iterative walk: (key, value) pairs to visit.
    let mut stack: Vec<(String, &toml::Spanned<DeValue<'_>>)> = Vec::new();
    for (k, v) in root.get_ref().iter() {
        stack.push((k.get_ref().to_string(), v));
    }
    let mut budget = 200_000usize;
    while let Some((key, v)) = stack.pop() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            break;
        }
        match v.get_ref() {
            DeValue::String(s) => {
                let span = v.span();
                // The span covers the quotes; locate the text of the value inside.
                let raw = &text[span.clone()];
                let q = raw
                    .bytes()
                    .take_while(|b| *b == b'"' || *b == b'\'')
                    .count();
                let inner = span.start + q..span.end.saturating_sub(q).max(span.start + q);
                if text.get(inner.clone()) == Some(s.as_ref()) || !s.is_empty() {
                    out.push(Pair {
                        name: key,
                        value: inner,
                    });
                }
            }
            DeValue::Table(t) => {
                for (k, v) in t.iter() {
                    stack.push((k.get_ref().to_string(), v));
                }
            }
            DeValue::Array(a) => {
                for v in a.iter() {
                    stack.push((key.clone(), v));
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(|p| p.value.start);
    out
}

// ------------------------------------------------------------------ JSON

/// `"key": "value"` pairs of a JSON (or JSON-with-comments) text, by a small tokenizer.
fn json_pairs(text: &str) -> Vec<Pair> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut last_string: Option<Range<usize>> = None;
    let mut key: Option<Range<usize>> = None;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let s = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let e = i.min(b.len());
                i += 1;
                if let Some(k) = key.take() {
                    out.push(Pair {
                        name: text[k].to_owned(),
                        value: s..e,
                    });
                    last_string = None;
                } else {
                    last_string = Some(s..e);
                }
                continue;
            }
            b':' => {
                key = last_string.take();
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
                continue;
            }
            c if c.is_ascii_whitespace() => {}
            _ => {
                last_string = None;
                key = None;
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(syntax: Syntax, text: &str) -> Vec<(String, String)> {
        pairs(syntax, text)
            .into_iter()
            .map(|p| (p.name, text[p.value].to_owned()))
            .collect()
    }

    fn has(v: &[(String, String)], k: &str, val: &str) -> bool {
        v.iter().any(|(a, b)| a == k && b == val)
    }

    #[test]
    fn env_and_properties() {
        let v = named(
            Syntax::Env,
            "# c\nexport A=1\nB=\"two three\"\nC='x' # note\nD=plain # c\n",
        );
        assert!(has(&v, "A", "1") && has(&v, "B", "two three"));
        assert!(has(&v, "C", "x") && has(&v, "D", "plain"), "{v:?}");
        let v = named(Syntax::Properties, "[s]\ndb.password = abc\nkey: v\n");
        assert!(
            has(&v, "db.password", "abc") && has(&v, "key", "v"),
            "{v:?}"
        );
    }

    #[test]
    fn dockerfile() {
        let v = named(
            Syntax::Dockerfile,
            "FROM x\nENV A=1 B=\"two\" \\\n    C=3\nENV LEGACY some value\nARG TOKEN=abc\nRUN X=1\n",
        );
        assert!(
            has(&v, "A", "1") && has(&v, "B", "two") && has(&v, "C", "3"),
            "{v:?}"
        );
        assert!(
            has(&v, "LEGACY", "some value") && has(&v, "TOKEN", "abc"),
            "{v:?}"
        );
        assert!(!v.iter().any(|(k, _)| k == "X"));
    }

    #[test]
    fn yaml() {
        let text = "services:\n  web:\n    environment:\n      - DB_PASSWORD=abc\n    env:\n      - name: TOKEN\n        value: zz\n    labels:\n      API_KEY: \"q\"\nplain: ünï\nafter: 'é'\n";
        let v = named(Syntax::Yaml, text);
        assert!(has(&v, "DB_PASSWORD", "abc"), "{v:?}");
        assert!(has(&v, "TOKEN", "zz") && has(&v, "API_KEY", "q"), "{v:?}");
        assert!(has(&v, "after", "é"), "{v:?}");
        // environment as a mapping
        let v = named(Syntax::Yaml, "environment:\n  API_KEY: q1\n");
        assert!(has(&v, "API_KEY", "q1"), "{v:?}");
    }

    #[test]
    fn toml_and_json() {
        let v = named(
            Syntax::Toml,
            "[db]\npassword = \"abc\"\n[[x]]\ntoken = 'q'\n",
        );
        assert!(has(&v, "password", "abc") && has(&v, "token", "q"), "{v:?}");
        let v = named(
            Syntax::Json,
            "{ // c\n \"a\": {\"password\": \"p\\\"w\"}, \"list\": [\"x\", \"y\"], \"n\": 1 }",
        );
        assert!(has(&v, "password", "p\\\"w"), "{v:?}");
        assert!(!v.iter().any(|(k, _)| k == "list"), "{v:?}");
    }
}
