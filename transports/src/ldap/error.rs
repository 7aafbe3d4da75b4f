//! Why a directory could not be read: failures in classes a person can act on (what each means
//! for a school's directory and how to fix it is the directory checks' to say), and the
//! classification of ldap3's and rustls's errors.

use std::fmt;

use ldap3::LdapError;
use rustls::CertificateError;

/// What went wrong, in classes a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Plain ldap:// without StartTLS or allow_insecure: refused before connecting.
    Insecure,
    NoPassword,
    BadUrl,
    /// The configured CA file could not be used.
    CaFile(String),
    /// No trusted CAs on this machine and no ca_file.
    NoRoots,
    Refused,
    /// No answer within the timeout (seconds).
    NoAnswer(u64),
    NameNotFound,
    Unreachable,
    CertUntrusted,
    CertName,
    CertExpired,
    Tls,
    StartTls,
    InvalidCredentials,
    StrongAuthRequired,
    BindRefused(u32),
    InsufficientAccess,
    NoSuchBase,
    SizeLimit,
    SearchRefused(u32),
    ConnectionLost,
    Other,
}

/// Why a directory could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeError {
    pub failure: Failure,
    /// The step: `connect`, `bind`, `search accounts`, ….
    pub step: String,
    /// The technical reason, as the library or server gave it (never a secret).
    pub detail: String,
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} during {}: {}",
            self.failure, self.step, self.detail
        )
    }
}

impl std::error::Error for ProbeError {}

impl ProbeError {
    pub fn new(failure: Failure, step: &str, detail: impl Into<String>) -> Self {
        ProbeError {
            failure,
            step: step.to_string(),
            detail: detail.into(),
        }
    }
}

pub fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let hostport = rest.split('/').next().unwrap_or(rest);
    if hostport.starts_with('[') {
        return hostport
            .split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default();
    }
    hostport.split(':').next().unwrap_or(hostport).to_string()
}
/// Turns an ldap3 error into a classified failure.
pub(super) fn classify(e: &LdapError, step: &str, secs: u64, tls: bool) -> ProbeError {
    let detail = e.to_string();
    let failure = match e {
        LdapError::Timeout { .. } => Failure::NoAnswer(secs),
        LdapError::Io { source } => classify_io(source, step, secs, tls),
        LdapError::Rustls { source } => classify_tls(source),
        LdapError::DNSName { .. } => Failure::CertName,
        LdapError::UrlParsing { .. } | LdapError::UnknownScheme(_) => Failure::BadUrl,
        LdapError::LdapResult { result } => {
            if step == "connect" {
                Failure::StartTls
            } else {
                match result.rc {
                    49 => Failure::InvalidCredentials,
                    8 | 13 => Failure::StrongAuthRequired,
                    50 => Failure::InsufficientAccess,
                    32 => Failure::NoSuchBase,
                    4 => Failure::SizeLimit,
                    rc if step == "bind" => Failure::BindRefused(rc),
                    rc => Failure::SearchRefused(rc),
                }
            }
        }
        LdapError::EndOfStream | LdapError::ResultRecv { .. } | LdapError::OpSend { .. } => {
            Failure::ConnectionLost
        }
        _ => Failure::Other,
    };
    ProbeError::new(failure, step, detail)
}

pub(super) fn classify_io(io: &std::io::Error, step: &str, secs: u64, tls: bool) -> Failure {
    if let Some(inner) = io.get_ref() {
        if let Some(t) = inner.downcast_ref::<rustls::Error>() {
            return classify_tls(t);
        }
    }
    use std::io::ErrorKind as K;
    match io.kind() {
        K::ConnectionRefused => Failure::Refused,
        K::TimedOut | K::WouldBlock => Failure::NoAnswer(secs),
        K::HostUnreachable | K::NetworkUnreachable | K::AddrNotAvailable => Failure::Unreachable,
        K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof | K::BrokenPipe
            if step == "connect" && tls =>
        {
            Failure::Tls
        }
        K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof | K::BrokenPipe => {
            Failure::ConnectionLost
        }
        K::InvalidData if tls => Failure::Tls,
        _ => {
            let msg = io.to_string();
            if msg.contains("lookup") || msg.contains("resolve") || msg.contains("Name or service")
            {
                Failure::NameNotFound
            } else {
                Failure::Other
            }
        }
    }
}

pub(super) fn classify_tls(e: &rustls::Error) -> Failure {
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                Failure::CertName
            }
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => Failure::CertExpired,
            _ => Failure::CertUntrusted,
        },
        _ => Failure::Tls,
    }
}

pub fn search_failure(rc: u32, text: &str, step: &str) -> ProbeError {
    let failure = match rc {
        4 => Failure::SizeLimit,
        50 => Failure::InsufficientAccess,
        32 => Failure::NoSuchBase,
        8 | 13 => Failure::StrongAuthRequired,
        rc => Failure::SearchRefused(rc),
    };
    ProbeError::new(failure, step, format!("rc={rc} {}", text.trim()))
}
