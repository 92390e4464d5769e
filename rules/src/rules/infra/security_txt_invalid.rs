use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Checks `security.txt` files the site serves (`.well-known/security.txt`, or
    /// `security.txt` at the top of a `static`/`public`/`www`-like directory) against RFC 9116:
    /// a `Contact:` field must be present, and an `Expires:` field must be present, be an
    /// RFC 3339 date-time, and lie in the future. PGP-signed files are read through the
    /// signature armour.
    ///
    /// ## Why is this bad?
    /// security.txt tells researchers how to report a vulnerability. Without `Contact:` they
    /// cannot; with an expired file they are told the information is stale and may not report at
    /// all, or report publicly. An unreported vulnerability is found by someone else instead.
    ///
    /// ## Example
    /// ```text
    /// Contact: mailto:security@example.com
    /// Expires: 2020-01-01T00:00:00Z
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Contact: mailto:security@example.com
    /// Expires: 2027-06-30T23:00:00Z
    /// Policy: https://example.com/security-policy
    /// Preferred-Languages: en
    /// ```
    ///
    /// ## How to fix
    /// Add the missing fields; set `Expires:` less than a year ahead and renew it on a schedule
    /// (a calendar reminder, or generate the file at deploy time).
    ///
    /// ## Not flagged
    /// `security.txt` files elsewhere (documentation, test data), optional fields.
    ///
    /// ## References
    /// - CWE-1059: Insufficient Technical Documentation
    /// - RFC 9116: A File Format to Aid in Security Vulnerability Disclosure
    pub SECURITY_TXT_INVALID {
        id: "security-txt-invalid",
        title: "security.txt without Contact or with a missing or past Expires",
        severity: Low,
        confidence: High,
        cwe: [1059],
        checklist: 25,
        languages: [Text],
        fix: None,
    }
}

const SERVED_DIRS: &[&str] = &[
    ".well-known",
    "static",
    "public",
    "www",
    "wwwroot",
    "htdocs",
    "html",
    "web",
    "assets",
];

/// A security.txt the site would serve (by its location).
pub fn is_served_security_txt(path: &std::path::Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if !name.eq_ignore_ascii_case("security.txt") {
        return false;
    }
    let parent = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    SERVED_DIRS.contains(&parent.as_str())
}

pub struct Field {
    pub name: String,
    pub value: String,
    pub line: std::ops::Range<usize>,
}

/// Fields of a security.txt (`Name: value` lines), skipping comments and PGP armour.
pub fn fields(text: &str) -> Vec<Field> {
    let mut out = Vec::new();
    let mut off = 0;
    let mut in_pgp_header = false;
    for raw in text.split_inclusive('\n') {
        let start = off;
        off += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        if line.starts_with("-----BEGIN PGP SIGNED MESSAGE-----") {
            in_pgp_header = true;
            continue;
        }
        if line.starts_with("-----BEGIN PGP SIGNATURE-----") {
            break;
        }
        if in_pgp_header {
            if line.trim().is_empty() {
                in_pgp_header = false;
            }
            continue;
        }
        let l = line.strip_prefix("- ").unwrap_or(line);
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if let Some((name, value)) = t.split_once(':') {
            if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                out.push(Field {
                    name: name.to_ascii_lowercase(),
                    value: value.trim().to_owned(),
                    line: start..start + line.len(),
                });
            }
        }
    }
    out
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since the Unix epoch of an RFC 3339 date-time (`2026-05-01T12:00:00Z`,
/// `...+02:00`, fractional seconds allowed).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if b[13] != b':'
        || b[16] != b':'
        || !(1..=12).contains(&mo)
        || !(1..=31).contains(&d)
        || h > 23
        || mi > 59
        || se > 60
    {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &r[n..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let rb = rest.as_bytes();
            if rb.len() != 6 || !matches!(rb[0], b'+' | b'-') || rb[3] != b':' {
                return None;
            }
            let oh = rest[1..3].parse::<i64>().ok()?;
            let om = rest[4..6].parse::<i64>().ok()?;
            let sign = if rb[0] == b'-' { -1 } else { 1 };
            sign * (oh * 3600 + om * 60)
        }
    };
    Some(days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + se - offset)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub(crate) fn check(cx: &mut FileCx<'_>) {
    if cx.is_test || !is_served_security_txt(cx.path) {
        return;
    }
    let fs = fields(cx.text);
    let first_line = 0..cx.text.find('\n').unwrap_or(cx.text.len());
    if !fs.iter().any(|f| f.name == "contact") {
        cx.report(
            &SECURITY_TXT_INVALID,
            first_line.clone(),
            "security.txt has no `Contact:` field",
        )
        .help("add `Contact: mailto:security@your-domain` (or an https:// reporting page)");
    }
    match fs.iter().find(|f| f.name == "expires") {
        None => {
            cx.report(&SECURITY_TXT_INVALID, first_line, "security.txt has no `Expires:` field")
                .help("add `Expires: YYYY-MM-DDThh:mm:ssZ`, less than a year ahead, and renew it before then");
        }
        Some(f) => {
            match parse_rfc3339(&f.value) {
                None => {
                    cx.report(
                        &SECURITY_TXT_INVALID,
                        f.line.clone(),
                        "`Expires:` is not an RFC 3339 date-time",
                    )
                    .help("write it as `Expires: 2027-01-31T23:00:00Z`");
                }
                Some(t) if t <= now() => {
                    cx.report(&SECURITY_TXT_INVALID, f.line.clone(), "security.txt has expired")
                    .help("set `Expires:` to a date less than a year ahead and renew it on a schedule");
                }
                Some(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2000-03-01T00:00:00Z"), Some(951_868_800));
        assert_eq!(
            parse_rfc3339("2000-03-01T02:00:00.123+02:00"),
            Some(951_868_800)
        );
        assert_eq!(parse_rfc3339("2000-03-01"), None);
        assert_eq!(parse_rfc3339("next year"), None);
    }

    #[test]
    fn signed() {
        let t = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nContact: mailto:a@b.c\n- Expires: 2999-01-01T00:00:00Z\n-----BEGIN PGP SIGNATURE-----\nContact: x\n";
        let f = fields(t);
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].name, "expires");
    }
}
