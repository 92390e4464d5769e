//! File kinds, and byte offset <-> line/column conversion (bytes are stored, columns computed at the edge).

use crate::finding::LineCol;
use std::path::Path;

/// What a file is, decided from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    Rust,
    JavaScript,
    /// `.jsx`
    Jsx,
    TypeScript,
    Tsx,
    Python,
    Dockerfile,
    Yaml,
    Toml,
    Json,
    /// `.env`, `.env.production`, ...
    Env,
    /// `.html`, `.jinja`, `.j2`, `.tera`, `.hbs`, ...
    Template,
    /// Any other text file: only the secrets pass looks at it.
    Text,
    /// A response or TLS handshake recorded by the live probe (`*.predeploy-probe`).
    Probe,
}

impl FileKind {
    pub fn detect(path: &Path) -> FileKind {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if name == "dockerfile"
            || name.starts_with("dockerfile.")
            || name.ends_with(".dockerfile")
            || name == "containerfile"
        {
            return FileKind::Dockerfile;
        }
        if ext == "predeploy-probe" {
            return FileKind::Probe;
        }
        if name == ".env" || name.starts_with(".env.") || ext == "env" {
            return FileKind::Env;
        }
        match ext.as_str() {
            "rs" => FileKind::Rust,
            "js" | "mjs" | "cjs" => FileKind::JavaScript,
            "jsx" => FileKind::Jsx,
            "ts" | "mts" | "cts" => FileKind::TypeScript,
            "tsx" => FileKind::Tsx,
            "py" | "pyw" => FileKind::Python,
            "yml" | "yaml" => FileKind::Yaml,
            "toml" => FileKind::Toml,
            "json" => FileKind::Json,
            "html" | "htm" | "jinja" | "jinja2" | "j2" | "tera" | "hbs" | "handlebars"
            | "askama" | "njk" | "liquid" => FileKind::Template,
            _ => FileKind::Text,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FileKind::Rust => "rust",
            FileKind::JavaScript => "javascript",
            FileKind::Jsx => "jsx",
            FileKind::TypeScript => "typescript",
            FileKind::Tsx => "tsx",
            FileKind::Python => "python",
            FileKind::Dockerfile => "dockerfile",
            FileKind::Yaml => "yaml",
            FileKind::Toml => "toml",
            FileKind::Json => "json",
            FileKind::Env => "env",
            FileKind::Template => "template",
            FileKind::Text => "text",
            FileKind::Probe => "probe",
        }
    }

    /// The rule language this kind belongs to.
    pub fn lang(self) -> crate::meta::Lang {
        use crate::meta::Lang;
        match self {
            FileKind::Rust => Lang::Rust,
            FileKind::JavaScript | FileKind::Jsx => Lang::JavaScript,
            FileKind::TypeScript | FileKind::Tsx => Lang::TypeScript,
            FileKind::Python => Lang::Python,
            FileKind::Dockerfile => Lang::Docker,
            FileKind::Yaml => Lang::Yaml,
            FileKind::Toml => Lang::Toml,
            FileKind::Json => Lang::Json,
            FileKind::Template => Lang::Template,
            FileKind::Env | FileKind::Text => Lang::Text,
            FileKind::Probe => Lang::Live,
        }
    }

    pub fn is_js_like(self) -> bool {
        matches!(
            self,
            FileKind::JavaScript | FileKind::Jsx | FileKind::TypeScript | FileKind::Tsx
        )
    }
}

/// Line starts of a text, for byte offset -> line/column conversions.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        for i in memchr::memchr_iter(b'\n', text.as_bytes()) {
            starts.push(i + 1);
        }
        LineIndex { starts }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 0-based line containing `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l - 1,
        }
    }

    /// Byte offset where 0-based `line` starts (clamped to the text's end).
    pub fn line_start(&self, line: usize) -> usize {
        self.starts
            .get(line)
            .copied()
            .unwrap_or(*self.starts.last().unwrap_or(&0))
    }

    /// Byte range of 0-based `line`, without its line terminator.
    pub fn line_range(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let start = self.line_start(line).min(text.len());
        let mut end = self
            .starts
            .get(line + 1)
            .copied()
            .unwrap_or(text.len())
            .min(text.len());
        let b = text.as_bytes();
        if end > start && b[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && b[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }

    /// 1-based line and 1-based char column of a byte offset.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let column = text[start..offset].chars().count() as u32 + 1;
        LineCol {
            line: line as u32 + 1,
            column,
        }
    }

    /// 0-based line and UTF-16 column (what LSP clients speak by default).
    pub fn utf16_position(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let col: usize = text[start..offset].chars().map(char::len_utf16).sum();
        (line as u32, col as u32)
    }

    /// Byte offset of a 0-based line and UTF-16 column; out-of-range positions are clamped.
    pub fn offset_of_utf16(&self, text: &str, line: u32, col16: u32) -> usize {
        if line as usize >= self.starts.len() {
            return text.len();
        }
        let range = self.line_range(text, line as usize);
        let mut acc = 0u32;
        for (i, ch) in text[range.clone()].char_indices() {
            if acc >= col16 {
                return range.start + i;
            }
            acc += ch.len_utf16() as u32;
        }
        range.end
    }

    /// Byte offset of a 1-based line and 0-based char column (proc-macro2's convention).
    pub fn offset_of_char_col(&self, text: &str, line1: usize, col: usize) -> usize {
        if line1 == 0 {
            return 0;
        }
        let line = line1 - 1;
        if line >= self.starts.len() {
            return text.len();
        }
        let range = self.line_range(text, line);
        match text[range.clone()].char_indices().nth(col) {
            Some((i, _)) => range.start + i,
            None => range
                .end
                .min(range.start + col.max(0))
                .max(range.start)
                .min(text.len()),
        }
    }
}

/// The largest char boundary `<= i`.
pub fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    if i >= text.len() {
        return text.len();
    }
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A database script: a schema migration (under `migrations/`, Rails' `db/migrate/`, Alembic's
/// `alembic/versions/`) or a seed script (under `seeds/`/`seeders/`, or named `seed.*`), judged
/// on `rel`, relative to the scan root. Run by the developers with the values written in it,
/// never with a request's input.
pub fn is_db_script_path(rel: &Path) -> bool {
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_ascii_lowercase())
        .collect();
    let dirs = &parts[..parts.len().saturating_sub(1)];
    let stem = parts
        .last()
        .map(|f| f.split('.').next().unwrap_or(""))
        .unwrap_or("");
    dirs.iter().any(|d| {
        matches!(
            d.as_str(),
            "migrations" | "migration" | "migrate" | "seed" | "seeds" | "seeders" | "seeding"
        )
    }) || dirs
        .windows(2)
        .any(|w| w[0] == "alembic" && w[1] == "versions")
        || matches!(stem, "seed" | "seeds")
}

/// True for paths that look like tests (test dirs, `test_*.py`, `*.test.ts`, `*_test.rs`...).
pub fn is_test_path(path: &Path) -> bool {
    for comp in path.components() {
        if let Some(c) = comp.as_os_str().to_str() {
            let c = c.to_ascii_lowercase();
            if matches!(
                c.as_str(),
                "tests"
                    | "test"
                    | "__tests__"
                    | "spec"
                    | "specs"
                    | "testing"
                    | "testdata"
                    | "e2e"
                    | "fixtures"
                    | "__mocks__"
            ) {
                return true;
            }
        }
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    name.starts_with("test_")
        || name.ends_with("_test.py")
        || name.ends_with("_test.rs")
        || name.ends_with("_tests.rs")
        || name == "conftest.py"
        || name == "tests.py"
        || name.contains(".test.")
        || name.contains(".spec.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_and_utf16() {
        let text = "ab\né€😀x\r\nlast";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), LineCol { line: 1, column: 1 });
        let x = text.find('x').unwrap();
        assert_eq!(idx.line_col(text, x), LineCol { line: 2, column: 4 });
        assert_eq!(idx.utf16_position(text, x), (1, 4));
        assert_eq!(idx.offset_of_utf16(text, 1, 4), x);
        assert_eq!(idx.line_range(text, 1), 3..text.find('\r').unwrap());
        assert_eq!(idx.offset_of_utf16(text, 99, 0), text.len());
        assert_eq!(idx.offset_of_char_col(text, 2, 3), x);
    }

    #[test]
    fn kinds() {
        assert_eq!(
            FileKind::detect(Path::new("a/Dockerfile")),
            FileKind::Dockerfile
        );
        assert_eq!(
            FileKind::detect(Path::new(".env.production")),
            FileKind::Env
        );
        assert_eq!(FileKind::detect(Path::new("x.tsx")), FileKind::Tsx);
        assert_eq!(FileKind::detect(Path::new("x.cjs")), FileKind::JavaScript);
        assert!(is_test_path(Path::new("src/__tests__/a.ts")));
        assert!(!is_test_path(Path::new("src/contest.py")));
        assert!(is_db_script_path(Path::new("server/migrations/2024-x.js")));
        assert!(is_db_script_path(Path::new("db/migrate/20240101_add.rb")));
        assert!(is_db_script_path(Path::new("alembic/versions/abc_add.py")));
        assert!(!is_db_script_path(Path::new("src/versions/v1.py")));
        assert!(!is_db_script_path(Path::new("migrations.py")));
        assert!(is_db_script_path(Path::new(
            "packages/prisma/seed/templates.ts"
        )));
        assert!(is_db_script_path(Path::new("prisma/seed.ts")));
        assert!(is_db_script_path(Path::new(
            "database/seeders/UserSeeder.php"
        )));
        assert!(!is_db_script_path(Path::new("src/seedling.ts")));
    }
}
