use super::sshd::{self, Setting};
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Flags `PermitRootLogin yes` in an `sshd_config` kept in the repository (files named
    /// `sshd_config`, `*.sshd_config`, `sshd_config.*`, `sshd_config.d/*.conf`), when it is the
    /// value sshd uses (the first one outside `Match` blocks).
    ///
    /// Also flags Dockerfile `RUN` steps that write the setting into the image's sshd_config
    /// (`echo '... yes' >> /etc/ssh/sshd_config`, `sed -i 's/.../... yes/' .../sshd_config`).
    ///
    /// ## Why is this bad?
    /// `root` exists on every server, so attackers only need its password or a stolen key;
    /// logging in as root directly also removes the audit trail of who did what (no personal
    /// account, no `sudo` log). With password authentication enabled this invites brute force.
    ///
    /// ## Example
    /// ```text
    /// PermitRootLogin yes
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// PermitRootLogin no
    /// ```
    ///
    /// ## How to fix
    /// Set `PermitRootLogin no` (or `prohibit-password` if automation must log in as root with a
    /// key), give people personal accounts and use `sudo`.
    ///
    /// ## Not flagged
    /// `no`, `prohibit-password`, `without-password`, `forced-commands-only`; a later duplicate
    /// `PermitRootLogin yes` that sshd ignores; settings inside `Match` blocks.
    ///
    /// ## References
    /// - CWE-250: Execution with Unnecessary Privileges
    /// - CIS Distribution Benchmarks, "Ensure SSH root login is disabled"
    pub SSHD_ROOT_LOGIN_PERMITTED {
        id: "sshd-root-login-permitted",
        title: "sshd allows root login",
        severity: High,
        confidence: High,
        cwe: [250],
        checklist: 3,
        languages: [Text, Docker],
        fix: None,
    }
}

pub(crate) fn check(cx: &mut FileCx<'_>, settings: &[Setting]) {
    if let Some(s) = sshd::effective(settings, "permitrootlogin") {
        if s.value == "yes" {
            cx.report(&SSHD_ROOT_LOGIN_PERMITTED, s.range.clone(), "sshd allows logging in as root")
                .help("set `PermitRootLogin no` (or `prohibit-password` for key-only automation) and use personal accounts with sudo");
        }
    }
}

/// Settings a Dockerfile writes into the image's sshd_config (`echo ... >> sshd_config`,
/// `sed -i 's/.../.../' sshd_config`): every `yes` written is reported.
pub(crate) fn check_writes(cx: &mut FileCx<'_>, settings: &[Setting]) {
    for s in settings {
        if ["permitrootlogin"].contains(&s.keyword.as_str()) && s.value == "yes" {
            cx.report(&SSHD_ROOT_LOGIN_PERMITTED, s.range.clone(), "sshd in this image allows logging in as root")
                .help("set `PermitRootLogin no` in the image (or `prohibit-password` for key-only automation); better, do not run sshd in containers: use `docker exec`/`kubectl exec`");
        }
    }
}
