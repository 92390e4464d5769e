//! Hardcoded secrets in every file (checklist point 5).

pub mod catalog;
pub mod hardcoded_secret;
pub mod values;

use crate::lang::TextCheck;
use crate::meta::RuleMeta;
use crate::registry::Registry;

static SECRET: &[&RuleMeta] = &[&hardcoded_secret::HARDCODED_SECRET];

pub(crate) fn register(r: &mut Registry) {
    r.rules(SECRET);
    r.text.push(TextCheck {
        rules: SECRET,
        run: hardcoded_secret::check_text,
    });
}
