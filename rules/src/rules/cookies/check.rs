//! The cookie analysis shared by the three `cookie-missing-*` rules: each language finds cookie
//! writes and the state of their three flags, then [`report`] emits one finding per weak flag.

use super::cookie_missing_httponly::COOKIE_MISSING_HTTPONLY;
use super::cookie_missing_samesite::COOKIE_MISSING_SAMESITE;
use super::cookie_missing_secure::COOKIE_MISSING_SECURE;
use crate::engine::FileCx;
use crate::finding::{Applicability, Edit, Fix};
use crate::meta::{Confidence, RuleMeta, Severity};
use std::ops::Range;

/// State of one cookie flag at a call site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    /// Not mentioned (the framework default applies).
    Missing,
    /// Explicitly turned off (`secure=False`, `httpOnly: false`, `SameSite=None` for samesite).
    Off,
    /// Explicitly on.
    On,
    /// Set from a variable, config or a spread: we do not guess.
    Unknown,
}

/// What the cookie's name says about its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameClass {
    Session,
    Csrf,
    Plain,
    Unknown,
}

pub fn classify_name(name: Option<&str>) -> NameClass {
    let Some(name) = name else {
        return NameClass::Unknown;
    };
    let lower = name.to_ascii_lowercase();
    if lower.contains("csrf") || lower.contains("xsrf") {
        return NameClass::Csrf;
    }
    let segs: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect();
    let session = lower.contains("session")
        || lower.contains("token")
        || lower.contains("auth")
        || lower.contains("jwt")
        || lower.contains("login")
        || lower.contains("remember")
        || segs.iter().any(|s| {
            matches!(
                *s,
                "sid" | "sess" | "ssid" | "access" | "refresh" | "user" | "uid" | "identity"
            ) || s.ends_with("sid")
        });
    if session {
        NameClass::Session
    } else {
        NameClass::Plain
    }
}

/// One flag of a cookie write.
#[derive(Clone, Debug)]
pub struct FlagAt {
    pub state: Flag,
    /// Byte range of the explicit value (to replace it), when `Off`.
    pub value: Option<Range<usize>>,
    /// Whether the framework turns the flag on by itself when it is missing.
    pub default_on: bool,
}

impl FlagAt {
    pub fn new(state: Flag, value: Option<Range<usize>>) -> FlagAt {
        FlagAt {
            state,
            value,
            default_on: false,
        }
    }
    pub fn missing() -> FlagAt {
        FlagAt::new(Flag::Missing, None)
    }
    pub fn unknown() -> FlagAt {
        FlagAt::new(Flag::Unknown, None)
    }
    pub fn defaulting_on(mut self) -> FlagAt {
        self.default_on = true;
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Python,
    Js,
    Rust,
}

/// Where and how an added flag is written.
#[derive(Clone, Debug)]
pub struct Insert {
    pub at: usize,
    /// Text before the flag (`", "`, `"."`...).
    pub prefix: String,
    /// Text after the flag (`" }"` when a new options object is opened...).
    pub suffix: String,
}

/// A cookie write found in code.
#[derive(Clone, Debug)]
pub struct CookieSite {
    pub range: Range<usize>,
    pub name: Option<String>,
    /// How messages name the cookie when it has no constant name (`the session cookie`).
    pub label: Option<String>,
    pub secure: FlagAt,
    pub httponly: FlagAt,
    pub samesite: FlagAt,
    /// `SameSite=None` given explicitly (needs `Secure`).
    pub samesite_none: bool,
    pub syntax: Syntax,
    pub insert: Option<Insert>,
    /// Overrides the name-based classification (settings that name the session cookie).
    pub class: Option<NameClass>,
}

fn flag_text(syntax: Syntax, which: &str) -> &'static str {
    match (syntax, which) {
        (Syntax::Python, "secure") => "secure=True",
        (Syntax::Python, "httponly") => "httponly=True",
        (Syntax::Python, _) => "samesite=\"Lax\"",
        (Syntax::Js, "secure") => "secure: true",
        (Syntax::Js, "httponly") => "httpOnly: true",
        (Syntax::Js, _) => "sameSite: \"lax\"",
        (Syntax::Rust, "secure") => "secure(true)",
        (Syntax::Rust, "httponly") => "http_only(true)",
        (Syntax::Rust, _) => "same_site(SameSite::Lax)",
    }
}

fn true_text(syntax: Syntax, which: &str) -> &'static str {
    match (syntax, which) {
        (Syntax::Python, "samesite") => "\"Lax\"",
        (Syntax::Js, "samesite") => "\"lax\"",
        (Syntax::Rust, "samesite") => "SameSite::Lax",
        (Syntax::Python, _) => "True",
        _ => "true",
    }
}

/// Reports one finding per weak flag of `site`.
pub fn report(file: &mut FileCx<'_>, site: &CookieSite) {
    let class = site
        .class
        .unwrap_or_else(|| classify_name(site.name.as_deref()));
    let label = match &site.name {
        Some(n) if !n.is_empty() => format!("cookie `{n}`"),
        _ => site.label.clone().unwrap_or_else(|| "cookie".to_owned()),
    };
    // --- Secure
    let secure_weak = match site.secure.state {
        Flag::Off => true,
        Flag::Missing => !site.secure.default_on,
        _ => false,
    };
    if secure_weak {
        let (sev, conf) = match class {
            NameClass::Session => (Severity::High, Confidence::High),
            NameClass::Plain => (Severity::Low, Confidence::Medium),
            NameClass::Csrf | NameClass::Unknown => (Severity::Medium, Confidence::High),
        };
        let msg = match (site.secure.state, site.samesite_none) {
            (Flag::Off, _) => format!("{label} has the Secure attribute turned off"),
            (_, true) => format!("{label} uses SameSite=None without Secure"),
            _ => format!("{label} is set without the Secure attribute"),
        };
        let page_script = site.httponly.state == Flag::Off && site.httponly.value.is_none();
        let help = if page_script {
            "add `; Secure` to the cookie string, or better, set the cookie from the server with Secure and HttpOnly".to_owned()
        } else {
            format!(
                "add `{}` so the cookie is never sent over plain HTTP",
                flag_text(site.syntax, "secure")
            )
        };
        emit(
            file,
            &COOKIE_MISSING_SECURE,
            site,
            "secure",
            &site.secure,
            msg,
            help,
            sev,
            conf,
        );
    }
    // --- HttpOnly (not for CSRF cookies or clearly non-sensitive names)
    let httponly_weak = match site.httponly.state {
        Flag::Off => true,
        Flag::Missing => !site.httponly.default_on,
        _ => false,
    };
    if httponly_weak && !matches!(class, NameClass::Csrf | NameClass::Plain) {
        let (sev, conf) = match class {
            NameClass::Session => (Severity::High, Confidence::High),
            _ => (Severity::Medium, Confidence::Low),
        };
        let msg = if site.httponly.state == Flag::Off && site.httponly.value.is_none() {
            format!("{label} is written by page script, so it cannot be HttpOnly")
        } else if site.httponly.state == Flag::Off {
            format!("{label} has the HttpOnly attribute turned off")
        } else {
            format!("{label} is set without the HttpOnly attribute")
        };
        let help = if site.httponly.state == Flag::Off && site.httponly.value.is_none() {
            "set the session cookie from the server with HttpOnly (res.cookie(name, value, { httpOnly: true, secure: true })), not from document.cookie".to_owned()
        } else {
            format!(
                "add `{}` so page scripts cannot read the cookie",
                flag_text(site.syntax, "httponly")
            )
        };
        emit(
            file,
            &COOKIE_MISSING_HTTPONLY,
            site,
            "httponly",
            &site.httponly,
            msg,
            help,
            sev,
            conf,
        );
    }
    // --- SameSite
    let samesite_weak = match site.samesite.state {
        Flag::Off => true,
        Flag::Missing => !site.samesite.default_on,
        _ => false,
    };
    if samesite_weak {
        let (sev, conf) = match class {
            NameClass::Session => (Severity::Medium, Confidence::Medium),
            NameClass::Plain => (Severity::Info, Confidence::Medium),
            _ => (Severity::Low, Confidence::Medium),
        };
        let msg = if site.samesite.state == Flag::Off {
            format!("{label} has no SameSite attribute (set to None)")
        } else {
            format!("{label} is set without a SameSite attribute")
        };
        let help = format!(
            "add `{}` (or Strict) so the browser does not attach the cookie to cross-site requests",
            flag_text(site.syntax, "samesite")
        );
        emit(
            file,
            &COOKIE_MISSING_SAMESITE,
            site,
            "samesite",
            &site.samesite,
            msg,
            help,
            sev,
            conf,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn emit(
    file: &mut FileCx<'_>,
    rule: &'static RuleMeta,
    site: &CookieSite,
    which: &str,
    flag: &FlagAt,
    msg: String,
    help: String,
    sev: Severity,
    conf: Confidence,
) {
    let fix = match (flag.state, &flag.value, &site.insert) {
        (Flag::Off, Some(v), _) => Some(Fix {
            title: format!("set {}", flag_text(site.syntax, which)),
            edits: vec![Edit {
                range: v.clone(),
                replacement: true_text(site.syntax, which).to_owned(),
            }],
            applicability: Applicability::MachineApplicable,
        }),
        (Flag::Missing, _, Some(ins)) => Some(Fix {
            title: format!("add {}", flag_text(site.syntax, which)),
            edits: vec![Edit {
                range: ins.at..ins.at,
                replacement: format!(
                    "{}{}{}",
                    ins.prefix,
                    flag_text(site.syntax, which),
                    ins.suffix
                ),
            }],
            applicability: Applicability::MachineApplicable,
        }),
        _ => None,
    };
    let f = file.report(rule, site.range.clone(), msg);
    f.help(help).severity(sev).confidence(conf);
    if let Some(fix) = fix {
        f.fix(fix);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::Path;

    /// Applies the fix of the `rule` finding on `line` (1-based) and returns the new text.
    fn fixed(path: &str, src: &str, rule: &str) -> Vec<String> {
        let r = crate::engine::check_source(Path::new(path), src, &Config::default());
        r.findings
            .iter()
            .filter(|f| f.rule.id == rule)
            .filter_map(|f| f.fix.as_ref())
            .map(|fix| {
                let mut out = src.to_owned();
                let mut edits = fix.edits.clone();
                edits.sort_by_key(|e| std::cmp::Reverse(e.range.start));
                for e in edits {
                    out.replace_range(e.range.clone(), &e.replacement);
                }
                out
            })
            .collect()
    }

    #[test]
    fn names() {
        assert_eq!(classify_name(Some("sessionid")), NameClass::Session);
        assert_eq!(classify_name(Some("connect.sid")), NameClass::Session);
        assert_eq!(classify_name(Some("csrftoken")), NameClass::Csrf);
        assert_eq!(classify_name(Some("theme")), NameClass::Plain);
        assert_eq!(classify_name(None), NameClass::Unknown);
    }

    #[test]
    fn python_fix_inserts_flag() {
        let src =
            "def v(resp):\n    resp.set_cookie(\"session\", t, httponly=True, samesite=\"Lax\",)\n";
        let out = fixed("app.py", src, "cookie-missing-secure");
        assert_eq!(
            out,
            vec!["def v(resp):\n    resp.set_cookie(\"session\", t, httponly=True, samesite=\"Lax\", secure=True,)\n"]
        );
        let src = "def v(resp):\n    resp.set_cookie(\"session\", t, httponly=True, samesite=\"Lax\", secure=False)\n";
        let out = fixed("app.py", src, "cookie-missing-secure");
        assert_eq!(
            out,
            vec!["def v(resp):\n    resp.set_cookie(\"session\", t, httponly=True, samesite=\"Lax\", secure=True)\n"]
        );
    }

    #[test]
    fn js_fix_inserts_flag() {
        let src = "app.get('/', (req, res) => { res.cookie('sid', v, { secure: true, sameSite: 'lax' }); });\n";
        let out = fixed("a.js", src, "cookie-missing-httponly");
        assert_eq!(
            out,
            vec!["app.get('/', (req, res) => { res.cookie('sid', v, { secure: true, sameSite: 'lax', httpOnly: true }); });\n"]
        );
        let src = "app.get('/', (req, res) => { res.cookie('sid', v); });\n";
        let out = fixed("a.js", src, "cookie-missing-secure");
        assert_eq!(
            out,
            vec!["app.get('/', (req, res) => { res.cookie('sid', v, { secure: true }); });\n"]
        );
    }

    #[test]
    fn rust_fix_inserts_before_finish() {
        let src = "use cookie::{Cookie, SameSite};\nfn f(v: String) { let c = Cookie::build((\"session\", v)).http_only(true).same_site(SameSite::Lax).build(); }\n";
        let out = fixed("a.rs", src, "cookie-missing-secure");
        assert_eq!(
            out,
            vec!["use cookie::{Cookie, SameSite};\nfn f(v: String) { let c = Cookie::build((\"session\", v)).http_only(true).same_site(SameSite::Lax).secure(true).build(); }\n"]
        );
    }
}
