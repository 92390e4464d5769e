//! `cargo predeploy explain <rule>`: a rule's metadata and documentation.

use crate::args::ExplainArgs;
use crate::render::checklist_label;
use crate::{Status, UserError};
use predeploy_rules::{registry, RuleMeta};
use std::io::Write;

pub fn run(args: ExplainArgs) -> anyhow::Result<Status> {
    let Some(rule) = registry::by_id(&args.rule) else {
        let hint = registry::closest_id(&args.rule)
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        return Err(UserError(format!(
            "unknown rule `{}`{hint}; `cargo predeploy rules` lists every rule",
            args.rule
        ))
        .into());
    };
    let text = explain(rule);
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
    Ok(Status::Ok)
}

/// The rule's page: a header of facts, then its docs (Markdown).
pub fn explain(r: &RuleMeta) -> String {
    let cwe: Vec<String> = r.cwe_ids().collect();
    let langs: Vec<&str> = r.languages.iter().map(|l| l.as_str()).collect();
    format!(
        "# {id}: {title}\n\n\
         - id: `{id}`\n\
         - severity: {sev}\n\
         - confidence: {conf}\n\
         - CWE: {cwe}\n\
         - checklist: {point}\n\
         - languages: {langs}\n\
         - suppress: `predeploy:allow({id}) reason=\"...\"`\n\n\
         {docs}",
        id = r.id,
        title = r.title,
        sev = r.severity,
        conf = r.confidence,
        cwe = cwe.join(", "),
        point = checklist_label(r.checklist),
        langs = langs.join(", "),
        docs = crate::render::rule_docs(r),
    )
}
