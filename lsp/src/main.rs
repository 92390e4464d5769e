//! `predeploy-lsp`: the language server on stdio (the same server as `cargo-predeploy lsp`).

fn main() -> std::process::ExitCode {
    match predeploy_lsp::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("predeploy-lsp: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
