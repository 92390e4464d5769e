//! The language server: document sync, background linting, diagnostics, hover, code actions,
//! configuration per workspace folder and project-level checks.
//!
//! Threading: handlers only mutate the session state (a short `std::sync::Mutex` section, never
//! held across an `.await`); the engine runs on tokio's blocking pool on a snapshot of the text.
//! Per document at most one lint runs at a time; edits arriving meanwhile mark it `pending` and
//! the newest text is linted when the run ends. A result is published only if the document is
//! still at the version that was linted.

use crate::convert::{self, DiagData, FileConv, FindingInfo, SOURCE};
use crate::settings::Settings;
use crate::text::{apply_change, Encoding, Indexed};
use predeploy_rules::config::ConfigError;
use predeploy_rules::{Config, FileKind};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

const CONFIG_NAMES: &[&str] = &["predeploy.toml", ".predeploy.toml", "Cargo.toml"];
const PROJECT_NAMES: &[&str] = &["Cargo.toml", "Cargo.lock"];

pub struct Backend {
    shared: Arc<Shared>,
}

struct Shared {
    client: Client,
    /// Where `publishDiagnostics` frames go when the server runs behind the stdio guard (see
    /// `guard.rs`); None: through `client`.
    frames: Option<Frames>,
    st: Mutex<State>,
    /// Serializes "read what to publish" + "send it", so two publishes for one URI cannot
    /// overtake each other on the way out (the client always ends with the newest state).
    publish_order: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    enc: Encoding,
    settings: Settings,
    folders: Vec<Folder>,
    default_config: Arc<Config>,
    docs: HashMap<Uri, Doc>,
    published: HashMap<Uri, Published>,
    shutdown_requested: bool,
    dynamic_watch: bool,
    progress_supported: bool,
}

struct Folder {
    root: PathBuf,
    config: Arc<Config>,
    /// The URI a config error was published on, to clear it later.
    config_error_uri: Option<Uri>,
    /// URIs that got project-level diagnostics from the last project run.
    project_uris: HashSet<Uri>,
}

struct Doc {
    text: Arc<String>,
    version: i32,
    language_id: String,
    /// Bumped by every edit and every re-lint request.
    generation: u64,
    running: bool,
    pending: bool,
    /// Hover text and code actions of the findings in the last published diagnostics.
    infos: Vec<FindingInfo>,
    /// Diagnostics were published from a text that parsed (Rust), so they can be kept while the
    /// buffer does not parse.
    has_good: bool,
    /// The last syntax tree (JS/TS/Python), lent to the running lint so the next parse of the
    /// edited buffer is incremental.
    parse: Option<predeploy_rules::lang::ParseCache>,
    /// When the last edit arrived: an edit right after another one (a burst: multi-cursor
    /// edits, a formatter, fast typing) waits for the debounce, an isolated one is linted at
    /// once.
    last_change: Option<std::time::Instant>,
}

/// Diagnostics of one URI, by producer; the client sees their union. Shared, so a publish
/// serializes them without copying them.
#[derive(Default, Clone)]
struct Published {
    file: Arc<Vec<Diagnostic>>,
    project: Arc<Vec<Diagnostic>>,
    config: Arc<Vec<Diagnostic>>,
    scan: Arc<Vec<Diagnostic>>,
}

impl Published {
    fn parts(&self) -> [&[Diagnostic]; 4] {
        [&self.file, &self.project, &self.config, &self.scan]
    }
    fn all(&self) -> Vec<Diagnostic> {
        self.parts().concat()
    }
    fn is_empty(&self) -> bool {
        self.file.is_empty()
            && self.project.is_empty()
            && self.config.is_empty()
            && self.scan.is_empty()
    }
}

/// Whole frames (`Content-Length` header and body) to write to the client.
pub type Frames = tokio::sync::mpsc::UnboundedSender<Vec<u8>>;

/// The `textDocument/publishDiagnostics` notification for `parts` (concatenated), as a frame.
fn publish_frame(uri: &Uri, parts: &[&[Diagnostic]], version: Option<i32>) -> Vec<u8> {
    struct Concat<'a>(&'a [&'a [Diagnostic]]);
    impl serde::Serialize for Concat<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().flat_map(|p| p.iter()))
        }
    }
    #[derive(serde::Serialize)]
    struct Params<'a> {
        uri: &'a Uri,
        diagnostics: Concat<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        version: Option<i32>,
    }
    #[derive(serde::Serialize)]
    struct Notification<'a> {
        jsonrpc: &'static str,
        method: &'static str,
        params: Params<'a>,
    }
    let body = serde_json::to_vec(&Notification {
        jsonrpc: "2.0",
        method: "textDocument/publishDiagnostics",
        params: Params {
            uri,
            diagnostics: Concat(parts),
            version,
        },
    })
    // Diagnostics always serialize (string keys only); an empty list rather than a panic.
    .unwrap_or_else(|_| {
        serde_json::to_vec(&serde_json::json!({
            "jsonrpc": "2.0",
            "method": "textDocument/publishDiagnostics",
            "params": {"uri": uri, "diagnostics": []},
        }))
        .unwrap_or_default()
    });
    crate::guard::encode(&body)
}

/// Everything a background lint needs, copied out of the state.
struct LintJob {
    text: Arc<String>,
    version: i32,
    generation: u64,
    kind: FileKind,
    engine_path: PathBuf,
    root: Option<PathBuf>,
    config: Arc<Config>,
    settings: Settings,
    enc: Encoding,
    parse: Option<predeploy_rules::lang::ParseCache>,
    /// The quick check of an edit (see `predeploy_rules::engine::check_source_quick`); false
    /// for the full check that follows an incomplete one.
    quick: bool,
}

struct LintOut {
    diags: Vec<Diagnostic>,
    infos: Vec<FindingInfo>,
    rust_syntax_error: bool,
    parse: Option<predeploy_rules::lang::ParseCache>,
    /// False when a quick check kept whole-file findings from before the edit.
    complete: bool,
}

/// How long after an incomplete quick check, with no newer edit, the full check starts: typing
/// gets the quick checks, a pause brings route protection and the other whole-file analyses up
/// to date.
const FULL_CHECK_AFTER: Duration = Duration::from_millis(150);

fn file_name(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap_or_default()
}

fn kind_for_language(id: &str) -> Option<FileKind> {
    Some(match id {
        "rust" => FileKind::Rust,
        "javascript" => FileKind::JavaScript,
        "javascriptreact" => FileKind::Jsx,
        "typescript" => FileKind::TypeScript,
        "typescriptreact" => FileKind::Tsx,
        "python" => FileKind::Python,
        "dockerfile" => FileKind::Dockerfile,
        "yaml" | "dockercompose" => FileKind::Yaml,
        "toml" => FileKind::Toml,
        "json" | "jsonc" => FileKind::Json,
        "html" | "jinja" | "jinja-html" | "django-html" | "handlebars" => FileKind::Template,
        "dotenv" => FileKind::Env,
        _ => return None,
    })
}

impl State {
    /// A lint job for the document at generation `gen`: the quick check of an edit (it holds the
    /// document's tree until it ends; None when a lint of the document is running, which then
    /// runs again) or the full check that follows one (which holds nothing). None when the
    /// document changed since, is closed, or linting is off.
    fn job(&mut self, uri: &Uri, gen: u64, quick: bool) -> Option<LintJob> {
        let (engine_path, root, config, kind) = {
            let d = self.docs.get(uri)?;
            self.resolve(uri, &d.language_id)
        };
        let (settings, enc) = (self.settings.clone(), self.enc);
        let doc = self.docs.get_mut(uri)?;
        if doc.generation != gen || !settings.enable {
            return None; // a newer edit has its own timer
        }
        if quick {
            if doc.running {
                doc.pending = true;
                return None;
            }
            doc.running = true;
        }
        Some(LintJob {
            text: doc.text.clone(),
            version: doc.version,
            generation: gen,
            kind,
            engine_path,
            root,
            config,
            settings,
            enc,
            parse: if quick { doc.parse.take() } else { None },
            quick,
        })
    }

    /// The folder containing `path` (the deepest one).
    fn folder_of(&self, path: &Path) -> Option<usize> {
        self.folders
            .iter()
            .enumerate()
            .filter(|(_, f)| path.starts_with(&f.root))
            .max_by_key(|(_, f)| f.root.components().count())
            .map(|(i, _)| i)
    }

    /// Engine path, folder root, config and file kind for a document.
    fn resolve(
        &self,
        uri: &Uri,
        language_id: &str,
    ) -> (PathBuf, Option<PathBuf>, Arc<Config>, FileKind) {
        let path = uri.to_file_path().map(|p| p.into_owned());
        let (engine_path, root, config) = match &path {
            Some(p) if uri.scheme().as_str() == "file" => match self.folder_of(p) {
                Some(i) => {
                    let f = &self.folders[i];
                    let rel = p.strip_prefix(&f.root).unwrap_or(p).to_owned();
                    (rel, Some(f.root.clone()), f.config.clone())
                }
                None => (p.clone(), None, self.default_config.clone()),
            },
            _ => {
                // untitled:Untitled-1 and other schemes: the last segment, for the kind only.
                let last = uri
                    .path()
                    .as_str()
                    .rsplit('/')
                    .next()
                    .filter(|s| !s.is_empty())
                    .unwrap_or("untitled")
                    .to_owned();
                (PathBuf::from(last), None, self.default_config.clone())
            }
        };
        let mut kind = FileKind::detect(&engine_path);
        if kind == FileKind::Text {
            if let Some(k) = kind_for_language(language_id) {
                kind = k;
            }
        }
        (engine_path, root, config, kind)
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock must not take the server down with it.
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn publish(&self, uri: Uri) {
        let _order = self.publish_order.lock().await;
        let (published, version) = {
            let st = self.lock();
            let p = st.published.get(&uri).cloned().unwrap_or_default();
            (p, st.docs.get(&uri).map(|d| d.version))
        };
        match &self.frames {
            // Serialized straight from the shared lists: tower-lsp-server would build a
            // `serde_json::Value` of the whole message first (a copy of every string), which on
            // a file with hundreds of findings cost more than the quick check itself.
            Some(frames) => {
                let _ = frames.send(publish_frame(&uri, &published.parts(), version));
            }
            None => {
                self.client
                    .publish_diagnostics(uri, published.all(), version)
                    .await
            }
        }
    }

    /// Requests a lint of `uri` after `delay`, unless a newer edit arrives first.
    fn schedule(self: &Arc<Self>, uri: Uri, delay: Duration) {
        let gen = match self.lock().docs.get(&uri) {
            Some(d) => d.generation,
            None => return,
        };
        let this = self.clone();
        tokio::spawn(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            this.run_lint(uri, gen).await;
        });
    }

    async fn run_lint(self: Arc<Self>, uri: Uri, gen: u64) {
        let Some(job) = self.lock().job(&uri, gen, true) else {
            return;
        };
        let version = job.version;
        let generation = job.generation;
        let is_rust = job.kind == FileKind::Rust;
        let uri2 = uri.clone();
        let mut out = crate::pool::run(move || lint(&uri2, job)).await;
        let mut follow_up = false;
        // The replaced results, dropped after the publish (freeing them is not on its way).
        let mut stale = None;
        let publish = {
            let mut st = self.lock();
            let enabled = st.settings.enable;
            let Some(doc) = st.docs.get_mut(&uri) else {
                return;
            };
            doc.running = false;
            if let Ok(o) = out.as_mut() {
                doc.parse = o.parse.take();
            }
            if doc.pending || doc.generation != generation {
                let rerun = doc.pending;
                doc.pending = false;
                drop(st);
                if rerun {
                    self.schedule(uri, Duration::ZERO);
                }
                return;
            }
            match out {
                // Disabled while this lint ran: publish nothing.
                Ok(_) if !enabled => false,
                Ok(out) => {
                    if is_rust && out.rust_syntax_error && doc.has_good {
                        // Half-typed Rust: keep what the client shows until it parses again.
                        false
                    } else {
                        follow_up = !out.complete;
                        doc.has_good = !out.rust_syntax_error;
                        let infos = std::mem::replace(&mut doc.infos, out.infos);
                        debug_assert_eq!(doc.version, version);
                        let p = st.published.entry(uri.clone()).or_default();
                        stale = Some((infos, std::mem::replace(&mut p.file, Arc::new(out.diags))));
                        true
                    }
                }
                Err(_) => false, // the engine catches rule panics; a join error means cancelled
            }
        };
        if publish {
            self.publish(uri.clone()).await;
        }
        drop(stale);
        if follow_up {
            let this = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(FULL_CHECK_AFTER).await;
                this.run_full(uri, generation).await;
            });
        }
    }

    /// The full check after a quick one, when no edit came since. It parses afresh and does not
    /// hold the document: an edit meanwhile gets its quick check at once, and this result is
    /// then dropped.
    async fn run_full(self: Arc<Self>, uri: Uri, gen: u64) {
        let Some(job) = self.lock().job(&uri, gen, false) else {
            return;
        };
        let uri2 = uri.clone();
        let Ok(mut out) = crate::pool::run(move || lint(&uri2, job)).await else {
            return;
        };
        {
            let mut st = self.lock();
            if !st.settings.enable {
                return;
            }
            let Some(doc) = st.docs.get_mut(&uri) else {
                return;
            };
            if doc.generation != gen || doc.running {
                return;
            }
            doc.parse = out.parse.take();
            doc.infos = out.infos;
            st.published.entry(uri.clone()).or_default().file = Arc::new(out.diags);
        }
        self.publish(uri).await;
    }

    fn relint_all(self: &Arc<Self>, only_root: Option<&Path>) {
        let uris: Vec<Uri> = {
            let mut st = self.lock();
            let mut v = Vec::new();
            for (uri, d) in st.docs.iter_mut() {
                let in_root = match (only_root, uri.to_file_path()) {
                    (None, _) => true,
                    (Some(r), Some(p)) => p.starts_with(r),
                    (Some(_), None) => false,
                };
                if in_root {
                    d.generation += 1;
                    v.push(uri.clone());
                }
            }
            v
        };
        for u in uris {
            self.schedule(u, Duration::ZERO);
        }
    }

    /// Loads (or reloads) the configuration of folder `i`; a broken config is published as a
    /// diagnostic on the config file and the folder falls back to defaults.
    async fn load_config(self: &Arc<Self>, root: PathBuf) {
        let r = {
            let root = root.clone();
            tokio::task::spawn_blocking(move || Config::discover(&root))
                .await
                .unwrap_or_else(|_| Ok(Config::default()))
        };
        let (cfg, err) = match r {
            Ok(c) => (c, None),
            Err(e) => (Config::default(), Some(e)),
        };
        let mut to_publish = Vec::new();
        {
            let mut st = self.lock();
            let enc = st.enc;
            let err_diag = err
                .as_ref()
                .and_then(|e| config_error_diag(&st, e, &root, enc));
            let Some(i) = st.folders.iter().position(|f| f.root == root) else {
                return;
            };
            if let Some(old) = st.folders[i].config_error_uri.take() {
                if let Some(p) = st.published.get_mut(&old) {
                    p.config = Arc::default();
                }
                to_publish.push(old);
            }
            st.folders[i].config = Arc::new(cfg);
            if let Some((uri, d)) = err_diag {
                st.published.entry(uri.clone()).or_default().config = Arc::new(vec![d]);
                st.folders[i].config_error_uri = Some(uri.clone());
                to_publish.push(uri);
            }
        }
        if let Some(e) = &err {
            self.client
                .log_message(
                    MessageType::WARNING,
                    format!("cargo-predeploy: {e}; using the default configuration"),
                )
                .await;
        }
        to_publish.dedup();
        for u in to_publish {
            self.publish(u).await;
        }
    }

    /// Runs project-level checks (lock files, advisories) for the folder at `root` and publishes
    /// their findings per file.
    async fn run_project_checks(self: &Arc<Self>, root: PathBuf) {
        let (config, settings, enc) = {
            let st = self.lock();
            let Some(f) = st.folders.iter().find(|f| f.root == root) else {
                return;
            };
            if !st.settings.enable {
                return;
            }
            (f.config.clone(), st.settings.clone(), st.enc)
        };
        let root2 = root.clone();
        let res = tokio::task::spawn_blocking(move || {
            let r = predeploy_rules::check_project(std::slice::from_ref(&root2), &config);
            group_by_file(&root2, r.findings, r.notes, &settings, enc)
        })
        .await;
        let Ok(groups) = res else { return };
        let mut to_publish: Vec<Uri> = Vec::new();
        {
            let mut st = self.lock();
            let Some(i) = st.folders.iter().position(|f| f.root == root) else {
                return;
            };
            let old = std::mem::take(&mut st.folders[i].project_uris);
            for u in &old {
                if let Some(p) = st.published.get_mut(u) {
                    p.project = Arc::default();
                }
            }
            let mut new = HashSet::new();
            for (uri, diags) in groups {
                st.published.entry(uri.clone()).or_default().project = Arc::new(diags);
                new.insert(uri);
            }
            to_publish.extend(old.union(&new).cloned());
            st.folders[i].project_uris = new;
        }
        for u in to_publish {
            self.publish(u).await;
        }
    }

    /// The optional scan of every file in every folder, with `$/progress`.
    async fn scan_workspace(self: &Arc<Self>) {
        let (roots, progress_ok) = {
            let st = self.lock();
            (
                st.folders
                    .iter()
                    .map(|f| (f.root.clone(), f.config.clone()))
                    .collect::<Vec<_>>(),
                st.progress_supported,
            )
        };
        for (n, (root, config)) in roots.into_iter().enumerate() {
            let token = NumberOrString::String(format!("cargo-predeploy/scan/{n}"));
            let progress = if progress_ok
                && self
                    .client
                    .create_work_done_progress(token.clone())
                    .await
                    .is_ok()
            {
                Some(
                    self.client
                        .progress(token, "cargo-predeploy: scanning")
                        .with_message(root.display().to_string())
                        .with_percentage(0)
                        .begin()
                        .await,
                )
            } else {
                None
            };
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, usize)>();
            let (settings, enc) = {
                let st = self.lock();
                (st.settings.clone(), st.enc)
            };
            let root2 = root.clone();
            let work = tokio::task::spawn_blocking(move || {
                let cb = move |done: usize, total: usize| {
                    let _ = tx.send((done, total));
                };
                let r = predeploy_rules::check_paths(
                    std::slice::from_ref(&root2),
                    &config,
                    &Default::default(),
                    Some(&cb),
                );
                group_by_file(&root2, r.findings, r.notes, &settings, enc)
            });
            let mut last = 0;
            while let Some((done, total)) = rx.recv().await {
                let pct = (done * 100 / total.max(1)) as u32;
                if pct >= last + 5 {
                    last = pct;
                    if let Some(p) = &progress {
                        p.report_with_message(format!("{done}/{total} files"), pct)
                            .await;
                    }
                }
            }
            let groups = work.await.unwrap_or_default();
            let mut to_publish = Vec::new();
            {
                let mut st = self.lock();
                for (uri, diags) in groups {
                    if st.docs.contains_key(&uri) {
                        continue; // open documents are linted from their buffer
                    }
                    st.published.entry(uri.clone()).or_default().scan = Arc::new(diags);
                    to_publish.push(uri);
                }
            }
            let count = to_publish.len();
            for u in to_publish {
                self.publish(u).await;
            }
            if let Some(p) = progress {
                p.finish_with_message(format!("{count} files with findings"))
                    .await;
            }
        }
    }
}

/// Lints one snapshot (runs on the blocking pool).
fn lint(uri: &Uri, mut job: LintJob) -> LintOut {
    let ix = Indexed::new(&job.text, job.enc);
    if job.text.len() as u64 > job.config.max_file_size {
        let d = Diagnostic {
            range: Range::default(),
            severity: Some(DiagnosticSeverity::INFORMATION),
            source: Some(SOURCE.to_owned()),
            message: format!(
                "not checked: {} bytes is over the {} byte limit (raise max_file_size in predeploy.toml)",
                job.text.len(),
                job.config.max_file_size
            ),
            ..Default::default()
        };
        return LintOut {
            diags: vec![d],
            infos: Vec::new(),
            rust_syntax_error: false,
            parse: None,
            complete: true,
        };
    }
    let (r, complete) = if job.quick {
        predeploy_rules::engine::check_source_quick(
            &job.engine_path,
            &job.text,
            job.kind,
            &job.config,
            &mut job.parse,
        )
    } else {
        let r = predeploy_rules::engine::check_source_incremental(
            &job.engine_path,
            &job.text,
            job.kind,
            &job.config,
            &mut job.parse,
        );
        (r, true)
    };
    let conv = FileConv {
        uri,
        engine_path: &job.engine_path,
        root: job.root.as_deref(),
        kind: job.kind,
        ix: &ix,
        min_severity: job.settings.min_severity,
    };
    let mut diags = Vec::new();
    let mut infos = Vec::new();
    for f in &r.findings {
        if let Some((d, info)) = conv.finding(f) {
            diags.push(d);
            infos.push(info);
        }
    }
    let mut rust_syntax_error = false;
    for n in &r.notes {
        if convert::is_rust_syntax_error(n) {
            rust_syntax_error = true;
        }
        if n.path.as_deref().is_none_or(|p| p == job.engine_path) {
            diags.extend(conv.note(n));
        }
    }
    LintOut {
        diags,
        infos,
        rust_syntax_error,
        parse: job.parse,
        complete,
    }
}

/// Groups findings and notes of a scan by file and converts them (reading each file from disk).
fn group_by_file(
    root: &Path,
    findings: Vec<predeploy_rules::Finding>,
    notes: Vec<predeploy_rules::Note>,
    settings: &Settings,
    enc: Encoding,
) -> Vec<(Uri, Vec<Diagnostic>)> {
    let abs = |p: &Path| {
        if p.is_relative() {
            root.join(p)
        } else {
            p.to_owned()
        }
    };
    // Keyed by absolute path (findings may carry relative paths, notes absolute ones).
    let mut by: std::collections::BTreeMap<PathBuf, (Vec<_>, Vec<_>)> = Default::default();
    for f in findings {
        by.entry(abs(&f.path)).or_default().0.push(f);
    }
    for n in notes {
        if let (Some(p), Some(_)) = (n.path.as_deref(), n.line) {
            by.entry(abs(p)).or_default().1.push(n);
        }
    }
    let mut out = Vec::new();
    for (abs, (fs, ns)) in by {
        let path = abs.strip_prefix(root).unwrap_or(&abs).to_owned();
        let Some(uri) = Uri::from_file_path(&abs) else {
            continue;
        };
        let text = std::fs::read_to_string(&abs).unwrap_or_default();
        let ix = Indexed::new(&text, enc);
        let kind = FileKind::detect(&abs);
        let conv = FileConv {
            uri: &uri,
            engine_path: &path,
            root: Some(root),
            kind,
            ix: &ix,
            min_severity: settings.min_severity,
        };
        let mut diags: Vec<Diagnostic> = fs
            .iter()
            .filter_map(|f| conv.finding(f))
            .map(|(d, info)| convert::with_data(d, &info))
            .collect();
        diags.extend(ns.iter().filter_map(|n| conv.note(n)));
        if !diags.is_empty() {
            out.push((uri, diags));
        }
    }
    out
}

fn config_error_diag(
    st: &State,
    e: &ConfigError,
    root: &Path,
    enc: Encoding,
) -> Option<(Uri, Diagnostic)> {
    let path = e
        .path
        .clone()
        .unwrap_or_else(|| root.join("predeploy.toml"));
    let uri = Uri::from_file_path(&path)?;
    let text = match st.docs.get(&uri) {
        Some(d) => d.text.as_str().to_owned(),
        None => std::fs::read_to_string(&path).unwrap_or_default(),
    };
    let ix = Indexed::new(&text, enc);
    let range = ix.line_range(e.line.unwrap_or(1).saturating_sub(1) as usize);
    let mut message = String::from("invalid cargo-predeploy configuration: ");
    if let Some(k) = &e.key {
        message.push_str(&format!("key `{k}`: "));
    }
    message.push_str(&e.message);
    message.push_str(" (linting uses the defaults until this is fixed)");
    Some((
        uri,
        Diagnostic {
            range,
            severity: Some(DiagnosticSeverity::ERROR),
            source: Some(SOURCE.to_owned()),
            message,
            ..Default::default()
        },
    ))
}

impl Backend {
    pub fn new(client: Client) -> Backend {
        Backend::with_frames(client, None)
    }

    /// A server that writes its `publishDiagnostics` notifications as whole frames to `frames`
    /// (the stdio guard's output, beside the frames of tower-lsp-server's transport).
    pub fn with_frames(client: Client, frames: Option<Frames>) -> Backend {
        Backend {
            shared: Arc::new(Shared {
                client,
                frames,
                st: Mutex::new(State::default()),
                publish_order: tokio::sync::Mutex::new(()),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    /// Whether the server exited after a `shutdown` request (LSP: exit code 0), as opposed to
    /// an `exit` without `shutdown` (exit code 1).
    pub fn shutdown_flag(&self) -> Arc<dyn Fn() -> bool + Send + Sync> {
        let s = self.shared.clone();
        Arc::new(move || s.lock().shutdown_requested)
    }

    fn on_config_or_project_file(&self, path: &Path) {
        let name = file_name(path);
        let root = {
            let st = self.lock();
            st.folder_of(path).map(|i| st.folders[i].root.clone())
        };
        let Some(root) = root else { return };
        let sh = self.shared.clone();
        let is_config = CONFIG_NAMES.contains(&name) && path.parent() == Some(root.as_path());
        let is_project = PROJECT_NAMES.contains(&name);
        if !is_config && !is_project {
            return;
        }
        tokio::spawn(async move {
            if is_config {
                sh.load_config(root.clone()).await;
                sh.relint_all(Some(&root));
            }
            if is_project {
                sh.run_project_checks(root).await;
            }
        });
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let mut st = self.lock();
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.clone())
            .unwrap_or_default();
        st.enc = if offered.contains(&PositionEncodingKind::UTF8) {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        st.dynamic_watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        st.progress_supported = params
            .capabilities
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false);
        if let Some(opts) = &params.initialization_options {
            st.settings.update(opts);
        }
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
        #[allow(deprecated)]
        if roots.is_empty() {
            if let Some(p) = params.root_uri.as_ref().and_then(|u| u.to_file_path()) {
                roots.push(p.into_owned());
            } else if let Some(p) = &params.root_path {
                roots.push(PathBuf::from(p));
            }
        }
        for root in roots {
            // Loaded synchronously here so the first didOpen already sees the right config;
            // errors are published from `initialized` (notifications need an initialized client).
            let config = Config::discover(&root).unwrap_or_default();
            st.folders.push(Folder {
                root,
                config: Arc::new(config),
                config_error_uri: None,
                project_uris: HashSet::new(),
            });
        }
        let enc = match st.enc {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        };
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(enc),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                            include_text: Some(false),
                        })),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..Default::default()
                    },
                )),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: "cargo-predeploy".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let (roots, dynamic, scan) = {
            let st = self.lock();
            (
                st.folders
                    .iter()
                    .map(|f| f.root.clone())
                    .collect::<Vec<_>>(),
                st.dynamic_watch,
                st.settings.scan_workspace && st.settings.enable,
            )
        };
        let sh = self.shared.clone();
        tokio::spawn(async move {
            if dynamic {
                let watchers = [
                    "**/predeploy.toml",
                    "**/.predeploy.toml",
                    "**/Cargo.toml",
                    "**/Cargo.lock",
                ]
                .iter()
                .map(|g| FileSystemWatcher {
                    glob_pattern: GlobPattern::String(g.to_string()),
                    kind: None,
                })
                .collect();
                let reg = Registration {
                    id: "cargo-predeploy-watch".into(),
                    method: "workspace/didChangeWatchedFiles".into(),
                    register_options: serde_json::to_value(
                        DidChangeWatchedFilesRegistrationOptions { watchers },
                    )
                    .ok(),
                };
                let _ = sh.client.register_capability(vec![reg]).await;
            }
            for r in &roots {
                // Publishes a config error, if any, now that the client is initialized.
                sh.load_config(r.clone()).await;
            }
            if scan {
                sh.scan_workspace().await;
            }
        });
    }

    async fn shutdown(&self) -> Result<()> {
        self.lock().shutdown_requested = true;
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let td = params.text_document;
        let uri = td.uri.clone();
        {
            let mut st = self.lock();
            let generation = st.docs.get(&uri).map(|d| d.generation + 1).unwrap_or(0);
            st.docs.insert(
                uri.clone(),
                Doc {
                    text: Arc::new(td.text),
                    version: td.version,
                    language_id: td.language_id,
                    generation,
                    running: false,
                    pending: false,
                    infos: Vec::new(),
                    has_good: false,
                    parse: None,
                    last_change: None,
                },
            );
            if let Some(p) = st.published.get_mut(&uri) {
                p.scan = Arc::default();
            }
        }
        self.shared.schedule(uri.clone(), Duration::ZERO);
        if let Some(p) = uri.to_file_path() {
            self.on_config_or_project_file(&p);
        }
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let delay = {
            let mut st = self.lock();
            let enc = st.enc;
            let delay = Duration::from_millis(st.settings.debounce_ms);
            let Some(doc) = st.docs.get_mut(&uri) else {
                return; // a change for a document never opened: ignore
            };
            let text = Arc::make_mut(&mut doc.text);
            for change in params.content_changes {
                apply_change(text, change, enc);
            }
            doc.version = params.text_document.version;
            doc.generation += 1;
            let now = std::time::Instant::now();
            let burst = doc
                .last_change
                .is_some_and(|t| now.duration_since(t) < delay);
            doc.last_change = Some(now);
            // Leading edge: an isolated edit is linted at once; edits in a burst wait for the
            // debounce, and an edit during a running lint is picked up when it ends.
            if burst || doc.running {
                delay
            } else {
                Duration::ZERO
            }
        };
        self.shared.schedule(uri, delay);
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let uri = params.text_document.uri;
        {
            let mut st = self.lock();
            let Some(doc) = st.docs.get_mut(&uri) else {
                return;
            };
            if let Some(t) = params.text {
                doc.text = Arc::new(t);
            }
            doc.generation += 1;
        }
        self.shared.schedule(uri.clone(), Duration::ZERO);
        if let Some(p) = uri.to_file_path() {
            self.on_config_or_project_file(&p);
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        {
            let mut st = self.lock();
            st.docs.remove(&uri);
            if let Some(p) = st.published.get_mut(&uri) {
                p.file = Arc::default();
                if p.is_empty() {
                    st.published.remove(&uri);
                }
            }
        }
        self.shared.publish(uri).await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let (problems, enabled, cleared) = {
            let mut st = self.lock();
            let before = st.settings.clone();
            let problems = st.settings.update(&params.settings);
            let enabled = st.settings.enable;
            let mut cleared = Vec::new();
            if !enabled {
                for (u, p) in st.published.iter_mut() {
                    *p = Published::default();
                    cleared.push(u.clone());
                }
                for d in st.docs.values_mut() {
                    d.infos.clear();
                    d.has_good = false;
                }
            }
            (problems, enabled && (before != st.settings), cleared)
        };
        for p in problems {
            self.shared
                .client
                .show_message(MessageType::WARNING, p)
                .await;
        }
        for u in cleared {
            self.shared.publish(u).await;
        }
        if enabled {
            self.shared.relint_all(None);
        }
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let added: Vec<PathBuf> = {
            let mut st = self.lock();
            for f in &params.event.removed {
                if let Some(p) = f.uri.to_file_path() {
                    st.folders.retain(|x| x.root != *p);
                }
            }
            let mut added = Vec::new();
            for f in &params.event.added {
                if let Some(p) = f.uri.to_file_path() {
                    let root = p.into_owned();
                    if !st.folders.iter().any(|x| x.root == root) {
                        st.folders.push(Folder {
                            root: root.clone(),
                            config: Arc::new(Config::default()),
                            config_error_uri: None,
                            project_uris: HashSet::new(),
                        });
                        added.push(root);
                    }
                }
            }
            added
        };
        for r in added {
            self.shared.load_config(r).await;
        }
        self.shared.relint_all(None);
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let mut seen = HashSet::new();
        for ev in params.changes {
            if let Some(p) = ev.uri.to_file_path() {
                let p = p.into_owned();
                if seen.insert(p.clone()) {
                    self.on_config_or_project_file(&p);
                }
            }
        }
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let pos = params.text_document_position_params.position;
        let uri = params.text_document_position_params.text_document.uri;
        let st = self.lock();
        let Some(doc) = st.docs.get(&uri) else {
            return Ok(None);
        };
        let key = |p: Position| (p.line, p.character);
        let hits: Vec<&FindingInfo> = doc
            .infos
            .iter()
            .filter(|h| key(h.range.start) <= key(pos) && key(pos) <= key(h.range.end))
            .collect();
        if hits.is_empty() {
            return Ok(None);
        }
        let value = hits
            .iter()
            .map(|h| convert::hover_markdown(h))
            .collect::<Vec<_>>()
            .join("\n\n---\n\n");
        Ok(Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            }),
            range: Some(hits[0].range),
        }))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        if let Some(only) = &params.context.only {
            if !only
                .iter()
                .any(|k| k.as_str() == "quickfix" || k.as_str().is_empty())
            {
                return Ok(Some(Vec::new()));
            }
        }
        let uri = params.text_document.uri;
        // Each of our diagnostics with its actions: kept by the server for an open document,
        // carried in `data` for the others.
        let pairs: Vec<(Diagnostic, DiagData)> = {
            let st = self.lock();
            let infos = st.docs.get(&uri).map_or(&[][..], |d| &d.infos[..]);
            let actions = |d: &Diagnostic| match &d.data {
                Some(v) => serde_json::from_value::<DiagData>(v.clone()).ok(),
                // The same range, or (a client that sends columns back in another encoding)
                // the same rule on the same line.
                None => infos
                    .iter()
                    .find(|i| i.is_for(d))
                    .or_else(|| infos.iter().find(|i| i.is_on_line_of(d)))
                    .map(|i| i.actions.clone()),
            };
            let mut pairs: Vec<(Diagnostic, DiagData)> = params
                .context
                .diagnostics
                .into_iter()
                .filter(|d| d.source.as_deref() == Some(SOURCE))
                .filter_map(|d| actions(&d).map(|a| (d, a)))
                .collect();
            if pairs.is_empty() {
                // Clients that do not send diagnostics back: what was published for the range.
                let r = params.range;
                let key = |p: Position| (p.line, p.character);
                if let Some(p) = st.published.get(&uri) {
                    pairs = p
                        .all()
                        .into_iter()
                        .filter(|d| d.source.as_deref() == Some(SOURCE))
                        .filter(|d| {
                            key(d.range.start) <= key(r.end) && key(r.start) <= key(d.range.end)
                        })
                        .filter_map(|d| actions(&d).map(|a| (d, a)))
                        .collect();
                }
            }
            pairs
        };
        let mut actions = Vec::new();
        let mut suppress_seen = HashSet::new();
        for (d, data) in pairs {
            let mk = |title: String, edits: Vec<TextEdit>, preferred: bool| {
                CodeActionOrCommand::CodeAction(CodeAction {
                    title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![d.clone()]),
                    edit: Some(WorkspaceEdit {
                        changes: Some(HashMap::from([(uri.clone(), edits)])),
                        ..Default::default()
                    }),
                    is_preferred: preferred.then_some(true),
                    ..Default::default()
                })
            };
            for f in data.fixes {
                actions.push(mk(f.title, f.edits, f.preferred));
            }
            if let Some(s) = data.suppress {
                let key = (
                    data.rule.clone(),
                    s.edits.first().map(|e| e.range.start.line),
                );
                if suppress_seen.insert(key) {
                    actions.push(mk(s.title, s.edits, false));
                }
            }
        }
        Ok(Some(actions))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use predeploy_rules::finding::{Finding, LineCol};

    fn finding(path: &str, range: std::ops::Range<usize>) -> Finding {
        Finding {
            rule: predeploy_rules::registry::by_id("sql-string-concat").unwrap(),
            path: PathBuf::from(path),
            range,
            start: LineCol::default(),
            end: LineCol::default(),
            message: "m".into(),
            help: None,
            severity: predeploy_rules::Severity::High,
            confidence: predeploy_rules::Confidence::High,
            fix: None,
            related: Vec::new(),
            snippet: None,
            fingerprint: String::new(),
            suppression: None,
            redact: Vec::new(),
        }
    }

    /// The frame the server writes itself holds what tower-lsp-server would have sent: the
    /// parts concatenated, in order, and the version only when there is one.
    #[test]
    fn publish_frames_carry_the_standard_notification() {
        let uri: Uri = "file:///w/app.py".parse().unwrap();
        let d = |line: u32, msg: &str| Diagnostic {
            range: Range::new(Position::new(line, 0), Position::new(line, 3)),
            severity: Some(DiagnosticSeverity::ERROR),
            code: Some(NumberOrString::String("sql-string-concat".into())),
            source: Some(SOURCE.into()),
            message: msg.into(),
            ..Default::default()
        };
        let (a, b) = (vec![d(1, "a"), d(2, "b \"q\" é")], vec![d(7, "c")]);
        for version in [Some(3), None] {
            let frame = publish_frame(&uri, &[&a, &[], &b], version);
            let text = String::from_utf8(frame).unwrap();
            let (head, body) = text.split_once("\r\n\r\n").unwrap();
            assert_eq!(head, format!("Content-Length: {}", body.len()));
            let got: serde_json::Value = serde_json::from_str(body).unwrap();
            let params = PublishDiagnosticsParams::new(
                uri.clone(),
                [a.clone(), b.clone()].concat(),
                version,
            );
            let want = serde_json::json!({
                "jsonrpc": "2.0",
                "method": "textDocument/publishDiagnostics",
                "params": serde_json::to_value(params).unwrap(),
            });
            assert_eq!(got, want);
        }
    }

    #[test]
    fn project_findings_are_grouped_per_file_with_positions_from_disk() {
        let dir = tempfile::tempdir().unwrap();
        let lock = "# lock\n[[package]]\nname = \"time\"\nversion = \"0.1.0\"\n";
        std::fs::write(dir.path().join("Cargo.lock"), lock).unwrap();
        let at = lock.find("name").unwrap();
        let notes = vec![predeploy_rules::Note::warning(
            Some(dir.path().join("Cargo.lock")),
            "a note with a line",
        )
        .at_line(4)];
        let groups = group_by_file(
            dir.path(),
            vec![
                finding("Cargo.lock", at..at + 4),
                finding("Cargo.lock", 0..1),
            ],
            notes,
            &Settings::default(),
            Encoding::Utf16,
        );
        assert_eq!(groups.len(), 1);
        let (uri, diags) = &groups[0];
        assert!(uri.as_str().ends_with("/Cargo.lock"), "{}", uri.as_str());
        assert_eq!(diags.len(), 3);
        assert_eq!(diags[0].range.start, Position::new(2, 0));
        assert_eq!(diags[0].range.end, Position::new(2, 4));
        assert_eq!(diags[2].range.start.line, 3);
        // The suppression edit for a TOML file uses `#`.
        let data: DiagData = serde_json::from_value(diags[0].data.clone().unwrap()).unwrap();
        assert!(data.suppress.unwrap().edits[0]
            .new_text
            .starts_with("# predeploy:allow(sql-string-concat)"));
        // failOn above the severity hides them.
        let hidden = group_by_file(
            dir.path(),
            vec![finding("Cargo.lock", 0..1)],
            Vec::new(),
            &Settings {
                min_severity: predeploy_rules::Severity::Critical,
                ..Settings::default()
            },
            Encoding::Utf16,
        );
        assert!(hidden.is_empty());
    }

    #[test]
    fn language_ids_pick_a_kind_for_extensionless_buffers() {
        let st = State::default();
        let uri: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(st.resolve(&uri, "python").3, FileKind::Python);
        assert_eq!(st.resolve(&uri, "plaintext").3, FileKind::Text);
        let uri: Uri = "file:///x/script".parse().unwrap();
        assert_eq!(st.resolve(&uri, "typescriptreact").3, FileKind::Tsx);
        let uri: Uri = "file:///x/a.rs".parse().unwrap();
        assert_eq!(
            st.resolve(&uri, "python").3,
            FileKind::Rust,
            "extension wins"
        );
    }
}
