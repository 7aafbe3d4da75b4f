//! caretaker's own fetcher against real servers on loopback: dnsmasq as the resolver (an answer,
//! NXDOMAIN, a sinkhole address), a resolver that never answers, web servers started here that
//! answer, redirect in a loop, send 100 MB, trickle one byte a second, or present a certificate
//! from a CA caretaker does not trust, and a proxy that is down. Each ends within its limits
//! with a clear outcome, and the judge never calls a failure "blocked" without cause.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use caretaker_checks::filter::classify::{classify, Rules, Seen};
use caretaker_checks::filter::fetch::{Fetcher, FetcherSettings};
use caretaker_checks::filter::Outcome;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Dnsmasq(Child);
impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A real dnsmasq on 127.0.0.1: `page.test` and `tls.test` are 127.0.0.1, `sink.test` the
/// sinkhole 0.0.0.0, anything else under `.test` NXDOMAIN. Nothing is forwarded anywhere.
fn dnsmasq() -> (Dnsmasq, SocketAddr) {
    let bin = Path::new("/usr/sbin/dnsmasq");
    assert!(
        bin.exists(),
        "dnsmasq is missing: apt-get install dnsmasq-base"
    );
    for _ in 0..10 {
        let port = free_udp_port();
        let child = Command::new(bin)
            .args([
                "--keep-in-foreground",
                "--no-resolv",
                "--no-hosts",
                "--no-poll",
                "--bind-interfaces",
                "--listen-address=127.0.0.1",
                "--except-interface=nonexistent0",
                &format!("--port={port}"),
                "--local=/test/",
                "--address=/page.test/127.0.0.1",
                "--address=/tls.test/127.0.0.1",
                "--address=/sink.test/0.0.0.0",
                "--user=root",
                "--pid-file=",
                "--log-facility=-",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dnsmasq");
        let guard = Dnsmasq(child);
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        // Ready when it answers a query.
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if dig(addr) {
                return (guard, addr);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("dnsmasq did not start");
}

/// Sends one A query for page.test and says whether an answer came.
fn dig(addr: SocketAddr) -> bool {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut q = vec![0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in ["page", "test"] {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    if s.send_to(&q, addr).is_err() {
        return false;
    }
    let mut buf = [0u8; 512];
    matches!(s.recv_from(&mut buf), Ok((n, _)) if n > 12 && buf[0] == 0x12)
}

/// A web server on 127.0.0.1: `/page` has the token, `/loop` redirects to itself, `/a` and `/b`
/// to each other, `/big` sends 100 MB, `/trickle` one byte a second, `/blocked` a 403 block page,
/// `/to-block` redirects to http://block.test/.
async fn web() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&got).to_string();
                let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
                let head = |status: &str, extra: &str, len: usize| {
                    format!("HTTP/1.1 {status}\r\n{extra}Content-Length: {len}\r\nConnection: close\r\n\r\n")
                };
                match path.as_str() {
                    "/page" => {
                        let body = "<html><h1>Bitesize</h1></html>";
                        let _ = s.write_all(head("200 OK", "", body.len()).as_bytes()).await;
                        let _ = s.write_all(body.as_bytes()).await;
                    }
                    "/loop" => {
                        let _ = s
                            .write_all(head("302 Found", "Location: /loop\r\n", 0).as_bytes())
                            .await;
                    }
                    "/a" | "/b" => {
                        let to = if path == "/a" { "/b" } else { "/a" };
                        let _ = s
                            .write_all(
                                head("301 Moved", &format!("Location: {to}\r\n"), 0).as_bytes(),
                            )
                            .await;
                    }
                    "/to-block" => {
                        let _ = s
                            .write_all(
                                head("302 Found", "Location: http://block.test/why\r\n", 0)
                                    .as_bytes(),
                            )
                            .await;
                    }
                    "/blocked" => {
                        let body =
                            "<p>This page has been blocked by the St. Example's web filter.</p>";
                        let _ = s
                            .write_all(head("403 Forbidden", "", body.len()).as_bytes())
                            .await;
                        let _ = s.write_all(body.as_bytes()).await;
                    }
                    "/big" => {
                        let total = 100 * 1024 * 1024;
                        let _ = s.write_all(head("200 OK", "", total).as_bytes()).await;
                        let chunk = vec![b'x'; 64 * 1024];
                        let mut sent = 0;
                        while sent < total {
                            if s.write_all(&chunk).await.is_err() {
                                return;
                            }
                            sent += chunk.len();
                        }
                    }
                    "/trickle" => {
                        let _ = s.write_all(head("200 OK", "", 1000).as_bytes()).await;
                        for _ in 0..1000 {
                            if s.write_all(b"x").await.is_err() {
                                return;
                            }
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                    _ => {
                        let _ = s.write_all(head("404 Not Found", "", 0).as_bytes()).await;
                    }
                }
            });
        }
    });
    port
}

/// An HTTPS server whose certificate comes from a CA made here (not trusted by caretaker).
async fn untrusted_tls(dir: &Path) -> u16 {
    let run = |args: &[&str]| {
        let st = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl is missing: apt-get install openssl");
        assert!(st.success(), "openssl {args:?}");
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Unknown Inspection CA/O=Somebody Else",
    ]);
    run(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "srv.key",
        "-out",
        "srv.csr",
        "-subj",
        "/CN=tls.test",
    ]);
    std::fs::write(dir.join("ext"), "subjectAltName=DNS:tls.test\n").unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "srv.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "srv.pem",
        "-days",
        "2",
        "-extfile",
        "ext",
    ]);
    let certs: Vec<_> =
        rustls_pemfile::certs(&mut &std::fs::read(dir.join("srv.pem")).unwrap()[..])
            .collect::<Result<_, _>>()
            .unwrap();
    let key = rustls_pemfile::private_key(&mut &std::fs::read(dir.join("srv.key")).unwrap()[..])
        .unwrap()
        .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            let a = acceptor.clone();
            tokio::spawn(async move {
                let _ = a.accept(s).await;
            });
        }
    });
    port
}

fn settings(resolver: Option<SocketAddr>, proxy: Option<String>) -> FetcherSettings {
    FetcherSettings {
        timeout: Duration::from_secs(4),
        connect_timeout: Duration::from_secs(2),
        max_body: 64 * 1024,
        max_redirects: 5,
        proxy,
        proxy_auth: None,
        resolver: resolver.map(|r| r.to_string()),
        ca_files: Vec::new(),
    }
}

fn rules() -> Rules {
    Rules {
        own_block_pages: Vec::new(),
        sinkholes: vec!["0.0.0.0".parse().unwrap()],
        block_hosts: vec!["block.test".into()],
        block_pages: vec![("lab filter".into(), "has been blocked by".into())],
        interception_issuers: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_way_a_fetch_ends_is_told_apart_within_its_limits() {
    let (_dns, resolver) = dnsmasq();
    let port = web().await;
    let dir = tempfile::tempdir().unwrap();
    let tls_port = untrusted_tls(dir.path()).await;
    let f = Fetcher::new(&settings(Some(resolver), None)).unwrap();
    let r = rules();
    let limit = Duration::from_secs(4 + 3);

    // Loaded: the token is there, the address came from dnsmasq.
    let t0 = Instant::now();
    let page = f.fetch(&format!("http://page.test:{port}/page")).await;
    assert_eq!(page.outcome, Outcome::Response, "{page:?}");
    assert_eq!(page.status, Some(200));
    assert_eq!(page.addresses, ["127.0.0.1"]);
    assert_eq!(classify("Bitesize", &page, &r), Seen::Loaded);
    assert!(t0.elapsed() < limit);

    // NXDOMAIN from the real resolver: blocked by DNS.
    let nx = f.fetch("http://nothing-here.test/").await;
    assert_eq!(nx.outcome, Outcome::NxDomain, "{nx:?}");
    assert!(matches!(classify("x", &nx, &r), Seen::Blocked(_)));

    // A sinkhole address: blocked by DNS, whatever answers there.
    let sink = f.fetch(&format!("http://sink.test:{port}/page")).await;
    assert_eq!(sink.addresses, ["0.0.0.0"], "{sink:?}");
    match classify("Bitesize", &sink, &r) {
        Seen::Blocked(b) => assert!(b.words().contains("sinkhole"), "{b:?}"),
        other => panic!("{other:?}"),
    }

    // A block page with 403, and a redirect to the block host.
    let blocked = f.fetch(&format!("http://page.test:{port}/blocked")).await;
    assert_eq!(blocked.status, Some(403));
    match classify("Bitesize", &blocked, &r) {
        Seen::Blocked(b) => assert!(b.words().contains("lab filter"), "{b:?}"),
        other => panic!("{other:?}"),
    }
    let redirected = f.fetch(&format!("http://page.test:{port}/to-block")).await;
    match classify("Bitesize", &redirected, &r) {
        Seen::Blocked(b) => assert!(b.words().contains("block.test"), "{b:?}"),
        other => panic!("{redirected:?} {other:?}"),
    }

    // Redirect loops: to itself, and between two pages.
    for path in ["/loop", "/a"] {
        let t0 = Instant::now();
        let l = f.fetch(&format!("http://page.test:{port}{path}")).await;
        assert_eq!(l.outcome, Outcome::TooManyRedirects, "{l:?}");
        assert!(l.detail.as_deref().unwrap_or("").contains("loop"), "{l:?}");
        assert!(matches!(
            classify("x", &l, &r),
            Seen::Unclear { error: false, .. }
        ));
        assert!(t0.elapsed() < limit);
    }

    // 100 MB: reading stops at the cap.
    let t0 = Instant::now();
    let big = f.fetch(&format!("http://page.test:{port}/big")).await;
    assert_eq!(big.outcome, Outcome::Response, "{:?}", big.detail);
    assert!(big.body_truncated);
    assert_eq!(big.body.len(), 64 * 1024);
    assert!(t0.elapsed() < limit);

    // One byte a second: cut off by the time limit.
    let t0 = Instant::now();
    let slow = f.fetch(&format!("http://page.test:{port}/trickle")).await;
    assert_eq!(slow.outcome, Outcome::Timeout, "{slow:?}");
    assert!(t0.elapsed() < limit, "{:?}", t0.elapsed());
    assert!(matches!(classify("x", &slow, &r), Seen::Unclear { .. }));

    // A certificate from a CA nobody trusts: recorded, never "blocked" nor "loaded".
    let t0 = Instant::now();
    let tls = f.fetch(&format!("https://tls.test:{tls_port}/")).await;
    assert_eq!(tls.outcome, Outcome::TlsUntrusted, "{tls:?}");
    assert!(
        tls.tls_issuer
            .as_deref()
            .unwrap_or("")
            .contains("Unknown Inspection CA"),
        "{tls:?}"
    );
    match classify("x", &tls, &r) {
        Seen::Unclear { reason, .. } => {
            assert!(reason.contains("Unknown Inspection CA"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(t0.elapsed() < limit);

    // Nothing listening: refused.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let refused = f.fetch(&format!("http://page.test:{closed}/")).await;
    assert_eq!(refused.outcome, Outcome::ConnectRefused, "{refused:?}");
}

#[tokio::test]
async fn a_resolver_that_never_answers_is_a_timeout_not_a_block() {
    // A UDP socket that reads nothing: queries to it go unanswered.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let f = Fetcher::new(&settings(Some(addr), None)).unwrap();
    let t0 = Instant::now();
    let got = f.fetch("http://page.test/").await;
    assert_eq!(got.outcome, Outcome::ResolveTimeout, "{got:?}");
    assert!(t0.elapsed() < Duration::from_secs(7), "{:?}", t0.elapsed());
    assert!(matches!(
        classify("x", &got, &rules()),
        Seen::Unclear { error: true, .. }
    ));
    drop(silent);
}

#[tokio::test]
async fn a_proxy_that_is_down_is_an_error_not_a_block() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let f = Fetcher::new(&settings(None, Some(format!("http://127.0.0.1:{closed}")))).unwrap();
    for url in [
        "http://iwf.testfiltering.com/",
        "https://swearing.testfiltering.com/",
    ] {
        let got = f.fetch(url).await;
        assert_eq!(got.outcome, Outcome::ProxyUnreachable, "{got:?}");
        assert_eq!(
            got.proxy.as_deref(),
            Some(format!("http://127.0.0.1:{closed}").as_str())
        );
        assert!(matches!(
            classify("TestFiltering", &got, &rules()),
            Seen::Unclear { error: true, .. }
        ));
    }
}

struct Squid(Child);
impl Drop for Squid {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A real squid on 127.0.0.1 that asks for a Basic login (basic_ncsa_auth, an apr1 password
/// file), for the fetcher's proxy login from a secret.
fn squid_with_login(dir: &Path, password: &str) -> (Squid, u16) {
    use std::os::unix::fs::PermissionsExt;
    let bin = Path::new("/usr/sbin/squid");
    assert!(bin.exists(), "squid is missing: apt-get install squid");
    // squid runs as `proxy`: it must reach its files.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let hash = Command::new("openssl")
        .args(["passwd", "-apr1", password])
        .output()
        .expect("openssl is missing: apt-get install openssl");
    let hash = String::from_utf8(hash.stdout).unwrap();
    std::fs::write(dir.join("passwd"), format!("caretaker:{}", hash.trim())).unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let d = dir.display();
    std::fs::write(
        dir.join("squid.conf"),
        format!(
            "http_port 127.0.0.1:{port}\npid_filename none\ncache_log {d}/cache.log\naccess_log none\n\
             cache deny all\ncache_mem 8 MB\ncoredump_dir none\nhosts_file none\nshutdown_lifetime 0 seconds\n\
             visible_hostname caretaker-test-proxy\npinger_enable off\nnetdb_filename none\n\
             auth_param basic program /usr/lib/squid/basic_ncsa_auth {d}/passwd\n\
             auth_param basic realm caretaker-test\nacl authed proxy_auth REQUIRED\n\
             acl CONNECT method CONNECT\nhttp_access deny !authed\nhttp_access allow localhost\n\
             http_access deny all\n"
        ),
    )
    .unwrap();
    for f in ["passwd", "squid.conf"] {
        let _ = Command::new("chown").arg("proxy").arg(dir.join(f)).status();
    }
    let _ = std::fs::write(dir.join("cache.log"), "");
    let _ = Command::new("chown")
        .arg("proxy")
        .arg(dir.join("cache.log"))
        .status();
    let child = Command::new(bin)
        .args(["-N", "-f"])
        .arg(dir.join("squid.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start squid");
    let guard = Squid(child);
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (guard, port);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "squid did not start: {}",
        std::fs::read_to_string(dir.join("cache.log")).unwrap_or_default()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_login_from_a_secret_is_sent_and_a_wrong_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let password = "pa ss'w\"rd";
    let (_squid, port) = squid_with_login(dir.path(), password);
    let web_port = web().await;
    let tls_dir = tempfile::tempdir().unwrap();
    let tls_port = untrusted_tls(tls_dir.path()).await;
    let proxy = format!("http://127.0.0.1:{port}");
    let with = |pw: &str| {
        let mut s = settings(None, Some(proxy.clone()));
        s.proxy_auth = Some(caretaker_checks::filter::fetch::ProxyAuth {
            user: "caretaker".into(),
            password: caretaker_config::Secret::new(pw.to_string()),
        });
        Fetcher::new(&s).unwrap()
    };
    let good = with(password);
    let page = good
        .fetch(&format!("http://127.0.0.1:{web_port}/page"))
        .await;
    assert_eq!(page.status, Some(200), "{page:?}");
    assert_eq!(classify("Bitesize", &page, &rules()), Seen::Loaded);
    // Through the tunnel (opened with the login) to a site whose certificate is not trusted.
    let tunnel = good.fetch(&format!("https://127.0.0.1:{tls_port}/")).await;
    assert!(
        matches!(tunnel.outcome, Outcome::TlsUntrusted | Outcome::TlsFailed),
        "{tunnel:?}"
    );
    assert!(tunnel.tls_issuer.is_some(), "the tunnel opened: {tunnel:?}");

    let wrong = with("not the password");
    let refused = wrong
        .fetch(&format!("http://127.0.0.1:{web_port}/page"))
        .await;
    assert_eq!(refused.status, Some(407), "{refused:?}");
    assert!(matches!(
        classify("Bitesize", &refused, &rules()),
        Seen::Unclear { error: true, .. }
    ));
    let refused = wrong.fetch(&format!("https://127.0.0.1:{tls_port}/")).await;
    assert_eq!(refused.outcome, Outcome::ProxyRefused, "{refused:?}");
    assert_eq!(refused.proxy_status, Some(407));
    // The password is never in what the fetch keeps.
    let shown = format!("{refused:?} {page:?}");
    assert!(!shown.contains("pa ss"), "{shown}");
}
