//! One curl for many URLs: each URL's facts stay its own, the files curl writes are capped, the
//! per-URL path that older curls take gives the same document, and the processes started are
//! counted.

use std::process::Command;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::{
    body_text, parse_report, path_of, require_curl, run_sh, run_watching, server, sh_script,
    ProbeRequest, Server,
};
use crate::filter::model::Outcome;

fn page(status: &str, extra: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 {status}\r\n{extra}Content-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

/// `/p/N` answers by N mod 4: 1 redirects to `/p/N/next`, 2 is a 404, others a page; every page
/// names its path in its body and N in its Content-Type, after a delay that varies with N so
/// that the fetches end out of order. `/huge` is 1 MiB.
fn numbered() -> Server {
    server(Arc::new(|head: &str| {
        let path = path_of(head);
        if path == "/huge" {
            return (
                Duration::ZERO,
                page("200 OK", "", "text/html", &vec![b'x'; 1 << 20]),
            );
        }
        let n: usize = path
            .strip_prefix("/p/")
            .and_then(|r| r.split('/').next())
            .and_then(|x| x.parse().ok())
            .unwrap_or(0);
        let token = format!("<p>token-{path}</p>");
        let delay = Duration::from_millis(((n * 37) % 11 * 15) as u64);
        let response = if path.ends_with("/next") {
            page("200 OK", "", &format!("text/html; n={n}"), token.as_bytes())
        } else {
            match n % 4 {
                1 => page(
                    "302 Found",
                    &format!("Location: /p/{n}/next\r\n"),
                    "text/html",
                    b"",
                ),
                2 => page(
                    "404 Not Found",
                    "",
                    &format!("text/plain; n={n}"),
                    token.as_bytes(),
                ),
                _ => page("200 OK", "", &format!("text/html; n={n}"), token.as_bytes()),
            }
        };
        (delay, response)
    }))
}

fn numbered_request(base: &str, count: usize, concurrency: usize) -> ProbeRequest {
    ProbeRequest {
        urls: (0..count).map(|n| format!("{base}/p/{n}")).collect(),
        proxy: None,
        proxy_credentials: None,
        timeout_secs: 20,
        connect_timeout_secs: 5,
        max_body_bytes: 1000,
        max_redirects: 3,
        concurrency,
        lookups: Vec::new(),
    }
}

/// strace is needed to count the processes the probe starts: without it the test fails, saying
/// what to install.
fn require_strace() {
    let found = Command::new("sh")
        .args(["-c", "command -v strace"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "strace is not installed, and this test counts the probe's processes with it: \
         apt-get install strace (or run scripts/install-deps)"
    );
}

/// 100 URLs, 8 at a time, answered out of order: one curl fetches them all (and one more prints
/// its version), every result holds its own URL's facts and page, and the whole probe starts a
/// bounded number of programs (the per-URL script started over 1,000).
#[test]
fn a_hundred_urls_with_one_curl_and_no_facts_mixed_up() {
    require_curl();
    require_strace();
    let srv = numbered();
    let base = format!("http://127.0.0.1:{}", srv.port);
    let req = numbered_request(&base, 100, 8);
    let dir = tempfile::tempdir().unwrap();
    // One trace file per process (-ff): no call is split across lines of two processes.
    let mut cmd = Command::new("strace");
    cmd.args(["-ff", "-qq", "-e", "trace=execve", "-o"])
        .arg(dir.path().join("t"))
        .args(["/bin/sh", "-s"]);
    let out = run_watching(
        cmd,
        &sh_script(&req).unwrap(),
        Duration::from_secs(120),
        |_| {},
    );
    let report = parse_report(&out, &req.urls).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let doc: Value = serde_json::from_slice(&out).unwrap();
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 100);
    for (n, (f, r)) in report.fetches.iter().zip(results).enumerate() {
        let path = if n % 4 == 1 {
            format!("/p/{n}/next")
        } else {
            format!("/p/{n}")
        };
        assert_eq!(f.url, format!("{base}/p/{n}"));
        assert_eq!(r["index"], n);
        assert_eq!(f.outcome, Outcome::Response, "{f:?}");
        assert_eq!(f.status, Some(if n % 4 == 2 { 404 } else { 200 }), "{f:?}");
        assert_eq!(
            f.final_url.as_deref(),
            Some(format!("{base}{path}").as_str())
        );
        assert_eq!(body_text(f), format!("<p>token-{path}</p>"), "{f:?}");
        let ct = r["curl"]["content_type"].as_str().unwrap_or_default();
        assert!(ct.ends_with(&format!("; n={n}")), "{n}: {ct}");
        let responses = r["responses"].as_array().unwrap();
        assert_eq!(responses.len(), if n % 4 == 1 { 2 } else { 1 }, "{r}");
        assert_eq!(r["curl"]["num_connects"], if n % 4 == 1 { 2 } else { 1 });
    }
    let max = srv.max_active.load(Ordering::SeqCst);
    assert!((2..=8).contains(&max), "{max} requests at once");

    let mut trace = String::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        trace.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    let started: Vec<&str> = trace
        .lines()
        .filter(|l| l.contains("execve(\"") && l.trim_end().ends_with("= 0"))
        .collect();
    let curls = started.iter().filter(|l| l.contains("/curl\", ")).count();
    assert_eq!(curls, 2, "curl --version and one curl for all URLs");
    // sh, one encoder per body, and a few for the whole run (date, mktemp, awk, …).
    assert!(
        started.len() <= 100 + 20,
        "{} programs started: {started:#?}",
        started.len()
    );
}

/// A page past the cap: curl cannot write more than the cap (it stops with exit 23 long before
/// the 1 MiB is read, for that URL only), and the body is cut at max_body_bytes and says so.
#[test]
fn a_body_past_the_cap_stops_that_url_only() {
    require_curl();
    let srv = numbered();
    let base = format!("http://127.0.0.1:{}", srv.port);
    let mut req = numbered_request(&base, 3, 2);
    req.urls.insert(1, format!("{base}/huge"));
    for mode in ["auto", "per-url"] {
        let script = sh_script(&req)
            .unwrap()
            .replace("\nFETCHMODE=auto\n", &format!("\nFETCHMODE={mode}\n"));
        assert!(script.contains(&format!("\nFETCHMODE={mode}\n")));
        let out = run_sh(&script, Duration::from_secs(60));
        let report = parse_report(&out, &req.urls).unwrap();
        let doc: Value = serde_json::from_slice(&out).unwrap();
        let huge = &doc["results"][1];
        assert_eq!(huge["exit"], 23, "{mode}: {huge}");
        assert_eq!(huge["curl"]["exitcode"], 23, "{mode}: {huge}");
        let read = huge["curl"]["size_download"].as_u64().unwrap();
        assert!(read < 1 << 19, "{mode}: curl read {read} bytes");
        let f = &report.fetches[1];
        assert_eq!(f.outcome, Outcome::Response, "{mode}: {f:?}");
        assert_eq!(f.body, vec![b'x'; 1000], "{mode}");
        assert!(f.body_truncated, "{mode}");
        for i in [0, 2, 3] {
            assert_eq!(
                doc["results"][i]["exit"], 0,
                "{mode}: {}",
                doc["results"][i]
            );
            assert!(!report.fetches[i].body_truncated);
        }
    }
}

/// The per-URL path (curl before 7.75, one curl per URL) and the single curl give the same
/// document but for timings, and both clean up after themselves.
#[test]
fn one_curl_and_one_per_url_give_the_same_document() {
    require_curl();
    let srv = numbered();
    let base = format!("http://127.0.0.1:{}", srv.port);
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut req = numbered_request(&base, 9, 3);
    req.urls.push(format!("http://127.0.0.1:{refused}/"));
    req.urls
        .push(format!("http://localhost:{}/p/8?q=[1-2]", srv.port));
    let mut docs = Vec::new();
    for mode in ["auto", "per-url"] {
        let script = sh_script(&req)
            .unwrap()
            .replace("\nFETCHMODE=auto\n", &format!("\nFETCHMODE={mode}\n"));
        let mut sh = Command::new("/bin/sh");
        sh.arg("-s").env("TMPDIR", tmp.path());
        let out = run_watching(sh, &script, Duration::from_secs(60), |_| {});
        let mut doc: Value = serde_json::from_slice(&out).unwrap();
        let fetches = parse_report(&out, &req.urls).unwrap().fetches;
        assert_eq!(fetches[9].outcome, Outcome::ConnectRefused, "{mode}");
        assert_eq!(fetches[10].addresses, vec!["127.0.0.1".to_string()]);
        for k in ["started_at", "finished_at"] {
            doc[k] = Value::Null;
        }
        for r in doc["results"].as_array_mut().unwrap() {
            let c = r["curl"].as_object_mut().unwrap();
            c.retain(|k, _| !k.starts_with("time_") && k != "errormsg");
            // "… after N ms: …"
            let m = r["curl_stderr"]
                .as_str()
                .map(|s| s.split(" after ").next().unwrap_or("").to_string());
            r["curl_stderr"] = m.into();
        }
        docs.push(doc);
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            0,
            "{mode}: its temporary directory is left behind"
        );
    }
    assert_eq!(docs[0], docs[1]);
    assert!(docs[0]["results"][9]["curl_stderr"]
        .as_str()
        .is_some_and(|s| s.starts_with("curl: (7) Failed to connect")));
}
