#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{Map, Value};

use super::facts::{redirects_followed, resolve, Facts};
use super::fields::{base64_decode, hex_decode, proxy_without_userinfo};
use super::outcome::curl_outcome;
use super::script::MARKER;
use super::*;
use crate::filter::fetch::{join_location, url_shown};
use crate::filter::model::{Fetch, Outcome};

// --- The recorded fixtures (checks/fixtures/filter/README.md) -----------------------------

/// The proxy password of the recorded `proxy-auth` fixture (quotes, a space and `$(…)`:
/// it must reach the proxy intact and never run).
const RECORDED_PASSWORD: &str = "pa ss'w\"rd$(touch /tmp/pwned)";

const PAGE: &str = "http://www.site.test:47080/page";
const HOPS: &str = "http://www.site.test:47080/hop1";
const LOOP: &str = "http://www.site.test:47080/loop";
const BIG: &str = "http://www.site.test:47080/big";
const NXDOMAIN: &str = "http://nxdomain.test/";
const REFUSED: &str = "http://www.site.test:47081/";
const SILENT: &str = "http://www.site.test:47082/";
const FULL_QUEUE: &str = "http://www.site.test:47083/";
const UNTRUSTED: &str = "https://untrusted.site.test:47443/page";
const TRUSTED: &str = "https://www.site.test:47444/page";
const BLOCKED_HTTP: &str = "http://blocked.test/page";
const BLOCKED_HTTPS: &str = "https://blocked.test/page";
/// dnsmasq answers `sinkhole.test` with 127.0.77.9, where nothing listens (refused).
const SINKHOLED: &str = "http://sinkhole.test/page";
const SINKHOLE: &str = "127.0.77.9";

const UNTRUSTED_CA: &str = "C = GB, O = Caretaker Test, CN = Caretaker Untrusted Test CA";
const TRUSTED_CA: &str = "C = GB, O = Caretaker Test, CN = Caretaker Trusted Test CA";

fn request(urls: &[&str], proxy: Option<&str>) -> ProbeRequest {
    ProbeRequest {
        urls: urls.iter().map(|s| s.to_string()).collect(),
        proxy: proxy.map(str::to_string),
        proxy_credentials: None,
        timeout_secs: 3,
        connect_timeout_secs: 2,
        max_body_bytes: 2048,
        max_redirects: 5,
        concurrency: 4,
        lookups: Vec::new(),
    }
}

/// The requests whose scripts `record/record.sh` runs to record the fixtures.
fn recording_requests() -> Vec<(&'static str, ProbeRequest)> {
    let with_credentials = |password: &str| {
        let mut r = request(&[PAGE, TRUSTED], Some("http://127.0.0.1:47130"));
        r.proxy_credentials = Some(("caretaker".into(), password.into()));
        r
    };
    vec![
        (
            "direct",
            request(
                &[
                    PAGE, HOPS, LOOP, BIG, NXDOMAIN, REFUSED, SILENT, FULL_QUEUE, UNTRUSTED,
                    TRUSTED,
                ],
                None,
            ),
        ),
        (
            "proxy",
            request(
                &[
                    PAGE,
                    BLOCKED_HTTP,
                    BLOCKED_HTTPS,
                    TRUSTED,
                    UNTRUSTED,
                    NXDOMAIN,
                ],
                Some("http://127.0.0.1:47128"),
            ),
        ),
        (
            "proxy-down",
            request(&[PAGE, TRUSTED], Some("http://127.0.0.1:47129")),
        ),
        ("sinkhole", request(&[SINKHOLED, PAGE], None)),
        ("proxy-auth", with_credentials(RECORDED_PASSWORD)),
        ("proxy-auth-wrong", with_credentials("not-the-password")),
        ("no-curl", request(&[PAGE, TRUSTED], None)),
    ]
}

const WINDOWS_URLS: &[&str] = &[
    "https://www.example.org/",
    "http://blocked.example/",
    "http://nxdomain.example/",
    "https://untrusted.example/",
    "http://10.0.0.1:81/",
    "http://slow.example/",
    "http://loop.example/",
];

/// Every fixture with the URLs it was recorded for.
fn fixtures() -> Vec<(String, Vec<String>)> {
    let mut all: Vec<(String, Vec<String>)> = recording_requests()
        .into_iter()
        .map(|(name, req)| (format!("{name}.json"), req.urls))
        .collect();
    all.push((
        "windows-docs.json".into(),
        WINDOWS_URLS.iter().map(|s| s.to_string()).collect(),
    ));
    all
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/filter/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parsed(name: &str) -> Vec<Fetch> {
    let (_, urls) = fixtures()
        .into_iter()
        .find(|(n, _)| n == &format!("{name}.json"))
        .unwrap();
    let fetches = parse(&fixture(&format!("{name}.json")), &urls).unwrap();
    assert_eq!(fetches.len(), urls.len());
    for (f, u) in fetches.iter().zip(&urls) {
        assert_eq!(&f.url, u);
    }
    fetches
}

fn body_text(f: &Fetch) -> String {
    String::from_utf8_lossy(&f.body).into_owned()
}

/// Renders the scripts the fixtures were recorded with and checks each is valid sh. With
/// `$CARETAKER_FILTER_RECORD_DIR` set (by record/record.sh) they are left there to be run.
#[test]
fn render_recording_scripts() {
    let temp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("CARETAKER_FILTER_RECORD_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| temp.path().to_path_buf());
    for (name, req) in recording_requests() {
        let path = dir.join(format!("{name}.sh"));
        std::fs::write(&path, sh_script(&req).unwrap()).unwrap();
        let st = std::process::Command::new("sh")
            .arg("-n")
            .arg(&path)
            .status()
            .unwrap();
        assert!(st.success(), "{name}.sh is not valid sh");
    }
}

#[test]
fn fixture_direct() {
    let f = parsed("direct");
    let report = parse_report(&fixture("direct.json"), &request(&[PAGE], None).urls).unwrap();
    assert!(report
        .client_version
        .as_deref()
        .unwrap()
        .starts_with("curl 7.88.1"));
    assert_eq!(report.proxy, None);
    assert!(report.problems.is_empty());

    let page = &f[0];
    assert_eq!(page.outcome, Outcome::Response);
    assert_eq!(page.status, Some(200));
    assert_eq!(page.addresses, vec!["127.0.0.1".to_string()]);
    assert_eq!(page.final_url.as_deref(), Some(PAGE));
    assert!(page.redirects.is_empty());
    assert!(body_text(page).contains("caretaker-token-ok"));
    assert!(!page.body_truncated);
    assert_eq!(page.proxy, None);
    assert_eq!(page.detail, None);
    assert_eq!(page.tls_issuer, None);

    let hops = &f[1];
    assert_eq!(hops.outcome, Outcome::Response);
    assert_eq!(hops.status, Some(200));
    assert_eq!(
        hops.redirects,
        vec![
            "http://www.site.test:47080/hop2".to_string(),
            PAGE.to_string()
        ]
    );
    assert_eq!(hops.final_url.as_deref(), Some(PAGE));

    let lp = &f[2];
    assert_eq!(lp.outcome, Outcome::TooManyRedirects);
    assert_eq!(lp.redirects, vec![LOOP.to_string(); 5]);
    assert_eq!(lp.status, Some(302));
    assert!(lp
        .detail
        .as_deref()
        .unwrap()
        .contains("Maximum (5) redirects"));

    let big = &f[3];
    assert_eq!(big.outcome, Outcome::Response);
    assert_eq!(big.status, Some(200));
    assert_eq!(big.body.len(), 2048);
    assert!(big.body_truncated);
    assert!(body_text(big).starts_with("caretaker big body line 000000"));

    let nx = &f[4];
    assert_eq!(nx.outcome, Outcome::NxDomain);
    assert!(nx.addresses.is_empty());
    assert!(nx
        .detail
        .as_deref()
        .unwrap()
        .contains("Could not resolve host: nxdomain.test"));

    let refused = &f[5];
    assert_eq!(refused.outcome, Outcome::ConnectRefused);
    assert!(refused
        .detail
        .as_deref()
        .unwrap()
        .starts_with("curl exit 7: "));

    let silent = &f[6];
    assert_eq!(silent.outcome, Outcome::Timeout);
    assert!(silent.elapsed_ms >= 3000, "{}", silent.elapsed_ms);
    assert_eq!(silent.status, None);

    let queue = &f[7];
    assert_eq!(queue.outcome, Outcome::ConnectTimeout);
    assert!(queue.elapsed_ms >= 2000);

    let untrusted = &f[8];
    assert_eq!(untrusted.outcome, Outcome::TlsUntrusted);
    assert_eq!(untrusted.tls_issuer.as_deref(), Some(UNTRUSTED_CA));
    assert!(untrusted
        .detail
        .as_deref()
        .unwrap()
        .contains("SSL certificate problem: unable to get local issuer certificate"));

    let trusted = &f[9];
    assert_eq!(trusted.outcome, Outcome::Response);
    assert_eq!(trusted.status, Some(200));
    assert_eq!(trusted.tls_issuer.as_deref(), Some(TRUSTED_CA));
    assert!(body_text(trusted).contains("caretaker-token-ok"));
}

#[test]
fn fixture_proxy() {
    let f = parsed("proxy");
    let proxy = Some("http://127.0.0.1:47128".to_string());
    for x in &f {
        assert_eq!(x.proxy, proxy);
        // Through a proxy, the address curl saw is the proxy's, not the site's.
        assert!(x.addresses.is_empty());
    }
    assert_eq!(f[0].outcome, Outcome::Response);
    assert_eq!(f[0].status, Some(200));

    let blocked = &f[1];
    assert_eq!(blocked.outcome, Outcome::Response);
    assert_eq!(blocked.status, Some(403));
    assert!(body_text(blocked).contains("Blocked by the school web filter"));
    assert!(body_text(blocked).contains("caretaker-test-filter: http://blocked.test/page"));

    let connect = &f[2];
    assert_eq!(connect.outcome, Outcome::ProxyRefused);
    assert_eq!(connect.proxy_status, Some(403));
    assert_eq!(connect.status, None);
    assert!(connect
        .detail
        .as_deref()
        .unwrap()
        .contains("CONNECT tunnel failed, response 403"));

    assert_eq!(f[3].outcome, Outcome::Response);
    assert_eq!(f[3].tls_issuer.as_deref(), Some(TRUSTED_CA));
    assert_eq!(f[3].proxy_status, None);

    // openssl asked through the proxy for the certificate curl refused.
    assert_eq!(f[4].outcome, Outcome::TlsUntrusted);
    assert_eq!(f[4].tls_issuer.as_deref(), Some(UNTRUSTED_CA));

    // The proxy could not resolve the name: its error page is the response.
    assert_eq!(f[5].outcome, Outcome::Response);
    assert_eq!(f[5].status, Some(502));
    assert!(f[5].body_truncated);
}

/// A sinkhole answers the name with an address where nothing listens: curl's own report has
/// no address for a refused connection, so only the name's resolution (getent) shows the
/// sinkhole, and the judge calls it a DNS block, as it does for caretaker's own fetcher.
#[test]
fn fixture_sinkhole() {
    use crate::filter::classify::{classify, BlockedBy, Rules, Seen};
    let f = parsed("sinkhole");
    assert_eq!(f[0].outcome, Outcome::ConnectRefused);
    assert_eq!(f[0].addresses, [SINKHOLE]);
    assert_eq!(f[1].outcome, Outcome::Response);
    assert_eq!(f[1].addresses, ["127.0.0.1"]);
    let rules = Rules {
        own_block_pages: Vec::new(),
        sinkholes: vec![SINKHOLE.parse().unwrap()],
        ..Rules::default()
    };
    assert_eq!(
        classify("caretaker-token-ok", &f[0], &rules),
        Seen::Blocked(BlockedBy::Dns(format!(
            "the name resolves to the sinkhole address {SINKHOLE}"
        )))
    );
    assert_eq!(classify("caretaker-token-ok", &f[1], &rules), Seen::Loaded);
    // The look-alike: the same refusal with an address that is not a sinkhole.
    let other = Rules {
        own_block_pages: Vec::new(),
        sinkholes: vec!["127.0.77.10".parse().unwrap()],
        ..Rules::default()
    };
    assert!(matches!(
        classify("caretaker-token-ok", &f[0], &other),
        Seen::Blocked(BlockedBy::Connection(_))
    ));
    // Through a proxy the machine's own resolution is not what was fetched: not used (the
    // probe does not look names up then, and the parser ignores any it is sent).
    for x in parsed("proxy") {
        assert!(x.addresses.is_empty(), "{x:?}");
    }
    let text = String::from_utf8(fixture("proxy.json")).unwrap();
    assert!(text.contains("\"resolved\":null"));
    let mut doc: Value = serde_json::from_slice(&fixture("sinkhole.json")).unwrap();
    doc["proxy"] = Value::String("http://127.0.0.1:47128".into());
    let proxied = parse(doc.to_string().as_bytes(), &[SINKHOLED.to_string()]).unwrap();
    assert!(proxied[0].addresses.is_empty());
    // No address for a name that does not exist; a refused connection to an ordinary
    // address keeps that address (and is not a DNS block).
    let direct = parsed("direct");
    assert_eq!(direct[4].outcome, Outcome::NxDomain);
    assert!(direct[4].addresses.is_empty());
    assert_eq!(direct[5].addresses, ["127.0.0.1"]);
}

#[test]
fn fixture_proxy_down() {
    for x in parsed("proxy-down") {
        assert_eq!(x.outcome, Outcome::ProxyUnreachable);
        assert!(x.detail.as_deref().unwrap().contains("port 47129"));
        assert_eq!(x.proxy.as_deref(), Some("http://127.0.0.1:47129"));
    }
}

#[test]
fn fixture_proxy_auth() {
    let f = parsed("proxy-auth");
    for x in &f {
        assert_eq!(x.outcome, Outcome::Response, "{x:?}");
        assert_eq!(x.status, Some(200));
        assert!(body_text(x).contains("caretaker-token-ok"));
        // The 407 before the authenticated retry is not a redirect.
        assert!(x.redirects.is_empty());
    }
    assert_eq!(f[1].tls_issuer.as_deref(), Some(TRUSTED_CA));
    let text = String::from_utf8(fixture("proxy-auth.json")).unwrap();
    assert!(!text.contains("w\\\"rd") && !text.contains("pwned"));

    let wrong = parsed("proxy-auth-wrong");
    assert_eq!(wrong[0].outcome, Outcome::Response);
    assert_eq!(wrong[0].status, Some(407));
    assert_eq!(wrong[1].outcome, Outcome::ProxyRefused);
    assert_eq!(wrong[1].proxy_status, Some(407));
}

#[test]
fn fixture_no_curl() {
    let report = parse_report(
        &fixture("no-curl.json"),
        &request(&[PAGE, TRUSTED], None).urls,
    )
    .unwrap();
    assert_eq!(report.client_version, None);
    assert_eq!(report.problems.len(), 1);
    for x in &report.fetches {
        assert_eq!(x.outcome, Outcome::Other);
        let d = x.detail.as_deref().unwrap();
        assert!(d.contains("no result for this URL"), "{d}");
        assert!(d.contains("curl is not installed"), "{d}");
    }
}

#[test]
fn fixture_windows_docs() {
    let report = parse_report(
        &fixture("windows-docs.json"),
        &WINDOWS_URLS
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert_eq!(report.probe, PROBE_WINDOWS);
    assert_eq!(report.client_version.as_deref(), Some("5.1.20348.2400"));
    let f = &report.fetches;
    assert_eq!(f[0].outcome, Outcome::Response);
    assert_eq!(f[0].status, Some(200));
    assert_eq!(
        f[0].tls_issuer.as_deref(),
        Some("CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1, O=DigiCert Inc, C=US")
    );
    assert_eq!(f[0].elapsed_ms, 212);
    assert_eq!(f[1].outcome, Outcome::Response);
    assert_eq!(f[1].status, Some(403));
    assert!(body_text(&f[1]).contains("blocked by the school web filter"));
    assert_eq!(f[2].outcome, Outcome::NxDomain);
    assert_eq!(f[0].addresses, ["93.184.215.14"]);
    assert!(f[2].addresses.is_empty());
    assert_eq!(f[3].outcome, Outcome::TlsUntrusted);
    assert_eq!(f[4].outcome, Outcome::ConnectRefused);
    assert_eq!(f[5].outcome, Outcome::Timeout);
    assert_eq!(f[6].outcome, Outcome::TooManyRedirects);
    assert!(f[6]
        .detail
        .as_deref()
        .unwrap()
        .starts_with("ProtocolError: Too many automatic redirections"));
}

#[test]
fn fixtures_parse_with_every_truncation_without_panic() {
    for (name, urls) in fixtures() {
        let full = fixture(&name);
        for cut in 0..full.len() {
            match parse(&full[..cut], &urls) {
                Ok(f) => {
                    // Only a cut in the trailing newline leaves a whole document.
                    assert!(cut + 1 >= full.len(), "{name} cut at {cut} parsed");
                    assert_eq!(f.len(), urls.len());
                }
                Err(e) => assert!(!e.reason.is_empty()),
            }
        }
    }
}

// --- Parser behaviour beyond the fixtures --------------------------------------------------

#[test]
fn missing_duplicated_and_reordered_results() {
    let doc = r#"{"probe":"caretaker-filter/1","proxy":null,"results":[
            {"index":0,"url":"http://b/","exit":0,"curl":{"http_code":200}},
            {"index":1,"url":"http://a/","exit":7,"curl":{"exitcode":7,"errormsg":"Failed to connect"}},
            {"index":2,"url":"http://a/","exit":0,"curl":{"exitcode":0,"http_code":204}},
            "junk", 7, null],"problems":["something odd"]}"#;
    let urls: Vec<String> = ["http://a/", "http://b/", "http://a/", "http://c/"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let f = parse(doc.as_bytes(), &urls).unwrap();
    assert_eq!(f.len(), 4);
    assert_eq!(f[0].outcome, Outcome::ConnectRefused);
    assert_eq!(f[1].status, Some(200));
    assert_eq!(f[2].status, Some(204));
    assert_eq!(f[3].outcome, Outcome::Other);
    assert!(f[3].detail.as_deref().unwrap().contains("something odd"));
}

#[test]
fn refuses_what_is_not_the_filter_probe() {
    for (doc, why) in [
        ("", "printed nothing"),
        ("  \n", "printed nothing"),
        ("[1]", "not an object"),
        (
            "{\"probe\":\"caretaker-linux/1\",\"results\":[]}",
            "caretaker-linux/1",
        ),
        ("{\"probe\":7}", "not a string"),
        ("{\"results\":[]}", "no \"probe\""),
        ("{\"probe\":\"caretaker-filter/1\"}", "no \"results\""),
        (
            "{\"probe\":\"caretaker-filter/1\",\"results\":{}}",
            "not a list",
        ),
        (
            "{\"probe\":\"caretaker-filter/1\",\"results\":[",
            "not one JSON document",
        ),
    ] {
        let e = parse(doc.as_bytes(), &[]).unwrap_err();
        assert!(e.reason.contains(why), "{doc}: {e}");
        assert_eq!(e.to_string(), e.reason);
    }
    let big = vec![b' '; MAX_OUTPUT_BYTES + 1];
    assert!(parse(&big, &[]).unwrap_err().reason.contains("more than"));
    // A byte-order mark and a stray non-UTF-8 byte inside a string are tolerated.
    let mut doc =
        b"\xef\xbb\xbf{\"probe\":\"caretaker-filter/1\",\"results\":[],\"problems\":[\"\xff\"]}"
            .to_vec();
    doc.push(b'\n');
    assert!(parse(&doc, &[]).is_ok());
}

fn facts(exit: u64, msg: &str) -> Facts {
    Facts {
        exit: Some(exit),
        message: msg.into(),
        ..Facts::default()
    }
}

#[test]
fn curl_exit_codes_map_to_outcomes() {
    use Outcome::*;
    let connected = |mut f: Facts| {
        f.time_connect = Some(0.01);
        f
    };
    let with_code = |mut f: Facts, c: u16| {
        f.http_code = Some(c);
        f
    };
    let with_connect = |mut f: Facts, c: u16| {
        f.http_connect = Some(c);
        f
    };
    let verify = |mut f: Facts, v: u64| {
        f.ssl_verify_result = Some(v);
        f
    };
    let cases: Vec<(Facts, bool, Outcome)> = vec![
        (with_code(facts(0, ""), 200), false, Response),
        (facts(0, ""), false, Other),
        (
            with_code(facts(23, "Failure writing output"), 200),
            false,
            Response,
        ),
        (
            with_code(facts(63, "Maximum file size exceeded"), 200),
            false,
            Response,
        ),
        (facts(23, "Failure writing output"), false, Other),
        (
            with_code(facts(18, "transfer closed"), 200),
            false,
            Response,
        ),
        (
            facts(5, "Could not resolve proxy: p"),
            true,
            ProxyUnreachable,
        ),
        (facts(6, "Could not resolve host: x"), false, NxDomain),
        (
            facts(6, "Resolving timed out after 2000 ms"),
            false,
            ResolveTimeout,
        ),
        (
            facts(7, "Couldn't connect to server"),
            false,
            ConnectRefused,
        ),
        (
            facts(7, "Failed to connect: No route to host"),
            false,
            Unreachable,
        ),
        (
            facts(7, "Failed to connect: Network is unreachable"),
            false,
            Unreachable,
        ),
        (
            facts(7, "Couldn't connect to server"),
            true,
            ProxyUnreachable,
        ),
        (
            facts(28, "Resolving timed out after 2000 milliseconds"),
            false,
            ResolveTimeout,
        ),
        (
            facts(28, "Resolving timed out after 2000 milliseconds"),
            true,
            ProxyUnreachable,
        ),
        (
            facts(28, "Failed to connect: Timeout was reached"),
            false,
            ConnectTimeout,
        ),
        (
            facts(28, "Failed to connect: Timeout was reached"),
            true,
            ProxyUnreachable,
        ),
        (connected(facts(28, "Operation timed out")), false, Timeout),
        // A TLS handshake that never finished (recorded by hand against a silent listener).
        (
            Facts {
                remote_ip: Some("127.0.0.1".into()),
                ..facts(28, "Connection timed out after 2001 milliseconds")
            },
            false,
            Timeout,
        ),
        (
            with_code(facts(28, "Operation timed out"), 200),
            false,
            Timeout,
        ),
        (
            facts(35, "OpenSSL SSL_connect: SSL_ERROR_SYSCALL"),
            false,
            TlsFailed,
        ),
        (
            facts(60, "SSL certificate problem: self-signed certificate"),
            false,
            TlsUntrusted,
        ),
        (
            verify(
                facts(60, "SSL certificate problem: certificate has expired"),
                10,
            ),
            false,
            TlsFailed,
        ),
        (
            facts(
                60,
                "SSL: no alternative certificate subject name matches target host name 'x'",
            ),
            false,
            TlsFailed,
        ),
        (
            with_connect(facts(56, "CONNECT tunnel failed, response 403"), 403),
            true,
            ProxyRefused,
        ),
        (
            facts(56, "Received HTTP code 451 from proxy after CONNECT"),
            true,
            ProxyRefused,
        ),
        (
            facts(56, "Recv failure: Connection reset by peer"),
            false,
            ConnectReset,
        ),
        (
            with_connect(facts(56, "Recv failure: Connection reset by peer"), 200),
            true,
            ConnectReset,
        ),
        (facts(52, "Empty reply from server"), false, ConnectReset),
        (
            facts(47, "Maximum (5) redirects followed"),
            false,
            TooManyRedirects,
        ),
        (facts(1, "Protocol \"ftp\" not supported"), false, Other),
        (facts(77, "error setting certificate file"), false, Other),
    ];
    for (f, proxied, want) in cases {
        let (got, detail, proxy_status) = curl_outcome(&f, proxied);
        assert_eq!(
            got, want,
            "exit {:?} {:?} proxied={proxied}",
            f.exit, f.message
        );
        if got == ProxyRefused {
            assert!(proxy_status.is_some());
        }
        if got != Response {
            assert!(detail.unwrap().contains(&f.message));
        }
    }
    let none = Facts::default();
    assert_eq!(curl_outcome(&none, false).0, Other);
    assert_eq!(
        curl_outcome(
            &facts(56, "Received HTTP code 451 from proxy after CONNECT"),
            true
        )
        .2,
        Some(451)
    );
}

#[test]
fn locations_resolve_like_a_browser() {
    let b = "http://h.test:8080/a/b/c?q=1#f";
    for (loc, want) in [
        ("https://x.test/", "https://x.test/"),
        ("//y.test/p", "http://y.test/p"),
        ("/abs", "http://h.test:8080/abs"),
        ("rel", "http://h.test:8080/a/b/rel"),
        ("../up", "http://h.test:8080/a/up"),
        ("./same?x=1", "http://h.test:8080/a/b/same?x=1"),
        ("?z=2", "http://h.test:8080/a/b/c?z=2"),
        ("#g", "http://h.test:8080/a/b/c?q=1#g"),
        ("", "http://h.test:8080/a/b/c?q=1"),
        ("../../../../x", "http://h.test:8080/x"),
    ] {
        assert_eq!(resolve(b, loc), want, "{loc}");
    }
    assert_eq!(resolve("http://h.test", "p"), "http://h.test/p");
    assert_eq!(resolve("not a url", "p"), "p");
    // Locations that are easy to misread: the probe's redirects and the in-process fetcher's
    // read each one the same way, as browsers do.
    for (base, loc, want) in [
        // `//host` keeps the scheme and gets the root path.
        ("https://h.test/a", "//y.test", "https://y.test/"),
        // Scheme and host lower-cased, the default port dropped, dot segments removed.
        (
            "http://h.test/a/b",
            "HTTP://X.Test:80/p/./q/../r",
            "http://x.test/p/r",
        ),
        // A scheme-relative reference of the same scheme is relative.
        ("http://h.test/a/b", "http:c", "http://h.test/a/c"),
        // A user and password in a redirect are never kept.
        (
            "http://h.test/",
            "https://user:pass@x.test/p",
            "https://x.test/p",
        ),
        // Spaces are percent-encoded, the fragment of the Location kept.
        ("http://h.test/a/", "../b c#top", "http://h.test/b%20c#top"),
    ] {
        assert_eq!(resolve(base, loc), want, "{base} + {loc}");
        let fetched = join_location(&url::Url::parse(base).unwrap(), loc).map(|u| url_shown(&u));
        assert_eq!(fetched.as_deref(), Some(want), "{base} + {loc}");
    }
    // Only 3xx Locations count, at most num_redirects of them.
    let responses = vec![
        (Some(200), None),
        (Some(302), Some("/one".to_string())),
        (Some(201), Some("/created".to_string())),
        (Some(304), Some("/nope".to_string())),
        (Some(301), Some("two".to_string())),
        (Some(302), Some("/three".to_string())),
    ];
    assert_eq!(
        redirects_followed("http://h/x/y", &responses, Some(2)),
        vec!["http://h/one".to_string(), "http://h/two".to_string()]
    );
    assert_eq!(redirects_followed("http://h/", &responses, None).len(), 3);
}

#[test]
fn encodings() {
    for data in [
        &b""[..],
        b"f",
        b"fo",
        b"foo",
        b"foob",
        b"fooba",
        b"foobar",
        b"\x00\xff\xfe",
    ] {
        assert_eq!(base64_decode(&BASE64.encode(data)).unwrap(), data);
        assert_eq!(hex_decode(&hex::encode(data)).unwrap(), data);
    }
    assert_eq!(base64_decode("Zm9v\nYmFy").unwrap(), b"foobar");
    assert!(base64_decode("Zm9v!").is_none());
    assert!(base64_decode("Zg==Zg").is_none());
    // A body cut short or padded wrongly is refused, not read as fewer bytes.
    assert!(base64_decode("Zm9").is_none());
    assert!(base64_decode("Zg=").is_none());
    assert!(base64_decode("Zm9v=").is_none());
    assert!(base64_decode("Zh==").is_none());
    assert_eq!(hex_decode("00FF7a").unwrap(), vec![0, 255, 0x7a]);
    assert_eq!(hex_decode(" 68 69\n0a\n").unwrap(), b"hi\n");
    assert_eq!(hex_decode("00ff 7a").unwrap(), vec![0, 255, 0x7a]);
    assert!(hex_decode("0").is_none());
    assert!(hex_decode("zz").is_none());
    // The probe falls back to hex when the machine has neither base64 nor openssl.
    let doc = r#"{"probe":"caretaker-filter/1","results":[{"url":"http://a/","curl":{"exitcode":0,"http_code":200},"body_hex":"68690a","body_truncated":false}]}"#;
    let f = parse(doc.as_bytes(), &["http://a/".to_string()]).unwrap();
    assert_eq!(f[0].body, b"hi\n");
    let bad = r#"{"probe":"caretaker-filter/1","results":[{"url":"http://a/","curl":{"exitcode":0,"http_code":200},"body_b64":"!!"}]}"#;
    let f = parse(bad.as_bytes(), &["http://a/".to_string()]).unwrap();
    assert_eq!(f[0].outcome, Outcome::Response);
    assert!(f[0].detail.as_deref().unwrap().contains("not valid base64"));
}

#[test]
fn proxy_credentials_never_kept() {
    assert_eq!(
        proxy_without_userinfo("http://u:p@h:3128").as_deref(),
        Some("http://h:3128")
    );
    // Shown the way the other fetcher shows its proxy.
    assert_eq!(
        proxy_without_userinfo("http://h:3128/").as_deref(),
        Some("http://h:3128")
    );
    assert_eq!(proxy_without_userinfo("h:3128"), None);
    // A password with `@` or `/` in it (percent-encoded, as a URL must have it) is all gone.
    assert_eq!(
        proxy_without_userinfo("http://u:p%40ss%2Fx@10.0.0.1:3128").as_deref(),
        Some("http://10.0.0.1:3128")
    );
    let doc =
        r#"{"probe":"caretaker-filter/1","proxy":"http://u:secret@10.0.0.1:3128","results":[]}"#;
    let report = parse_report(doc.as_bytes(), &["http://a/".to_string()]).unwrap();
    assert_eq!(report.proxy.as_deref(), Some("http://10.0.0.1:3128"));
    assert_eq!(
        report.fetches[0].proxy.as_deref(),
        Some("http://10.0.0.1:3128")
    );
    let mut req = request(&[PAGE], Some("http://127.0.0.1:3128"));
    req.proxy_credentials = Some(("u".into(), "hunter2".into()));
    assert!(!format!("{req:?}").contains("hunter2"));
}

// --- Script generation ---------------------------------------------------------------------

#[test]
fn refuses_hostile_or_malformed_requests() {
    for url in [
        "",
        "http://a/'; touch /tmp/x; '",
        "http://a/\"$(id)\"",
        "http://a/`id`",
        "http://a/ b",
        "http://a/\nb",
        "http://a/\rb",
        "http://a/\tb",
        "http://a/\\b",
        "http://a/\u{e9}",
        "http://a/\u{2019}",
        "http://a/\u{0}",
        "ftp://a/",
        "file:///etc/passwd",
        "-K/etc/passwd",
        "http://",
        "http:///path",
        "https://user@/",
    ] {
        let e = sh_script(&request(&[PAGE, url], None)).unwrap_err();
        assert!(e.reason.starts_with("URL 2 "), "{url:?}: {e}");
        assert!(ps1_script(&request(&[url], None)).is_err(), "{url:?}");
    }
    let long = format!("http://a/{}", "x".repeat(MAX_URL_LEN));
    assert!(sh_script(&request(&[&long], None)).is_err());
    let many: Vec<&str> = vec![PAGE; MAX_URLS + 1];
    assert!(sh_script(&request(&many, None)).is_err());

    for proxy in [
        "http://u:p@h:3128",
        "http://h:3128/x",
        "https://h:3128",
        "socks5://h:1080",
        "http://h",
        "http://h:0",
        "http://h:99999",
        "http://h:+80",
        "http://h;id:3128",
        "http://-h:3128",
        "http://h h:3128",
        "http://h'x:3128",
        "http://[zz]:3128",
        "http://[::1]3128",
    ] {
        assert!(
            sh_script(&request(&[PAGE], Some(proxy))).is_err(),
            "{proxy}"
        );
    }
    for proxy in [
        "http://10.0.0.1:3128",
        "HTTP://Proxy.School.Example:8080/",
        "http://[::1]:3128",
    ] {
        assert!(sh_script(&request(&[PAGE], Some(proxy))).is_ok(), "{proxy}");
    }

    let mut r = request(&[PAGE], None);
    r.proxy_credentials = Some(("u".into(), "p".into()));
    assert!(sh_script(&r)
        .unwrap_err()
        .reason
        .contains("without a proxy"));
    r.proxy = Some("http://10.0.0.1:3128".into());
    for (user, password) in [
        ("a:b", "p"),
        ("", "p"),
        ("u", "p\nq"),
        ("u\r", "p"),
        ("u", "p\u{7f}"),
    ] {
        r.proxy_credentials = Some((user.into(), password.into()));
        assert!(sh_script(&r).is_err(), "{user:?} {password:?}");
    }

    let limits: Vec<fn(&mut ProbeRequest)> = vec![
        |r| r.timeout_secs = 0,
        |r| r.timeout_secs = MAX_TIMEOUT_SECS + 1,
        |r| r.connect_timeout_secs = 0,
        |r| r.connect_timeout_secs = r.timeout_secs + 1,
        |r| r.max_body_bytes = MAX_BODY_BYTES + 1,
        |r| r.max_redirects = MAX_REDIRECTS + 1,
        |r| r.concurrency = 0,
        |r| r.concurrency = MAX_CONCURRENCY + 1,
        |r| {
            r.urls = vec![PAGE.to_string(); 100];
            r.max_body_bytes = MAX_BODY_BYTES;
        },
    ];
    for set in limits {
        let mut r = request(&[PAGE], None);
        set(&mut r);
        assert!(sh_script(&r).is_err(), "{r:?}");
        assert!(ps1_script(&r).is_err(), "{r:?}");
    }
}

#[test]
fn generated_scripts_are_well_formed() {
    let mut r = request(
        &[PAGE, "https://[::1]:8443/x?a=$(id)&b=;|{c,d}[1-3]*"],
        Some("http://10.0.0.1:3128"),
    );
    r.proxy_credentials = Some(("caretaker".into(), "it's \"q\" \\ $(x) `y`".into()));
    let sh = sh_script(&r).unwrap();
    assert!(!sh.contains(MARKER));
    assert!(sh.contains("PROXY='http://10.0.0.1:3128'\n"));
    assert!(sh.contains("PROXYHP='10.0.0.1:3128'\n"));
    assert!(sh.contains(r#"PROXYCFG='proxy-user = "caretaker:it'\''s \"q\" \\ $(x) `y`"'"#));
    assert!(sh.contains("  'https://[::1]:8443/x?a=$(id)&b=;|{c,d}[1-3]*'\n"));
    sh_syntax_ok(&sh);
    // No URLs at all is a valid (empty) probe.
    sh_syntax_ok(&sh_script(&request(&[], None)).unwrap());

    let ps = ps1_script(&r).unwrap();
    assert!(!ps.contains(MARKER));
    assert!(ps.contains("$ProxyUri = 'http://10.0.0.1:3128'\n"));
    assert!(ps.contains(&format!(
        "$ProxyUserB64 = '{}'",
        BASE64.encode(b"caretaker")
    )));
    assert!(ps.contains(&format!(
        "$ProxyPassB64 = '{}'",
        BASE64.encode("it's \"q\" \\ $(x) `y`")
    )));
    assert!(!ps.contains("it's"));
    assert!(ps.contains("  'https://[::1]:8443/x?a=$(id)&b=;|{c,d}[1-3]*'\n"));
    assert!(ps.contains("$Urls = @(\n"));
}

fn sh_syntax_ok(script: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("probe.sh");
    std::fs::write(&path, script).unwrap();
    let out = Command::new("sh").arg("-n").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "sh -n: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn proxy_password_is_never_on_curls_command_line() {
    let password = "Sekr1t-'\"\\$(x)`y` z";
    let mut r = request(&[PAGE], Some("http://10.0.0.1:3128"));
    r.proxy_credentials = Some(("caretaker".into(), password.into()));
    let sh = sh_script(&r).unwrap();
    // The credentials are in exactly one line: the assignment of PROXYCFG, which only the
    // shell's built-in printf writes to curl's standard input (-K -).
    let holders: Vec<&str> = sh.lines().filter(|l| l.contains("Sekr1t")).collect();
    assert_eq!(holders.len(), 1, "{holders:?}");
    assert!(holders[0].starts_with("PROXYCFG='proxy-user = "));
    for l in sh.lines() {
        assert!(
            !l.contains("--proxy-user") && !l.contains(" -U ") && !l.contains("-u "),
            "{l}"
        );
        if l.contains("PROXYCFG") && !l.starts_with("PROXYCFG=") {
            assert!(
                l.contains("printf '%s\\n' \"$PROXYCFG\"")
                    || l.contains("[ -n \"$PROXYCFG\" ]")
                    || l.contains("[ -z \"$PROXYCFG\" ]"),
                "PROXYCFG used elsewhere: {l}"
            );
        }
    }
    assert!(!sh.contains("export PROXYCFG"));
}

// --- Running the script for real against loopback servers ---------------------------------

/// These tests run the probe with the real curl: without it they fail, saying what to install
/// (they never pass by skipping).
fn require_curl() {
    let found = Command::new("sh")
        .args(["-c", "command -v curl"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "curl is not installed, and these tests run the probe with it: apt-get install curl \
         (or run scripts/install-deps)"
    );
}

/// Runs `script` with `/bin/sh -s`, as the SSH transport does; at most `limit`.
fn run_sh(script: &str, limit: Duration) -> Vec<u8> {
    run_sh_watching(script, limit, |_| {})
}

/// Like [`run_sh`], calling `tick(pid of sh)` every few milliseconds while it runs.
fn run_sh_watching(script: &str, limit: Duration, tick: impl FnMut(u32)) -> Vec<u8> {
    let mut sh = Command::new("/bin/sh");
    sh.arg("-s");
    run_watching(sh, script, limit, tick)
}

/// Runs `cmd` (a shell reading `script` on its standard input); at most `limit`.
fn run_watching(
    mut cmd: Command,
    script: &str,
    limit: Duration,
    mut tick: impl FnMut(u32),
) -> Vec<u8> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let text = script.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(text.as_bytes());
    });
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        out
    });
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the probe script ran longer than {limit:?}");
        }
        tick(child.id());
        std::thread::sleep(Duration::from_millis(5));
    }
    writer.join().unwrap();
    reader.join().unwrap()
}

/// `root` and every process descended from it, now.
fn process_tree(root: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid …": comm may hold spaces and parentheses.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parent_of.push((pid, ppid));
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let p = tree[i];
        tree.extend(parent_of.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    tree
}

struct Server {
    port: u16,
    /// Request heads received, in order of arrival.
    requests: Arc<Mutex<Vec<String>>>,
    max_active: Arc<AtomicUsize>,
}

type Respond = dyn Fn(&str) -> (Duration, Vec<u8>) + Send + Sync;

/// A loopback HTTP server: `respond(head)` gives a delay and the whole response.
fn server(respond: Arc<Respond>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let active = Arc::new(AtomicUsize::new(0));
    let max_active = Arc::new(AtomicUsize::new(0));
    let (req2, act2, max2) = (requests.clone(), active.clone(), max_active.clone());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let (requests, active, max_active, respond) =
                (req2.clone(), act2.clone(), max2.clone(), respond.clone());
            std::thread::spawn(move || {
                let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                max_active.fetch_max(now, Ordering::SeqCst);
                let head = read_head(&mut conn);
                if !head.is_empty() {
                    requests.lock().unwrap().push(head.clone());
                    let (delay, response) = respond(&head);
                    // Wait, but stop at once if the client hangs up (a read returns 0).
                    let mut open = true;
                    if !delay.is_zero() {
                        let _ = conn.set_read_timeout(Some(delay));
                        if let Ok(0) = conn.read(&mut [0u8; 1]) {
                            open = false;
                        }
                    }
                    // Counted as done before the response leaves: the client's next
                    // connection can only follow it.
                    active.fetch_sub(1, Ordering::SeqCst);
                    if open {
                        let _ = conn.write_all(&response);
                    }
                } else {
                    active.fetch_sub(1, Ordering::SeqCst);
                }
            });
        }
    });
    Server {
        port,
        requests,
        max_active,
    }
}

fn read_head(conn: &mut TcpStream) -> String {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
        match conn.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

fn http(status: &str, extra: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 {status}\r\n{extra}Content-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

fn path_of(head: &str) -> String {
    head.split_whitespace().nth(1).unwrap_or("").to_string()
}

#[test]
fn runs_for_real_with_concurrency_two() {
    require_curl();
    let srv = server(Arc::new(|head: &str| {
        let path = path_of(head);
        match path.as_str() {
            "/redir" => (
                Duration::ZERO,
                http("302 Found", "Location: /page?from=redir\r\n", b""),
            ),
            "/big" => (Duration::ZERO, http("200 OK", "", &vec![b'x'; 10_000])),
            "/missing" => (
                Duration::ZERO,
                http("404 Not Found", "", b"<p>no such page</p>"),
            ),
            "/slow" => (Duration::from_secs(4), http("200 OK", "", b"too late")),
            _ => (
                Duration::from_millis(150),
                http("200 OK", "", format!("<p>token-{path}</p>").as_bytes()),
            ),
        }
    }));
    let refused_port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{}", srv.port);
    let urls = [
        format!("{base}/page?n=1"),
        format!("{base}/redir"),
        format!("{base}/big"),
        format!("http://127.0.0.1:{refused_port}/"),
        format!("{base}/missing"),
        format!("{base}/slow"),
        format!("{base}/page?n=2"),
        format!("{base}/page?n=3"),
    ];
    let req = ProbeRequest {
        urls: urls.to_vec(),
        proxy: None,
        proxy_credentials: None,
        timeout_secs: 1,
        connect_timeout_secs: 1,
        max_body_bytes: 1000,
        max_redirects: 3,
        concurrency: 2,
        lookups: Vec::new(),
    };
    let out = run_sh(&sh_script(&req).unwrap(), Duration::from_secs(30));
    let report = parse_report(&out, &req.urls).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let doc: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["concurrency"], 2);
    let f = &report.fetches;
    for (x, u) in f.iter().zip(&urls) {
        assert_eq!(&x.url, u);
    }
    assert_eq!(f[0].outcome, Outcome::Response);
    assert!(body_text(&f[0]).contains("token-/page?n=1"));
    assert_eq!(f[1].outcome, Outcome::Response);
    assert_eq!(f[1].redirects, vec![format!("{base}/page?from=redir")]);
    assert_eq!(
        f[1].final_url.as_deref(),
        Some(format!("{base}/page?from=redir").as_str())
    );
    assert_eq!(f[2].outcome, Outcome::Response);
    assert_eq!(f[2].body.len(), 1000);
    assert!(f[2].body_truncated);
    assert_eq!(f[3].outcome, Outcome::ConnectRefused);
    assert_eq!(f[4].outcome, Outcome::Response);
    assert_eq!(f[4].status, Some(404));
    assert_eq!(f[5].outcome, Outcome::Timeout);
    assert!(body_text(&f[6]).contains("token-/page?n=2"));
    assert!(body_text(&f[7]).contains("token-/page?n=3"));
    assert_eq!(f[7].addresses, vec!["127.0.0.1".to_string()]);
    let max = srv.max_active.load(Ordering::SeqCst);
    assert!((1..=2).contains(&max), "{max} requests at once");
}

#[test]
fn hostile_urls_that_pass_are_inert() {
    require_curl();
    let dir = tempfile::tempdir().unwrap();
    let mark = dir.path().join("pwned");
    let m = mark.display().to_string();
    assert!(!m.contains(char::is_whitespace));
    let srv = server(Arc::new(|_head: &str| {
        (Duration::ZERO, http("200 OK", "", b"ok"))
    }));
    let base = format!("http://127.0.0.1:{}", srv.port);
    let urls: Vec<String> = [
        format!("/$(touch${{IFS}}{m})"),
        format!("/;touch${{IFS}}{m};"),
        format!("/|touch${{IFS}}{m}"),
        format!("/&&touch${{IFS}}{m}&"),
        format!("/>{m}"),
        "/[1-3]{a,b}*?".to_string(),
        "/%0a%27%22".to_string(),
    ]
    .iter()
    .map(|p| format!("{base}{p}"))
    .collect();
    let req = ProbeRequest {
        urls: urls.clone(),
        proxy: None,
        proxy_credentials: None,
        timeout_secs: 5,
        connect_timeout_secs: 2,
        max_body_bytes: 100,
        max_redirects: 0,
        concurrency: 3,
        lookups: Vec::new(),
    };
    let script = sh_script(&req).unwrap();
    sh_syntax_ok(&script);
    let out = run_sh(&script, Duration::from_secs(30));
    let f = parse(&out, &urls).unwrap();
    for x in &f {
        assert_eq!(x.outcome, Outcome::Response, "{x:?}");
    }
    assert!(!mark.exists(), "a URL ran as shell code");
    // No globbing: one request per URL, each with its path as given.
    let seen: Vec<String> = srv
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|h| path_of(h))
        .collect();
    assert_eq!(seen.len(), urls.len(), "{seen:?}");
    assert!(seen.iter().any(|p| p.contains("[1-3]{a,b}*")), "{seen:?}");
    assert!(
        seen.iter().any(|p| p.starts_with("/$(touch${IFS}")),
        "{seen:?}"
    );
}

#[test]
fn proxy_password_does_not_appear_in_any_process() {
    require_curl();
    let nonce = format!("{:x}", std::process::id() as u64 * 2654435761 % 0xffff_ffff);
    let password = format!("it's \"q\" \\ $(x) `y` {nonce}");
    let expected = format!("Basic {}", BASE64.encode(format!("caretaker:{password}")));
    let seen_auth = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen2 = seen_auth.clone();
    let proxy = server(Arc::new(move |head: &str| {
        let auth = head
            .lines()
            .find_map(|l| l.strip_prefix("Proxy-Authorization: "))
            .map(str::to_string);
        match auth {
            None => (
                Duration::ZERO,
                http(
                    "407 Proxy Authentication Required",
                    "Proxy-Authenticate: Basic realm=\"t\"\r\n",
                    b"auth",
                ),
            ),
            Some(a) => {
                seen2.lock().unwrap().push(a);
                (
                    Duration::from_millis(600),
                    http("200 OK", "", b"through the proxy"),
                )
            }
        }
    }));
    let req = ProbeRequest {
        urls: vec![
            "http://site.invalid/a".into(),
            "http://site.invalid/b".into(),
        ],
        proxy: Some(format!("http://127.0.0.1:{}", proxy.port)),
        proxy_credentials: Some(("caretaker".into(), password.clone())),
        timeout_secs: 10,
        connect_timeout_secs: 5,
        max_body_bytes: 100,
        max_redirects: 0,
        concurrency: 2,
        lookups: Vec::new(),
    };
    let script = sh_script(&req).unwrap();
    // While curl waits for the proxy, look at the argv and environment of the script's shell
    // and of every process it starts (curl, head, awk, …).
    let needle = nonce.as_bytes();
    let mut curl_seen = 0;
    let out = run_sh_watching(&script, Duration::from_secs(30), |sh| {
        for pid in process_tree(sh) {
            for file in ["cmdline", "environ"] {
                if let Ok(bytes) = std::fs::read(format!("/proc/{pid}/{file}")) {
                    assert!(
                        !bytes.windows(needle.len()).any(|w| w == needle),
                        "the proxy password is in /proc/{pid}/{file}"
                    );
                    if file == "cmdline" && bytes.starts_with(b"curl\0") {
                        curl_seen += 1;
                    }
                }
            }
        }
    });
    assert!(curl_seen > 0, "never saw curl running");
    let f = parse(&out, &req.urls).unwrap();
    for x in &f {
        assert_eq!(x.outcome, Outcome::Response, "{x:?}");
        assert_eq!(x.status, Some(200));
        assert_eq!(x.proxy, req.proxy);
    }
    let auth = seen_auth.lock().unwrap().clone();
    assert_eq!(auth, vec![expected.clone(), expected]);
    assert!(!String::from_utf8_lossy(&out).contains(&nonce));
}

// --- Property tests ------------------------------------------------------------------------

use proptest::prelude::*;

fn well_formed(f: &[Fetch], urls: &[String]) -> bool {
    f.len() == urls.len()
        && f.iter().zip(urls).all(|(x, u)| {
            &x.url == u
                && x.body.len() <= MAX_BODY_BYTES
                && (x.outcome == Outcome::Response || x.detail.is_some())
        })
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,30}".prop_map(Value::String),
        "[A-Za-z0-9+/=]{0,12}".prop_map(Value::String),
        Just(Value::Array(vec![])),
        Just(Value::Object(Map::new())),
    ]
}

const KEYS: &[&str] = &[
    "url",
    "exit",
    "curl",
    "iwr",
    "exitcode",
    "errormsg",
    "http_code",
    "http_connect",
    "remote_ip",
    "url_effective",
    "num_redirects",
    "time_total",
    "time_connect",
    "ssl_verify_result",
    "tls_issuer",
    "responses",
    "status_line",
    "location",
    "body_b64",
    "body_hex",
    "body_truncated",
    "curl_stderr",
    "web_exception_status",
    "proxy",
];

proptest! {
    // No regression files: they would land outside this module's folders.
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parser_never_panics_on_bytes(b in proptest::collection::vec(any::<u8>(), 0..400)) {
        let urls = vec!["http://a/".to_string()];
        if let Ok(f) = parse(&b, &urls) {
            prop_assert!(well_formed(&f, &urls));
        }
    }

    #[test]
    fn parser_never_panics_on_random_documents(
        windows in any::<bool>(),
        proxy in scalar(),
        results in proptest::collection::vec(
            proptest::collection::vec((0..KEYS.len(), scalar(), 0..KEYS.len(), scalar()), 0..8),
            0..5),
    ) {
        let urls: Vec<String> = vec!["http://a/".into(), "http://b/".into()];
        let results: Vec<Value> = results.into_iter().enumerate().map(|(i, fields)| {
            let mut m = Map::new();
            m.insert("url".into(), Value::from(urls[i % 2].clone()));
            let mut inner = Map::new();
            for (k, v, k2, v2) in fields {
                m.insert(KEYS[k].into(), v);
                inner.insert(KEYS[k2].into(), v2);
            }
            m.insert(if windows { "iwr" } else { "curl" }.into(), Value::Object(inner));
            Value::Object(m)
        }).collect();
        let doc = serde_json::json!({
            "probe": if windows { PROBE_WINDOWS } else { PROBE },
            "proxy": proxy,
            "results": results,
            "problems": ["x"],
        });
        let f = parse(doc.to_string().as_bytes(), &urls).unwrap();
        prop_assert!(well_formed(&f, &urls));
    }

    /// Any single field of any fixture's results replaced by an arbitrary JSON scalar.
    #[test]
    fn replaced_values_never_panic(
        pick in 0usize..7,
        which in any::<prop::sample::Index>(),
        inner in any::<bool>(),
        value in scalar(),
    ) {
        let all = fixtures();
        let (name, urls) = &all[pick % all.len()];
        let mut doc: Value = serde_json::from_slice(&fixture(name)).unwrap();
        if let Some(Value::Array(results)) = doc.get_mut("results") {
            if !results.is_empty() {
                let n = which.index(results.len());
                if let Some(Value::Object(r)) = results.get_mut(n) {
                    let target = if inner {
                        match r.get_mut("curl").or(None) {
                            Some(Value::Object(c)) => c,
                            _ => r,
                        }
                    } else {
                        r
                    };
                    let keys: Vec<String> = target.keys().cloned().collect();
                    if !keys.is_empty() {
                        let k = keys[which.index(keys.len())].clone();
                        target.insert(k, value);
                    }
                }
            }
        }
        let f = parse(doc.to_string().as_bytes(), urls).unwrap();
        prop_assert!(well_formed(&f, urls));
    }
}

mod lookups;
mod parallel;
