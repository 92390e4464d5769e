use super::dockerfile::{self, basename, Dockerfile, Instr};
use crate::engine::FileCx;

crate::declare_rule! {
    /// ## What it does
    /// Flags Dockerfile `RUN` steps that download a script and execute it directly:
    /// `curl ... | sh`, `wget -qO- ... | sudo bash`, `sh -c "$(curl ...)"`,
    /// `bash <(curl ...)`, `curl ... | python -` (shell form, exec form with `sh -c`, and
    /// heredocs).
    ///
    /// ## Why is this bad?
    /// The script is run with the build's privileges (usually root) without any integrity check:
    /// whoever controls the server, the DNS or the network path at build time decides what goes
    /// into the image. A partial download can also execute a truncated script. The image that
    /// ships cannot be rebuilt identically later.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// RUN curl -fsSLo setup.sh https://deb.nodesource.com/setup_20.x \
    ///  && echo "0c1d0a1f1cfb8a4f2c0c8f5e4b1a9b8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b  setup.sh" | sha256sum -c - \
    ///  && bash setup.sh && rm setup.sh
    /// ```
    ///
    /// ## How to fix
    /// Install from the distribution's package manager or the vendor's signed repository; or
    /// download to a file, verify its published SHA-256 (or GPG signature), then run it. Better
    /// still, copy the tool from a pinned official image (`COPY --from=image@sha256:...`).
    ///
    /// ## Not flagged
    /// Downloads piped to non-interpreters (`tar`, `gpg --dearmor`, `tee`, `jq`),
    /// `python -c '...'` reading JSON from curl, downloads saved to a file and verified.
    ///
    /// ## References
    /// - CWE-494: Download of Code Without Integrity Check
    /// - CIS Docker Benchmark 4.x; hadolint DL4006
    pub REMOTE_SCRIPT_PIPED_TO_SHELL {
        id: "remote-script-piped-to-shell",
        title: "Downloaded script piped straight into a shell",
        severity: Medium,
        confidence: High,
        cwe: [494],
        checklist: 4,
        languages: [Docker],
        fix: None,
    }
}

const SHELLS: &[&str] = &["sh", "bash", "dash", "zsh", "ash", "ksh", "mksh", "fish"];
const INTERPRETERS: &[&str] = &[
    "python", "python2", "python3", "perl", "ruby", "node", "php",
];

fn is_downloader(p: &str) -> bool {
    matches!(basename(p), "curl" | "wget")
}

fn substitutes_download(w: &str) -> bool {
    ["$(curl", "$(wget", "<(curl", "<(wget", "`curl", "`wget"]
        .iter()
        .any(|m| w.contains(m))
}

/// Byte ranges (in `script`) of downloads executed by an interpreter.
fn find(script: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    for pipe in dockerfile::pipelines(script) {
        let mut download: Option<std::ops::Range<usize>> = None;
        for cmd in &pipe {
            let Some((prog, args)) = cmd.program() else {
                continue;
            };
            let name = basename(&prog.text);
            if is_downloader(&prog.text) {
                download.get_or_insert(prog.range.start..cmd.raw.end);
                continue;
            }
            let shell = SHELLS.contains(&name);
            let interp = INTERPRETERS.iter().any(|i| {
                name == *i
                    || name.strip_prefix(i).is_some_and(|v| {
                        v.starts_with('.') || v.chars().all(|c| c.is_ascii_digit() || c == '.')
                    })
            });
            if shell {
                if let Some(r) = &download {
                    out.push(r.start..cmd.raw.end);
                    download = None;
                    continue;
                }
                if let Some(w) = args.iter().find(|w| substitutes_download(&w.text)) {
                    out.push(prog.range.start..w.range.end);
                }
            } else if interp {
                // `python -` or a bare interpreter reads the program from stdin.
                let stdin = args.is_empty() || args.iter().all(|a| a.text == "-" || a.text == "-u");
                if stdin {
                    if let Some(r) = &download {
                        out.push(r.start..cmd.raw.end);
                        download = None;
                    }
                }
            }
        }
    }
    out
}

fn report(cx: &mut FileCx<'_>, start: usize, end: usize) {
    // Underline the first line of the match only.
    let line_end = cx.text[start..]
        .find('\n')
        .map(|p| start + p)
        .unwrap_or(cx.text.len());
    cx.report(
        &REMOTE_SCRIPT_PIPED_TO_SHELL,
        start..end.min(line_end).max(start + 1),
        "downloaded script is executed without an integrity check",
    )
    .help("download to a file, verify its SHA-256 (`sha256sum -c`) or signature, then run it; or install from a signed package repository");
}

fn check_instr(cx: &mut FileCx<'_>, ins: &Instr) {
    if let Some(exec) = ins.exec_form() {
        // ["sh", "-c", "curl ... | sh"]: the script is the argument after -c.
        if exec.len() >= 3
            && SHELLS.contains(&basename(&exec[0]))
            && exec[1] == "-c"
            && !find(&exec[2]).is_empty()
        {
            report(cx, ins.range.start, ins.range.end);
        }
    } else {
        let (_, rest) = ins.flags_and_rest();
        let rest_at = ins.args.len() - rest.len();
        for r in find(rest) {
            let s = ins.file_offset(rest_at + r.start);
            let e = ins.file_offset(rest_at + r.end.saturating_sub(1)) + 1;
            report(cx, s, e);
        }
    }
    for (body, at) in &ins.heredocs {
        for r in find(body) {
            report(cx, at + r.start, at + r.end);
        }
    }
}

pub(crate) fn check(cx: &mut FileCx<'_>, df: &Dockerfile) {
    for ins in df.instrs.iter().filter(|i| i.keyword == "RUN") {
        check_instr(cx, ins);
    }
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn patterns() {
        assert_eq!(find("curl -fsSL https://x/i.sh | sh").len(), 1);
        assert_eq!(find("wget -qO- https://x | sudo -E bash -").len(), 1);
        assert_eq!(find("sh -c \"$(curl -fsSL https://x)\"").len(), 1);
        assert_eq!(find("bash <(curl -s https://x)").len(), 1);
        assert_eq!(find("curl -s https://x | python3 -").len(), 1);
        assert_eq!(
            find("curl -s https://x | python3 -c 'import json,sys'").len(),
            0
        );
        assert_eq!(find("curl -fsSL https://x.tgz | tar xz -C /opt").len(), 0);
        assert_eq!(
            find("curl -fsSL https://k | gpg --dearmor -o /k.gpg").len(),
            0
        );
        assert_eq!(
            find("curl -o a https://x && sha256sum -c s && sh a").len(),
            0
        );
        assert_eq!(find("echo 'curl x | sh'").len(), 0);
        assert_eq!(find("curl -fsSL https://x |\n  bash\n").len(), 1);
        assert_eq!(find("curl -fsSL https://x\nbash run.sh\n").len(), 0);
    }
}
