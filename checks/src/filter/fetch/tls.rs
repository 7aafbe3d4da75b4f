//! TLS as the fetcher sees it: the certificate issuer noted whatever the verdict, and a failed
//! handshake told apart as untrusted, broken or reset.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::filter::model::Outcome;

pub(super) fn tls_failure(e: &std::io::Error) -> (Outcome, String) {
    if let Some(rustls::Error::InvalidCertificate(c)) =
        e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>())
    {
        let untrusted = matches!(
            c,
            rustls::CertificateError::UnknownIssuer
                | rustls::CertificateError::BadSignature
                | rustls::CertificateError::UnknownRevocationStatus
        );
        let detail = format!("certificate not accepted: {c:?}");
        return (
            if untrusted {
                Outcome::TlsUntrusted
            } else {
                Outcome::TlsFailed
            },
            detail,
        );
    }
    match e.kind() {
        std::io::ErrorKind::ConnectionReset
        | std::io::ErrorKind::UnexpectedEof
        | std::io::ErrorKind::BrokenPipe => (
            Outcome::ConnectReset,
            format!("the connection was reset during TLS: {e}"),
        ),
        _ => (Outcome::TlsFailed, format!("TLS: {e}")),
    }
}
/// Verifies like webpki, but first notes the issuer of the certificate shown.
#[derive(Debug)]
pub(super) struct Recorder {
    pub(super) inner: Arc<rustls::client::WebPkiServerVerifier>,
    pub(super) issuer: Arc<Mutex<Option<String>>>,
}

/// The issuer of a DER certificate, as an RFC 4514 string.
pub fn issuer_of(der: &[u8]) -> Option<String> {
    x509_parser::parse_x509_certificate(der)
        .ok()
        .map(|(_, cert)| cert.issuer().to_string())
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut slot) = self.issuer.lock() {
            *slot = issuer_of(end_entity.as_ref());
        }
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
