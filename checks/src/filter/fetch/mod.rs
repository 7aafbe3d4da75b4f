//! Fetching test URLs from this machine, directly or through an explicit proxy: caretaker's own
//! HTTP/1.1 client (hyper over tokio, rustls), so that every step is seen and timed.
//!
//! Direct fetches resolve names with their own resolver (the configured DNS server, else
//! /etc/resolv.conf's), so NXDOMAIN, a sinkhole address and a resolver that does not answer are
//! told apart. Through a proxy, plain-HTTP URLs are sent to the proxy in absolute form and
//! HTTPS URLs through a CONNECT tunnel whose refusal status (and page) is kept. The certificate
//! issuer of every HTTPS site is recorded, trusted or not. Bodies are read up to a cap; the whole
//! fetch (redirects included) is under one time limit.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use bytes_body::Empty;
use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::TokioResolver;
use http_body_util::BodyExt as _;
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::model::{Fetch, Outcome};

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

// ---------------------------------------------------------------------------------------------
// Web addresses as both fetchers (this one and the probe run on a machine) read and show them.

/// Where a redirect leads: `location` (a `Location` header) resolved against the address it came
/// from, as browsers and curl resolve it (`..` and `.` removed, `//host/…` keeps the scheme, scheme
/// and host lower-cased, a default port dropped). `None` if it is not a web address.
pub(crate) fn join_location(base: &url::Url, location: &str) -> Option<url::Url> {
    base.join(location.trim()).ok()
}

/// `url` as evidence shows it: any `user:password@` removed.
pub(crate) fn url_shown(url: &url::Url) -> String {
    let mut url = url.clone();
    // Only URLs that cannot have a user (`data:`, `mailto:`) refuse, and they have none.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

/// A proxy as evidence shows it, `http://host:port` (no user, password or path). `None` if it is
/// not an http:// URL with a host.
pub(crate) fn proxy_shown(proxy: &url::Url) -> Option<String> {
    let host = proxy
        .host_str()
        .filter(|h| proxy.scheme() == "http" && !h.is_empty())?;
    Some(format!(
        "http://{host}:{}",
        proxy.port().unwrap_or(DEFAULT_PROXY_PORT)
    ))
}

/// The port of a proxy written without one.
const DEFAULT_PROXY_PORT: u16 = 8080;

mod bytes_body {
    pub type Empty = http_body_util::Empty<hyper::body::Bytes>;
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

    /// Fetches `url`, following redirects, within `self.timeout`. Never fails: every way it can
    /// end is an [`Outcome`].
    pub async fn fetch(&self, url: &str) -> Fetch {
        let start = Instant::now();
        let mut f = Fetch::failed(url, Outcome::Other, "not started");
        f.detail = None;
        f.proxy = self.proxy_shown().map(str::to_string);
        let done = tokio::time::timeout(self.timeout, self.follow(url, &mut f)).await;
        if done.is_err() {
            f.outcome = Outcome::Timeout;
            f.detail = Some(format!(
                "not finished within {} s{}",
                self.timeout.as_secs(),
                if f.body.is_empty() {
                    String::new()
                } else {
                    format!(" ({} bytes of the body read)", f.body.len())
                }
            ));
        }
        f.elapsed_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
        f
    }

    async fn follow(&self, url: &str, f: &mut Fetch) {
        let mut current = match url::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => u,
            _ => {
                f.outcome = Outcome::Other;
                f.detail = Some("not an http:// or https:// URL".into());
                return;
            }
        };
        let mut seen: HashSet<String> = HashSet::new();
        seen.insert(current.as_str().to_string());
        loop {
            let location = match self.one(&current, f).await {
                None => return,
                Some(l) => l,
            };
            let next = match join_location(&current, &location) {
                Some(u) if matches!(u.scheme(), "http" | "https") => u,
                _ => {
                    f.outcome = Outcome::Other;
                    f.detail = Some(format!(
                        "a redirect to {location:?}, which is not a web address"
                    ));
                    return;
                }
            };
            f.redirects.push(url_shown(&next));
            if f.redirects.len() > self.max_redirects as usize
                || !seen.insert(next.as_str().to_string())
            {
                f.outcome = Outcome::TooManyRedirects;
                f.detail = Some(if f.redirects.len() > self.max_redirects as usize {
                    format!("more than {} redirects", self.max_redirects)
                } else {
                    format!("a redirect loop back to {}", url_shown(&next))
                });
                f.status = None;
                return;
            }
            current = next;
        }
    }

    /// One request. `Some(location)` when the answer is a redirect to follow; otherwise the fetch
    /// is over and `f` says how.
    async fn one(&self, url: &url::Url, f: &mut Fetch) -> Option<String> {
        let host = url
            .host_str()
            .unwrap_or_default()
            .trim_matches(['[', ']'])
            .to_string();
        let https = url.scheme() == "https";
        let port = url
            .port_or_known_default()
            .unwrap_or(if https { 443 } else { 80 });
        f.body.clear();
        f.body_truncated = false;
        f.status = None;
        f.final_url = Some(url_shown(url));

        // The connection: to the proxy, or to the site's address.
        let tcp = match &self.proxy {
            Some(p) => match self.connect_name(&p.host, p.port).await {
                Ok(s) => s,
                Err((_, detail)) => {
                    f.outcome = Outcome::ProxyUnreachable;
                    f.detail = Some(format!("the proxy {}: {detail}", p.shown));
                    return None;
                }
            },
            None => {
                let addrs = match self.resolve(&host).await {
                    Ok(a) => a,
                    Err((outcome, detail)) => {
                        f.outcome = outcome;
                        f.detail = Some(detail);
                        return None;
                    }
                };
                f.addresses = addrs.iter().map(IpAddr::to_string).collect();
                match self.connect_any(&addrs, port).await {
                    Ok(s) => s,
                    Err((outcome, detail)) => {
                        f.outcome = outcome;
                        f.detail = Some(detail);
                        return None;
                    }
                }
            }
        };

        let target = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        if !https {
            // Through a proxy, the request line carries the whole URL.
            let uri = if self.proxy.is_some() {
                url.as_str().to_string()
            } else {
                target
            };
            return self.request(tcp, &uri, &host, port, false, f).await;
        }
        let mut tcp = tcp;
        if let Some(p) = &self.proxy {
            match connect_tunnel(&mut tcp, &host, port, p, self.max_body).await {
                Ok(()) => {}
                Err(Tunnel::Refused {
                    status,
                    body,
                    truncated,
                }) => {
                    f.outcome = Outcome::ProxyRefused;
                    f.proxy_status = Some(status);
                    f.body = body;
                    f.body_truncated = truncated;
                    f.detail = Some(format!("the proxy answered the CONNECT with HTTP {status}"));
                    return None;
                }
                Err(Tunnel::Broken(detail)) => {
                    f.outcome = Outcome::ConnectReset;
                    f.detail = Some(format!("the proxy's tunnel failed: {detail}"));
                    return None;
                }
            }
        }
        // TLS, recording the issuer whatever the verdict.
        let seen_issuer = Arc::new(Mutex::new(None));
        let verifier = match rustls::client::WebPkiServerVerifier::builder_with_provider(
            self.roots.clone(),
            Arc::new(rustls::crypto::ring::default_provider()),
        )
        .build()
        {
            Ok(v) => v,
            Err(e) => {
                f.outcome = Outcome::TlsFailed;
                f.detail = Some(format!("no trusted certificate authorities: {e}"));
                return None;
            }
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = match ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
        {
            Ok(b) => b
                .with_root_certificates(self.roots.clone())
                .with_no_client_auth(),
            Err(e) => {
                f.outcome = Outcome::TlsFailed;
                f.detail = Some(format!("TLS setup: {e}"));
                return None;
            }
        };
        config
            .dangerous()
            .set_certificate_verifier(Arc::new(Recorder {
                inner: verifier,
                issuer: seen_issuer.clone(),
            }));
        let Ok(name) = ServerName::try_from(host.clone()) else {
            f.outcome = Outcome::Other;
            f.detail = Some(format!("{host:?} is not a usable server name"));
            return None;
        };
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tls = tokio::time::timeout(self.connect_timeout, connector.connect(name, tcp)).await;
        f.tls_issuer = seen_issuer.lock().ok().and_then(|g| g.clone());
        let tls = match tls {
            Err(_) => {
                f.outcome = Outcome::ConnectTimeout;
                f.detail = Some(format!(
                    "no TLS handshake within {} s",
                    self.connect_timeout.as_secs()
                ));
                return None;
            }
            Ok(Err(e)) => {
                let (outcome, detail) = tls_failure(&e);
                f.outcome = outcome;
                f.detail = Some(detail);
                return None;
            }
            Ok(Ok(s)) => s,
        };
        self.request(tls, &target, &host, port, true, f).await
    }

    async fn request<S>(
        &self,
        io: S,
        uri: &str,
        host: &str,
        port: u16,
        https: bool,
        f: &mut Fetch,
    ) -> Option<String>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (mut sender, conn) =
            match hyper::client::conn::http1::handshake::<_, Empty>(TokioIo::new(io)).await {
                Ok(pair) => pair,
                Err(e) => {
                    f.outcome = Outcome::Other;
                    f.detail = Some(format!("HTTP handshake: {e}"));
                    return None;
                }
            };
        let driver = tokio::spawn(async move {
            let _ = conn.await;
        });
        let default_port = if https { 443 } else { 80 };
        let host_header = if port == default_port {
            host.to_string()
        } else {
            format!("{host}:{port}")
        };
        let mut req = hyper::Request::builder()
            .method("GET")
            .uri(uri)
            .header("host", host_header)
            .header(
                "user-agent",
                concat!("caretaker-filter-test/", env!("CARGO_PKG_VERSION")),
            )
            .header("accept", "text/html,*/*")
            .header("accept-encoding", "identity")
            .header("connection", "close");
        if !https {
            if let Some(auth) = self.proxy.as_ref().and_then(|p| p.authorization.as_deref()) {
                req = req.header("proxy-authorization", auth);
            }
        }
        let req = match req.body(Empty::new()) {
            Ok(r) => r,
            Err(e) => {
                driver.abort();
                f.outcome = Outcome::Other;
                f.detail = Some(format!("cannot make the request: {e}"));
                return None;
            }
        };
        let resp = match sender.send_request(req).await {
            Ok(r) => r,
            Err(e) => {
                driver.abort();
                f.outcome = if is_reset(&e) {
                    Outcome::ConnectReset
                } else {
                    Outcome::Other
                };
                f.detail = Some(format!("no answer to the request: {e}"));
                return None;
            }
        };
        let status = resp.status().as_u16();
        f.status = Some(status);
        f.outcome = Outcome::Response;
        f.detail = None;
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut body = resp.into_body();
        while f.body.len() <= self.max_body {
            match body.frame().await {
                None => break,
                Some(Err(e)) => {
                    f.detail = Some(format!("the body was cut off: {e}"));
                    break;
                }
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        let room = self.max_body + 1 - f.body.len();
                        f.body.extend_from_slice(&data[..data.len().min(room)]);
                    }
                }
            }
        }
        if f.body.len() > self.max_body {
            f.body.truncate(self.max_body);
            f.body_truncated = true;
        }
        driver.abort();
        match (status, location) {
            (301 | 302 | 303 | 307 | 308, Some(l)) => Some(l),
            _ => None,
        }
    }

    async fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, (Outcome, String)> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        let Some(resolver) = &self.resolver else {
            return Err((Outcome::Other, "no resolver".into()));
        };
        let lookup = tokio::time::timeout(
            self.connect_timeout + Duration::from_millis(500),
            resolver.lookup_ip(format!("{}.", host.trim_end_matches('.'))),
        )
        .await;
        match lookup {
            Err(_) => Err((
                Outcome::ResolveTimeout,
                format!(
                    "no answer from the resolver within {} s",
                    self.connect_timeout.as_secs()
                ),
            )),
            Ok(Err(e)) if e.is_nx_domain() => {
                Err((Outcome::NxDomain, format!("{host}: NXDOMAIN ({e})")))
            }
            Ok(Err(e)) if e.is_no_records_found() => {
                Err((Outcome::ResolveFailed, format!("{host}: no address ({e})")))
            }
            Ok(Err(e)) => {
                let text = e.to_string();
                if text.to_ascii_lowercase().contains("timed out")
                    || text.to_ascii_lowercase().contains("timeout")
                {
                    Err((Outcome::ResolveTimeout, format!("{host}: {text}")))
                } else {
                    Err((Outcome::ResolveFailed, format!("{host}: {text}")))
                }
            }
            Ok(Ok(ips)) => {
                let v: Vec<IpAddr> = ips.iter().take(16).collect();
                if v.is_empty() {
                    Err((Outcome::ResolveFailed, format!("{host}: no address")))
                } else {
                    Ok(v)
                }
            }
        }
    }

    async fn connect_name(&self, host: &str, port: u16) -> Result<TcpStream, (Outcome, String)> {
        let addrs: Vec<SocketAddr> = if let Ok(ip) = host.parse::<IpAddr>() {
            vec![SocketAddr::new(ip, port)]
        } else {
            match tokio::time::timeout(self.connect_timeout, tokio::net::lookup_host((host, port)))
                .await
            {
                Ok(Ok(a)) => a.take(4).collect(),
                Ok(Err(e)) => return Err((Outcome::ResolveFailed, format!("{host}: {e}"))),
                Err(_) => {
                    return Err((
                        Outcome::ResolveTimeout,
                        format!("{host}: no answer from the resolver"),
                    ))
                }
            }
        };
        let ips: Vec<IpAddr> = addrs.iter().map(SocketAddr::ip).collect();
        self.connect_any(&ips, port).await
    }

    /// Connects to the first address that answers (at most two tried).
    async fn connect_any(
        &self,
        addrs: &[IpAddr],
        port: u16,
    ) -> Result<TcpStream, (Outcome, String)> {
        let mut last = (Outcome::Other, "no address".to_string());
        for ip in addrs.iter().take(2) {
            let sa = SocketAddr::new(*ip, port);
            match tokio::time::timeout(self.connect_timeout, TcpStream::connect(sa)).await {
                Ok(Ok(s)) => {
                    let _ = s.set_nodelay(true);
                    return Ok(s);
                }
                Ok(Err(e)) => {
                    let outcome = match e.kind() {
                        std::io::ErrorKind::ConnectionRefused => Outcome::ConnectRefused,
                        std::io::ErrorKind::ConnectionReset => Outcome::ConnectReset,
                        std::io::ErrorKind::TimedOut => Outcome::ConnectTimeout,
                        _ if e.raw_os_error() == Some(113) || e.raw_os_error() == Some(101) => {
                            Outcome::Unreachable
                        }
                        _ => Outcome::Other,
                    };
                    last = (outcome, format!("{sa}: {e}"));
                }
                Err(_) => {
                    last = (
                        Outcome::ConnectTimeout,
                        format!(
                            "{sa}: no answer within {} s",
                            self.connect_timeout.as_secs()
                        ),
                    )
                }
            }
        }
        Err(last)
    }
}

fn is_reset(e: &hyper::Error) -> bool {
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            );
        }
        src = s.source();
    }
    e.is_incomplete_message()
}

fn tls_failure(e: &std::io::Error) -> (Outcome, String) {
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

enum Tunnel {
    Refused {
        status: u16,
        body: Vec<u8>,
        truncated: bool,
    },
    Broken(String),
}

/// `CONNECT host:port` through the proxy; Ok once it says 2xx.
async fn connect_tunnel(
    tcp: &mut TcpStream,
    host: &str,
    port: u16,
    proxy: &Proxy,
    max_body: usize,
) -> Result<(), Tunnel> {
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut req = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(a) = &proxy.authorization {
        req.push_str(&format!("Proxy-Authorization: {a}\r\n"));
    }
    req.push_str("\r\n");
    tcp.write_all(req.as_bytes())
        .await
        .map_err(|e| Tunnel::Broken(e.to_string()))?;
    // The answer's head, up to 16 KiB.
    let mut buf = Vec::with_capacity(1024);
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 16 * 1024 {
            return Err(Tunnel::Broken(
                "the proxy's answer has no end of headers".into(),
            ));
        }
        let mut chunk = [0u8; 1024];
        let n = tcp
            .read(&mut chunk)
            .await
            .map_err(|e| Tunnel::Broken(e.to_string()))?;
        if n == 0 {
            return Err(Tunnel::Broken("the proxy closed the connection".into()));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    let status = match resp.parse(&buf[..head_end]) {
        Ok(httparse::Status::Complete(_)) => resp.code.unwrap_or(0),
        _ => return Err(Tunnel::Broken("the proxy's answer is not HTTP".into())),
    };
    if (200..300).contains(&status) {
        return Ok(());
    }
    let length = resp
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .and_then(|h| std::str::from_utf8(h.value).ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    let mut body = buf[head_end..].to_vec();
    let want = length.unwrap_or(max_body).min(max_body);
    while body.len() < want {
        let mut chunk = [0u8; 4096];
        match tcp.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    let truncated = body.len() > max_body || length.is_some_and(|l| l > max_body);
    body.truncate(max_body);
    Err(Tunnel::Refused {
        status,
        body,
        truncated,
    })
}

/// Verifies like webpki, but first notes the issuer of the certificate shown.
#[derive(Debug)]
struct Recorder {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    issuer: Arc<Mutex<Option<String>>>,
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
