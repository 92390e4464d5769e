use super::sshd::{self, Setting};
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Flags `PermitEmptyPasswords yes` in an `sshd_config` kept in the repository, anywhere
    /// (also inside `Match` blocks).
    ///
    /// Also flags Dockerfile `RUN` steps that write the setting into the image's sshd_config
    /// (`echo '... yes' >> /etc/ssh/sshd_config`, `sed -i 's/.../... yes/' .../sshd_config`).
    ///
    /// ## Why is this bad?
    /// Any account without a password (service accounts, freshly created users) can be logged
    /// into over the network by anyone who guesses its name.
    ///
    /// ## Example
    /// ```text
    /// PermitEmptyPasswords yes
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// PermitEmptyPasswords no
    /// ```
    ///
    /// ## How to fix
    /// Remove the line (the default is `no`) or set it to `no`.
    ///
    /// ## Not flagged
    /// `PermitEmptyPasswords no`.
    ///
    /// ## References
    /// - CWE-521: Weak Password Requirements; CWE-258: Empty Password in Configuration File
    /// - CIS Distribution Benchmarks, "Ensure SSH PermitEmptyPasswords is disabled"
    pub SSHD_EMPTY_PASSWORDS_PERMITTED {
        id: "sshd-empty-passwords-permitted",
        title: "sshd allows accounts with empty passwords",
        severity: High,
        confidence: High,
        cwe: [521, 258],
        checklist: 3,
        languages: [Text, Docker],
        fix: None,
    }
}

pub(crate) fn check(cx: &mut FileCx<'_>, settings: &[Setting]) {
    let global = sshd::effective(settings, "permitemptypasswords").map(|s| s.range.start);
    for s in settings {
        if s.keyword != "permitemptypasswords" || s.value != "yes" {
            continue;
        }
        // Outside Match blocks only the first value counts.
        if !s.in_match && global != Some(s.range.start) {
            continue;
        }
        cx.report(
            &SSHD_EMPTY_PASSWORDS_PERMITTED,
            s.range.clone(),
            "sshd lets accounts with an empty password log in",
        )
        .help("remove the line or set `PermitEmptyPasswords no`");
    }
}

/// Settings a Dockerfile writes into the image's sshd_config (`echo ... >> sshd_config`,
/// `sed -i 's/.../.../' sshd_config`): every `yes` written is reported.
pub(crate) fn check_writes(cx: &mut FileCx<'_>, settings: &[Setting]) {
    for s in settings {
        if ["permitemptypasswords"].contains(&s.keyword.as_str()) && s.value == "yes" {
            cx.report(
                &SSHD_EMPTY_PASSWORDS_PERMITTED,
                s.range.clone(),
                "sshd in this image lets accounts with an empty password log in",
            )
            .help("remove the setting (the default is `no`)");
        }
    }
}
