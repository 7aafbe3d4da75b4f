//! Talks to the directory: connect (LDAPS or StartTLS), simple bind, and a few paged searches that
//! fetch only the attributes the checks need. Every network step is under the directory's
//! `timeout_secs`. Failures are classified into a [`ProbeError`] that says, in plain words, what
//! went wrong and how to fix it. The bind password is sent once and never logged.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use caretaker_config::{Directory, DirectoryKind};
use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, ResultEntry, Scope, SearchOptions};
use rustls::{CertificateError, ClientConfig, RootCertStore};
use time::OffsetDateTime;

use super::dn;
use super::parse::{Entry, NoPassword, Raw};

/// Attributes of the root DSE worth keeping as evidence.
const ROOT_DSE_ATTRS: &[&str] = &[
    "vendorName",
    "vendorVersion",
    "dnsHostName",
    "defaultNamingContext",
    "domainFunctionality",
    "namingContexts",
];

/// AD domain root: the domain password and lockout policy.
pub const AD_DOMAIN_ATTRS: &[&str] = &[
    "objectSid",
    "minPwdLength",
    "pwdProperties",
    "pwdHistoryLength",
    "maxPwdAge",
    "minPwdAge",
    "lockoutThreshold",
    "lockoutDuration",
    "lockOutObservationWindow",
    "msDS-LogonTimeSyncInterval",
];

/// AD fine-grained password settings objects.
pub const AD_PSO_FILTER: &str = "(objectClass=msDS-PasswordSettings)";
pub const AD_PSO_ATTRS: &[&str] = &[
    "cn",
    "msDS-PasswordSettingsPrecedence",
    "msDS-MinimumPasswordLength",
    "msDS-PasswordComplexityEnabled",
    "msDS-PasswordReversibleEncryptionEnabled",
    "msDS-LockoutThreshold",
    "msDS-LockoutDuration",
    "msDS-LockoutObservationWindow",
    "msDS-PasswordHistoryLength",
    "msDS-MaximumPasswordAge",
    "msDS-MinimumPasswordAge",
    "msDS-PSOAppliesTo",
];

/// AD: every user and group in one paged search.
pub const AD_ACCOUNTS_FILTER: &str =
    "(|(&(objectCategory=person)(objectClass=user))(objectClass=group))";
pub const AD_ACCOUNTS_ATTRS: &[&str] = &[
    "sAMAccountName",
    "userAccountControl",
    "lastLogonTimestamp",
    "whenCreated",
    "memberOf",
    "objectSid",
    "primaryGroupID",
    "groupType",
    "msDS-ResultantPSO",
    "givenName",
    "sn",
    "displayName",
    "mail",
    "employeeID",
    "employeeNumber",
    "description",
];

/// OpenLDAP: what counts as an account.
pub const OL_USER_FILTER: &str =
    "(|(objectClass=person)(objectClass=posixAccount)(objectClass=account))";
/// OpenLDAP: users, groups and ppolicy entries in one paged search.
pub const OL_MAIN_FILTER: &str = "(|(objectClass=person)(objectClass=posixAccount)(objectClass=account)(objectClass=pwdPolicy)(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))";
pub const OL_MAIN_ATTRS: &[&str] = &[
    "objectClass",
    "uid",
    "pwdPolicySubentry",
    "pwdLastSuccess",
    "authTimestamp",
    "createTimestamp",
    "pwdAccountLockedTime",
    "member",
    "uniqueMember",
    "memberUid",
    "pwdAttribute",
    "pwdMinLength",
    "pwdCheckQuality",
    "pwdLockout",
    "pwdMaxFailure",
    "pwdLockoutDuration",
    "pwdFailureCountInterval",
    "pwdInHistory",
    "pwdMaxAge",
    "pwdMinAge",
    "pwdMustChange",
    "cn",
    "givenName",
    "sn",
    "displayName",
    "mail",
    "employeeNumber",
    "description",
];

/// One search the probe makes, for documentation and for benchmarks that repeat it with
/// `ldapsearch` (`-b <base> -s <scope> [-E pr=<page_size>/noprompt] <filter> <attrs…>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSearch {
    /// What it is for.
    pub what: &'static str,
    /// `base_dn`, `root DSE`, `domain root`, `password settings container` or `cn=config`.
    pub base: &'static str,
    /// `base`, `one` or `sub`.
    pub scope: &'static str,
    pub filter: String,
    pub attrs: Vec<&'static str>,
    /// Made with the simple paged results control (`page_size`).
    pub paged: bool,
    /// A client-side size limit (`ldapsearch -z`), 0 for none.
    pub size_limit: u32,
}

/// The searches the probe makes for a kind of directory, in order (after the simple bind).
/// Policies named by accounts but outside `base_dn` are read by DN in addition (a handful at most).
pub fn planned_searches(kind: DirectoryKind) -> Vec<PlannedSearch> {
    let s = |what, base, scope, filter: &str, attrs: &[&'static str], paged| PlannedSearch {
        what,
        base,
        scope,
        filter: filter.to_string(),
        attrs: attrs.to_vec(),
        paged,
        size_limit: 0,
    };
    let mut v = vec![s(
        "server facts",
        "root DSE",
        "base",
        "(objectClass=*)",
        ROOT_DSE_ATTRS,
        false,
    )];
    match kind {
        DirectoryKind::ActiveDirectory => {
            v.push(s(
                "domain password and lockout policy",
                "domain root",
                "base",
                "(objectClass=*)",
                AD_DOMAIN_ATTRS,
                false,
            ));
            v.push(s(
                "fine-grained password policies",
                "password settings container",
                "one",
                AD_PSO_FILTER,
                AD_PSO_ATTRS,
                false,
            ));
            v.push(s(
                "users and groups",
                "base_dn",
                "sub",
                AD_ACCOUNTS_FILTER,
                AD_ACCOUNTS_ATTRS,
                true,
            ));
        }
        DirectoryKind::Openldap => {
            v.push(s(
                "users, groups and ppolicy entries",
                "base_dn",
                "sub",
                OL_MAIN_FILTER,
                OL_MAIN_ATTRS,
                true,
            ));
            v.push(s(
                "accounts without a password",
                "base_dn",
                "sub",
                &format!("(&{OL_USER_FILTER}(!(userPassword=*)))"),
                &["1.1"],
                false,
            ));
            v.push(PlannedSearch {
                size_limit: 2,
                ..s(
                    "whether passwords can be tested for",
                    "base_dn",
                    "sub",
                    &format!("(&{OL_USER_FILTER}(userPassword=*))"),
                    &["1.1"],
                    false,
                )
            });
            v.push(s(
                "the ppolicy default",
                "cn=config",
                "sub",
                "(objectClass=olcPPolicyConfig)",
                &["olcPPolicyDefault"],
                false,
            ));
        }
    }
    v
}

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
    fn new(failure: Failure, step: &str, detail: impl Into<String>) -> Self {
        ProbeError {
            failure,
            step: step.to_string(),
            detail: detail.into(),
        }
    }

    /// The reason as the end of a plain sentence: `the directory "ad" did not answer at … within 10 seconds.`
    pub fn reason(&self, dir: &Directory) -> String {
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

    /// What to do about it.
    pub fn fix(&self, dir: &Directory) -> String {
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

fn host_of(url: &str) -> String {
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

/// Reads the directory and keeps every entry of the main search in `Raw::entries` (for
/// recording and debugging; [`super::audit`] streams them instead, see [`probe_with`]).
pub async fn probe(dir: &Directory) -> Result<Raw, ProbeError> {
    let mut entries = Vec::new();
    let mut raw = probe_with(dir, &mut |e| entries.push(e)).await?;
    raw.entries = entries;
    Ok(raw)
}

/// Where the entries of the main search go, one at a time, as they arrive.
pub type Sink<'s> = &'s mut (dyn FnMut(Entry) + Send);

/// Reads the directory, handing each entry of the main search (AD: users and groups; OpenLDAP:
/// users, groups and ppolicy entries) to `sink` as it arrives; the rest is in the returned `Raw`
/// (whose `entries` stay empty). Never panics; every network step is under `dir.timeout_secs`.
pub async fn probe_with(dir: &Directory, sink: Sink<'_>) -> Result<Raw, ProbeError> {
    let observed_at = OffsetDateTime::now_utc();
    let mut conn = connect(dir).await?;
    let (t, secs) = (conn.t, conn.secs);
    let result = read_all(dir, &mut conn.ldap, t, secs, observed_at, sink).await;
    conn.close().await;
    result
}

/// The attributes read from a computer object for discovery.
pub const COMPUTER_ATTRS: &[&str] = &[
    "cn",
    "dNSHostName",
    "operatingSystem",
    "operatingSystemVersion",
    "userAccountControl",
];

/// Active Directory computer objects (`objectCategory=computer`) under `base_dn`, paged, for
/// discovering the machines to check. Every step is under `dir.timeout_secs`.
pub async fn search_computers(dir: &Directory, base_dn: &str) -> Result<Vec<Entry>, ProbeError> {
    let conn = connect(dir).await?;
    let (t, secs) = (conn.t, conn.secs);
    let mut found = Vec::new();
    let result = paged(
        &conn.ldap,
        t,
        secs,
        dir.page_size,
        base_dn,
        "(objectCategory=computer)",
        COMPUTER_ATTRS,
        "search computers",
        &mut |e| {
            // A bound on what one OU can hold in memory; far above any school's.
            if found.len() < 100_000 {
                found.push(e)
            }
        },
    )
    .await;
    conn.close().await;
    result.map(|_| found)
}

/// A bound connection to a directory, ready to search.
struct Connection {
    ldap: Ldap,
    driver: tokio::task::JoinHandle<()>,
    t: Duration,
    secs: u64,
}

impl Connection {
    /// Says goodbye politely, but never waits long for it.
    async fn close(mut self) {
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
async fn connect(dir: &Directory) -> Result<Connection, ProbeError> {
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

async fn read_all(
    dir: &Directory,
    ldap: &mut Ldap,
    t: Duration,
    secs: u64,
    observed_at: OffsetDateTime,
    sink: Sink<'_>,
) -> Result<Raw, ProbeError> {
    let root_dse = read_one(ldap, t, secs, "", ROOT_DSE_ATTRS, "read the root DSE")
        .await
        .ok()
        .flatten();
    let mut raw = Raw {
        kind: dir.kind,
        source: dir.url.clone(),
        base_dn: dir.base_dn.clone(),
        observed_at,
        root_dse,
        domain: None,
        psos: Vec::new(),
        entries: Vec::new(),
        extra_policies: Vec::new(),
        no_password: NoPassword::NotApplicable,
        config: Vec::new(),
        notes: Vec::new(),
    };
    match dir.kind {
        DirectoryKind::ActiveDirectory => read_ad(dir, ldap, t, secs, &mut raw, sink).await?,
        DirectoryKind::Openldap => read_openldap(dir, ldap, t, secs, &mut raw, sink).await?,
    }
    Ok(raw)
}

async fn read_ad(
    dir: &Directory,
    ldap: &Ldap,
    t: Duration,
    secs: u64,
    raw: &mut Raw,
    sink: Sink<'_>,
) -> Result<(), ProbeError> {
    let domain_dn = raw
        .root_dse
        .as_ref()
        .and_then(|r| r.first("defaultnamingcontext"))
        .filter(|d| dn::is_under(&dn::normalize(&dir.base_dn), &dn::normalize(d)))
        .map(str::to_string)
        .unwrap_or_else(|| dir.base_dn.clone());
    let container = format!("CN=Password Settings Container,CN=System,{domain_dn}");
    let (domain, psos, accounts) = tokio::join!(
        read_one(
            ldap,
            t,
            secs,
            &domain_dn,
            AD_DOMAIN_ATTRS,
            "read the domain policy"
        ),
        search_scoped(
            ldap,
            t,
            secs,
            &container,
            Scope::OneLevel,
            AD_PSO_FILTER,
            AD_PSO_ATTRS,
            "read the fine-grained password policies"
        ),
        paged(
            ldap,
            t,
            secs,
            dir.page_size,
            &dir.base_dn,
            AD_ACCOUNTS_FILTER,
            AD_ACCOUNTS_ATTRS,
            "search accounts",
            sink
        ),
    );
    raw.domain = domain?;
    if raw.domain.is_none() {
        raw.notes.push((
            "domain_root".into(),
            format!("{domain_dn} could not be read"),
        ));
    }
    match psos {
        Ok(v) => {
            if v.is_empty() {
                raw.notes.push((
                    "fine_grained_policies".into(),
                    "none visible (none exist, or caretaker's account may not read CN=Password Settings Container)".into(),
                ));
            }
            raw.psos = v;
        }
        Err(e) if matches!(e.failure, Failure::InsufficientAccess | Failure::NoSuchBase) => {
            raw.notes.push((
                "fine_grained_policies".into(),
                format!("not readable: {}", e.detail),
            ));
        }
        Err(e) => return Err(e),
    }
    accounts?;
    Ok(())
}

async fn read_openldap(
    dir: &Directory,
    ldap: &Ldap,
    t: Duration,
    secs: u64,
    raw: &mut Raw,
    sink: Sink<'_>,
) -> Result<(), ProbeError> {
    let no_pw_filter = format!("(&{OL_USER_FILTER}(!(userPassword=*)))");
    let has_pw_filter = format!("(&{OL_USER_FILTER}(userPassword=*))");
    // What the main search saw, for the policies it names and to know whether it found accounts.
    let mut policy_dns: Vec<String> = Vec::new();
    let mut subentries: Vec<String> = Vec::new();
    let mut accounts = 0usize;
    let mut watch = |e: Entry| {
        if e.has_class("pwdPolicy") {
            policy_dns.push(dn::normalize(&e.dn));
        } else if !is_group(&e) {
            accounts += 1;
            if let Some(p) = e.first("pwdpolicysubentry") {
                if !subentries.iter().any(|s| s == p) {
                    subentries.push(p.to_string());
                }
            }
        }
        sink(e);
    };
    // slapd keeps one paged search per connection, so everything else runs unpaged alongside
    // the main search. Accounts without a password are usually few; if there are more than the
    // server's size limit, that search is repeated with paging once the main one is done.
    let (main, no_pw, has_pw, config) = tokio::join!(
        paged(
            ldap,
            t,
            secs,
            dir.page_size,
            &dir.base_dn,
            OL_MAIN_FILTER,
            OL_MAIN_ATTRS,
            "search accounts",
            &mut watch
        ),
        plain(
            ldap,
            t,
            secs,
            &dir.base_dn,
            Scope::Subtree,
            &no_pw_filter,
            &["1.1"],
            0,
            "search for accounts without a password"
        ),
        limited(
            ldap,
            t,
            secs,
            &dir.base_dn,
            &has_pw_filter,
            2,
            "test that passwords can be looked for"
        ),
        search_scoped(
            ldap,
            t,
            secs,
            "cn=config",
            Scope::Subtree,
            "(objectClass=olcPPolicyConfig)",
            &["olcPPolicyDefault"],
            "read cn=config"
        ),
    );
    main?;
    let no_pw: Vec<String> = match no_pw? {
        (0, _, entries) => entries.into_iter().map(|e| e.dn).collect(),
        (4, _, _) => {
            let mut dns = Vec::new();
            paged(
                ldap,
                t,
                secs,
                dir.page_size,
                &dir.base_dn,
                &no_pw_filter,
                &["1.1"],
                "search for accounts without a password",
                &mut |e| dns.push(e.dn),
            )
            .await?;
            dns
        }
        (rc, text, _) => {
            return Err(search_failure(
                rc,
                &text,
                "search for accounts without a password",
            ))
        }
    };
    let has_pw = has_pw?;
    let bind = dn::normalize(&dir.bind_dn);
    let others_with_password = has_pw.iter().filter(|d| dn::normalize(d) != bind).count();
    raw.no_password = if no_pw.is_empty() && others_with_password == 0 && accounts > 0 {
        NoPassword::Unknown(
            "no account matched (userPassword=*) nor (!(userPassword=*)): caretaker's account may not test userPassword (it needs `search` access)".into(),
        )
    } else {
        NoPassword::Known(no_pw)
    };
    match config {
        Ok(v) => raw.config = v,
        Err(e) => raw
            .notes
            .push(("cn=config".into(), format!("not readable ({})", e.detail))),
    }
    // Policies named but outside the main search (another branch, or not visible to it).
    let mut wanted: Vec<String> = Vec::new();
    let known: std::collections::HashSet<String> = policy_dns.into_iter().collect();
    let mut consider = |d: &str| {
        let n = dn::normalize(d);
        if !n.is_empty() && !known.contains(&n) && !wanted.iter().any(|w| dn::normalize(w) == n) {
            wanted.push(d.to_string());
        }
    };
    if let Some(d) = &dir.default_policy {
        consider(d);
    }
    for e in &raw.config {
        for d in e.all("olcppolicydefault") {
            consider(d);
        }
    }
    for d in &subentries {
        consider(d);
    }
    // At most a handful; never one per user.
    for d in wanted.iter().take(50) {
        let mut attrs: Vec<&str> = vec!["objectClass"];
        attrs.extend(OL_MAIN_ATTRS.iter().filter(|a| a.starts_with("pwd")));
        match read_one(ldap, t, secs, d, &attrs, "read a password policy").await {
            Ok(Some(e)) if e.has_class("pwdPolicy") => raw.extra_policies.push(e),
            Ok(_) => raw
                .notes
                .push((format!("policy {d}"), "not found or not a pwdPolicy".into())),
            Err(e) if matches!(e.failure, Failure::InsufficientAccess | Failure::NoSuchBase) => {
                raw.notes.push((
                    format!("policy {d}"),
                    format!("not readable ({})", e.detail),
                ))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn is_group(e: &Entry) -> bool {
    e.has_class("groupOfNames") || e.has_class("groupOfUniqueNames") || e.has_class("posixGroup")
}

/// Builds the TLS settings: the configured CA file, or this machine's trusted CAs.
fn tls_config(dir: &Directory) -> Result<Arc<ClientConfig>, ProbeError> {
    let mut roots = RootCertStore::empty();
    if let Some(path) = &dir.ca_file {
        let shown = path.display().to_string();
        let pem = std::fs::read(path).map_err(|e| {
            ProbeError::new(
                Failure::CaFile(shown.clone()),
                "setup",
                format!("cannot read it: {e}"),
            )
        })?;
        let mut reader: &[u8] = &pem;
        for cert in rustls_pemfile::certs(&mut reader) {
            let cert = cert.map_err(|e| {
                ProbeError::new(
                    Failure::CaFile(shown.clone()),
                    "setup",
                    format!("not PEM: {e}"),
                )
            })?;
            roots.add(cert).map_err(|e| {
                ProbeError::new(
                    Failure::CaFile(shown.clone()),
                    "setup",
                    format!("not a usable CA certificate: {e}"),
                )
            })?;
        }
        if roots.is_empty() {
            return Err(ProbeError::new(
                Failure::CaFile(shown),
                "setup",
                "it holds no PEM certificate",
            ));
        }
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
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ProbeError::new(Failure::Tls, "setup", e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Turns an ldap3 error into a classified failure.
fn classify(e: &LdapError, step: &str, secs: u64, tls: bool) -> ProbeError {
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

fn classify_io(io: &std::io::Error, step: &str, secs: u64, tls: bool) -> Failure {
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

fn classify_tls(e: &rustls::Error) -> Failure {
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

fn search_failure(rc: u32, text: &str, step: &str) -> ProbeError {
    let failure = match rc {
        4 => Failure::SizeLimit,
        50 => Failure::InsufficientAccess,
        32 => Failure::NoSuchBase,
        8 | 13 => Failure::StrongAuthRequired,
        rc => Failure::SearchRefused(rc),
    };
    ProbeError::new(failure, step, format!("rc={rc} {}", text.trim()))
}

/// Converts a search result entry without trusting its shape (ldap3's own conversion panics on
/// malformed BER). `None` for a malformed entry.
fn entry_from(re: ResultEntry) -> Option<Entry> {
    let mut parts = re.0.match_id(4)?.expect_constructed()?.into_iter();
    let dn = String::from_utf8(parts.next()?.expect_primitive()?).ok()?;
    let mut entry = Entry::new(dn);
    for a in parts.next()?.expect_constructed()? {
        let mut pa = a.expect_constructed()?.into_iter();
        let mut name = String::from_utf8(pa.next()?.expect_primitive()?).ok()?;
        name.make_ascii_lowercase();
        let values = pa
            .next()
            .and_then(|v| v.expect_constructed())
            .unwrap_or_default();
        let mut text = Vec::with_capacity(values.len());
        let mut bin = Vec::new();
        for v in values {
            match String::from_utf8(v.expect_primitive()?) {
                Ok(s) => text.push(s),
                Err(e) => bin.push(e.into_bytes()),
            }
        }
        if !bin.is_empty() {
            entry.bin.entry(name.clone()).or_default().extend(bin);
            if text.is_empty() {
                continue;
            }
        }
        match entry.attrs.entry(name) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(text);
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => slot.get_mut().extend(text),
        }
    }
    Some(entry)
}

/// A paged subtree search (simple paged results control), each page under the timeout.
#[allow(clippy::too_many_arguments)]
async fn paged(
    ldap: &Ldap,
    t: Duration,
    secs: u64,
    page_size: u32,
    base: &str,
    filter: &str,
    attrs: &[&str],
    step: &str,
    sink: Sink<'_>,
) -> Result<usize, ProbeError> {
    let mut l = ldap.clone();
    let page = i32::try_from(page_size.max(1)).unwrap_or(500);
    let adapters: Vec<Box<dyn Adapter<'_, String, Vec<String>>>> = vec![
        Box::new(EntriesOnly::new()),
        Box::new(PagedResults::new(page)),
    ];
    let attrs: Vec<String> = attrs.iter().map(|s| s.to_string()).collect();
    let mut stream = match tokio::time::timeout(
        t,
        l.streaming_search_with(adapters, base, Scope::Subtree, filter, attrs),
    )
    .await
    {
        Err(_) => {
            return Err(ProbeError::new(
                Failure::NoAnswer(secs),
                step,
                format!("no answer within {secs} s"),
            ))
        }
        Ok(Err(e)) => return Err(classify(&e, step, secs, true)),
        Ok(Ok(s)) => s,
    };
    let mut count = 0usize;
    let mut malformed = 0usize;
    loop {
        match tokio::time::timeout(t, stream.next()).await {
            Err(_) => {
                let _ = tokio::time::timeout(Duration::from_millis(200), stream.finish()).await;
                return Err(ProbeError::new(
                    Failure::NoAnswer(secs),
                    step,
                    format!("no answer within {secs} s after {count} entries"),
                ));
            }
            Ok(Err(e)) => {
                let res = stream.finish().await;
                if res.rc != 0 && res.rc != 80 && res.rc != 88 {
                    return Err(search_failure(res.rc, &res.text, step));
                }
                return Err(classify(&e, step, secs, true));
            }
            Ok(Ok(None)) => break,
            // Continuation references (AD's DomainDnsZones, …) and intermediate messages are not
            // entries.
            Ok(Ok(Some(re))) if re.is_ref() || re.is_intermediate() => {}
            Ok(Ok(Some(re))) => match entry_from(re) {
                Some(e) => {
                    count += 1;
                    sink(e);
                }
                None => malformed += 1,
            },
        }
    }
    let res = stream.finish().await;
    if res.rc != 0 {
        return Err(search_failure(res.rc, &res.text, step));
    }
    // An entry that cannot be read could be the one account that breaks the policy: the search
    // is incomplete, never quietly shorter.
    if malformed > 0 {
        return Err(ProbeError::new(
            Failure::Other,
            step,
            format!(
                "{malformed} of {} entries sent by the directory could not be read (malformed)",
                count + malformed
            ),
        ));
    }
    Ok(count)
}

/// A plain search (no paging), for small answers.
#[allow(clippy::too_many_arguments)]
async fn plain(
    ldap: &Ldap,
    t: Duration,
    secs: u64,
    base: &str,
    scope: Scope,
    filter: &str,
    attrs: &[&str],
    size_limit: i32,
    step: &str,
) -> Result<(u32, String, Vec<Entry>), ProbeError> {
    let mut l = ldap.clone();
    if size_limit > 0 {
        l.with_search_options(SearchOptions::new().sizelimit(size_limit));
    }
    let attrs: Vec<String> = attrs.iter().map(|s| s.to_string()).collect();
    match tokio::time::timeout(t, l.search(base, scope, filter, attrs)).await {
        Err(_) => Err(ProbeError::new(
            Failure::NoAnswer(secs),
            step,
            format!("no answer within {secs} s"),
        )),
        Ok(Err(e)) => Err(classify(&e, step, secs, true)),
        Ok(Ok(ldap3::SearchResult(list, res))) => {
            let entries = list
                .into_iter()
                .filter(|re| !re.is_ref() && !re.is_intermediate())
                .filter_map(entry_from)
                .collect();
            Ok((res.rc, res.text, entries))
        }
    }
}

/// Reads one entry by DN; `None` if it does not exist.
async fn read_one(
    ldap: &Ldap,
    t: Duration,
    secs: u64,
    base: &str,
    attrs: &[&str],
    step: &str,
) -> Result<Option<Entry>, ProbeError> {
    let (rc, text, entries) = plain(
        ldap,
        t,
        secs,
        base,
        Scope::Base,
        "(objectClass=*)",
        attrs,
        0,
        step,
    )
    .await?;
    match rc {
        0 => Ok(entries.into_iter().next()),
        32 => Ok(None),
        rc => Err(search_failure(rc, &text, step)),
    }
}

#[allow(clippy::too_many_arguments)]
async fn search_scoped(
    ldap: &Ldap,
    t: Duration,
    secs: u64,
    base: &str,
    scope: Scope,
    filter: &str,
    attrs: &[&str],
    step: &str,
) -> Result<Vec<Entry>, ProbeError> {
    let (rc, text, entries) = plain(ldap, t, secs, base, scope, filter, attrs, 0, step).await?;
    match rc {
        0 => Ok(entries),
        rc => Err(search_failure(rc, &text, step)),
    }
}

/// A search that stops after `limit` entries (size limit exceeded is expected), returning DNs.
async fn limited(
    ldap: &Ldap,
    t: Duration,
    secs: u64,
    base: &str,
    filter: &str,
    limit: i32,
    step: &str,
) -> Result<Vec<String>, ProbeError> {
    let (rc, text, entries) = plain(
        ldap,
        t,
        secs,
        base,
        Scope::Subtree,
        filter,
        &["1.1"],
        limit,
        step,
    )
    .await?;
    match rc {
        0 | 4 => Ok(entries.into_iter().map(|e| e.dn).collect()),
        rc => Err(search_failure(rc, &text, step)),
    }
}

#[cfg(test)]
mod tests {
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
}
