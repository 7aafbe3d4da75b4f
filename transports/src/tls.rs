//! TLS settings shared by the clients that reach a school's or a trust's servers: the trusted
//! certificate authorities from a configured PEM file, and rustls with the ring provider.

use std::path::Path;
use std::sync::Arc;

use rustls::{ClientConfig, RootCertStore};

/// The certificates of the PEM file at `path`; what is wrong with it, in words.
pub fn roots_from_pem_file(path: &Path) -> Result<RootCertStore, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))?;
    let mut roots = RootCertStore::empty();
    let mut reader: &[u8] = &pem;
    for cert in rustls_pemfile::certs(&mut reader) {
        let cert = cert.map_err(|e| format!("not PEM: {e}"))?;
        roots
            .add(cert)
            .map_err(|e| format!("not a usable CA certificate: {e}"))?;
    }
    if roots.is_empty() {
        return Err("it holds no PEM certificate".to_string());
    }
    Ok(roots)
}

/// A client's TLS settings trusting `roots` (TLS 1.2 and 1.3, the server's name always verified).
pub fn client_config(roots: RootCertStore) -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
