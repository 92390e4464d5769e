//! A single self-contained HTML report: no external assets, inline CSS and SVG, readable on a
//! phone. Every value from the scanned repository is escaped.

use super::{display_path, severity_counts, status_phrase};
use predeploy_rules::report::Report;
use predeploy_rules::Severity;
use std::fmt::Write;

/// Escapes text for HTML element content and double-quoted attributes.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

const CSS: &str = "
:root{--fg:#1b1f24;--mut:#57606a;--bg:#fff;--line:#d0d7de;--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700}
*{box-sizing:border-box}body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:1rem;max-width:72rem;margin:auto}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid var(--line)}h3{font-size:1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
.meta td:first-child{color:var(--mut);white-space:nowrap}.pass{color:var(--pass);font-weight:600}.fail{color:var(--fail);font-weight:600}.na{color:var(--mut)}.manual{color:var(--warn);font-weight:600}
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;font-size:13px;border-radius:6px}code{font-size:13px}
.finding{border-left:3px solid var(--line);padding-left:.75rem;margin:.75rem 0}.sev-critical,.sev-high{border-color:var(--fail)}.sev-medium{border-color:var(--warn)}
td{overflow-wrap:anywhere}.meta{table-layout:fixed}.meta td:first-child{width:9rem}svg.chart{max-width:44rem;display:block}
.badge{display:inline-block;border-radius:1rem;padding:0 .5rem;font-size:12px;background:#eaeef2}
@media (max-width:40rem){td.rules,th.rules{display:none}body{padding:.5rem}}
";

fn sev_color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#82071e",
        Severity::High => "#cf222e",
        Severity::Medium => "#bf8700",
        Severity::Low => "#0969da",
        Severity::Info => "#8c959f",
    }
}

/// Stacked bars: findings per checklist point, by severity.
fn chart(report: &Report) -> String {
    let rows: Vec<_> = report
        .rows
        .iter()
        .filter(|r| !r.findings.is_empty())
        .collect();
    if rows.is_empty() {
        return "<p>No unsuppressed findings.</p>".to_owned();
    }
    let max = rows
        .iter()
        .map(|r| r.findings.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let bar_h = 22;
    let height = rows.len() * bar_h + 30;
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" aria-label=\"Findings by checklist point and severity\" viewBox=\"0 0 600 {height}\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"12\">"
    );
    for (i, row) in rows.iter().enumerate() {
        let y = i * bar_h + 4;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\">{}. {}</text>",
            y + 14,
            row.point.number,
            esc(&truncate(row.point.title, 26))
        );
        let mut x = 200.0;
        for sev in Severity::ALL.iter().rev() {
            let n = row
                .findings
                .iter()
                .filter(|&&i| report.findings[i].severity == *sev)
                .count();
            if n == 0 {
                continue;
            }
            let w = 360.0 * n as f64 / max as f64;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{}\"><title>{n} {sev}</title></rect>",
                bar_h - 6,
                sev_color(*sev)
            );
            x += w;
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\">{}</text>",
            x + 4.0,
            y + 14,
            row.findings.len()
        );
    }
    let mut lx = 0;
    for sev in Severity::ALL.iter().rev() {
        let _ = write!(
            svg,
            "<rect x=\"{lx}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{sev}</text>",
            height - 14,
            sev_color(*sev),
            lx + 14,
            height - 5
        );
        lx += 90;
    }
    svg.push_str("</svg>");
    svg
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

pub fn render(report: &Report) -> String {
    let m = &report.meta;
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
         <title>Pre-deployment report: {}</title><style>{CSS}</style></head><body>",
        esc(&m.repository)
    );
    let failures = report.gate_failures();
    let _ = write!(o, "<h1>Pre-deployment report: {}</h1>", esc(&m.repository));
    let gate = if failures.is_empty() {
        "<span class=\"pass\">pass</span>".to_owned()
    } else {
        format!(
            "<span class=\"fail\">fail</span> (points {})",
            failures
                .iter()
                .map(|r| r.point.number.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let _ = write!(o, "<table class=\"meta\">");
    let mut meta_row = |k: &str, v: String| {
        let _ = write!(o, "<tr><td>{}</td><td>{}</td></tr>", esc(k), v);
    };
    meta_row("release gate", gate);
    meta_row(
        "commit",
        format!(
            "<code>{}</code>{}",
            esc(m.commit.as_deref().unwrap_or("not a git repository")),
            if m.dirty == Some(true) {
                " (dirty tree)"
            } else {
                ""
            }
        ),
    );
    meta_row("date", esc(&m.date));
    meta_row(
        "tool",
        esc(&format!(
            "cargo-predeploy {} (rules {})",
            m.tool_version, m.ruleset_version
        )),
    );
    meta_row("files scanned", m.files_scanned.to_string());
    if let Some(db) = &m.advisory_db {
        meta_row("advisory database", esc(db));
    }
    if let Some(c) = &m.config_source {
        meta_row("configuration", esc(c));
    }
    if let Some(p) = &m.probe {
        meta_row("live probe", esc(p));
    }
    let counts: Vec<String> = severity_counts(report)
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    meta_row(
        "findings",
        esc(&format!(
            "{}; {} suppressed",
            if counts.is_empty() {
                "none".to_owned()
            } else {
                counts.join(", ")
            },
            report.suppressed.len()
        )),
    );
    o.push_str("</table>");
    let _ = write!(
        o,
        "<h2>Findings by point and severity</h2>{}",
        chart(report)
    );
    o.push_str("<h2>Checklist</h2><table><tr><th>#</th><th>point</th><th>status</th><th class=\"rules\">rules</th></tr>");
    for row in &report.rows {
        let class = match row.verdict() {
            "pass" | "attested" => "pass",
            "fail" | "missing" | "expired" | "not-checked" => "fail",
            "not-applicable" => "na",
            _ => "manual",
        };
        let link = if row.findings.is_empty() {
            String::new()
        } else {
            format!(" <a href=\"#point-{}\">findings</a>", row.point.number)
        };
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}<br><small class=\"na\">{}</small></td><td class=\"{class}\">{}{link}</td><td class=\"rules\"><small>{}</small></td></tr>",
            row.point.number,
            esc(row.point.title),
            esc(row.point.domain),
            esc(&status_phrase(row)),
            esc(&row.rules.join(", "))
        );
    }
    o.push_str("</table>");
    if !report.findings.is_empty() {
        o.push_str("<h2>Findings</h2>");
        for row in report.rows.iter().filter(|r| !r.findings.is_empty()) {
            let _ = write!(
                o,
                "<h3 id=\"point-{}\">{}. {}</h3>",
                row.point.number,
                row.point.number,
                esc(row.point.title)
            );
            for &i in &row.findings {
                let f = &report.findings[i];
                let _ = write!(
                    o,
                    "<div class=\"finding sev-{}\"><span class=\"badge\">{}</span> <code>{}</code> <b>{}</b><br><code>{}:{}:{}</code>",
                    f.severity,
                    f.severity,
                    esc(f.rule.id),
                    esc(&f.message),
                    esc(&display_path(&f.path)),
                    f.start.line,
                    f.start.column
                );
                if let Some(s) = &f.snippet {
                    let _ = write!(o, "<pre>{}</pre>", esc(&s.text));
                }
                if let Some(h) = &f.help {
                    let _ = write!(o, "<div>fix: {}</div>", esc(h));
                }
                let cwe: Vec<String> = f.rule.cwe_ids().collect();
                let _ = write!(
                    o,
                    "<small class=\"na\">{}</small></div>",
                    esc(&cwe.join(", "))
                );
            }
        }
    }
    if !report.suppressed.is_empty() {
        o.push_str(
            "<h2>Suppressions</h2><table><tr><th>rule</th><th>location</th><th>reason</th></tr>",
        );
        for f in &report.suppressed {
            let s = f.suppression.as_ref().expect("suppressed");
            let _ = write!(
                o,
                "<tr><td><code>{}</code></td><td><code>{}:{}</code></td><td>{}{}</td></tr>",
                esc(f.rule.id),
                esc(&display_path(&f.path)),
                f.start.line,
                esc(&s.reason),
                s.until
                    .as_deref()
                    .map(|u| format!(" (until {})", esc(u)))
                    .unwrap_or_default()
            );
        }
        o.push_str("</table>");
    }
    if !report.exceptions.is_empty() {
        o.push_str("<h2>Exceptions</h2><ul>");
        for e in &report.exceptions {
            let _ = write!(o, "<li>{}</li>", esc(e));
        }
        o.push_str("</ul>");
    }
    o.push_str("</body></html>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
    }
}
