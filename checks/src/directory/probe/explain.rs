//! What a directory that could not be read means for this school, and how to fix it: the
//! failures the LDAP client classifies, in the words of the school's own settings.

use caretaker_config::Directory;
use caretaker_transports::ldap::{host_of, Failure, ProbeError};

/// A failure explained for the directory `dir` of caretaker.toml.
pub trait Explain {
    /// The reason as the end of a plain sentence: `the directory "ad" did not answer at … within
    /// 10 seconds.`
    fn reason(&self, dir: &Directory) -> String;
    /// What to do about it.
    fn fix(&self, dir: &Directory) -> String;
}

impl Explain for ProbeError {
    fn reason(&self, dir: &Directory) -> String {
        let n = &dir.name;
        let url = &dir.url;
        match &self.failure {
            Failure::Insecure => format!(
                "the directory \"{n}\" is set to be read over plain {url} without encryption, so caretaker's password would cross the network in clear; caretaker did not connect."
            ),
            Failure::NoPassword => format!("no password is set for caretaker's account on the directory \"{n}\"."),
            Failure::BadUrl => format!("the address {url:?} of the directory \"{n}\" is not a usable LDAP address."),
            Failure::CaFile(path) => format!("the certificate authority file {path} set for the directory \"{n}\" could not be used."),
            Failure::NoRoots => format!(
                "this machine has no trusted certificate authorities to check the directory \"{n}\" with."
            ),
            Failure::Refused => format!("the directory \"{n}\" refused the connection at {url} (nothing is listening there)."),
            Failure::NoAnswer(s) => format!(
                "the directory \"{n}\" did not answer at {url} within {s} second{} ({}).",
                if *s == 1 { "" } else { "s" },
                self.step
            ),
            Failure::NameNotFound => format!("the server name in {url} (directory \"{n}\") could not be found."),
            Failure::Unreachable => format!("the network cannot reach the directory \"{n}\" at {url}."),
            Failure::CertUntrusted => format!(
                "the directory \"{n}\" at {url} showed a certificate that caretaker does not trust (it was not signed by a trusted certificate authority)."
            ),
            Failure::CertName => format!("the certificate of the directory \"{n}\" is not made out to the name in {url}."),
            Failure::CertExpired => format!("the certificate of the directory \"{n}\" at {url} has expired or is not valid yet."),
            Failure::Tls => format!("a secure connection to the directory \"{n}\" at {url} could not be set up."),
            Failure::StartTls => format!("the directory \"{n}\" at {url} refused to switch the connection to encryption (StartTLS)."),
            Failure::InvalidCredentials => format!(
                "the directory \"{n}\" refused caretaker's login as {} (invalid credentials: wrong name or password).",
                dir.bind_dn
            ),
            Failure::StrongAuthRequired => format!(
                "the directory \"{n}\" refused a login over an unencrypted connection (\"Strong(er) authentication required\")."
            ),
            Failure::BindRefused(rc) => format!("the directory \"{n}\" refused caretaker's login as {} (LDAP result {rc}).", dir.bind_dn),
            Failure::InsufficientAccess => format!(
                "the directory \"{n}\" did not let caretaker's account {} search (insufficient access rights).",
                dir.bind_dn
            ),
            Failure::NoSuchBase => format!("the base DN \"{}\" does not exist in the directory \"{n}\".", dir.base_dn),
            Failure::SizeLimit => format!(
                "the directory \"{n}\" stopped the search at its size limit before every account had been read."
            ),
            Failure::SearchRefused(rc) => format!("the directory \"{n}\" refused a search (LDAP result {rc})."),
            Failure::ConnectionLost => format!("the connection to the directory \"{n}\" at {url} was closed unexpectedly."),
            Failure::Other => format!("the directory \"{n}\" at {url} could not be read."),
        }
    }

    fn fix(&self, dir: &Directory) -> String {
        let host = host_of(&dir.url);
        match &self.failure {
            Failure::Insecure => format!(
                "In caretaker.toml use url = \"ldaps://{host}:636\", or keep ldap:// and set starttls = true. Only if the network between caretaker and the directory cannot be overheard, set allow_insecure = true."
            ),
            Failure::NoPassword => "Set bind_password_file = \"/etc/caretaker/ldap.pass\" (mode 0600) or bind_password_env in caretaker.toml.".into(),
            Failure::BadUrl => "Set url to ldaps://host:636 (or ldap://host:389 with starttls = true).".into(),
            Failure::CaFile(path) => format!("Point ca_file at a PEM file holding the CA certificate that signed the directory's certificate ({path}: {}).", self.detail),
            Failure::NoRoots => "Set ca_file in caretaker.toml to the CA certificate (PEM) that signed the directory's certificate, or install ca-certificates.".into(),
            Failure::Refused => format!("Check that the directory server is running and listening on {}; check the port in url.", dir.url),
            Failure::NoAnswer(_) => format!(
                "Check that the server {host} is up and that no firewall drops the connection; if it is just slow, raise timeout_secs (now {}).",
                dir.timeout_secs
            ),
            Failure::NameNotFound => format!("Check the host name {host} in url (DNS), or use the server's address."),
            Failure::Unreachable => format!("Check the network route from this machine to {host}."),
            Failure::CertUntrusted => format!(
                "Set ca_file in caretaker.toml to the CA certificate (PEM) that signed the directory's certificate (for Samba: DIR/private/tls/ca.pem; for Windows: export the issuing CA's certificate). Now: {}.",
                dir.ca_file.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "ca_file not set, the system's trusted CAs were used".into())
            ),
            Failure::CertName => format!("Use the host name the certificate is made out to in url, or reissue the certificate with subjectAltName covering {host}."),
            Failure::CertExpired => "Renew the directory server's certificate (and check this machine's clock).".into(),
            Failure::Tls => "Check that the port speaks LDAPS (usually 636), or use ldap:// with starttls = true; see the reason in the evidence.".into(),
            Failure::StartTls => "Enable TLS on the directory server (certificate and key), or use ldaps://.".into(),
            Failure::InvalidCredentials => format!(
                "Check bind_dn ({}) and the password in the bind password file; check that the account is not locked or expired.",
                dir.bind_dn
            ),
            Failure::StrongAuthRequired => format!("Use url = \"ldaps://{host}:636\" or set starttls = true."),
            Failure::BindRefused(_) => "Check caretaker's account in the directory (locked, expired, or not allowed to log in).".into(),
            Failure::InsufficientAccess => format!(
                "Give {} read access to the accounts, groups and password policies under {}.",
                dir.bind_dn, dir.base_dn
            ),
            Failure::NoSuchBase => "Correct base_dn in caretaker.toml (for AD, the domain root such as DC=school,DC=local).".into(),
            Failure::SizeLimit => format!(
                "Let caretaker's account read every entry with paging. slapd: limits dn.exact=\"{}\" size.soft=unlimited size.hard=unlimited size.prtotal=unlimited. AD: check MaxPageSize (ntdsutil) is at least page_size ({}).",
                dir.bind_dn, dir.page_size
            ),
            Failure::SearchRefused(_) | Failure::ConnectionLost | Failure::Other => {
                "See the reason in the evidence; check the directory server's log at the time of the audit.".into()
            }
        }
    }
}
