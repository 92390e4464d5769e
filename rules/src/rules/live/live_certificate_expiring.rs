use super::doc::TlsDoc;
use crate::engine::FileCx;
use crate::meta::Severity;

crate::declare_rule! {
    /// ## What it does
    /// Flags a deployed host whose (valid) certificate expires in under 30 days (medium) or under
    /// 7 days (high).
    ///
    /// ## Why is this bad?
    /// An expired certificate takes the service down for every client and tempts people to turn
    /// verification off (CWE-298). A certificate this close to expiry means renewal is not
    /// automated or has silently failed.
    ///
    /// ## Example
    /// ```text
    /// TLS staging.example.com:443
    /// certificate-days-left: 5
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// TLS staging.example.com:443
    /// certificate-days-left: 80
    /// ```
    ///
    /// ## How to fix
    /// Renew now, then automate renewal (certbot/ACME timer, cert-manager, the cloud provider's
    /// managed certificates) and alert on renewal failures.
    ///
    /// ## References
    /// - CWE-298; Let's Encrypt renewal guidance
    pub LIVE_CERTIFICATE_EXPIRING {
        id: "live-certificate-expiring",
        title: "Deployed host's certificate expires soon",
        severity: Medium,
        confidence: High,
        cwe: [298],
        checklist: 1,
        languages: [Live],
        fix: None,
    }
}

pub(super) fn check(cx: &mut FileCx<'_>, d: &TlsDoc<'_>) {
    let Some((v, r)) = d.field("certificate-days-left") else {
        return;
    };
    let Ok(days) = v.parse::<i64>() else { return };
    if days >= 30 || days < 0 {
        // Negative: expired, which verification reports.
        return;
    }
    let sev = if days < 7 {
        Severity::High
    } else {
        Severity::Medium
    };
    cx.report(
        &LIVE_CERTIFICATE_EXPIRING,
        r,
        format!("certificate of {} expires in {days} days", d.target),
    )
    .severity(sev)
    .help(
        "renew the certificate and automate renewal (ACME/cert-manager) with an alert on failure",
    );
}
