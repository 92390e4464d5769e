//! `hardcoded-secret`: provider credentials by their published formats, in every text file.

use super::{catalog, context};
use crate::engine::FileCx;
use crate::meta::{Confidence, Severity};

crate::declare_rule! {
    /// ## What it does
    /// Finds credentials by their published formats in every text file (source, config, docs,
    /// notebooks, minified bundles): cloud keys (AWS, Google Cloud, Azure with DevOps tokens,
    /// SAS signatures and identifiable keys, Alibaba, Tencent, DigitalOcean, Heroku, Fly.io,
    /// Supabase, Netlify, Cloudflare, HashiCorp Vault/Terraform), source hosting and CI tokens
    /// (GitHub, every GitLab token type, Bitbucket, Atlassian, CircleCI, Buildkite, JFrog),
    /// package registry tokens (npm, PyPI, crates.io, RubyGems, NuGet), chat and mail (Slack,
    /// Discord, Telegram, Teams, DingTalk, Feishu, Twilio, SendGrid, Mailgun, Brevo), webhook
    /// URLs (Slack, Discord, Teams, Zapier, Logic Apps...), payments (Stripe, Square, Shopify,
    /// Braintree, Paystack, Plaid...), AI APIs (OpenAI, Anthropic, Hugging Face, Groq,
    /// OpenRouter, Pinecone...), password-manager secrets (1Password, Bitwarden, age), JWTs with
    /// a real payload, and private keys (PEM, OpenSSH, PGP, PuTTY). The formats are data
    /// (`providers.toml`, about 190 entries); each is confirmed by its regex, a minimum entropy
    /// and a placeholder list, so `AKIAIOSFODNN7EXAMPLE`, `ghp_xxxx...` or `${TOKEN}` are not
    /// reported. Formats without a distinctive prefix (a bare 32-hex key) are only reported next
    /// to the provider's name (`DATADOG_API_KEY=...`).
    ///
    /// ## Why is this bad?
    /// A credential in a repository is readable by everyone with access to the code, its
    /// history, its forks, CI logs and build artifacts, and it stays in git history after the
    /// line is deleted. Leaked keys are found by automated scanners within minutes of a push.
    ///
    /// ## Example
    /// ```python
    /// client = OpenAI(api_key="sk-proj-...T3BlbkFJ...")
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])
    /// ```
    ///
    /// ## How to fix
    /// Revoke and rotate the credential first (removing the line does not un-leak it), then
    /// load it from the environment or a secret manager, and purge it from history if the
    /// repository is shared (`git filter-repo`). A deliberately committed test credential can be
    /// allowed with `predeploy:allow(hardcoded-secret) reason=...` on its line.
    ///
    /// ## Not flagged
    /// Documented example keys, placeholders (`xxxx`, `<your-key>`, `${VAR}`, all-same or
    /// sequential characters), values below the format's entropy, the jwt.io sample token,
    /// PEM headers without a key body, values matching `allow` regexes in the configuration
    /// (`[rules.hardcoded-secret] allow = ["^AIza..."]`). In test code, JWTs, Google API keys
    /// and Stripe test keys are skipped and other formats are reported at low severity.
    /// Values are never printed: outputs mask all but the first four characters.
    ///
    /// ## References
    /// - CWE-798: Use of Hard-coded Credentials
    /// - CWE-321: Use of Hard-coded Cryptographic Key
    /// - OWASP A07:2021 Identification and Authentication Failures
    pub HARDCODED_SECRET {
        id: "hardcoded-secret",
        title: "Credential with a known provider format in a file",
        severity: High,
        confidence: High,
        cwe: [798, 321],
        checklist: 5,
        languages: [Text],
        fix: None,
    }
}

pub(crate) const HELP: &str = "revoke and rotate this credential, then load it from the environment or a secret manager (and purge it from git history)";

/// Values the project allows: `[rules.hardcoded-secret] allow = ["regex", ...]` (matched against
/// the secret), for known-public keys such as a Firebase web key.
pub(crate) fn config_allowlist(cx: &FileCx<'_>, rule: &str) -> Vec<regex::Regex> {
    let pats = cx.config.rule_list(rule, "allow");
    pats.iter()
        .filter_map(|p| regex::Regex::new(p).ok())
        .collect()
}

pub(crate) fn check_text(cx: &mut FileCx<'_>) {
    report_hits(cx, catalog::catalog(), catalog::scan(cx.text));
    match catalog::extra_catalog(cx.config) {
        None => {}
        Some(Ok(extra)) => {
            let hits = catalog::scan_with(&extra, cx.text);
            report_hits(cx, &extra, hits);
        }
        Some(Err(e)) => cx.note(crate::finding::Note::warning(None, e)),
    }
}

fn report_hits(cx: &mut FileCx<'_>, cat: &catalog::Catalog, hits: Vec<catalog::Hit>) {
    if hits.is_empty() {
        return;
    }
    let allow = config_allowlist(cx, HARDCODED_SECRET.id);
    for hit in hits {
        let p = &cat.providers[hit.provider];
        if allow
            .iter()
            .any(|a| a.is_match(&cx.text[hit.secret.clone()]))
        {
            continue;
        }
        let is_key = p.id.ends_with("private-key") || p.id == "gcp-service-account-key";
        let at = hit.secret.start;
        // A token-shaped run inside an embedded certificate or binary blob.
        if !is_key && context::in_base64_block(cx, at) {
            continue;
        }
        let mut sev = p.severity;
        let mut conf = HARDCODED_SECRET.confidence;
        if context::in_test_code(cx, at) {
            // Test suites carry sample tokens (JWTs, test-mode keys) and throwaway TLS keys:
            // those are skipped there, other formats reported at low severity.
            if sev <= Severity::Medium || is_key {
                continue;
            }
            sev = Severity::Low;
            conf = Confidence::Low;
        }
        // Sample keys in documentation and doc comments (PEM examples in READMEs, `///` docs).
        if is_key && (context::is_doc_file(cx) || context::in_comment(cx, at)) {
            continue;
        }
        let message = if is_key {
            format!("{} committed in this file", p.description)
        } else {
            format!("hardcoded {}", p.description)
        };
        cx.report(&HARDCODED_SECRET, hit.secret.clone(), message)
            .severity(sev)
            .confidence(conf)
            .help(HELP)
            .redact(hit.secret);
    }
}
