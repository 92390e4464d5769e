//! A small Dockerfile parser: parser directives (`# escape=`), comments, line continuations,
//! BuildKit heredocs, JSON (exec) form, stages (`FROM image AS name`). Plus a shell-word
//! tokenizer for `RUN` scripts. Never fails: unknown lines are kept as instructions.

use std::ops::Range;

/// Every Dockerfile instruction keyword.
pub const KEYWORDS: &[&str] = &[
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
];

#[derive(Debug)]
pub struct Instr {
    /// Upper-cased keyword (`FROM`, `RUN`, ...).
    pub keyword: String,
    /// Arguments with continuations joined (the escape character and line break removed) and
    /// comment lines inside continuations dropped.
    pub args: String,
    /// Byte range of the instruction in the file (first line to last continuation line).
    pub range: Range<usize>,
    /// `(offset in args, offset in file)` for each joined piece, to map back positions.
    segs: Vec<(usize, usize)>,
    /// Heredoc bodies (`RUN <<EOF ... EOF`) with the file offset where each starts.
    pub heredocs: Vec<(String, usize)>,
}

impl Instr {
    /// File byte offset of a byte offset in `args`.
    pub fn file_offset(&self, at: usize) -> usize {
        let i = self.segs.partition_point(|(l, _)| *l <= at);
        match i.checked_sub(1).and_then(|i| self.segs.get(i)) {
            Some((l, f)) => f + (at - l),
            None => self.range.start,
        }
    }

    /// The exec (JSON array) form, if the arguments are one.
    pub fn exec_form(&self) -> Option<Vec<String>> {
        let a = self.args.trim();
        if !a.starts_with('[') {
            return None;
        }
        serde_json::from_str::<Vec<String>>(a).ok()
    }

    /// Leading `--flag[=value]` options and the rest (shell form).
    pub fn flags_and_rest(&self) -> (Vec<&str>, &str) {
        let mut rest = self.args.trim_start();
        let mut flags = Vec::new();
        while rest.starts_with("--") {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            flags.push(&rest[..end]);
            rest = rest[end..].trim_start();
        }
        (flags, rest)
    }
}

#[derive(Debug, Default)]
pub struct Dockerfile {
    pub instrs: Vec<Instr>,
}

/// A build stage: its `FROM` instruction index, base image, optional name.
#[derive(Debug)]
pub struct Stage<'d> {
    pub from: &'d Instr,
    pub image: String,
    /// Byte range of the image reference in the file.
    pub image_range: Range<usize>,
    pub name: Option<String>,
    /// Instructions after FROM up to the next FROM.
    pub body: &'d [Instr],
}

fn heredoc_markers(args: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let b = args.as_bytes();
    let mut i = 0;
    while i + 2 < b.len() {
        if b[i] == b'<' && b[i + 1] == b'<' && b[i + 2] != b'<' && (i == 0 || b[i - 1] != b'<') {
            let mut j = i + 2;
            let strip = b.get(j) == Some(&b'-');
            if strip {
                j += 1;
            }
            let quote = b.get(j).copied().filter(|c| *c == b'"' || *c == b'\'');
            if quote.is_some() {
                j += 1;
            }
            let s = j;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            if j > s {
                out.push((args[s..j].to_owned(), strip));
            }
            i = j.max(i + 2);
        } else {
            i += 1;
        }
    }
    out
}

pub fn parse(text: &str) -> Dockerfile {
    let lines: Vec<(usize, &str)> = {
        let mut v = Vec::new();
        let mut start = 0;
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                v.push((start, &text[start..i]));
                start = i + 1;
            }
        }
        if start < text.len() {
            v.push((start, &text[start..]));
        }
        v
    };
    let mut escape = '\\';
    let mut i = 0;
    // Parser directives: `# key=value` lines at the very top.
    while i < lines.len() {
        let t = lines[i].1.trim();
        let Some(d) = t.strip_prefix('#') else { break };
        let Some((k, v)) = d.split_once('=') else {
            break;
        };
        if k.trim().eq_ignore_ascii_case("escape") {
            if let Some(c) = v.trim().chars().next() {
                escape = c;
            }
        }
        i += 1;
    }
    let mut df = Dockerfile::default();
    while i < lines.len() {
        let (off, raw) = lines[i];
        let line = raw.trim_end_matches('\r');
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            i += 1;
            continue;
        }
        let lead = line.len() - t.len();
        let kw_end = t.find(char::is_whitespace).unwrap_or(t.len());
        let keyword = t[..kw_end].to_ascii_uppercase();
        let mut args = String::new();
        let mut segs = Vec::new();
        let mut piece_start = off + lead + kw_end;
        let mut piece = &t[kw_end..];
        let mut end = off + raw.len();
        loop {
            let p = piece.trim_end();
            let cont = p.ends_with(escape);
            let body = if cont {
                &p[..p.len() - escape.len_utf8()]
            } else {
                p
            };
            segs.push((args.len(), piece_start));
            args.push_str(body);
            i += 1;
            if !cont {
                break;
            }
            args.push(' ');
            // Skip comment and empty lines inside a continuation.
            while i < lines.len() {
                let l = lines[i].1.trim();
                if l.starts_with('#') || l.is_empty() {
                    i += 1;
                } else {
                    break;
                }
            }
            if i >= lines.len() {
                break;
            }
            let (o2, r2) = lines[i];
            piece_start = o2;
            piece = r2.trim_end_matches('\r');
            end = o2 + r2.len();
        }
        let mut heredocs = Vec::new();
        if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
            for (word, strip) in heredoc_markers(&args) {
                let mut body = String::new();
                let body_start = lines.get(i).map(|l| l.0).unwrap_or(text.len());
                while i < lines.len() {
                    let l = lines[i].1.trim_end_matches('\r');
                    let cmp = if strip { l.trim_start_matches('\t') } else { l };
                    end = lines[i].0 + lines[i].1.len();
                    i += 1;
                    if cmp == word {
                        break;
                    }
                    body.push_str(l);
                    body.push('\n');
                }
                heredocs.push((body, body_start));
            }
        }
        df.instrs.push(Instr {
            keyword,
            args,
            range: off + lead..end,
            segs,
            heredocs,
        });
    }
    df
}

impl Dockerfile {
    pub fn stages(&self) -> Vec<Stage<'_>> {
        let froms: Vec<usize> = self
            .instrs
            .iter()
            .enumerate()
            .filter(|(_, x)| x.keyword == "FROM")
            .map(|(i, _)| i)
            .collect();
        let mut out = Vec::new();
        for (n, &i) in froms.iter().enumerate() {
            let from = &self.instrs[i];
            let next = froms.get(n + 1).copied().unwrap_or(self.instrs.len());
            let (_, rest) = from.flags_and_rest();
            let rest_at = from.args.len() - rest.len();
            let words: Vec<&str> = rest.split_whitespace().collect();
            let image = words.first().copied().unwrap_or("").to_owned();
            let name = match words.as_slice() {
                [_, as_, name, ..] if as_.eq_ignore_ascii_case("as") => {
                    Some(name.to_ascii_lowercase())
                }
                _ => None,
            };
            let img_at = rest_at + rest.find(image.as_str()).unwrap_or(0);
            let s = from.file_offset(img_at);
            out.push(Stage {
                from,
                image_range: s..s + image.len(),
                image,
                name,
                body: &self.instrs[i + 1..next],
            });
        }
        out
    }
}

// ------------------------------------------------------------------ shell

/// A shell word (quotes removed) with its byte range in the script.
#[derive(Debug, Clone)]
pub struct Word {
    pub text: String,
    pub range: Range<usize>,
}

/// A simple command: its words (leading `VAR=x` assignments kept), within a pipeline.
#[derive(Debug, Default)]
pub struct Command {
    pub words: Vec<Word>,
    /// Raw script text of the command.
    pub raw: Range<usize>,
}

/// Splits a shell script into pipelines of simple commands. Quotes, escapes and comments are
/// understood; `$(...)`, `<(...)` and backticks stay inside the word that holds them.
pub fn pipelines(script: &str) -> Vec<Vec<Command>> {
    let b = script.as_bytes();
    let mut out: Vec<Vec<Command>> = Vec::new();
    let mut pipe: Vec<Command> = Vec::new();
    let mut cmd = Command::default();
    let mut word: Option<(String, usize)> = None;
    let mut cmd_start = 0usize;
    let mut after_pipe = false;
    let mut i = 0;
    let flush_word = |word: &mut Option<(String, usize)>, cmd: &mut Command, end: usize| {
        if let Some((t, s)) = word.take() {
            cmd.words.push(Word {
                text: t,
                range: s..end,
            });
        }
    };
    while i < b.len() {
        let c = b[i];
        match c {
            b'\'' => {
                let s = word.get_or_insert((String::new(), i));
                let e = script[i + 1..]
                    .find('\'')
                    .map(|p| i + 1 + p)
                    .unwrap_or(b.len());
                s.0.push_str(&script[i + 1..e]);
                i = e + 1;
            }
            b'"' => {
                let s = word.get_or_insert((String::new(), i));
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    if b[j] == b'\\' && j + 1 < b.len() {
                        j += 1;
                    }
                    j += 1;
                }
                s.0.push_str(&script[i + 1..j.min(b.len())]);
                i = j + 1;
            }
            b'\\' => {
                if i + 1 < b.len() && b[i + 1] != b'\n' {
                    let s = word.get_or_insert((String::new(), i));
                    let ch = script[i + 1..].chars().next().unwrap_or(' ');
                    s.0.push(ch);
                    i += 1 + ch.len_utf8();
                } else {
                    i += 2;
                }
            }
            b'$' | b'<' | b'>' if b.get(i + 1) == Some(&b'(') => {
                // Command or process substitution: keep it in the word, balanced.
                let s = word.get_or_insert((String::new(), i));
                let mut depth = 0usize;
                let mut j = i + 1;
                while j < b.len() {
                    match b[j] {
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                let e = (j + 1).min(b.len());
                s.0.push_str(&script[i..e]);
                i = e;
            }
            b'`' => {
                let s = word.get_or_insert((String::new(), i));
                let e = script[i + 1..]
                    .find('`')
                    .map(|p| i + 2 + p)
                    .unwrap_or(b.len());
                s.0.push_str(&script[i..e]);
                i = e;
            }
            b'#' if word.is_none() => {
                i = script[i..].find('\n').map(|p| i + p).unwrap_or(b.len());
            }
            // A line break right after `|` continues the pipeline.
            b'\n' if word.is_none() && cmd.words.is_empty() && after_pipe => {
                i += 1;
                cmd_start = i;
            }
            b'|' | b'&' | b';' | b'\n' | b'(' | b')' => {
                flush_word(&mut word, &mut cmd, i);
                let two = b.get(i + 1) == Some(&c) && (c == b'|' || c == b'&');
                cmd.raw = cmd_start..i;
                let done = std::mem::take(&mut cmd);
                if !done.words.is_empty() {
                    pipe.push(done);
                }
                if (c != b'|' || two) && !pipe.is_empty() {
                    out.push(std::mem::take(&mut pipe));
                }
                after_pipe = c == b'|' && !two;
                i += if two { 2 } else { 1 };
                cmd_start = i;
            }
            c if c.is_ascii_whitespace() => {
                flush_word(&mut word, &mut cmd, i);
                i += 1;
            }
            _ => {
                after_pipe = false;
                let s = word.get_or_insert((String::new(), i));
                let ch = script[i..].chars().next().unwrap_or(' ');
                s.0.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    flush_word(&mut word, &mut cmd, b.len().min(i));
    cmd.raw = cmd_start..b.len();
    if !cmd.words.is_empty() {
        pipe.push(cmd);
    }
    if !pipe.is_empty() {
        out.push(pipe);
    }
    out
}

impl Command {
    /// The program run (basename), skipping `VAR=x` assignments and wrappers (`sudo`, `env`,
    /// `exec`, `time`, `nohup`, `command`) with their options; and its arguments.
    pub fn program(&self) -> Option<(&Word, &[Word])> {
        let mut i = 0;
        while i < self.words.len() {
            let w = &self.words[i].text;
            let base = w.rsplit('/').next().unwrap_or(w);
            if (w.contains('=') && !w.starts_with('-') && !w.starts_with('='))
                || matches!(base, "sudo" | "env" | "exec" | "time" | "nohup" | "command")
            {
                i += 1;
                // Options of the wrapper (`sudo -E`, `env -i`).
                while i < self.words.len()
                    && self.words[i].text.starts_with('-')
                    && matches!(base, "sudo" | "env")
                {
                    i += 1;
                }
                continue;
            }
            return Some((&self.words[i], &self.words[i + 1..]));
        }
        None
    }
}

pub fn basename(w: &str) -> &str {
    w.rsplit('/').next().unwrap_or(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuations_comments_heredocs() {
        let text = "# syntax=docker/dockerfile:1\nARG V=1\nFROM --platform=$BUILDPLATFORM rust:1.80 AS build\n# c\nRUN apt-get update && \\\n    # inner comment\n    apt-get install -y curl\nRUN <<EOF\nset -e\ncurl x | sh\nEOF\nFROM scratch\nUSER 65534\n";
        let df = parse(text);
        let kws: Vec<&str> = df.instrs.iter().map(|i| i.keyword.as_str()).collect();
        assert_eq!(kws, ["ARG", "FROM", "RUN", "RUN", "FROM", "USER"]);
        assert_eq!(
            df.instrs[2].args.split_whitespace().collect::<Vec<_>>(),
            ["apt-get", "update", "&&", "apt-get", "install", "-y", "curl"]
        );
        let at = df.instrs[2].args.find("install").unwrap();
        let off = df.instrs[2].file_offset(at);
        assert_eq!(&text[off..off + 7], "install");
        assert_eq!(df.instrs[3].heredocs[0].0, "set -e\ncurl x | sh\n");
        let st = df.stages();
        assert_eq!(st.len(), 2);
        assert_eq!(st[0].image, "rust:1.80");
        assert_eq!(&text[st[0].image_range.clone()], "rust:1.80");
        assert_eq!(st[0].name.as_deref(), Some("build"));
        assert_eq!(st[1].body.len(), 1);
    }

    #[test]
    fn escape_directive() {
        let df = parse("# escape=`\nFROM mcr.microsoft.com/windows:ltsc2022\nRUN a `\n  b\n");
        assert_eq!(
            df.instrs[1].args.split_whitespace().collect::<Vec<_>>(),
            ["a", "b"]
        );
    }

    #[test]
    fn shell_pipelines() {
        let p = pipelines(
            "set -e; curl -fsSL 'https://x/i.sh' | sudo -E bash - && echo \"a|b\" # c | sh\n",
        );
        assert_eq!(p.len(), 3);
        assert_eq!(p[1].len(), 2);
        assert_eq!(p[1][1].program().unwrap().0.text, "bash");
        assert_eq!(p[2].len(), 1);
        let p = pipelines("sh -c \"$(curl -fsSL https://x/i.sh)\"");
        assert_eq!(p[0][0].words[2].text, "$(curl -fsSL https://x/i.sh)");
    }
}
