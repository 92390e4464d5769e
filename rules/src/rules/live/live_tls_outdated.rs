use super::doc::TlsDoc;
use crate::engine::FileCx;
use crate::meta::Severity;

crate::declare_rule! {
    /// ## What it does
    /// Judges the TLS handshake with the deployed host: flags a server that does not complete a
    /// handshake with TLS 1.2 or 1.3, and notes one that offers TLS 1.2 but not 1.3.
    ///
    /// ## Why is this bad?
    /// TLS 1.0 and 1.1 are deprecated (RFC 8996) and have practical weaknesses; clients and
    /// compliance regimes (PCI DSS) reject them (CWE-326, CWE-327). TLS 1.3 removes legacy
    /// cipher suites and saves a round trip.
    ///
    /// ## Example
    /// ```text
    /// TLS staging.example.com:443
    /// handshake: failed: peer is incompatible: server only supports TLS 1.0/1.1
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// TLS staging.example.com:443
    /// protocol: TLSv1.3
    /// ```
    ///
    /// ## How to fix
    /// nginx: `ssl_protocols TLSv1.2 TLSv1.3;`; Apache: `SSLProtocol -all +TLSv1.2 +TLSv1.3`;
    /// load balancers: pick a TLS 1.2+ security policy. Whether TLS 1.0/1.1 are *also* still
    /// accepted cannot be tested by this probe (its TLS stack, rustls, does not speak them): use
    /// an SSL audit tool for that.
    ///
    /// ## References
    /// - CWE-326, CWE-327; RFC 8996; NIST SP 800-52r2
    pub LIVE_TLS_OUTDATED {
        id: "live-tls-outdated",
        title: "Deployed host does not negotiate TLS 1.2+ (or lacks TLS 1.3)",
        severity: High,
        confidence: High,
        cwe: [326, 327],
        checklist: 1,
        languages: [Live],
        fix: None,
    }
}

pub(super) fn check(cx: &mut FileCx<'_>, d: &TlsDoc<'_>) {
    if let Some((v, r)) = d.field("handshake") {
        if v.to_ascii_lowercase().contains("protocol")
            || v.to_ascii_lowercase().contains("incompatible")
            || v.to_ascii_lowercase().contains("version")
        {
            cx.report(&LIVE_TLS_OUTDATED, r, format!("{} did not complete a TLS 1.2 or 1.3 handshake", d.target))
                .help("enable TLS 1.2 and 1.3 on the server or load balancer (nginx: ssl_protocols TLSv1.2 TLSv1.3;)");
        }
        return;
    }
    if let Some((v, r)) = d.field("protocol") {
        if v.contains("1.2") {
            cx.report(
                &LIVE_TLS_OUTDATED,
                r,
                format!("{} negotiates TLS 1.2 but not TLS 1.3", d.target),
            )
            .severity(Severity::Info)
            .help("enable TLS 1.3 (preferred): nginx ssl_protocols TLSv1.2 TLSv1.3;");
        } else if !v.contains("1.3") {
            cx.report(
                &LIVE_TLS_OUTDATED,
                r,
                format!("{} negotiated {v}", d.target),
            )
            .help("allow only TLS 1.2 and 1.3");
        }
    }
}
