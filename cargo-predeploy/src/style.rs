//! Terminal colours: decided once (`--color`, NO_COLOR, TTY), applied with plain ANSI sequences.

use crate::args::ColorChoice;
use predeploy_rules::Severity;
use std::io::IsTerminal;

#[derive(Clone, Copy, Debug)]
pub struct Palette {
    pub enabled: bool,
}

/// Colour when asked to (`always`), or on a terminal when NO_COLOR is unset or empty (`auto`).
/// `to_terminal` is whether the report goes to standard output (not `--output FILE`).
pub fn decide(choice: ColorChoice, to_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            !no_color && to_terminal && std::io::stdout().is_terminal()
        }
    }
}

impl Palette {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.enabled && !s.is_empty() {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    pub fn severity(&self, sev: Severity, s: &str) -> String {
        let code = match sev {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "1;33",
            Severity::Low => "1;36",
            Severity::Info => "1;32",
        };
        self.paint(code, s)
    }
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    pub fn gutter(&self, s: &str) -> String {
        self.paint("1;34", s)
    }
    pub fn warning(&self, s: &str) -> String {
        self.paint("1;33", s)
    }
    pub fn error(&self, s: &str) -> String {
        self.paint("1;31", s)
    }
    pub fn note(&self, s: &str) -> String {
        self.paint("1;32", s)
    }
}
