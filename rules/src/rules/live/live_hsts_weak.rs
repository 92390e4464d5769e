use super::doc::{header_fix, HttpDoc};
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// On the deployed site's pages served over HTTPS, flags a missing
    /// `Strict-Transport-Security` header or a `max-age` below one year (31536000 seconds).
    ///
    /// ## Why is this bad?
    /// Without HSTS, the first request a browser makes (a typed `example.com`, an old `http://`
    /// link) goes over plain HTTP, where an attacker on the network can strip TLS and read or
    /// change everything (CWE-319). A short max-age lets the protection lapse between visits.
    ///
    /// ## Example
    /// ```text
    /// HTTP/1.1 200 OK
    /// Strict-Transport-Security: max-age=3600
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Strict-Transport-Security: max-age=63072000; includeSubDomains
    /// ```
    ///
    /// ## How to fix
    /// Express: `app.use(helmet.hsts({ maxAge: 63072000 }))`; Django: `SECURE_HSTS_SECONDS =
    /// 31536000` and `SECURE_HSTS_INCLUDE_SUBDOMAINS = True`; Flask: `Talisman(app)`; axum:
    /// tower-http `SetResponseHeaderLayer::if_not_present(STRICT_TRANSPORT_SECURITY, ..)`; or the
    /// reverse proxy. Add `includeSubDomains` once every subdomain serves HTTPS.
    ///
    /// ## References
    /// - CWE-319, CWE-523; RFC 6797; OWASP HTTP Strict Transport Security Cheat Sheet
    pub LIVE_HSTS_WEAK {
        id: "live-hsts-weak",
        title: "HSTS header missing or too short on the deployed site",
        severity: Medium,
        confidence: High,
        cwe: [319, 523],
        checklist: 10,
        languages: [Live],
        fix: None,
    }
}

pub const ONE_YEAR: u64 = 31_536_000;

pub(super) fn check(cx: &mut FileCx<'_>, d: &HttpDoc<'_>) {
    if !d.is_page() || !d.is_https() {
        return;
    }
    match d.header("strict-transport-security") {
        None => {
            cx.report(
                &LIVE_HSTS_WEAK,
                d.status_line.clone(),
                format!(
                    "{} is served without a Strict-Transport-Security header",
                    d.url
                ),
            )
            .help(header_fix(
                d.framework,
                "send `Strict-Transport-Security: max-age=63072000; includeSubDomains`",
            ));
        }
        Some(h) => {
            let max_age = h.value.split(';').find_map(|p| {
                let (k, v) = p.trim().split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("max-age")
                    .then(|| v.trim().trim_matches('"').parse::<u64>().ok())
                    .flatten()
            });
            let subdomains = h.value.to_ascii_lowercase().contains("includesubdomains");
            match max_age {
                Some(n) if n >= ONE_YEAR => {}
                other => {
                    let what = match other {
                        Some(n) => format!("HSTS max-age={n} is below one year (31536000)"),
                        None => "HSTS header has no valid max-age".to_owned(),
                    };
                    let extra = if subdomains {
                        ""
                    } else {
                        " and add includeSubDomains once all subdomains use HTTPS"
                    };
                    cx.report(&LIVE_HSTS_WEAK, h.line.clone(), what)
                        .help(header_fix(
                            d.framework,
                            &format!("raise max-age to at least 31536000{extra}"),
                        ));
                }
            }
        }
    }
}
