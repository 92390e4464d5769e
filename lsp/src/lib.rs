//! The cargo-predeploy language server: the engine's findings as diagnostics while you type,
//! with hover docs and code actions (the rule's fix, or an `allow` comment).
//!
//! Serve it over stdio with [`run`] (`cargo-predeploy lsp`, or the `predeploy-lsp` binary).
//! See `editors/README.md` for editor setup and `server.rs` for the threading model.

pub mod convert;
mod guard;
mod pool;
mod server;
pub mod settings;
pub mod text;

pub use server::Backend;

use tower_lsp_server::{LspService, Server};

/// Serves the language server protocol on stdin/stdout until the client sends `exit` (or closes
/// stdin). Returns an error when the client exits without a `shutdown` request first, so the
/// process can exit with code 1 as the protocol asks.
pub fn run() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(8)
        .thread_name("predeploy-lsp")
        .enable_all()
        .build()?;
    let clean = rt.block_on(async {
        // Frames written beside the server's: error responses to malformed input, and the
        // diagnostics the server publishes.
        let (err_tx, err_rx) = tokio::sync::mpsc::unbounded_channel();
        let frames = err_tx.clone();
        let (service, socket) =
            LspService::new(move |client| Backend::with_frames(client, Some(frames)));
        let shut_down = service.inner().shutdown_flag();
        // stdin -> guard -> server -> guard -> stdout (see guard.rs for why).
        let (server_in, guard_in) = tokio::io::duplex(1 << 20);
        let (server_out, guard_out) = tokio::io::duplex(1 << 20);
        tokio::spawn(guard::pump_input(tokio::io::stdin(), guard_in, err_tx));
        let output = tokio::spawn(guard::pump_output(guard_out, tokio::io::stdout(), err_rx));
        Server::new(server_in, server_out, socket)
            .serve(service)
            .await;
        // The server's output end is dropped: let the last frames (the shutdown reply) flush.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), output).await;
        shut_down()
    });
    // Do not wait for a lint still running on the blocking pool.
    rt.shutdown_timeout(std::time::Duration::from_millis(50));
    if clean {
        Ok(())
    } else {
        anyhow::bail!("the client exited without a shutdown request (or closed the connection)")
    }
}
