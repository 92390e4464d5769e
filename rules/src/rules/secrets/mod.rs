//! Hardcoded secrets in every file (checklist point 5).
//!
//! - `hardcoded-secret`: provider credential formats (`providers.toml`) and private keys, in
//!   every text file, behind an aho-corasick keyword prefilter.
//! - `credentials-in-url`: passwords in connection strings and URLs.
//! - `hardcoded-credential`: literals given to secret-named variables/fields/keys, read through
//!   syntax trees (Python, JS/TS, Rust) and config parsers (.env, YAML, TOML, JSON, Dockerfile...).
//! - `env-file-committed`: `.env` files tracked by git or not ignored.
//! - [`history::scan_history`]: the same detectors over `git log -p` output.

pub mod catalog;
pub mod config_values;
pub mod context;
pub mod credentials_in_url;
pub mod env_file_committed;
pub mod hardcoded_credential;
pub mod hardcoded_secret;
pub mod history;
pub mod values;

use crate::lang::{JsCheck, ProjectCheck, PyCheck, RustCheck, TextCheck};
use crate::meta::RuleMeta;
use crate::registry::Registry;

static SECRET: &[&RuleMeta] = &[&hardcoded_secret::HARDCODED_SECRET];
static URL: &[&RuleMeta] = &[&credentials_in_url::CREDENTIALS_IN_URL];
static ENV_FILE: &[&RuleMeta] = &[&env_file_committed::ENV_FILE_COMMITTED];
static CREDENTIAL: &[&RuleMeta] = &[&hardcoded_credential::HARDCODED_CREDENTIAL];

pub(crate) fn register(r: &mut Registry) {
    r.rules(SECRET);
    r.rules(URL);
    r.rules(CREDENTIAL);
    r.rules(ENV_FILE);
    r.project.push(ProjectCheck {
        rules: ENV_FILE,
        run: env_file_committed::check_project,
        after_file_pass: false,
    });
    r.text.push(TextCheck {
        rules: SECRET,
        run: hardcoded_secret::check_text,
    });
    r.text.push(TextCheck {
        rules: URL,
        run: credentials_in_url::check_text,
    });
    r.text.push(TextCheck {
        rules: CREDENTIAL,
        run: hardcoded_credential::check_config,
    });
    r.js.push(JsCheck {
        rules: CREDENTIAL,
        on: hardcoded_credential::JS_ON,
        run: hardcoded_credential::check_js,
    });
    r.py.push(PyCheck {
        rules: CREDENTIAL,
        on: hardcoded_credential::PY_ON,
        run: hardcoded_credential::check_py,
    });
    r.rust.push(RustCheck {
        rules: CREDENTIAL,
        run: hardcoded_credential::check_rust,
    });
}

#[cfg(test)]
mod tests;
