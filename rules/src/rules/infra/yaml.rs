//! A small YAML tree with byte offsets, built from `yaml-rust2` events without recursion
//! (the parser's own `load` recurses; `next_token` does not). Nesting deeper than
//! [`MAX_DEPTH`] is skipped, so hostile input cannot overflow the stack when the tree is dropped.

use crate::source::LineIndex;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

pub const MAX_DEPTH: usize = 64;

#[derive(Debug)]
pub enum Value {
    /// Scalar text; `plain` is false for quoted and block scalars.
    Scalar {
        text: String,
        plain: bool,
    },
    Map(Vec<(Node, Node)>),
    Seq(Vec<Node>),
    /// An alias (`*name`); not resolved.
    Alias,
}

#[derive(Debug)]
pub struct Node {
    pub value: Value,
    /// Byte offset where the node starts.
    pub start: usize,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }
    /// The value of key `k` in a mapping, with the key node.
    pub fn entry(&self, k: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .find(|(key, _)| key.as_str() == Some(k))
            .map(|(a, b)| (a, b))
    }
    pub fn get(&self, k: &str) -> Option<&Node> {
        self.entry(k).map(|(_, v)| v)
    }
    /// A YAML boolean `true` (plain or quoted, any case: compose coerces quoted booleans).
    pub fn is_true(&self) -> bool {
        self.as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("true"))
    }
    pub fn is_false(&self) -> bool {
        self.as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("false"))
    }
}

/// A parsed file: complete documents, and the parse error (message, 1-based line) if any.
pub struct Parsed {
    pub docs: Vec<Node>,
    pub error: Option<(String, u32)>,
}

fn offset(text: &str, index: &LineIndex, m: &Marker) -> usize {
    // Markers count lines from 1 and columns in chars from 0.
    index.offset_of_char_col(text, m.line().max(1), m.col())
}

enum Frame {
    Map {
        start: usize,
        items: Vec<(Node, Node)>,
        key: Option<Node>,
    },
    Seq {
        start: usize,
        items: Vec<Node>,
    },
}

/// Parses every document of `text`. Documents after a syntax error are lost; complete
/// documents before it are kept.
pub fn parse(text: &str, index: &LineIndex) -> Parsed {
    parse_source(text, text, index)
}

/// Like [`parse`], and if that fails because a flow collection is closed on a line of its own
/// at the parent's indentation (`test: [` ... `]`, which docker compose's Go parser accepts),
/// retries with those closing lines indented. Only those lines change, so positions of every
/// node still map to the original text.
pub fn parse_lenient(text: &str, index: &LineIndex) -> Parsed {
    let first = parse(text, index);
    if first.error.is_none() {
        return first;
    }
    let mut patched = String::with_capacity(text.len() + 64);
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if !t.is_empty()
            && t.trim_end_matches(',')
                .chars()
                .all(|c| c == ']' || c == '}')
        {
            patched.push_str("  ");
            changed = true;
        }
        patched.push_str(line);
    }
    if !changed {
        return first;
    }
    let second = parse_source(&patched, text, index);
    if second.error.is_none() {
        second
    } else {
        first
    }
}

/// Parses `source`; positions are computed in `text` (same lines as `source`).
fn parse_source(source: &str, text: &str, index: &LineIndex) -> Parsed {
    let mut parser = Parser::new_from_str(source);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    // Depth of containers being skipped because they are nested too deep.
    let mut skipping = 0usize;
    let mut events = 0usize;
    loop {
        let (ev, mark) = match parser.next_token() {
            Ok(x) => x,
            Err(e) => {
                return Parsed {
                    docs,
                    error: Some((e.info().to_owned(), e.marker().line().max(1) as u32)),
                };
            }
        };
        events += 1;
        if events > 2_000_000 {
            return Parsed {
                docs,
                error: Some(("document too large".into(), mark.line().max(1) as u32)),
            };
        }
        let at = offset(text, index, &mark);
        let done: Option<Node> = match ev {
            Event::StreamEnd => break,
            Event::MappingStart(..) | Event::SequenceStart(..) if skipping > 0 => {
                skipping += 1;
                None
            }
            Event::MappingEnd | Event::SequenceEnd if skipping > 0 => {
                skipping -= 1;
                if skipping == 0 {
                    Some(Node {
                        value: Value::Alias,
                        start: at,
                    })
                } else {
                    None
                }
            }
            _ if skipping > 0 => None,
            Event::MappingStart(..) | Event::SequenceStart(..) if stack.len() >= MAX_DEPTH => {
                skipping = 1;
                None
            }
            Event::MappingStart(..) => {
                stack.push(Frame::Map {
                    start: at,
                    items: Vec::new(),
                    key: None,
                });
                None
            }
            Event::SequenceStart(..) => {
                stack.push(Frame::Seq {
                    start: at,
                    items: Vec::new(),
                });
                None
            }
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map { start, items, .. }) => Some(Node {
                    value: Value::Map(items),
                    start,
                }),
                _ => None,
            },
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq { start, items }) => Some(Node {
                    value: Value::Seq(items),
                    start,
                }),
                _ => None,
            },
            Event::Scalar(s, style, ..) => Some(Node {
                value: Value::Scalar {
                    text: s,
                    plain: style == TScalarStyle::Plain,
                },
                start: at,
            }),
            Event::Alias(_) => Some(Node {
                value: Value::Alias,
                start: at,
            }),
            _ => None,
        };
        if let Some(node) = done {
            match stack.last_mut() {
                None => docs.push(node),
                Some(Frame::Seq { items, .. }) => items.push(node),
                Some(Frame::Map { items, key, .. }) => match key.take() {
                    None => *key = Some(node),
                    Some(k) => items.push((k, node)),
                },
            }
        }
    }
    Parsed { docs, error: None }
}

/// Every mapping under `root` with the key it is the value of (or the key of the sequence
/// holding it), in document order. Iterative.
pub fn maps_with_parent_key(root: &Node) -> Vec<(Option<&str>, &Node)> {
    let mut out = Vec::new();
    let mut stack: Vec<(Option<&str>, &Node)> = vec![(None, root)];
    while let Some((pk, n)) = stack.pop() {
        match &n.value {
            Value::Map(items) => {
                out.push((pk, n));
                for (k, v) in items.iter().rev() {
                    stack.push((k.as_str(), v));
                }
            }
            Value::Seq(items) => {
                for v in items.iter().rev() {
                    stack.push((pk, v));
                }
            }
            _ => {}
        }
    }
    out
}

/// Byte range from `start` to the end of its line (what findings on YAML keys underline).
pub fn line_range_from(text: &str, index: &LineIndex, start: usize) -> std::ops::Range<usize> {
    let line = index.line_of(start);
    let r = index.line_range(text, line);
    start.min(r.end)..r.end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_nesting() {
        let text = "a: 1\nb:\n  c: [x, \"y\"]\n---\nz: é\n";
        let idx = LineIndex::new(text);
        let p = parse(text, &idx);
        assert!(p.error.is_none());
        assert_eq!(p.docs.len(), 2);
        let (k, v) = p.docs[0].get("b").unwrap().entry("c").unwrap();
        assert_eq!(k.start, text.find("c:").unwrap());
        assert_eq!(v.as_seq().unwrap()[1].as_str(), Some("y"));
        assert_eq!(p.docs[1].get("z").unwrap().as_str(), Some("é"));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let text = "[".repeat(100_000);
        let idx = LineIndex::new(&text);
        let p = parse(&text, &idx);
        assert!(p.error.is_some());
        // The parser itself may refuse very deep nesting; past MAX_DEPTH we skip subtrees.
        let text = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
        let idx = LineIndex::new(&text);
        let _ = parse(&text, &idx);
        let text = format!("a: {}{}", "[".repeat(200), "]".repeat(200));
        let idx = LineIndex::new(&text);
        let p = parse(&text, &idx);
        assert!(p.error.is_none(), "{:?}", p.error);
        assert_eq!(p.docs.len(), 1);
    }

    #[test]
    fn lenient_flow_close() {
        let text = "a:\n  b:\n    test: [\n        \"x\",\n    ]\n    c: 1\n";
        let idx = LineIndex::new(text);
        assert!(parse(text, &idx).error.is_some());
        let p = parse_lenient(text, &idx);
        assert!(p.error.is_none());
        let (k, _) = p.docs[0]
            .get("a")
            .unwrap()
            .get("b")
            .unwrap()
            .entry("c")
            .unwrap();
        assert_eq!(k.start, text.find("c: 1").unwrap());
    }

    #[test]
    fn error_keeps_earlier_documents() {
        let text = "a: 1\n---\nb: [\n";
        let idx = LineIndex::new(text);
        let p = parse(text, &idx);
        assert_eq!(p.docs.len(), 1);
        assert!(p.error.is_some());
    }
}
