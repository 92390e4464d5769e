//! A guard between stdio and tower-lsp-server's transport.
//!
//! tower-lsp-server reads stdin through tokio-util's `FramedRead`, which ends the stream after
//! the first decode error: one malformed JSON body or bad header made the whole server exit
//! (checked with tower-lsp-server 0.23; see `tests/e2e.rs::protocol_robustness`). So stdin is read
//! here first: each frame is re-framed and checked, valid JSON-RPC messages are passed on, and a
//! malformed one gets its JSON-RPC error response (-32700 parse error or -32600 invalid request)
//! written by this module while the server keeps running. Output frames from the server, these
//! error responses and the diagnostics the server publishes directly (see `server.rs`,
//! `publish_frame`) share one writer, so they never interleave mid-frame.

use serde_json::{json, Value};
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};
use tokio::sync::mpsc;

/// Largest message accepted (bytes); bigger bodies are skipped with an error response.
const MAX_BODY: usize = 512 * 1024 * 1024;

/// One frame read from the client.
enum Frame {
    Body(Vec<u8>),
    /// Headers without a usable Content-Length, or a body too large.
    Bad(&'static str),
}

async fn read_frame<R: AsyncBufRead + Unpin>(r: &mut R) -> std::io::Result<Option<Frame>> {
    let mut len: Option<usize> = None;
    let mut saw_header = false;
    let mut bad_len = false;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = r.read_until(b'\n', &mut line).await?;
        if n == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let t = text.trim();
        if t.is_empty() {
            if saw_header {
                break;
            }
            continue; // stray blank line between frames
        }
        saw_header = true;
        if let Some((k, v)) = t.split_once(':') {
            if k.trim().eq_ignore_ascii_case("content-length") {
                match v.trim().parse::<usize>() {
                    Ok(n) => len = Some(n),
                    Err(_) => bad_len = true,
                }
            }
        }
    }
    let Some(len) = len.filter(|_| !bad_len) else {
        return Ok(Some(Frame::Bad("missing or invalid Content-Length header")));
    };
    if len > MAX_BODY {
        // Skip the body without holding it in memory.
        let mut left = len;
        let mut buf = vec![0u8; 64 * 1024];
        while left > 0 {
            let take = left.min(buf.len());
            let n = r.read(&mut buf[..take]).await?;
            if n == 0 {
                return Ok(None);
            }
            left -= n;
        }
        return Ok(Some(Frame::Bad("message too large")));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).await?;
    Ok(Some(Frame::Body(body)))
}

/// A frame: the `Content-Length` header and the body.
pub(crate) fn encode(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn error_response(id: Value, code: i64, message: &str) -> Vec<u8> {
    encode(
        json!({"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": id})
            .to_string()
            .as_bytes(),
    )
}

/// Checks a body; `Err` is the error response to send instead.
fn check(body: &[u8]) -> Result<(), Vec<u8>> {
    // Valid messages are read once, straight into the message types (a full-text change of a
    // large file is read three more times otherwise: a value, its copy, the message).
    if serde_json::from_slice::<tower_lsp_server::jsonrpc::Request>(body).is_ok()
        || serde_json::from_slice::<tower_lsp_server::jsonrpc::Response>(body).is_ok()
    {
        return Ok(());
    }
    let v: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => return Err(error_response(Value::Null, -32700, "Parse error")),
    };
    let id = match v.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    Err(error_response(id, -32600, "Invalid request"))
}

/// Copies client frames from `input` to `to_server`, answering malformed ones on `errors`.
pub async fn pump_input<R, W>(input: R, mut to_server: W, errors: mpsc::UnboundedSender<Vec<u8>>)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut r = BufReader::with_capacity(64 * 1024, input);
    loop {
        match read_frame(&mut r).await {
            Ok(Some(Frame::Body(body))) => match check(&body) {
                Ok(()) => {
                    if to_server.write_all(&encode(&body)).await.is_err() {
                        break; // the server stopped (exit)
                    }
                    let _ = to_server.flush().await;
                }
                Err(resp) => {
                    let _ = errors.send(resp);
                }
            },
            Ok(Some(Frame::Bad(msg))) => {
                let _ = errors.send(error_response(Value::Null, -32700, msg));
            }
            Ok(None) | Err(_) => break,
        }
    }
    // EOF: closing `to_server` ends the server's read loop.
    let _ = to_server.shutdown().await;
}

/// Copies server frames from `from_server` to `output`, interleaving error responses between
/// whole frames. Frames are read by their own task and handed over a channel, so waiting for
/// either source never cancels a half-read frame.
pub async fn pump_output<R, W>(
    from_server: R,
    mut output: W,
    mut errors: mpsc::UnboundedReceiver<Vec<u8>>,
) where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin,
{
    let (tx, mut frames) = mpsc::channel::<Vec<u8>>(64);
    tokio::spawn(async move {
        let mut r = BufReader::with_capacity(64 * 1024, from_server);
        while let Ok(Some(frame)) = read_frame(&mut r).await {
            if let Frame::Body(body) = frame {
                if tx.send(body).await.is_err() {
                    break;
                }
            }
        }
    });
    let mut errors_open = true;
    loop {
        let bytes = tokio::select! {
            biased;
            f = frames.recv() => match f {
                Some(body) => encode(&body),
                None => break,
            },
            e = errors.recv(), if errors_open => match e {
                Some(bytes) => bytes,
                None => {
                    errors_open = false;
                    continue;
                }
            },
        };
        if output.write_all(&bytes).await.is_err() {
            return;
        }
        let _ = output.flush().await;
    }
    let _ = output.flush().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_bodies() {
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"result":null}"#).is_ok());
        let e = String::from_utf8(check(b"{\"jsonrpc\": ").unwrap_err()).unwrap();
        assert!(e.contains("-32700"), "{e}");
        let e = String::from_utf8(check(b"[1,2]").unwrap_err()).unwrap();
        assert!(e.contains("-32600"), "{e}");
        let e = String::from_utf8(check(br#"{"id": 7, "method": 3}"#).unwrap_err()).unwrap();
        assert!(e.contains("-32600") && e.contains("\"id\":7"), "{e}");
    }

    #[tokio::test]
    async fn frames_and_resyncs() {
        let input: &[u8] = b"Content-Length: 2\r\n\r\n{}garbage line\r\n\r\ncontent-length: 3\r\nContent-Type: x\r\n\r\n[1]";
        let mut r = BufReader::new(input);
        assert!(matches!(read_frame(&mut r).await.unwrap(), Some(Frame::Body(b)) if b == b"{}"));
        assert!(matches!(
            read_frame(&mut r).await.unwrap(),
            Some(Frame::Bad(_))
        ));
        assert!(matches!(read_frame(&mut r).await.unwrap(), Some(Frame::Body(b)) if b == b"[1]"));
        assert!(read_frame(&mut r).await.unwrap().is_none());
    }
}
