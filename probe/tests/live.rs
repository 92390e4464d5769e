//! The probe against real servers started here on the loopback interface: one well configured
//! (TLS with a certificate generated at test time, every header), one badly configured (headers
//! missing, version banners, an insecure cookie, `/.git/HEAD` served, a stack trace on 404, a
//! certificate about to expire, content over plain HTTP). Nothing touches the internet.

use predeploy_probe::{probe, ProbeError, ProbeOptions};
use predeploy_rules::Config;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

type Routes = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// Reads one request head and answers it; the connection is then closed.
fn answer<S: Read + Write>(stream: &mut S, routes: &Routes) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") && buf.len() < 16 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&buf);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let resp = routes(&path);
    let _ = stream.write_all(resp.as_bytes());
    let _ = stream.flush();
}

/// Serves at most `limit` connections (bounded), each in its own thread.
fn serve(tls: Option<Arc<rustls::ServerConfig>>, routes: Routes, limit: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for sock in listener.incoming().take(limit) {
            let Ok(mut sock) = sock else { continue };
            let _ = sock.set_read_timeout(Some(Duration::from_secs(5)));
            let routes = routes.clone();
            let tls = tls.clone();
            std::thread::spawn(move || match tls {
                Some(cfg) => {
                    let Ok(conn) = rustls::ServerConnection::new(cfg) else {
                        return;
                    };
                    let mut s = rustls::StreamOwned::new(conn, sock);
                    answer(&mut s, &routes);
                    s.conn.send_close_notify();
                    let _ = s.flush();
                }
                None => answer(&mut sock, &routes),
            });
        }
    });
    port
}

fn response(status: &str, headers: &[&str], body: &str) -> String {
    let mut r = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for h in headers {
        r.push_str(h);
        r.push_str("\r\n");
    }
    r.push_str("\r\n");
    r.push_str(body);
    r
}

/// A self-signed certificate for 127.0.0.1 valid for `days` more days: (PEM, server config).
fn certificate(days: i64) -> (String, Arc<rustls::ServerConfig>) {
    let mut params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        / 86_400;
    let (y, m, d) = predeploy_rules::suppress::civil_from_days(now - 30);
    params.not_before = rcgen::date_time_ymd(y as i32, m as u8, d as u8);
    let (y, m, d) = predeploy_rules::suppress::civil_from_days(now + days);
    params.not_after = rcgen::date_time_ymd(y as i32, m as u8, d as u8);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let der = CertificateDer::from(cert.der().to_vec());
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![der], key_der)
    .unwrap();
    (cert.pem(), Arc::new(cfg))
}

fn ids(out: &predeploy_probe::ProbeOutput) -> Vec<&'static str> {
    let mut v: Vec<&str> = out.findings.iter().map(|f| f.rule.id).collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn well_configured_site_passes() {
    let (pem, tls) = certificate(200);
    let https = serve(
        Some(tls),
        Arc::new(|path: &str| {
            match path {
            "/" => response(
                "200 OK",
                &[
                    "Content-Type: text/html; charset=utf-8",
                    "Strict-Transport-Security: max-age=63072000; includeSubDomains",
                    "Content-Security-Policy: default-src 'self'; object-src 'none'; frame-ancestors 'none'",
                    "X-Content-Type-Options: nosniff",
                    "Referrer-Policy: strict-origin-when-cross-origin",
                    "Permissions-Policy: camera=(), microphone=()",
                    "Set-Cookie: sid=s3cr3tvalue; Path=/; Secure; HttpOnly; SameSite=Lax",
                ],
                "<html><body>hello</body></html>",
            ),
            "/.well-known/security.txt" => response(
                "200 OK",
                &["Content-Type: text/plain"],
                "Contact: mailto:security@example.org\nExpires: 2999-01-01T00:00:00Z\n",
            ),
            _ => response("404 Not Found", &["Content-Type: text/plain", "X-Content-Type-Options: nosniff"], "not found"),
        }
        }),
        64,
    );
    let redirect_to = format!("https://127.0.0.1:{https}/");
    let http = serve(
        None,
        Arc::new(move |_p: &str| {
            response(
                "301 Moved Permanently",
                &[&format!("Location: {redirect_to}")],
                "",
            )
        }),
        4,
    );
    let mut opts = ProbeOptions::new(format!("https://127.0.0.1:{https}/"));
    opts.ca_certs_pem = vec![pem.into_bytes()];
    opts.http_url = Some(format!("http://127.0.0.1:{http}/"));
    let out = probe(&opts, &Config::default()).expect("probe runs");
    let unexpected: Vec<String> = out
        .findings
        .iter()
        .filter(|f| f.severity > predeploy_rules::Severity::Info)
        .map(|f| format!("{} {} {}", f.rule.id, f.path.display(), f.message))
        .collect();
    assert!(
        unexpected.is_empty(),
        "a well-configured site got findings: {unexpected:#?}"
    );
    assert!(
        out.requests <= 40,
        "request budget respected: {}",
        out.requests
    );
    // The TLS document records a verified TLS 1.3 handshake.
    let tls_doc = &out
        .documents
        .iter()
        .find(|(p, _)| p.starts_with("tls://"))
        .unwrap()
        .1;
    assert!(tls_doc.contains("protocol: TLSv1.3"), "{tls_doc}");
    assert!(
        tls_doc.contains("certificate-verification: ok"),
        "{tls_doc}"
    );
    // Cookie values never reach the documents.
    assert!(out
        .documents
        .iter()
        .all(|(_, d)| !d.contains("s3cr3tvalue")));
}

#[test]
fn badly_configured_site_is_reported() {
    let (pem, tls) = certificate(5);
    let https = serve(
        Some(tls),
        Arc::new(|path: &str| {
            match path {
            "/" => response(
                "200 OK",
                &["Content-Type: text/html", "Server: nginx/1.18.0", "X-Powered-By: Express", "Set-Cookie: sessionid=abc123; Path=/"],
                "<html><body>hello</body></html>",
            ),
            "/.git/HEAD" => response("200 OK", &["Content-Type: text/plain"], "ref: refs/heads/main\n"),
            _ => response(
                "500 Internal Server Error",
                &["Content-Type: text/plain"],
                "Traceback (most recent call last):\n  File \"/srv/app.py\", line 12, in view\nKeyError: 'x'\n",
            ),
        }
        }),
        64,
    );
    let http = serve(
        None,
        Arc::new(|_p: &str| response("200 OK", &["Content-Type: text/html"], "<html>plain</html>")),
        4,
    );
    let mut opts = ProbeOptions::new(format!("https://127.0.0.1:{https}"));
    opts.ca_certs_pem = vec![pem.into_bytes()];
    opts.http_url = Some(format!("http://127.0.0.1:{http}/"));
    let out = probe(&opts, &Config::default()).expect("probe runs");
    let got = ids(&out);
    for want in [
        "live-hsts-weak",
        "live-csp-weak",
        "live-nosniff-missing",
        "live-clickjacking",
        "live-referrer-policy-weak",
        "live-version-banner",
        "live-cookie-insecure",
        "live-debug-endpoint-exposed",
        "live-stack-trace-exposed",
        "live-certificate-expiring",
        "live-http-served",
        "live-security-txt-invalid",
    ] {
        assert!(got.contains(&want), "missing {want}; got {got:?}");
    }
    // Findings explain the fix in the framework the site uses (X-Powered-By: Express).
    let hsts = out
        .findings
        .iter()
        .find(|f| f.rule.id == "live-hsts-weak")
        .unwrap();
    assert!(
        hsts.help.as_deref().unwrap_or("").contains("helmet"),
        "{:?}",
        hsts.help
    );
    // Only the .git endpoint matched its signature; the catch-all 500 page did not count as /.env.
    let debug: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.rule.id == "live-debug-endpoint-exposed")
        .collect();
    assert_eq!(debug.len(), 1, "{debug:#?}");
    assert!(
        out.documents.iter().all(|(_, d)| !d.contains("abc123")),
        "cookie value leaked into a document"
    );
}

#[test]
fn untrusted_certificate_is_a_finding_not_a_crash() {
    let (_pem, tls) = certificate(100);
    let https = serve(
        Some(tls),
        Arc::new(|_p: &str| response("200 OK", &["Content-Type: text/plain"], "hi")),
        64,
    );
    // No --ca-cert: the self-signed certificate is untrusted.
    let mut opts = ProbeOptions::new(format!("https://127.0.0.1:{https}/"));
    opts.skip_http = true;
    let out = probe(&opts, &Config::default()).expect("probe runs");
    assert!(
        ids(&out).contains(&"live-certificate-invalid"),
        "{:?}",
        ids(&out)
    );
}

#[test]
fn unreachable_host_is_a_clear_error() {
    // Bind then drop to get a port with nothing listening.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut opts = ProbeOptions::new(format!("https://127.0.0.1:{port}/"));
    opts.timeout = Duration::from_secs(3);
    let err = probe(&opts, &Config::default()).unwrap_err();
    assert!(matches!(err, ProbeError::Unreachable(_)), "{err:?}");
    assert!(err.to_string().contains("cannot reach the host"), "{err}");
    let err = probe(&ProbeOptions::new("ftp://example.org"), &Config::default()).unwrap_err();
    assert!(matches!(err, ProbeError::InvalidUrl(_)));
}

#[test]
fn garbage_server_is_reported_not_trusted() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in listener.incoming().take(4) {
            if let Ok(mut s) = s {
                let _ = s.write_all(b"garbage garbage garbage\r\n\r\n");
            }
        }
    });
    let mut opts = ProbeOptions::new(format!("https://127.0.0.1:{port}/"));
    opts.timeout = Duration::from_secs(3);
    let out =
        probe(&opts, &Config::default()).expect("a bad TLS peer is an observation, not an error");
    assert!(
        out.notes
            .iter()
            .any(|n| n.message.contains("no TLS handshake")),
        "{:?}",
        out.notes
    );
    let tls_doc = &out.documents[0].1;
    assert!(tls_doc.contains("handshake: failed"), "{tls_doc}");
    let _ = TcpStream::connect(("127.0.0.1", port));
}
