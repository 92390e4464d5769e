//! Secrets in git history: `git log -p` output streamed through the same text detectors
//! (`hardcoded-secret`, `credentials-in-url`, and `hardcoded-credential` for line-based config
//! files). Only added lines are scanned, so a secret is reported once, at the commit that
//! introduced it, even if a later commit deleted it.

use crate::config::Config;
use crate::engine::{finalize, FileCx};
use crate::finding::Finding;
use crate::source::{FileKind, LineIndex};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Added text of one file in one commit, with the new-file line number of each buffered line.
struct Chunk {
    path: Option<PathBuf>,
    text: String,
    lines: Vec<u32>,
    truncated: bool,
}

struct Commit {
    hash: String,
    date: String,
}

/// Scans the history of `repo` (every ref with `--all`, or `range` such as `main..HEAD`) for
/// secrets added by any commit. Streams `git log -p`; memory stays bounded by the largest file
/// diff (capped at `config.max_file_size`). Findings carry the file path as of that commit;
/// the message names the commit and its author date, and `start.line` is the line in that
/// commit's version of the file. The configuration's `exclude` globs and rule levels apply.
pub fn scan_history(
    repo: &Path,
    range: Option<&str>,
    config: &Config,
) -> Result<Vec<Finding>, String> {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(repo).args([
        "-c",
        "core.quotepath=off",
        "log",
        "-p",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--unified=0",
        "--diff-filter=AMRC",
        "--format=%x00commit %H %aI",
    ]);
    match range {
        Some(r) => {
            if r.starts_with('-') {
                return Err(format!("invalid revision range `{r}`"));
            }
            cmd.arg(r);
        }
        None => {
            cmd.arg("--all");
        }
    }
    cmd.arg("--").stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot run git: {e}"))?;
    let stdout = child.stdout.take().ok_or("no git output")?;
    let mut reader = BufReader::with_capacity(1 << 16, stdout);
    let mut out = Vec::new();
    let mut commit = Commit {
        hash: String::new(),
        date: String::new(),
    };
    let mut chunk = Chunk {
        path: None,
        text: String::new(),
        lines: Vec::new(),
        truncated: false,
    };
    let excludes = crate::discover::Excludes::new(config, &[]);
    let mut next_line: u32 = 0;
    let mut buf = Vec::with_capacity(4096);
    let max = config.max_file_size as usize;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| format!("reading git output: {e}"))?;
        if n == 0 {
            break;
        }
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end_matches(['\n', '\r']);
        if let Some(rest) = line.strip_prefix("\0commit ") {
            flush(&mut chunk, &commit, config, &mut out);
            let mut it = rest.split(' ');
            commit.hash = it.next().unwrap_or_default().to_owned();
            commit.date = it.next().unwrap_or_default().to_owned();
            continue;
        }
        if line.starts_with("diff --git ") {
            flush(&mut chunk, &commit, config, &mut out);
            continue;
        }
        if let Some(p) = line.strip_prefix("+++ ") {
            flush(&mut chunk, &commit, config, &mut out);
            chunk.path = if p == "/dev/null" {
                None
            } else {
                let p = p.trim_matches('"');
                let p = PathBuf::from(p.strip_prefix("b/").unwrap_or(p));
                // The project's `exclude` globs apply to history as to the working tree.
                (!excludes.is_excluded(&p)).then_some(p)
            };
            continue;
        }
        if let Some(h) = line.strip_prefix("@@ ") {
            // @@ -a,b +c,d @@
            next_line = h
                .split(' ')
                .find_map(|t| t.strip_prefix('+'))
                .and_then(|t| t.split(',').next())
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
            continue;
        }
        if chunk.path.is_none() {
            continue;
        }
        if let Some(added) = line.strip_prefix('+') {
            if chunk.text.len() + added.len() + 1 > max {
                chunk.truncated = true;
                continue;
            }
            chunk.text.push_str(added);
            chunk.text.push('\n');
            chunk.lines.push(next_line);
            next_line += 1;
        }
    }
    flush(&mut chunk, &commit, config, &mut out);
    let status = child.wait().map_err(|e| format!("git: {e}"))?;
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        return Err(format!(
            "git log failed in {}: {}",
            repo.display(),
            err.trim()
        ));
    }
    Ok(out)
}

fn flush(chunk: &mut Chunk, commit: &Commit, config: &Config, out: &mut Vec<Finding>) {
    let text = std::mem::take(&mut chunk.text);
    let lines = std::mem::take(&mut chunk.lines);
    chunk.truncated = false;
    let Some(path) = chunk.path.clone() else {
        return;
    };
    if text.is_empty() {
        return;
    }
    let kind = FileKind::detect(&path);
    let mut cx = FileCx::new(&path, &text, kind, config);
    if cx.any_enabled(&[&super::hardcoded_secret::HARDCODED_SECRET]) {
        super::hardcoded_secret::check_text(&mut cx);
    }
    if cx.any_enabled(&[&super::credentials_in_url::CREDENTIALS_IN_URL]) {
        super::credentials_in_url::check_text(&mut cx);
    }
    // Line-based config formats survive being cut into added lines; code and nested formats
    // do not, so their name-based checks are left to the working-tree scan.
    if matches!(kind, FileKind::Env | FileKind::Dockerfile)
        && cx.any_enabled(&[&super::hardcoded_credential::HARDCODED_CREDENTIAL])
    {
        super::hardcoded_credential::check_config(&mut cx);
    }
    let findings = std::mem::take(&mut cx.findings);
    if findings.is_empty() {
        return;
    }
    let index = LineIndex::new(&text);
    let short = &commit.hash[..commit.hash.len().min(12)];
    let date = commit.date.get(..10).unwrap_or(&commit.date);
    for mut f in finalize(findings, &text, &index, config) {
        let map = |l: u32| {
            lines
                .get(l.saturating_sub(1) as usize)
                .copied()
                .unwrap_or(l)
        };
        f.start.line = map(f.start.line);
        f.end.line = map(f.end.line);
        if let Some(s) = &mut f.snippet {
            s.first_line = map(s.first_line);
        }
        f.message = format!("{} (added in commit {short} on {date})", f.message);
        // The fingerprint names the commit too: the same secret in two commits is two findings.
        f.fingerprint = format!("{}@{short}", f.fingerprint);
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) {
        let st = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.invalid",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("git runs");
        assert!(st.success(), "git {args:?}");
    }

    #[test]
    fn secret_committed_then_deleted_is_found() {
        if Command::new("git").arg("--version").output().is_err() {
            eprintln!("git not installed; skipping");
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        let mut g = super::super::catalog::tests::Gen::new(21);
        let token = format!("ghp_{}", g.chars("alnum", 36));
        std::fs::write(d.join("README.md"), "hello\n").unwrap();
        git(d, &["add", "."]);
        git(d, &["commit", "-q", "-m", "init"]);
        std::fs::write(
            d.join("deploy.sh"),
            format!("#!/bin/sh\necho start\nexport GITHUB_TOKEN={token}\n"),
        )
        .unwrap();
        git(d, &["add", "."]);
        git(d, &["commit", "-q", "-m", "add deploy"]);
        std::fs::write(d.join("deploy.sh"), "#!/bin/sh\necho start\n").unwrap();
        git(d, &["commit", "-q", "-am", "remove token"]);

        let findings = scan_history(d, None, &Config::default()).expect("scan");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let f = &findings[0];
        assert_eq!(f.rule.id, "hardcoded-secret");
        assert_eq!(f.path, PathBuf::from("deploy.sh"));
        assert_eq!(f.start.line, 3);
        assert!(f.message.contains("added in commit "), "{}", f.message);
        let json = serde_json::to_string(f).unwrap();
        assert!(!json.contains(&token), "leaks the token: {json}");
        assert!(!f.message.contains(&token));

        // A range that excludes the commit finds nothing; a bad range is an error.
        let none = scan_history(d, Some("HEAD~1..HEAD"), &Config::default()).expect("scan");
        assert!(none.is_empty(), "{none:#?}");
        assert!(scan_history(d, Some("no-such-ref"), &Config::default()).is_err());
        assert!(scan_history(d, Some("--output=leak.patch"), &Config::default()).is_err());
    }
}
