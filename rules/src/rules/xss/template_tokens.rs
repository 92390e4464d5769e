//! A small tokenizer for Jinja2/Django/Tera/Askama/Nunjucks/Handlebars template tags:
//! `{{ expr }}`, `{% stmt %}`, `{# comment #}` (skipped), Handlebars `{{{ raw }}}`, and
//! `{% raw %}`/`{% verbatim %}` blocks (their content is skipped). Quotes inside tags are
//! respected, and `{{ {'a': 1} }}` nests. Linear time, no recursion.

use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagKind {
    /// `{{ ... }}`
    Expr,
    /// `{% ... %}`
    Stmt,
    /// Handlebars/Mustache `{{{ ... }}}` (unescaped output).
    Triple,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    pub kind: TagKind,
    /// The whole tag, delimiters included.
    pub range: Range<usize>,
    /// The content between the delimiters, whitespace-control markers (`-`, `+`, `~`) excluded.
    pub inner: Range<usize>,
}

/// Finds the closing delimiter `close` (2 bytes) from `from`, outside quotes and nested braces.
fn find_close(b: &[u8], from: usize, close: &[u8]) -> Option<usize> {
    let mut i = from;
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if depth == 0 && b[i..].starts_with(close) {
            return Some(i);
        }
        match c {
            b'"' | b'\'' => quote = Some(c),
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            // A newline-free tag is the norm; give up on runaway quotes at a closing delimiter.
            _ => {}
        }
        i += 1;
    }
    None
}

fn trim_markers(text: &str, mut r: Range<usize>) -> Range<usize> {
    let b = text.as_bytes();
    if r.start < r.end && matches!(b[r.start], b'-' | b'+' | b'~') {
        r.start += 1;
    }
    if r.end > r.start && matches!(b[r.end - 1], b'-' | b'+' | b'~') {
        r.end -= 1;
    }
    r
}

/// The first word of a statement tag (`if`, `autoescape`, `raw`).
pub fn stmt_words(text: &str, tag: &Tag) -> Vec<String> {
    text[tag.inner.clone()]
        .split_whitespace()
        .take(4)
        .map(str::to_owned)
        .collect()
}

/// Tokenizes `text`. `triple` enables Handlebars `{{{ }}}`.
pub fn tags(text: &str, triple: bool) -> Vec<Tag> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // When inside {% raw %}, the name of the closing tag to wait for.
    let mut skip_until: Option<&'static str> = None;
    while i + 1 < b.len() {
        if b[i] != b'{' {
            i += 1;
            continue;
        }
        match b[i + 1] {
            b'#' => {
                if skip_until.is_some() {
                    i += 2;
                    continue;
                }
                match text[i + 2..].find("#}") {
                    Some(e) => i = i + 2 + e + 2,
                    None => return out,
                }
            }
            b'%' => {
                let Some(e) = find_close(b, i + 2, b"%}")
                    .or_else(|| text[i + 2..].find("%}").map(|e| i + 2 + e))
                else {
                    return out;
                };
                let tag = Tag {
                    kind: TagKind::Stmt,
                    range: i..e + 2,
                    inner: trim_markers(text, i + 2..e),
                };
                let first = text[tag.inner.clone()]
                    .split_whitespace()
                    .next()
                    .unwrap_or("");
                match skip_until {
                    Some(end) => {
                        if first == end {
                            skip_until = None;
                        }
                    }
                    None => match first {
                        "raw" => skip_until = Some("endraw"),
                        "verbatim" => skip_until = Some("endverbatim"),
                        "comment" => skip_until = Some("endcomment"),
                        _ => out.push(tag),
                    },
                }
                i = e + 2;
            }
            b'{' => {
                if skip_until.is_some() {
                    i += 2;
                    continue;
                }
                if triple && b.get(i + 2) == Some(&b'{') {
                    let Some(e) = text[i + 3..].find("}}}") else {
                        return out;
                    };
                    let e = i + 3 + e;
                    out.push(Tag {
                        kind: TagKind::Triple,
                        range: i..e + 3,
                        inner: trim_markers(text, i + 3..e),
                    });
                    i = e + 3;
                    continue;
                }
                let Some(e) = find_close(b, i + 2, b"}}")
                    .or_else(|| text[i + 2..].find("}}").map(|e| i + 2 + e))
                else {
                    return out;
                };
                out.push(Tag {
                    kind: TagKind::Expr,
                    range: i..e + 2,
                    inner: trim_markers(text, i + 2..e),
                });
                i = e + 2;
            }
            _ => i += 1,
        }
    }
    out
}

/// An expression split at its top-level filter pipes: `user.bio|striptags|safe` ->
/// base `user.bio`, filters `["striptags", "safe"]` (filter names only, arguments dropped).
pub struct Filtered {
    pub base: String,
    pub filters: Vec<String>,
}

pub fn filters(expr: &str) -> Filtered {
    let b = expr.as_bytes();
    let mut parts: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    let mut quote: Option<u8> = None;
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            b'"' | b'\'' => quote = Some(c),
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'|' if depth == 0 && b.get(i + 1) != Some(&b'|') && (i == 0 || b[i - 1] != b'|') => {
                parts.push(start..i);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(start..b.len().min(expr.len()));
    let base = expr[parts[0].clone()].trim().to_owned();
    let filters = parts[1..]
        .iter()
        .map(|r| {
            let t = expr[r.clone()].trim();
            t.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    Filtered { base, filters }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizes() {
        let t = "a {{ x|safe }} {# {{ y|safe }} #} {% raw %}{{ z|safe }}{% endraw %} {%- if a -%} {{ {'k': '}}'}['k'] }}";
        let tags = tags(t, false);
        let inner: Vec<&str> = tags.iter().map(|g| t[g.inner.clone()].trim()).collect();
        assert_eq!(inner, vec!["x|safe", "if a", "{'k': '}}'}['k']"]);
        assert_eq!(tags[1].kind, TagKind::Stmt);
    }

    #[test]
    fn triple_and_unterminated() {
        let t = "{{{ body }}} {{ a";
        let tags = tags(t, true);
        assert_eq!(tags.len(), 1);
        assert_eq!(tags[0].kind, TagKind::Triple);
    }

    #[test]
    fn splits_filters() {
        let f = filters(" user.bio | striptags | safe ");
        assert_eq!(f.base, "user.bio");
        assert_eq!(f.filters, vec!["striptags", "safe"]);
        let f = filters("'a|safe' ~ x");
        assert!(f.filters.is_empty());
        let f = filters("x|default('a|b')|safe");
        assert_eq!(f.filters, vec!["default", "safe"]);
        let f = filters("a || b");
        assert!(f.filters.is_empty());
    }
}
