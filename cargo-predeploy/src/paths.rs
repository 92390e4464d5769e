//! The scan root, and how paths are shown.
//!
//! The engine reports paths as it discovered them. To make fingerprints (and so baselines)
//! independent of where the command is run from, a single directory argument becomes the scan
//! root: the process changes into it and scans `.`, so every engine path reads `./src/app.py`.
//! Output shows paths relative to the directory the user ran the command in (human, JSON) or
//! relative to the scan root (SARIF, baselines), always with forward slashes.

use crate::UserError;
use std::path::{Component, Path, PathBuf};

pub struct ScanRoot {
    /// Absolute scan root; SARIF URIs are relative to it.
    pub abs: PathBuf,
    /// The root as the user wrote it, normalized, with a trailing `/` ("" for the current directory).
    pub prefix: String,
    /// What to hand the engine (after changing into `abs`).
    pub engine_paths: Vec<PathBuf>,
}

/// Decides the scan root for `paths` (relative to `cwd`) and changes the process into it.
pub fn enter_root(paths: &[PathBuf], cwd: &Path) -> Result<ScanRoot, UserError> {
    let paths: Vec<PathBuf> = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    for p in &paths {
        if let Err(e) = std::fs::metadata(p) {
            let what = if e.kind() == std::io::ErrorKind::NotFound {
                "does not exist".to_string()
            } else {
                format!("cannot be read ({e})")
            };
            return Err(UserError(format!(
                "path `{}` {what}; pass an existing file or directory (run from {})",
                slash(p),
                slash(cwd)
            )));
        }
    }
    if paths.len() == 1 && paths[0].is_dir() {
        let abs = absolute(&cwd.join(&paths[0]));
        std::env::set_current_dir(&abs).map_err(|e| {
            UserError(format!(
                "cannot enter directory `{}`: {e}",
                slash(&paths[0])
            ))
        })?;
        let norm = normalize(&paths[0]);
        let prefix = if norm.is_empty() || norm == "." {
            String::new()
        } else {
            format!("{}/", norm.trim_end_matches('/'))
        };
        return Ok(ScanRoot {
            abs,
            prefix,
            engine_paths: vec![PathBuf::from(".")],
        });
    }
    // Several paths or single files: the current directory is the root.
    let engine_paths = paths
        .iter()
        .map(|p| {
            if p.is_absolute() {
                return p.clone();
            }
            let n = normalize(p);
            if n.starts_with("../") || n == ".." {
                PathBuf::from(n)
            } else {
                PathBuf::from(format!("./{n}"))
            }
        })
        .collect();
    Ok(ScanRoot {
        abs: absolute(cwd),
        prefix: String::new(),
        engine_paths,
    })
}

impl ScanRoot {
    /// Path relative to the scan root (forward slashes), or the absolute path if outside it.
    pub fn rel(&self, engine_path: &Path) -> String {
        let s = slash(engine_path);
        match s.strip_prefix("./") {
            Some(r) => r.to_owned(),
            None if s == "." => String::new(),
            None => s,
        }
    }

    /// Path as shown to the user: relative to the directory the command ran in.
    pub fn display(&self, engine_path: &Path) -> String {
        let rel = self.rel(engine_path);
        if engine_path.is_absolute() || rel.starts_with("../") {
            return rel;
        }
        if rel.is_empty() {
            return if self.prefix.is_empty() {
                ".".into()
            } else {
                self.prefix.trim_end_matches('/').to_owned()
            };
        }
        format!("{}{}", self.prefix, rel)
    }

    /// True when the engine path lies inside the scan root (SARIF can use a relative URI).
    pub fn is_inside(&self, engine_path: &Path) -> bool {
        !engine_path.is_absolute() && !self.rel(engine_path).starts_with("../")
    }
}

/// Forward-slash form of a path.
pub fn slash(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// Lexically normalized relative path: `./a//b/../c/` -> `a/c`.
pub fn normalize(p: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.last().is_some_and(|l| l != "..") {
                    parts.pop();
                } else {
                    parts.push("..".into());
                }
            }
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::RootDir | Component::Prefix(_) => return slash(p),
        }
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// Absolute path without resolving symlinks when canonicalization fails.
pub fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned())
}

/// Makes a user-given path absolute against `cwd` (before the process changes directory).
pub fn against(cwd: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_owned()
    } else {
        cwd.join(p)
    }
}

/// A `file://` URI for an absolute path (percent-encoded), with a trailing slash for directories.
pub fn file_uri(abs: &Path, dir: bool) -> String {
    let mut s = slash(abs);
    if !s.starts_with('/') {
        s.insert(0, '/');
    }
    let mut out = format!("file://{}", encode_uri_path(&s));
    if dir && !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// Percent-encodes a relative or absolute `/`-separated path for use in a URI.
pub fn encode_uri_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b'@' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert_eq!(normalize(Path::new("./a//b/../c/")), "a/c");
        assert_eq!(normalize(Path::new(".")), ".");
        assert_eq!(normalize(Path::new("../x")), "../x");
    }

    #[test]
    fn encodes() {
        assert_eq!(encode_uri_path("src/my file#1.py"), "src/my%20file%231.py");
        assert_eq!(file_uri(Path::new("/srv/a b"), true), "file:///srv/a%20b/");
    }
}
