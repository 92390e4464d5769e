//! Facts about a project's monitoring set-up, shared by `logging-not-configured` and
//! `error-tracking-missing`: where the web service starts (framework entry points found in the
//! syntax trees), whether any logging library is used or declared, whether an error tracker or
//! APM agent is initialised or declared. Manifests are parsed (TOML/JSON/requirements lines);
//! code is parsed with the same tree-sitter/syn passes as the per-file rules.

use super::project::{self, Project};
use crate::config::Config;
use crate::engine::FileCx;
use crate::lang::js::{self, JsCx};
use crate::lang::python::PyCx;
use crate::lang::rust::{RustCx, RustNode};
use crate::lang::NodeExt;
use crate::lang::{JsCheck, PyCheck, RustCheck};
use crate::meta::{Confidence, FixAvailability, RuleMeta, Severity};
use crate::source::FileKind;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use tree_sitter::Node;

/// Where a service starts.
pub struct Entry {
    pub path: PathBuf,
    pub range: Range<usize>,
    pub framework: String,
}

#[derive(Default)]
pub struct Facts {
    pub entry: Option<Entry>,
    pub logging: bool,
    pub tracker: bool,
}

/// Internal marker for facts found during a syntax walk; never reported.
static FACT: RuleMeta = RuleMeta {
    id: "internal-monitoring-fact",
    title: "",
    severity: Severity::Info,
    confidence: Confidence::Low,
    cwe: &[],
    checklist: 21,
    languages: &[],
    fix: FixAvailability::None,
    docs: "",
    source_file: file!(),
    source_line: line!(),
};

// ------------------------------------------------------------------ dependency names

/// Logging libraries (normalized: lower case, `_` as `-`).
const LOG_DEPS: &[&str] = &[
    // Rust
    "tracing-subscriber",
    "env-logger",
    "pretty-env-logger",
    "log4rs",
    "fern",
    "simple-logger",
    "simplelog",
    "flexi-logger",
    "stderrlog",
    "slog-term",
    "slog-async",
    "slog-json",
    "tracing-appender",
    "tracing-journald",
    "tracing-bunyan-formatter",
    "systemd-journal-logger",
    "syslog",
    // JS
    "winston",
    "pino",
    "pino-http",
    "bunyan",
    "morgan",
    "log4js",
    "loglevel",
    "signale",
    "consola",
    "roarr",
    "tslog",
    "express-winston",
    "@nestjs/common",
    "nestjs-pino",
    "@google-cloud/logging-winston",
    "@google-cloud/logging",
    // Python
    "structlog",
    "loguru",
    "python-json-logger",
    "logbook",
    "eliot",
];

/// Error trackers and APM agents (exact names; see [`TRACKER_PREFIXES`]).
const TRACKER_DEPS: &[&str] = &[
    "sentry",
    "sentry-sdk",
    "raven",
    "rollbar",
    "pyrollbar",
    "bugsnag",
    "honeybadger",
    "ddtrace",
    "dd-trace",
    "newrelic",
    "elastic-apm",
    "elastic-apm-node",
    "scout-apm",
    "airbrake",
    "pybrake",
    "appsignal",
    "raygun",
    "raygun4py",
    "raygun4node",
    "tracing-opentelemetry",
    "logrocket",
    "trackjs",
];

const TRACKER_PREFIXES: &[&str] = &[
    "sentry-",
    "@sentry/",
    "opentelemetry",
    "@opentelemetry/",
    "@bugsnag/",
    "@honeybadger-io/",
    "@rollbar/",
    "@appsignal/",
    "@airbrake/",
    "@highlight-run/",
    "@datadog/",
    "datadog-",
    "@newrelic/",
];

fn norm(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace('_', "-")
}

fn is_log_dep(n: &str) -> bool {
    LOG_DEPS.contains(&n)
}

fn is_tracker_dep(n: &str) -> bool {
    TRACKER_DEPS.contains(&n) || TRACKER_PREFIXES.iter().any(|p| n.starts_with(p))
}

/// Dependency names declared by a manifest (runtime dependencies only where the format says).
fn manifest_deps(name: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let push_keys = |t: Option<&toml::Value>, out: &mut Vec<String>| {
        if let Some(t) = t.and_then(|v| v.as_table()) {
            for (k, v) in t {
                out.push(norm(k));
                if let Some(p) = v.get("package").and_then(|p| p.as_str()) {
                    out.push(norm(p));
                }
            }
        }
    };
    let req_name = |line: &str| -> Option<String> {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with('-') {
            return None;
        }
        let end = l
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .unwrap_or(l.len());
        (end > 0).then(|| norm(&l[..end]))
    };
    match name {
        "cargo.toml" => {
            if let Ok(doc) = text.parse::<toml::Table>() {
                push_keys(doc.get("dependencies"), &mut out);
                push_keys(
                    doc.get("workspace").and_then(|w| w.get("dependencies")),
                    &mut out,
                );
                if let Some(t) = doc.get("target").and_then(|t| t.as_table()) {
                    for (_, v) in t {
                        push_keys(v.get("dependencies"), &mut out);
                    }
                }
            }
        }
        "package.json" => {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
                if let Some(m) = v.get("dependencies").and_then(|d| d.as_object()) {
                    out.extend(m.keys().map(|k| norm(k)));
                }
            }
        }
        "pyproject.toml" => {
            if let Ok(doc) = text.parse::<toml::Table>() {
                let project = doc.get("project");
                for d in project
                    .and_then(|p| p.get("dependencies"))
                    .and_then(|d| d.as_array())
                    .into_iter()
                    .flatten()
                {
                    out.extend(d.as_str().and_then(req_name));
                }
                if let Some(opt) = project
                    .and_then(|p| p.get("optional-dependencies"))
                    .and_then(|o| o.as_table())
                {
                    for (_, list) in opt {
                        for d in list.as_array().into_iter().flatten() {
                            out.extend(d.as_str().and_then(req_name));
                        }
                    }
                }
                push_keys(
                    doc.get("tool")
                        .and_then(|t| t.get("poetry"))
                        .and_then(|p| p.get("dependencies")),
                    &mut out,
                );
            }
        }
        "pipfile" => {
            if let Ok(doc) = text.parse::<toml::Table>() {
                push_keys(doc.get("packages"), &mut out);
            }
        }
        n if n.starts_with("requirements") && n.ends_with(".txt") => {
            out.extend(text.lines().filter_map(req_name));
        }
        _ => {}
    }
    out
}

// ------------------------------------------------------------------ syntax walks

const ENTRY_PY: &[(&str, &str)] = &[
    ("flask.Flask", "Flask"),
    ("fastapi.FastAPI", "FastAPI"),
    ("starlette.applications.Starlette", "Starlette"),
    ("quart.Quart", "Quart"),
    ("sanic.Sanic", "Sanic"),
    ("litestar.Litestar", "Litestar"),
    ("aiohttp.web.Application", "aiohttp"),
    ("aiohttp.web.run_app", "aiohttp"),
    ("falcon.App", "Falcon"),
    ("falcon.API", "Falcon"),
    ("falcon.asgi.App", "Falcon"),
    ("bottle.Bottle", "Bottle"),
    ("tornado.web.Application", "Tornado"),
    ("django.core.management.execute_from_command_line", "Django"),
    ("django.core.wsgi.get_wsgi_application", "Django"),
    ("django.core.asgi.get_asgi_application", "Django"),
];

const LOG_PY: &[&str] = &["logging", "structlog", "loguru", "logbook", "eliot"];
const TRACK_PY: &[&str] = &[
    "sentry_sdk",
    "raven",
    "rollbar",
    "bugsnag",
    "honeybadger",
    "ddtrace",
    "opentelemetry",
    "newrelic",
    "elasticapm",
    "scout_apm",
    "pybrake",
    "airbrake",
    "appsignal",
    "raygun4py",
];

/// Where the fact checks' facts go, on this thread.
enum Mode {
    /// Nowhere: the fact checks are also registered with the file pass, which runs in the
    /// editor and in checks of single files too.
    Off,
    /// Into the findings of [`walk_code`]'s walk.
    Walk,
    /// Into what a scan's file pass gathers from the file it checks (None until the walk
    /// reaches the root, or when it never does).
    Gather(Option<FileMon>),
}

thread_local! {
    static MODE: std::cell::RefCell<Mode> = const { std::cell::RefCell::new(Mode::Off) };
}

/// What a scan's file pass gathered for this check from one Python or JS file: the facts a walk
/// of it reports and the answers of [`walk_if_hinted`]'s tests of its text, so [`collect`]
/// need not read or parse it again.
pub(crate) struct FileMon {
    facts: Vec<(Range<usize>, String)>,
    /// At most [`MAX_SIZE`] bytes.
    small: bool,
    /// Names a framework and holds an entry word (the first phase's test).
    framework: bool,
    /// Names a logging library or a tracker (the second phase's tests).
    log_hint: bool,
    tracker_hint: bool,
}

/// Starts gathering for the file this thread checks next (see [`gather_end`]).
pub(crate) fn gather_begin() {
    MODE.with(|m| *m.borrow_mut() = Mode::Gather(None));
}

/// What was gathered since [`gather_begin`], and the thread back to `Off`: None when the fact
/// checks did not walk the file (a cached result, a file of another language, the rules
/// disabled for it, a check that failed), which leaves it to [`collect`].
pub(crate) fn gather_end() -> Option<FileMon> {
    match MODE.with(|m| std::mem::replace(&mut *m.borrow_mut(), Mode::Off)) {
        Mode::Gather(f) => f,
        _ => None,
    }
}

/// A check failed on the file being gathered: its facts are left to [`collect`].
pub(crate) fn gather_forget() {
    MODE.with(|m| {
        if let Mode::Gather(f) = &mut *m.borrow_mut() {
            *f = None;
        }
    });
}

/// The walk reached the root of a file being gathered: its text tests.
fn gather_root(file: &FileCx<'_>) {
    MODE.with(|m| {
        if let Mode::Gather(f) = &mut *m.borrow_mut() {
            *f = Some(text_tests(file));
        }
    });
}

fn text_tests(file: &FileCx<'_>) -> FileMon {
    let text = file.text;
    let mut f = FileMon {
        facts: Vec::new(),
        small: text.len() as u64 <= MAX_SIZE,
        framework: false,
        log_hint: false,
        tracker_hint: false,
    };
    if f.small {
        let found = hint_kinds(file);
        f.framework = found & FRAMEWORK != 0 && entry_words().iter().any(|w| text.contains(w));
        f.log_hint = found & LOG != 0;
        f.tracker_hint = found & TRACKER != 0;
    }
    f
}

const FRAMEWORK: u8 = 1;
const LOG: u8 = 2;
const TRACKER: u8 = 4;

/// Which kinds of hint the file's lower-case text contains, in one pass over it (the same
/// answers as [`walk_if_hinted`]'s searches of the lower-cased text for each hint).
fn hint_kinds(file: &FileCx<'_>) -> u8 {
    use aho_corasick::{AhoCorasick, MatchKind};
    // The automaton, the kind of each of its words, and the kinds an empty hint makes always
    // found (`contains("")` holds for every text).
    static HINTS: std::sync::LazyLock<Option<(AhoCorasick, Vec<u8>, u8)>> =
        std::sync::LazyLock::new(|| {
            let mut words: Vec<&str> = Vec::new();
            let mut kinds: Vec<u8> = Vec::new();
            let mut always = 0;
            let all = FRAMEWORK_HINTS
                .iter()
                .map(|h| (*h, FRAMEWORK))
                .chain(log_hints().map(|h| (h, LOG)))
                .chain(tracker_hints().map(|h| (h, TRACKER)));
            for (h, k) in all {
                // Searched in lower-cased text: a hint with a capital never matches.
                if h.is_empty() {
                    always |= k;
                }
                if h.is_empty() || h != h.to_ascii_lowercase() {
                    continue;
                }
                words.push(h);
                kinds.push(k);
            }
            let ac = aho_corasick::AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .build(&words)
                .ok()?;
            Some((ac, kinds, always))
        });
    let Some((ac, kinds, always)) = HINTS.as_ref() else {
        // Never expected (a few dozen short words): search for each hint instead.
        fn any(file: &FileCx<'_>, mut hs: impl Iterator<Item = &'static str>) -> bool {
            hs.any(|h| h == h.to_ascii_lowercase() && file.mentions(h))
        }
        return u8::from(any(file, FRAMEWORK_HINTS.iter().copied())) * FRAMEWORK
            | u8::from(any(file, log_hints())) * LOG
            | u8::from(any(file, tracker_hints())) * TRACKER;
    };
    let mut found = *always;
    for m in ac.find_overlapping_iter(file.lower()) {
        found |= kinds[m.pattern().as_usize()];
        if found == FRAMEWORK | LOG | TRACKER {
            break;
        }
    }
    found
}

/// Records a fact where this thread's [`Mode`] sends it.
fn fact(file: &mut FileCx<'_>, range: Range<usize>, msg: impl Into<String>) {
    MODE.with(|m| match &mut *m.borrow_mut() {
        Mode::Off | Mode::Gather(None) => {}
        Mode::Walk => {
            file.report(&FACT, range, msg);
        }
        Mode::Gather(Some(f)) => f.facts.push((range, msg.into())),
    });
}

/// Puts this thread in [`Mode::Walk`] until dropped, then back in the mode it was in.
struct WalkMode(Option<Mode>);

impl WalkMode {
    fn start() -> WalkMode {
        WalkMode(Some(
            MODE.with(|m| std::mem::replace(&mut *m.borrow_mut(), Mode::Walk)),
        ))
    }
}

impl Drop for WalkMode {
    fn drop(&mut self) {
        if let Some(prev) = self.0.take() {
            MODE.with(|m| *m.borrow_mut() = prev);
        }
    }
}

/// The nodes [`fact_py`] is called on.
pub(crate) const FACT_PY_ON: crate::lang::On =
    crate::lang::On::Kinds(&["module", "call", "assignment"]);

fn fact_py(cx: &mut PyCx<'_, '_>, node: Node<'_>) {
    match node.k() {
        "module" => {
            gather_root(cx.file);
            if LOG_PY.iter().any(|m| cx.imports_module(m)) {
                fact(cx.file, 0..0, "log");
            }
            if TRACK_PY.iter().any(|m| cx.imports_module(m)) {
                fact(cx.file, 0..0, "track");
            }
        }
        "call" => {
            let Some(callee) = cx.resolved_callee(node) else {
                return;
            };
            if let Some((_, fw)) = ENTRY_PY.iter().find(|(p, _)| *p == callee) {
                fact(cx.file, node.byte_range(), format!("entry:{fw}"));
            }
            // `app.logger.error(...)` (Flask/Quart/Sanic loggers are stdlib loggers).
            let mut parts = callee.rsplit('.');
            let (level, owner) = (parts.next(), parts.next());
            if owner == Some("logger")
                && level.is_some_and(|l| {
                    matches!(
                        l,
                        "debug" | "info" | "warning" | "warn" | "error" | "exception" | "critical"
                    )
                })
            {
                fact(cx.file, 0..0, "log");
            }
        }
        // Django's `LOGGING = {...}` / `LOGGING_CONFIG` settings.
        "assignment" => {
            let top_level = node
                .up()
                .and_then(|p| p.up())
                .is_some_and(|g| g.k() == "module");
            let left = node.field("left").map(|l| cx.text(l)).unwrap_or("");
            if top_level && (left == "LOGGING" || left == "LOGGING_CONFIG") {
                fact(cx.file, 0..0, "log");
            }
        }
        _ => {}
    }
}

const LOG_JS: &[&str] = &[
    "winston",
    "pino",
    "pino-http",
    "bunyan",
    "morgan",
    "log4js",
    "loglevel",
    "signale",
    "consola",
    "roarr",
    "tslog",
    "express-winston",
    "nestjs-pino",
];

fn js_module_fact(cx: &mut JsCx<'_, '_>, module: &str) {
    let m = norm(module);
    // `dd-trace/init`, `@sentry/node`, `pino/file`: the package is the first one or two segments.
    let pkg = if m.starts_with('@') {
        m.splitn(3, '/').take(2).collect::<Vec<_>>().join("/")
    } else {
        m.split('/').next().unwrap_or(&m).to_owned()
    };
    if LOG_JS.contains(&pkg.as_str()) {
        fact(cx.file, 0..0, "log");
    }
    if is_tracker_dep(&pkg) {
        fact(cx.file, 0..0, "track");
    }
}

fn require_module<'s>(src: &'s str, call: Node<'_>) -> Option<&'s str> {
    let f = call.field("function")?;
    if js::node_text(src, f) != "require" {
        return None;
    }
    js::string_value(src, *js::call_args(call).first()?)
}

/// The nodes [`fact_js`] is called on.
pub(crate) const FACT_JS_ON: crate::lang::On = crate::lang::On::Kinds(&[
    "program",
    "import_statement",
    "call_expression",
    "new_expression",
]);

fn fact_js(cx: &mut JsCx<'_, '_>, node: Node<'_>) {
    let src = cx.src;
    match node.k() {
        "program" => gather_root(cx.file),
        "import_statement" => {
            if let Some(s) = node.field("source").and_then(|s| js::string_value(src, s)) {
                js_module_fact(cx, s);
            }
        }
        "call_expression" => {
            if let Some(m) = require_module(src, node) {
                js_module_fact(cx, m);
                return;
            }
            // `require("express")()`
            let f = node.field("function");
            let callee = match f.filter(|f| f.k() == "call_expression") {
                Some(inner) => require_module(src, inner).map(str::to_owned),
                None => cx.resolved_callee(node),
            };
            let Some(callee) = callee else { return };
            let fw = match callee.as_str() {
                "express" | "express.default" => "Express",
                "fastify" | "fastify.default" | "fastify.fastify" => "Fastify",
                "@nestjs/core.NestFactory.create" => "NestJS",
                "@hapi/hapi.server" | "@hapi/hapi.Server" => "hapi",
                _ => return,
            };
            fact(cx.file, node.byte_range(), format!("entry:{fw}"));
            if fw == "NestJS" {
                // Nest's built-in logger is on unless `logger: false`.
                fact(cx.file, 0..0, "log");
            }
            if fw == "Fastify" {
                let opts = js::call_args(node).into_iter().next();
                let logger = opts.and_then(|o| js::object_property(src, o, "logger"));
                if logger.is_some_and(|l| js::node_text(src, l) != "false") {
                    fact(cx.file, 0..0, "log");
                }
            }
        }
        "new_expression" => {
            let Some(ctor) = node.field("constructor") else {
                return;
            };
            let name = js::node_text(src, ctor);
            let module = cx.import_of(name).map(|i| i.module.clone());
            let fw = match module.as_deref() {
                Some("koa") => "Koa",
                Some("hono") => "Hono",
                _ => return,
            };
            fact(cx.file, node.byte_range(), format!("entry:{fw}"));
        }
        _ => {}
    }
}

const ENTRY_RS: &[(&str, &str)] = &[
    ("axum::serve", "axum"),
    ("axum::Server::bind", "axum"),
    ("axum_server::bind", "axum"),
    ("axum_server::bind_rustls", "axum"),
    ("actix_web::HttpServer::new", "actix-web"),
    ("rocket::build", "Rocket"),
    ("rocket::custom", "Rocket"),
    ("warp::serve", "warp"),
    ("poem::Server::new", "poem"),
    ("salvo::Server::new", "salvo"),
    ("tide::new", "tide"),
];

fn fact_rust(cx: &mut RustCx<'_, '_, '_>, node: RustNode<'_>) {
    if cx.in_test() {
        return;
    }
    match node {
        RustNode::Expr(syn::Expr::Call(call)) => {
            let syn::Expr::Path(p) = &*call.func else {
                return;
            };
            let path = cx.resolve_path(&p.path);
            if let Some((_, fw)) = ENTRY_RS.iter().find(|(x, _)| *x == path) {
                let r = cx.range_of(call);
                cx.report(&FACT, r, format!("entry:{fw}"));
            }
        }
        RustNode::Item(syn::Item::Fn(f)) => {
            let launch = f.attrs.iter().any(|a| {
                let p = cx.resolve_path(a.path());
                p == "rocket::launch" || p == "launch"
            });
            if launch && cx.uses.values().any(|u| u.starts_with("rocket")) {
                let r = cx.range_of(&f.sig);
                cx.report(&FACT, r, "entry:Rocket");
            }
        }
        _ => {}
    }
}

/// The fact checks, registered with the file pass too (they gather only in a scan's file pass,
/// see [`gather_begin`]).
pub(crate) static PY_CHECK: &[PyCheck] = &[PyCheck {
    rules: super::MONITORING,
    on: FACT_PY_ON,
    run: fact_py,
}];
pub(crate) static JS_CHECK: &[JsCheck] = &[JsCheck {
    rules: super::MONITORING,
    on: FACT_JS_ON,
    run: fact_js,
}];
static RS_CHECK: &[RustCheck] = &[RustCheck {
    rules: super::MONITORING,
    run: fact_rust,
}];

/// Words a file must contain to possibly start a service: the frameworks' module names (an
/// entry point imports or requires its framework).
const FRAMEWORK_HINTS: &[&str] = &[
    "flask",
    "fastapi",
    "django",
    "starlette",
    "quart",
    "sanic",
    "litestar",
    "aiohttp",
    "falcon",
    "bottle",
    "tornado",
    "express",
    "fastify",
    "nestjs",
    "koa",
    "hapi",
    "hono",
    "axum",
    "actix",
    "rocket",
    "warp",
    "poem",
    "salvo",
    "tide",
];

/// Words a file must contain to possibly set up logging: the logger modules' names, and
/// `logger` for framework loggers (`app.logger.error(..)`).
fn log_hints() -> impl Iterator<Item = &'static str> {
    LOG_PY.iter().chain(LOG_JS).copied().chain(["logger"])
}

/// Words a file must contain to possibly set up error tracking: the trackers' module names.
fn tracker_hints() -> impl Iterator<Item = &'static str> {
    TRACK_PY.iter().chain(TRACKER_DEPS).copied().chain(
        TRACKER_PREFIXES
            .iter()
            .map(|p| p.trim_start_matches('@').trim_end_matches(['-', '/'])),
    )
}

/// Launchers that initialise an agent around the process (`ddtrace-run gunicorn ...`).
const LAUNCHERS: &[&str] = &[
    "ddtrace-run",
    "opentelemetry-instrument",
    "newrelic-admin",
    "dd-trace/init",
    "@opentelemetry/auto-instrumentations-node",
    "elastic-apm-node/start",
    "-r newrelic",
    "--require newrelic",
];

/// Words an entry point's file contains (case-sensitive): the name of the call that starts the
/// service, which appears in the call or in its import even when the module is aliased.
fn entry_words() -> Vec<&'static str> {
    let py = ENTRY_PY
        .iter()
        .map(|(callee, _)| callee.rsplit('.').next().unwrap_or(callee));
    py.chain(["express", "fastify", "NestFactory", "hapi", "koa", "hono"])
        .chain(RUST_ENTRY_WORDS.iter().copied())
        .collect()
}

/// Words every Rust entry point in [`ENTRY_RS`] contains.
const RUST_ENTRY_WORDS: &[&str] = &[
    "serve(",
    "Server::",
    "HttpServer",
    "launch]",
    "rocket::build",
    "rocket::custom",
    "tide::new",
];

const MAX_FILES: usize = 5_000;
/// Entry points and set-up code are small, hand-written files.
const MAX_SIZE: u64 = 256 * 1024;

/// Front-end asset directories: browser code there neither starts the service nor logs for it.
fn in_asset_dir(rel: &Path) -> bool {
    rel.components().any(|c| {
        matches!(
            c.as_os_str()
                .to_string_lossy()
                .to_ascii_lowercase()
                .as_str(),
            "static"
                | "public"
                | "assets"
                | "vendor"
                | "www"
                | "wwwroot"
                | "htdocs"
                | "dist"
                | "build"
        )
    }) || rel
        .file_name()
        .is_some_and(|n| n.to_string_lossy().contains(".min."))
}

/// Tests: the facts the walk reports for one file, as (range, message), sorted.
#[cfg(test)]
pub(crate) fn file_facts(
    path: &Path,
    text: &str,
    kind: FileKind,
    config: &Config,
) -> Vec<(usize, usize, String)> {
    let mut cx = FileCx::new(path, text, kind, config);
    let _mode = WalkMode::start();
    match kind {
        FileKind::Python => crate::lang::python::run(&mut cx, PY_CHECK),
        k if k.is_js_like() => crate::lang::js::run(&mut cx, JS_CHECK),
        _ => {}
    }
    let mut v: Vec<_> = cx
        .findings
        .iter()
        .filter(|f| std::ptr::eq(f.rule, &FACT))
        .map(|f| (f.range.start, f.range.end, f.message.clone()))
        .collect();
    v.sort();
    v
}

fn walk_code(path: &Path, text: &str, kind: FileKind, config: &Config, facts: &mut Facts) {
    let mut cx = FileCx::new(path, text, kind, config);
    cx.is_test = false;
    {
        let _mode = WalkMode::start();
        match kind {
            FileKind::Python => crate::lang::python::run(&mut cx, PY_CHECK),
            k if k.is_js_like() => crate::lang::js::run(&mut cx, JS_CHECK),
            FileKind::Rust => crate::lang::rust::run(&mut cx, RS_CHECK),
            _ => {}
        }
    }
    let found = cx
        .findings
        .iter()
        .filter(|f| std::ptr::eq(f.rule, &FACT))
        .map(|f| (&f.range, f.message.as_str()));
    apply_facts(path, found, facts);
}

/// Merges one file's facts (as the walk reports them) into `facts`.
fn apply_facts<'a>(
    path: &Path,
    found: impl Iterator<Item = (&'a Range<usize>, &'a str)>,
    facts: &mut Facts,
) {
    for (range, message) in found {
        match message {
            "log" => facts.logging = true,
            "track" => facts.tracker = true,
            m => {
                if let Some(fw) = m.strip_prefix("entry:") {
                    // Prefer the shallowest entry point (the service's, not a sub-app's).
                    let depth = path.components().count();
                    let better = facts
                        .entry
                        .as_ref()
                        .is_none_or(|e| depth < e.path.components().count());
                    if better {
                        facts.entry = Some(Entry {
                            path: path.to_owned(),
                            range: range.clone(),
                            framework: fw.to_owned(),
                        });
                    }
                }
            }
        }
    }
}

/// Walks, in parallel chunks, the candidate files not walked yet whose lower-cased text contains
/// one of `hints` (and whose text contains one of `words`, when given), merging their facts into `facts`; stops early once `done(facts)` holds or
/// [`MAX_FILES`] files were walked.
#[allow(clippy::too_many_arguments)]
fn walk_matching(
    candidates: &[(&PathBuf, FileKind)],
    walked: &mut [bool],
    hints: &[&str],
    words: &[&str],
    gathered: (
        &HashMap<PathBuf, FileMon>,
        &(dyn Fn(&FileMon) -> bool + Sync),
    ),
    config: &Config,
    facts: &mut Facts,
    done: impl Fn(&Facts) -> bool,
) {
    use rayon::prelude::*;
    let (gathered, passes) = gathered;
    let mut scanned = 0;
    let indices: Vec<usize> = (0..candidates.len()).filter(|i| !walked[*i]).collect();
    for chunk in indices.chunks(64) {
        let found: Vec<(usize, Option<Facts>)> = chunk
            .par_iter()
            .map(|&i| {
                let (abs, kind) = candidates[i];
                // What the file pass gathered answers the same tests without reading the file.
                let f = match gathered.get(abs) {
                    Some(mon) => passes(mon).then(|| {
                        let mut f = Facts::default();
                        let found = mon.facts.iter().map(|(r, m)| (r, m.as_str()));
                        apply_facts(abs, found, &mut f);
                        f
                    }),
                    None => walk_if_hinted(abs, kind, hints, words, config),
                };
                (i, f)
            })
            .collect();
        for (i, f) in found {
            let Some(f) = f else { continue };
            walked[i] = true;
            scanned += 1;
            facts.logging |= f.logging;
            facts.tracker |= f.tracker;
            if let Some(e) = f.entry {
                // Prefer the shallowest entry point (the service's, not a sub-app's); ties go
                // to the first in path order, as in a sequential scan.
                let better = facts
                    .entry
                    .as_ref()
                    .is_none_or(|cur| e.path.components().count() < cur.path.components().count());
                if better {
                    facts.entry = Some(e);
                }
            }
        }
        if scanned > MAX_FILES || done(facts) {
            break;
        }
    }
}

/// The facts of one file when its text contains one of `hints` (None when it does not, or
/// cannot be read, or is too big to be set-up code).
fn walk_if_hinted(
    abs: &Path,
    kind: FileKind,
    hints: &[&str],
    words: &[&str],
    config: &Config,
) -> Option<Facts> {
    if std::fs::metadata(abs).map(|m| m.len()).unwrap_or(u64::MAX) > MAX_SIZE {
        return None;
    }
    let text = std::fs::read_to_string(abs).ok()?;
    if !words.is_empty() && !words.iter().any(|w| text.contains(w)) {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    if !hints.iter().any(|h| lower.contains(h)) {
        return None;
    }
    // Rust files are only parsed for entry points (logging and trackers come from Cargo.toml),
    // and syn is the costliest parser: require a server-starting word.
    if kind == FileKind::Rust && !RUST_ENTRY_WORDS.iter().any(|w| text.contains(w)) {
        return None;
    }
    let mut f = Facts::default();
    walk_code(abs, &text, kind, config, &mut f);
    Some(f)
}

/// The facts of project `p`; `gathered` holds what the scan's file pass gathered (see
/// [`gather_begin`]), by file: those files are not read again.
pub(crate) fn collect(p: &Project, config: &Config, gathered: &HashMap<PathBuf, FileMon>) -> Facts {
    let mut facts = Facts::default();
    for (abs, rel) in &p.files {
        if crate::source::is_test_path(rel) || project::in_sample_dir(rel) {
            continue;
        }
        let name = rel
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let deps_file = name == "cargo.toml"
            || name == "package.json"
            || name == "pyproject.toml"
            || name == "pipfile"
            || (name.starts_with("requirements") && name.ends_with(".txt"));
        if deps_file {
            if let Ok(text) = std::fs::read_to_string(abs) {
                for d in manifest_deps(&name, &text) {
                    facts.logging |= is_log_dep(&d);
                    facts.tracker |= is_tracker_dep(&d);
                }
            }
        }
        let kind = FileKind::detect(rel);
        if kind == FileKind::Dockerfile || name == "procfile" {
            if let Ok(text) = std::fs::read_to_string(abs) {
                facts.tracker |= LAUNCHERS.iter().any(|l| text.contains(l));
            }
        }
    }
    if facts.logging && facts.tracker {
        // Both signals come from the manifests: nothing could be reported, the entry point
        // does not matter.
        return facts;
    }
    let candidates: Vec<(&PathBuf, FileKind)> = p
        .files
        .iter()
        .filter(|(_, rel)| !crate::source::is_test_path(rel) && !project::in_sample_dir(rel))
        .map(|(abs, rel)| (abs, FileKind::detect(rel), rel))
        .filter(|(_, kind, rel)| {
            (*kind == FileKind::Python || *kind == FileKind::Rust || kind.is_js_like())
                && !in_asset_dir(rel)
        })
        .map(|(abs, kind, _)| (abs, kind))
        .collect();
    // Phase 1: files that may start a service (they name a framework). Every such file is
    // walked, so the shallowest entry point wins; they also give logging/tracking facts.
    let mut walked = vec![false; candidates.len()];
    let entry_words = entry_words();
    walk_matching(
        &candidates,
        &mut walked,
        FRAMEWORK_HINTS,
        &entry_words,
        (gathered, &|m| m.small && m.framework),
        config,
        &mut facts,
        |_| false,
    );
    if facts.entry.is_none() {
        // No service starts here: nothing to report, so no need to look for loggers.
        return facts;
    }
    // Phase 2: the remaining files that mention a logger or tracker still unknown, until both
    // are known.
    let mut hints: Vec<&str> = Vec::new();
    if !facts.logging {
        hints.extend(log_hints());
    }
    if !facts.tracker {
        hints.extend(tracker_hints());
    }
    let (need_log, need_tracker) = (!facts.logging, !facts.tracker);
    walk_matching(
        &candidates,
        &mut walked,
        &hints,
        &[],
        (gathered, &|m| {
            m.small && (need_log && m.log_hint || need_tracker && m.tracker_hint)
        }),
        config,
        &mut facts,
        |f| f.logging && f.tracker,
    );
    facts
}

/// Reports `rule` at the entry point.
pub fn report_at_entry(
    pcx: &mut crate::lang::ProjectCx<'_>,
    entry: &Entry,
    rule: &'static RuleMeta,
    msg: &str,
    help: &str,
) {
    let Ok(text) = std::fs::read_to_string(&entry.path) else {
        return;
    };
    let range = entry.range.clone();
    pcx.with_file(&entry.path, &text, |cx| {
        // Underline the first line of the call only.
        let end = cx.text[range.start.min(cx.text.len())..]
            .find('\n')
            .map(|p| range.start + p)
            .unwrap_or(range.end)
            .min(range.end);
        cx.report(rule, range.start..end, msg).help(help);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests() {
        let c = manifest_deps(
            "cargo.toml",
            "[dependencies]\naxum = \"0.7\"\ntracing_subscriber = { version = \"0.3\" }\nerr = { package = \"sentry\", version = \"0.34\" }\n[dev-dependencies]\nenv_logger = \"0.11\"\n",
        );
        assert!(c.contains(&"tracing-subscriber".to_owned()));
        assert!(c.contains(&"sentry".to_owned()));
        assert!(!c.contains(&"env-logger".to_owned()));
        let r = manifest_deps(
            "requirements.txt",
            "# x\nsentry-sdk[flask]==2.0\n-r base.txt\nFlask>=3\n",
        );
        assert_eq!(r, ["sentry-sdk", "flask"]);
        let p = manifest_deps(
            "pyproject.toml",
            "[project]\ndependencies = [\"structlog>=24\", \"fastapi\"]\n",
        );
        assert_eq!(p, ["structlog", "fastapi"]);
        assert!(is_tracker_dep("@sentry/node"));
        assert!(is_tracker_dep("opentelemetry-sdk"));
        assert!(!is_tracker_dep("express"));
    }
}
