//! The probe document: what `cargo predeploy probe` observed, as text the live rules judge.
//! Recording observations as documents keeps the rules pure (no network in rules), lets findings
//! point at the exact header line, and lets fixtures hold recorded responses.
//!
//! ```text
//! GET https://staging.example.com/
//! # purpose: landing
//! # framework: express
//! HTTP/1.1 200 OK
//! Content-Type: text/html
//! Strict-Transport-Security: max-age=300
//!
//! <html>... (first bytes of the body)
//! ```
//!
//! ```text
//! TLS staging.example.com:443
//! # purpose: tls
//! protocol: TLSv1.3
//! certificate-verification: ok
//! certificate-days-left: 40
//! ```

use std::ops::Range;

#[derive(Debug)]
pub struct Header<'a> {
    /// Lower-cased name.
    pub name: String,
    pub value: &'a str,
    /// Byte range of the whole header line.
    pub line: Range<usize>,
}

#[derive(Debug)]
pub struct HttpDoc<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub request_line: Range<usize>,
    pub purpose: &'a str,
    pub framework: Option<&'a str>,
    pub status: u16,
    pub status_line: Range<usize>,
    pub headers: Vec<Header<'a>>,
    pub body: &'a str,
    pub body_range: Range<usize>,
}

impl<'a> HttpDoc<'a> {
    pub fn header(&self, name: &str) -> Option<&Header<'a>> {
        self.headers.iter().find(|h| h.name == name)
    }
    pub fn headers_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Header<'a>> + 's {
        self.headers.iter().filter(move |h| h.name == name)
    }
    pub fn is_https(&self) -> bool {
        self.url.starts_with("https://")
    }
    pub fn is_html(&self) -> bool {
        self.header("content-type")
            .is_some_and(|h| h.value.to_ascii_lowercase().contains("text/html"))
    }
    /// A page the app serves to browsers (landing page or a configured path).
    pub fn is_page(&self) -> bool {
        matches!(self.purpose, "landing" | "page") && (200..300).contains(&self.status)
    }
}

#[derive(Debug)]
pub struct TlsDoc<'a> {
    pub target: &'a str,
    pub first_line: Range<usize>,
    pub fields: Vec<(&'a str, &'a str, Range<usize>)>,
}

impl<'a> TlsDoc<'a> {
    pub fn field(&self, key: &str) -> Option<(&'a str, Range<usize>)> {
        self.fields
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, v, r)| (*v, r.clone()))
    }
}

#[derive(Debug)]
pub enum ProbeDoc<'a> {
    Http(HttpDoc<'a>),
    Tls(TlsDoc<'a>),
}

/// Lines with their byte ranges (without terminators).
fn lines(text: &str) -> impl Iterator<Item = (&str, Range<usize>)> {
    let mut pos = 0;
    text.split_inclusive('\n').map(move |l| {
        let start = pos;
        pos += l.len();
        let t = l.trim_end_matches(['\n', '\r']);
        (t, start..start + t.len())
    })
}

/// Parses a probe document; None when the text is not one.
pub fn parse(text: &str) -> Option<ProbeDoc<'_>> {
    let mut it = lines(text).peekable();
    // Skip leading annotation/comment lines.
    let (first, first_range) = loop {
        let (l, r) = it.next()?;
        if !l.trim().is_empty() && !l.starts_with('#') {
            break (l, r);
        }
    };
    if let Some(target) = first.strip_prefix("TLS ") {
        let mut fields = Vec::new();
        for (l, r) in it {
            if l.starts_with('#') || l.trim().is_empty() {
                continue;
            }
            if let Some((k, v)) = l.split_once(':') {
                let key_len = k.len() + 1;
                let v_trim = v.trim();
                let vstart = r.start + key_len + (v.len() - v.trim_start().len());
                let _ = vstart;
                fields.push((k.trim(), v_trim, r));
            }
        }
        return Some(ProbeDoc::Tls(TlsDoc {
            target: target.trim(),
            first_line: first_range,
            fields,
        }));
    }
    let (method, url) = first.split_once(' ')?;
    if !matches!(method, "GET" | "HEAD" | "OPTIONS") {
        return None;
    }
    let mut purpose = "page";
    let mut framework = None;
    let mut status_line = None;
    let mut status = 0u16;
    for (l, r) in it.by_ref() {
        if let Some(meta) = l.strip_prefix("# ") {
            if let Some(p) = meta.strip_prefix("purpose:") {
                purpose = p.trim();
            } else if let Some(f) = meta.strip_prefix("framework:") {
                framework = Some(f.trim());
            }
            continue;
        }
        if l.starts_with("HTTP/") {
            status = l
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            status_line = Some(r);
            break;
        }
        if l.trim().is_empty() || l.starts_with('#') {
            continue;
        }
        return None;
    }
    let status_line = status_line?;
    let mut headers = Vec::new();
    let mut body_start = text.len();
    for (l, r) in it.by_ref() {
        if l.trim().is_empty() {
            body_start = (r.end + 1).min(text.len());
            break;
        }
        if l.starts_with('#') {
            continue;
        }
        if let Some((n, v)) = l.split_once(':') {
            headers.push(Header {
                name: n.trim().to_ascii_lowercase(),
                value: v.trim(),
                line: r,
            });
        }
    }
    Some(ProbeDoc::Http(HttpDoc {
        method,
        url: url.trim(),
        request_line: first_range,
        purpose,
        framework,
        status,
        status_line,
        headers,
        body: &text[body_start..],
        body_range: body_start..text.len(),
    }))
}

/// Framework-specific wording for header fixes.
pub fn header_fix(framework: Option<&str>, what: &str) -> String {
    let how = match framework.map(|f| f.to_ascii_lowercase()) {
        Some(f) if f.contains("express") => "with helmet (app.use(helmet()))",
        Some(f) if f.contains("django") => "with django.middleware.security.SecurityMiddleware and the SECURE_* settings",
        Some(f) if f.contains("flask") => "with flask-talisman (Talisman(app))",
        Some(f) if f.contains("fastapi") || f.contains("starlette") => "with a middleware such as secure (Secure().framework.fastapi)",
        Some(f) if f.contains("axum") || f.contains("tower") => "with tower-http SetResponseHeaderLayer",
        Some(f) if f.contains("actix") => "with actix-web DefaultHeaders middleware",
        Some(f) if f.contains("nginx") => "with add_header ... always; in the server block",
        _ => "in the app's header middleware (helmet, flask-talisman, Django SecurityMiddleware, tower-http) or the reverse proxy",
    };
    format!("{what} {how}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_http_and_tls() {
        let t = "GET https://a.test/\n# purpose: landing\nHTTP/1.1 200 OK\nServer: nginx/1.2\nX-A: b\n\n<html>";
        let Some(ProbeDoc::Http(d)) = parse(t) else {
            panic!()
        };
        assert_eq!(d.status, 200);
        assert_eq!(d.purpose, "landing");
        assert_eq!(d.header("server").unwrap().value, "nginx/1.2");
        assert_eq!(d.body, "<html>");
        let t = "TLS a.test:443\nprotocol: TLSv1.2\n";
        let Some(ProbeDoc::Tls(d)) = parse(t) else {
            panic!()
        };
        assert_eq!(d.field("protocol").unwrap().0, "TLSv1.2");
        assert!(parse("just text").is_none());
    }
}
