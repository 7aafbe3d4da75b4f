//! Connecting to the directory: the settings checked before any connection ([`preflight`]),
//! TLS from the CA file or this machine's trusted CAs, the connection and the simple bind.

use std::sync::Arc;
use std::time::Duration;

use caretaker_config::Directory;
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings};
use rustls::{ClientConfig, RootCertStore};

use super::error::classify;
use super::{Failure, ProbeError};

/// A bound connection to a directory, ready to search.
pub struct Connection {
    pub ldap: Ldap,
    driver: tokio::task::JoinHandle<()>,
    /// Every step's limit, and the same in seconds for messages.
    pub t: Duration,
    pub secs: u64,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("t", &self.t)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Says goodbye politely, but never waits long for it.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(1), self.ldap.unbind()).await;
        self.driver.abort();
    }
}

/// How caretaker will talk to a directory, once [`preflight`] has found nothing wrong.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `ldaps://`.
    pub ldaps: bool,
    /// `ldap://` upgraded with StartTLS.
    pub starttls: bool,
    /// The TLS settings (the CA file's certificates, or this machine's), when encrypted.
    tls: Option<Arc<ClientConfig>>,
}

/// Everything that can be known about a directory's settings before connecting: a usable URL,
/// encryption (LDAPS or StartTLS, or plain only with `allow_insecure`), the bind password loaded,
/// and the CA file readable and holding certificates. The audit refuses what this refuses (it
/// calls it), and `caretaker config check` reports it.
pub fn preflight(dir: &Directory) -> Result<Plan, ProbeError> {
    let url = dir.url.trim();
    let lower = url.to_ascii_lowercase();
    let ldaps = lower.starts_with("ldaps://");
    if !ldaps && !lower.starts_with("ldap://") {
        return Err(ProbeError::new(
            Failure::BadUrl,
            "setup",
            format!("unsupported URL {url:?}"),
        ));
    }
    // ldap3 panics on a URL without a host: refuse it here.
    let authority = url.split_once("://").map(|(_, r)| r).unwrap_or_default();
    let authority = authority.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.starts_with(':') || authority.contains('@') {
        return Err(ProbeError::new(
            Failure::BadUrl,
            "setup",
            format!("no host in URL {url:?}"),
        ));
    }
    let starttls = dir.starttls && !ldaps;
    if !ldaps && !starttls && !dir.allow_insecure {
        return Err(ProbeError::new(
            Failure::Insecure,
            "setup",
            "plain ldap:// without starttls and without allow_insecure; not connected",
        ));
    }
    if dir.bind_password.is_none() {
        return Err(ProbeError::new(
            Failure::NoPassword,
            "setup",
            "bind_password is not loaded",
        ));
    }

    let tls = if ldaps || starttls {
        Some(tls_config(dir)?)
    } else {
        None
    };
    Ok(Plan {
        ldaps,
        starttls,
        tls,
    })
}

/// Connects (LDAPS or StartTLS unless plain is allowed) and binds as caretaker.
pub async fn connect(dir: &Directory) -> Result<Connection, ProbeError> {
    let secs = dir.timeout_secs.max(1);
    let t = Duration::from_secs(secs);
    let url = dir.url.trim();
    let Plan {
        ldaps,
        starttls,
        tls,
    } = preflight(dir)?;
    let mut settings = LdapConnSettings::new().set_conn_timeout(t);
    if let Some(tls) = tls {
        settings = settings.set_starttls(starttls).set_config(tls);
    }
    let connect = LdapConnAsync::with_settings(settings, url);
    let (conn, ldap) = match tokio::time::timeout(t + Duration::from_millis(500), connect).await {
        Err(_) => {
            return Err(ProbeError::new(
                Failure::NoAnswer(secs),
                "connect",
                format!("no connection within {secs} s"),
            ))
        }
        Ok(Err(e)) => return Err(classify(&e, "connect", secs, ldaps || starttls)),
        Ok(Ok(pair)) => pair,
    };
    let driver = tokio::spawn(async move {
        if let Err(e) = conn.drive().await {
            tracing::debug!("directory connection ended: {e}");
        }
    });
    let mut c = Connection {
        ldap,
        driver,
        t,
        secs,
    };
    if let Err(e) = bind(dir, &mut c.ldap, t, secs).await {
        c.close().await;
        return Err(e);
    }
    Ok(c)
}

async fn bind(dir: &Directory, ldap: &mut Ldap, t: Duration, secs: u64) -> Result<(), ProbeError> {
    let password = dir
        .bind_password
        .as_ref()
        .map(|p| p.expose())
        .unwrap_or_default();
    match tokio::time::timeout(t, ldap.simple_bind(&dir.bind_dn, password)).await {
        Err(_) => Err(ProbeError::new(
            Failure::NoAnswer(secs),
            "bind",
            format!("no answer to the bind within {secs} s"),
        )),
        Ok(Err(e)) => Err(classify(&e, "bind", secs, true)),
        Ok(Ok(res)) if res.rc != 0 => {
            let failure = match res.rc {
                49 => Failure::InvalidCredentials,
                8 | 13 => Failure::StrongAuthRequired,
                rc => Failure::BindRefused(rc),
            };
            Err(ProbeError::new(
                failure,
                "bind",
                format!("rc={} {}", res.rc, res.text.trim()),
            ))
        }
        Ok(Ok(_)) => Ok(()),
    }
}

/// Builds the TLS settings: the configured CA file, or this machine's trusted CAs.
fn tls_config(dir: &Directory) -> Result<Arc<ClientConfig>, ProbeError> {
    let mut roots = RootCertStore::empty();
    if let Some(path) = &dir.ca_file {
        roots = crate::tls::roots_from_pem_file(path).map_err(|why| {
            ProbeError::new(Failure::CaFile(path.display().to_string()), "setup", why)
        })?;
    } else {
        // The same source ldap3 uses by default (rustls-native-certs: SSL_CERT_FILE / SSL_CERT_DIR,
        // else the system store, /etc/ssl/certs on Debian), but keeping what loads even if some fail.
        let loaded = rustls_native_certs::load_native_certs();
        for cert in loaded.certs {
            let _ = roots.add(cert);
        }
        if roots.is_empty() {
            let why = loaded
                .errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            return Err(ProbeError::new(
                Failure::NoRoots,
                "setup",
                format!("no trusted CA certificates found on this machine {why}"),
            ));
        }
    }
    crate::tls::client_config(roots).map_err(|e| ProbeError::new(Failure::Tls, "setup", e))
}
