use super::dockerfile::Dockerfile;
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Flags Dockerfile `ADD` instructions that download a remote URL (`http://`, `https://`,
    /// git remotes) without the `--checksum=sha256:...` option.
    ///
    /// ## Why is this bad?
    /// `ADD <url>` fetches whatever the server returns at build time, with no integrity check:
    /// a compromised or hijacked server, a moved tag or a plain-HTTP man in the middle puts
    /// arbitrary files (often executables) into the image that ships to production.
    ///
    /// ## Example
    /// ```dockerfile
    /// ADD https://github.com/example/tool/releases/download/v1.2.0/tool /usr/local/bin/tool
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \
    ///     https://github.com/example/tool/releases/download/v1.2.0/tool /usr/local/bin/tool
    /// ```
    ///
    /// ## How to fix
    /// Add `--checksum=sha256:<digest>` (Dockerfile syntax 1.6+), or download with
    /// `curl -fsSLO` and verify with `sha256sum -c` in the same `RUN`, or vendor the file and
    /// `COPY` it. Prefer `https://`.
    ///
    /// ## Not flagged
    /// `ADD` of local files and archives, `ADD --checksum=...`, git sources pinned to a full
    /// commit hash (`...git#<40 hex digits>`), `COPY`.
    ///
    /// ## References
    /// - CWE-494: Download of Code Without Integrity Check
    /// - Dockerfile reference, `ADD --checksum`; CIS Docker Benchmark 4.9
    pub DOCKERFILE_ADD_REMOTE_URL {
        id: "dockerfile-add-remote-url",
        title: "Dockerfile ADD downloads a remote URL without a checksum",
        severity: Medium,
        confidence: High,
        cwe: [494],
        checklist: 4,
        languages: [Docker],
        fix: None,
    }
}

fn remote(src: &str) -> bool {
    let l = src.to_ascii_lowercase();
    let url = l.starts_with("http://") || l.starts_with("https://") || l.starts_with("git@");
    if !url {
        return false;
    }
    // A git source pinned to a full commit hash is immutable.
    if let Some((_, frag)) = l.rsplit_once('#') {
        let r = frag.split(':').next().unwrap_or(frag);
        if r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()) {
            return false;
        }
    }
    true
}

pub(crate) fn check(cx: &mut FileCx<'_>, df: &Dockerfile) {
    for ins in df.instrs.iter().filter(|i| i.keyword == "ADD") {
        let (flags, rest) = ins.flags_and_rest();
        if flags.iter().any(|f| f.starts_with("--checksum")) {
            continue;
        }
        let rest_at = ins.args.len() - rest.len();
        let (sources, offsets): (Vec<String>, Vec<Option<usize>>) = match ins.exec_form() {
            Some(v) => {
                let n = v.len().saturating_sub(1);
                (v.into_iter().take(n).collect(), vec![None; n])
            }
            None => {
                let mut words = Vec::new();
                let mut offs = Vec::new();
                let mut pos = 0;
                for w in rest.split_whitespace() {
                    let p = rest[pos..].find(w).map(|x| x + pos).unwrap_or(pos);
                    pos = p + w.len();
                    words.push(w.to_owned());
                    offs.push(Some(rest_at + p));
                }
                let n = words.len().saturating_sub(1);
                words.truncate(n);
                offs.truncate(n);
                (words, offs)
            }
        };
        for (src, off) in sources.iter().zip(offsets) {
            if !remote(src) {
                continue;
            }
            let start = off.map(|o| ins.file_offset(o)).unwrap_or(ins.range.start);
            let end = off
                .map(|o| ins.file_offset(o) + src.len())
                .unwrap_or(ins.range.start + 3);
            cx.report(
                &DOCKERFILE_ADD_REMOTE_URL,
                start..end,
                "`ADD` downloads a remote file without verifying its checksum",
            )
            .help("add `--checksum=sha256:<digest>` to the ADD, or download with curl and check it with `sha256sum -c` in the same RUN");
        }
    }
}
