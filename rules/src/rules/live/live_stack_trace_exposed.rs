use super::doc::HttpDoc;
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Requests a page that does not exist and a malformed URL on the deployed site, and flags
    /// error pages that show a stack trace or a framework's debug page (Python tracebacks,
    /// Werkzeug/Django debug pages, Node `at Object.<anonymous>` frames, Java and .NET
    /// exceptions, Rust panics, PHP fatal errors).
    ///
    /// ## Why is this bad?
    /// Stack traces reveal file paths, library versions, queries and sometimes secrets, and
    /// debug pages can execute code (Werkzeug console) (CWE-209, CWE-215).
    ///
    /// ## Example
    /// ```text
    /// HTTP/1.1 500 Internal Server Error
    ///
    /// Traceback (most recent call last):
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// HTTP/1.1 404 Not Found
    ///
    /// Not found
    /// ```
    ///
    /// ## How to fix
    /// Turn debug mode off in production (Flask `debug=False`, Django `DEBUG = False`,
    /// `NODE_ENV=production`), and install an error handler that logs the details and returns a
    /// generic page.
    ///
    /// ## References
    /// - CWE-209, CWE-215; OWASP Error Handling Cheat Sheet
    pub LIVE_STACK_TRACE_EXPOSED {
        id: "live-stack-trace-exposed",
        title: "Error pages of the deployed site show stack traces",
        severity: Medium,
        confidence: High,
        cwe: [209, 215],
        checklist: 9,
        languages: [Live],
        fix: None,
    }
}

const SIGNATURES: &[(&str, &str)] = &[
    ("Traceback (most recent call last)", "a Python traceback"),
    ("Werkzeug Debugger", "the Werkzeug debugger"),
    (
        "You're seeing this error because you have <code>DEBUG = True</code>",
        "Django's debug page",
    ),
    ("at Object.<anonymous>", "a Node.js stack trace"),
    ("at Module._compile", "a Node.js stack trace"),
    (
        "at process.processTicksAndRejections",
        "a Node.js stack trace",
    ),
    ("Exception in thread", "a Java stack trace"),
    ("at java.", "a Java stack trace"),
    ("at org.springframework.", "a Java stack trace"),
    (
        "Whitelabel Error Page",
        "Spring's default error page with details",
    ),
    ("System.NullReferenceException", "a .NET exception"),
    ("Server Error in '/' Application", "an ASP.NET error page"),
    ("panicked at", "a Rust panic message"),
    ("Fatal error: Uncaught", "a PHP fatal error"),
    ("ActionController::RoutingError", "a Rails debug page"),
];

pub(super) fn check(cx: &mut FileCx<'_>, d: &HttpDoc<'_>) {
    if !matches!(d.purpose, "not-found" | "malformed" | "landing" | "page") {
        return;
    }
    for (sig, what) in SIGNATURES {
        if let Some(pos) = d.body.find(sig) {
            let start = d.body_range.start + pos;
            cx.report(&LIVE_STACK_TRACE_EXPOSED, start..start + sig.len(), format!("{} shows {what}", d.url))
                .help("disable debug mode in production and return a generic error page; log details server-side");
            return;
        }
    }
}
