//! The change between two versions of a document as separate edits, one per changed region.
//!
//! An editor that sends the whole text on every change (full sync), a formatter run or a
//! search-and-replace changes several places at once. Described as one edit from the first
//! changed byte to the last, the change would make tree-sitter re-parse everything between
//! them and the quick check re-run the rules on every statement there. Split into one edit per
//! changed region (a line diff of the text between the common prefix and suffix, each region
//! then narrowed to the bytes that differ), the parse reuses the unchanged statements between
//! them and the quick check re-runs only the statements an edit touches.

use std::ops::Range;

/// One changed region: its bytes in the old text and in the new one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hunk {
    pub old: Range<usize>,
    pub new: Range<usize>,
}

/// The regions that differ between two texts, in order and separated by unchanged text.
#[derive(Clone, Debug, Default)]
pub(crate) struct Edits {
    hunks: Vec<Hunk>,
}

/// Above this many changed regions, one edit spanning them all: the tree edits and the
/// per-region bookkeeping would cost more than the reuse saves.
const MAX_HUNKS: usize = 2_048;

/// Blocks compared whole (by memcmp) before the byte-by-byte end of a common prefix or suffix:
/// most of a large document is its common prefix or suffix.
const BLOCK: usize = 64;

fn common_prefix_len(x: &[u8], y: &[u8]) -> usize {
    let blocks = x
        .chunks_exact(BLOCK)
        .zip(y.chunks_exact(BLOCK))
        .take_while(|(p, q)| p == q)
        .count();
    let n = blocks * BLOCK;
    n + x[n..]
        .iter()
        .zip(&y[n..])
        .take_while(|(p, q)| p == q)
        .count()
}

fn common_suffix_len(x: &[u8], y: &[u8]) -> usize {
    let blocks = x
        .rchunks_exact(BLOCK)
        .zip(y.rchunks_exact(BLOCK))
        .take_while(|(p, q)| p == q)
        .count();
    let n = blocks * BLOCK;
    let (x, y) = (&x[..x.len() - n], &y[..y.len() - n]);
    n + x
        .iter()
        .rev()
        .zip(y.iter().rev())
        .take_while(|(p, q)| p == q)
        .count()
}

/// The lengths of the longest common prefix and suffix of `a` and `b` that end and start on
/// character boundaries of both, the suffix not overlapping the prefix.
fn common_ends(a: &str, b: &str) -> (usize, usize) {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let mut prefix = common_prefix_len(x, y);
    while !(a.is_char_boundary(prefix) && b.is_char_boundary(prefix)) {
        prefix -= 1;
    }
    let mut suffix = common_suffix_len(&x[prefix..], &y[prefix..]);
    while !(a.is_char_boundary(x.len() - suffix) && b.is_char_boundary(y.len() - suffix)) {
        suffix -= 1;
    }
    (prefix, suffix)
}

/// Where each line of `text` starts, and `text.len()` last: line `i` is `s[i]..s[i + 1]`, its
/// terminator included (the lines imara-diff compares).
fn line_starts(text: &str) -> Vec<usize> {
    let mut s = vec![0];
    s.extend(
        memchr::memchr_iter(b'\n', text.as_bytes())
            .map(|i| i + 1)
            .filter(|&i| i < text.len()),
    );
    if !text.is_empty() {
        s.push(text.len());
    }
    s
}

impl Edits {
    /// How many separate edits.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.hunks.len()
    }

    /// The edits that turn `old` into `new`: none when they are equal.
    pub(crate) fn between(old: &str, new: &str) -> Edits {
        let (prefix, suffix) = common_ends(old, new);
        let whole = Hunk {
            old: prefix..old.len() - suffix,
            new: prefix..new.len() - suffix,
        };
        if whole.old.is_empty() && whole.new.is_empty() {
            return Edits::default();
        }
        let (mid_old, mid_new) = (&old[whole.old.clone()], &new[whole.new.clone()]);
        if !mid_old.contains('\n') || !mid_new.contains('\n') {
            return Edits { hunks: vec![whole] };
        }
        let input = imara_diff::InternedInput::new(mid_old, mid_new);
        // Myers, with imara-diff's heuristics against quadratic time: on a 5,000-line module
        // whose 500 functions each changed one line, 0.2 ms where Histogram took 6 ms (code
        // repeats lines, which Histogram handles worst).
        let diff = imara_diff::Diff::compute(imara_diff::Algorithm::Myers, &input);
        let (so, sn) = (line_starts(mid_old), line_starts(mid_new));
        debug_assert_eq!(so.len().saturating_sub(1), input.before.len());
        debug_assert_eq!(sn.len().saturating_sub(1), input.after.len());
        let mut hunks = Vec::new();
        for h in diff.hunks() {
            let o = prefix + so[h.before.start as usize]..prefix + so[h.before.end as usize];
            let n = prefix + sn[h.after.start as usize]..prefix + sn[h.after.end as usize];
            // Narrowed to the bytes that differ: a changed character does not make its whole
            // line an edit.
            let (p, s) = common_ends(&old[o.clone()], &new[n.clone()]);
            let hunk = Hunk {
                old: o.start + p..o.end - s,
                new: n.start + p..n.end - s,
            };
            if !(hunk.old.is_empty() && hunk.new.is_empty()) {
                hunks.push(hunk);
            }
        }
        if hunks.is_empty() || hunks.len() > MAX_HUNKS {
            return Edits { hunks: vec![whole] };
        }
        Edits { hunks }
    }

    /// Moves a byte range of the old text to the new one: None when it overlaps changed bytes
    /// (a range that ends where an edit starts lies before it; one that starts where an edit
    /// ends lies after it).
    pub(crate) fn shift(&self, r: &Range<usize>) -> Option<Range<usize>> {
        // The edits the range lies after.
        let k = self
            .hunks
            .partition_point(|h| h.old.end <= r.start && r.end > h.old.start);
        if let Some(h) = self.hunks.get(k) {
            // Not after it: before it, or overlapping.
            if r.end > h.old.start {
                return None;
            }
        }
        Some(match k.checked_sub(1).map(|i| &self.hunks[i]) {
            None => r.clone(),
            Some(h) => {
                let m = |x: usize| x - h.old.end + h.new.end;
                m(r.start)..m(r.end)
            }
        })
    }

    /// Whether a range of the old text touches or borders an edit.
    pub(crate) fn touches_old(&self, r: &Range<usize>) -> bool {
        let i = self.hunks.partition_point(|h| h.old.end < r.start);
        self.hunks.get(i).is_some_and(|h| h.old.start <= r.end)
    }

    /// Whether a range of the new text touches or borders an edit.
    pub(crate) fn touches_new(&self, r: &Range<usize>) -> bool {
        let i = self.hunks.partition_point(|h| h.new.end < r.start);
        self.hunks.get(i).is_some_and(|h| h.new.start <= r.end)
    }

    /// Tells `tree` (a tree of `old`) about the edits, in order, each in the coordinates of the
    /// text with the edits before it made.
    pub(crate) fn apply_to(&self, tree: &mut tree_sitter::Tree, old: &str, new: &str) {
        let mut cursor = Points::new(new);
        for h in &self.hunks {
            let start_position = cursor.at(h.new.start);
            let new_end_position = cursor.at(h.new.end);
            tree.edit(&tree_sitter::InputEdit {
                start_byte: h.new.start,
                old_end_byte: h.new.start + h.old.len(),
                new_end_byte: h.new.end,
                start_position,
                old_end_position: advance(start_position, &old[h.old.clone()]),
                new_end_position,
            });
        }
    }
}

/// The point after `text` when it starts at `p`.
fn advance(p: tree_sitter::Point, text: &str) -> tree_sitter::Point {
    let b = text.as_bytes();
    match memchr::memrchr(b'\n', b) {
        None => tree_sitter::Point {
            row: p.row,
            column: p.column + b.len(),
        },
        Some(last) => tree_sitter::Point {
            row: p.row + memchr::memchr_iter(b'\n', b).count(),
            column: b.len() - last - 1,
        },
    }
}

/// Byte offsets to points, for offsets asked in increasing order (one pass over the text).
struct Points<'a> {
    text: &'a str,
    byte: usize,
    point: tree_sitter::Point,
}

impl<'a> Points<'a> {
    fn new(text: &'a str) -> Self {
        Points {
            text,
            byte: 0,
            point: tree_sitter::Point { row: 0, column: 0 },
        }
    }

    fn at(&mut self, byte: usize) -> tree_sitter::Point {
        debug_assert!(byte >= self.byte);
        self.point = advance(self.point, &self.text[self.byte..byte]);
        self.byte = byte;
        self.point
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed-seed generator: the same texts on every run.
    fn rng(mut seed: u64) -> impl FnMut(usize) -> usize {
        move |n| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((seed >> 33) as usize) % n.max(1)
        }
    }

    /// `old` with a few random edits at random places (lines added, removed, changed; multi-byte
    /// characters included).
    fn edited(old: &str, rnd: &mut impl FnMut(usize) -> usize) -> String {
        let pieces = ["x", "\n", "é", "    y = 1\n", "", "(", "\n\n", "ü\n"];
        let mut new = old.to_owned();
        for _ in 0..1 + rnd(6) {
            let mut at = rnd(new.len() + 1);
            while !new.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = (at + rnd(12)).min(new.len());
            while !new.is_char_boundary(end) {
                end -= 1;
            }
            new.replace_range(at..end, pieces[rnd(pieces.len())]);
        }
        new
    }

    fn sample(rnd: &mut impl FnMut(usize) -> usize) -> String {
        let lines = [
            "def f(a):\n",
            "    return a + 1\n",
            "\n",
            "x = 'é'\n",
            "class C:\n",
            "    pass\n",
            "# ü comment\n",
        ];
        (0..rnd(60)).map(|_| lines[rnd(lines.len())]).collect()
    }

    /// The hunks rebuild the new text from the old one, are separated by unchanged text, and
    /// every range of unchanged old text moves to the same text in the new one.
    #[test]
    fn hunks_rebuild_the_new_text_and_shift_unchanged_ranges() {
        let mut rnd = rng(7);
        let mut multi = 0;
        for _ in 0..3_000 {
            let old = sample(&mut rnd);
            let new = edited(&old, &mut rnd);
            let e = Edits::between(&old, &new);
            assert_eq!(e.hunks.is_empty(), old == new);
            multi += usize::from(e.hunks.len() > 1);
            let mut rebuilt = String::new();
            let mut at = 0;
            for (i, h) in e.hunks.iter().enumerate() {
                if i > 0 {
                    assert!(
                        h.old.start > e.hunks[i - 1].old.end,
                        "{old:?} -> {new:?}: {e:?}"
                    );
                }
                rebuilt.push_str(&old[at..h.old.start]);
                rebuilt.push_str(&new[h.new.clone()]);
                at = h.old.end;
            }
            rebuilt.push_str(&old[at..]);
            assert_eq!(rebuilt, new, "{e:?}");
            for _ in 0..20 {
                let mut s = rnd(old.len() + 1);
                while !old.is_char_boundary(s) {
                    s -= 1;
                }
                let mut t = (s + rnd(10)).min(old.len());
                while !old.is_char_boundary(t) {
                    t -= 1;
                }
                let r = s..t;
                // Neither before nor after some edit.
                let inside = e
                    .hunks
                    .iter()
                    .any(|h| !(r.end <= h.old.start || r.start >= h.old.end));
                match e.shift(&r) {
                    Some(n) => {
                        assert!(!inside, "{r:?} overlaps an edit: {e:?}");
                        assert_eq!(&old[r.clone()], &new[n], "{r:?} in {e:?}");
                    }
                    None => assert!(inside, "{r:?} touches no edit: {e:?}"),
                }
            }
        }
        assert!(multi > 500, "only {multi} changes had several hunks");
    }

    /// A tree told about the edits and re-parsed equals a fresh parse of the new text, node
    /// for node (kinds and byte and row/column ranges): the edits' coordinates are right.
    #[test]
    fn reparsing_the_edited_tree_equals_a_fresh_parse() {
        fn nodes(t: &tree_sitter::Tree) -> Vec<(u16, Range<usize>, tree_sitter::Point)> {
            let mut v = Vec::new();
            crate::lang::preorder(t.root_node(), |n| {
                v.push((n.kind_id(), n.byte_range(), n.start_position()))
            });
            v
        }
        let mut rnd = rng(11);
        for _ in 0..400 {
            let old = sample(&mut rnd);
            let new = edited(&old, &mut rnd);
            let mut tree = crate::lang::python::parse(&old, None).expect("parses");
            Edits::between(&old, &new).apply_to(&mut tree, &old, &new);
            let again = crate::lang::python::parse(&new, Some(&tree)).expect("parses");
            let fresh = crate::lang::python::parse(&new, None).expect("parses");
            assert_eq!(nodes(&again), nodes(&fresh), "{old:?} -> {new:?}");
        }
    }

    /// The points given to tree-sitter: rows and byte columns, counted one pass at a time,
    /// equal those counted from the start of the text.
    #[test]
    fn points_count_rows_and_byte_columns() {
        let mut rnd = rng(5);
        for _ in 0..300 {
            let text = sample(&mut rnd);
            let mut offsets: Vec<usize> = (0..rnd(12))
                .map(|_| rnd(text.len() + 1))
                .filter(|&b| text.is_char_boundary(b))
                .collect();
            offsets.sort();
            let mut points = Points::new(&text);
            for b in offsets {
                let before = &text[..b];
                let row = before.matches('\n').count();
                let column = b - before.rfind('\n').map_or(0, |i| i + 1);
                assert_eq!(
                    points.at(b),
                    tree_sitter::Point { row, column },
                    "{text:?} at {b}"
                );
            }
        }
    }

    /// The block-wise prefix and suffix lengths equal the byte-by-byte ones, at every length
    /// around the block size.
    #[test]
    fn common_ends_by_blocks_equal_byte_by_byte() {
        let mut rnd = rng(3);
        for _ in 0..2_000 {
            let len = rnd(3 * BLOCK + 2);
            let x: Vec<u8> = (0..len).map(|_| b"ab"[rnd(2)]).collect();
            let mut y = x.clone();
            if !y.is_empty() && rnd(4) > 0 {
                let i = rnd(y.len());
                y[i] = b'c';
            }
            y.truncate(len - rnd(len / 4 + 1));
            let slow_p = x.iter().zip(&y).take_while(|(p, q)| p == q).count();
            let slow_s = x
                .iter()
                .rev()
                .zip(y.iter().rev())
                .take_while(|(p, q)| p == q)
                .count();
            assert_eq!(common_prefix_len(&x, &y), slow_p, "{x:?} {y:?}");
            assert_eq!(common_suffix_len(&x, &y), slow_s, "{x:?} {y:?}");
        }
    }

    #[test]
    fn far_apart_changes_are_separate_hunks_and_one_character_is_one_byte() {
        let old = "a = 1\nb = 2\nc = 3\nd = 4\n";
        let new = "a = 1\nb = 20\nc = 3\nd = 5\n";
        let e = Edits::between(old, new);
        assert_eq!(
            e.hunks,
            [
                Hunk {
                    old: 11..11,
                    new: 11..12
                },
                Hunk {
                    old: 22..23,
                    new: 23..24
                }
            ]
        );
        assert!(e.touches_old(&(6..11)) && !e.touches_old(&(0..5)) && e.touches_new(&(24..24)));
        assert_eq!(e.shift(&(12..17)), Some(13..18));
        assert_eq!(e.shift(&(0..11)), Some(0..11));
        assert_eq!(e.shift(&(10..12)), None);
    }
}
