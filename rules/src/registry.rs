//! The rule registry: every rule's metadata and the checks that implement them, gathered from the
//! rule families in `rules/`. Tests in `tests/registry.rs` enforce its invariants.

use crate::lang::{JsCheck, ProjectCheck, PyCheck, RustCheck, TextCheck};
use crate::meta::RuleMeta;
use std::sync::LazyLock;

#[derive(Default)]
pub struct Registry {
    pub rules: Vec<&'static RuleMeta>,
    pub js: Vec<JsCheck>,
    pub py: Vec<PyCheck>,
    pub rust: Vec<RustCheck>,
    pub text: Vec<TextCheck>,
    pub project: Vec<ProjectCheck>,
}

impl Registry {
    pub fn rules(&mut self, rules: &[&'static RuleMeta]) {
        self.rules.extend_from_slice(rules);
    }
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    let mut r = Registry::default();
    crate::rules::register_all(&mut r);
    r.rules.sort_by_key(|m| m.id);
    r
});

pub fn registry() -> &'static Registry {
    &REGISTRY
}

/// Every rule, sorted by id.
pub fn all() -> &'static [&'static RuleMeta] {
    &REGISTRY.rules
}

pub fn by_id(id: &str) -> Option<&'static RuleMeta> {
    REGISTRY.rules.iter().copied().find(|r| r.id == id)
}

/// The registered id closest to `id` (for "did you mean" hints), if reasonably close.
pub fn closest_id(id: &str) -> Option<&'static str> {
    REGISTRY
        .rules
        .iter()
        .map(|r| (levenshtein(id, r.id), r.id))
        .filter(|(d, r)| *d <= (r.len() / 3).max(2))
        .min()
        .map(|(_, r)| r)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
