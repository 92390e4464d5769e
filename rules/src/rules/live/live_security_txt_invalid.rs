use super::doc::HttpDoc;
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Fetches `/.well-known/security.txt` from the deployed site and flags it when it is not
    /// served (or not over HTTPS), has no `Contact:` field, or has no `Expires:` field or one in
    /// the past (RFC 9116 requires both).
    ///
    /// ## Why is this bad?
    /// Researchers who find a vulnerability need a way to reach you; without one, reports go
    /// nowhere or go public. An expired file signals an unmaintained contact (CWE-1059).
    ///
    /// ## Example
    /// ```text
    /// GET https://example.com/.well-known/security.txt
    /// HTTP/1.1 404 Not Found
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Contact: mailto:security@example.com
    /// Expires: 2027-12-31T23:00:00Z
    /// Policy: https://example.com/security-policy
    /// ```
    ///
    /// ## How to fix
    /// Serve a `text/plain` file at `/.well-known/security.txt` over HTTPS with `Contact:` and an
    /// `Expires:` less than a year ahead; renew it before it expires.
    ///
    /// ## References
    /// - RFC 9116; CWE-1059
    pub LIVE_SECURITY_TXT_INVALID {
        id: "live-security-txt-invalid",
        title: "security.txt missing, incomplete or expired on the deployed site",
        severity: Low,
        confidence: High,
        cwe: [1059],
        checklist: 25,
        languages: [Live],
        fix: None,
    }
}

/// `YYYY-MM-DD` prefix of an RFC 3339 timestamp.
fn date_part(v: &str) -> Option<&str> {
    let d = v.trim().get(..10)?;
    crate::report::parse_date(d).map(|_| d)
}

pub(super) fn check(cx: &mut FileCx<'_>, d: &HttpDoc<'_>) {
    if d.purpose != "security-txt" {
        return;
    }
    if !(200..300).contains(&d.status) || d.body.trim_start().starts_with('<') {
        cx.report(&LIVE_SECURITY_TXT_INVALID, d.status_line.clone(), format!("{} is not served (status {})", d.url, d.status))
            .help("serve /.well-known/security.txt (text/plain) with Contact: and Expires: fields (RFC 9116)");
        return;
    }
    if !d.is_https() {
        cx.report(
            &LIVE_SECURITY_TXT_INVALID,
            d.request_line.clone(),
            "security.txt is served over plain HTTP",
        )
        .help("RFC 9116 requires security.txt over HTTPS");
    }
    let mut contact = false;
    let mut expires: Option<(String, std::ops::Range<usize>)> = None;
    let mut pos = d.body_range.start;
    for line in d.body.split_inclusive('\n') {
        let range = pos..pos + line.trim_end().len();
        pos += line.len();
        let l = line.trim();
        if l.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = l.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "contact" if !v.trim().is_empty() => contact = true,
                "expires" => expires = Some((v.trim().to_owned(), range)),
                _ => {}
            }
        }
    }
    if !contact {
        cx.report(
            &LIVE_SECURITY_TXT_INVALID,
            d.status_line.clone(),
            "security.txt has no Contact: field",
        )
        .help("add `Contact: mailto:security@your-domain` (or an https:// form)");
    }
    match expires {
        None => {
            cx.report(
                &LIVE_SECURITY_TXT_INVALID,
                d.status_line.clone(),
                "security.txt has no Expires: field",
            )
            .help("add `Expires:` with an RFC 3339 date less than a year ahead");
        }
        Some((v, range)) => {
            let today = crate::suppress::today();
            match date_part(&v) {
                Some(date) if date <= today.as_str() => {
                    cx.report(&LIVE_SECURITY_TXT_INVALID, range, format!("security.txt expired on {date}"))
                        .help("update Expires: to a date less than a year ahead and check the contact still works");
                }
                Some(_) => {}
                None => {
                    cx.report(
                        &LIVE_SECURITY_TXT_INVALID,
                        range,
                        "security.txt Expires: is not an RFC 3339 date",
                    )
                    .help("write Expires: as 2027-12-31T23:00:00Z");
                }
            }
        }
    }
}
