//! One fetch over HTTP/1.1: the request, its answer and body, and the redirects followed, each
//! step recorded in the [`Fetch`].

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes_body::Empty;
use http_body_util::BodyExt as _;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use tokio::io::{AsyncRead, AsyncWrite};

use super::address::{join_location, url_shown};
use super::connect::{connect_tunnel, Tunnel};
use super::tls::{tls_failure, Recorder};
use super::Fetcher;
use crate::filter::model::{Fetch, Outcome};

mod bytes_body {
    pub type Empty = http_body_util::Empty<hyper::body::Bytes>;
}

impl Fetcher {
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
