//! The 25-point pre-production checklist (see the README): each point's domain, title, how far
//! code can decide it, and for points a person attests, how long an attestation stays valid.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Automation {
    /// Rules decide it from the repository.
    Automated,
    /// Rules catch the common mistakes; a person confirms the rest.
    Partial,
    /// A person attests.
    Manual,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct Point {
    pub number: u8,
    pub domain: &'static str,
    pub title: &'static str,
    pub automation: Automation,
    /// What a person attests (empty when nothing).
    pub attest: &'static str,
    /// Default validity of an attestation, in days.
    pub attest_valid_days: u32,
}

const fn p(
    number: u8,
    domain: &'static str,
    title: &'static str,
    automation: Automation,
    attest: &'static str,
    attest_valid_days: u32,
) -> Point {
    Point {
        number,
        domain,
        title,
        automation,
        attest,
        attest_valid_days,
    }
}

use Automation::*;

pub static POINTS: [Point; 25] = [
    p(
        1,
        "infrastructure",
        "TLS everywhere (1.2 minimum, 1.3 preferred)",
        Partial,
        "certificate renewal automated, cipher suites audited",
        180,
    ),
    p(
        2,
        "infrastructure",
        "Firewall and network segmentation",
        Partial,
        "firewall rules reviewed and documented",
        180,
    ),
    p(
        3,
        "infrastructure",
        "Server hardening",
        Partial,
        "packages patched, fail2ban, least privilege",
        90,
    ),
    p(
        4,
        "infrastructure",
        "Container and image security",
        Partial,
        "image vulnerability scan done, critical CVEs resolved",
        30,
    ),
    p(
        5,
        "infrastructure",
        "Secrets management",
        Partial,
        "rotation policy documented and tested",
        365,
    ),
    p(
        6,
        "application",
        "Input validation and sanitization",
        Automated,
        "",
        0,
    ),
    p(
        7,
        "application",
        "XSS protections",
        Partial,
        "CSP tested in a browser",
        180,
    ),
    p(
        8,
        "application",
        "Dependency audit",
        Partial,
        "automated dependency updates configured",
        365,
    ),
    p(
        9,
        "application",
        "Error handling and information disclosure",
        Automated,
        "",
        0,
    ),
    p(
        10,
        "application",
        "Security headers",
        Partial,
        "headers verified on the deployed site",
        90,
    ),
    p(
        11,
        "authentication",
        "Password and credential policies",
        Partial,
        "lockout and single-use reset tokens",
        365,
    ),
    p(12, "authentication", "Session management", Automated, "", 0),
    p(
        13,
        "authentication",
        "Multi-factor authentication",
        Manual,
        "MFA enforced for admins, recovery codes",
        365,
    ),
    p(
        14,
        "authorization",
        "Authorization model (OWASP A01)",
        Partial,
        "authorization model reviewed",
        365,
    ),
    p(
        15,
        "authorization",
        "OAuth and third-party auth",
        Partial,
        "refresh token rotation",
        365,
    ),
    p(
        16,
        "data",
        "Data classification",
        Partial,
        "data classification documented",
        365,
    ),
    p(
        17,
        "data",
        "Encryption at rest",
        Partial,
        "disk encryption and key rotation",
        365,
    ),
    p(
        18,
        "data",
        "Backup and recovery",
        Manual,
        "backups automated, restore tested, separate region",
        30,
    ),
    p(
        19,
        "data",
        "Data minimization",
        Partial,
        "retention and deletion",
        365,
    ),
    p(
        20,
        "data",
        "Third-party data flows",
        Manual,
        "ROPA, DPAs, transfer mechanisms",
        365,
    ),
    p(
        21,
        "monitoring",
        "Centralized logging",
        Partial,
        "retention 90/365 days, SIEM forwarding",
        365,
    ),
    p(
        22,
        "monitoring",
        "Alerting on security events",
        Manual,
        "alerts tested by simulation",
        180,
    ),
    p(
        23,
        "monitoring",
        "Error monitoring",
        Partial,
        "baselines and notifications",
        365,
    ),
    p(
        24,
        "monitoring",
        "Incident response plan",
        Manual,
        "written plan, 72-hour GDPR notification, yearly tabletop",
        365,
    ),
    p(
        25,
        "monitoring",
        "Vulnerability disclosure",
        Partial,
        "triage process, patch SLA",
        365,
    ),
];

pub fn point(n: u8) -> Option<&'static Point> {
    POINTS.get((n as usize).checked_sub(1)?)
}
