//! Fetching test URLs from this machine, directly or through an explicit proxy: caretaker's own
//! HTTP/1.1 client (hyper over tokio, rustls), so that every step is seen and timed.
//!
//! Direct fetches resolve names with their own resolver (the configured DNS server, else
//! /etc/resolv.conf's), so NXDOMAIN, a sinkhole address and a resolver that does not answer are
//! told apart. Through a proxy, plain-HTTP URLs are sent to the proxy in absolute form and
//! HTTPS URLs through a CONNECT tunnel whose refusal status (and page) is kept. The certificate
//! issuer of every HTTPS site is recorded, trusted or not. Bodies are read up to a cap; the whole
//! fetch (redirects included) is under one time limit.

mod address;
mod connect;
mod http;
mod tls;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::TokioResolver;
use rustls::RootCertStore;

use address::DEFAULT_PROXY_PORT;

pub(crate) use address::{join_location, proxy_shown, url_shown};
pub use connect::{read_connect_answer, Tunnel};
pub use tls::issuer_of;

/// A proxy login; the password is never shown.
#[derive(Clone)]
pub struct ProxyAuth {
    pub user: String,
    pub password: caretaker_config::Secret,
}

impl std::fmt::Debug for ProxyAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ProxyAuth({}, ****)", self.user)
    }
}

impl ProxyAuth {
    /// The `Proxy-Authorization` value (Basic).
    fn header(&self) -> String {
        let raw = format!("{}:{}", self.user, self.password.expose());
        format!("Basic {}", BASE64.encode(raw))
    }
}

/// How this machine fetches: limits, proxy, resolver, trusted CAs.
#[derive(Clone)]
pub struct Fetcher {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_body: usize,
    pub max_redirects: u32,
    proxy: Option<Proxy>,
    resolver: Option<Arc<TokioResolver>>,
    roots: Arc<RootCertStore>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("timeout", &self.timeout)
            .field("proxy", &self.proxy.as_ref().map(|p| &p.shown))
            .finish()
    }
}

#[derive(Clone)]
struct Proxy {
    host: String,
    port: u16,
    /// `http://host:port`, for evidence.
    shown: String,
    /// `Basic …`, never shown.
    authorization: Option<String>,
}

/// Why a fetcher could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    #[error("the proxy {0:?} is not http://host:port")]
    BadProxy(String),
    #[error("the resolver {0:?} is not an address")]
    BadResolver(String),
    #[error("the system's resolver configuration cannot be read: {0}")]
    SystemResolver(String),
    #[error("the certificate authority file {0} cannot be used: {1}")]
    CaFile(String, String),
}

/// What the fetcher is given.
#[derive(Debug, Clone, Default)]
pub struct FetcherSettings {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_body: usize,
    pub max_redirects: u32,
    /// `http://host:port`.
    pub proxy: Option<String>,
    pub proxy_auth: Option<ProxyAuth>,
    /// `10.0.0.1` or `10.0.0.1:53`; unset: /etc/resolv.conf.
    pub resolver: Option<String>,
    /// PEM files of extra trusted CAs.
    pub ca_files: Vec<std::path::PathBuf>,
}

impl Fetcher {
    pub fn new(s: &FetcherSettings) -> Result<Fetcher, SetupError> {
        let proxy = match &s.proxy {
            None => None,
            Some(p) => {
                let u = url::Url::parse(p).map_err(|_| SetupError::BadProxy(p.clone()))?;
                let shown = proxy_shown(&u).ok_or_else(|| SetupError::BadProxy(p.clone()))?;
                let host = u
                    .host_str()
                    .unwrap_or_default()
                    .trim_matches(['[', ']'])
                    .to_string();
                let port = u.port().unwrap_or(DEFAULT_PROXY_PORT);
                Some(Proxy {
                    shown,
                    host,
                    port,
                    authorization: s.proxy_auth.as_ref().map(ProxyAuth::header),
                })
            }
        };
        let resolver = if proxy.is_some() {
            None
        } else {
            let mut opts = ResolverOpts::default();
            opts.timeout = s.connect_timeout.max(Duration::from_millis(200));
            opts.attempts = 1;
            opts.cache_size = 64;
            let config = match &s.resolver {
                Some(r) => {
                    let addr: SocketAddr = r
                        .parse()
                        .or_else(|_| r.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                        .map_err(|_| SetupError::BadResolver(r.clone()))?;
                    ResolverConfig::from_parts(
                        None,
                        vec![],
                        NameServerConfigGroup::from_ips_clear(&[addr.ip()], addr.port(), true),
                    )
                }
                None => {
                    let (config, system) = hickory_resolver::system_conf::read_system_conf()
                        .map_err(|e| SetupError::SystemResolver(e.to_string()))?;
                    opts.ndots = system.ndots;
                    config
                }
            };
            let resolver =
                TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
                    .with_options(opts)
                    .build();
            Some(Arc::new(resolver))
        };
        let mut roots = RootCertStore::empty();
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        for path in &s.ca_files {
            let shown = path.display().to_string();
            let pem = std::fs::read(path)
                .map_err(|e| SetupError::CaFile(shown.clone(), e.to_string()))?;
            let mut reader: &[u8] = &pem;
            let mut added = 0;
            for cert in rustls_pemfile::certs(&mut reader) {
                let cert = cert.map_err(|e| SetupError::CaFile(shown.clone(), e.to_string()))?;
                roots
                    .add(cert)
                    .map_err(|e| SetupError::CaFile(shown.clone(), e.to_string()))?;
                added += 1;
            }
            if added == 0 {
                return Err(SetupError::CaFile(
                    shown,
                    "it holds no PEM certificate".into(),
                ));
            }
        }
        Ok(Fetcher {
            timeout: s.timeout,
            connect_timeout: s.connect_timeout,
            max_body: s.max_body,
            max_redirects: s.max_redirects,
            proxy,
            resolver,
            roots: Arc::new(roots),
        })
    }

    /// The proxy as shown in evidence (`http://10.0.0.1:3128`).
    pub fn proxy_shown(&self) -> Option<&str> {
        self.proxy.as_ref().map(|p| p.shown.as_str())
    }
}
