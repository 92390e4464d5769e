use super::sshd::{self, Setting};
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Flags `PasswordAuthentication yes` (and `KbdInteractiveAuthentication yes` /
    /// `ChallengeResponseAuthentication yes`) in an `sshd_config` kept in the repository, when it
    /// is the value sshd uses (the first one outside `Match` blocks).
    ///
    /// Also flags Dockerfile `RUN` steps that write the setting into the image's sshd_config
    /// (`echo '... yes' >> /etc/ssh/sshd_config`, `sed -i 's/.../... yes/' .../sshd_config`).
    ///
    /// ## Why is this bad?
    /// Any internet-facing SSH server receives password guessing around the clock; reused or weak
    /// passwords fall to it, and passwords can be phished or leaked where keys cannot. Key-only
    /// authentication removes the whole class of attack.
    ///
    /// ## Example
    /// ```text
    /// PasswordAuthentication yes
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// PasswordAuthentication no
    /// KbdInteractiveAuthentication no
    /// PubkeyAuthentication yes
    /// ```
    ///
    /// ## How to fix
    /// Distribute SSH keys (or SSH certificates), then set `PasswordAuthentication no` and
    /// `KbdInteractiveAuthentication no`.
    ///
    /// ## Not flagged
    /// The keyword left out (the OpenSSH default is `yes`, but distributions often override it in
    /// an included file this rule cannot see); settings inside `Match` blocks; a later duplicate
    /// that sshd ignores.
    ///
    /// ## References
    /// - CWE-521: Weak Password Requirements; CWE-307
    /// - CIS Distribution Benchmarks, SSH server configuration
    pub SSHD_PASSWORD_AUTHENTICATION {
        id: "sshd-password-authentication",
        title: "sshd accepts password authentication",
        severity: Medium,
        confidence: High,
        cwe: [521, 307],
        checklist: 3,
        languages: [Text, Docker],
        fix: None,
    }
}

pub(crate) fn check(cx: &mut FileCx<'_>, settings: &[Setting]) {
    for kw in [
        "passwordauthentication",
        "kbdinteractiveauthentication",
        "challengeresponseauthentication",
    ] {
        if let Some(s) = sshd::effective(settings, kw) {
            if s.value == "yes" {
                cx.report(
                    &SSHD_PASSWORD_AUTHENTICATION,
                    s.range.clone(),
                    "sshd accepts passwords, which can be guessed or phished",
                )
                .help("set `PasswordAuthentication no` and `KbdInteractiveAuthentication no`, and log in with keys or SSH certificates");
            }
        }
    }
}

/// Settings a Dockerfile writes into the image's sshd_config (`echo ... >> sshd_config`,
/// `sed -i 's/.../.../' sshd_config`): every `yes` written is reported.
pub(crate) fn check_writes(cx: &mut FileCx<'_>, settings: &[Setting]) {
    for s in settings {
        if [
            "passwordauthentication",
            "kbdinteractiveauthentication",
            "challengeresponseauthentication",
        ]
        .contains(&s.keyword.as_str())
            && s.value == "yes"
        {
            cx.report(&SSHD_PASSWORD_AUTHENTICATION, s.range.clone(), "sshd in this image accepts passwords, which can be guessed or phished")
                .help("set `PasswordAuthentication no` in the image and use keys; better, do not run sshd in containers: use `docker exec`/`kubectl exec`");
        }
    }
}
