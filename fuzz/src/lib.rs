//! The bodies of the fuzz targets in `fuzz_targets/`: each feeds one input to a parser of what a
//! machine, the directory or the filter sends, then hands what the parser read on to the steps
//! that use it (facts, classification, judging), and checks what must hold whatever the input.
//! Any panic is a bug: garbage must become an error value.
//!
//! `checks/tests/fuzz_regressions.rs` compiles this same file and replays every input kept under
//! `fuzz/regressions/<target>/` through [`TARGETS`], so what once crashed stays fixed.
//!
//! Every function returns whether the main parser accepted the input (`Ok`), which the replay
//! test compares with the name of the file kept (`err-…`: must be refused, `ok-…`: accepted).

use std::future::Future as _;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

use caretaker_checks::directory::{self, dn, parse as dparse, Entry, Raw};
use caretaker_checks::filter::classify::{self, Seen};
use caretaker_checks::filter::fetch::{issuer_of, read_connect_answer, Tunnel};
use caretaker_checks::filter::{curl, Expect, Fetch, FilterTest, Outcome, Rules, VantagePoint};
use caretaker_checks::host::parse::{self as hparse, HostFacts};
use caretaker_checks::host::screenlock::{self, Setting};
use caretaker_checks::host::{self, discover, HostInfo, HostThresholds, OsFamily};
use caretaker_checks::Finding;
use caretaker_config::{Directory, DirectoryKind, Secret};
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// A target's body: true if the main parser accepted the input.
pub type Body = fn(&[u8]) -> bool;

/// Every target: its name (the folder under `corpus/` and `regressions/`) and its body.
pub const TARGETS: &[(&str, Body)] = &[
    ("host_probe", host_probe),
    ("host_lines", host_lines),
    ("ldif", ldif),
    ("directory_values", directory_values),
    ("curl_report", curl_report),
    ("curl_headers", curl_headers),
    ("classify", classify_page),
    ("http_connect", http_connect),
    ("cert_issuer", cert_issuer),
];

/// The time the judges are run at (2026-11-20 11:25:42 UTC, when the fixtures were recorded).
fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_795_442_742).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Findings are stored and sent as JSON: whatever a judge says must serialize.
fn serializes(findings: &[Finding]) {
    assert!(
        serde_json::to_string(findings).is_ok(),
        "findings that do not serialize"
    );
}

// ---------------------------------------------------------------------------------------------
// Machines: the host probes' output.

fn host_info(os: OsFamily) -> HostInfo {
    HostInfo {
        name: "pc-1".into(),
        address: "10.0.0.21".into(),
        os,
        roles: vec!["laptop".into()],
        simulated: false,
        detect_os: false,
    }
}

fn thresholds() -> &'static HostThresholds {
    static TH: OnceLock<HostThresholds> = OnceLock::new();
    TH.get_or_init(|| {
        let allow = vec![
            "lib*".to_string(),
            "Microsoft *".to_string(),
            "[a-c]?*".into(),
        ];
        HostThresholds {
            software_allow_linux: allow.clone(),
            software_allow_windows: allow.clone(),
            software_allow_macos: allow,
            ..HostThresholds::default()
        }
    })
}

fn judge_host(facts: &HostFacts) {
    let findings = host::judge(&host_info(facts.os), facts, thresholds(), now());
    serializes(&findings);
}

/// A probe's stdout: `parse_any`, `parse` for every family, and the host judge on what was read.
pub fn host_probe(data: &[u8]) -> bool {
    let any = hparse::parse_any(data);
    if let Ok(facts) = &any {
        judge_host(facts);
    }
    for os in OsFamily::ALL {
        match hparse::parse(data, os) {
            Ok(facts) => {
                assert_eq!(facts.os, os, "parse read another family than it was asked");
                assert!(any.is_ok(), "parse accepts what parse_any refuses");
            }
            Err(e) => assert!(!e.reason.is_empty(), "an error without a reason"),
        }
    }
    any.is_ok()
}

/// The keys of the Linux probe's `screen_lock` object whose values are lists of lines.
const SCREEN_LOCK_LISTS: [&str; 10] = [
    "present",
    "autologin",
    "dconf_profile",
    "dconf_dbs",
    "dconf_keys",
    "dconf_locks",
    "kscreenlocker",
    "autostart",
    "xset",
    "xscreensaver",
];

/// Lines as the probes print them. Every line goes to the line readers (ClamAV header,
/// `softwareupdate --history` row, `ini` helper setting, SSH banner, `operatingSystem`, an SSH
/// host key blob); the whole text to `mdatp health` and mount-controls readers. A line
/// `KEY<TAB>VALUE` whose KEY is one of the `screen_lock` lists (or `graphical`) is also put in a
/// `screen_lock` object for the screen-lock reader.
pub fn host_lines(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    let mut read = false;
    let mut lists: Map<String, Value> = Map::new();
    let mut settings = Vec::new();
    for raw in data.split(|b| *b == b'\n') {
        let _ = caretaker_transports::ssh::HostKey::from_blob(raw).fingerprint();
    }
    for line in text.lines() {
        read |= hparse::parse_clamav_header(line).is_some();
        read |= hparse::parse_softwareupdate_date(line).is_some();
        if let Some(s) = Setting::parse(line) {
            settings.push(s);
            read = true;
        }
        let _ = host::banner_says_windows(line);
        let _ = discover::os_from_attribute(line);
        if let Some((key, value)) = line.split_once('\t') {
            if key == "graphical" {
                lists.insert(key.into(), Value::String(value.into()));
            } else if SCREEN_LOCK_LISTS.contains(&key) {
                if let Value::Array(items) = lists
                    .entry(key.to_string())
                    .or_insert_with(|| Value::Array(Vec::new()))
                {
                    items.push(Value::String(value.into()));
                }
            }
        }
    }
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    read |= !hparse::parse_mdatp_health(&lines).is_empty();
    let _ = hparse::parse_mount_controls(&text);
    let present: Vec<String> = lines.iter().take(8).cloned().collect();
    let _ = screenlock::auto_logon(&settings, &present);
    let lock = screenlock::linux(&lists);
    if let (Some(after), Some(true)) = (lock.lock_after_secs, lock.locks) {
        assert!(after > 0, "a screen that locks after 0 seconds");
    }
    let state = data
        .iter()
        .take(8)
        .fold(0u64, |n, b| (n << 8) | u64::from(*b));
    let _ = hparse::decode_product_state(state);
    read
}

// ---------------------------------------------------------------------------------------------
// The directory: LDIF, entries, facts and the judges.

fn directory_config(toml_text: &str) -> Option<Directory> {
    let mut d: Directory = toml::from_str(toml_text).ok()?;
    d.bind_password = Some(Secret::new("unused"));
    Some(d)
}

fn ad_dir() -> Option<&'static Directory> {
    static DIR: OnceLock<Option<Directory>> = OnceLock::new();
    DIR.get_or_init(|| {
        directory_config(
            r#"
            name = "ad"
            kind = "active-directory"
            url = "ldaps://127.0.9.1"
            bind_dn = "caretaker@stexample.sch.uk"
            bind_password_env = "UNUSED"
            base_dn = "DC=stexample,DC=sch,DC=uk"
            [populations.staff]
            ous = ["OU=Staff,OU=School,DC=stexample,DC=sch,DC=uk"]
            [populations.pupils]
            ous = ["OU=Pupils, OU=School, DC=stexample, DC=sch, DC=uk"]
            [[year_groups]]
            name = "EYFS"
            ou = "OU=EYFS,OU=Pupils,OU=School,DC=stexample,DC=sch,DC=uk"
            exempt = true
            [[year_groups]]
            name = "Year 1"
            group = "CN=Year 1,OU=School,DC=stexample,DC=sch,DC=uk"
            roll = 2
            "#,
        )
    })
    .as_ref()
}

fn ol_dir() -> Option<&'static Directory> {
    static DIR: OnceLock<Option<Directory>> = OnceLock::new();
    DIR.get_or_init(|| {
        directory_config(
            r#"
            name = "ldap"
            kind = "openldap"
            url = "ldaps://127.0.0.1:38942"
            bind_dn = "cn=caretaker,ou=system,dc=stexample,dc=sch,dc=uk"
            bind_password_env = "UNUSED"
            base_dn = "dc=stexample,dc=sch,dc=uk"
            [populations.staff]
            ous = ["ou=staff,ou=people,dc=stexample,dc=sch,dc=uk"]
            [populations.pupils]
            ous = ["ou=pupils,ou=people,dc=stexample,dc=sch,dc=uk"]
            [populations.admins]
            groups = ["cn=admins,ou=groups,dc=stexample,dc=sch,dc=uk"]
            [[year_groups]]
            name = "Year 1"
            group = "cn=year1,ou=groups,dc=stexample,dc=sch,dc=uk"
            roll = 2
            "#,
        )
    })
    .as_ref()
}

/// The entries of one LDIF text as both kinds of directory would read them: the AD root DSE,
/// domain root and PSOs picked out by their attributes, the rest as the main search.
fn raws(entries: &[Entry]) -> [Raw; 2] {
    let root_dse = entries
        .iter()
        .find(|e| e.dn.is_empty() || e.has("defaultnamingcontext"))
        .cloned();
    let domain = entries.iter().find(|e| e.has("minpwdlength")).cloned();
    let psos: Vec<Entry> = entries
        .iter()
        .filter(|e| e.has_class("msDS-PasswordSettings"))
        .cloned()
        .collect();
    let policies: Vec<Entry> = entries
        .iter()
        .filter(|e| e.has_class("pwdPolicy"))
        .cloned()
        .collect();
    let config: Vec<Entry> = entries
        .iter()
        .filter(|e| e.has("olcppolicydefault"))
        .cloned()
        .collect();
    let no_password: Vec<String> = entries.iter().step_by(3).map(|e| e.dn.clone()).collect();
    let ad = Raw {
        kind: DirectoryKind::ActiveDirectory,
        source: "ldaps://127.0.9.1".into(),
        base_dn: "DC=stexample,DC=sch,DC=uk".into(),
        observed_at: now(),
        root_dse,
        domain,
        psos,
        entries: entries.to_vec(),
        extra_policies: Vec::new(),
        no_password: dparse::NoPassword::NotApplicable,
        config: Vec::new(),
        notes: Vec::new(),
    };
    let ol = Raw {
        kind: DirectoryKind::Openldap,
        source: "ldaps://127.0.0.1:38942".into(),
        base_dn: "dc=stexample,dc=sch,dc=uk".into(),
        observed_at: now(),
        root_dse: None,
        domain: None,
        psos: Vec::new(),
        entries: entries.to_vec(),
        extra_policies: policies,
        no_password: dparse::NoPassword::Known(no_password),
        config,
        notes: vec![("fuzz".into(), "entries read from LDIF".into())],
    };
    [ad, ol]
}

/// An LDIF text: its entries, the machines they describe, and the facts and findings of both
/// kinds of directory.
pub fn ldif(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    let entries = match directory::parse_ldif(&text) {
        Ok(e) => e,
        Err(e) => {
            assert!(e.line >= 1, "an LDIF error on line 0");
            return false;
        }
    };
    let (found, skipped) = discover::computers(&entries);
    assert!(found.len() + skipped.len() <= entries.len());
    for raw in raws(&entries) {
        let facts = directory::facts(&raw);
        let dir = match raw.kind {
            DirectoryKind::ActiveDirectory => ad_dir(),
            DirectoryKind::Openldap => ol_dir(),
        };
        if let Some(dir) = dir {
            let findings = directory::judge(&facts, dir, now());
            serializes(&findings);
        }
    }
    true
}

/// Attribute values, one per line: every value reader, and the DN readers.
pub fn directory_values(data: &[u8]) -> bool {
    let mut read = false;
    let mut previous = String::new();
    for raw in data.split(|b| *b == b'\n') {
        if let Ok(sid) = dparse::parse_sid("objectSid", raw) {
            read = true;
            // What is read is shown as text, and that text reads back the same.
            let again = dparse::parse_sid("objectSid", sid.to_string().as_bytes());
            assert_eq!(again.as_ref().ok(), Some(&sid), "{sid} does not read back");
            let _ = sid.with_rid(512).rid();
        }
        let line = String::from_utf8_lossy(raw);
        let v = line.as_ref();
        read |= dparse::parse_i64("n", v).is_ok();
        read |= dparse::parse_u32("n", v).is_ok();
        read |= dparse::parse_bool("b", v).is_ok();
        read |= dparse::parse_uac("userAccountControl", v).is_ok();
        if let Ok(t) = dparse::parse_filetime("lastLogonTimestamp", v) {
            read = true;
            let _ = t.map(|t| t.unix_timestamp());
        }
        if let Ok(i) = dparse::parse_ad_interval("maxPwdAge", v) {
            read = true;
            let _ = i.to_string();
        }
        match dparse::parse_generalized_time("whenCreated", v) {
            Ok(t) => {
                read = true;
                assert_eq!(t.offset(), time::UtcOffset::UTC, "a time not in UTC");
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
        let n = dn::normalize(v);
        assert_eq!(dn::normalize_owned(v.to_string()), n);
        let _ = dn::first_rdn_value(v);
        let _ = dn::is_under(&n, &dn::normalize(&previous));
        previous = v.to_string();
    }
    read
}

// ---------------------------------------------------------------------------------------------
// The filter: the curl probe's document, response heads, page classification, proxy answers.

/// The rules a school's filter configuration gives: a sinkhole, a block host, its own block
/// page, and an inspection CA.
fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| Rules {
        sinkholes: "127.0.77.9".parse().into_iter().collect(),
        block_hosts: vec!["block.school.test".into()],
        block_pages: classify::builtin_block_pages(),
        own_block_pages: vec![("school filter".into(), "caretaker-blocked".into())],
        interception_issuers: vec!["Caretaker Trusted Test CA".into()],
    })
}

fn vantage() -> VantagePoint {
    VantagePoint {
        name: "pupil-pc".into(),
        group: "pupil".into(),
        site: Some("main".into()),
        how: "pupil-pc over SSH, direct".into(),
    }
}

fn test_of(url: &str, expect: Expect, category: &str, token: &str) -> FilterTest {
    FilterTest {
        url: url.to_string(),
        category: category.to_string(),
        expect,
        token: token.to_string(),
        clause: caretaker_checks::filter::default_clause(expect, category).to_string(),
    }
}

/// Classifies and judges one fetch as a must-block test, a must-load test and a control.
fn judge_fetch(token: &str, category: &str, fetch: &Fetch) -> Seen {
    let rules = rules();
    let vp = vantage();
    let seen = classify::classify(token, fetch, rules);
    if seen == Seen::Loaded {
        assert_eq!(
            fetch.outcome,
            Outcome::Response,
            "loaded without a response"
        );
    }
    let block = test_of(&fetch.url, Expect::Block, category, token);
    let load = test_of(&fetch.url, Expect::Load, "safeguarding", token);
    let _ = classify::inspected_by_filter(fetch, rules);
    let mut findings = vec![
        classify::judge_test(&vp, &block, fetch, rules),
        classify::judge_test(&vp, &load, fetch, rules),
    ];
    findings.extend(classify::judge_vantage(
        &vp,
        &load,
        fetch,
        &[(block, fetch.clone())],
        rules,
    ));
    serializes(&findings);
    seen
}

/// The URLs a probe document's results name, in order (the URLs the probe was asked for).
fn urls_in(stdout: &[u8]) -> Vec<String> {
    let doc: Value = match serde_json::from_slice(stdout) {
        Ok(v) => v,
        Err(_) => return vec!["http://www.site.test/page".into()],
    };
    let mut urls: Vec<String> = doc
        .get("results")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|r| r.get("url").and_then(Value::as_str))
                .take(64)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    // One more the document does not answer, and one asked twice.
    urls.push("http://not-in-the-output.test/".into());
    if let Some(first) = urls.first().cloned() {
        urls.push(first);
    }
    urls
}

/// The curl (or PowerShell) probe's stdout, asked for the URLs its results name: one fetch per
/// URL, each classified and judged.
pub fn curl_report(data: &[u8]) -> bool {
    let urls = urls_in(data);
    match curl::parse_report(data, &urls) {
        Ok(report) => {
            assert_eq!(report.fetches.len(), urls.len(), "not one fetch per URL");
            for (fetch, url) in report.fetches.iter().zip(&urls) {
                assert_eq!(&fetch.url, url, "fetches out of order");
                let _ = judge_fetch("caretaker-token-ok", "adult", fetch);
            }
            true
        }
        Err(e) => {
            assert!(!e.reason.is_empty(), "an error without a reason");
            false
        }
    }
}

/// Response heads as curl's `-D` saw them, in a probe document built around them: the first line
/// is the URL asked for (then optionally a tab and curl's `num_redirects`), every other line a
/// status line, optionally followed by a tab and a `Location`.
pub fn curl_headers(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let first = lines.next().unwrap_or_default();
    let (url, followed) = match first.split_once('\t') {
        Some((u, n)) => (u, Value::String(n.to_string())),
        None => (first, Value::Null),
    };
    let responses: Vec<Value> = lines
        .map(|l| {
            let (status, location) = match l.split_once('\t') {
                Some((s, loc)) => (s, Value::String(loc.to_string())),
                None => (l, Value::Null),
            };
            serde_json::json!({ "status_line": status, "location": location })
        })
        .collect();
    let last_status = responses
        .last()
        .and_then(|r| r.get("status_line"))
        .and_then(Value::as_str)
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("0")
        .to_string();
    let doc = serde_json::json!({
        "probe": curl::PROBE,
        "results": [{
            "url": url,
            "exit": 0,
            "curl": {
                "exitcode": 0,
                "http_code": last_status,
                "num_redirects": followed,
                "url_effective": url,
            },
            "responses": responses,
            "body_b64": "Y2FyZXRha2VyLXRva2VuLW9r",
        }],
    });
    let stdout = doc.to_string();
    let urls = vec![url.to_string()];
    match curl::parse_report(stdout.as_bytes(), &urls) {
        Ok(report) => {
            assert_eq!(report.fetches.len(), 1, "not one fetch per URL");
            for fetch in &report.fetches {
                let _ = judge_fetch("caretaker-token-ok", "adult", fetch);
            }
            true
        }
        Err(_) => false,
    }
}

const OUTCOMES: [Outcome; 15] = [
    Outcome::Response,
    Outcome::NxDomain,
    Outcome::ResolveTimeout,
    Outcome::ResolveFailed,
    Outcome::ConnectRefused,
    Outcome::ConnectReset,
    Outcome::ConnectTimeout,
    Outcome::Unreachable,
    Outcome::TlsUntrusted,
    Outcome::TlsFailed,
    Outcome::ProxyRefused,
    Outcome::ProxyUnreachable,
    Outcome::TooManyRedirects,
    Outcome::Timeout,
    Outcome::Other,
];

/// A fetched page as a response: a head (`HTTP/1.1 403 Forbidden`, then `Name: value` lines),
/// an empty line, the body. The head also carries what else a fetch records (`Location` for
/// every redirect followed; `X-Outcome`, `X-Proxy-Status`, `X-Proxy`, `X-Final-Url`,
/// `X-Tls-Issuer`, `X-Address`, `X-Truncated`, `X-Detail`; `X-Token` and `X-Category` of the
/// test). Without an empty line the whole input is the body of a 200.
pub fn classify_page(data: &[u8]) -> bool {
    let split = data
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|i| (&data[..i], &data[i + 2..]))
        .or_else(|| {
            data.windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map(|i| (&data[..i], &data[i + 4..]))
        });
    let (head, body) = split.unwrap_or((b"HTTP/1.1 200 OK", data));
    let head = String::from_utf8_lossy(head);
    let mut fetch = Fetch::failed("http://www.site.test/page", Outcome::Response, "");
    fetch.detail = None;
    fetch.body = body.to_vec();
    let mut token = "caretaker-token-ok".to_string();
    let mut category = "adult".to_string();
    for (i, line) in head.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if i == 0 && line.starts_with("HTTP/") {
            fetch.status = line
                .split_whitespace()
                .nth(1)
                .and_then(|c| c.parse::<u16>().ok());
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().to_string();
        match name.trim().to_ascii_lowercase().as_str() {
            "location" => fetch.redirects.push(value),
            "x-outcome" => {
                let n = value
                    .bytes()
                    .fold(0usize, |n, b| n.wrapping_add(usize::from(b)));
                fetch.outcome = OUTCOMES[n % OUTCOMES.len()];
                if let Some(o) = OUTCOMES.iter().find(|o| o.as_str() == value) {
                    fetch.outcome = *o;
                }
            }
            "x-proxy-status" => fetch.proxy_status = value.parse().ok(),
            "x-proxy" => fetch.proxy = Some(value),
            "x-final-url" => fetch.final_url = Some(value),
            "x-tls-issuer" => fetch.tls_issuer = Some(value),
            "x-address" => fetch.addresses.push(value),
            "x-truncated" => fetch.body_truncated = value == "true",
            "x-detail" => fetch.detail = Some(value),
            "x-token" => token = value,
            "x-category" => category = value,
            _ => {}
        }
    }
    let seen = judge_fetch(&token, &category, &fetch);
    if let Seen::Blocked(by) = &seen {
        let _ = by.words();
    }
    !matches!(seen, Seen::Unclear { .. })
}

/// Gives what it holds in pieces of at most `chunk` bytes, as a network connection does.
struct Chunked<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl tokio::io::AsyncRead for Chunked<'_> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let n = self.data.len().min(self.chunk).min(buf.remaining());
        let (now, rest) = self.data.split_at(n);
        buf.put_slice(now);
        self.data = rest;
        Poll::Ready(Ok(()))
    }
}

/// A proxy's answer to a CONNECT. The first byte says in what pieces the answer arrives (0: as
/// large as the reader asks), the second how much of a refusal page is kept; the rest is what the
/// proxy sent.
pub fn http_connect(data: &[u8]) -> bool {
    let (chunk, max_body, answer) = match data {
        [c, m, rest @ ..] => (
            if *c == 0 { usize::MAX } else { usize::from(*c) },
            [0, 1, 16, 512, 2048, 65_536][usize::from(*m) % 6],
            rest,
        ),
        _ => (usize::MAX, 2048, data),
    };
    let mut io = Chunked {
        data: answer,
        chunk,
    };
    let mut future = std::pin::pin!(read_connect_answer(&mut io, max_body));
    let mut cx = Context::from_waker(Waker::noop());
    // The reader is always ready: the answer is read in one poll, or the function waits for
    // nothing (a hang).
    let result = match future.as_mut().poll(&mut cx) {
        Poll::Ready(r) => r,
        Poll::Pending => panic!("reading an answer held in memory did not finish"),
    };
    match result {
        Ok(()) => true,
        Err(Tunnel::Refused {
            status,
            body,
            truncated,
        }) => {
            assert!(!(200..300).contains(&status), "a 2xx refusal");
            assert!(body.len() <= max_body, "more of the page kept than asked");
            let fetch = Fetch {
                outcome: Outcome::ProxyRefused,
                proxy_status: Some(status),
                body,
                body_truncated: truncated,
                proxy: Some("http://10.0.0.1:3128".into()),
                ..Fetch::failed("https://www.site.test/page", Outcome::ProxyRefused, "")
            };
            let _ = judge_fetch("caretaker-token-ok", "adult", &fetch);
            false
        }
        Err(Tunnel::Broken(why)) => {
            assert!(!why.is_empty(), "a broken tunnel without a reason");
            false
        }
    }
}

/// A certificate as a site presents it (DER): its issuer as evidence shows it, then whether the
/// filter's inspection CA issued it.
pub fn cert_issuer(data: &[u8]) -> bool {
    match issuer_of(data) {
        Some(issuer) => {
            let mut fetch = Fetch::failed("https://www.site.test/page", Outcome::TlsUntrusted, "");
            fetch.tls_issuer = Some(issuer);
            let _ = judge_fetch("caretaker-token-ok", "adult", &fetch);
            true
        }
        None => false,
    }
}
