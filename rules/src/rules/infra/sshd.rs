//! `sshd_config` files kept in the repository: keyword/value lines, `Match` blocks.
//! sshd uses the first value it reads for most keywords; settings inside a `Match` block only
//! apply to matching connections.

use crate::engine::FileCx;

pub struct Setting {
    /// Lower-cased keyword.
    pub keyword: String,
    /// First argument, lower-cased, quotes removed.
    pub value: String,
    /// Byte range of the line's text.
    pub range: std::ops::Range<usize>,
    /// Inside a `Match` block (other than `Match all`).
    pub in_match: bool,
}

pub fn is_sshd_config(cx: &FileCx<'_>) -> bool {
    let name = cx
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let parent = cx
        .path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    name == "sshd_config"
        || name.ends_with(".sshd_config")
        || name.starts_with("sshd_config.")
        || (parent == "sshd_config.d" && name.ends_with(".conf"))
}

pub fn parse(text: &str) -> Vec<Setting> {
    let mut out = Vec::new();
    let mut in_match = false;
    let mut off = 0;
    for raw in text.split_inclusive('\n') {
        let start = off;
        off += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        // `Keyword value`, `Keyword=value`, `Keyword = value`.
        let kw_end = t
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(t.len());
        let keyword = t[..kw_end].to_ascii_lowercase();
        let rest = t[kw_end..].trim_start();
        let rest = rest.strip_prefix('=').unwrap_or(rest).trim_start();
        let value = rest
            .split(|c: char| c.is_whitespace() || c == '#')
            .next()
            .unwrap_or("")
            .trim_matches('"')
            .to_ascii_lowercase();
        if keyword == "match" {
            in_match = value != "all";
            continue;
        }
        let lead = line.len() - t.len();
        out.push(Setting {
            keyword,
            value,
            range: start + lead..start + line.len(),
            in_match,
        });
    }
    out
}

/// The setting that takes effect for `keyword` outside `Match` blocks (sshd keeps the first).
pub fn effective<'s>(settings: &'s [Setting], keyword: &str) -> Option<&'s Setting> {
    settings
        .iter()
        .find(|s| !s.in_match && s.keyword == keyword)
}

/// Maps an offset in a RUN script to a file offset.
type OffsetMap<'a> = Box<dyn Fn(usize) -> usize + 'a>;

/// The replacement text of a sed `s` command (`s/a/b/g` -> `b`), any delimiter.
fn sed_replacement(expr: &str) -> Option<&str> {
    let rest = expr.strip_prefix('s')?;
    let delim = rest.chars().next()?;
    if delim.is_alphanumeric() || delim.is_whitespace() || delim == '\\' {
        return None;
    }
    let mut parts = rest[delim.len_utf8()..].split(delim);
    let _pattern = parts.next()?;
    parts.next()
}

/// Settings written into an sshd_config by Dockerfile `RUN` steps:
/// `echo 'PermitRootLogin yes' >> /etc/ssh/sshd_config`,
/// `sed -i 's/^#PermitRootLogin .*/PermitRootLogin yes/' /etc/ssh/sshd_config`.
/// Ranges are file offsets of the word holding the setting.
pub fn from_dockerfile(df: &super::dockerfile::Dockerfile) -> Vec<Setting> {
    use super::dockerfile::{basename, pipelines};
    let mut out = Vec::new();
    for ins in df.instrs.iter().filter(|i| i.keyword == "RUN") {
        let (_, rest) = ins.flags_and_rest();
        let rest_at = ins.args.len() - rest.len();
        let mut scripts: Vec<(&str, OffsetMap<'_>)> = Vec::new();
        if ins.exec_form().is_none() {
            scripts.push((rest, Box::new(move |o| ins.file_offset(rest_at + o))));
        }
        for (body, at) in &ins.heredocs {
            let at = *at;
            scripts.push((body.as_str(), Box::new(move |o| at + o)));
        }
        for (script, map) in scripts {
            if !script.contains("sshd_config") {
                continue;
            }
            for pipe in pipelines(script) {
                for cmd in &pipe {
                    if !cmd.words.iter().any(|w| w.text.contains("sshd_config")) {
                        continue;
                    }
                    let Some((prog, args)) = cmd.program() else {
                        continue;
                    };
                    let texts: Vec<(&str, std::ops::Range<usize>)> = match basename(&prog.text) {
                        "echo" | "printf" => args
                            .iter()
                            .take_while(|a| {
                                let t = a.text.trim_start_matches(|c: char| c.is_ascii_digit());
                                !(t.starts_with('>') || t.starts_with('<'))
                            })
                            .filter(|a| !a.text.starts_with('-'))
                            .map(|a| (a.text.as_str(), a.range.clone()))
                            .collect(),
                        "sed" => args
                            .iter()
                            .filter_map(|a| sed_replacement(&a.text).map(|r| (r, a.range.clone())))
                            .collect(),
                        _ => Vec::new(),
                    };
                    for (text, range) in texts {
                        // `echo -e 'A\nB'` / printf 'A\nB\n': split on literal `\n` too.
                        let text = text.replace("\\n", "\n");
                        for mut st in parse(&text) {
                            let s = map(range.start);
                            st.range = s..map(range.end.saturating_sub(1)) + 1;
                            out.push(st);
                        }
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_value_wins_and_match_blocks() {
        let s = parse("PermitRootLogin no\nPermitRootLogin yes\nPasswordAuthentication=yes\nMatch User git\n  PasswordAuthentication no\nMatch all\nX11Forwarding no\n");
        assert_eq!(effective(&s, "permitrootlogin").unwrap().value, "no");
        assert_eq!(
            effective(&s, "passwordauthentication").unwrap().value,
            "yes"
        );
        assert!(s.iter().any(|x| x.in_match));
        assert!(!effective(&s, "x11forwarding").unwrap().in_match);
    }

    #[test]
    fn dockerfile_writes() {
        let df = crate::rules::infra::dockerfile::parse(
            "FROM debian:12\nRUN echo 'PermitRootLogin yes' >> /etc/ssh/sshd_config && \\\n  sed -ri 's/^#?PasswordAuthentication\\s+.*/PasswordAuthentication yes/' /etc/ssh/sshd_config\nRUN sed -i 's/PermitRootLogin yes/PermitRootLogin no/' /etc/ssh/sshd_config\nRUN echo 'PermitRootLogin yes' > /srv/notes\n",
        );
        let s = from_dockerfile(&df);
        let got: Vec<(&str, &str)> = s
            .iter()
            .map(|x| (x.keyword.as_str(), x.value.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("permitrootlogin", "yes"),
                ("passwordauthentication", "yes"),
                ("permitrootlogin", "no")
            ]
        );
        assert_eq!(sed_replacement("s|a|b|g"), Some("b"));
        assert_eq!(sed_replacement("-i"), None);
    }
}
