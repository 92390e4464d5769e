//! Read-only git queries through the git command-line client: changed and staged files, file
//! contents at a revision, the commit being scanned. Nothing here writes to a repository.

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(root: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}; is git installed?"))?;
    if !out.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
}

fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The repository's top-level directory containing `path`.
pub fn toplevel(path: &Path) -> Option<PathBuf> {
    let dir = if path.is_dir() { path } else { path.parent()? };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    git(dir, &["rev-parse", "--show-toplevel"])
        .ok()
        .and_then(|o| lines(&o).into_iter().next())
        .map(PathBuf::from)
}

/// HEAD commit and whether the work tree has uncommitted changes.
pub fn head(root: &Path) -> Option<(String, bool)> {
    let commit = lines(&git(root, &["rev-parse", "HEAD"]).ok()?)
        .into_iter()
        .next()?;
    let dirty = git(root, &["status", "--porcelain", "--untracked-files=no"])
        .map(|o| !o.is_empty())
        .unwrap_or(false);
    Some((commit, dirty))
}

/// Files (absolute) added, copied, modified or renamed since `rev`, plus untracked files.
pub fn changed_since(root: &Path, rev: &str) -> Result<Vec<PathBuf>, String> {
    let top = toplevel(root)
        .ok_or_else(|| format!("{} is not inside a git repository", root.display()))?;
    let mut files = lines(&git(
        &top,
        &["diff", "--name-only", "--diff-filter=ACMR", rev, "--"],
    )?);
    files.extend(lines(&git(
        &top,
        &["ls-files", "--others", "--exclude-standard"],
    )?));
    files.sort();
    files.dedup();
    Ok(files.into_iter().map(|f| top.join(f)).collect())
}

/// Staged files (absolute path, staged content), as they will be committed.
pub fn staged(root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let top = toplevel(root)
        .ok_or_else(|| format!("{} is not inside a git repository", root.display()))?;
    let names = lines(&git(
        &top,
        &["diff", "--cached", "--name-only", "--diff-filter=ACMR"],
    )?);
    let mut out = Vec::new();
    for n in names {
        let bytes = git(&top, &["show", &format!(":{n}")])?;
        if memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some() {
            continue;
        }
        out.push((top.join(&n), String::from_utf8_lossy(&bytes).into_owned()));
    }
    Ok(out)
}

/// A file's content at `rev` (None when it did not exist there).
pub fn show(root: &Path, rev: &str, path: &Path) -> Option<String> {
    let top = toplevel(root)?;
    let abs = if path.is_absolute() {
        path.to_owned()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let rel = abs.strip_prefix(&top).ok()?;
    let spec = format!("{rev}:{}", rel.to_string_lossy().replace('\\', "/"));
    git(&top, &["show", &spec])
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}
