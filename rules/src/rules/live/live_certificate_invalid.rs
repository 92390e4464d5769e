use super::doc::TlsDoc;
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Flags a deployed host whose certificate chain fails verification: expired or not yet
    /// valid, issued for another host name, self-signed or from an unknown authority.
    ///
    /// ## Why is this bad?
    /// Clients either refuse to connect or, worse, are configured to skip verification to make
    /// it work, which removes all protection against interception (CWE-295).
    ///
    /// ## Example
    /// ```text
    /// TLS staging.example.com:443
    /// certificate-verification: failed: certificate expired
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// TLS staging.example.com:443
    /// certificate-verification: ok
    /// ```
    ///
    /// ## How to fix
    /// Issue a certificate for the host from a public CA (or your internal CA, then probe with
    /// `--ca-cert`), automate renewal (ACME/Let's Encrypt, cert-manager), and serve the full chain.
    ///
    /// ## References
    /// - CWE-295, CWE-298; RFC 5280; RFC 6125
    pub LIVE_CERTIFICATE_INVALID {
        id: "live-certificate-invalid",
        title: "Deployed host's certificate fails verification",
        severity: High,
        confidence: High,
        cwe: [295],
        checklist: 1,
        languages: [Live],
        fix: None,
    }
}

pub(super) fn check(cx: &mut FileCx<'_>, d: &TlsDoc<'_>) {
    if let Some((v, r)) = d.field("certificate-verification") {
        if let Some(why) = v.strip_prefix("failed") {
            let why = why.trim_start_matches(':').trim();
            cx.report(&LIVE_CERTIFICATE_INVALID, r, format!("certificate of {} fails verification: {why}", d.target))
                .help("serve a valid certificate for this host name with its full chain, and automate renewal");
        }
    }
}
