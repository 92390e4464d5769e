//! Where a secret sits: test or sample code, documentation, a comment, a base64 blob.
//! These decide severity (or silence) for text-level detectors, which see no syntax tree.

use crate::engine::FileCx;

/// Test-like beyond the engine's `is_test`: C/C++/Go-style `_test.` files, `testdata`,
/// `examples`/`benches` directories, and (Rust) code after the file's `#[cfg(test)]`.
pub fn in_test_code(cx: &FileCx<'_>, offset: usize) -> bool {
    if cx.is_test {
        return true;
    }
    if cx.config.include_tests {
        return false;
    }
    let p = cx
        .path
        .to_string_lossy()
        .replace('\\', "/")
        .to_ascii_lowercase();
    let name = p.rsplit('/').next().unwrap_or("");
    if name.contains("_test.")
        || name.contains("_tests.")
        || name.starts_with("test_")
        || name.contains("_spec.")
        || [
            "examples",
            "example",
            "benches",
            "testdata",
            "test-data",
            "samples",
        ]
        .iter()
        .any(|d| p.starts_with(&format!("{d}/")) || p.contains(&format!("/{d}/")))
    {
        return true;
    }
    if cx.kind == crate::source::FileKind::Rust {
        // Rust test modules conventionally close the file.
        if let Some(i) = cx.text.find("#[cfg(test)]") {
            return offset > i;
        }
    }
    false
}

/// Documentation files (`.md`, `.rst`, `.txt`, `.adoc`).
pub fn is_doc_file(cx: &FileCx<'_>) -> bool {
    let ext = cx
        .path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    matches!(
        ext.as_str(),
        "md" | "markdown" | "rst" | "txt" | "adoc" | "asciidoc"
    )
}

/// The line holding `offset` is a comment line (`//`, `///`, `#`, `*`, `--`, `<!--`, `;`).
pub fn in_comment(cx: &FileCx<'_>, offset: usize) -> bool {
    let line = cx.index.line_of(offset);
    let r = cx.index.line_range(cx.text, line);
    let t = cx.text[r].trim_start();
    ["//", "#", "* ", "*\t", "--", "<!--", ";", "/*"]
        .iter()
        .any(|m| t.starts_with(m))
        || (t == "*")
}

/// Python: the match sits in a triple-quoted string that starts its own line (a docstring or a
/// standalone string, i.e. documentation), not one assigned or passed (`URL = """...`).
pub fn in_docstring(cx: &FileCx<'_>, offset: usize) -> bool {
    if cx.kind != crate::source::FileKind::Python {
        return false;
    }
    let before = &cx.text[..offset.min(cx.text.len())];
    for q in ["\"\"\"", "'''"] {
        if before.matches(q).count() % 2 == 0 {
            continue;
        }
        let Some(open) = before.rfind(q) else {
            continue;
        };
        let line_start = before[..open].rfind('\n').map_or(0, |i| i + 1);
        let lead = before[line_start..open]
            .trim_start()
            .trim_start_matches(['r', 'R', 'u', 'U', 'b', 'B']);
        return lead.is_empty();
    }
    false
}

/// The match sits in a block of base64 lines (an embedded certificate, key or binary): the
/// line and a neighbour are both long runs of base64 characters only.
pub fn in_base64_block(cx: &FileCx<'_>, offset: usize) -> bool {
    let line = cx.index.line_of(offset);
    let b64 = |l: usize| -> bool {
        if l >= cx.index.line_count() {
            return false;
        }
        let r = cx.index.line_range(cx.text, l);
        let mut t = cx.text[r]
            .trim()
            .trim_start_matches(|c| matches!(c, '"' | '\'' | '`'));
        // Trailing quotes, separators, `\n` escapes and `\` continuations.
        loop {
            let before = t.len();
            for suffix in ["\\n", "\\r", "\\", "\"", "'", ",", ";", "+", "`", " "] {
                t = t.strip_suffix(suffix).unwrap_or(t);
            }
            if t.len() == before {
                break;
            }
        }
        t.len() >= 60
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    };
    b64(line) && ((line > 0 && b64(line - 1)) || b64(line + 1))
}
