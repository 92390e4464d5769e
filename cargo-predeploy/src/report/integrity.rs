//! Report integrity: a trailer line with the SHA-256 of everything before it and, optionally,
//! an Ed25519 signature over that digest. `verify` recomputes both, so an edited report fails.
//!
//! The trailer is a comment in each format: `<!-- predeploy-integrity ... -->` for HTML and
//! Markdown, and for JSON and text a last line `predeploy-integrity ...` after the document.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

const TAG: &str = "predeploy-integrity";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Reads a key file holding 64 hex characters (32 bytes), whitespace ignored.
pub fn read_key(text: &str) -> Result<[u8; 32], String> {
    let t: String = text.split_whitespace().collect();
    let bytes = unhex(&t).ok_or("the key file must hold 64 hexadecimal characters")?;
    bytes
        .try_into()
        .map_err(|_| "the key file must hold exactly 32 bytes (64 hex characters)".to_owned())
}

/// Generates a key pair: (secret key hex, public key hex).
pub fn generate_keypair() -> Result<(String, String), String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| format!("no system randomness: {e}"))?;
    let sk = SigningKey::from_bytes(&seed);
    Ok((hex(&sk.to_bytes()), hex(sk.verifying_key().as_bytes())))
}

fn trailer_line(html_comment: bool, digest: &str, sig: Option<(String, String)>) -> String {
    let mut body = format!("{TAG} sha256={digest}");
    if let Some((sig, key)) = sig {
        body.push_str(&format!(" ed25519={sig} key={key}"));
    }
    if html_comment {
        format!("<!-- {body} -->\n")
    } else {
        format!("{body}\n")
    }
}

/// Appends the integrity trailer to a rendered report.
pub fn seal(mut content: String, html_comment: bool, signing_key: Option<&[u8; 32]>) -> String {
    if !content.ends_with('\n') {
        content.push('\n');
    }
    let digest = Sha256::digest(content.as_bytes());
    let sig = signing_key.map(|k| {
        let sk = SigningKey::from_bytes(k);
        let s: Signature = sk.sign(&digest);
        (hex(&s.to_bytes()), hex(sk.verifying_key().as_bytes()))
    });
    let t = trailer_line(html_comment, &hex(&digest), sig);
    content.push_str(&t);
    content
}

/// Seals a JSON report: the digest and signature go into an `integrity` member, computed over
/// the pretty-printed document without it (key order is preserved, so this is reproducible).
pub fn seal_json(mut value: serde_json::Value, signing_key: Option<&[u8; 32]>) -> String {
    if let Some(o) = value.as_object_mut() {
        o.remove("integrity");
    }
    let body = serde_json::to_string_pretty(&value).expect("json serializes");
    let digest = Sha256::digest(body.as_bytes());
    let mut integrity = serde_json::json!({ "sha256": hex(&digest) });
    if let Some(k) = signing_key {
        let sk = SigningKey::from_bytes(k);
        let s: Signature = sk.sign(&digest);
        integrity["ed25519"] = hex(&s.to_bytes()).into();
        integrity["key"] = hex(sk.verifying_key().as_bytes()).into();
    }
    if let Some(o) = value.as_object_mut() {
        o.insert("integrity".into(), integrity);
    }
    let mut out = serde_json::to_string_pretty(&value).expect("json serializes");
    out.push('\n');
    out
}

fn verify_json(report: &str, public_key: Option<&[u8; 32]>) -> Result<Verified, String> {
    let mut value: serde_json::Value =
        serde_json::from_str(report).map_err(|e| format!("not valid JSON: {e}"))?;
    let integrity = value
        .as_object_mut()
        .and_then(|o| o.remove("integrity"))
        .ok_or("no integrity member: this is not a sealed cargo-predeploy report")?;
    let body = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
    let digest = integrity["sha256"]
        .as_str()
        .ok_or("the integrity member has no sha256")?
        .to_owned();
    let actual = Sha256::digest(body.as_bytes());
    if hex(&actual) != digest {
        return Err(
            "the report was modified: its SHA-256 does not match the recorded digest".into(),
        );
    }
    check_signature(&actual, integrity["ed25519"].as_str(), public_key, digest)
}

fn check_signature(
    digest_bytes: &[u8],
    sig: Option<&str>,
    public_key: Option<&[u8; 32]>,
    digest: String,
) -> Result<Verified, String> {
    match (public_key, sig) {
        (Some(pk), Some(sig)) => {
            let vk =
                VerifyingKey::from_bytes(pk).map_err(|e| format!("invalid public key: {e}"))?;
            let sig_bytes: [u8; 64] = unhex(sig)
                .and_then(|b| b.try_into().ok())
                .ok_or("the signature is malformed")?;
            vk.verify(digest_bytes, &Signature::from_bytes(&sig_bytes))
                .map_err(|_| "the signature does not match this public key".to_owned())?;
            Ok(Verified {
                digest,
                signed: true,
            })
        }
        (Some(_), None) => Err("the report is not signed, but a public key was given".into()),
        (None, s) => Ok(Verified {
            digest,
            signed: s.is_some(),
        }),
    }
}

/// What verification established.
#[derive(Debug, PartialEq, Eq)]
pub struct Verified {
    pub digest: String,
    pub signed: bool,
}

/// Checks a sealed report (any format). With `public_key`, a valid signature by that key is
/// required.
pub fn verify(report: &str, public_key: Option<&[u8; 32]>) -> Result<Verified, String> {
    if report.trim_start().starts_with('{') {
        return verify_json(report, public_key);
    }
    let body = report.strip_suffix('\n').unwrap_or(report);
    let start = body.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let last = &body[start..];
    let content = &report[..start];
    let inner = last
        .trim()
        .trim_start_matches("<!--")
        .trim_end_matches("-->")
        .trim();
    let rest = inner
        .strip_prefix(TAG)
        .ok_or("no integrity trailer: this is not a sealed cargo-predeploy report")?;
    let mut digest = None;
    let mut sig = None;
    for part in rest.split_whitespace() {
        if let Some(v) = part.strip_prefix("sha256=") {
            digest = Some(v.to_owned());
        } else if let Some(v) = part.strip_prefix("ed25519=") {
            sig = Some(v.to_owned());
        }
    }
    let digest = digest.ok_or("the integrity trailer has no sha256")?;
    let actual = Sha256::digest(content.as_bytes());
    if hex(&actual) != digest {
        return Err(
            "the report was modified: its SHA-256 does not match the recorded digest".into(),
        );
    }
    check_signature(&actual, sig.as_deref(), public_key, digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_verify_detect_tampering() {
        let (sk, pk) = generate_keypair().unwrap();
        let sk = read_key(&sk).unwrap();
        let pk = read_key(&pk).unwrap();
        let sealed = seal("<p>report</p>".into(), true, Some(&sk));
        assert!(verify(&sealed, Some(&pk)).unwrap().signed);
        let tampered = sealed.replace("report", "rep0rt");
        assert!(verify(&tampered, Some(&pk))
            .unwrap_err()
            .contains("modified"));
        let (_, other) = generate_keypair().unwrap();
        assert!(verify(&sealed, Some(&read_key(&other).unwrap())).is_err());
        let unsigned = seal("x".into(), false, None);
        assert!(!verify(&unsigned, None).unwrap().signed);
        assert!(verify(&unsigned, Some(&pk)).is_err());
        assert!(verify("no trailer\n", None).is_err());
        let json = seal_json(serde_json::json!({"a": 1, "b": [1, 2]}), Some(&sk));
        assert!(verify(&json, Some(&pk)).unwrap().signed);
        assert!(verify(&json.replace("\"a\": 1", "\"a\": 2"), Some(&pk)).is_err());
    }
}
