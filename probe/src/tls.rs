//! TLS facts about the deployed host, from a real handshake with rustls: negotiated protocol,
//! certificate verification, names and days to expiry.

use crate::{ProbeError, ProbeOptions};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;

pub struct TlsFacts {
    pub document: String,
    pub verification_failed: bool,
    /// No handshake succeeded at all (not even without verification).
    pub handshake_failed: bool,
}

/// Accepts any certificate: used only for a second handshake after verification failed, to
/// learn the protocol and the certificate's dates. Never used to send requests that matter.
#[derive(Debug)]
struct InspectOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for InspectOnly {
    // predeploy:allow(tls-verification-disabled) reason="inspection-only second handshake after verification failed and was reported; it reads the certificate's dates"
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

enum Outcome {
    Done {
        protocol: String,
        chain: Vec<CertificateDer<'static>>,
    },
    CertError(String),
    Failed(String),
}

fn handshake(
    host: &str,
    port: u16,
    config: Arc<ClientConfig>,
    opts: &ProbeOptions,
) -> Result<Outcome, ProbeError> {
    let addr = (host, port)
        .to_socket_addrs()
        .map_err(|e| ProbeError::Unreachable(format!("{host}:{port}: {e}")))?
        .next()
        .ok_or_else(|| ProbeError::Unreachable(format!("{host}: no address")))?;
    let mut sock = TcpStream::connect_timeout(&addr, opts.timeout)
        .map_err(|e| ProbeError::Unreachable(format!("{host}:{port}: {e}")))?;
    let _ = sock.set_read_timeout(Some(opts.timeout));
    let _ = sock.set_write_timeout(Some(opts.timeout));
    let name = ServerName::try_from(host.to_owned())
        .map_err(|e| ProbeError::InvalidUrl(format!("{host}: {e}")))?;
    let mut conn =
        ClientConnection::new(config, name).map_err(|e| ProbeError::Unreachable(e.to_string()))?;
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut sock) {
            let inner = e
                .get_ref()
                .and_then(|i| i.downcast_ref::<rustls::Error>())
                .cloned();
            return Ok(match inner {
                Some(rustls::Error::InvalidCertificate(c)) => {
                    Outcome::CertError(describe_cert_error(&c))
                }
                Some(other) => Outcome::Failed(other.to_string()),
                None => Outcome::Failed(e.to_string()),
            });
        }
    }
    let protocol = match conn.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".to_owned(),
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".to_owned(),
        Some(other) => format!("{other:?}"),
        None => "unknown".to_owned(),
    };
    let chain = conn
        .peer_certificates()
        .map(|c| c.iter().map(|d| d.clone().into_owned()).collect())
        .unwrap_or_default();
    conn.send_close_notify();
    let _ = conn.complete_io(&mut sock);
    Ok(Outcome::Done { protocol, chain })
}

fn describe_cert_error(e: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match e {
        C::Expired | C::ExpiredContext { .. } => "certificate expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => "certificate not valid yet".into(),
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "certificate not valid for this host name".into()
        }
        C::UnknownIssuer => {
            "issued by an unknown authority (self-signed or missing intermediate)".into()
        }
        C::Revoked => "certificate revoked".into(),
        other => format!("{other:?}"),
    }
}

fn roots(opts: &ProbeOptions) -> Result<RootCertStore, ProbeError> {
    let mut store = RootCertStore::empty();
    if opts.ca_certs_pem.is_empty() {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    } else {
        for pem in &opts.ca_certs_pem {
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| ProbeError::BadCaCert(e.to_string()))?;
                store
                    .add(cert)
                    .map_err(|e| ProbeError::BadCaCert(e.to_string()))?;
            }
        }
        if store.is_empty() {
            return Err(ProbeError::BadCaCert(
                "no certificate found in the PEM file".into(),
            ));
        }
    }
    Ok(store)
}

/// Days from now to the leaf certificate's notAfter, its subject and names.
fn cert_details(chain: &[CertificateDer<'_>]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(leaf) = chain.first() else {
        return out;
    };
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(leaf.as_ref()) else {
        out.push(("certificate".into(), "unparseable".into()));
        return out;
    };
    let not_after = cert.validity().not_after.timestamp();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (y, m, d) = predeploy_rules::suppress::civil_from_days(not_after.div_euclid(86_400));
    out.push((
        "certificate-not-after".into(),
        format!("{y:04}-{m:02}-{d:02}"),
    ));
    out.push((
        "certificate-days-left".into(),
        ((not_after - now).div_euclid(86_400)).to_string(),
    ));
    out.push(("certificate-subject".into(), cert.subject().to_string()));
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        let names: Vec<String> = san
            .value
            .general_names
            .iter()
            .filter_map(|n| match n {
                x509_parser::extensions::GeneralName::DNSName(s) => Some((*s).to_owned()),
                x509_parser::extensions::GeneralName::IPAddress(b) if b.len() == 4 => {
                    Some(format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]))
                }
                _ => None,
            })
            .collect();
        out.push(("certificate-names".into(), names.join(", ")));
    }
    out.push(("certificate-chain-length".into(), chain.len().to_string()));
    out
}

pub fn inspect(host: &str, port: u16, opts: &ProbeOptions) -> Result<TlsFacts, ProbeError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verified = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ProbeError::Unreachable(e.to_string()))?
        .with_root_certificates(roots(opts)?)
        .with_no_client_auth();
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut verification_failed = false;
    let mut handshake_failed = false;
    match handshake(host, port, Arc::new(verified), opts)? {
        Outcome::Done { protocol, chain } => {
            lines.push(("protocol".into(), protocol));
            lines.push(("certificate-verification".into(), "ok".into()));
            lines.extend(cert_details(&chain));
        }
        Outcome::CertError(why) => {
            verification_failed = true;
            let inspect = ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .map_err(|e| ProbeError::Unreachable(e.to_string()))?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(InspectOnly(provider)))
                .with_no_client_auth();
            match handshake(host, port, Arc::new(inspect), opts)? {
                Outcome::Done { protocol, chain } => {
                    lines.push(("protocol".into(), protocol));
                    lines.push(("certificate-verification".into(), format!("failed: {why}")));
                    lines.extend(cert_details(&chain));
                }
                Outcome::CertError(e) | Outcome::Failed(e) => {
                    handshake_failed = true;
                    lines.push(("certificate-verification".into(), format!("failed: {why}")));
                    lines.push(("handshake".into(), format!("failed: {e}")));
                }
            }
        }
        Outcome::Failed(e) => {
            handshake_failed = true;
            lines.push(("handshake".into(), format!("failed: {e}")));
        }
    }
    let mut doc = format!("TLS {host}:{port}\n# purpose: tls\n");
    for (k, v) in lines {
        doc.push_str(&format!("{k}: {}\n", v.replace('\n', " ")));
    }
    Ok(TlsFacts {
        document: doc,
        verification_failed,
        handshake_failed,
    })
}
