//! Document text and position conversion. The engine works in byte offsets; LSP clients speak
//! UTF-16 columns by default (UTF-8 when both sides agree at initialize). Every conversion clamps
//! out-of-range positions instead of failing.

use predeploy_rules::source::{floor_char_boundary, LineIndex};
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent};

/// The position encoding negotiated at initialize.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
}

/// A text with its line index, for conversions in both directions.
pub struct Indexed<'a> {
    pub text: &'a str,
    pub index: LineIndex,
    pub enc: Encoding,
}

impl<'a> Indexed<'a> {
    pub fn new(text: &'a str, enc: Encoding) -> Indexed<'a> {
        Indexed {
            text,
            index: LineIndex::new(text),
            enc,
        }
    }

    pub fn position(&self, offset: usize) -> Position {
        match self.enc {
            Encoding::Utf16 => {
                let (line, character) = self.index.utf16_position(self.text, offset);
                Position { line, character }
            }
            Encoding::Utf8 => {
                let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
                let line = self.index.line_of(offset);
                Position {
                    line: line as u32,
                    character: (offset - self.index.line_start(line)) as u32,
                }
            }
        }
    }

    pub fn range(&self, r: &std::ops::Range<usize>) -> Range {
        Range {
            start: self.position(r.start),
            end: self.position(r.end.max(r.start)),
        }
    }

    /// Byte offset of an LSP position; a line past the end maps to the end of the text, a column
    /// past the end of its line to the line's end.
    pub fn offset(&self, p: Position) -> usize {
        match self.enc {
            Encoding::Utf16 => self.index.offset_of_utf16(self.text, p.line, p.character),
            Encoding::Utf8 => {
                if p.line as usize >= self.index.line_count() {
                    return self.text.len();
                }
                let range = self.index.line_range(self.text, p.line as usize);
                let o = (range.start + p.character as usize).min(range.end);
                floor_char_boundary(self.text, o)
            }
        }
    }

    /// Range of a whole 0-based line (without its terminator).
    pub fn line_range(&self, line: usize) -> Range {
        let line = line.min(self.index.line_count().saturating_sub(1));
        let r = self.index.line_range(self.text, line);
        self.range(&r)
    }
}

/// Applies one `didChange` content change: a full replacement when it has no range, else a range
/// edit. Positions out of range are clamped; a reversed range is treated as empty at its start.
pub fn apply_change(text: &mut String, change: TextDocumentContentChangeEvent, enc: Encoding) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let (start, end) = {
                let ix = Indexed::new(text, enc);
                let s = ix.offset(range.start);
                let e = ix.offset(range.end);
                (s, e.max(s))
            };
            text.replace_range(start..end, &change.text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(sl: u32, sc: u32, el: u32, ec: u32, t: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range {
                start: Position::new(sl, sc),
                end: Position::new(el, ec),
            }),
            range_length: None,
            text: t.into(),
        }
    }

    #[test]
    fn range_edits_in_utf16() {
        let mut t = String::from("a😀b\nline two\n");
        // 😀 is two UTF-16 units: column 3 is just before `b`.
        apply_change(&mut t, change(0, 3, 0, 4, "B"), Encoding::Utf16);
        assert_eq!(t, "a😀B\nline two\n");
        apply_change(&mut t, change(1, 5, 1, 8, "2"), Encoding::Utf16);
        assert_eq!(t, "a😀B\nline 2\n");
        // Insert at the very end (line past the last newline).
        apply_change(&mut t, change(2, 0, 2, 0, "x"), Encoding::Utf16);
        assert_eq!(t, "a😀B\nline 2\nx");
    }

    #[test]
    fn out_of_range_is_clamped() {
        let mut t = String::from("abc\ndef");
        apply_change(&mut t, change(0, 99, 0, 120, "!"), Encoding::Utf16);
        assert_eq!(t, "abc!\ndef");
        apply_change(&mut t, change(50, 0, 60, 3, "?"), Encoding::Utf16);
        assert_eq!(t, "abc!\ndef?");
        // Reversed range: empty at its start.
        apply_change(&mut t, change(1, 2, 0, 0, "_"), Encoding::Utf16);
        assert_eq!(t, "abc!\nde_f?");
        // Half of a surrogate pair: never splits a char.
        let mut t = String::from("😀x");
        apply_change(&mut t, change(0, 1, 0, 1, "y"), Encoding::Utf16);
        assert!(t == "y😀x" || t == "😀yx", "{t}");
        let mut t = String::from("é");
        apply_change(&mut t, change(0, 1, 0, 1, "y"), Encoding::Utf8);
        assert_eq!(t, "yé");
    }

    #[test]
    fn positions_round_trip() {
        let t = "x = 'é😀'\ny";
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            let ix = Indexed::new(t, enc);
            for (o, _) in t.char_indices() {
                assert_eq!(ix.offset(ix.position(o)), o, "{enc:?} {o}");
            }
        }
        let ix = Indexed::new(t, Encoding::Utf16);
        assert_eq!(ix.position(t.find('y').unwrap()), Position::new(1, 0));
        assert_eq!(ix.position(t.len() - 3), Position::new(0, 8));
    }
}
