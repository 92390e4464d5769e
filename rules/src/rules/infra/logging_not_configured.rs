use super::monitoring::{self, Facts};
use crate::lang::ProjectCx;

crate::declare_rule! {
    /// ## What it does
    /// Reports a web service (a Flask, FastAPI, Django, Starlette, aiohttp... app; an Express,
    /// Fastify, NestJS, Koa, hapi or Hono server; an axum, actix-web, Rocket, warp, poem or salvo
    /// server) in which no logging is set up anywhere in the repository: no logging library
    /// imported (`logging`, `structlog`, `loguru`; `winston`, `pino`, `bunyan`, `morgan`...),
    /// declared (`tracing-subscriber`, `env_logger`, `log4rs`... in `Cargo.toml`) or enabled
    /// (`fastify({ logger: true })`, NestJS's built-in logger). The finding is anchored at the
    /// place the service is created.
    ///
    /// ## Why is this bad?
    /// Without logs there is nothing to forward to a central log store, no trace of an attack
    /// in progress, and no evidence afterwards: breaches go unnoticed for months, and incident
    /// response (and breach notification) has nothing to work with. In Rust, `tracing`/`log`
    /// macros without a subscriber or logger print nothing at all.
    ///
    /// ## Example
    /// ```rust
    /// #[tokio::main]
    /// async fn main() {
    ///     let app = Router::new().route("/", get(handler));
    ///     let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await.unwrap();
    ///     axum::serve(listener, app).await.unwrap();
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// #[tokio::main]
    /// async fn main() {
    ///     tracing_subscriber::fmt().json().init();
    ///     let app = Router::new().route("/", get(handler)).layer(TraceLayer::new_for_http());
    ///     let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await.unwrap();
    ///     axum::serve(listener, app).await.unwrap();
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Initialise a structured logger at start-up (Python `logging.config.dictConfig` or
    /// `structlog`; Node `pino`/`winston`; Rust `tracing-subscriber`), log requests,
    /// authentication events and errors to stdout as JSON, and ship them to a central store.
    ///
    /// ## Not flagged
    /// Libraries and repositories without a service entry point; entry points under tests,
    /// examples, docs, benches or scripts. Using a logging library anywhere in the repository
    /// counts (the rule does not judge the configuration's quality). Console output alone
    /// (`print`, `console.log`) does not count.
    ///
    /// ## References
    /// - CWE-778: Insufficient Logging
    /// - OWASP A09:2021 Security Logging and Monitoring Failures
    pub LOGGING_NOT_CONFIGURED {
        id: "logging-not-configured",
        title: "Web service with no logging set up",
        severity: Low,
        confidence: Medium,
        cwe: [778],
        checklist: 21,
        languages: [Python, JavaScript, TypeScript, Rust, Project],
        fix: None,
    }
}

pub(crate) fn check(pcx: &mut ProjectCx<'_>, facts: &Facts) {
    let Some(entry) = &facts.entry else { return };
    if facts.logging {
        return;
    }
    let help = match entry.framework.as_str() {
        "axum" | "actix-web" | "Rocket" | "warp" | "poem" | "salvo" | "tide" => {
            "initialise a logger at start-up, e.g. `tracing_subscriber::fmt().json().init()` (crate tracing-subscriber), and log requests with tower-http's TraceLayer or the framework's logger middleware"
        }
        "Express" | "Fastify" | "Koa" | "hapi" | "Hono" | "NestJS" => {
            "add a structured logger such as pino (`pino-http` middleware) or winston, logging requests and errors as JSON to stdout"
        }
        _ => "configure logging at start-up (`logging.config.dictConfig(...)` or structlog) and log requests, authentication events and errors as JSON to stdout",
    };
    monitoring::report_at_entry(
        pcx,
        entry,
        &LOGGING_NOT_CONFIGURED,
        &format!(
            "no logging is set up anywhere for this {} service",
            entry.framework
        ),
        help,
    );
}
