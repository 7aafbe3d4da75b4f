//! Reaching a site or the proxy: names resolved with the fetcher's own resolver, TCP connections
//! timed and told apart by how they fail, and the proxy's CONNECT tunnel for HTTPS.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::{Fetcher, Proxy};
use crate::filter::model::Outcome;

impl Fetcher {
    pub(super) async fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, (Outcome, String)> {
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

    pub(super) async fn connect_name(
        &self,
        host: &str,
        port: u16,
    ) -> Result<TcpStream, (Outcome, String)> {
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
    pub(super) async fn connect_any(
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

/// Why a proxy's CONNECT tunnel was not opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tunnel {
    /// The proxy answered with a status other than 2xx: the status and the start of its page.
    Refused {
        status: u16,
        body: Vec<u8>,
        truncated: bool,
    },
    /// The connection failed, or the answer is not HTTP.
    Broken(String),
}

/// `CONNECT host:port` through the proxy; Ok once it says 2xx.
pub(super) async fn connect_tunnel(
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
    read_connect_answer(tcp, max_body).await
}

/// Reads a proxy's answer to a CONNECT from `io`: Ok once it says 2xx; otherwise its status and
/// at most `max_body` bytes of its page. Never panics on any answer.
pub async fn read_connect_answer<R>(io: &mut R, max_body: usize) -> Result<(), Tunnel>
where
    R: AsyncRead + Unpin,
{
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
        let n = io
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
        match io.read(&mut chunk).await {
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
