//! Tests for the LDAP client: the host read from a URL, TLS errors classified.

use rustls::CertificateError;

use super::error::{classify_io, classify_tls, host_of};
use super::*;

#[test]
fn host_is_taken_from_the_url() {
    assert_eq!(host_of("ldaps://dc1.school.local:636"), "dc1.school.local");
    assert_eq!(host_of("ldap://127.0.0.1"), "127.0.0.1");
    assert_eq!(host_of("ldaps://[::1]:636/"), "[::1]");
}

#[test]
fn tls_errors_are_classified() {
    assert_eq!(
        classify_tls(&rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer
        )),
        Failure::CertUntrusted
    );
    assert_eq!(
        classify_tls(&rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName
        )),
        Failure::CertName
    );
    assert_eq!(
        classify_tls(&rustls::Error::InvalidCertificate(
            CertificateError::Expired
        )),
        Failure::CertExpired
    );
    let io = std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
    );
    assert_eq!(classify_io(&io, "connect", 5, true), Failure::CertUntrusted);
    let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
    assert_eq!(classify_io(&refused, "connect", 5, true), Failure::Refused);
}
