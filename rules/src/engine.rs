//! The engine: one entry point for a text in memory ([`check_source`]) and one for paths on disk
//! ([`check_paths`]). Both the CLI and the language server call these.

use crate::config::Config;
use crate::finding::{Finding, LineCol, Note, Related, Snippet};
use crate::meta::RuleMeta;
use crate::source::{is_test_path, FileKind, LineIndex};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Per-file context handed to every rule.
pub struct FileCx<'a> {
    /// Path used in findings (relative to the scan root when scanning a tree).
    pub path: &'a Path,
    /// The path relative to the scan root, for judgements by directory names (a checkout's own
    /// location must not count): `path` itself for a single file.
    pub rel: &'a Path,
    pub text: &'a str,
    pub kind: FileKind,
    pub config: &'a Config,
    /// The file looks like test code (tests/, *_test.py, *.spec.ts...). Rules that would be noisy
    /// on tests check this; `include_tests = true` in the config clears it.
    pub is_test: bool,
    /// The file is a schema migration or a seed script ([`crate::source::is_db_script_path`]).
    pub is_db_script: bool,
    pub index: LineIndex,
    pub(crate) findings: Vec<Finding>,
    pub(crate) notes: Vec<Note>,
    /// The text in ASCII lower case, made when a rule first asks ([`FileCx::mentions`]), and
    /// the answers given so far.
    lower: std::cell::OnceCell<String>,
    mentioned: std::cell::RefCell<Vec<(&'static str, bool)>>,
}

impl<'a> FileCx<'a> {
    /// The text in ASCII lower case (made once).
    pub fn lower(&self) -> &str {
        self.lower.get_or_init(|| self.text.to_ascii_lowercase())
    }

    /// Whether the text contains `needle` (lower case) in any ASCII case: a rule's prefilter,
    /// one search of the file (remembered) instead of work at every node.
    pub fn mentions(&self, needle: &'static str) -> bool {
        debug_assert_eq!(needle, needle.to_ascii_lowercase());
        if let Some(&(_, hit)) = self.mentioned.borrow().iter().find(|(n, _)| *n == needle) {
            return hit;
        }
        let hit = memchr::memmem::find(self.lower().as_bytes(), needle.as_bytes()).is_some();
        self.mentioned.borrow_mut().push((needle, hit));
        hit
    }

    pub fn new(path: &'a Path, text: &'a str, kind: FileKind, config: &'a Config) -> FileCx<'a> {
        FileCx {
            path,
            rel: path,
            text,
            kind,
            config,
            is_test: !config.include_tests && is_test_path(path),
            is_db_script: crate::source::is_db_script_path(path),
            index: LineIndex::new(text),
            findings: Vec::new(),
            notes: Vec::new(),
            lower: std::cell::OnceCell::new(),
            mentioned: std::cell::RefCell::new(Vec::new()),
        }
    }

    pub fn enabled(&self, rule: &RuleMeta) -> bool {
        self.config.is_enabled(rule)
    }

    /// Any of these rules enabled?
    pub fn any_enabled(&self, rules: &[&RuleMeta]) -> bool {
        rules.iter().any(|r| self.config.is_enabled(r))
    }

    /// Reports a finding. Disabled rules are dropped later, so rules need not check.
    /// Returns the finding so the caller can add help, a fix, related places, redactions.
    pub fn report(
        &mut self,
        rule: &'static RuleMeta,
        range: Range<usize>,
        message: impl Into<String>,
    ) -> &mut Finding {
        let range = clamp_range(self.text, range);
        self.findings.push(Finding {
            rule,
            path: self.path.to_owned(),
            range,
            start: LineCol::default(),
            end: LineCol::default(),
            message: message.into(),
            help: None,
            severity: rule.severity,
            confidence: rule.confidence,
            fix: None,
            related: Vec::new(),
            snippet: None,
            fingerprint: String::new(),
            suppression: None,
            redact: Vec::new(),
        });
        self.findings.last_mut().expect("just pushed")
    }

    /// A related location in this same file.
    pub fn related(&self, range: Range<usize>, message: impl Into<String>) -> Related {
        let range = clamp_range(self.text, range);
        Related {
            path: self.path.to_owned(),
            start: self.index.line_col(self.text, range.start),
            range,
            message: message.into(),
        }
    }

    pub fn note(&mut self, note: Note) {
        self.notes.push(note);
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> u32 {
        self.index.line_of(offset) as u32 + 1
    }
}

fn clamp_range(text: &str, r: Range<usize>) -> Range<usize> {
    let s = crate::source::floor_char_boundary(text, r.start.min(text.len()));
    let e = crate::source::floor_char_boundary(text, r.end.min(text.len())).max(s);
    s..e
}

impl Finding {
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }
    pub fn severity(&mut self, s: crate::meta::Severity) -> &mut Self {
        self.severity = s;
        self
    }
    pub fn confidence(&mut self, c: crate::meta::Confidence) -> &mut Self {
        self.confidence = c;
        self
    }
    pub fn fix(&mut self, fix: crate::finding::Fix) -> &mut Self {
        self.fix = Some(fix);
        self
    }
    pub fn with_related(&mut self, r: Related) -> &mut Self {
        self.related.push(r);
        self
    }
    /// Marks a byte range as secret: outputs mask it.
    pub fn redact(&mut self, r: Range<usize>) -> &mut Self {
        self.redact.push(r);
        self
    }
}

/// Result of checking one file.
#[derive(Debug, Default)]
pub struct FileResult {
    pub findings: Vec<Finding>,
    pub notes: Vec<Note>,
}

/// Checks one file's text (an editor buffer or a file read from disk). The kind is taken from the
/// path. Never panics on any input: a rule that panics is caught and reported as a note.
pub fn check_source(path: &Path, text: &str, config: &Config) -> FileResult {
    check_source_as(path, text, FileKind::detect(path), config)
}

/// Like [`check_source`] with an explicit file kind (for buffers whose path says nothing).
pub fn check_source_as(path: &Path, text: &str, kind: FileKind, config: &Config) -> FileResult {
    check_source_under(path, path, text, kind, config)
}

/// Like [`check_source_as`], judging "is this test code?" on `rel`, the path relative to the
/// scan root (so scanning a project that lives under a `tests/` directory does not make every
/// file test code).
pub fn check_source_under(
    path: &Path,
    rel: &Path,
    text: &str,
    kind: FileKind,
    config: &Config,
) -> FileResult {
    check_impl(
        path,
        rel,
        text,
        kind,
        config,
        &mut None,
        crate::lang::Pass::Once,
    )
    .0
}

/// Checks an editor buffer, keeping `cache` (one per document, start with `None`) so the next
/// check of an edited version parses incrementally (JS/TS/TSX and Python). Results are the same
/// as [`check_source_as`].
pub fn check_source_incremental(
    path: &Path,
    text: &str,
    kind: FileKind,
    config: &Config,
    cache: &mut Option<crate::lang::ParseCache>,
) -> FileResult {
    check_impl(
        path,
        path,
        text,
        kind,
        config,
        cache,
        crate::lang::Pass::Full,
    )
    .0
}

/// The editor's check of an edited buffer, answered in milliseconds on large files: when the
/// edit since the cached version touches only definitions (functions, classes, route
/// registrations, comments) of a JS/TS or Python file, the rules run on those top-level
/// statements only, the rest of the file keeps its findings (moved by the edit), and findings of
/// whole-file analyses (route protection) are kept from the last full check. The bool says
/// whether the result is complete; when it is false, a later [`check_source_incremental`] of the
/// same text gives the result of a full check. Any other edit, and the first check, runs in full
/// (and returns true).
pub fn check_source_quick(
    path: &Path,
    text: &str,
    kind: FileKind,
    config: &Config,
    cache: &mut Option<crate::lang::ParseCache>,
) -> (FileResult, bool) {
    check_impl(
        path,
        path,
        text,
        kind,
        config,
        cache,
        crate::lang::Pass::Quick,
    )
}

pub(crate) fn check_impl(
    path: &Path,
    rel: &Path,
    text: &str,
    kind: FileKind,
    config: &Config,
    cache: &mut Option<crate::lang::ParseCache>,
    pass: crate::lang::Pass,
) -> (FileResult, bool) {
    let mut cx = FileCx::new(path, text, kind, config);
    cx.rel = rel;
    cx.is_test = !config.include_tests && is_test_path(rel);
    cx.is_db_script = crate::source::is_db_script_path(rel);
    let mut complete = true;
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        complete = crate::lang::run_all_incremental(&mut cx, cache, pass);
    }));
    if let Err(p) = run {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        cx.notes.push(Note::error(
            Some(path.to_owned()),
            format!("internal error while checking this file ({msg}); please report it. Other files are still checked"),
        ));
        cx.findings.clear();
        crate::rules::access::file_facts_forget();
        crate::rules::infra::monitoring::gather_forget();
        // The cache may describe an earlier text; the next check starts afresh.
        *cache = None;
        complete = true;
    }
    // Suppressions read comments in the file; they apply to findings from this file.
    let FileCx {
        findings,
        mut notes,
        index,
        ..
    } = cx;
    let mut findings = finalize(findings, text, &index, config);
    crate::suppress::apply(path, text, &index, kind, &mut findings, &mut notes);
    (FileResult { findings, notes }, complete)
}

/// Fills positions, snippets and fingerprints; applies configured severities; drops disabled
/// rules; sorts and dedupes. Every producer of findings passes through here.
pub fn finalize(
    mut findings: Vec<Finding>,
    text: &str,
    index: &LineIndex,
    config: &Config,
) -> Vec<Finding> {
    findings.retain_mut(|f| match config.level_for(f.rule) {
        None => false,
        Some(level) => {
            // A configured severity replaces the rule's default; a rule's own per-finding
            // adjustment (e.g. "password-like name raises it") is kept when not configured.
            if config
                .rules
                .get(f.rule.id)
                .is_some_and(|s| matches!(s.level, crate::config::RuleLevel::Severity(_)))
            {
                f.severity = level;
            }
            true
        }
    });
    // Every secret of the file, masked in every snippet that shows it: a line may hold two
    // secrets found by two findings, and each finding's snippet shows the whole line. From the
    // end, so that a mask that changes a byte length cannot shift the ones before it.
    let mut secrets: Vec<Range<usize>> = findings
        .iter()
        .flat_map(|f| f.redact.iter().cloned())
        .collect();
    secrets.sort_by(|a, b| b.start.cmp(&a.start).then(b.end.cmp(&a.end)));
    secrets.dedup();
    for f in &mut findings {
        f.start = index.line_col(text, f.range.start);
        f.end = index.line_col(text, f.range.end);
        let first = index.line_of(f.range.start);
        let last = index
            .line_of(f.range.end.saturating_sub(1).max(f.range.start))
            .min(first + 4);
        let start = index.line_start(first);
        let end = index.line_range(text, last).end;
        let mut snippet = text[start..end.max(start)].to_owned();
        for r in &secrets {
            mask_in(&mut snippet, start, r);
        }
        f.snippet = Some(Snippet {
            first_line: first as u32 + 1,
            text: snippet,
        });
        if f.fingerprint.is_empty() {
            f.fingerprint = fingerprint(f.rule.id, &f.path, &text[f.range.clone()]);
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup_by(|a, b| a.rule.id == b.rule.id && a.range == b.range && a.path == b.path);
    // Identical flagged text twice in one file: make fingerprints unique by occurrence.
    let mut seen = std::collections::HashMap::<String, u32>::new();
    for f in &mut findings {
        let n = seen.entry(f.fingerprint.clone()).or_insert(0);
        if *n > 0 {
            f.fingerprint = format!("{}:{}", f.fingerprint, n);
        }
        *n += 1;
    }
    findings
}

/// Masks a secret inside `snippet` (which starts at byte `base` of the file): keeps the first
/// 4 characters and replaces the rest with `*`, noting the length.
fn mask_in(snippet: &mut String, base: usize, r: &Range<usize>) {
    if r.end <= base || r.start >= base + snippet.len() {
        return;
    }
    let s = r.start.saturating_sub(base).min(snippet.len());
    let e = (r.end - base).min(snippet.len());
    if !snippet.is_char_boundary(s) || !snippet.is_char_boundary(e) {
        return;
    }
    let masked = mask_secret(&snippet[s..e]);
    snippet.replace_range(s..e, &masked);
}

/// `AKIAIOSFODNN7EXAMPLE` -> `AKIA****************` (first 4 chars kept, same length).
pub fn mask_secret(secret: &str) -> String {
    let n = secret.chars().count();
    let keep = if n >= 12 { 4 } else { 0 };
    secret
        .chars()
        .take(keep)
        .chain(std::iter::repeat_n('*', n - keep))
        .collect()
}

/// Content-anchored fingerprint: rule id, path and the flagged text with whitespace normalized.
/// Survives line moves; changes when the flagged code (or secret) changes.
/// Fills in the fingerprints [`finalize`] would compute, so that findings kept across edits of
/// a document (they keep their flagged text) are not hashed again on every keystroke.
pub(crate) fn fill_fingerprints(findings: &mut [Finding], text: &str) {
    for f in findings {
        if f.fingerprint.is_empty() {
            f.fingerprint = fingerprint(f.rule.id, &f.path, &text[f.range.clone()]);
        }
    }
}

pub fn fingerprint(rule: &str, path: &Path, flagged: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule.as_bytes());
    h.update([0]);
    h.update(path.to_string_lossy().replace('\\', "/").as_bytes());
    h.update([0]);
    // Normalized into one buffer first, then hashed in one update (not one call per
    // character).
    let mut norm = String::with_capacity(flagged.len());
    let mut last_ws = false;
    for ch in flagged.chars() {
        if ch.is_whitespace() {
            if !last_ws {
                norm.push(' ');
            }
            last_ws = true;
        } else {
            norm.push(ch);
            last_ws = false;
        }
    }
    h.update(norm.as_bytes());
    let d = h.finalize();
    d[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Options for a scan of paths on disk.
#[derive(Clone, Debug, Default)]
pub struct ScanOptions {
    pub discover: crate::discover::DiscoverOptions,
    /// Skip project-level checks (advisories, repository hygiene).
    pub skip_project_checks: bool,
    /// Only these files (after discovery), e.g. changed files; `None` = all.
    pub only: Option<Vec<PathBuf>>,
    /// Shard `k` of `n` (1-based): a deterministic partition of the files by path, so a large
    /// monorepo can be split across CI jobs. Project checks run only in shard 1.
    pub shard: Option<(u32, u32)>,
    /// A result cache (see [`crate::cache::Cache`]).
    pub cache: Option<std::sync::Arc<crate::cache::Cache>>,
}

/// Which shard (0-based) of `n` a path belongs to: a stable hash of its text.
pub fn shard_of(path: &Path, n: u32) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.to_string_lossy().replace('\\', "/").bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % n.max(1) as u64) as u32
}

/// Result of a scan.
#[derive(Debug, Default)]
pub struct ScanResult {
    pub findings: Vec<Finding>,
    pub notes: Vec<Note>,
    pub files_scanned: usize,
    pub bytes_scanned: u64,
    pub duration: Duration,
    /// How many files of each kind were scanned (`FileKind::name`), so reports can tell which
    /// checklist points concern this repository.
    pub files_by_kind: std::collections::BTreeMap<&'static str, usize>,
}

/// A file read for scanning.
pub struct ReadText {
    pub text: String,
    /// 1-based line of the first invalid UTF-8 sequence, if any (replaced by U+FFFD).
    pub invalid_utf8_line: Option<usize>,
}

/// Reads a file as text for scanning, or says why not (binary, too large, I/O error).
/// Invalid UTF-8 is decoded with replacement characters so the rest is still scanned.
pub fn read_text(path: &Path, max_size: u64) -> Result<ReadText, Note> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Note::warning(Some(path.to_owned()), format!("cannot read file: {e}")))?;
    if meta.len() > max_size {
        return Err(Note::info(
            Some(path.to_owned()),
            format!(
                "skipped: {} bytes is over the {} byte limit (raise max_file_size in predeploy.toml to scan it)",
                meta.len(),
                max_size
            ),
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Note::warning(Some(path.to_owned()), format!("cannot read file: {e}")))?;
    let probe = &bytes[..bytes.len().min(8192)];
    if memchr::memchr(0, probe).is_some() {
        return Err(Note::info(Some(path.to_owned()), "skipped: binary file"));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(ReadText {
            text,
            invalid_utf8_line: None,
        }),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let line = bytes[..valid].iter().filter(|b| **b == b'\n').count() + 1;
            Ok(ReadText {
                text: String::from_utf8_lossy(&bytes).into_owned(),
                invalid_utf8_line: Some(line),
            })
        }
    }
}

/// Scans files and directories on disk in parallel, then runs project-level checks.
/// `progress` is called with the number of files done (from worker threads).
pub fn check_paths(
    roots: &[PathBuf],
    config: &Config,
    opts: &ScanOptions,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> ScanResult {
    let started = Instant::now();
    let discovered = crate::discover::discover(roots, config, &opts.discover);
    let mut notes = discovered.notes;
    let mut files = discovered.files;
    if let Some(only) = &opts.only {
        // Compare canonical paths: callers give absolute paths, discovery yields relative ones.
        let only: std::collections::HashSet<PathBuf> = only
            .iter()
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect();
        files.retain(|f| std::fs::canonicalize(f).is_ok_and(|c| only.contains(&c)));
    }
    // Project checks see every file, whatever the shard or file selection.
    let all_files = files.clone();
    if let Some((k, n)) = opts.shard {
        files.retain(|f| shard_of(f, n) + 1 == k);
    }
    let total = files.len();
    let done = AtomicUsize::new(0);
    let bytes = AtomicUsize::new(0);
    let run_project = !opts.skip_project_checks && opts.shard.is_none_or(|(k, _)| k == 1);
    // The file pass also gathers what the route-protection pass and the logging/tracking checks
    // need from each file it parses (they then parse only the files they must report on and
    // those the cache answered).
    let scopes = std::sync::Arc::new(crate::rules::access::scopes_of(&all_files));
    type Gathered = (
        Option<crate::rules::access::FileFacts>,
        Option<crate::rules::infra::monitoring::FileMon>,
    );
    let per_file = || -> Vec<(FileResult, Gathered)> {
        files
            .par_iter()
            .map(|path| {
                if run_project {
                    crate::rules::access::file_facts_begin(&scopes);
                    crate::rules::infra::monitoring::gather_begin();
                }
                let r = match &opts.cache {
                    Some(cache) => {
                        check_file_cached_under(path, rel_to_roots(path, roots), config, cache)
                    }
                    None => check_file_under(path, rel_to_roots(path, roots), config),
                };
                let facts = (
                    crate::rules::access::file_facts_end(),
                    crate::rules::infra::monitoring::gather_end(),
                );
                bytes.fetch_add(
                    std::fs::metadata(path)
                        .map(|m| m.len() as usize)
                        .unwrap_or(0),
                    Ordering::Relaxed,
                );
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if let Some(p) = progress {
                    p(n, total);
                }
                (r, facts)
            })
            .collect()
    };
    // The other project checks run beside the file pass (they read files on their own), so
    // their serial parts do not leave cores idle after it.
    let (results, beside) = rayon::join(per_file, || {
        run_project.then(|| {
            crate::lang::run_project_where(roots, &all_files, config, Default::default(), |c| {
                !c.after_file_pass
            })
        })
    });
    let mut gathered = crate::lang::FileFactsMap::default();
    let results: Vec<FileResult> = results
        .into_iter()
        .zip(&files)
        .map(|((r, (access, monitoring)), path)| {
            if let Some(f) = access {
                gathered.access.insert(path.clone(), f);
            }
            if let Some(f) = monitoring {
                gathered.monitoring.insert(path.clone(), f);
            }
            r
        })
        .collect();
    let after = run_project.then(|| {
        crate::lang::run_project_where(roots, &all_files, config, gathered, |c| c.after_file_pass)
    });
    let project = beside.into_iter().chain(after);
    let mut findings = Vec::new();
    for r in results.into_iter().chain(project) {
        findings.extend(r.findings);
        notes.extend(r.notes);
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    notes.sort_by(|a, b| (&a.path, a.line, &a.message).cmp(&(&b.path, b.line, &b.message)));
    let mut files_by_kind = std::collections::BTreeMap::new();
    for f in &files {
        *files_by_kind.entry(FileKind::detect(f).name()).or_insert(0) += 1;
    }
    ScanResult {
        files_by_kind,
        findings,
        notes,
        files_scanned: total,
        bytes_scanned: bytes.load(Ordering::Relaxed) as u64,
        duration: started.elapsed(),
    }
}

/// Reads and checks one file on disk.
pub fn check_file(path: &Path, config: &Config) -> FileResult {
    check_file_under(path, path, config)
}

/// The path relative to the scan root it was found under (itself when none).
pub fn rel_to_roots<'p>(path: &'p Path, roots: &[PathBuf]) -> &'p Path {
    roots
        .iter()
        .filter_map(|r| path.strip_prefix(r).ok())
        .next()
        .unwrap_or(path)
}

/// [`check_file`] with test-code detection on `rel` (see [`check_source_under`]).
pub fn check_file_under(path: &Path, rel: &Path, config: &Config) -> FileResult {
    match read_text(path, config.max_file_size) {
        Ok(read) => {
            let mut r = check_source_under(path, rel, &read.text, FileKind::detect(path), config);
            if let Some(line) = read.invalid_utf8_line {
                r.notes.push(
                    Note::warning(
                        Some(path.to_owned()),
                        "invalid UTF-8 here; the file was scanned with replacement characters",
                    )
                    .at_line(line as u32),
                );
            }
            r
        }
        Err(note) => FileResult {
            findings: Vec::new(),
            notes: vec![note],
        },
    }
}

/// Like [`check_file`], answering from the cache when the file's content is unchanged.
pub fn check_file_cached(path: &Path, config: &Config, cache: &crate::cache::Cache) -> FileResult {
    check_file_cached_under(path, path, config, cache)
}

/// [`check_file_cached`] with test-code detection on `rel`.
pub fn check_file_cached_under(
    path: &Path,
    rel: &Path,
    config: &Config,
    cache: &crate::cache::Cache,
) -> FileResult {
    // The key covers the relative path too: it decides what counts as test code.
    let key_path = path.join(rel);
    match read_text(path, config.max_file_size) {
        Ok(read) => {
            if read.invalid_utf8_line.is_none() {
                if let Some(mut hit) = cache.get(&key_path, &read.text) {
                    for f in &mut hit.findings {
                        f.path = path.to_owned();
                        for r in &mut f.related {
                            r.path = path.to_owned();
                        }
                    }
                    for n in &mut hit.notes {
                        n.path = Some(path.to_owned());
                    }
                    return hit;
                }
            }
            let mut r = check_source_under(path, rel, &read.text, FileKind::detect(path), config);
            if let Some(line) = read.invalid_utf8_line {
                r.notes.push(
                    Note::warning(
                        Some(path.to_owned()),
                        "invalid UTF-8 here; the file was scanned with replacement characters",
                    )
                    .at_line(line as u32),
                );
            } else {
                cache.put(&key_path, &read.text, &r);
            }
            r
        }
        Err(note) => FileResult {
            findings: Vec::new(),
            notes: vec![note],
        },
    }
}

/// Runs only the project-level checks (lock files, advisories, repository layout) for `roots`,
/// discovering files as a scan would, without checking each file's contents. The language server
/// calls this when Cargo.lock/Cargo.toml is opened or saved.
pub fn check_project(roots: &[PathBuf], config: &Config) -> FileResult {
    let discovered = crate::discover::discover(roots, config, &Default::default());
    crate::lang::run_project(roots, &discovered.files, config)
}
