use super::monitoring::{self, Facts};
use crate::lang::ProjectCx;

crate::declare_rule! {
    /// ## What it does
    /// Reports a web service (same entry points as `logging-not-configured`) with no error
    /// tracker or APM agent anywhere in the repository: no Sentry (`sentry_sdk.init`,
    /// `Sentry.init`, `sentry::init`), Rollbar, Bugsnag, Honeybadger, Airbrake, AppSignal,
    /// Raygun, Datadog (`ddtrace`, `dd-trace`), New Relic, Elastic APM or OpenTelemetry, whether
    /// imported in code, declared in a manifest (`Cargo.toml`, `package.json`,
    /// `pyproject.toml`, `requirements*.txt`, `Pipfile`) or started by a launcher in a
    /// Dockerfile/Procfile (`ddtrace-run`, `opentelemetry-instrument`, `newrelic-admin`).
    /// The finding is anchored where the service is created.
    ///
    /// ## Why is this bad?
    /// Without error tracking, exceptions in production are noticed when users complain, if
    /// ever. Many attacks show up first as a burst of unusual errors (injection probes,
    /// deserialization failures, authorization errors); nobody sees them.
    ///
    /// ## Example
    /// ```python
    /// from flask import Flask
    ///
    /// app = Flask(__name__)
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// import os
    /// import sentry_sdk
    /// from flask import Flask
    ///
    /// sentry_sdk.init(dsn=os.environ["SENTRY_DSN"], send_default_pii=False)
    /// app = Flask(__name__)
    /// ```
    ///
    /// ## How to fix
    /// Initialise an error tracker at start-up with its DSN/key from the environment (Sentry,
    /// Rollbar, Bugsnag, Honeybadger, or OpenTelemetry exporting to your APM), scrub personal
    /// data before sending, and route new error types to someone on call.
    ///
    /// ## Not flagged
    /// Libraries and repositories without a service entry point; entry points under tests,
    /// examples, docs, benches or scripts; agents attached outside the repository (a platform
    /// sidecar) cannot be seen: suppress with that reason.
    ///
    /// ## References
    /// - CWE-778: Insufficient Logging
    /// - OWASP A09:2021 Security Logging and Monitoring Failures
    pub ERROR_TRACKING_MISSING {
        id: "error-tracking-missing",
        title: "Web service with no error tracking",
        severity: Low,
        confidence: Medium,
        cwe: [778],
        checklist: 23,
        languages: [Python, JavaScript, TypeScript, Rust, Project],
        fix: None,
    }
}

pub(crate) fn check(pcx: &mut ProjectCx<'_>, facts: &Facts) {
    let Some(entry) = &facts.entry else { return };
    if facts.tracker {
        return;
    }
    let help = match entry.framework.as_str() {
        "axum" | "actix-web" | "Rocket" | "warp" | "poem" | "salvo" | "tide" => {
            "initialise an error tracker at start-up, e.g. `let _guard = sentry::init(std::env::var(\"SENTRY_DSN\")?)` (crate sentry with its tower/actix integration), or export errors with OpenTelemetry"
        }
        "Express" | "Fastify" | "Koa" | "hapi" | "Hono" | "NestJS" => {
            "initialise an error tracker before the app starts, e.g. `Sentry.init({ dsn: process.env.SENTRY_DSN })` (@sentry/node) and its framework error handler"
        }
        _ => "initialise an error tracker at start-up, e.g. `sentry_sdk.init(dsn=os.environ[\"SENTRY_DSN\"])` (sentry-sdk picks up Flask/FastAPI/Django automatically)",
    };
    monitoring::report_at_entry(
        pcx,
        entry,
        &ERROR_TRACKING_MISSING,
        &format!(
            "no error tracker is initialised anywhere for this {} service",
            entry.framework
        ),
        help,
    );
}
