//! The project pass of the access rules: facts that live in other files than the routes they
//! protect, gathered once per scan, then applied to the routes whose protection depends on them.
//!
//! - Express/Koa: routers exported by one module and mounted by another (`app.use('/api',
//!   requireAuth, router)`, `app.use(auth)` before the mount, nested routers), imports and
//!   `require`s resolved by relative path.
//! - NestJS: global guards (`{ provide: APP_GUARD, useClass: .. }`, `app.useGlobalGuards(..)`),
//!   `@Public()`-style opt-outs, `consumer.apply(..)` middleware.
//! - Next.js: `middleware.ts`/`proxy.ts` next to `app/`/`pages/`, whether it checks the session,
//!   and its `config.matcher`.
//! - Django: `DEFAULT_PERMISSION_CLASSES`, `LoginRequiredMiddleware`, `login_required(view)` in
//!   urls.py.
//! - FastAPI: `include_router(router, prefix=.., dependencies=[..])` in another module.
//!
//! Routes whose protection may come from another file are marked `cross_file` by the
//! extractors. The file pass (also what the editor runs per keystroke) stays silent on them; the
//! project pass re-runs the extractors on the files holding such routes with the facts below and
//! reports only those routes. Unknown or dynamic wiring leaves the route as the file shows it.

use super::model::{self, Guard, GuardKind, Level, Options, Reached, Route};
use super::routes_js;
use super::routes_py;
use crate::finding::Related;
use crate::lang::js::{self, node_text, JsCx};
use crate::lang::python::{self as py, PyCx};
use crate::lang::rust::RustCx;
use crate::lang::{walk_named, NodeExt, Order, Visit};
use crate::lang::{JsCheck, ProjectCx, PyCheck, RustCheck};
use crate::source::{FileKind, LineIndex};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use tree_sitter::Node;

enum State {
    /// A file on its own (the file pass, the editor).
    File,
    /// The file pass of a scan, which also gathers the project pass's facts (see
    /// [`file_facts_begin`]).
    FileAndFacts(Box<Facts>),
    /// The project pass gathering facts.
    Facts(Box<Facts>),
    /// The project pass reporting cross-file routes.
    Report(Arc<Facts>),
}

/// Puts the thread back in file mode when dropped, also on a panic (the editor's file pass may
/// run next on this thread).
struct FileModeOnDrop;

impl Drop for FileModeOnDrop {
    fn drop(&mut self) {
        STATE.with(|s| *s.borrow_mut() = State::File);
    }
}

thread_local! {
    static STATE: RefCell<State> = const { RefCell::new(State::File) };
}

/// Whether the current walk is the file pass.
pub(super) fn file_mode() -> bool {
    STATE.with(|s| matches!(&*s.borrow(), State::File | State::FileAndFacts(_)))
}

/// The file pass of a scan gathers the facts the project pass needs from each file it checks,
/// so that pass does not parse the file again: call before checking a file on this thread, and
/// [`file_facts_end`] after. `scopes` are the apps of the scan ([`scopes_of`]).
pub(crate) fn file_facts_begin(scopes: &Arc<Vec<PathBuf>>) {
    let f = Facts {
        scopes: scopes.clone(),
        ..Facts::default()
    };
    STATE.with(|s| *s.borrow_mut() = State::FileAndFacts(Box::new(f)));
}

/// The facts gathered since [`file_facts_begin`] (and the thread back in file mode): None when
/// the route checks did not walk the file (a cached result, a Rust file, a check that failed),
/// which leaves it to the project pass.
pub(crate) fn file_facts_end() -> Option<FileFacts> {
    match STATE.with(|s| std::mem::replace(&mut *s.borrow_mut(), State::File)) {
        State::FileAndFacts(f) if f.walked => Some(FileFacts(f)),
        _ => None,
    }
}

/// A check failed on the file being gathered: its facts are left to the project pass (which
/// loses that file's facts the same way).
pub(crate) fn file_facts_forget() {
    STATE.with(|s| {
        if let State::FileAndFacts(f) = &mut *s.borrow_mut() {
            f.walked = false;
        }
    });
}

/// One file's facts, gathered by the file pass.
pub(crate) struct FileFacts(Box<Facts>);

/// The apps of a scan: directories holding a `package.json`, `manage.py`, Python project file
/// or `Cargo.toml`.
pub(crate) fn scopes_of(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut scopes = Vec::new();
    for f in files {
        if matches!(
            f.file_name().and_then(|n| n.to_str()),
            Some(
                "package.json"
                    | "manage.py"
                    | "pyproject.toml"
                    | "setup.py"
                    | "setup.cfg"
                    | "requirements.txt"
                    | "Cargo.toml"
            )
        ) {
            if let Some(d) = f.parent() {
                scopes.push(normalize(d));
            }
        }
    }
    scopes
}

/// A middleware-like argument of a `use()` call, classified as far as its own file shows.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Class {
    Guard(String),
    Benign,
    Unknown,
}

#[derive(Clone, Debug)]
enum Target {
    Local(String),
    Import { module: String, member: String },
}

#[derive(Clone, Debug)]
enum Item {
    /// A router (or something that may be one, when `target` resolves to a router export).
    Ref {
        target: Option<Target>,
        class: Class,
    },
}

struct UseFact {
    receiver: String,
    prefix: Option<String>,
    items: Vec<Item>,
    at: usize,
    site: Related,
}

impl UseFact {
    /// A fact with one item: `receiver` mounts `target` (a router, an app, a plugin, a route
    /// module) or applies middleware of class `class`, at byte `at` of its file.
    fn one(
        receiver: String,
        prefix: Option<String>,
        target: Option<Target>,
        class: Class,
        at: usize,
        site: Related,
    ) -> UseFact {
        UseFact {
            receiver,
            prefix,
            items: vec![Item::Ref { target, class }],
            at,
            site,
        }
    }
}

#[derive(Default)]
struct JsFile {
    apps: HashSet<String>,
    routers: HashSet<String>,
    /// Export name (`default` for `module.exports =`/`export default`) -> local name.
    exports: HashMap<String, String>,
    uses: Vec<UseFact>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Matchers {
    All,
    List(Vec<String>),
    /// Not evaluated: assumed to cover every path.
    Complex,
}

struct NextMw {
    auth: bool,
    matchers: Matchers,
    site: Related,
}

#[derive(Default)]
struct Django {
    settings: Option<Related>,
    /// `Some(true)`: `DEFAULT_PERMISSION_CLASSES` requires something; `Some(false)`: AllowAny or
    /// unset; `None`: not known (set dynamically).
    drf_protected: Option<bool>,
    drf_seen: bool,
    drf_dynamic: bool,
    login_mw: Option<String>,
    /// `login_required(view)` and other wrappers in urls.py, by view name.
    wrapped: HashSet<String>,
}

struct PyInclude {
    receiver: String,
    target: String,
    prefix: Option<String>,
    guard: Option<String>,
    unknown: bool,
    site: Related,
}

#[derive(Default)]
struct PyFile {
    apps: HashSet<String>,
    routers: HashSet<String>,
    /// Local name -> dotted import (`items` -> `app.api.routes.items`).
    imports: HashMap<String, String>,
    includes: Vec<PyInclude>,
    /// Routers/apps built with `dependencies=[..]`: true when a guard is among them, false when
    /// only dependencies of unknown purpose are.
    built_with: HashMap<String, bool>,
    /// The app has an auth middleware (Some(name)) or one of unknown purpose.
    app_guard: Option<String>,
    app_unknown: bool,
    /// Flask: a blueprint registers a guard for the whole app (`@bp.before_app_request`).
    app_wide_guard: Option<String>,
}

/// A router built by a function call and mounted in a chain (`.nest("/api", api::routes())`).
struct RsMount {
    /// The called function's path as written (`api::routes`).
    target: Vec<String>,
    /// Prefix from the `nest` calls around it in its chain.
    prefix: String,
    /// An auth layer applied after the mount in its chain.
    guard: Option<String>,
    /// A layer of unknown purpose applied after it.
    unknown: bool,
    /// The chain is served from this file (the app itself).
    rooted: bool,
    /// The function holding the chain, when not rooted (its own callers mount it).
    func: Option<String>,
    site: Related,
}

#[derive(Default)]
struct RsFile {
    /// Module path within its crate (`src/api/users.rs` -> `api::users`).
    module: Vec<String>,
    uses: HashMap<String, String>,
    /// Functions building a router that is not served in this file.
    router_fns: HashSet<String>,
    mounts: Vec<RsMount>,
}

/// Module path aliases of a TypeScript/JavaScript project (`compilerOptions.paths` and `baseUrl`
/// of a `tsconfig.json`/`jsconfig.json`): `@/routes/users` -> `src/routes/users`.
struct TsPaths {
    /// The directory holding the config: it applies to files under it.
    dir: PathBuf,
    /// `baseUrl` (the config's directory when unset): what path targets are relative to.
    base: PathBuf,
    has_base_url: bool,
    /// (pattern, targets), e.g. ("@/*", ["./src/*"]).
    paths: Vec<(String, Vec<String>)>,
}

impl TsPaths {
    fn read(config: &Path, text: &str) -> Option<TsPaths> {
        let mut text = text.to_owned();
        json_strip_comments::strip(&mut text).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        let opts = v.get("compilerOptions")?;
        let dir = normalize(config.parent()?);
        let base_url = opts.get("baseUrl").and_then(|b| b.as_str());
        let paths: Vec<(String, Vec<String>)> = opts
            .get("paths")
            .and_then(|p| p.as_object())
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let targets = v
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .filter_map(|t| t.as_str().map(str::to_owned))
                                    .collect()
                            })
                            .unwrap_or_default();
                        (k.clone(), targets)
                    })
                    .collect()
            })
            .unwrap_or_default();
        if base_url.is_none() && paths.is_empty() {
            return None;
        }
        Some(TsPaths {
            base: normalize(&dir.join(base_url.unwrap_or("."))),
            dir,
            has_base_url: base_url.is_some(),
            paths,
        })
    }

    /// The paths (without extension) a module specifier may stand for.
    fn expand(&self, spec: &str) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for (pattern, targets) in &self.paths {
            let rest = match pattern.split_once('*') {
                Some((pre, post)) => spec
                    .strip_prefix(pre)
                    .and_then(|r| r.strip_suffix(post))
                    .map(str::to_owned),
                None => (spec == pattern).then(String::new),
            };
            let Some(rest) = rest else { continue };
            for t in targets {
                out.push(normalize(&self.base.join(t.replacen('*', &rest, 1))));
            }
        }
        if out.is_empty() && self.has_base_url {
            out.push(normalize(&self.base.join(spec)));
        }
        out
    }
}

/// Facts of the whole project.
#[derive(Default)]
pub(crate) struct Facts {
    js: HashMap<PathBuf, JsFile>,
    py: HashMap<PathBuf, PyFile>,
    /// Directories holding a `package.json`, `manage.py` or Python project file (`pyproject.toml`,
    /// `setup.py`, `requirements.txt`): one app each (a monorepo holds several); app-wide facts
    /// (global guards, settings) apply within their app only.
    scopes: Arc<Vec<PathBuf>>,
    /// The file pass reached the route checks on this file (see [`file_facts_begin`]).
    walked: bool,
    /// (app, framework) pairs where some route carries an authentication guard.
    auth_seen: HashSet<(PathBuf, &'static str)>,
    /// Files holding routes whose protection depends on other files.
    cross: HashSet<PathBuf>,
    nest: HashMap<PathBuf, Nest>,
    next_mw: HashMap<PathBuf, NextMw>,
    django: HashMap<PathBuf, Django>,
    /// Built once after the facts phase: where each (file, router) is mounted, as (mounting
    /// file, index of the `use()` call, index of the item).
    js_mounts: HashMap<(PathBuf, String), Vec<(PathBuf, usize, usize)>>,
    /// `use()` items that mount a router (not middleware).
    js_mount_items: HashSet<(PathBuf, usize, usize)>,
    /// Where each (file, router) is included (FastAPI) or registered (Flask): (including file,
    /// index of the call).
    py_mounts: HashMap<(PathBuf, String), Vec<(PathBuf, usize)>>,
    /// Apps (scopes) where a Flask blueprint guards every request (`before_app_request`).
    py_app_wide: HashSet<PathBuf>,
    rs: HashMap<PathBuf, RsFile>,
    ts_paths: Vec<TsPaths>,
    /// Where each (file, function) building an axum router is mounted: (mounting file, index
    /// of the mount).
    rs_mounts: HashMap<(PathBuf, String), Vec<(PathBuf, usize)>>,
}

#[derive(Default)]
struct Nest {
    global: Option<(String, Related)>,
    /// A `@Public()`-style opt-out or `consumer.apply(..)` middleware: protection exists that
    /// is not evaluated.
    unknown: bool,
}

/// `a/./b/../c` -> `a/c` (no file system access).
fn normalize(p: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.last(), Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push(c);
                }
            }
            c => out.push(c),
        }
    }
    out.iter().collect()
}

fn related_at(path: &Path, text: &str, range: std::ops::Range<usize>, msg: String) -> Related {
    let index = LineIndex::new(text);
    let start = index.line_col(text, range.start.min(text.len()));
    Related {
        path: path.to_owned(),
        range,
        start,
        message: msg,
    }
}

impl Facts {
    /// Adds the facts of files walked after this part's (`later`): per-file facts are unions,
    /// per-app facts keep the first file's value where a serial walk would.
    fn merge(mut self, later: Facts) -> Facts {
        self.js.extend(later.js);
        self.py.extend(later.py);
        self.rs.extend(later.rs);
        self.auth_seen.extend(later.auth_seen);
        self.cross.extend(later.cross);
        self.next_mw.extend(later.next_mw);
        for (scope, n) in later.nest {
            let mine = self.nest.entry(scope).or_default();
            if mine.global.is_none() {
                mine.global = n.global;
            }
            mine.unknown |= n.unknown;
        }
        for (scope, d) in later.django {
            let mine = self.django.entry(scope).or_default();
            if mine.settings.is_none() {
                mine.settings = d.settings;
            }
            mine.drf_protected = match (mine.drf_protected, d.drf_protected) {
                (Some(a), Some(b)) => Some(a || b),
                (a, b) => a.or(b),
            };
            mine.drf_seen |= d.drf_seen;
            mine.drf_dynamic |= d.drf_dynamic;
            if mine.login_mw.is_none() {
                mine.login_mw = d.login_mw;
            }
            mine.wrapped.extend(d.wrapped);
        }
        self
    }

    /// The app a file belongs to: its nearest directory holding `package.json`/`manage.py`.
    fn scope_of(&self, path: &Path) -> PathBuf {
        self.scopes
            .iter()
            .filter(|s| path.starts_with(s))
            .max_by_key(|s| s.components().count())
            .cloned()
            .unwrap_or_default()
    }

    fn seen(&self, path: &Path, framework: &'static str) -> bool {
        self.auth_seen.contains(&(self.scope_of(path), framework))
    }
}

// ------------------------------------------------------------------ the pass

static JS_FACTS: &[JsCheck] = &[JsCheck {
    rules: super::RULES,
    on: super::JS_ON,
    run: super::check_js,
}];
static RS_FACTS: &[RustCheck] = &[RustCheck {
    rules: super::RULES,
    run: super::check_rust,
}];
static PY_FACTS: &[PyCheck] = &[PyCheck {
    rules: super::RULES,
    on: super::PY_ON,
    run: super::check_py,
}];

/// Cheap text prefilter: files that may hold routes, mounts, guards or settings.
fn js_relevant(path: &Path, text: &str) -> bool {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    matches!(stem, "middleware" | "proxy" | "route")
        || path
            .components()
            .any(|c| c.as_os_str() == "pages" || c.as_os_str() == "api")
            && text.contains("export default")
        || [
            "Router",
            "express",
            "koa",
            "hono",
            "fastify",
            "@Controller",
            "APP_GUARD",
            "useGlobalGuards",
            "forRoutes",
            "SetMetadata",
            "NestFactory",
        ]
        .iter()
        .any(|k| text.contains(k))
        // A module exporting a function that adds routes to the app it is given.
        || (text.contains("app.") || text.contains("router.") || text.contains("server."))
            && text.contains("export")
}

/// axum modules that build or mount routers, actix-web modules that configure services.
fn rs_relevant(text: &str) -> bool {
    (text.contains("axum")
        && (text.contains(".route(") || text.contains(".nest(") || text.contains(".merge(")))
        || (text.contains("actix_web")
            && (text.contains("ServiceConfig") || text.contains(".configure(")))
}

/// Whether a file may hold facts for the project pass (see the three prefilters).
fn relevant(path: &Path, kind: FileKind, text: &str) -> bool {
    match kind {
        FileKind::Python => py_relevant(text),
        FileKind::Rust => rs_relevant(text),
        k if k.is_js_like() => js_relevant(path, text),
        _ => false,
    }
}

fn py_relevant(text: &str) -> bool {
    let has = |keys: &[&str]| keys.iter().any(|k| text.contains(k));
    let fastapi = has(&["APIRouter", "FastAPI", "include_router"]);
    // Django: settings, URL confs, and modules with views (functions taking `request`, classes
    // based on a `...View`); models, forms and migrations are skipped.
    let django = has(&["django", "rest_framework"])
        && has(&[
            "REST_FRAMEWORK",
            "MIDDLEWARE",
            "urlpatterns",
            "request",
            "View",
        ]);
    // Flask: blueprints, where they are registered, and the hooks that guard them.
    let flask = has(&["flask", "bp."])
        && has(&[
            "Blueprint",
            "register_blueprint",
            "before_request",
            "before_app_request",
            ".route(",
            ".get(",
            ".post(",
            ".put(",
            ".patch(",
            ".delete(",
        ]);
    fastapi || django || flask
}

pub(crate) fn run(pcx: &mut ProjectCx<'_>) {
    let _file_mode = FileModeOnDrop;
    let config = pcx.config;
    // Files are kept by path only (texts are read again to report), so memory does not grow
    // with the tree.
    let read = |f: &Path| {
        crate::engine::read_text(f, config.max_file_size)
            .ok()
            .map(|r| r.text)
    };
    // Facts, in parallel: each worker gathers the facts of a run of files into its own
    // `Facts`, and the parts are merged in file order (so "the first settings file" means the
    // same as in a serial walk).
    let scopes = Arc::new(scopes_of(pcx.files));
    let empty = || Facts {
        scopes: scopes.clone(),
        ..Facts::default()
    };
    // The files the scan's file pass already gathered facts from are not parsed again.
    let mut file_facts = std::mem::take(
        &mut pcx
            .file_facts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .access,
    );
    let gathered: Vec<Option<FileFacts>> = pcx.files.iter().map(|f| file_facts.remove(f)).collect();
    let mut facts = {
        use rayon::prelude::*;
        pcx.files
            .par_iter()
            .zip(gathered)
            .fold(empty, |acc, (path, gathered)| {
                if let Some(FileFacts(f)) = gathered {
                    return acc.merge(*f);
                }
                let kind = FileKind::detect(path);
                if !(kind.is_js_like() || kind == FileKind::Python || kind == FileKind::Rust) {
                    return acc;
                }
                // The route checks skip test code (the file pass gathered nothing from it
                // either): no need to read or parse it.
                let is_test = !config.include_tests
                    && crate::source::is_test_path(crate::engine::rel_to_roots(path, pcx.roots));
                if is_test {
                    return acc;
                }
                let Some(text) = read(path) else { return acc };
                if !relevant(path, kind, &text) {
                    return acc;
                }
                // Each file's facts go to a part of their own, merged after the walk: a rule
                // that fails on one file loses that file's facts only.
                STATE.with(|s| *s.borrow_mut() = State::Facts(Box::new(empty())));
                let _file_mode = FileModeOnDrop;
                let mut cx = crate::engine::FileCx::new(path, &text, kind, config);
                cx.is_test = is_test;
                walk_file(&mut cx);
                drop(cx);
                match STATE.with(|s| std::mem::replace(&mut *s.borrow_mut(), State::File)) {
                    State::Facts(f) => acc.merge(*f),
                    _ => acc,
                }
            })
            .reduce(empty, Facts::merge)
    };
    for f in pcx.files {
        if matches!(
            f.file_name().and_then(|n| n.to_str()),
            Some("tsconfig.json" | "jsconfig.json")
        ) {
            if let Some(p) = read(f).and_then(|t| TsPaths::read(f, &t)) {
                facts.ts_paths.push(p);
            }
        }
    }
    facts.index();
    let facts: Arc<Facts> = Arc::new(facts);
    // Report, in parallel: each file is walked on a worker thread in report mode, and the
    // findings are added in path order.
    let config = pcx.config;
    let roots = pcx.roots;
    let files = pcx.files;
    let found: Vec<(&PathBuf, String, Vec<crate::finding::Finding>)> = {
        use rayon::prelude::*;
        files
            .par_iter()
            .filter(|path| facts.cross.contains(path.as_path()))
            .filter_map(|path| {
                let text = read(path)?;
                STATE.with(|s| *s.borrow_mut() = State::Report(facts.clone()));
                let _file_mode = FileModeOnDrop;
                let mut cx =
                    crate::engine::FileCx::new(path, &text, FileKind::detect(path), config);
                cx.is_test = !config.include_tests
                    && crate::source::is_test_path(crate::engine::rel_to_roots(path, roots));
                walk_file(&mut cx);
                let findings = std::mem::take(&mut cx.findings);
                drop(cx);
                (!findings.is_empty()).then_some((path, text, findings))
            })
            .collect()
    };
    for (path, text, findings) in found {
        pcx.add_file_findings(path, &text, findings);
    }
    STATE.with(|s| *s.borrow_mut() = State::File);
}

fn walk_file(cx: &mut crate::engine::FileCx<'_>) {
    match cx.kind {
        FileKind::Python => {
            crate::lang::python::run_with(cx, PY_FACTS, None);
        }
        FileKind::Rust => walk_rust(cx),
        _ => {
            crate::lang::js::run_with(cx, JS_FACTS, None);
        }
    }
}

/// Rust files are walked on a thread with a large stack (syn recurses with the nesting of the
/// source), which takes this thread's pass state along and hands it back.
fn walk_rust(cx: &mut crate::engine::FileCx<'_>) {
    let state = STATE.with(|s| std::mem::replace(&mut *s.borrow_mut(), State::File));
    let back = std::thread::scope(|sc| {
        let h = std::thread::Builder::new()
            .name("predeploy-rust".into())
            .stack_size(64 * 1024 * 1024)
            .spawn_scoped(sc, move || {
                STATE.with(|s| *s.borrow_mut() = state);
                let _file_mode = FileModeOnDrop;
                crate::lang::rust::run_here(cx, RS_FACTS);
                STATE.with(|s| std::mem::replace(&mut *s.borrow_mut(), State::File))
            })
            .ok()?;
        h.join().ok()
    });
    if let Some(state) = back {
        STATE.with(|s| *s.borrow_mut() = state);
    }
}

/// Called by the access checks with a file's routes: marks which ones this pass reports
/// (`silent` on the others), records facts in the facts phase, and applies cross-file facts in
/// the report phase. Returns whether the rules should report.
pub(super) fn prepare_js(
    cx: &JsCx<'_, '_>,
    root: Node<'_>,
    opts: &Options,
    routes: &mut [Route],
) -> bool {
    prepare(
        cx.file,
        routes,
        |f| record_js(f, cx, root, opts),
        |f, path, r| f.apply_js(path, r),
    )
}

/// [`prepare_js`] for Python files.
pub(super) fn prepare_py(
    cx: &PyCx<'_, '_>,
    root: Node<'_>,
    opts: &Options,
    routes: &mut [Route],
) -> bool {
    prepare(
        cx.file,
        routes,
        |f| record_py(f, cx, root, opts),
        |f, path, r| f.apply_py(path, r),
    )
}

/// [`prepare_js`] for Rust files; `routes` includes the routers mounted from function calls
/// (`mount_of`).
pub(super) fn prepare_rs(cx: &RustCx<'_, '_, '_>, routes: &mut [Route]) -> bool {
    let mounts: Vec<Route> = routes
        .iter()
        .filter(|r| r.mount_of.is_some())
        .cloned()
        .collect();
    // Functions whose router is reached from elsewhere: those holding unrooted routes.
    let fns: HashSet<String> = routes.iter().filter_map(|r| r.chain_top.clone()).collect();
    prepare(
        cx.file,
        routes,
        |f| record_rs(f, cx, fns, mounts),
        |f, path, r| f.apply_rs(path, r),
    )
}

/// The module path of a Rust file within its crate: `src/api/users.rs` -> `api::users`,
/// `src/api/mod.rs` -> `api`, `src/main.rs` -> the crate root.
fn rs_module(path: &Path) -> Vec<String> {
    let comps: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let start = comps
        .iter()
        .rposition(|c| c == "src")
        .map(|i| i + 1)
        .unwrap_or(comps.len().saturating_sub(1));
    let mut m: Vec<String> = comps[start..].to_vec();
    if let Some(last) = m.last_mut() {
        *last = last.trim_end_matches(".rs").to_owned();
    }
    if m.last().is_some_and(|l| l == "mod") || (m.len() == 1 && (m[0] == "main" || m[0] == "lib")) {
        m.pop();
    }
    m
}

fn record_rs(f: &mut Facts, cx: &RustCx<'_, '_, '_>, fns: HashSet<String>, mounts: Vec<Route>) {
    let path = normalize(cx.file.path);
    let mut rf = RsFile {
        module: rs_module(&path),
        uses: cx.uses.clone(),
        router_fns: fns,
        ..Default::default()
    };
    for m in mounts {
        let guard = m
            .guards
            .iter()
            .find(|g| g.level != Level::Body)
            .map(|g| g.name.clone());
        let site = related_at(
            cx.file.path,
            cx.src,
            m.at.clone(),
            "the router is mounted here".into(),
        );
        rf.mounts.push(RsMount {
            target: m.mount_of.unwrap_or_default(),
            prefix: m.path.unwrap_or_default(),
            guard,
            unknown: m.layer_unknown,
            rooted: m.rooted,
            func: m.chain_top,
            site,
        });
    }
    f.rs.insert(path, rf);
}

/// The phase logic shared by both languages: `record` adds the file's facts (facts phase),
/// `apply` applies cross-file facts to one route (report phase).
fn prepare(
    file: &crate::engine::FileCx<'_>,
    routes: &mut [Route],
    record: impl FnOnce(&mut Facts),
    apply: impl Fn(&Facts, &Path, &mut Route),
) -> bool {
    let path = file.path;
    let facts = STATE.with(|s| match &mut *s.borrow_mut() {
        State::File => None,
        // The scan's file pass: the file's own findings, and the facts the project pass would
        // gather from it (from the files it would read).
        State::FileAndFacts(f) => {
            f.walked = true;
            if relevant(path, file.kind, file.text) {
                record_routes(f, path, routes);
                record(f);
            }
            None
        }
        State::Facts(f) => {
            record_routes(f, path, routes);
            record(f);
            Some(None)
        }
        State::Report(f) => Some(Some(f.clone())),
    });
    match facts {
        // A file on its own: routes another file could protect are left to the project pass.
        None => {
            for r in routes.iter_mut() {
                r.silent = r.cross_file;
            }
            true
        }
        Some(None) => false,
        Some(Some(f)) => {
            for r in routes.iter_mut() {
                r.silent = !r.cross_file;
                if r.cross_file {
                    apply(&f, path, r);
                }
            }
            true
        }
    }
}

fn record_routes(f: &mut Facts, path: &Path, routes: &[Route]) {
    let scope = f.scope_of(&normalize(path));
    for r in routes {
        if r.guards.iter().any(|g| {
            g.kind == GuardKind::Authn
                && (g.level != Level::Body || matches!(r.framework, "nextjs" | "nestjs"))
        }) {
            f.auth_seen.insert((scope.clone(), r.framework));
        }
    }
    if routes.iter().any(|r| r.cross_file) {
        f.cross.insert(path.to_owned());
    }
}

// ------------------------------------------------------------------ JS facts

fn classify_mw(src: &str, n: Node<'_>, opts: &Options) -> Class {
    if routes_js::is_fn(n) {
        return match n
            .field("body")
            .and_then(|b| routes_js::middleware_guard(src, b, opts))
        {
            Some(g) => Class::Guard(g.name),
            None => Class::Benign,
        };
    }
    match routes_js::mw_name(src, n) {
        Some(name) => match model::guard_kind(&name, &opts.guards) {
            Some(GuardKind::Authn) | Some(GuardKind::Authz) => Class::Guard(name),
            None if routes_js::benign_mw(&name) || model::known_not_guard(&name) => Class::Benign,
            None => Class::Unknown,
        },
        None => Class::Unknown,
    }
}

fn import_target(cx: &JsCx<'_, '_>, path: &str) -> Option<Target> {
    let (first, rest) = match path.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (path, None),
    };
    // Relative modules, and others that may be path aliases (`@/routes/users`; resolved with
    // the project's tsconfig paths, packages never resolve).
    let imp = cx.import_of(first)?;
    let member = match (&imp.member, rest) {
        (Some(m), None) => m.clone(),
        (None, None) => "default".to_owned(),
        (None, Some(r)) if !r.contains('.') => r.to_owned(),
        _ => return None,
    };
    Some(Target::Import {
        module: imp.module.clone(),
        member,
    })
}

/// Flask extensions (their objects or classes) that never reject requests on their own: login
/// and JWT managers only act through decorators on routes.
fn flask_extension(name: &str) -> bool {
    let n = name.trim_start_matches('_').to_ascii_lowercase();
    [
        "db",
        "sqlalchemy",
        "migrate",
        "mail",
        "cache",
        "cors",
        "csrf",
        "csrfprotect",
        "babel",
        "ma",
        "marshmallow",
        "login_manager",
        "loginmanager",
        "login",
        "jwt",
        "jwtmanager",
        "bcrypt",
        "limiter",
        "socketio",
        "admin",
        "toolbar",
        "debugtoolbarextension",
        "compress",
        "talisman",
        "moment",
        "bootstrap",
        "assets",
        "environment",
        "redis",
        "mongo",
        "pymongo",
        "celery",
        "scheduler",
        "session",
        "sess",
        "oauth",
        "api",
        "swagger",
        "security",
        "cors_",
        "sentry",
        "metrics",
        "prometheus",
        "profiler",
        "htmx",
        "wtf",
        "pagedown",
        "flatpages",
        "uploads",
        "dropzone",
        "ckeditor",
        "avatars",
        "seasurf",
        "principal",
        "principals",
        "proxyfix",
    ]
    .contains(&n.as_str())
}

/// The app parameter of a function that adds routes to the app it is given (`function (app)
/// {..}`, `(router) => {..}`), when its first parameter is named like one.
fn route_fn_param(src: &str, f: Node<'_>) -> Option<String> {
    if !routes_js::is_fn(f) && f.k() != "function_declaration" {
        return None;
    }
    let first = match f.field("parameter") {
        Some(p) => p,
        None => f.field("parameters")?.named_child(0)?,
    };
    let ident = match first.k() {
        "identifier" => first,
        // TypeScript: `(app: Express)`
        "required_parameter" | "optional_parameter" => first.field("pattern")?,
        _ => return None,
    };
    let name = node_text(src, ident);
    (ident.k() == "identifier" && routes_js::server_like_name(name)).then(|| name.to_owned())
}

/// `require('./routes/users')`: the module's default export.
fn require_target(src: &str, call: Node<'_>) -> Option<Target> {
    if call.k() != "call_expression" || js::callee_name(src, call) != Some("require") {
        return None;
    }
    js::call_args(call)
        .first()
        .and_then(|m| js::string_value(src, *m))
        .map(|m| Target::Import {
            module: m.to_owned(),
            member: "default".into(),
        })
}

/// A module's export named by an expression: `require('./routes')` or an imported name.
fn module_ref(cx: &JsCx<'_, '_>, n: Node<'_>) -> Option<Target> {
    match n.k() {
        "call_expression" => require_target(cx.src, n),
        "identifier" | "member_expression" => {
            js::member_path(cx.src, n).and_then(|name| import_target(cx, &name))
        }
        _ => None,
    }
}

fn record_js(f: &mut Facts, cx: &JsCx<'_, '_>, root: Node<'_>, opts: &Options) {
    let src = cx.src;
    let path = normalize(cx.file.path);
    let mut jf = JsFile::default();
    let mut calls = Vec::new();
    let mut local_fns: HashMap<String, Node> = HashMap::new();
    let mut nest_public = false;
    let mut nest_apps: HashSet<String> = HashSet::new();
    walk_named(root, Order::Source, 300_000, |n| {
        match n.k() {
            "call_expression" => calls.push(n),
            "function_declaration" => {
                if let Some(name) = n.field("name") {
                    local_fns.insert(node_text(src, name).to_owned(), n);
                }
            }
            "variable_declarator" => {
                if let (Some(name), Some(v)) = (n.field("name"), n.field("value")) {
                    let name = node_text(src, name).to_owned();
                    let inner = if v.k() == "await_expression" {
                        v.named_child(0).unwrap_or(v)
                    } else {
                        v
                    };
                    if inner.k() == "call_expression"
                        && inner
                            .field("function")
                            .and_then(|f| js::member_path(src, f))
                            .is_some_and(|p| p.starts_with("NestFactory."))
                    {
                        nest_apps.insert(name.clone());
                    }
                    if let Some(o) = routes_js::server_obj(cx, v) {
                        if o.kind == routes_js::ObjKind::App {
                            jf.apps.insert(name);
                        } else {
                            jf.routers.insert(name);
                        }
                    } else if routes_js::is_fn(v) {
                        local_fns.insert(name, v);
                    }
                }
            }
            "assignment_expression" => {
                if let (Some(l), Some(r)) = (n.field("left"), n.field("right")) {
                    let lp = js::member_path(src, l).unwrap_or_default();
                    let rv = js::member_path(src, r);
                    if lp == "module.exports" {
                        if let Some(v) = rv {
                            jf.exports.insert("default".into(), v);
                        } else if let Some(p) = route_fn_param(src, r) {
                            // `module.exports = function (app) { app.get(..) }`
                            jf.routers.insert(p.clone());
                            jf.exports.insert("default".into(), p);
                        } else if r.k() == "object" {
                            let mut c = r.walk();
                            for p in r.named_children(&mut c) {
                                match p.k() {
                                    "shorthand_property_identifier" => {
                                        let t = node_text(src, p).to_owned();
                                        jf.exports.insert(t.clone(), t);
                                    }
                                    "pair" => {
                                        if let (Some(k), Some(v)) = (
                                            p.field("key"),
                                            p.field("value").and_then(|v| js::member_path(src, v)),
                                        ) {
                                            jf.exports.insert(node_text(src, k).to_owned(), v);
                                        }
                                    }
                                    _ => {}
                                }
                            }
                        }
                    } else if let Some(name) = lp
                        .strip_prefix("module.exports.")
                        .or_else(|| lp.strip_prefix("exports."))
                    {
                        if let Some(v) = rv {
                            jf.exports.insert(name.to_owned(), v);
                        } else if let Some(p) = route_fn_param(src, r) {
                            jf.routers.insert(p.clone());
                            jf.exports.insert(name.to_owned(), p);
                        }
                    }
                }
            }
            "export_statement" => {
                let mut c = n.walk();
                let is_default = n.children(&mut c).any(|k| k.k() == "default");
                if is_default {
                    let value = n.field("value").or_else(|| n.field("declaration"));
                    if let Some(v) = value.and_then(|v| js::member_path(src, v)) {
                        jf.exports.insert("default".into(), v);
                    } else if let Some(p) = value.and_then(|v| route_fn_param(src, v)) {
                        // `export default function (app) { app.get(..) }`
                        jf.routers.insert(p.clone());
                        jf.exports.insert("default".into(), p);
                    }
                } else if let Some(d) = n.field("declaration") {
                    let mut c2 = d.walk();
                    for v in d.named_children(&mut c2) {
                        if let Some(name) = v.field("name") {
                            let t = node_text(src, name).to_owned();
                            jf.exports.insert(t.clone(), t);
                        }
                    }
                } else if n.field("source").is_none() {
                    let mut c2 = n.walk();
                    for clause in n.named_children(&mut c2) {
                        if clause.k() != "export_clause" {
                            continue;
                        }
                        let mut c3 = clause.walk();
                        for spec in clause.named_children(&mut c3) {
                            let name = spec.field("name").map(|x| node_text(src, x));
                            let alias = spec.field("alias").map(|x| node_text(src, x));
                            if let Some(name) = name {
                                jf.exports
                                    .insert(alias.unwrap_or(name).to_owned(), name.to_owned());
                            }
                        }
                    }
                }
            }
            "decorator" => {
                if let Some((name, _)) = routes_js::decorator_name(src, n) {
                    if routes_js::explicit_public_decorator(&name) {
                        nest_public = true;
                    }
                }
            }
            "pair" => nest_provider(f, cx, n),
            _ => {}
        }
        Visit::Descend
    });
    // `module.exports = registerRoutes` / `export { registerRoutes }` with
    // `function registerRoutes(app) { app.get(..) }`: the export stands for the app parameter.
    for local in jf.exports.values_mut() {
        if jf.routers.contains(local.as_str()) || jf.apps.contains(local.as_str()) {
            continue;
        }
        if let Some(p) = local_fns
            .get(local.as_str())
            .and_then(|f| route_fn_param(src, *f))
        {
            jf.routers.insert(p.clone());
            *local = p;
        }
    }
    if nest_public {
        // A `@Public()`-style opt-out implies a global guard, wherever it is registered.
        f.nest.entry(f.scope_of(&path)).or_default().unknown = true;
    }
    calls.sort_by_key(|c| c.start_byte());
    for &call in &calls {
        let Some(func) = call.field("function") else {
            continue;
        };
        let prop = func
            .field("property")
            .map(|p| node_text(src, p))
            .unwrap_or("");
        match prop {
            "use" => {}
            // `app.all('/api/*', requireAuth)`: middleware when every handler is a guard.
            "all" => {
                let args = js::call_args(call);
                let guards_only = args.len() > 1
                    && js::string_value(src, args[0]).is_some()
                    && args[1..]
                        .iter()
                        .all(|a| matches!(classify_mw(src, *a, opts), Class::Guard(_)));
                if !guards_only {
                    continue;
                }
            }
            // Hono: `app.route('/users', users)` mounts a sub-app.
            "route" => {
                let args = js::call_args(call);
                let (Some(prefix), Some(sub)) = (
                    args.first().and_then(|a| js::string_value(src, *a)),
                    args.get(1),
                ) else {
                    continue;
                };
                let Some(receiver) = func.field("object").and_then(|o| js::member_path(src, o))
                else {
                    continue;
                };
                let target = js::member_path(src, *sub).and_then(|t| {
                    if jf.routers.contains(&t) || jf.apps.contains(&t) {
                        Some(Target::Local(t))
                    } else {
                        import_target(cx, &t)
                    }
                });
                let site = related_at(
                    cx.file.path,
                    src,
                    call.byte_range(),
                    "the app is mounted here".into(),
                );
                jf.uses.push(UseFact::one(
                    receiver,
                    Some(prefix.to_owned()),
                    target,
                    Class::Benign,
                    call.start_byte(),
                    site,
                ));
                continue;
            }
            "useGlobalGuards" => {
                for a in js::call_args(call) {
                    let name = match a.k() {
                        "new_expression" => {
                            a.field("constructor").and_then(|c| js::member_path(src, c))
                        }
                        _ => routes_js::mw_name(src, a),
                    }
                    .unwrap_or_default();
                    nest_global(f, cx, &name, call);
                }
                continue;
            }
            "forRoutes" => {
                // `consumer.apply(AuthMiddleware).forRoutes(..)`: which routes is not evaluated.
                let mut o = func.field("object");
                for _ in 0..4 {
                    let Some(c) = o.filter(|c| c.k() == "call_expression") else {
                        break;
                    };
                    if js::callee_name(src, c) == Some("apply") {
                        for a in js::call_args(c) {
                            if classify_mw(src, a, opts) != Class::Benign {
                                f.nest.entry(f.scope_of(&path)).or_default().unknown = true;
                            }
                        }
                        break;
                    }
                    o = c.field("function").and_then(|x| x.field("object"));
                }
                continue;
            }
            "SetMetadata" => {}
            // Fastify: `app.addHook('onRequest', app.authenticate)` guards the instance's routes
            // and the plugins it registers.
            "addHook" => {
                let args = js::call_args(call);
                let hook = args
                    .first()
                    .and_then(|a| js::string_value(src, *a))
                    .unwrap_or("");
                let (Some(receiver), Some(h)) = (
                    func.field("object").and_then(|o| js::member_path(src, o)),
                    args.get(1),
                ) else {
                    continue;
                };
                if !matches!(
                    hook,
                    "onRequest" | "preHandler" | "preValidation" | "preParsing"
                ) {
                    continue;
                }
                let site = related_at(cx.file.path, src, call.byte_range(), "hook".into());
                jf.uses.push(UseFact::one(
                    receiver,
                    None,
                    None,
                    classify_mw(src, *h, opts),
                    call.start_byte(),
                    site,
                ));
                continue;
            }
            // Fastify: `app.register(require('./routes/users'), { prefix: '/users' })`. A plugin
            // runs after its parent's code, with every hook the parent added by then, so the
            // mount counts as coming after all of them.
            "register" => {
                let args = js::call_args(call);
                let Some(receiver) = func.field("object").and_then(|o| js::member_path(src, o))
                else {
                    continue;
                };
                let target = args.first().and_then(|a| module_ref(cx, *a));
                let Some(target) = target else { continue };
                let prefix = args.get(1).filter(|o| o.k() == "object").and_then(|o| {
                    let mut c = o.walk();
                    let found = o.named_children(&mut c).find_map(|p| {
                        (p.k() == "pair"
                            && p.field("key").map(|k| node_text(src, k)) == Some("prefix"))
                        .then(|| p.field("value"))
                        .flatten()
                        .and_then(|v| js::string_value(src, v))
                        .map(str::to_owned)
                    });
                    found
                });
                let site = related_at(
                    cx.file.path,
                    src,
                    call.byte_range(),
                    "the plugin is registered here".into(),
                );
                jf.uses.push(UseFact::one(
                    receiver,
                    prefix,
                    Some(target),
                    Class::Benign,
                    src.len(),
                    site,
                ));
                continue;
            }
            // `require('./routes/orders')(app)`, `registerOrders(app)` with an imported
            // function: the module adds its routes to `app` here.
            "" => {
                let target = module_ref(cx, func);
                let receiver = js::call_args(call)
                    .first()
                    .and_then(|a| js::member_path(src, *a))
                    .filter(|r| {
                        jf.apps.contains(r)
                            || jf.routers.contains(r)
                            || routes_js::server_like_name(r)
                    });
                if let (Some(target), Some(receiver)) = (target, receiver) {
                    let site = related_at(
                        cx.file.path,
                        src,
                        call.byte_range(),
                        "the routes are added to the app here".into(),
                    );
                    jf.uses.push(UseFact::one(
                        receiver,
                        None,
                        Some(target),
                        Class::Benign,
                        call.start_byte(),
                        site,
                    ));
                }
                continue;
            }
            _ => {
                if js::callee_name(src, call) == Some("SetMetadata") {
                    let public = js::call_args(call).first().is_some_and(|a| {
                        model::words(node_text(src, *a))
                            .iter()
                            .any(|w| w == "public" || w == "anonymous")
                    });
                    if public {
                        f.nest.entry(f.scope_of(&path)).or_default().unknown = true;
                    }
                }
                continue;
            }
        }
        let Some(obj) = func.field("object") else {
            continue;
        };
        let Some(receiver) = js::member_path(src, obj) else {
            continue;
        };
        if !(jf.apps.contains(&receiver)
            || jf.routers.contains(&receiver)
            || nest_apps.contains(&receiver)
            || routes_js::server_like_name(&receiver))
        {
            continue;
        }
        let mut args = js::call_args(call);
        let mut prefix = None;
        if let Some(p) = args.first().and_then(|a| js::string_value(src, *a)) {
            prefix = Some(p.to_owned());
            args.remove(0);
        } else if let Some(first) = args.first().filter(|a| a.k() == "array") {
            let mut c = first.walk();
            let paths: Vec<&str> = first
                .named_children(&mut c)
                .filter_map(|e| js::string_value(src, e))
                .collect();
            if !paths.is_empty() {
                prefix = Some(paths.join("|"));
                args.remove(0);
            }
        }
        let mut items = Vec::new();
        for a in routes_js::flatten(args) {
            let target = require_target(src, a).or_else(|| {
                routes_js::mount_target(src, a).and_then(|t| {
                    if jf.routers.contains(&t) || jf.apps.contains(&t) {
                        Some(Target::Local(t))
                    } else {
                        import_target(cx, &t)
                    }
                })
            });
            let mut class = classify_mw(src, a, opts);
            if class == Class::Unknown {
                // A middleware written in this file: judge its body.
                if let Some(b) = routes_js::mw_name(src, a)
                    .and_then(|n| local_fns.get(&n).copied())
                    .and_then(|d| d.field("body"))
                {
                    class = match routes_js::middleware_guard(src, b, opts) {
                        Some(g) => Class::Guard(g.name),
                        None => Class::Benign,
                    };
                }
            }
            if matches!(class, Class::Guard(_)) {
                // Auth applied at a mount shows this app's convention.
                f.auth_seen.insert((f.scope_of(&path), "express"));
            }
            if nest_apps.contains(&receiver) && class != Class::Benign {
                // `app.use(authMiddleware)` on the Nest app: global middleware.
                f.nest.entry(f.scope_of(&path)).or_default().unknown = true;
            }
            items.push(Item::Ref { target, class });
        }
        let site = related_at(
            cx.file.path,
            src,
            call.byte_range(),
            "the router is mounted here".into(),
        );
        jf.uses.push(UseFact {
            receiver,
            prefix,
            items,
            at: call.start_byte(),
            site,
        });
    }
    next_middleware(f, cx, root, &path);
    f.js.insert(path, jf);
}

/// `{ provide: APP_GUARD, useClass: JwtAuthGuard }`.
fn nest_provider(f: &mut Facts, cx: &JsCx<'_, '_>, pair: Node<'_>) {
    let src = cx.src;
    let (Some(k), Some(v)) = (pair.field("key"), pair.field("value")) else {
        return;
    };
    if node_text(src, k) != "provide" || node_text(src, v) != "APP_GUARD" {
        return;
    }
    let Some(obj) = pair.up() else { return };
    let name = ["useClass", "useExisting"]
        .iter()
        .find_map(|key| js::object_property(src, obj, key))
        .and_then(|v| js::member_path(src, v))
        .unwrap_or_default();
    nest_global(f, cx, &name, obj);
}

fn nest_global(f: &mut Facts, cx: &JsCx<'_, '_>, name: &str, at: Node<'_>) {
    let ws = model::words(name);
    if ws.iter().any(|w| w.starts_with("throttl") || w == "rate") {
        return;
    }
    // A roles guard alone lets through routes without role metadata.
    if model::guard_kind(name, &[]) == Some(GuardKind::Authz)
        && !ws.iter().any(|w| w.starts_with("auth") || w == "jwt")
    {
        return;
    }
    let scope = f.scope_of(&normalize(cx.file.path));
    let nest = f.nest.entry(scope).or_default();
    if nest.global.is_none() {
        let site = related_at(
            cx.file.path,
            cx.src,
            at.byte_range(),
            "global guard registered here".into(),
        );
        nest.global = Some((
            if name.is_empty() {
                "APP_GUARD".into()
            } else {
                name.to_owned()
            },
            site,
        ));
    }
}

/// Words of modules that provide authentication for Next.js.
fn auth_module(m: &str) -> bool {
    [
        "next-auth",
        "@auth/",
        "@clerk/",
        "auth0",
        "@supabase/",
        "better-auth",
        "@kinde-oss",
        "lucia",
        "iron-session",
        "jose",
        "jsonwebtoken",
        "firebase",
        "@workos",
        "@stackframe",
    ]
    .iter()
    .any(|k| m.contains(k))
}

/// `middleware.ts`/`proxy.ts`: whether it checks authentication, and its matcher.
fn next_middleware(f: &mut Facts, cx: &JsCx<'_, '_>, root: Node<'_>, path: &Path) {
    let src = cx.src;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if !matches!(stem, "middleware" | "proxy") {
        return;
    }
    let Some(dir) = path.parent() else { return };
    let mut authish = false;
    let mut rejects = false;
    let mut reexport = false;
    let mut protect = false;
    let mut delegates = false;
    let clerk = cx.imports.values().any(|i| i.module.starts_with("@clerk/"));
    if cx.imports.values().any(|i| auth_module(&i.module)) {
        authish = true;
    }
    let mut matchers = Matchers::All;
    walk_named(root, Order::LastChildFirst, 100_000, |n| {
        match n.k() {
            "export_statement" => {
                if let Some(s) = n.field("source") {
                    let m = js::string_value(src, s).unwrap_or("");
                    // `export { default } from "next-auth/middleware"`, `export { auth as
                    // middleware } from "@/auth"`.
                    if auth_module(m) || m.contains("auth") {
                        reexport = true;
                    }
                }
            }
            "identifier" | "property_identifier" | "shorthand_property_identifier" => {
                let t = node_text(src, n);
                if matches!(
                    t,
                    "protect"
                        | "redirectToSignIn"
                        | "redirectToLogin"
                        | "withAuth"
                        | "authMiddleware"
                ) {
                    protect = true;
                }
                if model::guard_kind(t, &[]).is_some()
                    || model::words(t).iter().any(|w| {
                        matches!(
                            w.as_str(),
                            "session" | "token" | "jwt" | "auth" | "user" | "login" | "signin"
                        )
                    })
                {
                    authish = true;
                }
            }
            "number" if matches!(node_text(src, n), "401" | "403") => rejects = true,
            "throw_statement" => rejects = true,
            "call_expression" => {
                if matches!(js::callee_name(src, n), Some("redirect" | "rewrite")) {
                    rejects = true;
                }
                // `return updateSession(request)`: a helper from another module whose name
                // speaks of sessions or auth may redirect there (not followed: assumed to).
                if let Some(f) = n.field("function").filter(|f| f.k() == "identifier") {
                    let name = node_text(src, f);
                    let authish_name = model::guard_kind(name, &[]).is_some()
                        || model::words(name)
                            .iter()
                            .any(|w| matches!(w.as_str(), "session" | "auth" | "token"));
                    if authish_name && cx.import_of(name).is_some() {
                        delegates = true;
                    }
                }
            }
            "variable_declarator" => {
                let is_config = n
                    .field("name")
                    .is_some_and(|x| node_text(src, x) == "config");
                if let Some(m) = n
                    .field("value")
                    .filter(|_| is_config)
                    .filter(|v| v.k() == "object")
                    .and_then(|v| js::object_property(src, v, "matcher"))
                {
                    matchers = read_matchers(src, m);
                }
            }
            _ => {}
        }
        Visit::Descend
    });
    // Clerk's `clerkMiddleware()` protects nothing unless it calls `auth.protect()`.
    let auth = if clerk {
        protect
    } else {
        reexport || protect || delegates || (authish && rejects)
    };
    let site = related_at(cx.file.path, src, 0..0, format!("{stem} here"));
    f.next_mw.insert(
        dir.to_owned(),
        NextMw {
            auth,
            matchers,
            site,
        },
    );
}

fn read_matchers(src: &str, m: Node<'_>) -> Matchers {
    let mut out = Vec::new();
    let items: Vec<Node> = if m.k() == "array" {
        let mut c = m.walk();
        m.named_children(&mut c)
            .filter(|n| n.k() != "comment")
            .collect()
    } else {
        vec![m]
    };
    for i in items {
        if let Some(s) = js::string_value(src, i) {
            out.push(s.to_owned());
        } else if i.k() == "object" {
            // `{ source, has, missing }`: conditional, not evaluated.
            return Matchers::Complex;
        } else {
            return Matchers::Complex;
        }
    }
    Matchers::List(out)
}

/// Whether a Next.js matcher covers `path` (a route path such as `/api/users/[id]`). Complex
/// patterns are assumed to cover it; the common `/((?!api|_next/static|...).*)` form is
/// evaluated (a path starting with an excluded alternative is not covered).
pub(super) fn matcher_covers(m: &str, path: &str) -> bool {
    if let Some(inner) = m.strip_prefix("/((?!").and_then(|r| r.strip_suffix(").*)")) {
        let rest = path.trim_start_matches('/');
        return !inner.split('|').any(|alt| {
            let simple = !alt.contains(['(', ')', '[', ']', '*', '+', '?', '\\', '^', '$', '{']);
            simple && !alt.is_empty() && rest.starts_with(alt)
        });
    }
    if m.contains(['(', ')', '[', ']', '\\', '{', '?', '^', '$', '|']) {
        return true;
    }
    let ms: Vec<&str> = m.split('/').filter(|s| !s.is_empty()).collect();
    let ps: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    for (i, seg) in ms.iter().enumerate() {
        if let Some(p) = seg.strip_prefix(':') {
            if p.ends_with('*') {
                return true;
            }
            if p.ends_with('+') {
                return ps.len() > i;
            }
            if ps.len() <= i {
                return false;
            }
            continue;
        }
        match ps.get(i) {
            Some(s) if s == seg => {}
            _ => return false,
        }
    }
    ms.len() == ps.len()
}

// ------------------------------------------------------------------ Python facts

fn record_py(f: &mut Facts, cx: &PyCx<'_, '_>, root: Node<'_>, opts: &Options) {
    let src = cx.src;
    let path = normalize(cx.file.path);
    let mut pf = PyFile {
        imports: cx.imports.clone(),
        ..Default::default()
    };
    let mut calls = Vec::new();
    let mut defs: HashMap<&str, Node<'_>> = HashMap::new();
    // Flask hooks: (receiver, hook function or its name, app-wide).
    let mut hooks: Vec<(String, Result<Node<'_>, &str>, bool)> = Vec::new();
    let scope = f.scope_of(&path);
    let dj = f.django.entry(scope).or_default();
    routes_py::walk(root, |n| match n.k() {
        "call" => calls.push(n),
        "function_definition" => {
            if let Some(name) = n.field("name") {
                defs.insert(node_text(src, name), n);
            }
            for d in py::decorators(n) {
                let Some(name) = py::dotted(src, d) else {
                    continue;
                };
                let Some((recv, m)) = name.rsplit_once('.') else {
                    continue;
                };
                if matches!(m, "before_request" | "before_app_request") {
                    hooks.push((recv.to_owned(), Ok(n), m == "before_app_request"));
                }
            }
        }
        "assignment" | "augmented_assignment" => {
            let (Some(l), Some(r)) = (n.field("left"), n.field("right")) else {
                return;
            };
            let ln = node_text(src, l);
            if r.k() == "call" {
                let kind = routes_py::obj_kind(cx, r);
                match kind {
                    Some(routes_py::Kind::FastApi | routes_py::Kind::FlaskApp) => {
                        pf.apps.insert(ln.to_owned());
                    }
                    Some(routes_py::Kind::ApiRouter | routes_py::Kind::Blueprint) => {
                        pf.routers.insert(ln.to_owned());
                    }
                    None => {}
                }
                if kind.is_some() {
                    if let Some(d) = py::keyword_arg(src, r, "dependencies") {
                        let mut guards = Vec::new();
                        let unknown =
                            routes_py::dep_guards(src, d, opts, Level::Router, &mut guards);
                        if !guards.is_empty() {
                            pf.built_with.insert(ln.to_owned(), true);
                        } else if unknown {
                            pf.built_with.insert(ln.to_owned(), false);
                        }
                    }
                }
            }
            // Django settings (module level only).
            let top = n
                .parent()
                .and_then(|p| p.up())
                .is_some_and(|p| p.id() == root.id());
            if !top {
                if l.k() == "subscript" && node_text(src, l).starts_with("REST_FRAMEWORK") {
                    dj.drf_dynamic = true;
                }
                return;
            }
            match ln {
                "REST_FRAMEWORK" => {
                    dj.drf_seen = true;
                    dj.settings.get_or_insert_with(|| {
                        related_at(cx.file.path, src, n.byte_range(), "settings".into())
                    });
                    if r.k() != "dictionary" {
                        dj.drf_dynamic = true;
                        return;
                    }
                    let mut c = r.walk();
                    for p in r.named_children(&mut c) {
                        let (Some(k), Some(v)) = (p.field("key"), p.field("value")) else {
                            continue;
                        };
                        if py::string_value(src, k) != Some("DEFAULT_PERMISSION_CLASSES") {
                            continue;
                        }
                        let mut names = Vec::new();
                        let mut dynamic = false;
                        if matches!(v.k(), "list" | "tuple") {
                            let mut c2 = v.walk();
                            for e in v.named_children(&mut c2) {
                                match py::string_value(src, e) {
                                    Some(s) => {
                                        names.push(s.rsplit('.').next().unwrap_or(s).to_owned())
                                    }
                                    None => dynamic = true,
                                }
                            }
                        } else {
                            dynamic = true;
                        }
                        if dynamic {
                            dj.drf_dynamic = true;
                        } else {
                            let protects = names.iter().any(|n| n != "AllowAny");
                            let prev = dj.drf_protected.unwrap_or(false);
                            dj.drf_protected = Some(prev || protects);
                        }
                    }
                }
                "MIDDLEWARE" | "MIDDLEWARE_CLASSES" => {
                    dj.settings.get_or_insert_with(|| {
                        related_at(cx.file.path, src, n.byte_range(), "settings".into())
                    });
                    if !matches!(r.k(), "list" | "tuple") && n.k() == "assignment" {
                        // `MIDDLEWARE = env.list(..)`: not evaluated, may require a login.
                        dj.login_mw.get_or_insert("MIDDLEWARE".to_owned());
                    }
                    routes_py::walk(r, |e| {
                        let Some(s) = py::string_value(src, e) else {
                            return;
                        };
                        let last = s.rsplit('.').next().unwrap_or(s);
                        let ws = model::words(last);
                        let login = last.contains("LoginRequired")
                            || (ws.iter().any(|w| w == "login" || w == "auth" || w == "jwt")
                                && ws.iter().any(|w| w == "required" || w == "require"));
                        // A project's own middleware named for auth may enforce a login.
                        let custom = !s.starts_with("django.")
                            && !s.starts_with("allauth.")
                            && ws.iter().any(|w| {
                                matches!(
                                    w.as_str(),
                                    "login"
                                        | "auth"
                                        | "jwt"
                                        | "token"
                                        | "permission"
                                        | "authentication"
                                )
                            });
                        if login || custom {
                            dj.login_mw.get_or_insert(last.to_owned());
                        }
                    });
                }
                "INSTALLED_APPS" => {
                    dj.settings.get_or_insert_with(|| {
                        related_at(cx.file.path, src, n.byte_range(), "settings".into())
                    });
                }
                _ => {}
            }
        }
        _ => {}
    });
    for &c in &calls {
        let Some(func) = c.field("function") else {
            continue;
        };
        let Some(name) = py::dotted(src, func) else {
            continue;
        };
        let (recv, m) = name.rsplit_once('.').unwrap_or(("", name.as_str()));
        if recv == "REST_FRAMEWORK" {
            // `REST_FRAMEWORK.update({..})`
            dj.drf_dynamic = true;
        }
        match m {
            "include_router" => {
                let Some(target) = py::positional_args(c)
                    .first()
                    .and_then(|a| py::dotted(src, *a))
                    .or_else(|| py::keyword_arg(src, c, "router").and_then(|a| py::dotted(src, a)))
                else {
                    continue;
                };
                let prefix = py::keyword_arg(src, c, "prefix")
                    .and_then(|p| py::string_value(src, p))
                    .map(str::to_owned);
                let mut guards = Vec::new();
                let unknown = py::keyword_arg(src, c, "dependencies").is_some_and(|d| {
                    routes_py::dep_guards(src, d, opts, Level::Router, &mut guards)
                });
                let site = related_at(
                    cx.file.path,
                    src,
                    c.byte_range(),
                    "the router is included here".into(),
                );
                pf.includes.push(PyInclude {
                    receiver: recv.to_owned(),
                    target,
                    prefix,
                    guard: guards.into_iter().next().map(|g| g.name),
                    unknown,
                    site,
                });
            }
            "register_blueprint" => {
                let Some(target) = py::positional_args(c)
                    .first()
                    .and_then(|a| py::dotted(src, *a))
                else {
                    continue;
                };
                let prefix = py::keyword_arg(src, c, "url_prefix")
                    .and_then(|p| py::string_value(src, p))
                    .map(str::to_owned);
                let site = related_at(
                    cx.file.path,
                    src,
                    c.byte_range(),
                    "the blueprint is registered here".into(),
                );
                pf.includes.push(PyInclude {
                    receiver: recv.to_owned(),
                    target,
                    prefix,
                    guard: None,
                    unknown: false,
                    site,
                });
            }
            "before_request" | "before_app_request" if !recv.is_empty() => {
                // `app.before_request(check_login)`
                if let Some(a) = py::positional_args(c).first() {
                    let name = node_text(src, *a);
                    let hook = defs.get(name).copied().ok_or(name);
                    hooks.push((recv.to_owned(), hook, m == "before_app_request"));
                }
            }
            "add_middleware" => {
                let mw = py::positional_args(c)
                    .first()
                    .and_then(|a| py::dotted(src, *a))
                    .unwrap_or_default();
                let last = mw.rsplit('.').next().unwrap_or(&mw);
                if model::guard_kind(&mw, &opts.guards).is_some() {
                    pf.app_guard.get_or_insert(mw.clone());
                } else if !matches!(
                    last,
                    "CORSMiddleware"
                        | "GZipMiddleware"
                        | "TrustedHostMiddleware"
                        | "HTTPSRedirectMiddleware"
                        | "SessionMiddleware"
                        | "SentryAsgiMiddleware"
                ) && !model::known_not_guard(&mw)
                {
                    pf.app_unknown = true;
                }
            }
            "path" | "re_path" | "url" if recv.is_empty() || recv == "django.urls" => {
                // `path("x/", login_required(views.x))`
                if let Some(v) = py::positional_args(c).get(1) {
                    if v.k() == "call" {
                        let wrapper = py::callee_name(src, *v).unwrap_or("");
                        if !matches!(wrapper, "as_view" | "include") {
                            if let Some(inner) = py::positional_args(*v).first() {
                                let inner = match inner.k() {
                                    "call" => inner
                                        .field("function")
                                        .and_then(|f| py::dotted(src, f))
                                        .map(|d| d.trim_end_matches(".as_view").to_owned()),
                                    _ => py::dotted(src, *inner),
                                };
                                if let Some(i) = inner {
                                    let last = i.rsplit('.').next().unwrap_or(&i).to_owned();
                                    if model::guard_kind(wrapper, &opts.guards).is_some()
                                        || !model::known_not_guard(wrapper)
                                    {
                                        dj.wrapped.insert(last);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    // Flask hooks: a guard on the app protects every blueprint it registers, one on a
    // blueprint (where it is defined or where it is registered) protects that blueprint's routes.
    // A hook imported from elsewhere is not evaluated: it may be a guard.
    // The app handed to a function of this project defined elsewhere (`register_hooks(app)`,
    // `auth.init_app(app)`) may get a `before_request` guard there: not evaluated, so its
    // blueprints are not judged. Extensions known not to guard routes are fine.
    for &c in &calls {
        if pf.app_unknown || pf.app_guard.is_some() {
            break;
        }
        let Some(func) = c.field("function") else {
            continue;
        };
        let Some(name) = py::dotted(src, func) else {
            continue;
        };
        let takes_app = py::positional_args(c)
            .iter()
            .any(|a| pf.apps.contains(node_text(src, *a)));
        if !takes_app || defs.contains_key(name.as_str()) {
            continue;
        }
        let (recv, m) = name.rsplit_once('.').unwrap_or(("", name.as_str()));
        let extension = m == "init_app" && flask_extension(recv.rsplit('.').next().unwrap_or(""));
        // Servers and test helpers that run the app (`socketio.run(app)`, `serve(app)`).
        let runs_it = matches!(
            m,
            "run"
                | "serve"
                | "run_simple"
                | "make_server"
                | "WSGIServer"
                | "WSGIMiddleware"
                | "DispatcherMiddleware"
                | "Server"
                | "TestClient"
                | "FlaskClient"
        );
        if extension || runs_it || flask_extension(m) || model::known_not_guard(&name) {
            continue;
        }
        pf.app_unknown = true;
    }
    let mut guarded: HashSet<String> = HashSet::new();
    for (recv, hook, app_wide) in hooks {
        let guard = match hook {
            Ok(h) => routes_py::hook_is_guard(src, h, opts).then(|| {
                h.field("name")
                    .map(|n| node_text(src, n).to_owned())
                    .unwrap_or_default()
            }),
            Err(name) if model::guard_kind(name, &opts.guards).is_some() => Some(name.to_owned()),
            Err(name) => {
                if !model::known_not_guard(name) {
                    if app_wide || pf.apps.contains(&recv) {
                        pf.app_unknown = true;
                    } else {
                        pf.built_with.entry(recv.clone()).or_insert(false);
                    }
                }
                None
            }
        };
        let Some(guard) = guard else { continue };
        if app_wide {
            pf.app_wide_guard.get_or_insert(guard);
        } else if pf.apps.contains(&recv) {
            pf.app_guard.get_or_insert(guard);
        } else {
            pf.built_with.insert(recv.clone(), true);
            guarded.insert(recv);
        }
    }
    for inc in &mut pf.includes {
        if inc.guard.is_none() && guarded.contains(&inc.target) {
            inc.guard = Some("before_request".into());
        }
    }
    f.py.insert(path, pf);
}

// ------------------------------------------------------------------ resolution

/// Where each (file, name) is mounted: `targets` gives, for a file, what each of its mounts
/// resolves to; the result maps a target to its (mounting file, index of the mount), sorted.
fn mounts_index<T>(
    files: &HashMap<PathBuf, T>,
    targets: impl Fn(&Path, &T) -> Vec<Option<(PathBuf, String)>>,
) -> HashMap<(PathBuf, String), Vec<(PathBuf, usize)>> {
    let mut out: HashMap<(PathBuf, String), Vec<(PathBuf, usize)>> = HashMap::new();
    for (f, data) in files {
        for (i, key) in targets(f, data).into_iter().enumerate() {
            if let Some(key) = key {
                out.entry(key).or_default().push((f.clone(), i));
            }
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

/// Words for a route reached through a router mounted in another file.
struct Reach {
    /// The guard's name when the way is protected.
    guard: &'static str,
    /// How the router is reached ("its router is mounted").
    what: &'static str,
    /// What is missing on the way ("no auth layer").
    missing: &'static str,
    /// What the app does elsewhere, when it shows the convention.
    others: &'static str,
}

enum Chain {
    /// A guard (or something that may be one) applies: name and where.
    Protected,
    /// Reached with no guard on the way: full prefix and the mount site nearest the route.
    Open {
        prefix: String,
        site: Option<Related>,
    },
    Unknown,
}

fn join(a: &str, b: &str) -> String {
    let a = a.split('|').next().unwrap_or(a).trim_end_matches('/');
    let b = b.split('|').next().unwrap_or(b);
    if b.is_empty() || b == "/" {
        if a.is_empty() {
            "/".into()
        } else {
            a.to_owned()
        }
    } else if b.starts_with('/') {
        format!("{a}{b}")
    } else {
        format!("{a}/{b}")
    }
}

impl Facts {
    fn resolve_js(&self, from: &Path, spec: &str) -> Option<PathBuf> {
        if spec.starts_with('.') {
            return self.js_file_at(normalize(&from.parent()?.join(spec)));
        }
        // A path alias of the nearest tsconfig/jsconfig above the importing file.
        let config = self
            .ts_paths
            .iter()
            .filter(|t| from.starts_with(&t.dir))
            .max_by_key(|t| t.dir.components().count())?;
        config
            .expand(spec)
            .into_iter()
            .find_map(|base| self.js_file_at(base))
    }

    /// The scanned JS/TS module a path without extension (or a directory) stands for.
    fn js_file_at(&self, base: PathBuf) -> Option<PathBuf> {
        let s = base.to_string_lossy().into_owned();
        let stripped = s
            .strip_suffix(".js")
            .or_else(|| s.strip_suffix(".mjs"))
            .unwrap_or(&s)
            .to_owned();
        let mut cands = vec![base.clone()];
        for ext in ["js", "ts", "mjs", "cjs", "jsx", "tsx", "mts", "cts"] {
            cands.push(PathBuf::from(format!("{stripped}.{ext}")));
        }
        for ext in ["js", "ts", "mjs", "cjs"] {
            cands.push(base.join(format!("index.{ext}")));
        }
        cands.into_iter().find(|c| self.js.contains_key(c))
    }

    /// The router an item of a `use()` call in `file` mounts, if any: (file, local name).
    fn js_mounted(&self, file: &Path, item: &Item) -> Option<(PathBuf, String)> {
        let Item::Ref { target, .. } = item;
        match target.as_ref()? {
            Target::Local(name) => Some((file.to_owned(), name.clone())),
            Target::Import { module, member } => {
                let f2 = self.resolve_js(file, module)?;
                let jf = self.js.get(&f2)?;
                let local = jf.exports.get(member)?;
                (jf.routers.contains(local) || jf.apps.contains(local)).then(|| (f2, local.clone()))
            }
        }
    }

    /// Resolves every mount and include once.
    fn index(&mut self) {
        let mut js_mounts: HashMap<(PathBuf, String), Vec<(PathBuf, usize, usize)>> =
            HashMap::new();
        let mut items = HashSet::new();
        for (pf, pjf) in &self.js {
            for (ui, u) in pjf.uses.iter().enumerate() {
                for (ii, item) in u.items.iter().enumerate() {
                    if let Some(key) = self.js_mounted(pf, item) {
                        items.insert((pf.clone(), ui, ii));
                        js_mounts.entry(key).or_default().push((pf.clone(), ui, ii));
                    }
                }
            }
        }
        for v in js_mounts.values_mut() {
            v.sort();
        }
        let py_mounts = mounts_index(&self.py, |f, p| {
            p.includes
                .iter()
                .map(|inc| self.py_target(f, &inc.target))
                .collect()
        });
        let rs_mounts = mounts_index(&self.rs, |f, r| {
            r.mounts
                .iter()
                .map(|m| self.rs_target(f, &m.target))
                .collect()
        });
        self.js_mounts = js_mounts;
        self.js_mount_items = items;
        self.py_mounts = py_mounts;
        self.rs_mounts = rs_mounts;
        self.py_app_wide = self
            .py
            .iter()
            .filter(|(_, p)| p.app_wide_guard.is_some())
            .map(|(f, _)| self.scope_of(f))
            .collect();
    }

    /// The function a mount calls, as (file, function), when it builds a router in this app:
    /// `users::routes` from `src/main.rs` is `routes` in `src/users.rs` (or `src/users/mod.rs`);
    /// `use` aliases, `crate::`, `self::` and `super::` are followed. Unresolved or ambiguous
    /// targets (another crate, a re-export) give `None`.
    fn rs_target(&self, from: &Path, target: &[String]) -> Option<(PathBuf, String)> {
        let rf = self.rs.get(from)?;
        let mut segs: Vec<String> = target.to_vec();
        if let Some(full) = segs.first().and_then(|s0| rf.uses.get(s0)) {
            let mut expanded: Vec<String> = full.split("::").map(str::to_owned).collect();
            expanded.extend(segs.drain(1..));
            segs = expanded;
        }
        let name = segs.pop()?;
        let module: Vec<String> = match segs.first().map(String::as_str) {
            None => rf.module.clone(),
            Some("crate") => segs[1..].to_vec(),
            Some("self") => rf.module.iter().chain(&segs[1..]).cloned().collect(),
            Some("super") => {
                let ups = segs.iter().take_while(|s| *s == "super").count();
                let keep = rf.module.len().checked_sub(ups)?;
                rf.module[..keep]
                    .iter()
                    .chain(&segs[ups..])
                    .cloned()
                    .collect()
            }
            Some(_) => rf.module.iter().chain(&segs).cloned().collect(),
        };
        let scope = self.scope_of(from);
        let mut hits = self.rs.iter().filter(|(f, r)| {
            r.module == module && r.router_fns.contains(&name) && self.scope_of(f) == scope
        });
        let (f, _) = hits.next()?;
        hits.next().is_none().then(|| (f.clone(), name.clone()))
    }

    /// How the router built by `func` in `file` is reached from the app.
    fn rs_chain(&self, file: &Path, func: &str, depth: usize, budget: &mut usize) -> Chain {
        if *budget == 0 || depth > 8 {
            return Chain::Unknown;
        }
        *budget -= 1;
        let key = (file.to_owned(), func.to_owned());
        let mut found = None;
        for (f2, i) in self.rs_mounts.get(&key).map(Vec::as_slice).unwrap_or(&[]) {
            let Some(m) = self.rs.get(f2).and_then(|r| r.mounts.get(*i)) else {
                continue;
            };
            if m.guard.is_some() {
                return Chain::Protected;
            }
            if m.unknown {
                return Chain::Unknown;
            }
            let up = match (&m.func, m.rooted) {
                (_, true) => Chain::Open {
                    prefix: String::new(),
                    site: None,
                },
                (Some(f3), false) => self.rs_chain(f2, f3, depth + 1, budget),
                (None, false) => Chain::Unknown,
            };
            match up {
                Chain::Open { prefix, .. } => {
                    if found.is_none() {
                        found = Some(Chain::Open {
                            prefix: join(&prefix, &m.prefix),
                            site: Some(m.site.clone()),
                        });
                    }
                }
                c => return c,
            }
        }
        found.unwrap_or(Chain::Unknown)
    }

    fn apply_rs(&self, path: &Path, r: &mut Route) {
        let actix = r.framework == "actix-web";
        if !actix && r.framework != "axum" {
            return;
        }
        let Some(top) = r.chain_top.clone() else {
            return;
        };
        let file = normalize(path);
        let chain = self.rs_chain(&file, &top, 0, &mut 256);
        let words = if actix {
            Reach {
                guard: "auth middleware where the services are configured",
                what: "its services are configured",
                missing: "no auth middleware",
                others: "other routes of this app require authentication",
            }
        } else {
            Reach {
                guard: "auth layer where the router is mounted",
                what: "its router is mounted",
                missing: "no auth layer",
                others: "other routes of this app require authentication",
            }
        };
        self.apply_chain(&file, r, chain, &words);
    }

    /// Applies how a router was found to be reached to one of its routes: a guard on the way,
    /// or open, with the full path and the mount site for the message.
    fn apply_chain(&self, file: &Path, r: &mut Route, chain: Chain, words: &Reach) {
        match chain {
            Chain::Protected => r.guards.push(Guard {
                name: words.guard.into(),
                kind: GuardKind::Authn,
                level: Level::Router,
            }),
            Chain::Open { prefix, site } => {
                r.path = Some(join(&prefix, r.path.as_deref().unwrap_or("")));
                r.rooted = true;
                r.visible_chain = true;
                r.app_convention = self.seen(file, r.framework);
                let at = site
                    .as_ref()
                    .map(|s| format!(" in {}", normalize(&s.path).display()))
                    .unwrap_or_default();
                let convention = if r.app_convention {
                    format!(", while {}", words.others)
                } else {
                    String::new()
                };
                r.reached = Some(Reached {
                    why: format!("{}{at} with {}{convention}", words.what, words.missing),
                    related: site,
                });
            }
            Chain::Unknown => {}
        }
    }

    fn express_chain(&self, file: &Path, var: &str, depth: usize, budget: &mut usize) -> Chain {
        let Some(jf) = self.js.get(file) else {
            return Chain::Unknown;
        };
        // Bounded: mounts may form cycles or fan out.
        if *budget == 0 {
            return Chain::Unknown;
        }
        *budget -= 1;
        if depth > 8 {
            return Chain::Unknown;
        }
        let mut found: Option<Chain> = None;
        let key = (file.to_owned(), var.to_owned());
        for (pf, ui, ii) in self.js_mounts.get(&key).map(Vec::as_slice).unwrap_or(&[]) {
            let Some(pjf) = self.js.get(pf) else { continue };
            let u = &pjf.uses[*ui];
            if pf == file && u.receiver == var {
                continue;
            }
            match self.mount_chain(pf, pjf, *ui, *ii, depth, budget) {
                Chain::Open { prefix, site } => {
                    if found.is_none() {
                        found = Some(Chain::Open { prefix, site });
                    }
                }
                other => return other,
            }
        }
        match found {
            Some(c) => c,
            // An app mounted nowhere is the root.
            None if jf.apps.contains(var) => Chain::Open {
                prefix: String::new(),
                site: None,
            },
            None => Chain::Unknown,
        }
    }

    fn item_class(&self, file: &Path, ui: usize, ii: usize, item: &Item) -> Option<Class> {
        if self.js_mount_items.contains(&(file.to_owned(), ui, ii)) {
            return None;
        }
        let Item::Ref { class, .. } = item;
        Some(class.clone())
    }

    fn mount_chain(
        &self,
        pf: &Path,
        pjf: &JsFile,
        ui: usize,
        ii: usize,
        depth: usize,
        budget: &mut usize,
    ) -> Chain {
        let u = &pjf.uses[ui];
        let mut before: Vec<Class> = u.items[..ii]
            .iter()
            .enumerate()
            .filter_map(|(k, i)| self.item_class(pf, ui, k, i))
            .collect();
        for (ui2, u2) in pjf.uses.iter().enumerate() {
            if u2.receiver != u.receiver || u2.at >= u.at {
                continue;
            }
            let applies = match (&u2.prefix, &u.prefix) {
                (None, _) => true,
                (Some(p2), Some(p)) => routes_js::path_matches(&Some(p2.clone()), &Some(p.clone())),
                (Some(_), None) => false,
            };
            if applies {
                before.extend(
                    u2.items
                        .iter()
                        .enumerate()
                        .filter_map(|(k, i)| self.item_class(pf, ui2, k, i)),
                );
            }
        }
        if before.iter().any(|c| matches!(c, Class::Guard(_))) {
            return Chain::Protected;
        }
        if before.contains(&Class::Unknown) {
            return Chain::Unknown;
        }
        match self.express_chain(pf, &u.receiver, depth + 1, budget) {
            Chain::Open { prefix, site } => Chain::Open {
                prefix: join(&prefix, u.prefix.as_deref().unwrap_or("")),
                site: site
                    .map(|_| u.site.clone())
                    .or_else(|| Some(u.site.clone())),
            },
            c => c,
        }
    }

    fn apply_js(&self, path: &Path, r: &mut Route) {
        let file = normalize(path);
        match r.framework {
            "express" | "fastify" => {
                let Some(top) = r.chain_top.clone() else {
                    return;
                };
                match self.express_chain(&file, &top, 0, &mut 256) {
                    Chain::Protected => r.guards.push(Guard {
                        name: "mount middleware".into(),
                        kind: GuardKind::Authn,
                        level: Level::Router,
                    }),
                    // An app mounted nowhere: the file showed it whole.
                    Chain::Open { site: None, .. } if r.rooted => {}
                    Chain::Open { prefix, site } => {
                        let mount = prefix.clone();
                        r.path = Some(join(&prefix, r.path.as_deref().unwrap_or("")));
                        r.rooted = true;
                        r.visible_chain = true;
                        r.app_convention = self.seen(&file, r.framework);
                        let at = site
                            .as_ref()
                            .map(|s| format!(" in {}", normalize(&s.path).display()))
                            .unwrap_or_default();
                        r.reached = Some(Reached {
                            why: if r.app_convention {
                                format!("it is mounted at `{}`{at} with no auth middleware on the way, while other routes of this app are guarded", if mount.is_empty() { "/" } else { &mount })
                            } else {
                                format!(
                                    "it is mounted at `{}`{at} with no auth middleware on the way",
                                    if mount.is_empty() { "/" } else { &mount }
                                )
                            },
                            related: site,
                        });
                    }
                    Chain::Unknown => {}
                }
            }
            "nestjs" => {
                let nest = self.nest.get(&self.scope_of(&file));
                if let Some((name, _)) = nest.and_then(|n| n.global.as_ref()) {
                    r.guards.push(Guard {
                        name: name.clone(),
                        kind: GuardKind::Authn,
                        level: Level::Router,
                    });
                } else if nest.is_some_and(|n| n.unknown) {
                    r.opaque = true;
                } else {
                    r.visible_chain = true;
                    r.app_convention = self.seen(&file, "nestjs");
                    r.reached = Some(Reached {
                        why: if r.app_convention {
                            "no global guard (APP_GUARD, useGlobalGuards) in this app, while other controllers use @UseGuards".into()
                        } else {
                            "no global guard (APP_GUARD, useGlobalGuards) in this app".into()
                        },
                        related: None,
                    });
                }
            }
            "nextjs" => {
                let route_path = r.path.clone().unwrap_or_else(|| "/".into());
                let mw = next_roots(&file)
                    .into_iter()
                    .find_map(|d| self.next_mw.get(&d));
                let why = match mw {
                    Some(mw) if mw.auth => {
                        let covered = match &mw.matchers {
                            Matchers::All | Matchers::Complex => true,
                            Matchers::List(l) => l.iter().any(|m| matcher_covers(m, &route_path)),
                        };
                        if covered {
                            r.guards.push(Guard {
                                name: "middleware".into(),
                                kind: GuardKind::Authn,
                                level: Level::Router,
                            });
                            return;
                        }
                        "its path is outside the middleware matcher"
                    }
                    Some(_) => "the middleware does not check the session",
                    None => "no middleware checks the session",
                };
                r.app_convention = self.seen(&file, "nextjs");
                // Writing handlers are judged alone only in apps that authenticate somewhere:
                // many Next.js apps are public by design (demos, chat front-ends).
                r.visible_chain = r.app_convention || mw.is_some_and(|m| m.auth);
                r.reached = Some(Reached {
                    why: if r.app_convention {
                        format!("{why}, while other route handlers of this app check it")
                    } else {
                        why.to_owned()
                    },
                    related: mw.map(|m| {
                        let mut s = m.site.clone();
                        s.message = "middleware of this app".into();
                        s
                    }),
                });
            }
            _ => {}
        }
    }

    fn py_module(&self, dotted: &str, from: &Path) -> Option<PathBuf> {
        // Relative imports: `.routers.items` from app/main.py.
        let dots = dotted.chars().take_while(|c| *c == '.').count();
        let rest = &dotted[dots..];
        let rel: PathBuf = rest.split('.').filter(|s| !s.is_empty()).collect();
        if dots > 0 {
            let mut base = from.parent()?.to_owned();
            for _ in 1..dots {
                base = base.parent()?.to_owned();
            }
            let b = base.join(&rel);
            for c in [b.with_extension("py"), b.join("__init__.py")] {
                let c = normalize(&c);
                if self.py.contains_key(&c) {
                    return Some(c);
                }
            }
            return None;
        }
        let mut hits = self.py.keys().filter(|k| {
            let k = k.with_extension("");
            k.ends_with(&rel)
                || (k.ends_with("__init__") && k.parent().is_some_and(|p| p.ends_with(&rel)))
        });
        let first = hits.next()?;
        hits.next().is_none().then(|| first.clone())
    }

    /// The router a dotted name in `file` refers to: (file, variable).
    fn py_target(&self, file: &Path, dotted: &str) -> Option<(PathBuf, String)> {
        let pf = self.py.get(file)?;
        if pf.routers.contains(dotted) || pf.apps.contains(dotted) {
            return Some((file.to_owned(), dotted.to_owned()));
        }
        let (first, rest) = match dotted.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (dotted, None),
        };
        let imp = pf.imports.get(first)?;
        let (module, var) = match rest {
            // `items.router` with `from .routers import items`
            Some(r) if !r.contains('.') => (imp.clone(), r.to_owned()),
            Some(_) => return None,
            // `api_router` with `from app.api.main import api_router`
            None => {
                let (m, v) = imp.rsplit_once('.')?;
                (m.to_owned(), v.to_owned())
            }
        };
        let f2 = self.py_module(&module, file)?;
        let p2 = self.py.get(&f2)?;
        (p2.routers.contains(&var) || p2.apps.contains(&var)).then_some((f2, var))
    }

    /// How a FastAPI router or Flask blueprint is reached from its app.
    fn py_chain(&self, file: &Path, var: &str, depth: usize, budget: &mut usize) -> Chain {
        let Some(pf) = self.py.get(file) else {
            return Chain::Unknown;
        };
        if *budget == 0 {
            return Chain::Unknown;
        }
        *budget -= 1;
        if depth == 0 && self.py_app_wide.contains(&self.scope_of(file)) {
            return Chain::Protected;
        }
        // Routes on a blueprint defined in another module (`from . import bp` in views.py).
        if !pf.routers.contains(var) && !pf.apps.contains(var) && !pf.built_with.contains_key(var) {
            return match self.py_target(file, var) {
                Some((f2, v2)) if f2 != file && depth <= 8 => {
                    self.py_chain(&f2, &v2, depth + 1, budget)
                }
                _ => Chain::Unknown,
            };
        }
        match pf.built_with.get(var) {
            Some(true) => return Chain::Protected,
            Some(false) => return Chain::Unknown,
            None => {}
        }
        if pf.apps.contains(var) {
            if pf.app_guard.is_some() {
                return Chain::Protected;
            }
            if pf.app_unknown {
                return Chain::Unknown;
            }
            return Chain::Open {
                prefix: String::new(),
                site: None,
            };
        }
        if depth > 8 {
            return Chain::Unknown;
        }
        let mut found = None;
        let key = (file.to_owned(), var.to_owned());
        for (f2, i) in self.py_mounts.get(&key).map(Vec::as_slice).unwrap_or(&[]) {
            let Some(p2) = self.py.get(f2) else { continue };
            let inc = &p2.includes[*i];
            {
                if inc.guard.is_some() {
                    return Chain::Protected;
                }
                if inc.unknown {
                    return Chain::Unknown;
                }
                match self.py_chain(f2, &inc.receiver, depth + 1, budget) {
                    Chain::Open { prefix, .. } => {
                        if found.is_none() {
                            found = Some(Chain::Open {
                                prefix: join(&prefix, inc.prefix.as_deref().unwrap_or("")),
                                site: Some(inc.site.clone()),
                            });
                        }
                    }
                    c => return c,
                }
            }
        }
        found.unwrap_or(Chain::Unknown)
    }

    fn apply_py(&self, path: &Path, r: &mut Route) {
        let file = normalize(path);
        match r.framework {
            "fastapi" | "flask" => {
                let Some(top) = r.chain_top.clone() else {
                    return;
                };
                let chain = self.py_chain(&file, &top, 0, &mut 256);
                let words = if r.framework == "flask" {
                    Reach {
                        guard: "before_request hook",
                        what: "its blueprint is registered",
                        missing: "no before_request guard",
                        others: "other routes of this app require a login",
                    }
                } else {
                    Reach {
                        guard: "include_router dependencies",
                        what: "its router is included",
                        missing: "no auth dependency",
                        others: "other routes of this app require one",
                    }
                };
                self.apply_chain(&file, r, chain, &words);
            }
            "django" => {
                let Some(d) = self.django.get(&self.scope_of(&file)) else {
                    return;
                };
                if let Some(mw) = &d.login_mw {
                    r.guards.push(Guard {
                        name: mw.clone(),
                        kind: GuardKind::Authn,
                        level: Level::Router,
                    });
                    return;
                }
                if d.wrapped.contains(&r.handler) {
                    r.guards.push(Guard {
                        name: "urls.py wrapper".into(),
                        kind: GuardKind::Authn,
                        level: Level::Router,
                    });
                    return;
                }
                // No settings seen (a partial scan): the file's own evidence decides.
                let Some(settings) = &d.settings else {
                    return;
                };
                let why = if r.drf {
                    if d.drf_dynamic {
                        r.opaque = true;
                        return;
                    }
                    if d.drf_protected == Some(true) {
                        r.guards.push(Guard {
                            name: "DEFAULT_PERMISSION_CLASSES".into(),
                            kind: GuardKind::Authn,
                            level: Level::Router,
                        });
                        return;
                    }
                    "DEFAULT_PERMISSION_CLASSES allows any caller"
                } else {
                    "no LoginRequiredMiddleware in settings"
                };
                r.visible_chain = true;
                r.app_convention = self.seen(&file, "django");
                let mut rel = settings.clone();
                rel.message = "settings".into();
                r.reached = Some(Reached {
                    why: if r.app_convention {
                        format!("{why}, while other views of this app are guarded")
                    } else {
                        why.to_owned()
                    },
                    related: Some(rel),
                });
            }
            _ => {}
        }
    }
}

/// The directory holding a Next.js app's `app/` or `pages/` directory (where its middleware
/// lives).
/// Candidates from the outermost; a route may itself be named `app` or `pages`.
fn next_roots(file: &Path) -> Vec<PathBuf> {
    let comps: Vec<Component> = file.components().collect();
    comps
        .iter()
        .enumerate()
        .filter(|(_, c)| c.as_os_str() == "app" || c.as_os_str() == "pages")
        .map(|(i, _)| comps[..i].iter().collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_module_paths() {
        let m = |p: &str| rs_module(Path::new(p)).join("::");
        assert_eq!(m("app/src/main.rs"), "");
        assert_eq!(m("app/src/lib.rs"), "");
        assert_eq!(m("app/src/api/mod.rs"), "api");
        assert_eq!(m("app/src/api/users.rs"), "api::users");
        assert_eq!(m("crates/web/src/routes/admin/mod.rs"), "routes::admin");
    }

    #[test]
    fn matchers() {
        assert!(matcher_covers("/api/:path*", "/api/users/[id]"));
        assert!(matcher_covers("/api/:path*", "/api"));
        assert!(!matcher_covers("/dashboard/:path*", "/api/users"));
        assert!(matcher_covers("/admin/:path+", "/admin/users"));
        assert!(!matcher_covers("/admin/:path+", "/admin"));
        assert!(matcher_covers("/about", "/about"));
        assert!(!matcher_covers("/about", "/about/team"));
        let neg = "/((?!api|_next/static|_next/image|favicon.ico).*)";
        assert!(!matcher_covers(neg, "/api/items"));
        assert!(matcher_covers(neg, "/dashboard/settings"));
        let assets = "/((?!_next/static|_next/image|favicon.ico).*)";
        assert!(matcher_covers(assets, "/api/items"));
        // Not evaluated: assumed to cover.
        assert!(matcher_covers("/(api|trpc)(.*)", "/api/x"));
    }

    /// The file pass alone never judges a route another file may protect.
    #[test]
    fn file_pass_is_silent_on_cross_file_routes() {
        let cfg = crate::config::Config::default();
        let router = "const express = require('express');\nconst router = express.Router();\n\
            router.get('/', requireAuth, list);\nrouter.delete('/:id', remove);\nmodule.exports = router;\n";
        let r = crate::engine::check_source(Path::new("routes/orders.js"), router, &cfg);
        assert!(r.findings.iter().all(|f| f.rule.id != "unchecked-handler"));
        let nest = "@Controller('items')\nexport class ItemsController {\n  @UseGuards(JwtAuthGuard)\n  @Post()\n  create() { return this.items.create(); }\n  @Delete(':id')\n  remove() { return this.items.remove(); }\n}\n";
        let r = crate::engine::check_source(Path::new("src/items.controller.ts"), nest, &cfg);
        assert!(r.findings.iter().all(|f| f.rule.id != "unchecked-handler"));
        // An app built in the file is judged there.
        let app = "const express = require('express');\nconst app = express();\napp.post('/a', requireAuth, a);\n\
            app.delete('/orders/:id', (req, res) => { Order.destroy(req.params.id); res.end(); });\n";
        let r = crate::engine::check_source(Path::new("app.js"), app, &cfg);
        assert!(r.findings.iter().any(|f| f.rule.id == "unchecked-handler"));
        // A Flask blueprint: its app may guard it where it is registered.
        let bp = "from flask import Blueprint\nbp = Blueprint('o', __name__)\n\n\
            @bp.delete('/orders/<int:oid>')\ndef remove(oid):\n    db.session.delete(oid)\n    db.session.commit()\n";
        let r = crate::engine::check_source(Path::new("shop/orders.py"), bp, &cfg);
        assert!(r.findings.iter().all(|f| f.rule.id != "unchecked-handler"));
        // ... unless the file guards routes one by one: then its own convention judges them.
        let conv = format!(
            "{bp}\n@bp.post('/orders')\n@login_required\ndef create():\n    db.session.commit()\n"
        );
        let r = crate::engine::check_source(Path::new("shop/orders.py"), &conv, &cfg);
        assert!(r.findings.iter().any(|f| f.rule.id == "unchecked-handler"));
    }

    /// Routers mounting each other (a cycle) end as unknown, without hanging.
    #[test]
    fn mount_cycles_terminate() {
        let dir = tempfile::tempdir().unwrap();
        let a = "const { Router } = require('express');\nconst b = require('./b');\nconst router = Router();\n\
            router.use('/b', b);\nrouter.get('/', requireAuth, list);\nrouter.delete('/:id', remove);\nmodule.exports = router;\n";
        let b = "const { Router } = require('express');\nconst a = require('./a');\nconst router = Router();\n\
            router.use('/a', a);\nmodule.exports = router;\n";
        std::fs::write(dir.path().join("a.js"), a).unwrap();
        std::fs::write(dir.path().join("b.js"), b).unwrap();
        let cfg = crate::config::Config::default();
        let r =
            crate::engine::check_paths(&[dir.path().to_owned()], &cfg, &Default::default(), None);
        // Unknown chain: the file's own convention decides (`remove` lacks the guard the
        // sibling route has).
        let n = r
            .findings
            .iter()
            .filter(|f| f.rule.id == "unchecked-handler")
            .count();
        assert_eq!(n, 1);
    }

    #[test]
    fn joins_paths() {
        assert_eq!(join("/api", "/users"), "/api/users");
        assert_eq!(join("", "/users"), "/users");
        assert_eq!(join("/api/", "/"), "/api");
        assert_eq!(join("", ""), "/");
        assert_eq!(
            normalize(Path::new("a/./b/../c.js")),
            PathBuf::from("a/c.js")
        );
    }
}
