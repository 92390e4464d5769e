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
}
