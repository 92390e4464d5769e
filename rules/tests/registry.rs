//! Invariants over the rule registry.

use predeploy_rules::{checklist, registry};
use std::collections::HashSet;

#[test]
fn ids_are_unique_kebab_case_and_well_named() {
    let mut seen = HashSet::new();
    for r in registry::all() {
        assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
        assert!(
            !r.id.is_empty()
                && r.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !r.id.starts_with('-')
                && !r.id.ends_with('-')
                && !r.id.contains("--"),
            "rule id `{}` is not kebab-case",
            r.id
        );
        // Ids name the pattern flagged ("allow <id>" reads well).
        for bad in ["use-", "avoid-", "prefer-", "consider-", "do-not-", "no-"] {
            assert!(
                !r.id.starts_with(bad),
                "rule id `{}` starts with `{bad}`: name the pattern flagged",
                r.id
            );
        }
    }
}

#[test]
fn every_rule_is_documented() {
    for r in registry::all() {
        assert!(!r.title.is_empty(), "{}: empty title", r.id);
        assert!(
            (1..=25).contains(&r.checklist),
            "{}: checklist point {} not in 1..=25",
            r.id,
            r.checklist
        );
        assert!(!r.cwe.is_empty(), "{}: no CWE id", r.id);
        assert!(!r.languages.is_empty(), "{}: no languages", r.id);
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
        ] {
            assert!(r.docs.contains(section), "{}: docs lack `{section}`", r.id);
        }
        assert!(
            r.docs.contains("```"),
            "{}: docs have no code example",
            r.id
        );
        assert!(!r.summary().is_empty(), "{}: empty summary", r.id);
    }
}

#[test]
fn checklist_has_25_points_in_order() {
    for (i, p) in checklist::POINTS.iter().enumerate() {
        assert_eq!(p.number as usize, i + 1);
        assert!(!p.title.is_empty());
        if p.automation == checklist::Automation::Manual {
            assert!(
                !p.attest.is_empty(),
                "manual point {} says nothing to attest",
                p.number
            );
        }
    }
}
